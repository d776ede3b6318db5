//! The conversation handlers of guide §20–26 (rules in
//! `crm_domain::conversations` and `crm_domain::flows`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use crm_domain::conversations::{
    Conversation, ConversationFilter, ConversationPatch, NewConversation,
};
use crm_domain::stats::ConversationStats;
use crm_domain::types::{ContextId, ConversationStatus, CustomerId};
use crm_http::openapi::Paging;
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, OptionalJsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Answer of `GET /conversations`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationList {
    /// The page of conversations, newest first.
    pub conversations: Vec<Conversation>,
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// How a conversation is closed (guide §25).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum CloseStatus {
    /// Successfully converted (the default).
    #[default]
    Resolved,
    /// Dead lead.
    Archived,
    /// Follow up later (stays the customer's open conversation).
    Paused,
}

/// Body of `POST /conversations/{context_id}/close`; empty means `resolved`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// `resolved`, `archived` or `paused`.
    #[serde(default)]
    pub status: CloseStatus,
}

/// A conversation with a `success` flag (close) or a `created` flag (get-or-create).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationOutcome {
    /// The conversation after the call.
    #[serde(flatten)]
    pub conversation: Conversation,
    /// Always true (close).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// True when this call created it (get-or-create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
}

/// `GET /conversations` (guide §20): newest first.
#[utoipa::path(get, path = "/conversations", tag = "conversations",
    params(
        ("status" = Option<ConversationStatus>, Query, description = "active | paused | resolved | archived"),
        ("customer_id" = Option<CustomerId>, Query, description = "Only this customer's"),
        ("needs_reply" = Option<bool>, Query, description = "true: active conversations whose newest message is inbound (seed 001 `needs_reply`); false: active ones waiting for the customer (`waiting`)"),
        Paging),
    responses((status = 200, body = ConversationList), (status = 400, body = ErrorBody)))]
pub async fn list_conversations(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<ConversationList>> {
    let filter = ConversationFilter {
        status: q.enum_param("status", "active, paused, resolved, archived")?,
        customer_id: q
            .get("customer_id")
            .map(|c| CustomerId::parse("customer_id", c))
            .transpose()?,
        needs_reply: q.bool_param("needs_reply")?,
    };
    let page = s
        .crm
        .list_conversations(
            &filter,
            &q.list_params(&["status", "customer_id", "needs_reply"])?,
        )
        .await?;
    Ok(Json(ConversationList {
        count: page.items.len(),
        conversations: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /conversations/{context_id}` (guide §21).
#[utoipa::path(get, path = "/conversations/{context_id}", tag = "conversations",
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_conversation(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        s.crm
            .get_conversation(&ContextId::parse("context_id", &id)?)
            .await?,
    ))
}

/// `GET /conversations/customer/{customer_id}` (guide §22): the open (active or paused) conversation.
#[utoipa::path(get, path = "/conversations/customer/{customer_id}", tag = "conversations",
    params(("customer_id" = CustomerId, Path, description = "Customer id")),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 404, description = "No active conversation found", body = ErrorBody)))]
pub async fn open_conversation_for_customer(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        s.crm
            .open_conversation_for(CustomerId::parse("customer_id", &id)?)
            .await?,
    ))
}

/// `POST /conversations` (guide §23).
#[utoipa::path(post, path = "/conversations", tag = "conversations", request_body = NewConversation,
    responses(
        (status = 201, body = Conversation),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown customer", body = ErrorBody),
        (status = 409, description = "The customer already has an open conversation (`context_id`)", body = ErrorBody)))]
pub async fn create_conversation(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<NewConversation>,
) -> ApiResult<(StatusCode, Json<Conversation>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.crm.create_conversation(&input).await?),
    ))
}

/// `PUT /conversations/{context_id}` (guide §24).
#[utoipa::path(put, path = "/conversations/{context_id}", tag = "conversations", request_body = ConversationPatch,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses((status = 200, body = Conversation), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_conversation(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(patch): JsonBody<ConversationPatch>,
) -> ApiResult<Json<Conversation>> {
    Ok(Json(
        s.crm
            .update_conversation(&ContextId::parse("context_id", &id)?, &patch)
            .await?,
    ))
}

/// `POST /conversations/{context_id}/close` (guide §25).
#[utoipa::path(post, path = "/conversations/{context_id}/close", tag = "conversations", request_body = Option<CloseRequest>,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses((status = 200, body = ConversationOutcome), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn close_conversation(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    OptionalJsonBody(req): OptionalJsonBody<CloseRequest>,
) -> ApiResult<Json<ConversationOutcome>> {
    let status = match req.status {
        CloseStatus::Resolved => ConversationStatus::Resolved,
        CloseStatus::Archived => ConversationStatus::Archived,
        CloseStatus::Paused => ConversationStatus::Paused,
    };
    let patch = ConversationPatch {
        status: Some(Some(status)),
        ..Default::default()
    };
    let conversation = s
        .crm
        .update_conversation(&ContextId::parse("context_id", &id)?, &patch)
        .await?;
    Ok(Json(ConversationOutcome {
        conversation,
        success: Some(true),
        created: None,
    }))
}

/// `POST /conversations/get-or-create` (guide §26).
#[utoipa::path(post, path = "/conversations/get-or-create", tag = "conversations", request_body = NewConversation,
    responses((status = 200, body = ConversationOutcome), (status = 400, body = ErrorBody), (status = 404, description = "Unknown customer", body = ErrorBody)))]
pub async fn get_or_create_conversation(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<NewConversation>,
) -> ApiResult<Json<ConversationOutcome>> {
    let (conversation, created) = s.crm.get_or_create_conversation(&input).await?;
    Ok(Json(ConversationOutcome {
        conversation,
        success: None,
        created: Some(created),
    }))
}

/// `GET /conversations/stats` (seed 001 §9): counts and this week's figures,
/// from counters maintained on write (one `BatchGetItem`, whatever is stored).
#[utoipa::path(get, path = "/conversations/stats", tag = "suggestions",
    responses((status = 200, body = ConversationStats)))]
pub async fn conversation_stats(State(s): State<AppState>) -> ApiResult<Json<ConversationStats>> {
    Ok(Json(s.crm.conversation_stats().await?))
}
