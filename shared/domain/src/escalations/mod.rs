//! Escalation tickets (seed 003 "escalation"; issue 9 creates them when a
//! draft escalates, issue 10 adds the endpoints that assign and resolve them).
//!
//! Rules:
//! - a ticket id is `TKT-<year>-<6 digits>`, the digits from the atomic
//!   counter `ticket_<year>` (never reused; a refused write leaves a gap);
//! - a conversation has at most one open ticket (its `escalation_ticket`);
//!   the worker opens one in the same transaction as the suggestion that
//!   decided it, so a redelivered job never opens a second.

pub(crate) mod record;

pub use record::EscalationStatus;
