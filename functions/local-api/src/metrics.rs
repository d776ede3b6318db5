//! `GET /metrics`: the service's metrics ([`crm_domain::metrics`]) in
//! Prometheus text format — locally what the Lambdas write to CloudWatch as
//! embedded metric format (issue 12). Counters are totals since the process
//! started; `ProviderLatency` is a summary (quantiles over a sliding window).
//! Needs the API key, like every route but `/health`:
//! `curl -H "x-api-key: $KEY" http://127.0.0.1:3000/metrics`.

use std::sync::OnceLock;

use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use crm_http::ErrorBody;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder, installed on first call (and the
/// metrics described). `None` when another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let handle = PrometheusBuilder::new().install_recorder().ok()?;
            crm_domain::metrics::describe();
            Some(handle)
        })
        .as_ref()
}

/// `GET /metrics`: 200 `text/plain; version=0.0.4`; 503 when no recorder
/// could be installed (another one owns the process).
pub async fn render() -> Response {
    match handle() {
        Some(handle) => {
            handle.run_upkeep();
            (
                [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                handle.render(),
            )
                .into_response()
        }
        None => {
            let body = ErrorBody {
                error: "no metrics recorder in this process (another one was installed first)"
                    .into(),
                code: "metrics_unavailable".into(),
                request_id: crm_http::request_id::current(),
                field: None,
                customer_id: None,
                context_id: None,
            };
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
