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

use crm_http::{route, Routes};

mod conversations;
mod escalations;
mod suggestions;

pub use conversations::*;
pub use escalations::*;
pub use suggestions::*;

/// The group's routes, each registered once with its OpenAPI operation
/// (the handler's `#[utoipa::path]`).
pub fn router() -> Routes {
    Routes::new()
        .route(route!(
            conversations::list_conversations,
            conversations::create_conversation
        ))
        .route(route!(
            conversations::get_conversation,
            conversations::update_conversation
        ))
        .route(route!(conversations::open_conversation_for_customer))
        .route(route!(conversations::close_conversation))
        .route(route!(conversations::get_or_create_conversation))
        .route(route!(conversations::conversation_stats))
        .route(route!(suggestions::get_ai_suggestion))
        .route(route!(suggestions::approve))
        .route(route!(suggestions::reject))
        .route(route!(suggestions::reply))
        .route(route!(suggestions::regenerate))
        .route(route!(suggestions::archive))
        .route(route!(suggestions::feedback))
        .route(route!(
            escalations::create_escalation,
            escalations::list_escalations
        ))
        .route(route!(
            escalations::get_escalation,
            escalations::update_escalation
        ))
}
