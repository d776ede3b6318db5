//! AI reply suggestions (issue 9; shapes from seed 001 `ai-suggestion`,
//! scores and escalation reasons from seed 003).
//!
//! - [`draft`]: the validated [`Draft`] every provider must produce, and the
//!   repair of a raw answer ([`RawDraft::validate`]);
//! - [`escalation`]: when a draft hands the conversation to a person;
//! - [`model`]: the [`ReplyModel`] port (providers are in `crm-reply`);
//! - [`job`]: the reply job and the [`JobQueue`] port (SQS on AWS, the
//!   embedded queue in local-api);
//! - [`api`]: `GET /conversations/{context_id}/ai-suggestion`'s answer;
//! - [`review`]: the bodies and answers of approve, reject, reply,
//!   regenerate, archive and feedback (issue 10; rules in `flows/review/`);
//! - `record`: the stored suggestion and its keys; `service`: reading it.
//!
//! Drafting itself reads and writes the conversation, the customer, the
//! messages and escalations, so it is a flow: `flows/reply.rs`.
//!
//! Rules:
//! - a conversation has at most one pending suggestion: storing a new one
//!   marks the previous pending one `superseded` in the same transaction;
//! - a suggestion's key derives from its job (`CONTEXT#<context_id>` /
//!   `SUGGESTION#<log_id:020>`), written with `attribute_not_exists(PK)`,
//!   so a redelivered job never stores a second one;
//! - suggestions expire through the table's TTL attribute `expires_at`
//!   (`CRM_SUGGESTION_TTL_DAYS`, default 30).

pub mod api;
pub mod draft;
pub mod escalation;
pub mod job;
pub mod model;
pub(crate) mod record;
pub mod review;
mod service;

pub use api::{AiSuggestion, SentimentAnalysis, Suggestion, SuggestionStatus};
pub use draft::{Action, Draft, DraftError, Intent, ModelInfo, RawDraft, Sentiment, Urgency};
pub use escalation::{Escalation, EscalationReason, Priority, Thresholds};
pub use job::{JobQueue, QueueError, ReplyJob};
pub use model::{
    Instructions, Length, Prompt, ReplyModel, Tone, Turn, MAX_CUSTOM_PROMPT_CHARS,
    MAX_HISTORY_BYTES, MAX_HISTORY_TURNS,
};
