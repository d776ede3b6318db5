//! # crm-ingest
//!
//! The ingest endpoint group (seed 002, issue 8): `POST
//! /functions/v1/messaging-ingest`, through which external senders
//! (WhatsApp, Signal, Telegram, WeChat) push chats, authenticated by their
//! connection's secret; and the connections themselves, managed with the
//! CRM's API key under `/ingest/connections`. Rules in
//! `crm_domain::flows::ingest` and `crm_domain::connections`. Also Twilio's
//! inbound-message webhook (issue 11), `POST /webhooks/twilio/messages`:
//! SMS and WhatsApp messages to the account's numbers, signed with
//! `X-Twilio-Signature`.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::Json;
use crm_domain::connections::{Connection, ConnectionPatch, ConnectionWithSecret, NewConnection};
use crm_domain::flows::ingest::api::{
    IngestRequest, IngestResponse, MAX_CONVERSATIONS, MAX_MESSAGES,
};
use crm_domain::types::{schema, Platform};
use crm_domain::DomainError;
use crm_http::extract::{is_json, parse_json, read_body_up_to};
use crm_http::openapi::Paging;
use crm_http::ApiError;
use crm_http::{route, Routes};
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// The group's routes, each registered once with its OpenAPI operation
/// (the handler's `#[utoipa::path]`).
pub fn router() -> Routes {
    Routes::new()
        .route(route!(messaging_ingest))
        .route(route!(create_connection, list_connections))
        .route(route!(get_connection, update_connection, delete_connection))
        .route(route!(rotate_secret))
        .route(route!(rotate_delivery_secret))
        .route(route!(twilio_inbound))
}

/// Seed 002's path of the ingest endpoint.
pub const INGEST_PATH: &str = "/functions/v1/messaging-ingest";

/// Largest ingest request body: API Gateway's payload limit for a Lambda
/// proxy (6 MB); 413 above it, nothing written.
pub const MAX_INGEST_BODY_BYTES: usize = 6 * 1000 * 1000;

/// `POST /functions/v1/messaging-ingest` (seed 002): chats of one connection
/// into the CRM. Checks, in this order, with seed 002's sentences: 400
/// `Missing required fields: …` (naming the missing ones), 401 `Missing
/// x-api-key header`, 401 `Invalid connection_id or platform`, 401 `Invalid
/// API key`, 403 `Connection is inactive`; then 413 above 100 conversations
/// or 500 messages. Each conversation then has its own result; a malformed
/// one is `error: <what>` and the others go through (still 200).
#[utoipa::path(post, path = "/functions/v1/messaging-ingest", tag = "ingest", request_body = IngestRequest,
    security(("connection_secret" = [])),
    responses(
        (status = 200, description = "Every conversation's result", body = IngestResponse),
        (status = 400, description = "`Missing required fields: platform, connection_id, conversations` (the missing ones), or a malformed body", body = ErrorBody),
        (status = 401, description = "`Missing x-api-key header`, `Invalid connection_id or platform` or `Invalid API key`", body = ErrorBody),
        (status = 403, description = "`Connection is inactive`", body = ErrorBody),
        (status = 413, description = "Over 6 MB, 100 conversations or 500 messages; nothing written", body = ErrorBody),
        (status = 415, description = "Not `Content-Type: application/json`", body = ErrorBody),
        (status = 503, description = "The store is busy; retry (deduplication makes it safe)", body = ErrorBody)))]
