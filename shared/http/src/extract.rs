//! Extractors that answer bad input with [`ApiError`] (never axum's plain-text
//! rejections): JSON bodies, path segments and query strings.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::{header, request::Parts};
use bytes::Bytes;
use crm_domain::{DomainError, ListParams};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest accepted request body, in bytes (413 above it): room for the
/// largest valid `POST /log` (65,536 characters of `message_body`, each up
/// to 6 bytes as a JSON escape, plus 16 KiB of metadata).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
pub fn is_json(parts: &Parts) -> bool {
    let Some(ct) = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

async fn read_body(request: Request) -> Result<(Parts, Bytes), ApiError> {
    read_body_up_to(request, MAX_BODY_BYTES).await
}

/// The request's head and body, at most `limit` bytes (413 above it, also
/// when `Content-Length` says so before anything is read).
pub async fn read_body_up_to(request: Request, limit: usize) -> Result<(Parts, Bytes), ApiError> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))?;
    Ok((parts, bytes))
}

/// Parses a JSON object body: 400 `malformed_json` when it is not JSON, 400
/// `validation_error` naming the field when it does not fit `T`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(ApiError::MalformedJson(format!(
            "request body is not valid JSON: {e}"
        )));
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::Domain(DomainError::invalid(
            "body",
            "the body must be a JSON object, e.g. {\"email\": \"john@example.com\"}",
        )));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let field = if path == "." {
            message
                .split('`')
                .nth(1)
                .filter(|_| message.starts_with("missing field"))
                .unwrap_or("body")
                .to_string()
        } else {
            path
        };
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        let text = if field == "body" {
            format!("invalid body: {message}")
        } else {
            format!("invalid `{field}`: {message}")
        };
        ApiError::Domain(DomainError::Invalid {
            field,
            message: text,
        })
    })
}

/// A required JSON body (`Content-Type: application/json`, ≤ 1 MiB).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, bytes) = read_body(request).await?;
        if !is_json(&parts) {
            return Err(ApiError::UnsupportedMediaType);
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::MalformedJson(
                "request body is empty; send a JSON object".into(),
            ));
        }
        parse_json(&bytes).map(JsonBody)
    }
}

/// An optional JSON body: an empty body, or JSON `null`, gives `T::default()`;
/// anything else must be a JSON object as for [`JsonBody`].
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, bytes) = read_body(request).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(T::default()));
        }
        if !is_json(&parts) {
            return Err(ApiError::UnsupportedMediaType);
        }
        if serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| v.is_null()) {
            return Ok(OptionalJsonBody(T::default()));
        }
        parse_json(&bytes).map(OptionalJsonBody)
    }
}

/// The one path parameter of a route, percent-decoded.
#[derive(Debug)]
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| PathParam(p))
            .map_err(|e| {
                ApiError::Domain(DomainError::invalid(
                    "path",
                    format!("invalid path parameter: {e}"),
                ))
            })
    }
}

/// Several path parameters, in route order (e.g. `(String, String)`), percent-decoded.
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| PathParams(p))
            .map_err(|e| {
                ApiError::Domain(DomainError::invalid(
                    "path",
                    format!("invalid path parameters: {e}"),
                ))
            })
    }
}

/// The query string as name → value (the last value of a repeated name wins).
#[derive(Debug, Default)]
pub struct QueryMap(pub HashMap<String, String>);

impl QueryMap {
    /// The value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The guide's `limit` / `offset` plus `cursor`, validated, for a list
    /// whose own query parameters are `filters`. Any other parameter is a 400
    /// naming it: a client that believes it filtered must not get every item.
    pub fn list_params(&self, filters: &[&str]) -> Result<ListParams, ApiError> {
        const PAGING: [&str; 3] = ["limit", "offset", "cursor"];
        let known: Vec<&str> = filters.iter().chain(&PAGING).copied().collect();
        self.allow_only(&known)?;
        Ok(ListParams::parse(
            self.get("limit"),
            self.get("offset"),
            self.get("cursor"),
        )?)
    }

    /// A 400 naming the first parameter (in name order) not in `known`.
    pub fn allow_only(&self, known: &[&str]) -> Result<(), ApiError> {
        let mut unknown: Vec<&str> = self
            .0
            .keys()
            .map(String::as_str)
            .filter(|k| !known.contains(k))
            .collect();
        unknown.sort_unstable();
        match unknown.first() {
            None => Ok(()),
            Some(first) if known.is_empty() => Err(ApiError::Domain(DomainError::invalid(
                first,
                format!("`{first}` is not a parameter of this endpoint; it takes none"),
            ))),
            Some(first) => Err(ApiError::Domain(DomainError::invalid(
                first,
                format!(
                    "`{first}` is not a parameter of this endpoint; it takes {}",
                    known.join(", ")
                ),
            ))),
        }
    }

    /// The value of boolean parameter `name` (`true`/`false`, any case), if
    /// given; a 400 naming it otherwise.
    pub fn bool_param(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(raw) => Err(ApiError::Domain(DomainError::invalid(
                name,
                format!("`{name}` must be true or false; got {raw:?}"),
            ))),
        }
    }

    /// Parses an enum-valued parameter (`channel=sms`, any case), 400 naming
    /// it when unknown — also when empty or padded, as the OpenAPI `enum` says.
    pub fn enum_param<T: DeserializeOwned>(
        &self,
        name: &str,
        allowed: &str,
    ) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(raw) => {
                serde_json::from_value(serde_json::Value::String(raw.to_ascii_lowercase()))
                    .map(Some)
                    .map_err(|_| {
                        ApiError::Domain(DomainError::invalid(
                            name,
                            format!("`{name}` must be one of {allowed}; got {raw:?}"),
                        ))
                    })
            }
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| QueryMap(q))
            .map_err(|e| {
                ApiError::Domain(DomainError::invalid(
                    "query",
                    format!("invalid query string: {e}"),
                ))
            })
    }
}
