//! `GET /conversations/stats` (issue 10, seed 001 §9): what this CRM can
//! know of seed 001's figures, answered from counters maintained on write —
//! never a Scan or a list walk.
//!
//! - `record`: the counter items (`STATS` / `TOTALS` for gauges, `STATS` /
//!   `DAY#<yyyy-mm-dd>` for the weekly figures) and [`StatsDelta`], the
//!   change one write makes to them;
//! - `api`: the answer, [`ConversationStats`];
//! - `service`: adding a delta after a write, reading the figures.
//!
//! Rules:
//! - every write that changes a conversation's status or the direction of
//!   its newest message is conditional on both as it read them, so the
//!   delta it adds (old contribution out, new in) is exact under concurrency;
//! - the counters are added with `UpdateItem … ADD` *after* the write
//!   commits, not inside its transaction: every write of the table would
//!   otherwise contend on one item (DynamoDB cancels concurrent transactions
//!   on an item). A process that dies between the two loses that delta;
//!   the figures are operational statistics, not a ledger;
//! - a conversation counts in `needs_reply` while active with an inbound
//!   newest message, in `waiting_for_response` while active with an
//!   outbound one; conversations whose last message predates the
//!   `last_direction` attribute count in neither until their next message.

mod api;
pub(crate) mod record;
mod service;

pub use api::ConversationStats;
pub(crate) use record::{Gauge, StatsDelta};
