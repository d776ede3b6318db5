//! Operations that span aggregates: each reads or writes more than one of
//! customers, conversations and messages, so it lives here rather than in
//! any one of them. Aggregates never import each other; flows import them.
//!
//! | flow | guide § | aggregates |
//! |---|---|---|
//! | `log.rs`: `POST /log` | 10 | customer (pointer), conversation, message |
//! | `context.rs`: `GET /context/{identifier}` | 8 | customer, conversation, messages |
//! | `open.rs`: open / get-or-create a conversation | 22, 23, 26 | customer (pointer), conversation |
//! | `update_conversation.rs`: update, close, reopen | 9, 24, 25 | conversation, customer (pointer) |
//! | `delete_customer.rs` | 5 | customer, reservations, conversation |
//! | `context_messages.rs`: a conversation's messages | 13, 17 | conversation, messages |
//! | `review/`: approve, reject, custom reply, regenerate, feedback, archive | issue 10, seed 001 §4–8 | conversation, suggestion, messages |
//! | `escalate.rs`: open, update, list escalation tickets | issue 10, seed 003 | escalation, conversation (flag) |
//! | `reply.rs`: draft a reply suggestion (the worker), the sweep | issue 9 | conversation, customer, messages, suggestion, escalation |

mod append;
pub mod context;
mod context_messages;
mod delete_customer;
mod escalate;
pub mod ingest;
mod log;
pub(crate) mod open;
pub mod reply;
mod review;
mod update_conversation;

pub use context::{ContextLookup, ContextView, PREVIOUS_CONVERSATIONS};
pub use reply::{ReplyError, ReplyOutcome, Skip, SweepOutcome};
