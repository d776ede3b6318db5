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
//! - operations that span aggregates — `POST /log`, `GET /context`, opening,
//!   closing, deleting a customer: [`flows`]
//! - validated values and ids: [`types`]; the key machinery: [`keys`] (the
//!   key table is `docs/data-model.md`); the storage port: [`store`].

pub mod budget;
mod codec;
pub mod connections;
pub mod conversations;
mod counter;
pub mod customers;
pub mod error;
pub mod flows;
pub mod keys;
pub mod messages;
pub mod paging;
pub mod store;
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_region: phonenumber::country::Id::US,
            history_limit: 20,
            ingest_history_window: time::Duration::hours(24),
        }
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
}

impl Crm {
    /// A service over `store` with `settings`.
    pub fn new(store: Arc<dyn store::Store>, settings: Settings) -> Self {
        Self { store, settings }
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
    }
}
