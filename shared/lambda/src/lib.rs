//! # crm-lambda
//!
//! What every HTTP Lambda does at cold start, in one place, so each
//! function's `main.rs` is one call:
//!
//! ```text
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_http::Error> {
//!     crm_lambda::run(crm_customers::router()).await
//! }
//! ```
//!
//! A Lambda links the DynamoDB adapter and nothing else (local-api links
//! both); the embedded SQLite store is not in its dependency graph
//! (`.ci/test.sh` checks with `cargo tree`).
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the DynamoDB table (required) |
//! | `AWS_ENDPOINT_URL_DYNAMODB` | an emulator instead of DynamoDB (read by the AWS SDK) |
//! | `CRM_API_KEYS` | comma-separated keys checked by the function itself; unset on AWS, where API Gateway checks the key |
//! | `REPLY_QUEUE_URL` | the SQS reply queue: an inbound message logged here enqueues its reply job (issue 9); unset, jobs wait in the outbox for the sweep |
//! | `SEND_QUEUE_URL` | the SQS delivery queue: a reply the CRM sends (approve, custom reply, `POST /log` with `"send": true`, resend) wakes the sender through it (issue 22); unset, sends wait in the outbox for the sweep |
//! | `EVENT_BUS_NAME` | the EventBridge bus seed 001's events go to (issue 10; `default` is the account's); unset, none are published |
//! | `TWILIO_AUTH_TOKEN` | the Twilio auth token that signs status callbacks (issue 11; messages function); unset, Twilio callbacks are refused with 403 |
//! | `CRM_PUBLIC_BASE_URL` | the public base URL Twilio signs (a custom domain); unset, rebuilt from the API Gateway request context |
//! | `CRM_METRICS_NAMESPACE` | CloudWatch namespace of the EMF metrics (default `CRM`; the stack name in template.yaml) |
//! | `CRM_LEASE_MAX_RECEIVES` | leases of one message before leased polls stop handing it out (default 5) |
//! | `CRM_DEFAULT_REGION`, `CRM_HISTORY_LIMIT`, `CRM_REPLY_DEBOUNCE_SECONDS`, `RUST_LOG` | as for local-api (README) |

use std::sync::Arc;

use crm_http::bootstrap::{self, StartupError};
use crm_http::{AppState, Routes};

/// The handler state over the DynamoDB table `TABLE_NAME`. Makes no network
/// call: the SDK client is built from the environment and connects on first use.
///
/// Reads the secret settings from Secrets Manager first (their
/// `…_SECRET_ARN`, [`bootstrap::load_secrets`]).
///
/// Errors: `TABLE_NAME` unset or blank, a malformed setting (the message
/// names it), or a secret that cannot be read.
pub async fn state_from_env() -> Result<AppState, StartupError> {
    bootstrap::load_secrets().await?;
    let table = bootstrap::var("TABLE_NAME")
        .ok_or_else(|| StartupError("TABLE_NAME must name the DynamoDB table".into()))?;
    let store = crm_store_dynamodb::DynamoStore::from_env(table).await;
    let mut state = bootstrap::state_with(Arc::new(store))?;
    if let Some(url) = bootstrap::var("REPLY_QUEUE_URL") {
        let queue = crm_queue_sqs::SqsQueue::from_env(url);
        state.crm = state.crm.with_queue(Arc::new(queue));
    }
    if let Some(url) = bootstrap::var("SEND_QUEUE_URL") {
        let queue = crm_queue_sqs::SqsQueue::from_env(url);
        state.crm = state.crm.with_send_queue(Arc::new(queue));
    }
    if let Some(bus) = bootstrap::var("EVENT_BUS_NAME") {
        let sink = crm_events_eventbridge::EventBridgeSink::from_env(bus);
        state.crm = state.crm.with_events(Arc::new(sink));
    }
    Ok(state)
}

/// Serves `routes` (one endpoint group) as this Lambda's handler: JSON logs
/// and EMF metrics ([`crm_http::telemetry`]), state built once at cold start, the common layers of [`crm_http::app`],
/// API Gateway REST proxy events through `lambda_http`.
///
/// Errors: a start-up error (see [`state_from_env`]) or the runtime's.
pub async fn run(routes: Routes) -> Result<(), lambda_http::Error> {
    crm_http::init_tracing();
    let metrics = crm_http::telemetry::lambda_metrics()?;
    let state = state_from_env().await?;
    let auth = bootstrap::auth_from_env();
    let app = crm_http::app(routes, state, auth);
    metrics_cloudwatch_embedded::lambda::service::run_http(metrics, app).await
}
