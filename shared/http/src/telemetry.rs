//! Logs and metrics of every binary (issue 12).
//!
//! **Logs**: one JSON object a line on stdout (CloudWatch Logs on Lambda),
//! filtered by `RUST_LOG` (default `info`). Each line carries the list of
//! spans it was written in (`spans`): on Lambda the runtime's
//! `Lambda runtime invoke` span with `requestId` (the Lambda request id) and
//! `xrayTraceId` (the X-Ray trace header, `Root=1-…`), and for HTTP requests
//! the `request` span with `request_id` (API Gateway's request id, the one
//! in the API access log and in error bodies). No line holds a message body,
//! an email, a phone number or a key: handlers log ids, routes and counts.
//!
//! **Metrics** ([`crm_domain::metrics`]): on Lambda, CloudWatch embedded
//! metric format through `metrics_cloudwatch_embedded`, flushed as one log
//! line a label set after each invocation, namespace `CRM_METRICS_NAMESPACE`
//! (the stack name in template.yaml; default `CRM`), with the Lambda request
//! id and trace id as properties (searchable, not dimensions).

use metrics_cloudwatch_embedded::Collector;

use crate::bootstrap::{self, StartupError};

/// Installs the JSON log subscriber. Safe to call twice.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(true)
        .with_env_filter(filter)
        .try_init();
}

/// The EMF namespace: `CRM_METRICS_NAMESPACE`, else `CRM`.
pub fn namespace() -> String {
    bootstrap::var("CRM_METRICS_NAMESPACE").unwrap_or_else(|| "CRM".into())
}

/// Installs the CloudWatch embedded-metric-format recorder for a Lambda
/// function (the returned collector is handed to
/// `metrics_cloudwatch_embedded::lambda::service::run`/`run_http`, which
/// flush it after each invocation) and declares the metrics' units.
///
/// Errors: a recorder is already installed (a second call).
pub fn lambda_metrics() -> Result<&'static Collector, StartupError> {
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace())
        .with_lambda_request_id("LambdaRequestId")
        .with_lambda_xray_trace_id("XrayTraceId")
        .init()
        .map_err(|e| StartupError(format!("metrics recorder: {e}")))?;
    if let Some(function) = bootstrap::var("AWS_LAMBDA_FUNCTION_NAME") {
        collector.set_property("Function", function);
    }
    crm_domain::metrics::describe();
    Ok(collector)
}
