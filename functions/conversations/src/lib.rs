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

use crm_http::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

mod conversations;
mod escalations;
mod suggestions;

pub use conversations::*;
pub use escalations::*;
pub use suggestions::*;

/// The group's routes, each registered once with its OpenAPI operation
/// (the handler's `#[utoipa::path]`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            conversations::list_conversations,
            conversations::create_conversation
        ))
        .routes(routes!(
            conversations::get_conversation,
            conversations::update_conversation
        ))
        .routes(routes!(conversations::open_conversation_for_customer))
        .routes(routes!(conversations::close_conversation))
        .routes(routes!(conversations::get_or_create_conversation))
        .routes(routes!(conversations::conversation_stats))
        .routes(routes!(suggestions::get_ai_suggestion))
        .routes(routes!(suggestions::approve))
        .routes(routes!(suggestions::reject))
        .routes(routes!(suggestions::reply))
        .routes(routes!(suggestions::regenerate))
        .routes(routes!(suggestions::archive))
        .routes(routes!(suggestions::feedback))
        .routes(routes!(
            escalations::create_escalation,
            escalations::list_escalations
        ))
        .routes(routes!(
            escalations::get_escalation,
            escalations::update_escalation
        ))
}