pub async fn messaging_ingest(
    State(s): State<AppState>,
    request: Request,
) -> ApiResult<Json<IngestResponse>> {
    let (parts, bytes) = read_body_up_to(request, MAX_INGEST_BODY_BYTES).await?;
    if !is_json(&parts) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body: serde_json::Map<String, serde_json::Value> = parse_json(&bytes)?;
    let missing: Vec<&str> = ["platform", "connection_id", "conversations"]
        .into_iter()
        .filter(|f| body.get(*f).is_none_or(serde_json::Value::is_null))
        .collect();
    if let Some(first) = missing.first() {
        return Err(DomainError::invalid(
            first,
            format!("Missing required fields: {}", missing.join(", ")),
        )
        .into());
    }
    let key = parts
        .headers
        .get(crm_http::auth::HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or(DomainError::Unauthenticated("Missing x-api-key header"))?;
    const UNKNOWN: DomainError = DomainError::Unauthenticated("Invalid connection_id or platform");
    let platform: Platform =
        serde_json::from_value(body["platform"].clone()).map_err(|_| UNKNOWN)?;
    let connection_id = body["connection_id"].as_str().ok_or(UNKNOWN)?;
    let auth = s
        .crm
        .authenticate_connection(connection_id, platform, key)
        .await?;

    let Some(conversations) = body.get("conversations").and_then(|c| c.as_array()) else {
        return Err(DomainError::invalid(
            "conversations",
            "`conversations` must be an array of conversations",
        )
        .into());
    };
    if conversations.len() > MAX_CONVERSATIONS {
        return Err(ApiError::LimitExceeded(format!(
            "at most {MAX_CONVERSATIONS} conversations per request, got {}; nothing was written",
            conversations.len()
        )));
    }
    let messages: usize = conversations
        .iter()
        .map(|c| {
            c.get("messages")
                .and_then(|m| m.as_array())
                .map_or(0, Vec::len)
        })
        .sum();
    if messages > MAX_MESSAGES {
        return Err(ApiError::LimitExceeded(format!(
            "at most {MAX_MESSAGES} messages per request, got {messages}; nothing was written"
        )));
    }
    Ok(Json(s.crm.ingest(&auth, conversations.clone()).await?))
}

/// A `connection_id` path segment, as the OpenAPI document states it.
pub struct ConnectionId;

impl PartialSchema for ConnectionId {
    fn schema() -> RefOr<Schema> {
        schema::connection_id().into()
    }
}

impl ToSchema for ConnectionId {}

/// Answer of `GET /ingest/connections`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionList {
    /// The page of connections, by `connection_id`.
    pub connections: Vec<Connection>,
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// Answer of `DELETE /ingest/connections/{connection_id}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionDeleted {
    /// Always true.
    pub success: bool,
    /// The deleted connection.
    pub deleted_id: String,
}

/// `POST /ingest/connections`: a connection and its `api_secret`, shown once.
#[utoipa::path(post, path = "/ingest/connections", tag = "ingest", request_body = NewConnection,
    responses(
        (status = 201, description = "Created; `api_secret` is shown this once", body = ConnectionWithSecret),
        (status = 409, description = "The chosen `connection_id` is taken", body = ErrorBody)))]
pub async fn create_connection(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<NewConnection>,
) -> ApiResult<(StatusCode, Json<ConnectionWithSecret>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.crm.create_connection(&input).await?),
    ))
}

/// `GET /ingest/connections`: by `connection_id`; never a secret.
#[utoipa::path(get, path = "/ingest/connections", tag = "ingest", params(Paging),
    responses((status = 200, description = "A page of connections", body = ConnectionList)))]
