//! Operations that span aggregates: each reads or writes more than one of
//! customers, conversations, messages, suggestions and escalations, so it
//! lives here rather than in any one of them.
//!
//! The layers (held by `tests/module_layers.rs`): aggregates (`customers`,
//! `conversations`, `messages`, `suggestions`, `escalations`,
//! `connections`) own their stored entities, spell their attributes and
//! never import each other; below them, used by all and importing none,
//! sit the foundation (`types`, `store`, `keys`, …), the reply pipeline's
//! types (`reply`) and the statistics ledger (`stats`); flows import the
//! aggregates and change stored items only through their records' methods
//! (`tests/attribute_names.rs`).
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
//! | `ai_suggestion.rs`: a conversation's pending suggestion | seed 001 §3 | conversation, suggestion |
//! | `reply.rs`: draft a reply suggestion (the worker), the sweep | issue 9 | conversation, customer, messages, suggestion, escalation |
//! | `send.rs`: send an outbound message (the sender), the outbox sweep, resend | issue 22 | message, customer (opt-out) |

mod ai_suggestion;
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
pub mod send;
mod update_conversation;

pub use context::{ContextLookup, ContextView, PREVIOUS_CONVERSATIONS};
pub use reply::{ReplyError, ReplyOutcome, Skip, SweepOutcome};
pub use send::{SendOutcome, SendSweep};
