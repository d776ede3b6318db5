//! # crm-ingest
//!
//! The ingest endpoint group (seed 002, issue 8): the messaging connections
//! that external senders (WhatsApp, Signal, Telegram, WeChat) push chats
//! through, managed with the CRM's API key under `/ingest/connections`.
//! Rules in `crm_domain::connections`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use crm_domain::connections::{Connection, ConnectionPatch, ConnectionWithSecret, NewConnection};
use crm_domain::types::schema;
use crm_http::openapi::Paging;
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{OpenApi, PartialSchema, ToSchema};

/// The group's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/ingest/connections",
            get(list_connections).post(create_connection),
        )
        .route(
            "/ingest/connections/{connection_id}",
            get(get_connection)
                .patch(update_connection)
                .delete(delete_connection),
        )
        .route(
            "/ingest/connections/{connection_id}/rotate-secret",
            post(rotate_secret),
        )
}

/// The group's OpenAPI paths.
#[derive(OpenApi)]
#[openapi(paths(
    create_connection,
    list_connections,
    get_connection,
    update_connection,
    rotate_secret,
    delete_connection
))]
pub struct IngestApi;

/// A `connection_id` path segment, as the OpenAPI document states it.
pub struct ConnectionId;

impl PartialSchema for ConnectionId {
    fn schema() -> RefOr<Schema> {
        schema::connection_id().into()
    }
}

impl ToSchema for ConnectionId {}

/// Answer of `GET /ingest/connections`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionList {
    /// The page of connections, by `connection_id`.
    pub connections: Vec<Connection>,
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// Answer of `DELETE /ingest/connections/{connection_id}`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConnectionDeleted {
    /// Always true.
    pub success: bool,
    /// The deleted connection.
    pub deleted_id: String,
}

/// `POST /ingest/connections`: a connection and its `api_secret`, shown once.
#[utoipa::path(post, path = "/ingest/connections", tag = "ingest", request_body = NewConnection,
    responses(
        (status = 201, description = "Created; `api_secret` is shown this once", body = ConnectionWithSecret),
        (status = 409, description = "The chosen `connection_id` is taken", body = ErrorBody)))]
pub async fn create_connection(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<NewConnection>,
) -> ApiResult<(StatusCode, Json<ConnectionWithSecret>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.crm.create_connection(&input).await?),
    ))
}

/// `GET /ingest/connections`: by `connection_id`; never a secret.
#[utoipa::path(get, path = "/ingest/connections", tag = "ingest", params(Paging),
    responses((status = 200, description = "A page of connections", body = ConnectionList)))]
pub async fn list_connections(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<ConnectionList>> {
    let page = s.crm.list_connections(&q.list_params(&[])?).await?;
    Ok(Json(ConnectionList {
        count: page.items.len(),
        connections: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /ingest/connections/{connection_id}`.
#[utoipa::path(get, path = "/ingest/connections/{connection_id}", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = Connection), (status = 404, body = ErrorBody)))]
pub async fn get_connection(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Connection>> {
    Ok(Json(s.crm.get_connection(&id).await?))
}

/// `PATCH /ingest/connections/{connection_id}`: `name`, `is_active`.
#[utoipa::path(patch, path = "/ingest/connections/{connection_id}", tag = "ingest", request_body = ConnectionPatch,
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = Connection), (status = 404, body = ErrorBody)))]
pub async fn update_connection(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(patch): JsonBody<ConnectionPatch>,
) -> ApiResult<Json<Connection>> {
    Ok(Json(s.crm.update_connection(&id, &patch).await?))
}

/// `POST /ingest/connections/{connection_id}/rotate-secret`: a new
/// `api_secret`, shown once; the old one stops working at once.
#[utoipa::path(post, path = "/ingest/connections/{connection_id}/rotate-secret", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionWithSecret), (status = 404, body = ErrorBody)))]
pub async fn rotate_secret(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<ConnectionWithSecret>> {
    Ok(Json(s.crm.rotate_connection_secret(&id).await?))
}

/// `DELETE /ingest/connections/{connection_id}`: ingested messages stay.
#[utoipa::path(delete, path = "/ingest/connections/{connection_id}", tag = "ingest",
    params(("connection_id" = ConnectionId, Path, description = "Connection id")),
    responses((status = 200, body = ConnectionDeleted), (status = 404, body = ErrorBody)))]
pub async fn delete_connection(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<ConnectionDeleted>> {
    s.crm.delete_connection(&id).await?;
    Ok(Json(ConnectionDeleted {
        success: true,
        deleted_id: id,
    }))
}
