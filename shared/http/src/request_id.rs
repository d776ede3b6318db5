//! The request id: taken from a sane `x-request-id` header or made up (UUID v4),
//! held in a task-local while the request runs so any error can report it,
//! and echoed in the `x-request-id` response header.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

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

/// Middleware: assigns the id and runs the rest of the stack inside its scope.
pub async fn layer(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let mut response = REQUEST_ID.scope(id.clone(), next.run(request)).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, v);
    }
    response
}
