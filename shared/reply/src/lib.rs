//! # crm-reply
//!
//! Drafting AI reply suggestions (issue 9; shapes from seed 001's
//! `sentiment_analysis` / `ai_metadata` and seed 003's scores and
//! escalation reasons), independent of where the job comes from (SQS on
//! AWS, the embedded queue locally) and of the store:
//!
//! - [`ReplyModel`]: the port every provider implements — a [`Prompt`] in,
//!   a [`Draft`] out;
//! - [`draft`]: the [`Draft`] and how a provider's raw answer is validated
//!   and clamped into one (scores into their ranges, enums into their sets,
//!   text bounded) — whatever a model answers;
//! - [`rules`]: the offline, deterministic provider (VADER sentiment,
//!   English only, plus keyword rules), the default when no model is set;
//! - [`openai`]: any OpenAI-compatible Chat Completions endpoint, and
//!   [`bedrock`]: Bedrock's Converse API with a forced tool call — both
//!   bounded by a timeout;
//! - [`escalation`]: when a draft hands the conversation to a person.

pub mod bedrock;
pub mod config;
pub mod openai;
pub mod rules;

/// The draft types and the escalation decision live in the domain crate
/// (they are what a suggestion stores); re-exported here for the providers.
pub use crm_domain::suggestions::{draft, escalation};
pub use crm_domain::suggestions::{
    Action, Draft, DraftError, Escalation, EscalationReason, Intent, ModelInfo, Priority, Prompt,
    RawDraft, ReplyModel, Sentiment, Thresholds, Turn, Urgency,
};
pub use crm_domain::suggestions::{Instructions, Length, Tone};

pub use bedrock::BedrockModel;
pub use openai::OpenAiModel;
pub use rules::RulesModel;
