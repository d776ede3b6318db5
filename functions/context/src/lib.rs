//! # crm-context
//!
//! The context endpoint group (guide §8–9): the agent's primary entry point.
//! Rules in `crm_domain::flows::context` (the view) and
//! `crm_domain::flows::update_conversation` (the update).

use axum::extract::State;
use axum::Json;
use crm_domain::conversations::{ContextRef, ContextUpdated, ConversationPatch};
use crm_domain::flows::{ContextLookup, ContextView};
use crm_domain::types::schema;
use crm_http::{route, Routes};
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use serde::Deserialize;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// The group's routes, each registered once with its OpenAPI operation
/// (the handler's `#[utoipa::path]`).
pub fn router() -> Routes {
    Routes::new()
        .route(route!(get_context))
        .route(route!(update_context))
}

/// The `by` of `GET /context/{identifier}` as the OpenAPI document states it.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContextByQuery {
    /// How to read `identifier`, any case; inferred when absent (a UUID →
    /// conversation, `@` → email, leading `+` → phone, else customer id).
    #[param(schema_with = by_context)]
    pub by: Option<String>,
}

fn by_context() -> Schema {
    let mut values = crm_domain::customers::CUSTOMER_BY.to_vec();
    values.push("context_id");
    schema::enum_of(&values)
}

/// The path of `POST /context/{identifier}/update`: a conversation id or a
/// customer id (`ContextRef::parse`; anything else is a 400).
pub struct ContextOrCustomer;

impl PartialSchema for ContextOrCustomer {
    fn schema() -> RefOr<Schema> {
        schema::any_of([
            schema::uuid("Conversation id."),
            schema::positive_id("Customer id: that customer's open conversation."),
        ])
        .into()
    }
}

impl ToSchema for ContextOrCustomer {}

/// `GET /context/{identifier}?by=id|email|phone_normalized|context_id` (guide §8).
/// A conversation id (UUID) answers that conversation's context.
#[utoipa::path(get, path = "/context/{identifier}", tag = "context",
    params(
        ("identifier" = String, Path, description = "Customer id, email or phone (URL-encoded), or a conversation id (UUID). A value that cannot be one of the kind `by` names finds nothing: 404."),
        ContextByQuery),
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
    params(("identifier" = inline(ContextOrCustomer), Path, description = "Conversation id (UUID) or customer id (integer: that customer's open conversation)")),
    responses((status = 200, body = ContextUpdated), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_context(
    State(s): State<AppState>,
    PathParam(identifier): PathParam,
    JsonBody(patch): JsonBody<ConversationPatch>,
) -> ApiResult<Json<ContextUpdated>> {
    let target = ContextRef::parse(&identifier)?;
    Ok(Json(s.crm.update_context(&target, &patch).await?))
}
