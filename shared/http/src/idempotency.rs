//! The `Idempotency-Key` header on the creating `POST`s (issue 11; rules in
//! `crm_domain::idempotency`): a middleware around the handler, so each
//! creating endpoint is idempotent without a line of its own.
//!
//! Without the header a request runs as ever. With it: a 400 for a
//! malformed key; the first request with a key runs and its answer (status
//! and body) is kept for 24 hours; a retry with the same key and the same
//! request answers that (with `Idempotent-Replayed: true`) and runs
//! nothing; the same key with another method, path or body is a 422; a retry
//! while the first is still running waits for its answer up to about 3 s,
//! then is a 409. Keys are scoped per API key
//! (`x-api-key`, which API Gateway passes through). The ingest and Twilio
//! webhooks are not covered: they deduplicate by their own message ids.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use crm_domain::idempotency::{
    fingerprint, in_flight, Begin, IdempotencyKey, StoredAnswer, MAX_STORED_BODY,
};

use crate::error::ApiError;
use crate::extract::{read_body_up_to, MAX_BODY_BYTES};
use crate::AppState;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The response header of a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";

/// Pauses (ms) between looks at a key whose first request is still
/// running: about 3 s in all, then a 409.
const IN_FLIGHT_WAITS: [u64; 8] = [20, 40, 80, 160, 320, 640, 800, 1000];

/// The creating `POST` routes that honour the header.
pub const ROUTES: [&str; 5] = [
    "/customers",
    "/customers/upsert",
    "/log",
    "/conversations",
    "/conversations/get-or-create",
];

/// The scope of a key: the first 16 hex digits of the SHA-256 of the
/// caller's `x-api-key` (`-` without one).
fn scope(request: &Request) -> String {
    match request
        .headers()
        .get(crate::auth::HEADER)
        .and_then(|v| v.to_str().ok())
    {
        Some(key) => crate::auth::to_hex(&crate::auth::digest(key))[..16].to_string(),
        None => "-".to_string(),
    }
}

/// Middleware: see the module docs.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let covered =
        request.method() == Method::POST && route.as_deref().is_some_and(|r| ROUTES.contains(&r));
    let Some(raw) = request.headers().get(HEADER).filter(|_| covered) else {
        return next.run(request).await;
    };
    // A header that is not visible ASCII reads as empty: the same 400.
    let key = match IdempotencyKey::parse(raw.to_str().unwrap_or("")) {
        Ok(key) => key,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let scope = scope(&request);
    let (parts, bytes) = match read_body_up_to(request, MAX_BODY_BYTES).await {
        Ok(read) => read,
        Err(e) => return e.into_response(),
    };
    let print = fingerprint(
        parts.method.as_str(),
        route.as_deref().unwrap_or(""),
        &bytes,
    );
    // A retry while the first request runs waits for its answer (bounded,
    // well inside API Gateway's 29 s), then gives up with a 409.
    let mut waits = IN_FLIGHT_WAITS.iter();
    let claim = loop {
        match state.crm.begin_idempotent(&scope, &key, &print).await {
            Ok(Begin::Proceed(claim)) => break claim,
            Ok(Begin::Replay(answer)) => return replay(answer),
            Ok(Begin::InFlight) => match waits.next() {
                Some(ms) => tokio::time::sleep(std::time::Duration::from_millis(*ms)).await,
                None => return ApiError::from(in_flight(&key)).into_response(),
            },
            Err(e) => return ApiError::from(e).into_response(),
        }
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (head, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    // The request never ran (malformed, too large, wrong type) or failed:
    // nothing to replay, the key is free again.
    let ran = !matches!(head.status.as_u16(), 400 | 413 | 415) && !head.status.is_server_error();
    let keep = ran && bytes.len() <= MAX_STORED_BODY;
    let answer = keep.then(|| StoredAnswer {
        status: head.status.as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    state.crm.finish_idempotent(&claim, answer).await;
    Response::from_parts(head, Body::from(bytes))
}

fn replay(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
