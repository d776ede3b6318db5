//! # local-api
//!
//! Every endpoint group merged into one axum server over the embedded store
//! (or DynamoDB, see [`store`]):
//! the local stand-in for API Gateway + one Lambda per group. Also serves the
//! OpenAPI document generated from the handlers at `GET /openapi.json`
//! (assembled in `openapi.rs`).

use axum::routing::get;
use axum::Router;
use crm_http::{route, AppState, Auth, Routes};

pub mod events;
pub mod keys;
pub mod metrics;
mod openapi;
pub mod reply;
pub mod sender;
pub mod store;

pub use openapi::{openapi, openapi_json, LINKS};

/// Every group's routes (each registered once, with its OpenAPI
/// operation, in the group's `router()`) plus `/openapi.json`, not yet
/// wrapped by [`crm_http::app`]. The OpenAPI document ([`openapi`]) and the
/// route list ([`api_routes`]) are read off this same registration.
pub fn routes() -> Routes {
    crm_customers::router()
        .merge(crm_context::router())
        .merge(crm_log::router())
        .merge(crm_messages::router())
        .merge(crm_conversations::router())
        .merge(crm_ingest::router())
        .route(route!(openapi::openapi_json))
}

/// Every (lowercase method, path template) the API serves beside `/health`
/// and `/openapi.json`, read off [`routes`]: what `template.yaml` must map
/// (its test) and what the OpenAPI document describes.
pub fn api_routes() -> Vec<(String, String)> {
    let mut list = Vec::new();
    for (path, item) in routes().openapi().paths.paths {
        for method in crm_http::openapi::methods(&item) {
            if path != "/openapi.json" {
                list.push((method.to_string(), path.clone()));
            }
        }
    }
    list
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
        .undocumented("/events", get(events::stream))
        .undocumented("/metrics", get(metrics::render))
        .map_router(|r| r.layer(axum::Extension(hub)));
    crm_http::app(routes, state, auth)
}

/// `state` publishing seed 001's events to a new [`events::Hub`], and the hub.
pub fn with_events(state: AppState) -> (AppState, events::Hub) {
    let hub = events::Hub::new();
    let crm = state.crm.with_events(std::sync::Arc::new(hub.clone()));
    (AppState { crm }, hub)
}
