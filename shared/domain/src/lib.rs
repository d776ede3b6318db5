//! # crm-domain
//!
//! The CRM's models, validation and business rules, written against the
//! storage port ([`store::Store`]) and the single-table key design
//! ([`keys`]). No AWS SDK and no HTTP framework: the HTTP groups in
//! `functions/` call [`Crm`]'s methods, and adapters in `shared/` implement
//! the port.
//!
//! Where to look — one folder per aggregate, each with `api.rs` (what its
//! endpoints take and return), `record.rs` (the stored item and the keys it
//! derives) and `service.rs` (its rules, as methods of [`Crm`]):
//! - customers (guide §1–7): [`customers`]
//! - conversations (guide §20–26): [`conversations`]
//! - messages (guide §11–19): [`messages`]
//! - messaging connections, the senders of the ingest endpoint (seed 002): [`connections`]
//! - Twilio as a caller: signatures, status callbacks (issue 11): [`twilio`]
//! - `Idempotency-Key` records: the first answer of a creating request, replayed (issue 11): [`idempotency`]
//! - AI reply suggestions, the reply job and the model port (issue 9, seed 001): [`suggestions`];
//!   escalation tickets (seed 003): [`escalations`]
//! - operations that span aggregates — `POST /log`, `GET /context`, opening,
//!   closing, deleting a customer, drafting a reply: [`flows`]
//! - validated values and ids: [`types`]; the key machinery: [`keys`] (the
//!   key table is `docs/data-model.md`); the storage port: [`store`].

pub mod budget;
pub mod clock;
mod codec;
pub mod connections;
pub mod conversations;
mod counter;
pub mod customers;
pub mod error;
pub mod escalations;
pub mod events;
pub mod flows;
pub mod idempotency;
pub mod keys;
pub mod messages;
pub mod metrics;
pub mod paging;
pub mod reply;
pub mod stats;
pub mod store;
pub mod suggestions;
pub mod twilio;
pub mod types;

use std::sync::Arc;

pub use error::{DomainError, DomainResult, Missing};
pub use paging::{ListParams, Listed};

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
        }
    }
}

/// Settings of the reply pipeline (issue 9; README "AI reply suggestions").
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

/// Reads variable `name` as a number in `range`; `None` when unset or blank.
fn ranged<T>(
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
        Ok(settings)
    }
}

/// The CRM service: every business operation, over one store.
///
/// Cheap to clone (an `Arc` and a small settings struct); build it once at
/// cold start and share it.
#[derive(Clone)]
pub struct Crm {
    store: Arc<dyn store::Store>,
    settings: Settings,
    queue: Option<Arc<dyn reply::JobQueue>>,
    events: Option<Arc<dyn events::EventSink>>,
    clock: Arc<dyn clock::Clock>,
}

impl Crm {
    /// A service over `store` with `settings`, enqueueing no reply jobs
    /// (they stay in the outbox for the sweep; see [`Crm::with_queue`]).
    pub fn new(store: Arc<dyn store::Store>, settings: Settings) -> Self {
        Self {
            store,
            settings,
            queue: None,
            events: None,
            clock: Arc::new(clock::SystemClock),
        }
    }

    /// The same service reading the time from `clock` where records expire
    /// (idempotency records); tests move it forward.
    pub fn with_clock(mut self, clock: Arc<dyn clock::Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same service, publishing seed 001's events to `sink` (EventBridge
    /// on AWS, `GET /events` in local-api).
    pub fn with_events(mut self, sink: Arc<dyn events::EventSink>) -> Self {
        self.events = Some(sink);
        self
    }

    /// The same service, sending reply jobs to `queue` (SQS on AWS, the
    /// embedded queue in local-api).
    pub fn with_queue(mut self, queue: Arc<dyn reply::JobQueue>) -> Self {
        self.queue = Some(queue);
        self
    }

    /// The store this service writes to.
    pub fn store(&self) -> &Arc<dyn store::Store> {
        &self.store
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

/// How many times a rule re-reads and retries when a concurrent write
/// invalidated its condition, before answering [`DomainError::Contended`].
pub(crate) const OPTIMISTIC_ATTEMPTS: usize = 8;

#[cfg(test)]
mod settings_tests {
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
