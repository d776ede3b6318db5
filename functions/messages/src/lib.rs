//! # crm-messages
//!
//! The messages endpoint group (guide §11–19): reading the log, delivery
//! status and the processing queue. Rules in `crm_domain::messages`
//! (a conversation's messages: `crm_domain::flows::context_messages`).
//!
//! Issue 11 adds its real callers: Twilio's signed status callbacks
//! (`POST /messages/{log_id}/status`, `POST /webhooks/twilio/status`; no API
//! key, the signature is checked here) and leased polls of
//! `/messages/unprocessed` acknowledged with their `lease_token`.
//!
//! Issue 22 adds the outbox's two ends a person or an external sender
//! sees: `GET /messages/outbound` (sends waiting for an external sender,
//! leased like the unprocessed list) and `POST /messages/{log_id}/resend`.

use axum::extract::State;
use axum::Json;
use crm_domain::messages::{
    CallbackTarget, DeliveryUpdated, LeaseSeconds, LeasedPoll, MarkedProcessed, Message,
    MessageFilter,
};
use crm_domain::twilio::StatusCallback;
use crm_domain::types::{
    Channel, ContextId, CustomerId, Direction, LogId, ReportedStatus, SendStatus,
};
use crm_domain::DomainError;
use crm_domain::Listed;
use crm_http::openapi::Paging;
use crm_http::twilio::TwilioRequest;
use crm_http::{route, Routes};
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, OptionalJsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The group's routes, each registered once with its OpenAPI operation
/// (the handler's `#[utoipa::path]`).
pub fn router() -> Routes {
    Routes::new()
        .route(route!(list_messages))
        .route(route!(get_message))
        .route(route!(messages_for_context))
        .route(route!(messages_for_customer))
        .route(route!(update_status, twilio_status))
        .route(route!(twilio_status_by_sid))
        .route(route!(mark_processed))
        .route(route!(mark_context_processed))
        .route(route!(unprocessed_messages))
        .route(route!(failed_messages))
        .route(route!(outbound_messages))
        .route(route!(resend_message))
}

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
    /// `sent`, `delivered`, `failed` or `pending` (`sending` is the CRM
    /// sender's own state: a 400).
    pub send_status: ReportedStatus,
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

/// `PUT /messages/{log_id}/status` (guide §15): what a sender reports. A
/// message the CRM's own sender is calling a provider for (`sending`) is a
/// 409; `sending` itself is the sender's and not accepted here (issue 22).
#[utoipa::path(put, path = "/messages/{log_id}/status", tag = "messages", request_body = StatusRequest,
    params(("log_id" = LogId, Path, description = "Message id")),
    responses((status = 200, body = StatusUpdated), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The CRM's sender is sending it now")))]
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

/// Optional body of `POST /messages/{log_id}/processed` (issue 11).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProcessedRequest {
    /// The `lease_token` of a leased poll (also accepted as a query
    /// parameter; given both ways, either may hold the lease): acknowledges
    /// that lease; a stale one is a 409.
    #[schema(min_length = 1, max_length = 64)]
    pub lease_token: Option<String>,
}

