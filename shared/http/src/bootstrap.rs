//! Start-up from the environment, shared by the Lambda functions
//! (`crm-lambda`, over DynamoDB) and local-api (SQLite or DynamoDB). The
//! store itself is chosen by each binary, so each links only its adapter.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CRM_DEFAULT_REGION` | region for national phone numbers | `US` |
//! | `CRM_HISTORY_LIMIT` | messages in `/context` history | `20` |
//! | `CRM_INGEST_HISTORY_HOURS` | ingested inbound messages older than this are stored processed | `24` |
//! | `CRM_API_KEYS` | comma-separated accepted keys (hashed at start-up) | Lambda: API Gateway checks; local-api: a generated key |

use std::sync::Arc;

use crm_domain::store::Store;
use crm_domain::{Crm, Settings};

use crate::{ApiKeys, AppState, Auth};

/// Why start-up failed, for a person.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

/// Environment variable `name`, unless unset or blank.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The handler state over `store`, with settings from the environment.
///
/// Errors: a malformed `CRM_DEFAULT_REGION`, `CRM_HISTORY_LIMIT` or `CRM_INGEST_HISTORY_HOURS`.
pub fn state_with(store: Arc<dyn Store>) -> Result<AppState, StartupError> {
    let settings = Settings::from_env(var).map_err(StartupError)?;
    Ok(AppState {
        crm: Crm::new(store, settings),
    })
}

/// How a Lambda authenticates: the keys in `CRM_API_KEYS` when set (hashed
/// now, compared in constant time), else API Gateway's own key check.
pub fn auth_from_env() -> Auth {
    match var("CRM_API_KEYS") {
        Some(keys) => Auth::Keys(ApiKeys::from_plaintext(keys.split(','))),
        None => Auth::Gateway,
    }
}
