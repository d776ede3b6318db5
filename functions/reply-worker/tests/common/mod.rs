//! What both test files of the worker need: its events as Lambda delivers
//! them, a `Crm` on the embedded store, an invocation deadline.

use std::path::PathBuf;
use std::sync::Arc;

use crm_domain::{Crm, Settings};
use serde_json::Value;

/// `events/reply-worker/<name>` as JSON.
pub fn event(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../events/reply-worker")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("event file")).expect("JSON")
}

/// A `Crm` on an in-memory SQLite store.
pub fn crm() -> Crm {
    let store = crm_store_sqlite::SqliteStore::in_memory().expect("store");
    Crm::new(Arc::new(store), Settings::default())
}

/// An hour from now, in epoch milliseconds (the invocation's deadline).
pub fn deadline() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    now + 3_600_000
}
