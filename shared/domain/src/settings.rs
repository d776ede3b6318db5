//! Every environment variable the binaries read — its range and default in
//! one table, [`VARIABLES`], which the README's settings table is checked
//! against (`functions/local-api/tests/settings_table.rs`, which also fails
//! when code reads a variable the table lacks) — and the typed, validated
//! [`Settings`] of the business rules read from them once at start-up.
//! The edge's own variables (the table, queues, keys, the provider) are
//! read by `crm_http::bootstrap`, `crm-lambda`, `crm_reply::config` and
//! local-api, under the names of this table.

use crate::{escalations, twilio, types};

/// One environment variable: its name, what it does, and its default as the
/// README shows them (`—` when it has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The name, e.g. `CRM_HISTORY_LIMIT`.
    pub name: &'static str,
    /// What it sets, with its range.
    pub meaning: &'static str,
    /// Its default, as written in the README's table.
    pub default: &'static str,
}

const fn var(name: &'static str, meaning: &'static str, default: &'static str) -> Variable {
    Variable {
        name,
        meaning,
        default,
    }
}

/// Every environment variable any binary reads (local-api, the Lambdas, the
/// reply worker), in the README's order.
pub const VARIABLES: &[Variable] = &[
    var("CRM_ADDR", "listen address of local-api (or `--addr`)", "`127.0.0.1:3000`"),
    var("CRM_API_KEYS", "comma-separated accepted keys (hashed at start-up, compared in constant time)", "a generated key (local-api); API Gateway's check (Lambda)"),
    var("CRM_DATA_DIR", "folder of the SQLite file and the key digest", "`./.crm-data`"),
    var("CRM_STORE", "local-api's storage adapter: `sqlite` or `dynamodb` (a Lambda always uses DynamoDB)", "`dynamodb` when `TABLE_NAME` is set, else `sqlite`"),
    var("TABLE_NAME", "the DynamoDB table", "—"),
    var("REPLY_QUEUE_URL", "the SQS reply queue an inbound message's reply job is sent to (Lambdas); unset, jobs wait in the outbox for the sweep", "—"),
    var("EVENT_BUS_NAME", "the EventBridge bus seed 001's events go to (Lambdas); unset, none are published", "—"),
    var("CRM_DEFAULT_REGION", "region for national phone numbers (`416 555 1234`)", "`US`"),
    var("CRM_HISTORY_LIMIT", "messages in `GET /context` `history` (1–100)", "`20`"),
    var("CRM_INGEST_HISTORY_HOURS", "ingested inbound messages sent longer ago are stored processed (0–8784)", "`24`"),
    var("CRM_REPLY_PROVIDER", "who drafts reply suggestions: `rules` (offline), `openai`, `bedrock`", "`rules`"),
    var("CRM_OPENAI_BASE_URL", "the OpenAI-compatible endpoint of the `openai` provider", "—"),
    var("CRM_OPENAI_MODEL", "the model of the `openai` provider", "—"),
    var("CRM_OPENAI_API_KEY", "its key (empty for local servers)", "—"),
    var("CRM_OPENAI_API_KEY_SECRET_ARN", "the Secrets Manager secret holding `CRM_OPENAI_API_KEY`", "—"),
    var("CRM_BEDROCK_MODEL_ID", "the model of the `bedrock` provider", "`amazon.nova-micro-v1:0`"),
    var("CRM_REPLY_DEBOUNCE_SECONDS", "wait before drafting, so a burst costs one model call (0–900)", "`3`"),
    var("CRM_REPLY_SWEEP_GRACE_SECONDS", "a job pending this long is re-enqueued by the sweep (0–86400)", "`120`"),
    var("CRM_REPLY_SWEEP_SECONDS", "how often local-api sweeps (1–3600)", "`10`"),
    var("CRM_REPLY_MAX_SWEEPS", "re-enqueues before a job is given up with a `repeated_failures` ticket (0–100)", "`3`"),
    var("CRM_REPLY_TIMEOUT_SECONDS", "bound of one provider call (1–120)", "`20`"),
    var("CRM_ESCALATE_SENTIMENT", "escalate at `sentiment_score` ≤ this (-1–1)", "`-0.5`"),
    var("CRM_ESCALATE_COMPLEXITY", "escalate at `complexity_score` ≥ this (0–1)", "`0.8`"),
    var("CRM_ESCALATE_CONFIDENCE", "escalate at `confidence_score` < this (0–1)", "`0.3`"),
    var("CRM_SUGGESTION_TTL_DAYS", "suggestions expire (table TTL `expires_at`) after (1–3650); approved ones never", "`30`"),
    var("CRM_REGENERATE_PER_MINUTE", "regenerations per conversation per minute before a 429 (1–1000)", "`20`"),
    var("TWILIO_AUTH_TOKEN", "the Twilio account's auth token that signs status callbacks; unset, every Twilio callback is a 403", "—"),
    var("TWILIO_AUTH_TOKEN_SECRET_ARN", "the Secrets Manager secret holding `TWILIO_AUTH_TOKEN`, read at cold start (the template sets it; the token is then never in the environment)", "—"),
    var("CRM_PUBLIC_BASE_URL", "the public base URL Twilio is given, when it is not the API Gateway URL (a custom domain), e.g. `https://crm.example.com/api`", "rebuilt from the request"),
    var("CRM_LEASE_MAX_RECEIVES", "leases of one message before leased polls stop handing it out (1–100)", "`5`"),
    var("TWILIO_ACCOUNT_SID", "the Twilio account that sends SMS and WhatsApp replies (with `CRM_TWILIO_FROM` or `CRM_TWILIO_MESSAGING_SERVICE_SID`); unset, those replies wait for an external sender", "—"),
    var("CRM_TWILIO_FROM", "the Twilio number replies are sent from (E.164)", "—"),
    var("CRM_TWILIO_MESSAGING_SERVICE_SID", "the Twilio Messaging Service replies are sent through (instead of `CRM_TWILIO_FROM`)", "—"),
    var("CRM_TWILIO_API_URL", "Twilio's API base URL (tests and operators point it elsewhere)", "`https://api.twilio.com`"),
    var("CRM_SMTP_URL", "the SMTP server email replies go through, e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`; unset, email replies wait for an external sender", "—"),
    var("CRM_SES_CONFIGURATION_SET", "send email replies through Amazon SES v2 with this configuration set (its events mark them delivered, bounced, opened, clicked); wins over `CRM_SMTP_URL`", "—"),
    var("CRM_EMAIL_FROM", "the address email replies are sent from (required with `CRM_SES_CONFIGURATION_SET` or `CRM_SMTP_URL`), e.g. `Support <support@example.com>`", "—"),
    var("CRM_CHAT_DELIVERY_URL", "where chat replies are `POST`ed, signed (`X-CRM-Signature`); unset, they wait for an external sender", "—"),
    var("CRM_CHAT_DELIVERY_SECRET", "the secret chat deliveries are signed with (at least 32 characters)", "—"),
    var("CRM_SMTP_URL_SECRET_ARN", "the Secrets Manager secret holding `CRM_SMTP_URL` (it may carry a password)", "—"),
    var("CRM_CHAT_DELIVERY_SECRET_ARN", "the Secrets Manager secret holding `CRM_CHAT_DELIVERY_SECRET`", "—"),
    var("CRM_DELIVERY_SIGNING_KEY", "the key messaging connections' delivery secrets are derived from (≥ 32 characters); unset, no connection can have a `delivery_url`", "—"),
    var("CRM_DELIVERY_SIGNING_KEY_SECRET_ARN", "the Secrets Manager secret holding `CRM_DELIVERY_SIGNING_KEY` (the template generates it)", "—"),
    var("CRM_DELIVERY_ALLOW_PRIVATE", "`true` lets delivery URLs be `http` and private or loopback addresses: local development and tests only", "`false`"),
    var("CRM_SEND_MAX_ATTEMPTS", "provider calls for one message before a retryable failure is final (1–20)", "`5`"),
    var("CRM_SEND_RETRY_BASE_SECONDS", "wait before the second call, doubled each time with jitter, ≤ 15 minutes (1–300)", "`2`"),
    var("CRM_SEND_CLAIM_SECONDS", "a send claimed this long with no outcome is `failed` with `delivery_unknown` (30–900)", "`120`"),
    var("CRM_SEND_SWEEP_GRACE_SECONDS", "a pending send due this long ago is woken again by the sweep (0–3600)", "`60`"),
    var("CRM_SEND_SWEEP_SECONDS", "how often local-api sweeps the outbox (1–3600)", "`10`"),
    var("CRM_SEND_TIMEOUT_SECONDS", "bound of one provider call; past it the outcome is unknown (1–60)", "`10`"),
    var("SEND_QUEUE_URL", "the SQS delivery queue send jobs go to (Lambdas); unset, sends wait in the outbox for the sweep", "—"),
    var("CRM_METRICS_NAMESPACE", "CloudWatch namespace of the Lambdas' EMF metrics (template: the stack name)", "`CRM`"),
    var("RUST_LOG", "log filter", "`info`"),
];

