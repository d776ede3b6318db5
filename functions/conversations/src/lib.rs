//! # crm-conversations
//!
//! The conversations endpoint group (guide §20–26) with a conversation's AI
//! reply suggestions (issues 9–10, seed 001) and the escalation tickets
//! (issue 10, seed 003) — one Lambda: they share the conversation item and
//! their handlers are thin.
//!
//! | file | routes | rules |
//! |---|---|---|
//! | `conversations.rs` | `/conversations`, `…/{context_id}`, `…/close`, `…/customer/{id}`, `…/get-or-create`, `…/stats` | `crm_domain::conversations`, `flows/{open,update_conversation}.rs`, `crm_domain::stats` |
//! | `escalations.rs` | `/escalations`, `/escalations/{ticket_id}` | `crm_domain::escalations`, `flows/escalate.rs` |
//! | `suggestions.rs` | `…/ai-suggestion`, `…/approve`, `…/reject`, `…/reply`, `…/regenerate`, `…/archive`, `…/suggestions/{id}/feedback` | `crm_domain::suggestions`, `flows/review/` |

use axum::routing::{get, patch, post, put};
use axum::Router;
use crm_http::AppState;
use utoipa::OpenApi;

mod conversations;
mod escalations;
mod suggestions;

pub use conversations::*;
pub use escalations::*;
pub use suggestions::*;

/// The group's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/conversations",
            get(list_conversations).post(create_conversation),
        )
        .route("/conversations/stats", get(conversation_stats))
        .route(
            "/conversations/get-or-create",
            post(get_or_create_conversation),
        )
        .route(
            "/conversations/customer/{customer_id}",
            get(open_conversation_for_customer),
        )
        .route(
            "/conversations/{context_id}",
            get(get_conversation).put(update_conversation),
        )
        .route(
            "/conversations/{context_id}/close",
            post(close_conversation),
        )
        .route(
            "/conversations/{context_id}/ai-suggestion",
            get(get_ai_suggestion),
        )
        .route("/conversations/{context_id}/approve", post(approve))
        .route("/conversations/{context_id}/reject", post(reject))
        .route("/conversations/{context_id}/reply", post(reply))
        .route("/conversations/{context_id}/regenerate", post(regenerate))
        .route("/conversations/{context_id}/archive", patch(archive))
        .route(
            "/conversations/{context_id}/suggestions/{suggestion_id}/feedback",
            put(feedback),
        )
        .route(
            "/escalations",
            get(list_escalations).post(create_escalation),
        )
        .route(
            "/escalations/{ticket_id}",
            get(get_escalation).put(update_escalation),
        )
}

/// The group's OpenAPI paths.
#[derive(OpenApi)]
#[openapi(paths(
    conversations::list_conversations,
    conversations::get_conversation,
    conversations::open_conversation_for_customer,
    conversations::create_conversation,
    conversations::update_conversation,
    conversations::close_conversation,
    conversations::get_or_create_conversation,
    conversations::conversation_stats,
    suggestions::get_ai_suggestion,
    suggestions::approve,
    suggestions::reject,
    suggestions::reply,
    suggestions::regenerate,
    suggestions::archive,
    suggestions::feedback,
    escalations::create_escalation,
    escalations::list_escalations,
    escalations::get_escalation,
    escalations::update_escalation
))]
pub struct ConversationsApi;
