//! # crm-reply-worker
//!
//! The AI reply worker (issue 9). One handler for two event sources:
//! - an SQS batch of reply jobs (`{"context_id", "log_id"}` bodies): each
//!   record is one `Crm::draft_reply` (rules in
//!   `crm_domain::flows::reply`), run concurrently; the failed ones go back
//!   in the partial batch response (`batchItemFailures`, the event source
//!   mapping has `ReportBatchItemFailures`), so only they are retried and,
//!   after the queue's `maxReceiveCount`, dead-lettered;
//! - the EventBridge schedule (`"source": "aws.events"`): the sweep, which
//!   re-enqueues reply jobs whose queue message was lost.
//!
//! Every model call is bounded by the provider's own timeout and by the
//! Lambda's remaining time less a margin ([`Bounded`]), because
//! `async-openai` obeys `Retry-After` without a cap.
//!
//! local-api runs the same `draft_reply` and sweep on an in-process queue
//! ([`local`]).
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the DynamoDB table (required) |
//! | `REPLY_QUEUE_URL` | the reply queue, where the sweep re-enqueues (required on AWS) |
//! | `EVENT_BUS_NAME` | the EventBridge bus of `conversation:ai_ready` / `conversation:error` (issue 10) |
//! | `CRM_REPLY_PROVIDER` … | the provider (`crm_reply::config`) |
//! | `CRM_REPLY_*`, `CRM_ESCALATE_*`, `CRM_SUGGESTION_TTL_DAYS` | the pipeline's settings (`crm_domain::ReplySettings`) |

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use crm_domain::flows::{ReplyOutcome, SweepOutcome};
use crm_domain::reply::{Draft, DraftError, Prompt, ReplyJob, ReplyModel};
use crm_domain::{Crm, DomainError};
use crm_queue_sqs::batch::Invocation;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

pub mod local;

/// Time kept back from the Lambda's deadline for the writes after a model call.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// A model whose every call is cut off after `timeout`.
pub struct Bounded<'a> {
    /// The provider.
    pub inner: &'a dyn ReplyModel,
    /// The bound.
    pub timeout: Duration,
}

#[async_trait::async_trait]
impl ReplyModel for Bounded<'_> {
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError> {
        tokio::time::timeout(self.timeout, self.inner.draft(prompt))
            .await
            .map_err(|_| {
                DraftError::Provider(format!("no answer within {} ms", self.timeout.as_millis()))
            })?
    }
}

/// Works one SQS record; `Err` names why it failed (the record is retried).
async fn work_record(crm: &Crm, model: &dyn ReplyModel, record: &SqsMessage) -> Result<(), String> {
    let body = record.body.as_deref().unwrap_or("");
    let job: ReplyJob = serde_json::from_str(body).map_err(|e| format!("not a reply job: {e}"))?;
    match crm.draft_reply(&job, model).await {
        Ok(ReplyOutcome::Drafted {
            suggestion_id,
            escalation_ticket,
        }) => {
            tracing::info!(context_id = %job.context_id, log_id = job.log_id.get(), %suggestion_id, escalated = escalation_ticket.is_some(), "suggestion drafted");
            Ok(())
        }
        Ok(ReplyOutcome::Skipped(why)) => {
            tracing::info!(context_id = %job.context_id, log_id = job.log_id.get(), skipped = ?why, "reply job dropped");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// An SQS batch (aws-lambda-rust-runtime's partial batch failure pattern):
/// every record is worked concurrently, and each one that failed — a body
/// that is no job, a provider error or timeout, a store error — is listed
/// in `batchItemFailures` by its `messageId`. The others are done and will
/// not be retried.
pub async fn handle_batch(crm: &Crm, model: &dyn ReplyModel, event: SqsEvent) -> SqsBatchResponse {
    crm_queue_sqs::batch::partial_failures(&event, "reply job", |record| {
        work_record(crm, model, record)
    })
    .await
}

/// The scheduled sweep (`Crm::sweep_reply_jobs` at the service clock's now).
///
/// Errors: the store's, or the queue's when the re-enqueue fails.
pub async fn handle_sweep(crm: &Crm) -> Result<SweepOutcome, DomainError> {
    let outcome = crm.sweep_reply_jobs(crm.now()).await?;
    tracing::info!(
        requeued = outcome.requeued.len(),
        given_up = outcome.given_up,
        "reply sweep"
    );
    Ok(outcome)
}

/// One Lambda invocation: an SQS batch (has `Records`) or the schedule
/// (`"source": "aws.events"`); anything else is an error naming what came.
///
/// `deadline_ms` is the invocation's deadline (epoch milliseconds): model
/// calls are cut off [`DEADLINE_MARGIN`] before it.
pub async fn handle_event(
    crm: &Crm,
    model: &dyn ReplyModel,
    payload: Value,
    deadline_ms: u64,
) -> Result<Value, lambda_runtime::Error> {
    match crm_queue_sqs::batch::invocation(payload)? {
        Invocation::Batch(event) => {
            let now_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            let remaining = Duration::from_millis(deadline_ms.saturating_sub(now_ms));
            let bounded = Bounded {
                inner: model,
                timeout: remaining
                    .saturating_sub(DEADLINE_MARGIN)
                    .max(Duration::from_secs(1)),
            };
            let response = handle_batch(crm, &bounded, event).await;
            Ok(serde_json::to_value(response)?)
        }
        Invocation::Schedule => {
            let outcome = handle_sweep(crm).await?;
            Ok(serde_json::json!({
                "requeued": outcome.requeued.len(),
                "given_up": outcome.given_up,
            }))
        }
        Invocation::Event(_) => {
            Err("the reply worker takes its queue's batches and its sweep's schedule only".into())
        }
    }
}

/// The Lambda's cold start and loop: JSON logs, the DynamoDB store, the SQS
/// queue of `REPLY_QUEUE_URL` (where the sweep sends), the provider from
/// the environment.
///
/// Errors: a missing `TABLE_NAME`, a malformed setting, or the runtime's.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    crm_http::init_tracing();
    let metrics = crm_http::telemetry::lambda_metrics()?;
    // The table, both queues and the event bus, as every function gets them.
    let crm = crm_lambda::state_from_env().await?.crm;
    let (model, provider) = crm_reply::config::from_env(crm_http::bootstrap::var).await?;
    tracing::info!(provider, "reply worker ready");
    let (crm, model) = (&crm, model.as_ref());
    let handler = service_fn(move |event: LambdaEvent<Value>| async move {
        handle_event(crm, model, event.payload, event.context.deadline).await
    });
    metrics_cloudwatch_embedded::lambda::service::run(metrics, handler).await
}
