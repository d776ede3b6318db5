//! The sender in local-api (issue 22): the same `Crm::deliver` and outbox
//! sweep the `crm-sender` Lambda runs, on the embedded queue of
//! `crm_sender::local`, with the couriers the environment configures
//! (`crm_couriers::config`). With none configured every send waits for an
//! external sender at `GET /messages/outbound`, as before.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `TWILIO_*`, `CRM_TWILIO_*`, `CRM_SMTP_URL`, `CRM_CHAT_DELIVERY_*`, `CRM_SEND_*` | the couriers and retries | none configured |
//! | `CRM_SEND_SWEEP_SECONDS` | how often the embedded sweep runs (1–3600) | `10` |

use std::sync::Arc;

use crm_http::bootstrap::{var, StartupError};
use crm_http::AppState;

/// `state` with sends going to an embedded sender started on the current
/// runtime.
///
/// Errors: a half-configured courier or a bad `CRM_SEND_SWEEP_SECONDS`
/// (the message names the variable).
pub async fn with_embedded_sender(state: AppState) -> Result<AppState, StartupError> {
    let couriers = crm_couriers::config::from_env(var)
        .await
        .map_err(StartupError)?;
    let sweep_every = crm_domain::settings::seconds(var, "CRM_SEND_SWEEP_SECONDS", 1..=3600, 10)
        .map_err(StartupError)?;
    let (queue, sender) = crm_sender::local::channel();
    let crm = state.crm.with_send_queue(Arc::new(queue));
    sender.spawn(crm.clone(), couriers, sweep_every);
    Ok(AppState { crm })
}
