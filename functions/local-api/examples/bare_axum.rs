//! The benchmark's baseline: a bare axum server answering `GET /customers/{id}`
//! with a fixed customer-shaped JSON body, no store, no middleware.
//! `cargo run --release -p local-api --example bare_axum -- 127.0.0.1:3901`

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

async fn customer(Path(id): Path<String>) -> Json<Value> {
    Json(
        json!({"customer_id": id, "name": "Bench Customer", "email": "bench@example.com", "phone": "+14165550000",
        "phone_normalized": "+14165550000", "company": "Bench Inc", "external_crm_id": null,
        "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"}),
    )
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3901".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(
        listener,
        Router::new().route("/customers/{id}", get(customer)),
    )
    .await
}
