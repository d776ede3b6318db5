//! Start-up from the environment, shared by the Lambda binaries and local-api.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CRM_STORE` | `sqlite` (embedded) or `dynamodb` | `dynamodb` when `TABLE_NAME` is set, else `sqlite` |
//! | `TABLE_NAME` | the DynamoDB table (with `CRM_STORE=dynamodb`) | — |
//! | `AWS_ENDPOINT_URL_DYNAMODB` | DynamoDB endpoint override (an emulator), read by the AWS SDK | AWS |
//! | `CRM_DATA_DIR` | folder of the SQLite file (and local-api's key digest) | `./.crm-data` |
//! | `CRM_DEFAULT_REGION` | region for national phone numbers | `US` |
//! | `CRM_HISTORY_LIMIT` | messages in `/context` history | `20` |
//! | `CRM_API_KEYS` | comma-separated accepted keys (hashed at start-up) | local-api: a generated key |

use std::path::PathBuf;
use std::sync::Arc;

use crm_domain::store::Store;
use crm_domain::{Crm, Settings};

use crate::AppState;

/// Why start-up failed, for a person.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `CRM_DATA_DIR`, or `./.crm-data`.
pub fn data_dir() -> PathBuf {
    var("CRM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".crm-data"))
}

/// Opens the store `CRM_STORE` names. Makes no network call (the AWS SDK
/// connects on first use), so a Lambda cold start stays light.
pub async fn store_from_env() -> Result<Arc<dyn Store>, StartupError> {
    let default = if var("TABLE_NAME").is_some() {
        "dynamodb"
    } else {
        "sqlite"
    };
    match var("CRM_STORE").as_deref().unwrap_or(default) {
        "sqlite" => {
            let dir = data_dir();
            std::fs::create_dir_all(&dir).map_err(|e| {
                StartupError(format!("cannot create CRM_DATA_DIR {}: {e}", dir.display()))
            })?;
            let store =
                crm_store_sqlite::SqliteStore::open(&dir.join("crm.sqlite3")).map_err(|e| {
                    StartupError(format!(
                        "cannot open the SQLite store in {}: {e}",
                        dir.display()
                    ))
                })?;
            Ok(Arc::new(store))
        }
        "dynamodb" => {
            let table = var("TABLE_NAME")
                .ok_or_else(|| StartupError("CRM_STORE=dynamodb needs TABLE_NAME".into()))?;
            Ok(Arc::new(
                crm_store_dynamodb::DynamoStore::from_env(table).await,
            ))
        }
        other => Err(StartupError(format!(
            "CRM_STORE={other:?} is not a known store (expected `sqlite` or `dynamodb`)"
        ))),
    }
}

/// The handler state over `store`, with settings from the environment.
pub fn state_with(store: Arc<dyn Store>) -> Result<AppState, StartupError> {
    let settings = Settings::from_env(var).map_err(StartupError)?;
    Ok(AppState {
        crm: Crm::new(store, settings),
    })
}

/// Everything a Lambda handler needs, built once at cold start: the state and
/// how to authenticate (`CRM_API_KEYS` when set, else API Gateway's check).
pub async fn lambda_from_env() -> Result<(AppState, crate::Auth), StartupError> {
    let state = state_with(store_from_env().await?)?;
    let auth = match var("CRM_API_KEYS") {
        Some(keys) => crate::Auth::Keys(crate::ApiKeys::from_plaintext(keys.split(','))),
        None => crate::Auth::Gateway,
    };
    Ok((state, auth))
}
