//! What the connection endpoints take and return (`/ingest/connections`,
//! issue 8; seed 002 "Obtaining an API Key").

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::types::{schema, text, Platform};

/// Longest caller-chosen `connection_id`.
pub const MAX_CONNECTION_ID_LEN: usize = 64;
/// Longest connection `name`, in characters.
pub const MAX_CONNECTION_NAME_LEN: usize = 200;

/// A connection as the API returns it. Never carries its secret or the
/// secret's hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Connection {
    /// The sender's `connection_id` in ingest requests (`wa_business_123`).
    pub connection_id: String,
    /// The platform its requests must name.
    pub platform: Platform,
    /// A label for people.
    pub name: String,
    /// Inactive connections are refused (403 `Connection is inactive`).
    pub is_active: bool,
    /// Where the CRM `POST`s the replies to this connection's
    /// conversations, signed (issue 22; docs/sending.md); `null`: they wait
    /// for an external sender at `GET /messages/outbound`.
    pub delivery_url: Option<String>,
    /// The secret deliveries are signed with (`X-CRM-Signature`), shown
    /// only in the answer of the call that set `delivery_url` or rotated
    /// it (`POST …/rotate-delivery-secret`); never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_secret: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// Answer of create and rotate: the connection and its `api_secret`, shown
/// this once (only its SHA-256 is stored). The sender sends it as `x-api-key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConnectionWithSecret {
    /// The connection.
    #[serde(flatten)]
    pub connection: Connection,
    /// 256 random bits, base64url: the sender's `x-api-key`.
    pub api_secret: String,
}

/// Body of `POST /ingest/connections`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewConnection {
    /// `whatsapp`, `signal`, `telegram` or `wechat`.
    pub platform: Platform,
    /// A label for people (required, not blank, ≤ 200 characters).
    #[schema(schema_with = name_schema)]
    pub name: String,
    /// Caller-chosen id (`wa_business_123`: letters, digits, `_`, `-`, `.`;
    /// ≤ 64), else one is generated. A taken id is a 409.
    #[schema(schema_with = id_schema)]
    pub connection_id: Option<String>,
}

/// Body of `PATCH /ingest/connections/{connection_id}`: absent fields are kept.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ConnectionPatch {
    /// New label (not blank, ≤ 200 characters); `null` keeps it.
    #[schema(schema_with = optional_name_schema)]
    pub name: Option<String>,
    /// Turn ingest on or off for this connection.
    pub is_active: Option<bool>,
    /// Where to `POST` the replies to this connection's conversations: an
    /// `https` URL with no credentials whose host is not a private,
    /// loopback, link-local or metadata address (≤ 2,048 bytes); blank
    /// removes it; `null` keeps it. The answer then carries
    /// `delivery_secret`, shown this once (issue 22).
    #[schema(schema_with = delivery_url_schema)]
    pub delivery_url: Option<String>,
}

fn name_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schema::not_blank(MAX_CONNECTION_NAME_LEN, "A label for people.").into()
}

fn optional_name_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schema::any_of([
        schema::null(),
        schema::not_blank(MAX_CONNECTION_NAME_LEN, "A label for people."),
    ])
    .into()
}

fn delivery_url_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schema::any_of([schema::null(), schema::blank(), schema::delivery_url()]).into()
}

fn id_schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    schema::any_of([schema::null(), schema::connection_id()]).into()
}

/// Checks a `connection_id` (path or body): 1–64 of `A–Z a–z 0–9 _ - .`.
pub fn check_connection_id(field: &str, raw: &str) -> DomainResult<String> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_CONNECTION_ID_LEN
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(raw.to_string())
    } else {
        Err(DomainError::invalid(
            field,
            format!("`{field}` must be 1 to {MAX_CONNECTION_ID_LEN} letters, digits, `_`, `-` or `.`, e.g. wa_business_123"),
        ))
    }
}

/// Checks a connection name: not blank, ≤ 200 characters as sent.
pub(crate) fn check_name(raw: &str) -> DomainResult<String> {
    text("name", Some(raw), MAX_CONNECTION_NAME_LEN)?
        .ok_or_else(|| DomainError::invalid("name", "`name` must not be blank"))
}
