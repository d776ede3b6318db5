//! Escalation tickets (issue 10, seed 003 "Escalation Management", with
//! `context_id` for `session_id`). Rules in `crm_domain::flows` (`escalate.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use crm_domain::escalations::Priority;
use crm_domain::escalations::{
    Escalation, EscalationFilter, EscalationPatch, EscalationStatus, NewEscalation,
};
use crm_http::openapi::Paging;
use crm_http::{ApiResult, AppState, ErrorBody, JsonBody, PathParam, QueryMap};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Answer of `GET /escalations`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EscalationList {
    /// The page of tickets, newest first.
    pub escalations: Vec<Escalation>,
    /// Items in this response.
    pub count: usize,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

/// `POST /escalations`: opens a ticket for a person (seed 003 `POST /api/escalation`).
#[utoipa::path(post, path = "/escalations", tag = "escalations", request_body = NewEscalation,
    responses(
        (status = 201, body = Escalation),
        (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation", body = ErrorBody)))]
pub async fn create_escalation(
    State(s): State<AppState>,
    JsonBody(req): JsonBody<NewEscalation>,
) -> ApiResult<(StatusCode, Json<Escalation>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.crm.create_escalation(&req).await?),
    ))
}

/// `GET /escalations`: newest first, by `status` and/or `priority`.
#[utoipa::path(get, path = "/escalations", tag = "escalations",
    params(
        ("status" = Option<EscalationStatus>, Query, description = "open | assigned | resolved | closed"),
        ("priority" = Option<Priority>, Query, description = "low | medium | high | urgent"),
        Paging),
    responses((status = 200, body = EscalationList), (status = 400, body = ErrorBody)))]
pub async fn list_escalations(
    State(s): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<EscalationList>> {
    let filter = EscalationFilter {
        status: q.enum_param("status", "open, assigned, resolved, closed")?,
        priority: q.enum_param("priority", "low, medium, high, urgent")?,
    };
    let page = s
        .crm
        .list_escalations(&filter, &q.list_params(&["status", "priority"])?)
        .await?;
    Ok(Json(EscalationList {
        count: page.items.len(),
        escalations: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// `GET /escalations/{ticket_id}`.
#[utoipa::path(get, path = "/escalations/{ticket_id}", tag = "escalations",
    params(("ticket_id" = String, Path, description = "`TKT-<year>-<6 digits>`")),
    responses((status = 200, body = Escalation), (status = 404, body = ErrorBody)))]
pub async fn get_escalation(
    State(s): State<AppState>,
    PathParam(ticket): PathParam,
) -> ApiResult<Json<Escalation>> {
    Ok(Json(s.crm.get_escalation(&ticket).await?))
}

/// `PUT /escalations/{ticket_id}`: status, assignment, resolution, satisfaction.
#[utoipa::path(put, path = "/escalations/{ticket_id}", tag = "escalations", request_body = EscalationPatch,
    params(("ticket_id" = String, Path, description = "`TKT-<year>-<6 digits>`")),
    responses(
        (status = 200, body = Escalation),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "A status change the lifecycle does not allow", body = ErrorBody)))]
pub async fn update_escalation(
    State(s): State<AppState>,
    PathParam(ticket): PathParam,
    JsonBody(patch): JsonBody<EscalationPatch>,
) -> ApiResult<Json<Escalation>> {
    Ok(Json(s.crm.update_escalation(&ticket, &patch).await?))
}
