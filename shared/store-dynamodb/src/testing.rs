//! Test support: a [`DynamoStore`] over a fresh table on the DynamoDB
//! emulator named by `AWS_ENDPOINT_URL_DYNAMODB`, created from `template.yaml`.
//!
//! Behind the `testing` feature: test crates and the capacity benchmark turn it
//! on as a dev-dependency, so no Lambda binary carries it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::config::{Credentials, Region};

use crate::table::TableDefinition;
use crate::DynamoStore;

/// The repository's `template.yaml`.
pub fn template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
}

/// The emulator endpoint; panics with what to do when it is not set.
pub fn emulator_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "DynamoDB tests need the DynamoDB Local emulator: run `make test`, or \
             `eval \"$(bash .ci/dynamodb-local.sh start)\"` first"
            )
        })
}

/// A unique table name for this test process.
pub fn fresh_table_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "crm-test-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// An SDK client for the emulator, with dummy credentials.
pub async fn emulator_client() -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("dummy", "dummy", None, None, "emulator"))
        .endpoint_url(emulator_endpoint())
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// Creates table `name` on the emulator from `template.yaml`.
///
/// Errors: the template cannot be read or defines no table, or the
/// emulator refused the table (the message says which).
pub async fn create_table(name: &str) -> Result<(), String> {
    let def = TableDefinition::from_template_file(&template_path())?;
    def.create(&emulator_client().await, name).await
}

/// A store over a new, empty table on the emulator.
///
/// Errors: as [`create_table`].
pub async fn fresh_store() -> Result<DynamoStore, String> {
    let name = fresh_table_name();
    create_table(&name).await?;
    Ok(DynamoStore::new(emulator_client().await, name))
}
