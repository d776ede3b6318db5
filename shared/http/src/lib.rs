//! # crm-http
//!
//! HTTP plumbing shared by every endpoint group: the error type and its JSON
//! rendering ([`error`]), extractors that turn bad input into 4xx
//! ([`extract`]), API keys ([`auth`]), request ids ([`request_id`]), the
//! common layers and fallbacks ([`app`]), and start-up from the environment
//! ([`bootstrap`]), what every operation shares in the OpenAPI document
//! ([`openapi`]), Twilio's signed form requests ([`twilio`]), and logs and
//! metrics ([`telemetry`]). Each group in `functions/` exposes its routes as
//! [`Routes`] (every route registered once, with its OpenAPI operation built
//! on demand, [`routes`]); [`app`] wraps them for Lambda or local-api.

pub mod auth;
pub mod bootstrap;
pub mod embedded;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod openapi;
pub mod request_id;
pub mod routes;
pub mod telemetry;
pub mod twilio;

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use crm_domain::Crm;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use auth::{ApiKeys, Auth};
pub use error::{ApiError, ApiResult, ErrorBody};
pub use extract::{JsonBody, OptionalJsonBody, PathParam, PathParams, QueryMap};
pub use routes::{Route, Routes};
pub use telemetry::init_tracing;

/// State shared by every handler: the CRM service, built once at start-up (cold start on Lambda).
#[derive(Clone)]
pub struct AppState {
    /// The business operations over the configured store.
    pub crm: Crm,
}

/// Answer of `GET /health`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// The running build's version.
    pub version: String,
}

/// `GET /health`: no key needed.
#[utoipa::path(get, path = "/health", tag = "health", security(()),
    responses((status = 200, description = "The service is up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// `GET /health` registered with its OpenAPI operation: every app serves
/// it ([`app`]); local-api's document describes it.
pub fn health_route() -> Routes {
    Routes::new().route(route!(health))
}

async fn no_route(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::NoRoute(format!("{method} {}", uri.path()))
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// One JSON log line per request: request id, method, route template (never
/// the raw path or query, which can hold emails and phones), status, latency.
async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    tracing::info!(
        request_id = %request_id::current(),
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let body = ErrorBody {
        error: "internal error; retry later or report the request_id".into(),
        code: "internal_error".into(),
        request_id: request_id::current(),
        field: None,
        customer_id: None,
        context_id: None,
    };
    tracing::error!(request_id = %body.request_id, "handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// Wraps a group's routes (its one registration, e.g.
/// `crm_customers::router()`; their OpenAPI half is never built here) with
/// `/health`, JSON 404/405 fallbacks, panic catching, `Idempotency-Key`
/// replay, the API-key check, the access log and request ids, and binds the
/// state.
pub fn app(routes: Routes, state: AppState, auth: Auth) -> Router {
    routes
        .merge(health_route())
        .into_router()
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ))
        .layer(middleware::from_fn_with_state(auth, auth::layer))
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(request_id::layer))
        .with_state(state)
}

/// The JSON shape of list answers' paging fields, documented once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PageInfo {
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}
