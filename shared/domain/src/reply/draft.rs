//! The draft every provider produces, and the repair of a raw answer.
//!
//! A model's structured output is never trusted: [`RawDraft::validate`]
//! clamps every score into its range (a local model answered
//! `sentiment_score: 1000000` despite the schema), maps labels onto their
//! sets, bounds every text, and refuses only what cannot be repaired (no
//! reply text for a `reply` action).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Longest suggested reply, in characters.
pub const MAX_REPLY_CHARS: usize = 4000;
/// Longest reasoning, in characters.
pub const MAX_REASONING_CHARS: usize = 2000;
/// Most topics or questions kept, each at most [`MAX_ITEM_CHARS`].
pub const MAX_ITEMS: usize = 10;
/// Longest topic or question, in characters.
pub const MAX_ITEM_CHARS: usize = 200;

/// What the draft proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Send (after approval) the suggested reply.
    Reply,
    /// Hand the conversation to a person; the text, if any, tells the customer so.
    Handoff,
}

/// Seed 001's sentiment labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    /// Score above 0.05.
    Positive,
    /// In between.
    Neutral,
    /// Score below -0.05.
    Negative,
}

impl Sentiment {
    /// The label of a score in [-1, 1] (VADER's usual ±0.05 cut-offs).
    pub fn of_score(score: f64) -> Self {
        if score > 0.05 {
            Sentiment::Positive
        } else if score < -0.05 {
            Sentiment::Negative
        } else {
            Sentiment::Neutral
        }
    }
}

/// What the customer wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Asks something.
    Question,
    /// Complains.
    Complaint,
    /// Wants to buy or asks about prices.
    Purchase,
    /// Wants to cancel or be refunded.
    Cancel,
    /// Thanks us.
    Thanks,
    /// Anything else.
    Other,
}

/// How soon a person should look (seed 001 `urgency_level`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Whenever.
    Low,
    /// Today.
    Medium,
    /// Now.
    High,
}

/// Who drafted it (seed 001 `ai_metadata`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelInfo {
    /// `rules`, `openai` or `bedrock`.
    pub provider: String,
    /// The model id; `null` for the rules provider (no model).
    pub model: Option<String>,
    /// Tokens used, when the provider reports them.
    pub tokens_used: Option<u64>,
    /// Cost in US dollars, when known.
    pub cost: Option<f64>,
}

/// A validated draft: every field in range (see the module docs). Its
/// JSON schema (without `ai_metadata`, which the provider adds) is what a
/// model is asked to answer in: [`answer_schema`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Draft {
    /// `reply` or `handoff` — a structured field, never a marker in the text.
    pub action: Action,
    /// The suggested reply (≤ 4000 characters; may be empty for a handoff).
    pub suggested_body: String,
    /// How sure the model is of the reply, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub confidence_score: f64,
    /// Seed 001 `sentiment`.
    pub sentiment: Sentiment,
    /// Seed 003 `sentiment_score`, in [-1, 1].
    #[schemars(range(min = -1.0, max = 1.0))]
    pub sentiment_score: f64,
    /// Seed 001 `sentiment_confidence`, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sentiment_confidence: f64,
    /// Seed 001 `intent`.
    pub intent: Intent,
    /// Seed 001 `intent_confidence`, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub intent_confidence: f64,
    /// Seed 003 `complexity_score`, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub complexity_score: f64,
    /// Seed 001 `engagement_score`, in [0, 1].
    #[schemars(range(min = 0.0, max = 1.0))]
    pub engagement_score: f64,
    /// Seed 001 `key_topics` (≤ 10 of ≤ 200 characters).
    pub key_topics: Vec<String>,
    /// Seed 001 `questions_asked` (≤ 10 of ≤ 200 characters).
    pub questions_asked: Vec<String>,
    /// Seed 001 `urgency_level`.
    pub urgency_level: Urgency,
    /// The customer asked for a person (escalation reason `manual_request`).
    pub wants_human: bool,
    /// Seed 001 `ai_reasoning` (≤ 2000 characters).
    pub ai_reasoning: String,
    /// Seed 001 `ai_metadata`.
    #[schemars(skip)]
    pub ai_metadata: ModelInfo,
}