/// Settings of the business rules, read once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Region used to read national phone numbers (`CRM_DEFAULT_REGION`, default `US`).
    pub default_region: phonenumber::country::Id,
    /// Most recent messages returned as `history` by `GET /context` (default 20).
    pub history_limit: u32,
    /// Ingested inbound messages sent longer ago than this are history,
    /// stored `processed: true` (`CRM_INGEST_HISTORY_HOURS`, default 24).
    pub ingest_history_window: time::Duration,
    /// The reply pipeline's settings (issue 9).
    pub reply: ReplySettings,
    /// Twilio's auth token and the public URL its signatures cover (issue 11).
    pub twilio: twilio::TwilioSettings,
    /// Leases a message may be handed out under by leased polls of
    /// `GET /messages/unprocessed` before it counts as dead
    /// (`CRM_LEASE_MAX_RECEIVES`, 1–100, default 5; issue 11).
    pub max_leases: i64,
    /// Which provider sends each channel, and the sender's retries (issue 22).
    pub sending: crate::sending::SendingSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_region: phonenumber::country::Id::US,
            history_limit: 20,
            ingest_history_window: time::Duration::hours(24),
            reply: ReplySettings::default(),
            twilio: twilio::TwilioSettings::default(),
            max_leases: 5,
            sending: Default::default(),
        }
    }
}

