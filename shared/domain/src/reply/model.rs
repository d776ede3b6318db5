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
    /// The agent's adjustments when the draft is a regeneration (issue 10);
    /// empty otherwise.
    pub instructions: Instructions,
}

/// The frame of every model request; the conversation follows it as
/// messages. Providers send [`Prompt::system_text`], never this alone.
pub const SYSTEM_FRAME: &str =
    "You draft replies for a customer-support team. Read the conversation and \
answer the customer's last message. Reply as JSON matching the schema: `suggested_body` is the \
reply to send (plain text, friendly, concise, in the customer's language); `action` is `handoff` \
when the customer asks for a person or the matter needs one, else `reply`; scores are numbers in \
their ranges. Never promise refunds, prices or dates you were not given.";

impl Prompt {
    /// The system prompt every model provider sends: [`SYSTEM_FRAME`], the
    /// customer's name, then the agent's adjustments of a regeneration
    /// (issue 10) — inside the frame, after its rules, never in place of them.
    pub fn system_text(&self) -> String {
        let mut system = SYSTEM_FRAME.to_string();
        if let Some(name) = &self.customer_name {
            system.push_str(&format!("\nThe customer's name: {name}."));
        }
        if let Some(extra) = self.instructions.system_suffix() {
            system.push('\n');
            system.push_str(&extra);
        }
        system
    }
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

/// Most characters of a regeneration's `custom_prompt` (issue 10).
pub const MAX_CUSTOM_PROMPT_CHARS: usize = 1_000;

/// Seed 001 §7's tone options of `POST /conversations/{id}/regenerate`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Formal business language, no contractions.
    MoreFormal,
    /// Conversational language.
    MoreCasual,
    /// Under 100 words.
    Shorter,
    /// Light professional humour.
    AddHumor,
}

impl Tone {
    /// The wire name (`more_formal` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::MoreFormal => "more_formal",
            Tone::MoreCasual => "more_casual",
            Tone::Shorter => "shorter",
            Tone::AddHumor => "add_humor",
        }
    }

    /// What the model is told (seed 001 §7's descriptions).
    pub fn instruction(self) -> &'static str {
        match self {
            Tone::MoreFormal => {
                "Use formal business language. Avoid contractions. Be respectful and professional."
            }
            Tone::MoreCasual => "Use conversational, friendly language.",
            Tone::Shorter => "Keep the reply under 100 words.",
            Tone::AddHumor => "Include a touch of light, professional humour.",
        }
    }
}

/// The reply length asked for on regeneration (seed 001 §7 `length`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Length {
    /// At most 50 words (`shorter` is accepted for it).
    #[serde(alias = "shorter")]
    Short,
    /// At most 120 words.
    Medium,
    /// At most 250 words (`longer` is accepted for it).
    #[serde(alias = "longer")]
    Long,
}

impl Length {
    /// The wire name (`short` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Length::Short => "short",
            Length::Medium => "medium",
            Length::Long => "long",
        }
    }

    /// The word limit.
    pub fn max_words(self) -> usize {
        match self {
            Length::Short => 50,
            Length::Medium => 120,
            Length::Long => 250,
        }
    }
}

/// An agent's adjustments for one regenerated draft (issue 10). They go to
/// the model *inside* the system prompt's frame, after its rules, as the
/// agent's instruction; they never replace the frame.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Instructions {
    /// The tone asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<Tone>,
    /// The length asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<Length>,
    /// Free text from the agent, at most [`MAX_CUSTOM_PROMPT_CHARS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_prompt: Option<String>,
}

impl Instructions {
    /// True when nothing is asked for.
    pub fn is_empty(&self) -> bool {
        self.tone.is_none() && self.length.is_none() && self.custom_prompt.is_none()
    }

    /// The lines appended to a provider's system prompt, or `None`. The
    /// agent's text is quoted and labelled as an instruction about the
    /// reply, subordinate to the rules above it.
    pub fn system_suffix(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut lines = vec![
            "The agent asked for these adjustments to the reply. They change only the reply's wording; the rules above still apply:".to_string(),
        ];
        if let Some(t) = self.tone {
            lines.push(format!("- {}", t.instruction()));
        }
        if let Some(l) = self.length {
            lines.push(format!(
                "- Keep the reply to at most {} words.",
                l.max_words()
            ));
        }
        if let Some(p) = &self.custom_prompt {
            lines.push(format!(
                "- Agent's instruction: \"{}\"",
                p.replace('"', "'")
            ));
        }
        Some(lines.join("\n"))
    }

    /// Labels for a suggestion's `context_used`, e.g. `tone_adjustment: more_formal`.
    pub fn labels(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = self.tone {
            out.push(format!("tone_adjustment: {}", t.as_str()));
        }
        if let Some(l) = self.length {
            out.push(format!("length_adjustment: {}", l.as_str()));
        }
        if self.custom_prompt.is_some() {
            out.push("custom_prompt".to_string());
        }
        out
    }
}
