//! AI reply suggestions as stored and reviewed (issues 9–10; shapes from
//! seed 001 `ai-suggestion`). The pipeline's types — the draft, the prompt,
//! the job, the model port — are in [`crate::reply`].
//!
//! - `GET /conversations/{context_id}/ai-suggestion`'s answer: the
//!   client's shape of a draft, [`crate::reply::suggestion`];
//! - [`review`]: the bodies and answers of approve, reject, reply,
//!   regenerate, archive and feedback (issue 10; rules in `flows/review/`);
//! - `record`: the stored suggestion, its keys and its changes.
//!
//! Reading a conversation's suggestion and drafting one read the
//! conversation too, so they are flows: `flows/ai_suggestion.rs`,
//! `flows/reply.rs`.
//!
//! Rules:
//! - a conversation has at most one pending suggestion: storing a new one
//!   marks the previous pending one `superseded` in the same transaction;
//! - a suggestion's key derives from its job (`CONTEXT#<context_id>` /
//!   `SUGGESTION#<log_id:020>`), written with `attribute_not_exists(PK)`,
//!   so a redelivered job never stores a second one;
//! - suggestions expire through the table's TTL attribute `expires_at`
//!   (`CRM_SUGGESTION_TTL_DAYS`, default 30).

pub(crate) mod record;
pub mod review;

pub use crate::reply::suggestion::{AiSuggestion, SentimentAnalysis, Suggestion, SuggestionStatus};
