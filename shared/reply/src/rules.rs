//! The offline provider: deterministic, no network, no model — the default
//! when no provider is configured, so anyone sees a suggestion with no
//! account. VADER (`vader_sentiment`, lexicon compiled in; **English only**)
//! scores the sentiment; keyword rules add what VADER misses (asking for a
//! person, urgency, refund/cancel) and pick the intent; the reply is a
//! template that quotes the customer's question. Marked `provider: "rules"`,
//! `model: null`, so nobody takes it for a language model.

use vader_sentiment::SentimentIntensityAnalyzer;

use crm_domain::reply::{
    Action, Draft, DraftError, Instructions, Intent, ModelInfo, Prompt, ReplyModel, Sentiment,
    Urgency,
};

/// Phrases of someone asking for a person.
const HUMAN: [&str; 10] = [
    "human",
    "real person",
    "an agent",
    "a person",
    "representative",
    "someone real",
    "speak to someone",
    "talk to someone",
    "manager",
    "operator",
];
/// Urgency words.
const URGENT: [&str; 6] = [
    "urgent",
    "asap",
    "immediately",
    "right now",
    "emergency",
    "right away",
];
/// Intent keywords, checked in this order.
const INTENTS: [(Intent, &[&str]); 4] = [
    (
        Intent::Cancel,
        &[
            "cancel",
            "refund",
            "unsubscribe",
            "money back",
            "close my account",
        ],
    ),
    (
        Intent::Complaint,
        &[
            "not working",
            "broken",
            "terrible",
            "worst",
            "complain",
            "disappointed",
            "unacceptable",
            "still waiting",
        ],
    ),
    (
        Intent::Purchase,
        &[
            "price",
            "pricing",
            "cost",
            "buy",
            "purchase",
            "quote",
            "plan",
            "subscribe",
        ],
    ),
    (Intent::Thanks, &["thank", "thanks", "appreciate", "cheers"]),
];
/// Topics named by keywords.
const TOPICS: [(&str, &[&str]); 6] = [
    ("pricing", &["price", "pricing", "cost", "quote", "plan"]),
    (
        "cancellation",
        &["cancel", "unsubscribe", "close my account"],
    ),
    ("refund", &["refund", "money back"]),
    ("delivery", &["deliver", "shipping", "arrive", "tracking"]),
    ("order", &["order", "purchase", "buy"]),
    ("account", &["account", "login", "password"]),
];
/// Words that open a question even without a `?`.
const QUESTION_WORDS: [&str; 12] = [
    "what", "how", "when", "where", "why", "who", "can", "could", "do", "does", "is", "are",
];

/// The rules provider. Build once (the lexicon is parsed at construction).
pub struct RulesModel {
    /// VADER's analyzer, built on first use: parsing its lexicon is work a
    /// cold start should not pay before the first draft (issue 21).
    analyzer: std::sync::OnceLock<SentimentIntensityAnalyzer<'static>>,
}

impl Default for RulesModel {
    fn default() -> Self {
        Self::new()
    }
}

impl RulesModel {
    /// The provider; VADER's lexicon is parsed on its first draft.
    pub fn new() -> Self {
        Self {
            analyzer: std::sync::OnceLock::new(),
        }
    }

