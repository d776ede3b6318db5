//! Conversations ("context"; guide §8–9 and §20–26).
//!
//! - [`api`]: what the endpoints take and return;
//! - `record`: the stored item and its keys;
//! - `changes`: every change to a stored conversation, as a record method;
//! - `patch`: an update body planned into one conditional write;
//! - `service`: get and list.
//!
//! Opening, closing and reopening also move the customer's `open_context_id`,
//! so they are flows (`flows/open.rs`, `flows/update_conversation.rs`), as is
//! the context view (`flows/context.rs`).
//!
//! Rules:
//! - a customer has at most one *open* (active or paused) conversation. The
//!   customer item holds its id in `open_context_id`; opening one sets it with
//!   the condition that it is unset (or still the value read), in the same
//!   transaction that writes the conversation, so concurrent openers create
//!   exactly one;
//! - closing (resolved / archived) clears `open_context_id` in the same
//!   transaction; the next log or get-or-create opens a new conversation;
//! - reopening a closed conversation is refused (409) while another is open.

pub mod api;
mod changes;
pub(crate) mod patch;
pub(crate) mod record;
mod service;

pub use api::{
    ContextRef, ContextUpdated, Conversation, ConversationFilter, ConversationPatch,
    NewConversation, MAX_ACTION_LEN, MAX_LABEL_LEN, MAX_SUMMARY_LEN,
};
pub use record::PREVIEW_LEN;
