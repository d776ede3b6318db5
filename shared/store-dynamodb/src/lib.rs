//! # crm-store-dynamodb
//!
//! The DynamoDB adapter of the storage port: each port call is one
//! DynamoDB API call through aws-sdk-dynamodb, except a query of a
//! `KEYS_ONLY` index, which then reads the items it found from the table
//! (`BatchGetItem`, ≤ 100 keys per call; `docs/data-model.md`,
//! "Projections").
//!
//! - `get_item` → `GetItem` with `ConsistentRead=true`;
//! - conditions → `ConditionExpression`, updates → `UpdateExpression`, with
//!   every name and value as a placeholder (`#n0`, `:v0`), so reserved words
//!   (`status`, `name`, `value` …) are safe;
//! - `ConditionalCheckFailedException` → [`StoreError::ConditionFailed`];
//!   `TransactionCanceledException` → [`StoreError::TransactionCanceled`] with
//!   one reason per action (`ConditionalCheckFailed`, or anything else as a
//!   retryable conflict);
//! - throttling and 5xx are retried by the SDK's standard retry mode, then
//!   surface as [`StoreError::Throttled`] / [`StoreError::Unavailable`]
//!   (503 to clients); AWS error text never leaves the adapter except as
//!   `InvalidRequest` detail, which the HTTP layer does not show.
//!
//! [`table`] reads the table definition from `template.yaml`.

pub mod expr;
mod retries;
pub mod table;
#[cfg(feature = "testing")]
pub mod testing;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    self as ddb, ConditionCheck, ConsumedCapacity, Delete as DdbDelete, Put as DdbPut,
    ReturnConsumedCapacity, ReturnValue, TransactWriteItem, Update as DdbUpdate,
};
use aws_sdk_dynamodb::Client;
use crm_domain::keys::Projection;
use crm_domain::store::{
    eval, CancelReason, Delete, Item, Key, Page, Put, Query, ReturnValues, Store, StoreError,
    Update, WriteAction,
};

use expr::Expr;

/// An SDK attribute map.
type DdbItem = HashMap<String, ddb::AttributeValue>;

fn to_ddb(item: Item) -> DdbItem {
    serde_dynamo::Item::from(item).into()
}

fn from_ddb(item: DdbItem) -> Item {
    serde_dynamo::Item::from(item).into()
}

fn key_of(key: &Key) -> DdbItem {
    to_ddb(key.to_item())
}

/// Rounds of `UnprocessedKeys` one `batch_get` asks again for before it
/// reports the store as throttled.
const BATCH_GET_ROUNDS: usize = 8;

/// Read and write capacity units consumed through one store, summed
/// (`ReturnConsumedCapacity=TOTAL` on every call), for the benchmark.
#[derive(Debug, Default)]
pub struct Capacity {
    milli_units: AtomicU64,
}

impl Capacity {
    fn add(&self, c: Option<&ConsumedCapacity>) {
        if let Some(units) = c.and_then(|c| c.capacity_units()) {
            self.milli_units
                .fetch_add((units * 1000.0).round() as u64, Ordering::Relaxed);
        }
    }

    /// Capacity units consumed since the last call, and reset to zero.
    pub fn take(&self) -> f64 {
        self.milli_units.swap(0, Ordering::Relaxed) as f64 / 1000.0
    }
}

/// The DynamoDB store over one table.
///
/// The SDK client is built on first use, not at construction: building it
/// validates the HTTPS connector, which loads and parses the system's root
/// certificates — about three quarters of a Lambda's init work when done at
/// cold start (measured with callgrind, see the README's cold-start table).
#[derive(Clone)]
pub struct DynamoStore {
    client: Arc<ClientSource>,
    table: String,
    capacity: Arc<Capacity>,
}

/// A client given, or one to build from a configuration on first use.
enum ClientSource {
    Ready(Client),
    Lazy(Box<aws_config::SdkConfig>, OnceLock<Client>),
}

