//! # crm-sender
//!
//! The sender (issue 22). One handler for two event sources:
//! - an SQS batch of send jobs (`{"log_id": 42}` bodies) from the delivery
//!   queue: each record is one `Crm::deliver` (rules in
//!   `crm_domain::flows::send`: claim by condition, one provider call,
//!   the outcome by condition), run concurrently; a record whose store
//!   call failed goes back in the partial batch response
//!   (`batchItemFailures`; the event source mapping has
//!   `ReportBatchItemFailures`) and, after the queue's `maxReceiveCount`,
//!   to the DLQ. A provider's failure is not a batch failure: the flow
//!   records it on the message (a retry is its own delayed job);
//! - the EventBridge schedule (`"source": "aws.events"`): the outbox
//!   sweep, which wakes sends whose job was lost and records
//!   `delivery_unknown` for claims that ended with no outcome.
//!
//! local-api runs the same `deliver` and sweep on an in-process queue
//! ([`local`]).
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the DynamoDB table (required) |
//! | `SEND_QUEUE_URL` | the delivery queue: retries and the sweep send there (required on AWS) |
//! | `EVENT_BUS_NAME` | the EventBridge bus of `conversation:sent` / `conversation:error` |
//! | `TWILIO_*`, `CRM_TWILIO_*`, `CRM_CHAT_DELIVERY_*`, `CRM_SEND_*` | the couriers (`crm_couriers::config`) and the retries (`crm_domain::sending::SendingSettings`) |

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::flows::{SendOutcome, SendSweep};
use crm_domain::sending::{Couriers, SendJob};
use crm_domain::{Crm, DomainError};
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;
use tracing::Instrument;

pub mod local;

/// Works one SQS record; `Err` names why it failed (the record is retried).
async fn work_record(crm: &Crm, couriers: &Couriers, record: &SqsMessage) -> Result<(), String> {
    let body = record.body.as_deref().unwrap_or("");
    let job: SendJob = serde_json::from_str(body).map_err(|e| format!("not a send job: {e}"))?;
    match crm.deliver(&job, couriers).await {
        Ok(outcome) => {
            log_outcome(&job, &outcome);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// One line per job: what it came to (ids and codes only).
pub fn log_outcome(job: &SendJob, outcome: &SendOutcome) {
    match outcome {
        SendOutcome::RetryIn(delay) => {
            tracing::info!(
                log_id = job.log_id.get(),
                retry_in_ms = delay.as_millis() as u64,
                "send job: retry queued"
            )
        }
        other => tracing::info!(log_id = job.log_id.get(), outcome = ?other, "send job done"),
    }
}

/// An SQS batch (the partial batch failure pattern): every record worked
/// concurrently; each one that failed — a body that is no job, a store
/// error — is listed in `batchItemFailures` by its `messageId`.
pub async fn handle_batch(crm: &Crm, couriers: &Couriers, event: SqsEvent) -> SqsBatchResponse {
    let results = futures::future::join_all(event.records.iter().map(|record| {
        let attribute = |name: &str| {
            record
                .attributes
                .get(name)
                .map(String::as_str)
                .unwrap_or("")
        };
        let span = tracing::info_span!(
            "send",
            message_id = record.message_id.as_deref().unwrap_or(""),
            queued_by_trace = attribute("AWSTraceHeader"),
            receive_count = attribute("ApproximateReceiveCount"),
        );
        async move {
            let result = work_record(crm, couriers, record).await;
            if let Err(error) = &result {
                tracing::warn!(%error, "send job failed; SQS retries it");
            }
            (record, result)
        }
        .instrument(span)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (record, result) in results {
        if result.is_err() {
            response.add_failure(record.message_id.clone().unwrap_or_default());
        }
    }
    response
}

/// The scheduled outbox sweep, with the configured grace.
///
/// Errors: the store's, or the queue's when the wake-up fails.
pub async fn handle_sweep(crm: &Crm) -> Result<SendSweep, DomainError> {
    let sweep = crm.sweep_sends(crm.settings().sending.sweep_grace).await?;
    tracing::info!(
        woken = sweep.woken.len(),
        unknown = sweep.unknown.len(),
        "outbox sweep"
    );
    Ok(sweep)
}

/// One Lambda invocation: an SQS batch (has `Records`) or the schedule
/// (`"source": "aws.events"`); anything else is an error naming what came.
pub async fn handle_event(
    crm: &Crm,
    couriers: &Couriers,
    payload: Value,
) -> Result<Value, lambda_runtime::Error> {
    if payload.get("Records").is_some() {
        let event: SqsEvent = serde_json::from_value(payload)?;
        let response = handle_batch(crm, couriers, event).await;
        return Ok(serde_json::to_value(response)?);
    }
    if payload.get("source").and_then(Value::as_str) == Some("aws.events") {
        let sweep = handle_sweep(crm).await?;
        return Ok(serde_json::json!({
            "woken": sweep.woken.len(),
            "unknown": sweep.unknown.len(),
        }));
    }
    Err("the sender takes an SQS batch or the sweep's EventBridge schedule".into())
}

/// The Lambda's cold start and loop: JSON logs, the DynamoDB store, the
/// delivery queue of `SEND_QUEUE_URL`, the couriers from the environment
/// (their secrets resolved from Secrets Manager by `crm_http::bootstrap`).
///
/// Errors: a missing `TABLE_NAME`, a malformed setting, or the runtime's.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    crm_http::init_tracing();
    let metrics = crm_http::telemetry::lambda_metrics()?;
    crm_http::bootstrap::load_secrets().await?;
    let table =
        crm_http::bootstrap::var("TABLE_NAME").ok_or("TABLE_NAME must name the DynamoDB table")?;
    let store = crm_store_dynamodb::DynamoStore::from_env(table).await;
    let mut crm = crm_http::bootstrap::state_with(Arc::new(store))?.crm;
    if let Some(url) = crm_http::bootstrap::var("SEND_QUEUE_URL") {
        crm = crm.with_send_queue(Arc::new(crm_queue_sqs::SqsQueue::from_env(url)));
    }
    if let Some(bus) = crm_http::bootstrap::var("EVENT_BUS_NAME") {
        let sink = crm_events_eventbridge::EventBridgeSink::from_env(bus);
        crm = crm.with_events(Arc::new(sink));
    }
    let couriers = crm_couriers::config::from_env(crm_http::bootstrap::var)?;
    tracing::info!(couriers_configured = !couriers.is_empty(), "sender ready");
    let (crm, couriers) = (&crm, &couriers);
    let handler = service_fn(move |event: LambdaEvent<Value>| async move {
        handle_event(crm, couriers, event.payload).await
    });
    metrics_cloudwatch_embedded::lambda::service::run(metrics, handler).await
}
