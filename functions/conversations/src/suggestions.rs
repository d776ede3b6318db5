//! A conversation's reply suggestions (issue 9, 10; seed 001 §3–8): read
//! the pending one, approve, reject, reply instead, regenerate, rate;
//! archive the conversation. Rules in `crm_domain::flows::review`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use crm_domain::suggestions::review::{
    ActionResult, ApproveRequest, ArchiveRequest, CustomReply, FeedbackRequest, RegenerateRequest,
    Regenerating, RejectRequest,
};
use crm_domain::suggestions::{AiSuggestion, Suggestion};
use crm_domain::types::ContextId;
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, OptionalJsonBody, PathParam, PathParams};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Answer of `GET /conversations/{context_id}/ai-suggestion` while the
/// draft is being made (202).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Generating {
    /// `generating`: poll again shortly.
    pub status: String,
    /// The inbound message being answered (`log_id`).
    pub reply_to_message_id: i64,
}

/// `GET /conversations/{context_id}/ai-suggestion` (seed 001 §3, issue 9):
/// the conversation's pending reply suggestion; 202 `{"status": "generating"}`
/// while a job for its latest inbound message is queued or running; 404
/// when there is none.
#[utoipa::path(get, path = "/conversations/{context_id}/ai-suggestion", tag = "suggestions",
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses(
        (status = 200, description = "The pending suggestion", body = Suggestion),
        (status = 202, description = "A draft is being made; poll again", body = Generating),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation, or no pending suggestion", body = ErrorBody)))]
pub async fn get_ai_suggestion(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Response> {
    let id = ContextId::parse("context_id", &id)?;
    Ok(match s.crm.ai_suggestion(&id).await? {
        AiSuggestion::Ready(suggestion) => Json(suggestion).into_response(),
        AiSuggestion::Generating {
            reply_to_message_id,
        } => (
            StatusCode::ACCEPTED,
            Json(Generating {
                status: "generating".into(),
                reply_to_message_id,
            }),
        )
            .into_response(),
    })
}

fn context_id(raw: &str) -> ApiResult<ContextId> {
    Ok(ContextId::parse("context_id", raw)?)
}

/// `POST /conversations/{context_id}/approve` (seed 001 §4): logs the
/// pending suggestion (or its edit) as a pending outbound message.
#[utoipa::path(post, path = "/conversations/{context_id}/approve", tag = "suggestions", request_body = ApproveRequest,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses(
        (status = 200, description = "`data`: `conversation_id`, `message_id` of the logged reply", body = ActionResult),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation or suggestion", body = ErrorBody),
        (status = 409, description = "Not the pending suggestion (already approved, rejected, superseded), or a newer draft is being made", body = ErrorBody)))]
pub async fn approve(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(req): JsonBody<ApproveRequest>,
) -> ApiResult<Json<ActionResult>> {
    Ok(Json(
        s.crm.approve_suggestion(&context_id(&id)?, &req).await?,
    ))
}

/// `POST /conversations/{context_id}/reject` (seed 001 §5).
#[utoipa::path(post, path = "/conversations/{context_id}/reject", tag = "suggestions", request_body = RejectRequest,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses(
        (status = 200, description = "`data`: `suggestion_id`", body = ActionResult),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation or suggestion", body = ErrorBody),
        (status = 409, description = "Not the pending suggestion", body = ErrorBody)))]
pub async fn reject(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(req): JsonBody<RejectRequest>,
) -> ApiResult<Json<ActionResult>> {
    Ok(Json(
        s.crm.reject_suggestion(&context_id(&id)?, &req).await?,
    ))
}

/// `POST /conversations/{context_id}/reply` (seed 001 §6): a custom reply,
/// logged as a pending outbound message; the pending suggestion is superseded.
#[utoipa::path(post, path = "/conversations/{context_id}/reply", tag = "suggestions", request_body = CustomReply,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses(
        (status = 200, description = "`data`: `conversation_id`, `message_id`", body = ActionResult),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No inbound message to reply to", body = ErrorBody)))]
pub async fn reply(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(req): JsonBody<CustomReply>,
) -> ApiResult<Json<ActionResult>> {
    Ok(Json(
        s.crm.send_custom_reply(&context_id(&id)?, &req).await?,
    ))
}

/// `POST /conversations/{context_id}/regenerate` (seed 001 §7): a new draft
/// with a tone, length or instruction; 202 with the id it will have.
#[utoipa::path(post, path = "/conversations/{context_id}/regenerate", tag = "suggestions", request_body = Option<RegenerateRequest>,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses(
        (status = 202, description = "Queued; poll `GET …/ai-suggestion`", body = Regenerating),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation or message", body = ErrorBody),
        (status = 409, description = "Not active, or no inbound message", body = ErrorBody),
        (status = 429, description = "Over `CRM_REGENERATE_PER_MINUTE` (default 20) for this conversation; see `Retry-After`", body = ErrorBody)))]
pub async fn regenerate(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    OptionalJsonBody(req): OptionalJsonBody<RegenerateRequest>,
) -> ApiResult<(StatusCode, Json<Regenerating>)> {
    let queued = s
        .crm
        .regenerate_suggestion(&context_id(&id)?, &req, s.crm.now())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// `PATCH /conversations/{context_id}/archive` (seed 001 §8).
#[utoipa::path(patch, path = "/conversations/{context_id}/archive", tag = "suggestions", request_body = Option<ArchiveRequest>,
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses(
        (status = 200, description = "`data`: `conversation_id`, `archived_at`", body = ActionResult),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn archive(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    OptionalJsonBody(req): OptionalJsonBody<ArchiveRequest>,
) -> ApiResult<Json<ActionResult>> {
    Ok(Json(
        s.crm.archive_conversation(&context_id(&id)?, &req).await?,
    ))
}

/// `PUT /conversations/{context_id}/suggestions/{suggestion_id}/feedback`
/// (issue 10): `user_rating` (1–5) and/or `feedback_notes`, any status.
#[utoipa::path(put, path = "/conversations/{context_id}/suggestions/{suggestion_id}/feedback", tag = "suggestions", request_body = FeedbackRequest,
    params(
        ("context_id" = ContextId, Path, description = "Conversation id (UUID)"),
        ("suggestion_id" = String, Path, description = "Suggestion id (UUID)")),
    responses(
        (status = 200, description = "The suggestion after the change", body = Suggestion),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation or suggestion", body = ErrorBody)))]
pub async fn feedback(
    State(s): State<AppState>,
    PathParams((id, suggestion_id)): PathParams<(String, String)>,
    JsonBody(req): JsonBody<FeedbackRequest>,
) -> ApiResult<Json<Suggestion>> {
    Ok(Json(
        s.crm
            .suggestion_feedback(&context_id(&id)?, &suggestion_id, &req)
            .await?,
    ))
}