/// Settings of the reply pipeline (issue 9; docs/ai-replies.md).
#[derive(Debug, Clone)]
pub struct ReplySettings {
    /// How long a reply job waits before drafting, so a burst of inbound
    /// messages costs one model call (`CRM_REPLY_DEBOUNCE_SECONDS`, 0–900, default 3).
    pub debounce: std::time::Duration,
    /// A job still pending this long after it was requested is re-enqueued
    /// by the sweep (`CRM_REPLY_SWEEP_GRACE_SECONDS`, 0–86400, default 120).
    pub sweep_grace: time::Duration,
    /// Re-enqueues by the sweep before a job is given up with a
    /// `repeated_failures` ticket (`CRM_REPLY_MAX_SWEEPS`, 0–100, default 3).
    pub max_sweeps: i64,
    /// Time before the TTL removes a suggestion (`CRM_SUGGESTION_TTL_DAYS`, 1–3650, default 30).
    pub suggestion_ttl: time::Duration,
    /// When a draft escalates (`CRM_ESCALATE_SENTIMENT` default -0.5,
    /// `CRM_ESCALATE_COMPLEXITY` 0.8, `CRM_ESCALATE_CONFIDENCE` 0.3).
    pub thresholds: escalations::Thresholds,
    /// Regenerations a conversation may ask for per minute (seed 001's
    /// recommendation; `CRM_REGENERATE_PER_MINUTE`, 1–1000, default 20);
    /// more are a 429 with `Retry-After`.
    pub regenerate_per_minute: i64,
}

impl Default for ReplySettings {
    fn default() -> Self {
        Self {
            debounce: std::time::Duration::from_secs(3),
            sweep_grace: time::Duration::seconds(120),
            max_sweeps: 3,
            suggestion_ttl: time::Duration::days(30),
            thresholds: escalations::Thresholds::default(),
            regenerate_per_minute: 20,
        }
    }
}

/// Reads variable `name` of `env` as whole seconds in `range`, `default`
/// when unset or blank; an error naming the variable otherwise. The one
/// reader of every `…_SECONDS` setting outside [`Settings`] (timeouts,
/// sweep intervals).
pub fn seconds(
    env: impl Fn(&str) -> Option<String>,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<std::time::Duration, String> {
    let (low, high) = (*range.start(), *range.end());
    match env(name).filter(|r| !r.trim().is_empty()) {
        None => Ok(std::time::Duration::from_secs(default)),
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|s| range.contains(s))
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| format!("{name}={raw:?} must be whole seconds from {low} to {high}")),
    }
}

/// Reads variable `name` as a number in `range`; `None` when unset or blank.
pub(crate) fn ranged<T>(
    env: &impl Fn(&str) -> Option<String>,
    name: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<Option<T>, String>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let Some(raw) = env(name).filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    raw.trim()
        .parse::<T>()
        .ok()
        .filter(|v| range.contains(v))
        .map(Some)
        .ok_or_else(|| {
            format!(
                "{name}={raw:?} must be a number from {} to {}",
                range.start(),
                range.end()
            )
        })
}

