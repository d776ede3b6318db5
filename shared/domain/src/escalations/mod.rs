//! Escalation tickets (seed 003 "Escalation Management"; issue 9 opens them
//! when a draft escalates, issue 10 adds `POST/GET/PUT /escalations`).
//!
//! Rules:
//! - a ticket id is `TKT-<year>-<6 digits>`, the digits from the atomic
//!   counter `ticket_<year>` (never reused; a refused write leaves a gap);
//! - while a ticket is open or assigned, a link item in its conversation's
//!   partition says so, and the conversation's `escalation_ticket` names
//!   one of its open tickets (the escalated flag). The worker opens at most
//!   one ticket per conversation (none while one is open), in the same
//!   transaction as the suggestion that decided it; `POST /escalations`
//!   always opens one;
//! - resolving or closing a ticket removes its link; the conversation's
//!   flag then moves to another open ticket, or clears when none is left;
//!   reopening a resolved ticket sets the flag again;
//! - status changes follow [`EscalationStatus::can_become`]; others are a
//!   409 naming the allowed ones.
//!
//! [`decision`] says when a reply draft hands the conversation to a person.
//! The flows (they write the conversation too) are in `flows/escalate.rs`.

pub mod api;
pub mod decision;
pub(crate) mod record;

pub use api::{
    estimated_response_time, Escalation, EscalationFilter, EscalationPatch, NewEscalation,
};
pub use decision::{EscalationDecision, EscalationReason, Priority, Thresholds};
pub use record::EscalationStatus;