pub async fn list_connections(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<ConnectionList>> {
    let page = s.crm.list_connections(&q.list_params(&[])?).await?;
    Ok(Json(ConnectionList {
        count: page.items.len(),
        connections: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /ingest/connections/{connection_id}`.
#[utoipa::path(get, path = "/ingest/connections/{connection_id}", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = Connection), (status = 404, body = ErrorBody)))]
pub async fn get_connection(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Connection>> {
    Ok(Json(s.crm.get_connection(&id).await?))
}

/// `PATCH /ingest/connections/{connection_id}`: `name`, `is_active`,
/// `delivery_url` (issue 22: the answer then carries `delivery_secret`, once).
#[utoipa::path(patch, path = "/ingest/connections/{connection_id}", tag = "ingest", request_body = ConnectionPatch,
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = Connection), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_connection(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(patch): JsonBody<ConnectionPatch>,
) -> ApiResult<Json<Connection>> {
    Ok(Json(s.crm.update_connection(&id, &patch).await?))
}

/// `POST /ingest/connections/{connection_id}/rotate-secret`: a new
/// `api_secret`, shown once; the old one stops working at once.
#[utoipa::path(post, path = "/ingest/connections/{connection_id}/rotate-secret", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionWithSecret), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<ConnectionWithSecret>> {
    Ok(Json(s.crm.rotate_connection_secret(&id).await?))
}

/// `POST /ingest/connections/{connection_id}/rotate-delivery-secret`
/// (issue 22): a new `delivery_secret`, shown once; deliveries are signed
/// with it from now on. 409 when the connection has no `delivery_url`.
#[utoipa::path(post, path = "/ingest/connections/{connection_id}/rotate-delivery-secret", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = Connection), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The connection has no delivery_url")))]
pub async fn rotate_delivery_secret(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Connection>> {
    Ok(Json(s.crm.rotate_delivery_secret(&id).await?))
}

/// `DELETE /ingest/connections/{connection_id}`: ingested messages stay.
#[utoipa::path(delete, path = "/ingest/connections/{connection_id}", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionDeleted), (status = 404, body = ErrorBody)))]
pub async fn delete_connection(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<ConnectionDeleted>> {
    s.crm.delete_connection(&id).await?;
    Ok(Json(ConnectionDeleted {
        success: true,
        deleted_id: id,
    }))
}

/// Twilio's answer to an inbound message: empty TwiML (no automatic reply;
/// replies come from the suggestion workflow).
pub const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

/// `POST /webhooks/twilio/messages` (issue 11): Twilio's inbound-message
/// webhook (a number's or Messaging Service's "A message comes in" URL). Signed
/// with `X-Twilio-Signature`, no API key. Logs the SMS or WhatsApp message as
/// an inbound message of the customer holding `From` (created when unknown),
/// once per `MessageSid`, and asks for a reply draft; answers empty TwiML.
#[utoipa::path(post, path = "/webhooks/twilio/messages", tag = "ingest", security(()),
    params(("X-Twilio-Signature" = String, Header, description = "Twilio's signature of the URL and the form")),
    request_body(content = TwilioInboundForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Logged (or logged before): empty TwiML", content_type = "text/xml", body = String,
            example = json!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")),
        (status = 400, body = ErrorBody),
        (status = 403, description = "Missing or invalid X-Twilio-Signature", body = ErrorBody),
        (status = 415, body = ErrorBody)))]
pub async fn twilio_inbound(
    State(s): State<AppState>,
    request: crm_http::twilio::TwilioRequest,
) -> ApiResult<impl axum::response::IntoResponse> {
    s.crm.verify_twilio(&request.signed())?;
    let message = crm_domain::flows::ingest::twilio::InboundMessage::from_params(
        &request.params,
        s.crm.settings().default_region,
    )?;
    s.crm.receive_twilio_message(&message).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        EMPTY_TWIML,
    ))
}

/// The form Twilio posts for an incoming message (the parameters this API
/// reads; every parameter sent is covered by the signature).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct TwilioInboundForm {
    /// The message's SID (`SM…`, `MM…` with media).
    #[schema(pattern = "^[A-Za-z0-9]{2,64}$")]
    pub MessageSid: String,
    /// The sender: `+14165551234`, or `whatsapp:+14165551234`.
    pub From: String,
    /// The account's number it was sent to.
    pub To: Option<String>,
    /// The text.
    pub Body: Option<String>,
    /// How many media items it carries.
    pub NumMedia: Option<String>,
    /// The WhatsApp sender's profile name.
    pub ProfileName: Option<String>,
}
