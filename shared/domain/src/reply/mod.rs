//! The AI reply pipeline's types, in one home (issue 9; shapes from seed
//! 001's `ai-suggestion` and seed 003's scores): what a provider is given
//! and must answer, and the job that asks for it. No stored entity lives
//! here — the job rides on the conversation item (the outbox), the stored
//! suggestion is `suggestions`, the ticket a draft may open is
//! `escalations` — so every aggregate may use these types without
//! importing another aggregate.
//!
//! - [`draft`]: the validated [`Draft`] every provider must produce, the
//!   repair of a raw answer ([`RawDraft::validate`]) and the JSON schema a
//!   provider is given ([`draft::answer_schema`], derived from [`Draft`]);
//! - [`model`]: the [`ReplyModel`] port (providers are in `crm-reply`), the
//!   [`Prompt`] and the agent's [`Instructions`], and the system prompt
//!   every provider sends ([`Prompt::system_text`]);
//! - [`job`]: the reply job and the [`JobQueue`] port (SQS on AWS, the
//!   embedded queue in local-api);
//! - [`suggestion`]: a draft as clients read it (seed 001 §3's
//!   `ai-suggestion`), shown by the suggestions' endpoints and in
//!   `GET /conversations/{id}`'s `pending_suggestions`.
//!
//! Drafting itself reads and writes the conversation, the customer, the
//! messages, the suggestion and escalations, so it is a flow: `flows/reply.rs`.

pub mod draft;
pub mod job;
pub mod model;
pub mod suggestion;

pub use draft::{Action, Draft, DraftError, Intent, ModelInfo, RawDraft, Sentiment, Urgency};
pub use job::{JobQueue, QueueError, ReplyJob};
pub use model::{
    Instructions, Length, Prompt, ReplyModel, Tone, Turn, MAX_CUSTOM_PROMPT_CHARS,
    MAX_HISTORY_BYTES, MAX_HISTORY_TURNS, SYSTEM_FRAME,
};
