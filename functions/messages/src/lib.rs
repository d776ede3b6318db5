//! # crm-messages
//!
//! The messages endpoint group (guide §11–19): reading the log, delivery
//! status and the processing queue. Rules in `crm_domain::messages`
//! (a conversation's messages: `crm_domain::flows::context_messages`).

use axum::extract::State;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use crm_domain::messages::{MarkedProcessed, Message, MessageFilter};
use crm_domain::types::{Channel, ContextId, CustomerId, Direction, LogId, SendStatus};
use crm_domain::Listed;
use crm_http::openapi::Paging;
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The group's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messages", get(list_messages))
        .route("/messages/unprocessed", get(unprocessed_messages))
        .route("/messages/failed", get(failed_messages))
        .route("/messages/{log_id}", get(get_message))
        .route("/messages/{log_id}/status", put(update_status))
        .route("/messages/{log_id}/processed", post(mark_processed))
        .route("/messages/context/{context_id}", get(messages_for_context))
        .route(
            "/messages/context/{context_id}/processed",
            post(mark_context_processed),
        )
        .route(
            "/messages/customer/{customer_id}",
            get(messages_for_customer),
        )
}

/// The group's OpenAPI paths.
#[derive(OpenApi)]
#[openapi(paths(
    list_messages,
    get_message,
    messages_for_context,
    messages_for_customer,
    update_status,
    mark_processed,
    mark_context_processed,
    unprocessed_messages,
    failed_messages
))]
pub struct MessagesApi;

/// Answer of every message list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageList {
    /// The page of messages.
    pub messages: Vec<Message>,
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

impl From<Listed<Message>> for MessageList {
    fn from(page: Listed<Message>) -> Self {
        Self {
            count: page.items.len(),
            messages: page.items,
            next_cursor: page.next_cursor,
        }
    }
}

/// Body of `PUT /messages/{log_id}/status`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    /// `sent`, `delivered`, `failed` or `pending`.
    pub send_status: SendStatus,
}

/// Answer of `PUT /messages/{log_id}/status`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusUpdated {
    /// Always true.
    pub success: bool,
    /// The message.
    pub log_id: i64,
    /// Its new status.
    pub send_status: SendStatus,
}

/// Answer of `POST /messages/{log_id}/processed`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Processed {
    /// Always true.
    pub success: bool,
    /// The message.
    pub log_id: i64,
}

/// `GET /messages` (guide §11): newest first; `customer_id` narrows to one customer.
#[utoipa::path(get, path = "/messages", tag = "messages",
    params(
        ("channel" = Option<Channel>, Query, description = "Only this channel"),
        ("direction" = Option<Direction>, Query, description = "Only this direction"),
        ("customer_id" = Option<CustomerId>, Query, description = "Only this customer's messages"),
        Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody)))]
pub async fn list_messages(State(s): State<AppState>, q: QueryMap) -> ApiResult<Json<MessageList>> {
    let filter = MessageFilter {
        channel: q.enum_param("channel", crm_domain::types::CHANNELS)?,
        direction: q.enum_param("direction", "inbound, outbound")?,
        customer_id: q
            .get("customer_id")
            .map(|c| CustomerId::parse("customer_id", c))
            .transpose()?,
    };
    let params = q.list_params(&["channel", "direction", "customer_id"])?;
    Ok(Json(s.crm.list_messages(&filter, &params).await?.into()))
}

/// `GET /messages/{log_id}` (guide §12).
#[utoipa::path(get, path = "/messages/{log_id}", tag = "messages", params(("log_id" = LogId, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_message(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Message>> {
    Ok(Json(s.crm.get_message(LogId::parse(&id)?).await?))
}

/// `GET /messages/context/{context_id}` (guide §13): oldest first.
#[utoipa::path(get, path = "/messages/context/{context_id}", tag = "messages",
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)"),
        Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn messages_for_context(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    q: QueryMap,
) -> ApiResult<Json<MessageList>> {
    let id = ContextId::parse("context_id", &id)?;
    Ok(Json(
        s.crm
            .messages_for_context(&id, &q.list_params(&[])?)
            .await?
            .into(),
    ))
}

/// `GET /messages/customer/{customer_id}` (guide §14): oldest first, across conversations.
#[utoipa::path(get, path = "/messages/customer/{customer_id}", tag = "messages",
    params(("customer_id" = CustomerId, Path, description = "Customer id"),
        Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody)))]
pub async fn messages_for_customer(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    q: QueryMap,
) -> ApiResult<Json<MessageList>> {
    let id = CustomerId::parse("customer_id", &id)?;
    Ok(Json(
        s.crm
            .messages_for_customer(id, &q.list_params(&[])?)
            .await?
            .into(),
    ))
}

/// `PUT /messages/{log_id}/status` (guide §15).
#[utoipa::path(put, path = "/messages/{log_id}/status", tag = "messages", request_body = StatusRequest,
    params(("log_id" = LogId, Path, description = "Message id")),
    responses((status = 200, body = StatusUpdated), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_status(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    JsonBody(req): JsonBody<StatusRequest>,
) -> ApiResult<Json<StatusUpdated>> {
    let message = s
        .crm
        .set_send_status(LogId::parse(&id)?, req.send_status)
        .await?;
    Ok(Json(StatusUpdated {
        success: true,
        log_id: message.log_id,
        send_status: message.send_status,
    }))
}

/// `POST /messages/{log_id}/processed` (guide §16): idempotent.
#[utoipa::path(post, path = "/messages/{log_id}/processed", tag = "messages", params(("log_id" = LogId, Path, description = "Message id")),
    responses((status = 200, body = Processed), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_processed(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Processed>> {
    let message = s.crm.mark_processed(LogId::parse(&id)?).await?;
    Ok(Json(Processed {
        success: true,
        log_id: message.log_id,
    }))
}

/// `POST /messages/context/{context_id}/processed` (guide §17): up to 1000 per call.
#[utoipa::path(post, path = "/messages/context/{context_id}/processed", tag = "messages",
    params(("context_id" = ContextId, Path, description = "Conversation id (UUID)")),
    responses((status = 200, body = MarkedProcessed), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn mark_context_processed(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<MarkedProcessed>> {
    let id = ContextId::parse("context_id", &id)?;
    Ok(Json(s.crm.mark_context_processed(&id).await?))
}

/// `GET /messages/unprocessed` (guide §18): oldest first.
#[utoipa::path(get, path = "/messages/unprocessed", tag = "messages",
    params(Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody)))]
pub async fn unprocessed_messages(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<MessageList>> {
    Ok(Json(
        s.crm
            .unprocessed_messages(&q.list_params(&[])?)
            .await?
            .into(),
    ))
}

/// `GET /messages/failed` (guide §19): oldest first.
#[utoipa::path(get, path = "/messages/failed", tag = "messages",
    params(Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody)))]
pub async fn failed_messages(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<MessageList>> {
    Ok(Json(
        s.crm.failed_messages(&q.list_params(&[])?).await?.into(),
    ))
}
