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
//! | `<SECRET>_SECRET_ARN` | the Secrets Manager secret holding a secret setting ([`SECRETS`]), read by [`load_secrets`] at cold start | — |

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crm_domain::store::Store;
use crm_domain::{Crm, Settings};

use crate::{ApiKeys, AppState, Auth};

/// Why start-up failed, for a person.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

/// The secret settings, each with the variable naming the Secrets Manager
/// secret that holds it on AWS (issue 22): the plaintext never sits in a
/// Lambda's environment.
pub const SECRETS: [(&str, &str); 5] = [
    ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN_SECRET_ARN"),
    ("CRM_CHAT_DELIVERY_SECRET", "CRM_CHAT_DELIVERY_SECRET_ARN"),
    (
        "CRM_DELIVERY_SIGNING_KEY",
        "CRM_DELIVERY_SIGNING_KEY_SECRET_ARN",
    ),
    ("CRM_SMTP_URL", "CRM_SMTP_URL_SECRET_ARN"),
    ("CRM_OPENAI_API_KEY", "CRM_OPENAI_API_KEY_SECRET_ARN"),
];

/// The secret settings read by [`load_secrets`], by name.
static LOADED: OnceLock<HashMap<String, String>> = OnceLock::new();

/// Setting `name`: the secret [`load_secrets`] read for it, else the
/// environment variable, unless unset or blank.
pub fn var(name: &str) -> Option<String> {
    LOADED
        .get()
        .and_then(|secrets| secrets.get(name).cloned())
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.trim().is_empty())
}

/// The `(setting, ARN)` pairs of [`SECRETS`] whose `…_SECRET_ARN` is set in `env`.
pub fn secret_arns(env: impl Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    SECRETS
        .iter()
        .filter_map(|(name, arn_var)| {
            env(arn_var)
                .filter(|arn| !arn.trim().is_empty())
                .map(|arn| (name.to_string(), arn.trim().to_string()))
        })
        .collect()
}

/// Reads every secret setting whose `…_SECRET_ARN` is set from Secrets
/// Manager, once, before anything reads the settings (each binary's cold
/// start calls it first). No ARN set (local-api, tests): no call at all.
///
/// Errors: a secret that cannot be read; the message names the setting and
/// the ARN, never a value. A function that cannot read its secrets does
/// not start.
pub async fn load_secrets() -> Result<(), StartupError> {
    let wanted = secret_arns(|name| std::env::var(name).ok());
    if wanted.is_empty() || LOADED.get().is_some() {
        return Ok(());
    }
    let client = crm_aws::secrets::client().await;
    let read = crm_aws::secrets::read(&client, &wanted)
        .await
        .map_err(StartupError)?;
    let _ = LOADED.set(read.into_iter().collect());
    Ok(())
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