    fn analyzer(&self) -> &SentimentIntensityAnalyzer<'static> {
        self.analyzer.get_or_init(SentimentIntensityAnalyzer::new)
    }

    /// VADER's compound score of `text` in [-1, 1]; 0 if VADER cannot score it.
    fn compound(&self, text: &str) -> f64 {
        std::panic::catch_unwind(|| {
            self.analyzer()
                .polarity_scores(text)
                .get("compound")
                .copied()
        })
        .ok()
        .flatten()
        .filter(|c| c.is_finite())
        .map_or(0.0, |c| c.clamp(-1.0, 1.0))
    }

    /// Drafts a reply to `prompt` by the rules (never fails).
    pub fn draft_now(&self, prompt: &Prompt) -> Draft {
        let text = prompt.message.trim();
        let lower = text.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
        let compound = self.compound(text);
        let wants_human = has(&HUMAN);
        let questions: Vec<String> = text
            .split_inclusive(['?', '.', '!', '\n'])
            .map(str::trim)
            .filter(|s| s.ends_with('?'))
            .map(|s| s.chars().take(200).collect())
            .take(10)
            .collect();
        let first_word = lower.split_whitespace().next().unwrap_or("");
        let asks = !questions.is_empty() || QUESTION_WORDS.contains(&first_word);
        let mut intent = INTENTS
            .iter()
            .find(|(_, words)| has(words))
            .map(|(intent, _)| *intent)
            .unwrap_or(if asks {
                Intent::Question
            } else {
                Intent::Other
            });
        if intent == Intent::Other && compound <= -0.5 {
            intent = Intent::Complaint;
        }
        // "When will it arrive? Thanks": a question, politely.
        if intent == Intent::Thanks && asks {
            intent = Intent::Question;
        }
        // VADER reads "refund"/"cancel" as neutral and "I want a human,
        // please" as friendly: a wish to leave is not good news, and asking
        // past the bot is not a compliment.
        let sentiment_score = if matches!(intent, Intent::Cancel | Intent::Complaint) {
            compound.min(-0.1)
        } else if wants_human {
            compound.min(0.0)
        } else {
            compound
        };
        let urgency_level = if has(&URGENT) {
            Urgency::High
        } else if sentiment_score <= -0.5 || intent == Intent::Cancel {
            Urgency::Medium
        } else {
            Urgency::Low
        };
        let words = lower.split_whitespace().count() as f64;
        let key_topics: Vec<String> = TOPICS
            .iter()
            .filter(|(_, words)| has(words))
            .map(|(topic, _)| topic.to_string())
            .collect();
        let name = prompt
            .customer_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| format!(", {n}"))
            .unwrap_or_default();
        let (action, body) = if wants_human {
            (
                Action::Handoff,
                format!("Thanks{name}. I'm connecting you with a member of our team now."),
            )
        } else {
            let body = match intent {
                Intent::Thanks => format!("You're welcome{name}! Is there anything else I can help with?"),
                Intent::Cancel => format!("I understand you'd like to cancel or get a refund{name}. I can help with that: could you confirm which order or account it concerns?"),
                Intent::Complaint => format!("I'm sorry about this{name}. Could you tell me a little more about what happened, so we can put it right?"),
                Intent::Purchase => format!("Thanks for your interest{name}! I'll send you the details and pricing that fit what you need."),
                Intent::Question => match questions.first() {
                    Some(q) => format!("Thanks for your question{name}: \"{q}\" Let me check and get back to you shortly."),
                    None => format!("Thanks for your question{name}. Let me check and get back to you shortly."),
                },
                Intent::Other => format!("Thanks for your message{name}. We'll get back to you shortly."),
            };
            (Action::Reply, body)
        };
        let (body, adjusted) = adjust(body, &prompt.instructions);
        let reasoning =
            format!(
            "rules: VADER compound {compound:.3}; intent {intent:?} by keywords; {} question(s){}",
            questions.len(),
            if wants_human { "; asks for a person" } else { "" }
        ) + &adjusted;
        Draft {
            action,
            suggested_body: body,
            confidence_score: if matches!(intent, Intent::Other | Intent::Complaint) {
                0.4
            } else {
                0.6
            },
            sentiment: Sentiment::of_score(sentiment_score),
            sentiment_score,
            sentiment_confidence: 0.5 + sentiment_score.abs() / 2.0,
            intent,
            intent_confidence: if intent == Intent::Other { 0.3 } else { 0.7 },
            complexity_score: (0.1 + 0.15 * questions.len() as f64 + words / 200.0).min(1.0),
            engagement_score: (words / 50.0 + if asks { 0.2 } else { 0.0 }).min(1.0),
            key_topics,
            questions_asked: questions,
            urgency_level,
            wants_human,
            ai_reasoning: reasoning,
            ai_metadata: ModelInfo {
                provider: "rules".into(),
                model: None,
                tokens_used: None,
                cost: None,
            },
        }
    }
}

#[async_trait::async_trait]
impl ReplyModel for RulesModel {
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError> {
        Ok(self.draft_now(prompt))
    }
}

