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
pub mod draft;
pub mod escalation;
pub mod openai;
pub mod rules;

pub use bedrock::BedrockModel;
pub use draft::{Action, Draft, DraftError, Intent, ModelInfo, RawDraft, Sentiment, Urgency};
pub use escalation::{Escalation, EscalationReason, Priority, Thresholds};
pub use openai::OpenAiModel;
pub use rules::RulesModel;

/// One turn of the conversation as a model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// True for the customer's messages, false for ours.
    pub inbound: bool,
    /// The text.
    pub text: String,
}

/// What a model drafts from: the customer's latest inbound message and the
/// conversation before it (oldest first, already bounded by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The customer's name, when known.
    pub customer_name: Option<String>,
    /// Earlier turns, oldest first.
    pub history: Vec<Turn>,
    /// The inbound message to answer.
    pub message: String,
}

/// A reply-drafting provider (`rules`, `openai`, `bedrock`). Implementations
/// return what the model said, already validated into a [`Draft`]; a
/// provider failure is an error, never a half-filled draft.
#[async_trait::async_trait]
pub trait ReplyModel: Send + Sync {
    /// Drafts the reply to `prompt.message`.
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError>;
}
