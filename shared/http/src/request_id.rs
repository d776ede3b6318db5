//! The request id: behind API Gateway its `$context.requestId` (the id the
//! API access log records, so one request is followed from the access log to
//! the function log); otherwise a sane `x-request-id` header, or made up
//! (UUID v4). Held in a task-local while the request runs so any error can
//! report it, recorded on a `request` tracing span so every log line of the
//! request carries it (`spans[].request_id`), and echoed in the `x-request-id`
//! response header. Source: issue 12 (tracing).

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Header carrying the request id both ways.
pub const HEADER: &str = "x-request-id";

/// The id of the request being served (`"unknown"` outside one).
pub fn current() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "unknown".to_string())
}

fn acceptable(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// API Gateway's id of this request, when it came through API Gateway (REST).
fn gateway_request_id(request: &Request) -> Option<String> {
    match request
        .extensions()
        .get::<lambda_http::request::RequestContext>()
    {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) => {
            ctx.request_id.clone().filter(|id| acceptable(id))
        }
        _ => None,
    }
}

/// Middleware: assigns the id and runs the rest of the stack inside its scope
/// and inside a `request` span carrying it.
pub async fn layer(request: Request, next: Next) -> Response {
    let id = gateway_request_id(&request)
        .or_else(|| {
            request
                .headers()
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .filter(|v| acceptable(v))
                .map(str::to_string)
        })
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span))
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, v);
    }
    response
}