/// The JSON schema a model is asked to answer in (OpenAI's
/// `response_format`, Bedrock's tool input): [`Draft`]'s fields but
/// `ai_metadata`, derived from the type (schemars), every subschema
/// inlined (no `$ref`), without `$schema` / `title`. Whatever a model
/// answers still goes through [`RawDraft::validate`].
pub fn answer_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.inline_subschemas = true)
        .into_generator();
    let mut schema = generator.into_root_schema_for::<Draft>().to_value();
    if let Some(object) = schema.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
    }
    schema
}

/// Why no draft could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DraftError {
    /// The provider failed (HTTP error, timeout, throttling): retry later.
    #[error("the reply provider failed: {0}")]
    Provider(String),
    /// The provider answered something no draft can be made of.
    #[error("the reply provider's answer is unusable: {0}")]
    Unusable(String),
}

/// A provider's answer before validation: every field optional and loose
/// (labels as free strings, scores as any number), as models write them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RawDraft {
    /// `reply` or `handoff` (anything else: `reply`).
    pub action: Option<String>,
    /// The reply text.
    pub suggested_body: Option<String>,
    /// Any number; clamped to [0, 1].
    pub confidence_score: Option<f64>,
    /// A label; derived from the score when unknown.
    pub sentiment: Option<String>,
    /// Any number; clamped to [-1, 1].
    pub sentiment_score: Option<f64>,
    /// Any number; clamped to [0, 1].
    pub sentiment_confidence: Option<f64>,
    /// A label; `other` when unknown.
    pub intent: Option<String>,
    /// Any number; clamped to [0, 1].
    pub intent_confidence: Option<f64>,
    /// Any number; clamped to [0, 1].
    pub complexity_score: Option<f64>,
    /// Any number; clamped to [0, 1].
    pub engagement_score: Option<f64>,
    /// Topics.
    pub key_topics: Vec<String>,
    /// Questions.
    pub questions_asked: Vec<String>,
    /// A label; `medium` when unknown.
    pub urgency_level: Option<String>,
    /// The customer asked for a person.
    pub wants_human: Option<bool>,
    /// Free text.
    pub ai_reasoning: Option<String>,
}

fn clamp(value: Option<f64>, lo: f64, hi: f64, default: f64) -> f64 {
    match value {
        Some(v) if v.is_finite() => v.clamp(lo, hi),
        _ => default,
    }
}

