//! # crm-context
//!
//! The context endpoint group (guide §8–9): the agent's primary entry point.
//! Rules in `crm_domain::flows::context` (the view) and
//! `crm_domain::flows::update_conversation` (the update).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use crm_domain::conversations::{ContextRef, ContextUpdated, ConversationPatch};
use crm_domain::flows::{ContextLookup, ContextView};
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use utoipa::OpenApi;

/// The group's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/context/{identifier}", get(get_context))
        .route("/context/{identifier}/update", post(update_context))
}

/// The group's OpenAPI paths.
#[derive(OpenApi)]
#[openapi(paths(get_context, update_context))]
pub struct ContextApi;

/// `GET /context/{identifier}?by=id|email|phone_normalized|context_id` (guide §8).
/// A conversation id (UUID) answers that conversation's context.
#[utoipa::path(get, path = "/context/{identifier}", tag = "context",
    params(
        ("identifier" = String, Path, description = "Customer id, email or phone (URL-encoded), or a conversation id (UUID)"),
        ("by" = Option<String>, Query, description = "id | email | phone_normalized (| phone) | context_id; inferred when absent")),
    responses(
        (status = 200, description = "The open conversation (`is_new: false`) or none (`is_new: true`)", body = ContextView),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Customer (or conversation) not found", body = ErrorBody)))]
pub async fn get_context(
    State(s): State<AppState>,
    PathParam(identifier): PathParam,
    q: QueryMap,
) -> ApiResult<Json<ContextView>> {
    let lookup = ContextLookup::parse(&identifier, q.get("by"), &s.crm)?;
    Ok(Json(s.crm.context(&lookup).await?))
}

/// `POST /context/{context_id}/update` (guide §9). A UUID names the
/// conversation; an integer names that customer's open conversation.
#[utoipa::path(post, path = "/context/{identifier}/update", tag = "context", request_body = ConversationPatch,
    params(("identifier" = String, Path, description = "Conversation id (UUID) or customer id (integer)")),
    responses((status = 200, body = ContextUpdated), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_context(
    State(s): State<AppState>,
    PathParam(identifier): PathParam,
    JsonBody(patch): JsonBody<ConversationPatch>,
) -> ApiResult<Json<ContextUpdated>> {
    let target = ContextRef::parse(&identifier)?;
    Ok(Json(s.crm.update_context(&target, &patch).await?))
}