impl DynamoStore {
    /// A store over `table` through `client` (tests, tools). The client is
    /// used as given: its retries are not counted into `DynamoRetries`
    /// unless it was built with that interceptor, as [`DynamoStore::lazy`] does.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client: Arc::new(ClientSource::Ready(client)),
            table: table.into(),
            capacity: Arc::default(),
        }
    }

    /// A store over `table` whose client is built from `config` on first use.
    pub fn lazy(config: aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self {
            client: Arc::new(ClientSource::Lazy(Box::new(config), OnceLock::new())),
            table: table.into(),
            capacity: Arc::default(),
        }
    }

    /// A store over `table` with the process's one SDK configuration
    /// ([`crm_aws::config`]: on Lambda credentials from the environment
    /// only, elsewhere the SDK's default chain; `AWS_ENDPOINT_URL_DYNAMODB`
    /// for an emulator). Makes no network call; the client is built on
    /// first use. For the Lambdas, the reply worker, local-api and tools.
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::lazy(crm_aws::config().await, table)
    }

    /// The SDK client (built now if this is its first use).
    pub fn client(&self) -> &Client {
        match self.client.as_ref() {
            ClientSource::Ready(client) => client,
            ClientSource::Lazy(config, cell) => cell.get_or_init(|| retries::client(config)),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Capacity consumed through this store.
    pub fn capacity(&self) -> &Capacity {
        &self.capacity
    }
}

/// SDK builders that take expression placeholders: one call sets both maps.
trait Placeholders: Sized {
    fn placeholders(self, e: &Expr) -> Self;
}

macro_rules! placeholders_for {
    ($($builder:ty),*) => {$(
        impl Placeholders for $builder {
            fn placeholders(self, e: &Expr) -> Self {
                self.set_expression_attribute_names(e.names()).set_expression_attribute_values(e.values())
            }
        }
    )*};
}

placeholders_for!(
    aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder,
    aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
    aws_sdk_dynamodb::operation::delete_item::builders::DeleteItemFluentBuilder,
    aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    aws_sdk_dynamodb::types::builders::PutBuilder,
    aws_sdk_dynamodb::types::builders::UpdateBuilder,
    aws_sdk_dynamodb::types::builders::DeleteBuilder,
    aws_sdk_dynamodb::types::builders::ConditionCheckBuilder
);

/// Maps an SDK error to the port's error.
fn map_err<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    err: SdkError<E, R>,
) -> StoreError {
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!("{err:?}").chars().take(300).collect())
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            let message = e.message().unwrap_or_default().to_string();
            match e.code().unwrap_or_default() {
                "ConditionalCheckFailedException" => {
                    crm_domain::metrics::condition_conflict();
                    StoreError::ConditionFailed
                }
                "ValidationException" | "SerializationException" => {
                    StoreError::InvalidRequest(message)
                }
                "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded" => {
                    crm_domain::metrics::store_throttled();
                    StoreError::Throttled
                }
                "InternalServerError" | "ServiceUnavailable" => StoreError::Unavailable(message),
                code => StoreError::Internal(format!("{code}: {message}")),
            }
        }
        _ => StoreError::Internal(format!("{err:?}").chars().take(300).collect()),
    }
}

fn return_value(ret: ReturnValues) -> ReturnValue {
    match ret {
        ReturnValues::None => ReturnValue::None,
        ReturnValues::AllOld => ReturnValue::AllOld,
        ReturnValues::AllNew => ReturnValue::AllNew,
    }
}