fn bounded(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

fn items(list: Vec<String>) -> Vec<String> {
    list.iter()
        .map(|s| bounded(s, MAX_ITEM_CHARS))
        .filter(|s| !s.is_empty())
        .take(MAX_ITEMS)
        .collect()
}

fn label<T: serde::de::DeserializeOwned>(raw: &Option<String>) -> Option<T> {
    let raw = raw.as_deref()?.trim().to_ascii_lowercase();
    serde_json::from_value(serde_json::Value::String(raw)).ok()
}

impl RawDraft {
    /// Repairs the answer into a [`Draft`] attributed to `model`; an answer
    /// with no reply text for a `reply` is [`DraftError::Unusable`].
    pub fn validate(self, model: ModelInfo) -> Result<Draft, DraftError> {
        let action = label(&self.action).unwrap_or(Action::Reply);
        let suggested_body = bounded(
            self.suggested_body.as_deref().unwrap_or(""),
            MAX_REPLY_CHARS,
        );
        if action == Action::Reply && suggested_body.is_empty() {
            return Err(DraftError::Unusable("no reply text".into()));
        }
        let sentiment_score = clamp(self.sentiment_score, -1.0, 1.0, 0.0);
        Ok(Draft {
            action,
            suggested_body,
            confidence_score: clamp(self.confidence_score, 0.0, 1.0, 0.5),
            sentiment: label(&self.sentiment).unwrap_or(Sentiment::of_score(sentiment_score)),
            sentiment_score,
            sentiment_confidence: clamp(self.sentiment_confidence, 0.0, 1.0, 0.5),
            intent: label(&self.intent).unwrap_or(Intent::Other),
            intent_confidence: clamp(self.intent_confidence, 0.0, 1.0, 0.5),
            complexity_score: clamp(self.complexity_score, 0.0, 1.0, 0.5),
            engagement_score: clamp(self.engagement_score, 0.0, 1.0, 0.5),
            key_topics: items(self.key_topics),
            questions_asked: items(self.questions_asked),
            urgency_level: label(&self.urgency_level).unwrap_or(Urgency::Medium),
            wants_human: self.wants_human.unwrap_or(false) || action == Action::Handoff,
            ai_reasoning: bounded(
                self.ai_reasoning.as_deref().unwrap_or(""),
                MAX_REASONING_CHARS,
            ),
            ai_metadata: model,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> ModelInfo {
        ModelInfo {
            provider: "openai".into(),
            model: Some("small".into()),
            tokens_used: None,
            cost: None,
        }
    }

    #[test]
    fn out_of_range_answers_are_clamped_and_labels_mapped() {
        let raw: RawDraft = serde_json::from_value(serde_json::json!({
            "suggested_body": "  Sure, here it is.  ",
            "sentiment_score": 1_000_000.0,
            "confidence_score": -3,
            "complexity_score": 7,
            "sentiment": "EXCITED",
            "intent": "Purchase",
            "urgency_level": "critical",
            "key_topics": ["pricing", "", "x".repeat(500)],
            "action": "reply"
        }))
        .unwrap();
        let d = raw.validate(model()).unwrap();
        assert_eq!(d.suggested_body, "Sure, here it is.");
        assert_eq!(d.sentiment_score, 1.0);
        assert_eq!(d.confidence_score, 0.0);
        assert_eq!(d.complexity_score, 1.0);
        assert_eq!(
            d.sentiment,
            Sentiment::Positive,
            "unknown label: from the score"
        );
        assert_eq!(d.intent, Intent::Purchase);
        assert_eq!(d.urgency_level, Urgency::Medium);
        assert_eq!(d.key_topics.len(), 2);
        assert_eq!(d.key_topics[1].chars().count(), MAX_ITEM_CHARS);
    }

    #[test]
    fn a_reply_without_text_is_unusable_but_a_handoff_needs_none() {
        let empty = RawDraft::default();
        assert!(matches!(
            empty.validate(model()),
            Err(DraftError::Unusable(_))
        ));
        let handoff = RawDraft {
            action: Some("handoff".into()),
            ..RawDraft::default()
        };
        let d = handoff.validate(model()).unwrap();
        assert_eq!(d.action, Action::Handoff);
        assert!(d.wants_human);
        let nan = RawDraft {
            suggested_body: Some("ok".into()),
            sentiment_score: Some(f64::NAN),
            ..RawDraft::default()
        };
        assert_eq!(nan.validate(model()).unwrap().sentiment_score, 0.0);
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    /// The schema a model is given is the draft's: every field but
    /// `ai_metadata`, each required, labels as their enums, scores with
    /// their ranges, no reference left to resolve.
    #[test]
    fn the_answer_schema_is_the_drafts() {
        let schema = answer_schema();
        let text = schema.to_string();
        assert!(!text.contains("$ref"), "{text}");
        let props = schema["properties"].as_object().expect("properties");
        let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "action",
                "ai_reasoning",
                "complexity_score",
                "confidence_score",
                "engagement_score",
                "intent",
                "intent_confidence",
                "key_topics",
                "questions_asked",
                "sentiment",
                "sentiment_confidence",
                "sentiment_score",
                "suggested_body",
                "urgency_level",
                "wants_human"
            ]
        );
        let required = schema["required"].as_array().expect("required");
        assert_eq!(required.len(), names.len());
        let values = |field: &str| -> Vec<String> {
            let p = &props[field];
            let list = p["enum"].as_array().cloned().unwrap_or_else(|| {
                p["oneOf"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v["const"].as_str().map(|s| serde_json::json!(s)))
                    .collect()
            });
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        assert_eq!(values("action"), ["reply", "handoff"]);
        assert_eq!(values("sentiment"), ["positive", "neutral", "negative"]);
        assert_eq!(
            values("intent"),
            [
                "question",
                "complaint",
                "purchase",
                "cancel",
                "thanks",
                "other"
            ]
        );
        assert_eq!(values("urgency_level"), ["low", "medium", "high"]);
        assert_eq!(props["sentiment_score"]["minimum"], -1.0);
        assert_eq!(props["sentiment_score"]["maximum"], 1.0);
        for unit in [
            "confidence_score",
            "sentiment_confidence",
            "intent_confidence",
            "complexity_score",
            "engagement_score",
        ] {
            assert_eq!(props[unit]["minimum"], 0.0, "{unit}");
            assert_eq!(props[unit]["maximum"], 1.0, "{unit}");
        }
        assert_eq!(props["wants_human"]["type"], "boolean");
        assert_eq!(props["key_topics"]["items"]["type"], "string");
    }
}