/// Applies a regeneration's tone and length to a rules draft; answers the
/// body and what the reasoning says of it. Free text (`custom_prompt`) is
/// noted, not followed: rules cannot read instructions.
fn adjust(body: String, ins: &Instructions) -> (String, String) {
    use crm_domain::reply::Tone;
    let mut body = body;
    let mut said = Vec::new();
    match ins.tone {
        Some(Tone::MoreFormal) => {
            for (short, long) in [
                ("I'm", "I am"),
                ("I'll", "I will"),
                ("We'll", "We will"),
                ("we'll", "we will"),
                ("You're", "You are"),
                ("you're", "you are"),
                ("you'd", "you would"),
                ("Let me", "Allow me to"),
                ("Thanks", "Thank you"),
            ] {
                body = body.replace(short, long);
            }
            body = format!("{body}\n\nKind regards");
        }
        Some(Tone::MoreCasual) => body = format!("Hey! {body}"),
        Some(Tone::AddHumor) => {
            body = format!("{body} (No robots were harmed in writing this reply.)")
        }
        Some(Tone::Shorter) | None => {}
    }
    if let Some(t) = ins.tone {
        said.push(format!(
            "regenerated with {}: {}",
            t.as_str(),
            t.instruction()
        ));
    }
    let max_words = match (ins.tone, ins.length) {
        (_, Some(l)) => Some(l.max_words()),
        (Some(Tone::Shorter), None) => Some(100),
        _ => None,
    };
    if let Some(max) = max_words {
        let words: Vec<&str> = body.split_whitespace().collect();
        if words.len() > max {
            body = words[..max].join(" ");
        }
        if let Some(l) = ins.length {
            said.push(format!("length {} (≤ {max} words)", l.as_str()));
        }
    }
    if ins.custom_prompt.is_some() {
        said.push("custom_prompt noted (the rules provider does not follow free text)".into());
    }
    let adjusted = if said.is_empty() {
        String::new()
    } else {
        format!("; {}", said.join("; "))
    };
    (body, adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::escalations::{
        EscalationDecision as Escalation, EscalationReason, Priority, Thresholds,
    };

    fn prompt(text: &str) -> Prompt {
        Prompt {
            customer_name: Some("Ann".into()),
            history: Vec::new(),
            message: text.into(),
            instructions: Default::default(),
        }
    }

    /// (message, sentiment sign, intent, escalation reason)
    #[test]
    fn a_table_of_messages() {
        let model = RulesModel::new();
        let t = Thresholds::default();
        let cases: [(&str, i8, Intent, Option<EscalationReason>); 8] = [
            (
                "This is the worst service ever, I am furious and disappointed!",
                -1,
                Intent::Complaint,
                Some(EscalationReason::NegativeSentiment),
            ),
            (
                "I want to talk to a human, not a bot.",
                0,
                Intent::Other,
                Some(EscalationReason::ManualRequest),
            ),
            (
                "Can I speak to a representative please?",
                0,
                Intent::Question,
                Some(EscalationReason::ManualRequest),
            ),
            (
                "What are your opening hours on Saturday?",
                0,
                Intent::Question,
                None,
            ),
            (
                "Thanks so much, that was really helpful!",
                1,
                Intent::Thanks,
                None,
            ),
            (
                "How much does the enterprise plan cost?",
                0,
                Intent::Purchase,
                None,
            ),
            (
                "I want a refund and to cancel my subscription.",
                -1,
                Intent::Cancel,
                None,
            ),
            ("ok", 1, Intent::Other, None), // VADER's lexicon rates "ok" mildly positive
        ];
        for (text, sign, intent, reason) in cases {
            let d = model.draft_now(&prompt(text));
            let got_sign = if d.sentiment_score > 0.05 {
                1
            } else if d.sentiment_score < -0.05 {
                -1
            } else {
                0
            };
            assert_eq!(got_sign, sign, "{text}: {}", d.sentiment_score);
            assert_eq!(d.intent, intent, "{text}");
            assert_eq!(
                Escalation::decide(&d, &t).map(|e| e.reason),
                reason,
                "{text}: {d:?}"
            );
            assert_eq!(d.ai_metadata.provider, "rules");
            assert_eq!(d.ai_metadata.model, None);
            assert!(!d.suggested_body.is_empty());
        }
    }

    #[test]
    fn replies_quote_the_question_and_a_handoff_is_a_field_not_a_marker() {
        let model = RulesModel::new();
        let d = model.draft_now(&prompt("Hi there. When will my order arrive? Thanks"));
        assert_eq!(
            d.questions_asked,
            vec!["When will my order arrive?".to_string()]
        );
        assert!(
            d.suggested_body.contains("\"When will my order arrive?\""),
            "{}",
            d.suggested_body
        );
        assert!(d.key_topics.contains(&"delivery".to_string()));
        let h = model.draft_now(&prompt("URGENT: get me a manager right now"));
        assert_eq!(h.action, Action::Handoff);
        assert_eq!(h.urgency_level, Urgency::High);
        assert!(!h.suggested_body.to_lowercase().contains("handoff"));
        let e = Escalation::decide(&h, &Thresholds::default()).unwrap();
        assert_eq!(e.priority, Priority::Urgent);
    }

    #[test]
    fn odd_input_never_panics() {
        let model = RulesModel::new();
        for odd in [
            "",
            "   ",
            "???",
            "🙂🙂🙂",
            "\u{0}\u{1}",
            &"a ".repeat(40_000),
            "ÇA NE MARCHE PAS !!!",
        ] {
            let d = model.draft_now(&prompt(odd));
            assert!((-1.0..=1.0).contains(&d.sentiment_score));
            assert!((0.0..=1.0).contains(&d.complexity_score));
        }
    }

    /// A regeneration's tone and length change the rules draft; free text is noted only.
    #[test]
    fn tone_and_length_shape_the_draft() {
        let model = RulesModel::new();
        let base = prompt(
            "Can I change my delivery address? I'm moving next week and want it sent there.",
        );
        let plain = model.draft_now(&base);
        let formal = model.draft_now(&Prompt {
            instructions: Instructions {
                tone: Some(crm_domain::reply::Tone::MoreFormal),
                ..Default::default()
            },
            ..base.clone()
        });
        assert_ne!(formal.suggested_body, plain.suggested_body);
        assert!(
            !formal.suggested_body.contains("Let me"),
            "{}",
            formal.suggested_body
        );
        assert!(formal.suggested_body.ends_with("Kind regards"));
        assert!(
            formal.ai_reasoning.contains("more_formal"),
            "{}",
            formal.ai_reasoning
        );
        let short = model.draft_now(&Prompt {
            instructions: Instructions {
                length: Some(crm_domain::reply::Length::Short),
                tone: Some(crm_domain::reply::Tone::AddHumor),
                custom_prompt: Some("mention the demo".into()),
            },
            ..base
        });
        assert!(short.suggested_body.split_whitespace().count() <= 50);
        assert!(short.ai_reasoning.contains("custom_prompt noted"));
    }
}
