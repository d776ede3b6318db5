//! # local-api
//!
//! Every endpoint group merged into one axum server over the embedded store
//! (or DynamoDB, see [`store`]):
//! the local stand-in for API Gateway + one Lambda per group. Also serves the
//! OpenAPI document generated from the handlers at `GET /openapi.json`
//! (assembled in `openapi.rs`).

use axum::routing::get;
use axum::Router;
use crm_http::{AppState, Auth};

pub mod events;
pub mod keys;
pub mod metrics;
mod openapi;
pub mod reply;
pub mod store;

pub use openapi::{openapi, openapi_json, LINKS};

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

/// The AI reply suggestion routes, the conversation stats and the escalation
/// tickets (seed 001 and 003, issues 9–10), in the conversations group.
pub const SUGGESTION_ROUTES: [(&str, &str); 12] = [
    ("get", "/conversations/{context_id}/ai-suggestion"),
    ("get", "/conversations/stats"),
    ("post", "/conversations/{context_id}/approve"),
    ("post", "/conversations/{context_id}/reject"),
    ("post", "/conversations/{context_id}/reply"),
    ("post", "/conversations/{context_id}/regenerate"),
    ("patch", "/conversations/{context_id}/archive"),
    (
        "put",
        "/conversations/{context_id}/suggestions/{suggestion_id}/feedback",
    ),
    ("post", "/escalations"),
    ("get", "/escalations"),
    ("get", "/escalations/{ticket_id}"),
    ("put", "/escalations/{ticket_id}"),
];

/// The ingest group's routes (seed 002, issue 8): the ingest endpoint and
/// the messaging connections.
pub const INGEST_ROUTES: [(&str, &str); 7] = [
    ("post", "/functions/v1/messaging-ingest"),
    ("post", "/ingest/connections"),
    ("get", "/ingest/connections"),
    ("get", "/ingest/connections/{connection_id}"),
    ("patch", "/ingest/connections/{connection_id}"),
    ("delete", "/ingest/connections/{connection_id}"),
    ("post", "/ingest/connections/{connection_id}/rotate-secret"),
];

/// Twilio's callbacks (issue 11): status callbacks in the messages group,
/// the inbound-message webhook in the ingest group; signed with
/// `X-Twilio-Signature`, no API key.
pub const TWILIO_ROUTES: [(&str, &str); 3] = [
    ("post", "/messages/{log_id}/status"),
    ("post", "/webhooks/twilio/status"),
    ("post", "/webhooks/twilio/messages"),
];

/// Every route of the API beside `/health` and `/openapi.json`: the guide's,
/// the ingest group's, the suggestions' and Twilio's.
pub fn api_routes() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    GUIDE_ROUTES
        .iter()
        .chain(INGEST_ROUTES.iter())
        .chain(SUGGESTION_ROUTES.iter())
        .chain(TWILIO_ROUTES.iter())
}

/// Every group's routes plus `/openapi.json` (not yet wrapped by [`crm_http::app`]).
pub fn routes() -> Router<AppState> {
    crm_customers::router()
        .merge(crm_context::router())
        .merge(crm_log::router())
        .merge(crm_messages::router())
        .merge(crm_conversations::router())
        .merge(crm_ingest::router())
        .route("/openapi.json", get(openapi_json))
}

/// The whole API with the common layers, ready to serve.
pub fn app(state: AppState, auth: Auth) -> Router {
    crm_http::app(routes(), state, auth)
}

/// [`app`] plus `GET /events`, the server-sent stream of what `hub`
/// receives (seed 001's events, issue 10), and `GET /metrics`, the
/// service's metrics in Prometheus text ([`metrics`], issue 12; installs the
/// process's recorder). `state`'s service should publish to `hub` ([`with_events`]).
pub fn app_with_events(state: AppState, auth: Auth, hub: events::Hub) -> Router {
    metrics::handle();
    let routes = routes()
        .route("/events", get(events::stream))
        .route("/metrics", get(metrics::render))
        .layer(axum::Extension(hub));
    crm_http::app(routes, state, auth)
}

/// `state` publishing seed 001's events to a new [`events::Hub`], and the hub.
pub fn with_events(state: AppState) -> (AppState, events::Hub) {
    let hub = events::Hub::new();
    let crm = state.crm.with_events(std::sync::Arc::new(hub.clone()));
    (AppState { crm }, hub)
}
