//! # crm-reply
//!
//! Drafting AI reply suggestions (issue 9; shapes from seed 001's
//! `sentiment_analysis` / `ai_metadata` and seed 003's scores and
//! escalation reasons), independent of where the job comes from (SQS on
//! AWS, the embedded queue locally) and of the store:
//!
//! The port ([`crm_domain::reply::ReplyModel`]: a `Prompt` in, a `Draft`
//! out), the draft and its validation, the system prompt and the JSON
//! schema a model is given all live in `crm_domain::reply`; this crate
//! holds only the providers, and re-exports nothing:
//!
//! - [`rules`]: the offline, deterministic provider (VADER sentiment,
//!   English only, plus keyword rules), the default when no model is set;
//! - [`openai`]: any OpenAI-compatible Chat Completions endpoint, and
//!   [`bedrock`]: Bedrock's Converse API with a forced tool call — both
//!   bounded by a timeout;
//! - [`config`]: which provider, from the environment.

pub mod bedrock;
pub mod config;
pub mod openai;
pub mod rules;

pub use bedrock::BedrockModel;
pub use openai::OpenAiModel;
pub use rules::RulesModel;
