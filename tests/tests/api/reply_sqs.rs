//! The reply pipeline through a real SQS API (issue 9): `POST /log` →
//! `crm-queue-sqs` (the real aws-sdk-sqs) → an SQS emulator over HTTP (moto's
//! server mode, started by the test command at `AWS_ENDPOINT_URL_SQS`) →
//! `ReceiveMessage` → the worker's handler with the `SqsEvent` built from
//! what was received → the suggestion through the API; and SQS unreachable
//! during `POST /log` → 200, the job sent later by the sweep.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::config::{Credentials, Region};
use crm_queue_sqs::SqsQueue;
use crm_tests::{spawn_app_with_queue, CountingModel};
use serde_json::json;

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "the SQS tests need the emulator: run `make test`, or \
                 `eval \"$(bash .ci/sqs-emulator.sh start)\"` first"
            )
        })
}

async fn client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("dummy", "dummy", None, None, "emulator"))
        .endpoint_url(endpoint)
        .load()
        .await;
    aws_sdk_sqs::Client::new(&config)
}

async fn fresh_queue(sqs: &aws_sdk_sqs::Client) -> String {
    let name = format!("reply-{}", uuid_like());
    sqs.create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("QueueUrl")
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// Receives until `n` messages came (or 20 s passed); returns them as the
/// `SqsEvent` Lambda would hand over, and deletes them.
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, n: usize) -> SqsEvent {
    let started = Instant::now();
    let mut records = Vec::new();
    while records.len() < n && started.elapsed() < Duration::from_secs(20) {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        for m in got.messages.unwrap_or_default() {
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                .send()
                .await
                .expect("DeleteMessage");
            records.push(json!({"messageId": m.message_id, "receiptHandle": m.receipt_handle,
                "body": m.body, "attributes": {}, "messageAttributes": {}, "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:reply", "awsRegion": "us-east-1"}));
        }
    }
    assert_eq!(records.len(), n, "messages received from the queue");
    serde_json::from_value(json!({ "Records": records })).expect("SqsEvent")
}

#[tokio::test]
async fn inbound_logs_travel_through_sqs_to_one_suggestion() {
    let endpoint = endpoint();
    let sqs = client(&endpoint).await;
    let url = fresh_queue(&sqs).await;
    let app = spawn_app_with_queue(Arc::new(SqsQueue::new(sqs.clone(), &url))).await;
    let ann = app
        .customer(json!({"name": "Ann", "email": "ann@example.com"}))
        .await;
    let mut last = (0, String::new());
    for text in ["Hi", "Do you ship to Canada?", "And how long does it take?"] {
        last = app.log(ann, "inbound", text).await;
    }
    app.log(ann, "outbound", "Let me check.").await;
    app.log(ann, "inbound", "Thanks, how long?").await;
    let (last_id, context) = app
        .log(
            ann,
            "inbound",
            "Sorry, one more: how long does shipping take?",
        )
        .await;
    assert_ne!(last.0, last_id);

    // Five inbound messages: five queue messages (after their DelaySeconds).
    let event = receive(&sqs, &url, 5).await;
    let model = CountingModel::default();
    let response = crm_reply_worker::handle_batch(&app.crm, &model, event).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        model.calls(),
        1,
        "only the latest inbound message is drafted"
    );
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("reply_to_message_id"), last_id);
}

#[tokio::test]
async fn sqs_unreachable_during_a_log_still_answers_and_the_sweep_sends_the_job() {
    let endpoint = endpoint();
    // Nothing listens on port 9 of loopback: every send fails at once.
    let dead = client("http://127.0.0.1:9").await;
    let app = spawn_app_with_queue(Arc::new(SqsQueue::new(
        dead,
        "http://127.0.0.1:9/000000000000/reply",
    )))
    .await;
    let ann = app
        .customer(json!({"name": "Ann", "email": "ann@example.com"}))
        .await;
    let started = Instant::now();
    let (_, context) = app.log(ann, "inbound", "Is anyone there?").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a dead queue delays the log by its bounded timeouts only"
    );

    // The sweep (grace 0 here), with the queue reachable again.
    let sqs = client(&endpoint).await;
    let url = fresh_queue(&sqs).await;
    let mut settings = app.crm.settings().clone();
    settings.reply.sweep_grace = time::Duration::ZERO;
    let crm = crm_domain::Crm::new(app.store.clone(), settings)
        .with_queue(Arc::new(SqsQueue::new(sqs.clone(), &url)));
    let swept = crm_reply_worker::handle_sweep(&crm).await.expect("sweep");
    assert_eq!(swept.requeued.len(), 1);
    let event = receive(&sqs, &url, 1).await;
    let model = CountingModel::default();
    let response = crm_reply_worker::handle_batch(&crm, &model, event).await;
    assert!(response.batch_item_failures.is_empty());
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}
