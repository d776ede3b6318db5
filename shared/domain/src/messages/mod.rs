//! Messages and the log (guide §10–19).
//!
//! - [`api`]: what the endpoints take and return;
//! - `record`: the stored item and its keys (with the sparse work-queue indexes);
//! - `new_message`: a `POST /log` body, validated;
//! - `service`: get, list, status, processed;
//! - `delivery`: Twilio's status callbacks, applied in rank order (issue 11);
//! - `lease`: leased polls of the unprocessed messages and their acknowledgement (issue 11).
//!
//! Logging itself also writes the conversation (and may open one), so it is
//! the flow `flows/log.rs`.
//!
//! Rules:
//! - `log_id` is an integer from an atomic counter, never reused;
//! - inbound messages start `processed: false` (listed by
//!   `/messages/unprocessed` through the sparse GSI4), outbound start
//!   `processed: true`; `send_status` defaults to `sent`, and `failed`
//!   messages are listed through the sparse GSI5.

pub mod api;
mod delivery;
pub(crate) mod dispatch;
mod lease;
pub(crate) mod new_message;
pub(crate) mod record;
mod service;

pub use api::{
    CallbackTarget, DeliveryUpdated, HistoryEntry, LogBody, LogMessage, Logged, MarkedProcessed,
    Message, MessageFilter, MAX_BODY_CHARS, MAX_IDENTIFIER_LEN, MAX_MARK_PER_CALL,
    MAX_METADATA_BYTES, MAX_SUBJECT_LEN,
};
pub use lease::{LeaseSeconds, LeasedPoll, MAX_LEASE_SECONDS};
