//! Which store local-api runs on: the embedded SQLite file (default) or a
//! DynamoDB table. local-api is the one binary that links both adapters.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CRM_STORE` | `sqlite` (embedded) or `dynamodb` | `dynamodb` when `TABLE_NAME` is set, else `sqlite` |
//! | `TABLE_NAME` | the DynamoDB table (with `CRM_STORE=dynamodb`) | — |
//! | `AWS_ENDPOINT_URL_DYNAMODB` | DynamoDB endpoint override (an emulator), read by the AWS SDK | AWS |
//! | `CRM_DATA_DIR` | folder of the SQLite file and the API key digest | `./.crm-data` |

use std::path::PathBuf;
use std::sync::Arc;

use crm_domain::store::Store;
use crm_http::bootstrap::{var, StartupError};

/// `CRM_DATA_DIR`, or `./.crm-data`.
pub fn data_dir() -> PathBuf {
    var("CRM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".crm-data"))
}

/// Opens the store `CRM_STORE` names. Makes no network call (the AWS SDK
/// connects on first use).
///
/// Errors: an unknown `CRM_STORE`, `dynamodb` without `TABLE_NAME`, or a
/// data folder or SQLite file that cannot be created or opened.
pub async fn from_env() -> Result<Arc<dyn Store>, StartupError> {
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