/// `POST /messages/{log_id}/processed` (guide §16): idempotent. With a
/// `lease_token` (issue 11) it acknowledges a leased poll: 409 when the token
/// is stale (the lease ended and another poller leased the message).
#[utoipa::path(post, path = "/messages/{log_id}/processed", tag = "messages",
    params(("log_id" = LogId, Path, description = "Message id"),
        ("lease_token" = Option<String>, Query, min_length = 1, max_length = 64, description = "The lease to acknowledge (or in the body)")),
    request_body(content = Option<ProcessedRequest>, description = "Optional: the lease to acknowledge"),
    responses((status = 200, body = Processed), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The lease_token is stale", body = ErrorBody)))]
pub async fn mark_processed(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    q: QueryMap,
    OptionalJsonBody(body): OptionalJsonBody<ProcessedRequest>,
) -> ApiResult<Json<Processed>> {
    q.allow_only(&["lease_token"])?;
    let tokens = lease_tokens(q.get("lease_token"), body.lease_token.as_deref())?;
    let id = LogId::parse(&id)?;
    let message = match tokens.is_empty() {
        false => s.crm.acknowledge(id, &tokens).await?,
        true => s.crm.mark_processed(id).await?,
    };
    Ok(Json(Processed {
        success: true,
        log_id: message.log_id,
    }))
}

/// The lease tokens given in the query and the body (either may hold the
/// lease; a 400 when one is not a token's shape).
fn lease_tokens<'a>(query: Option<&'a str>, body: Option<&'a str>) -> ApiResult<Vec<&'a str>> {
    let mut tokens = Vec::new();
    for token in [query, body].into_iter().flatten() {
        if token.is_empty() || token.chars().count() > 64 {
            return Err(DomainError::invalid(
                "lease_token",
                "`lease_token` must be the 1–64 character token of a leased poll",
            )
            .into());
        }
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    Ok(tokens)
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

/// `GET /messages/unprocessed` (guide §18): oldest first. `lease_seconds`
/// (issue 11) leases the returned messages to this caller: no other leased
/// poll returns them for that long, each carries `lease_token` and
/// `lease_expires_at`, and `next_cursor` is `null` (poll again for more).
/// `dead=true` lists — or with `lease_seconds` leases — the messages leased
/// too often (`CRM_LEASE_MAX_RECEIVES`).
#[utoipa::path(get, path = "/messages/unprocessed", tag = "messages",
    params(
        ("lease_seconds" = Option<u32>, Query, minimum = 1, maximum = 900,
            description = "Lease the returned messages for this many seconds (1–900); `offset` then skips that many available messages, and `cursor` must be empty"),
        ("dead" = Option<bool>, Query, description = "true: the messages leased too often, which leased polls otherwise skip"),
        Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody)))]
pub async fn unprocessed_messages(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<MessageList>> {
    let params = q.list_params(&["lease_seconds", "dead"])?;
    let dead = q.bool_param("dead")?.unwrap_or(false);
    match leased_poll(&q, &params, dead)? {
        Some(poll) => Ok(Json(s.crm.lease_unprocessed(&poll).await?.into())),
        None if dead => Ok(Json(s.crm.dead_messages(&params).await?.into())),
        None => Ok(Json(s.crm.unprocessed_messages(&params).await?.into())),
    }
}

/// The leased poll `lease_seconds` asks for, if any (a 400 for a bad value
/// or a `cursor` beside it).
fn leased_poll(
    q: &QueryMap,
    params: &crm_domain::ListParams,
    dead: bool,
) -> Result<Option<LeasedPoll>, DomainError> {
    let Some(raw) = q.get("lease_seconds") else {
        return Ok(None);
    };
    let seconds = LeaseSeconds::parse(raw)?;
    if params.cursor.is_some() {
        return Err(DomainError::invalid(
            "cursor",
            "`cursor` does not go with `lease_seconds`: a leased poll always starts at the oldest available message",
        ));
    }
    Ok(Some(LeasedPoll {
        limit: params.limit,
        skip: params.offset,
        seconds,
        dead,
    }))
}

impl From<Vec<Message>> for MessageList {
    /// A leased poll's answer: no cursor (poll again for more).
    fn from(messages: Vec<Message>) -> Self {
        Self {
            count: messages.len(),
            messages,
            next_cursor: None,
        }
    }
}

/// `GET /messages/outbound` (issue 22): outbound messages the CRM was
/// asked to send (approve, custom reply, `POST /log` with `"send": true`)
/// on a channel with no provider configured, waiting for an external
/// sender, oldest first. `lease_seconds` leases them exactly as
/// `GET /messages/unprocessed?lease_seconds=N` does; the sender reports
/// each outcome with `PUT /messages/{log_id}/status` (`sent`, `failed` …).
#[utoipa::path(get, path = "/messages/outbound", tag = "messages",
    params(
        ("lease_seconds" = Option<u32>, Query, minimum = 1, maximum = 900,
            description = "Lease the returned messages for this many seconds (1–900); `offset` then skips that many available messages, and `cursor` must be empty"),
        ("dead" = Option<bool>, Query, description = "with `lease_seconds`: lease the messages leased too often, which leased polls otherwise skip"),
        Paging),
    responses((status = 200, body = MessageList), (status = 400, body = ErrorBody)))]
