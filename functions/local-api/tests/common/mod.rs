//! Shared by the route tests (`openapi.rs`, `template_routes.rs`): a route
//! template filled with placeholder ids, and whether an app routes it.

use tower::ServiceExt;

/// `path` with each `{parameter}` replaced by a well-formed placeholder.
pub fn concrete(path: &str) -> String {
    path.replace("{id}", "1")
        .replace("{identifier}", "1")
        .replace("{log_id}", "1")
        .replace("{customer_id}", "1")
        .replace("{ticket_id}", "TKT-2026-000001")
        .replace("{suggestion_id}", "6f1c1f5e-0000-4000-8000-000000000001")
        .replace("{connection_id}", "wa_business_123")
        .replace("{context_id}", "6f1c1f5e-0000-4000-8000-000000000000")
}

/// `None` when `app` routes `method path` (whatever it answers), else the
/// status and body that say it has no such route (the JSON "no endpoint"
/// 404, or a 405).
pub async fn unrouted(
    app: axum::Router,
    method: &str,
    path: &str,
) -> Option<(u16, serde_json::Value)> {
    let request = axum::http::Request::builder()
        .method(method.to_uppercase().as_str())
        .uri(concrete(path))
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{}"))
        .expect("request");
    let response = app.oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let no_route = status == 405
        || body["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("no endpoint"));
    no_route.then_some((status, body))
}
