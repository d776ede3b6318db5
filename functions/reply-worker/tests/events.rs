//! The worker's two event sources, as Lambda delivers them (`events/reply-worker/`),
//! through `handle_event`: an SQS batch answers a partial batch response
//! naming the record that is no job; the EventBridge schedule runs the sweep;
//! anything else is an error.

mod common;

use common::{crm, deadline, event};
use serde_json::json;

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
