//! The worker's two event sources, as Lambda delivers them (`events/reply-worker/`),
//! through `handle_event`: an SQS batch answers a partial batch response
//! naming the record that is no job; the EventBridge schedule runs the sweep;
//! anything else is an error.

use std::path::PathBuf;
use std::sync::Arc;

use crm_domain::{Crm, Settings};
use serde_json::{json, Value};

fn event(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../events/reply-worker")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("event file")).expect("JSON")
}

fn crm() -> Crm {
    let store = crm_store_sqlite::SqliteStore::in_memory().expect("store");
    Crm::new(Arc::new(store), Settings::default())
}

/// An hour from now, in epoch milliseconds (the invocation's deadline).
fn deadline() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    now + 3_600_000
}

#[tokio::test]
async fn each_event_source_reaches_its_handler() {
    let crm = crm();
    let model = crm_reply::RulesModel::new();
    let answer = crm_reply_worker::handle_event(&crm, &model, event("sqs-batch.json"), deadline())
        .await
        .expect("batch");
    // The job of an unknown conversation is done (nothing to draft); the
    // body that is no job is reported for retry, then the DLQ.
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]})
    );
    let swept = crm_reply_worker::handle_event(&crm, &model, event("schedule.json"), deadline())
        .await
        .expect("sweep");
    assert_eq!(swept, json!({"requeued": 0, "given_up": 0}));
    let other = crm_reply_worker::handle_event(&crm, &model, json!({"hello": 1}), deadline()).await;
    assert!(other.is_err());
}
