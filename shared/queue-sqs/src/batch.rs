//! An SQS batch worked as the aws-lambda-rust-runtime example
//! `advanced-sqs-partial-batch-failures` does, for both workers (the reply
//! worker, the sender): every record at once, and each one whose work
//! failed listed in `batchItemFailures` by its `messageId`, so SQS retries
//! only those (the event source mapping has `ReportBatchItemFailures`) and,
//! after the queue's `maxReceiveCount`, dead-letters them.

use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use tracing::Instrument;

/// Works every record of `event` with `work` concurrently; a record's line
/// of logs carries its message id, its receive count and the trace of the
/// request that enqueued it (SQS's `AWSTraceHeader`, issue 12). `what`
/// names the job in the failure's log line (`"reply job"`, `"send job"`).
pub async fn partial_failures<'a, F, Fut>(
    event: &'a SqsEvent,
    what: &str,
    work: F,
) -> SqsBatchResponse
where
    F: Fn(&'a SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let results = futures::future::join_all(event.records.iter().map(|record| {
        let attribute = |name: &str| {
            record
                .attributes
                .get(name)
                .map(String::as_str)
                .unwrap_or("")
        };
        let span = tracing::info_span!(
            "job",
            message_id = record.message_id.as_deref().unwrap_or(""),
            queued_by_trace = attribute("AWSTraceHeader"),
            receive_count = attribute("ApproximateReceiveCount"),
        );
        let job = work(record);
        async move {
            let result = job.await;
            if let Err(error) = &result {
                tracing::warn!(%error, "{what} failed; SQS retries it");
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

/// What invoked a worker Lambda: its queue's batch or its sweep's schedule.
#[derive(Debug)]
pub enum Invocation {
    /// An SQS batch (the payload has `Records`).
    Batch(SqsEvent),
    /// The EventBridge schedule (`"source": "aws.events"`).
    Schedule,
    /// Another EventBridge event (`source`, `detail-type`, `detail`): the
    /// sender's SES events (`"source": "aws.ses"`).
    Event(serde_json::Value),
}

/// Reads a worker's invocation payload.
///
/// Errors: `Records` that are no SQS batch, or any other payload (the
/// message says what a worker takes).
pub fn invocation(payload: serde_json::Value) -> Result<Invocation, String> {
    if payload.get("Records").is_some() {
        return serde_json::from_value(payload)
            .map(Invocation::Batch)
            .map_err(|e| format!("not an SQS batch: {e}"));
    }
    match payload.get("source").and_then(serde_json::Value::as_str) {
        Some("aws.events") => return Ok(Invocation::Schedule),
        Some(_) if payload.get("detail").is_some() => return Ok(Invocation::Event(payload)),
        _ => {}
    }
    Err("a worker takes an SQS batch or its sweep's EventBridge schedule".into())
}