impl DynamoStore {
    /// One `Query` call, as the port describes it.
    async fn query_once(&self, query: Query) -> Result<Page, StoreError> {
        let mut e = Expr::default();
        let key_condition = e.key_condition(&query);
        let filter = query.filter.as_ref().and_then(|c| e.condition(c));
        let out = self
            .client()
            .query()
            .table_name(&self.table)
            .set_index_name(query.index.map(|i| i.name().to_string()))
            .key_condition_expression(key_condition)
            .set_filter_expression(filter)
            .placeholders(&e)
            .scan_index_forward(query.forward)
            .limit(query.limit.min(i32::MAX as u32) as i32)
            .set_exclusive_start_key(query.start_key.map(to_ddb))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_err)?;
        self.capacity.add(out.consumed_capacity());
        Ok(Page {
            items: out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(from_ddb)
                .collect(),
            last_evaluated_key: out.last_evaluated_key.map(from_ddb),
        })
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_of(key)))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_err)?;
        self.capacity.add(out.consumed_capacity());
        Ok(out.item.map(from_ddb))
    }

    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        crm_domain::store::check_batch_keys(keys)?;
        let mut pending: Vec<HashMap<String, ddb::AttributeValue>> =
            keys.iter().map(key_of).collect();
        let mut found = Vec::with_capacity(keys.len());
        // DynamoDB may answer part of a batch and hand the rest back as
        // `UnprocessedKeys` (a protocol step, not an error the SDK retries):
        // ask again for those, a bounded number of times.
        for _ in 0..BATCH_GET_ROUNDS {
            if pending.is_empty() {
                return Ok(found);
            }
            let request = ddb::KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::InvalidRequest(e.to_string()))?;
            let out = self
                .client()
                .batch_get_item()
                .request_items(&self.table, request)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(map_err)?;
            for c in out.consumed_capacity() {
                self.capacity.add(Some(c));
            }
            let mut responses = out.responses.unwrap_or_default();
            found.extend(
                responses
                    .remove(&self.table)
                    .unwrap_or_default()
                    .into_iter()
                    .map(from_ddb),
            );
            pending = out
                .unprocessed_keys
                .unwrap_or_default()
                .remove(&self.table)
                .map(|k| k.keys)
                .unwrap_or_default();
        }
        if pending.is_empty() {
            Ok(found)
        } else {
            crm_domain::metrics::store_throttled();
            Err(StoreError::Throttled)
        }
    }

    async fn put_item(&self, put: Put) -> Result<Option<Item>, StoreError> {
        let mut e = Expr::default();
        let condition = put.condition.as_ref().and_then(|c| e.condition(c));
        let out = self
            .client()
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_ddb(put.item)))
            .set_condition_expression(condition)
            .placeholders(&e)
            .return_values(ReturnValue::AllOld)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_err)?;
        self.capacity.add(out.consumed_capacity());
        Ok(out.attributes.map(from_ddb))
    }

    async fn update_item(
        &self,
        update: Update,
        ret: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        let mut e = Expr::default();
        let update_expression = e.update(&update.actions);
        let condition = update.condition.as_ref().and_then(|c| e.condition(c));
        let out = self
            .client()
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(&update.key)))
            .update_expression(update_expression)
            .set_condition_expression(condition)
            .placeholders(&e)
            .return_values(return_value(ret))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_err)?;
        self.capacity.add(out.consumed_capacity());
        Ok(out.attributes.map(from_ddb))
    }

    async fn delete_item(&self, delete: Delete) -> Result<Option<Item>, StoreError> {
        let mut e = Expr::default();
        let condition = delete.condition.as_ref().and_then(|c| e.condition(c));
        let out = self
            .client()
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key_of(&delete.key)))
            .set_condition_expression(condition)
            .placeholders(&e)
            .return_values(ReturnValue::AllOld)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(map_err)?;
        self.capacity.add(out.consumed_capacity());
        Ok(out.attributes.map(from_ddb))
    }

    /// A query of the table or of an `ALL` index is one `Query`. A query of a `KEYS_ONLY` index
    /// (`docs/data-model.md`, "Projections"): one `Query` for the keys,
    /// then the items from the base table with strongly consistent
    /// `BatchGetItem`s of ≤ 100 keys (`⌈Limit / 100⌉`, concurrently), in
    /// the index's order. An item no longer where the index entry says (the
    /// index lags behind the table) is left out, as is one the filter —
    /// applied here, on the whole item — rejects. `LastEvaluatedKey` is the
    /// index's, so pages and cursors are unchanged.
    async fn query(&self, mut query: Query) -> Result<Page, StoreError> {
        let index = match query.index {
            Some(index) if index.projection() == Projection::KeysOnly => index,
            _ => return self.query_once(query).await,
        };
        let filter = query.filter.take();
        let partition = query.partition.clone();
        let page = self.query_once(query).await?;
        let keys: Vec<Key> = page.items.iter().filter_map(Key::of).collect();
        let fetched = futures::future::try_join_all(
            keys.chunks(crm_domain::store::MAX_BATCH_GET_KEYS)
                .map(|chunk| self.batch_get(chunk)),
        )
        .await?;
        let mut by_key: HashMap<Key, Item> = fetched
            .into_iter()
            .flatten()
            .filter_map(|item| Some((Key::of(&item)?, item)))
            .collect();
        let mut items = Vec::with_capacity(page.items.len());
        for entry in &page.items {
            let Some(item) = Key::of(entry).and_then(|k| by_key.remove(&k)) else {
                continue;
            };
            let same = |attr: &str| {
                crm_domain::store::string_attr(&item, attr)
                    == crm_domain::store::string_attr(entry, attr)
            };
            let still_there = crm_domain::store::string_attr(&item, index.pk_attr())
                == Some(partition.as_str())
                && same(index.sk_attr());
            let passes = match &filter {
                Some(f) => eval::eval(f, Some(&item))?,
                None => true,
            };
            if still_there && passes {
                items.push(item);
            }
        }
        Ok(Page {
            items,
            last_evaluated_key: page.last_evaluated_key,
        })
    }

    async fn transact_write(&self, actions: Vec<WriteAction>) -> Result<(), StoreError> {
        let mut items = Vec::with_capacity(actions.len());
        for action in actions {
            let mut e = Expr::default();
            let built = match action {
                WriteAction::Put(p) => {
                    let condition = p.condition.as_ref().and_then(|c| e.condition(c));
                    TransactWriteItem::builder().put(
                        DdbPut::builder()
                            .table_name(&self.table)
                            .set_item(Some(to_ddb(p.item)))
                            .set_condition_expression(condition)
                            .placeholders(&e)
                            .build()
                            .map_err(|err| StoreError::InvalidRequest(err.to_string()))?,
                    )
                }
                WriteAction::Update(u) => {
                    let update_expression = e.update(&u.actions);
                    let condition = u.condition.as_ref().and_then(|c| e.condition(c));
                    TransactWriteItem::builder().update(
                        DdbUpdate::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_of(&u.key)))
                            .update_expression(update_expression)
                            .set_condition_expression(condition)
                            .placeholders(&e)
                            .build()
                            .map_err(|err| StoreError::InvalidRequest(err.to_string()))?,
                    )
                }
                WriteAction::Delete(d) => {
                    let condition = d.condition.as_ref().and_then(|c| e.condition(c));
                    TransactWriteItem::builder().delete(
                        DdbDelete::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_of(&d.key)))
                            .set_condition_expression(condition)
                            .placeholders(&e)
                            .build()
                            .map_err(|err| StoreError::InvalidRequest(err.to_string()))?,
                    )
                }
                WriteAction::Check(c) => {
                    let condition = e
                        .condition(&c.condition)
                        .unwrap_or_else(|| "attribute_exists(PK)".into());
                    TransactWriteItem::builder().condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_of(&c.key)))
                            .condition_expression(condition)
                            .placeholders(&e)
                            .build()
                            .map_err(|err| StoreError::InvalidRequest(err.to_string()))?,
                    )
                }
            };
            items.push(built.build());
        }
        let result = self
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                for c in out.consumed_capacity() {
                    self.capacity.add(Some(c));
                }
                Ok(())
            }
            Err(err) => {
                if let SdkError::ServiceError(service) = &err {
                    if let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(e) =
                        service.err()
                    {
                        let reasons = e
                            .cancellation_reasons()
                            .iter()
                            .map(|r| match r.code().unwrap_or("None") {
                                "None" => CancelReason::None,
                                "ConditionalCheckFailed" => CancelReason::ConditionFailed,
                                _ => CancelReason::Conflict,
                            })
                            .collect::<Vec<_>>();
                        if reasons.contains(&CancelReason::ConditionFailed) {
                            crm_domain::metrics::condition_conflict();
                        }
                        return Err(StoreError::TransactionCanceled(reasons));
                    }
                }
                Err(map_err(err))
            }
        }
    }
}