pub async fn outbound_messages(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<MessageList>> {
    let params = q.list_params(&["lease_seconds", "dead"])?;
    let dead = q.bool_param("dead")?.unwrap_or(false);
    match leased_poll(&q, &params, dead)? {
        Some(poll) => Ok(Json(s.crm.lease_outbound(&poll).await?.into())),
        None => Ok(Json(s.crm.outbound_messages(&params).await?.into())),
    }
}

/// `POST /messages/{log_id}/resend` (issue 22): sends a `failed` message
/// the CRM sent again — after a `delivery_unknown` a person checked, or a
/// refusal they fixed. It goes back to `pending` with its error cleared
/// and `attempts` at 0; the answer is the message.
#[utoipa::path(post, path = "/messages/{log_id}/resend", tag = "messages",
    params(("log_id" = LogId, Path, description = "Message id")),
    responses((status = 200, body = Message), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Not failed, or only logged (the CRM did not send it)")))]
pub async fn resend_message(
    State(s): State<AppState>,
    PathParam(id): PathParam,
) -> ApiResult<Json<Message>> {
    Ok(Json(s.crm.resend_message(LogId::parse(&id)?).await?))
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

/// Twilio's status callback for message `log_id` (issue 11): a form signed
/// with `X-Twilio-Signature` (no API key). Moves `send_status` forward by
/// Twilio's status rank, never back; a late or repeated callback is a 200
/// with `applied: false`. 403 when the signature is missing or wrong (or no
/// auth token is configured); nothing changes.
#[utoipa::path(post, path = "/messages/{log_id}/status", tag = "messages", security(()),
    params(("log_id" = LogId, Path, description = "Message id"),
        ("X-Twilio-Signature" = String, Header, description = "Twilio's signature of the URL and the form")),
    request_body(content = TwilioStatusForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = DeliveryUpdated), (status = 400, body = ErrorBody),
        (status = 403, description = "Missing or invalid X-Twilio-Signature", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "The message has another MessageSid", body = ErrorBody),
        (status = 415, body = ErrorBody)))]
pub async fn twilio_status(
    State(s): State<AppState>,
    PathParam(id): PathParam,
    request: TwilioRequest,
) -> ApiResult<Json<DeliveryUpdated>> {
    s.crm.verify_twilio(&request.signed())?;
    let id = LogId::parse(&id)?;
    let callback = StatusCallback::from_params(&request.params)?;
    Ok(Json(
        s.crm
            .apply_twilio_status(CallbackTarget::LogId(id), &callback)
            .await?,
    ))
}

/// Twilio's status callback without a log id (issue 11): the message is the
/// one logged with this `MessageSid` (`twilio_message_sid` on `POST /log`).
/// Signed and answered as `POST /messages/{log_id}/status`.
#[utoipa::path(post, path = "/webhooks/twilio/status", tag = "messages", security(()),
    params(("X-Twilio-Signature" = String, Header, description = "Twilio's signature of the URL and the form")),
    request_body(content = TwilioStatusForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = DeliveryUpdated), (status = 400, body = ErrorBody),
        (status = 403, description = "Missing or invalid X-Twilio-Signature", body = ErrorBody),
        (status = 404, description = "No message was logged with this MessageSid", body = ErrorBody),
        (status = 415, body = ErrorBody)))]
pub async fn twilio_status_by_sid(
    State(s): State<AppState>,
    request: TwilioRequest,
) -> ApiResult<Json<DeliveryUpdated>> {
    s.crm.verify_twilio(&request.signed())?;
    let callback = StatusCallback::from_params(&request.params)?;
    Ok(Json(
        s.crm
            .apply_twilio_status(CallbackTarget::BySid, &callback)
            .await?,
    ))
}

/// The form Twilio posts to a `StatusCallback` URL (the parameters this API
/// reads; every parameter sent is covered by the signature).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(non_snake_case, dead_code)]
pub struct TwilioStatusForm {
    /// The message's SID (`SM…`).
    #[schema(pattern = "^[A-Za-z0-9]{2,64}$")]
    pub MessageSid: String,
    /// `queued`, `accepted`, `scheduled`, `sending`, `sent`, `delivered`,
    /// `undelivered`, `failed`, `read`, `canceled`, `receiving`, `received`.
    pub MessageStatus: String,
    /// Twilio's error code, when it failed.
    pub ErrorCode: Option<String>,
    /// The account.
    pub AccountSid: Option<String>,
}
