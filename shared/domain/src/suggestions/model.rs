//! The reply-drafting port (issue 9): what a provider is given and must
//! return. Providers (`rules`, `openai`, `bedrock`) live in `crm-reply`, as
//! storage adapters live outside this crate; the worker flow
//! (`flows/reply.rs`) calls whichever one is configured.

use super::draft::{Draft, DraftError};

/// Most earlier turns a prompt carries (issue 9: ≤ 20 messages).
pub const MAX_HISTORY_TURNS: usize = 20;
/// Most bytes of text the earlier turns of a prompt carry together; older
/// turns are left out first.
pub const MAX_HISTORY_BYTES: usize = 16 * 1024;

/// One turn of the conversation as a model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// True for the customer's messages, false for ours.
    pub inbound: bool,
    /// The text.
    pub text: String,
}

/// What a model drafts from: the customer's latest inbound message and the
/// conversation before it (oldest first, already bounded by the caller to
/// [`MAX_HISTORY_TURNS`] and [`MAX_HISTORY_BYTES`]).
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
/// return what the model said, already validated into a [`Draft`]
/// ([`super::RawDraft::validate`]); a provider failure is an error, never a
/// half-filled draft.
#[async_trait::async_trait]
pub trait ReplyModel: Send + Sync {
    /// Drafts the reply to `prompt.message`.
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError>;
}
