//! # local-api
//!
//! Every endpoint group merged into one axum server over the embedded store
//! (or DynamoDB, see [`store`]):
//! the local stand-in for API Gateway + one Lambda per group. Also serves the
//! OpenAPI document generated from the handlers at `GET /openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use crm_http::{AppState, Auth};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub mod keys;
pub mod store;

/// The guide's Quick Reference: its 26 endpoints as (lowercase method, path
/// template with this API's parameter names). Tests hold the routers, the
/// OpenAPI document and `template.yaml` to this list.
pub const GUIDE_ROUTES: [(&str, &str); 26] = [
    ("post", "/customers"),
    ("get", "/customers"),
    ("get", "/customers/{id}"),
    ("put", "/customers/{id}"),
    ("delete", "/customers/{id}"),
    ("post", "/customers/lookup"),
    ("post", "/customers/upsert"),
    ("get", "/context/{identifier}"),
    ("post", "/context/{identifier}/update"),
    ("post", "/log"),
    ("get", "/messages"),
    ("get", "/messages/{log_id}"),
    ("get", "/messages/context/{context_id}"),
    ("get", "/messages/customer/{customer_id}"),
    ("put", "/messages/{log_id}/status"),
    ("post", "/messages/{log_id}/processed"),
    ("post", "/messages/context/{context_id}/processed"),
    ("get", "/messages/unprocessed"),
    ("get", "/messages/failed"),
    ("get", "/conversations"),
    ("get", "/conversations/{context_id}"),
    ("get", "/conversations/customer/{customer_id}"),
    ("post", "/conversations"),
    ("put", "/conversations/{context_id}"),
    ("post", "/conversations/{context_id}/close"),
    ("post", "/conversations/get-or-create"),
];

/// Every group's routes plus `/openapi.json` (not yet wrapped by [`crm_http::app`]).
pub fn routes() -> Router<AppState> {
    crm_customers::router()
        .merge(crm_context::router())
        .merge(crm_log::router())
        .merge(crm_messages::router())
        .merge(crm_conversations::router())
        .route("/openapi.json", get(openapi_json))
}

/// The whole API with the common layers, ready to serve.
pub fn app(state: AppState, auth: Auth) -> Router {
    crm_http::app(routes(), state, auth)
}

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM conversation API",
        version = "2.0.0",
        description = "Customers, conversations (context) and the message log, per the API Usage Guide v2. \
Every endpoint but /health and /openapi.json needs the `x-api-key` header. Errors are JSON: \
`{\"error\": \"…\", \"code\": \"…\", \"request_id\": \"…\"}`. Lists take `limit`, `offset` and `cursor` and answer `count` and `next_cursor`."
    ),
    paths(crm_http::health, openapi_json),
    components(schemas(crm_http::ErrorBody)),
    modifiers(&ApiKeyScheme),
    security(("api_key" = [])),
    tags(
        (name = "customers", description = "Guide §1–7"),
        (name = "context", description = "Guide §8–9"),
        (name = "messages", description = "Guide §10–19"),
        (name = "conversations", description = "Guide §20–26"),
        (name = "health", description = "Liveness and the API description")
    )
)]
struct BaseApi;

/// The OpenAPI 3.1 document of the whole API, generated from the handlers' annotations.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = BaseApi::openapi();
    doc.merge(crm_customers::CustomersApi::openapi());
    doc.merge(crm_context::ContextApi::openapi());
    doc.merge(crm_log::LogApi::openapi());
    doc.merge(crm_messages::MessagesApi::openapi());
    doc.merge(crm_conversations::ConversationsApi::openapi());
    doc
}

/// `GET /openapi.json`: this API's description (no key needed).
#[utoipa::path(get, path = "/openapi.json", tag = "health", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
