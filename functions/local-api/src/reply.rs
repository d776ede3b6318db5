//! The reply pipeline in local-api (issue 9): the same `Crm::draft_reply`
//! and sweep the `crm-reply-worker` Lambda runs, on the embedded queue of
//! `crm_reply_worker::local`, so an inbound `POST /log` shows a suggestion
//! at `GET /conversations/{id}/ai-suggestion` after the debounce, with no
//! AWS account and (with the default `rules` provider) no network.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CRM_REPLY_PROVIDER` and its variables | the provider (`crm_reply::config`) | `rules` |
//! | `CRM_REPLY_SWEEP_SECONDS` | how often the embedded sweep runs (1–3600) | `10` |

use std::sync::Arc;

use crm_http::bootstrap::{var, StartupError};
use crm_http::AppState;

/// `state` with reply jobs going to an embedded worker started on the
/// current runtime; returns the provider's name too.
///
/// Errors: a misconfigured provider or `CRM_REPLY_SWEEP_SECONDS` (the
/// message names the variable).
pub async fn with_embedded_worker(
    state: AppState,
) -> Result<(AppState, &'static str), StartupError> {
    let (model, provider) = crm_reply::config::from_env(var)
        .await
        .map_err(StartupError)?;
    let sweep_every = crm_domain::settings::seconds(var, "CRM_REPLY_SWEEP_SECONDS", 1..=3600, 10)
        .map_err(StartupError)?;
    let (queue, worker) = crm_reply_worker::local::channel();
    let crm = state.crm.with_queue(Arc::new(queue));
    worker.spawn(crm.clone(), model, sweep_every);
    Ok((AppState { crm }, provider))
}