impl ReplySettings {
    fn from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut r = ReplySettings::default();
        if let Some(v) = ranged(env, "CRM_REPLY_DEBOUNCE_SECONDS", 0u64..=900)? {
            r.debounce = std::time::Duration::from_secs(v);
        }
        if let Some(v) = ranged(env, "CRM_REPLY_SWEEP_GRACE_SECONDS", 0i64..=86_400)? {
            r.sweep_grace = time::Duration::seconds(v);
        }
        if let Some(v) = ranged(env, "CRM_REPLY_MAX_SWEEPS", 0i64..=100)? {
            r.max_sweeps = v;
        }
        if let Some(v) = ranged(env, "CRM_SUGGESTION_TTL_DAYS", 1i64..=3650)? {
            r.suggestion_ttl = time::Duration::days(v);
        }
        if let Some(v) = ranged(env, "CRM_REGENERATE_PER_MINUTE", 1i64..=1000)? {
            r.regenerate_per_minute = v;
        }
        let t = &mut r.thresholds;
        if let Some(v) = ranged(env, "CRM_ESCALATE_SENTIMENT", -1.0f64..=1.0)? {
            t.negative_sentiment = v;
        }
        if let Some(v) = ranged(env, "CRM_ESCALATE_COMPLEXITY", 0.0f64..=1.0)? {
            t.high_complexity = v;
        }
        if let Some(v) = ranged(env, "CRM_ESCALATE_CONFIDENCE", 0.0f64..=1.0)? {
            t.min_confidence = v;
        }
        Ok(r)
    }
}

impl Settings {
    /// Reads `CRM_DEFAULT_REGION` (ISO 3166 alpha-2, e.g. `CA`),
    /// `CRM_HISTORY_LIMIT` (1..=100) and `CRM_INGEST_HISTORY_HOURS` from `env`; returns a message naming the
    /// variable when one is malformed.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut settings = Settings::default();
        if let Some(region) = env("CRM_DEFAULT_REGION").filter(|r| !r.trim().is_empty()) {
            settings.default_region = types::parse_region(&region).ok_or_else(|| {
                format!("CRM_DEFAULT_REGION={region:?} is not a region code such as US or CA")
            })?;
        }
        if let Some(limit) = env("CRM_HISTORY_LIMIT").filter(|r| !r.trim().is_empty()) {
            settings.history_limit = limit
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| {
                    format!("CRM_HISTORY_LIMIT={limit:?} must be an integer from 1 to 100")
                })?;
        }
        if let Some(hours) = env("CRM_INGEST_HISTORY_HOURS").filter(|r| !r.trim().is_empty()) {
            let h: i64 = hours
                .trim()
                .parse()
                .ok()
                .filter(|n| (0..=24 * 366).contains(n))
                .ok_or_else(|| {
                    format!("CRM_INGEST_HISTORY_HOURS={hours:?} must be a whole number of hours from 0 to 8784")
                })?;
            settings.ingest_history_window = time::Duration::hours(h);
        }
        settings.reply = ReplySettings::from_env(&env)?;
        settings.twilio = twilio::TwilioSettings::from_env(&env)?;
        if let Some(v) = ranged(&env, "CRM_LEASE_MAX_RECEIVES", 1i64..=100)? {
            settings.max_leases = v;
        }
        settings.sending = crate::sending::SendingSettings::from_env(&env)?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, String> {
        Settings::from_env(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn settings_read_their_variables_and_name_a_bad_one() {
        let defaults = from(&[]).unwrap();
        assert_eq!(defaults.history_limit, 20);
        assert_eq!(defaults.ingest_history_window, time::Duration::hours(24));
        let set = from(&[
            ("CRM_INGEST_HISTORY_HOURS", "72"),
            ("CRM_HISTORY_LIMIT", "5"),
        ])
        .unwrap();
        assert_eq!(set.ingest_history_window, time::Duration::hours(72));
        assert_eq!(set.history_limit, 5);
        for bad in ["-1", "1.5", "x", "9000"] {
            let err = from(&[("CRM_INGEST_HISTORY_HOURS", bad)]).unwrap_err();
            assert!(err.contains("CRM_INGEST_HISTORY_HOURS"), "{err}");
        }
        assert_eq!(defaults.reply.debounce, std::time::Duration::from_secs(3));
        let reply = from(&[
            ("CRM_REPLY_DEBOUNCE_SECONDS", "0"),
            ("CRM_ESCALATE_SENTIMENT", "-0.7"),
            ("CRM_SUGGESTION_TTL_DAYS", "7"),
        ])
        .unwrap()
        .reply;
        assert_eq!(reply.debounce, std::time::Duration::ZERO);
        assert_eq!(reply.thresholds.negative_sentiment, -0.7);
        assert_eq!(reply.suggestion_ttl, time::Duration::days(7));
        for (name, bad) in [
            ("CRM_REPLY_DEBOUNCE_SECONDS", "901"),
            ("CRM_ESCALATE_COMPLEXITY", "1.5"),
            ("CRM_REPLY_MAX_SWEEPS", "x"),
        ] {
            let err = from(&[(name, bad)]).unwrap_err();
            assert!(err.contains(name), "{err}");
        }
    }
}
