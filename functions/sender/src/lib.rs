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
//!   `delivery_unknown` for claims that ended with no outcome;
//! - SES's configuration-set events through EventBridge (`"source":
//!   "aws.ses"`, [`ses`]): delivered, bounced, complained, opened, clicked.
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

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::flows::{SendOutcome, SendSweep};
use crm_domain::sending::{Couriers, SendJob};
use crm_domain::{Crm, DomainError};
use crm_queue_sqs::batch::Invocation;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

pub mod local;
pub mod ses;

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
    crm_queue_sqs::batch::partial_failures(&event, "send job", |record| {
        work_record(crm, couriers, record)
    })
    .await
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
    match crm_queue_sqs::batch::invocation(payload)? {
        Invocation::Batch(event) => {
            let response = handle_batch(crm, couriers, event).await;
            Ok(serde_json::to_value(response)?)
        }
        Invocation::Schedule => {
            let sweep = handle_sweep(crm).await?;
            Ok(serde_json::json!({
                "woken": sweep.woken.len(),
                "unknown": sweep.unknown.len(),
            }))
        }
        Invocation::Event(event) => match ses::report(&event)? {
            Some(report) => {
                let applied = crm.apply_email_report(&report).await?;
                tracing::info!(log_id = report.log_id.get(), applied, "SES event");
                Ok(serde_json::json!({ "applied": applied }))
            }
            None => Ok(serde_json::json!({ "applied": false })),
        },
    }
}

/// The Lambda's cold start and loop: JSON logs, the DynamoDB store, the
/// delivery queue of `SEND_QUEUE_URL`, the couriers from the environment
/// (their secrets resolved from Secrets Manager by `crm_http::bootstrap`).
///
/// Errors: a missing `TABLE_NAME`, a malformed setting, or the runtime's.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    crm_http::init_tracing();
    let metrics = crm_http::telemetry::lambda_metrics()?;
    // The table, both queues and the event bus, as every function gets them.
    let crm = crm_lambda::state_from_env().await?.crm;
    let couriers = crm_couriers::config::from_env(crm_http::bootstrap::var).await?;
    tracing::info!(couriers_configured = !couriers.is_empty(), "sender ready");
    let (crm, couriers) = (&crm, &couriers);
    let handler = service_fn(move |event: LambdaEvent<Value>| async move {
        handle_event(crm, couriers, event.payload).await
    });
    metrics_cloudwatch_embedded::lambda::service::run(metrics, handler).await
}
