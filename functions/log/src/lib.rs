//! # crm-log
//!
//! The log endpoint (guide §10): records a message and updates its
//! conversation. Rules in `crm_domain::flows::log`; the message record and
//! its keys in `crm_domain::messages`.

use axum::extract::State;
use axum::Json;
use crm_domain::messages::{LogBody, LogMessage, Logged};
use crm_http::{route, Routes};
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody};

/// The group's route, registered once with its OpenAPI operation.
pub fn router() -> Routes {
    Routes::new().route(route!(log_message))
}

/// `POST /log` (guide §10): creates the conversation when needed.
#[utoipa::path(post, path = "/log", tag = "messages", request_body = LogBody,
    responses(
        (status = 200, description = "Logged", body = Logged),
        (status = 400, description = "Missing or malformed field, or a conversation of another customer", body = ErrorBody),
        (status = 404, description = "Unknown customer or conversation", body = ErrorBody),
        (status = 409, description = "The twilio_message_sid is logged for another customer", body = ErrorBody)))]
pub async fn log_message(
    State(s): State<AppState>,
    JsonBody(input): JsonBody<LogMessage>,
) -> ApiResult<Json<Logged>> {
    Ok(Json(s.crm.log_message(&input).await?))
}
