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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_region: phonenumber::country::Id::US,
            history_limit: 20,
        }
    }
}

impl Settings {
    /// Reads `CRM_DEFAULT_REGION` (ISO 3166 alpha-2, e.g. `CA`) and
    /// `CRM_HISTORY_LIMIT` (1..=100) from `env`; returns a message naming the
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
