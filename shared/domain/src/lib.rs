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
//! - every environment variable, its range and default, and the typed
//!   [`Settings`] read from them once at start-up: [`settings`]
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
mod retry;
pub mod sending;
pub mod settings;
pub mod stats;
pub mod store;
pub mod suggestions;
pub mod twilio;
pub mod types;

use std::sync::Arc;

pub use error::{DomainError, DomainResult, Missing};
pub use paging::{ListParams, Listed};
pub use settings::{ReplySettings, Settings};

/// The CRM service: every business operation, over one store.
///
/// Cheap to clone (`Arc`s only: every request's handler gets a clone);
/// build it once at cold start and share it.
#[derive(Clone)]
pub struct Crm {
    store: Arc<dyn store::Store>,
    settings: Arc<Settings>,
    queue: Option<Arc<dyn reply::JobQueue>>,
    send_queue: Option<Arc<dyn sending::SendQueue>>,
    events: Option<Arc<dyn events::EventSink>>,
    clock: Arc<dyn clock::Clock>,
}

impl Crm {
    /// A service over `store` with `settings`, enqueueing no reply jobs
    /// (they stay in the outbox for the sweep; see [`Crm::with_queue`]).
    pub fn new(store: Arc<dyn store::Store>, settings: Settings) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
            queue: None,
            send_queue: None,
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

    /// The same service, waking the sender of an outbound message through
    /// `queue` (the delivery queue on AWS, the embedded sender in
    /// local-api; issue 22). Without one, sends wait for the sweep.
    pub fn with_send_queue(mut self, queue: Arc<dyn sending::SendQueue>) -> Self {
        self.send_queue = Some(queue);
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
