//! The storage port: a small, typed copy of DynamoDB's item API.
//!
//! Every adapter (embedded SQLite, DynamoDB) implements [`Store`] with the
//! same semantics, so the business rules in this crate are written once and
//! the DynamoDB adapter is a translation, not a re-implementation:
//!
//! | port | DynamoDB |
//! |---|---|
//! | [`Store::get_item`] | `GetItem` with `ConsistentRead=true` |
//! | [`Store::put_item`] | `PutItem` + `ConditionExpression`, `ReturnValues=ALL_OLD` |
//! | [`Store::update_item`] | `UpdateItem` (`SET`, `ADD`, `REMOVE`) + `ConditionExpression` + `ReturnValues` |
//! | [`Store::delete_item`] | `DeleteItem` + `ConditionExpression`, `ReturnValues=ALL_OLD` |
//! | [`Store::query`] | `Query` on the table or a GSI: `KeyConditionExpression`, `FilterExpression`, `ScanIndexForward`, `Limit`, `ExclusiveStartKey` → `LastEvaluatedKey`; on a `KEYS_ONLY` GSI, then `BatchGetItem` of the keys it answered (the filter applied after) |
//! | [`Store::transact_write`] | `TransactWriteItems` (≤ 100 actions, all or nothing, `CancellationReasons`) |
//!
//! Items are maps of attribute name → [`AttributeValue`] (serde_dynamo's
//! enum of DynamoDB's types), so records are (de)serialized with
//! `serde_dynamo::{to_item, from_item}`. The table key is always the two
//! string attributes `PK` and `SK`; see [`crate::keys`] for the design.

use std::collections::HashMap;

use async_trait::async_trait;
pub use serde_dynamo::AttributeValue;

pub mod eval;
mod expr;
mod ops;
mod transaction;

pub use crate::keys::Index;
pub use expr::{CmpOp, Condition, SortCondition, UpdateAction};
pub use ops::{
    CancelReason, Check, Delete, Page, Put, Query, ReturnValues, StoreError, Update, WriteAction,
};
pub use transaction::{Canceled, Transaction};

/// One stored record: attribute name → value, as in DynamoDB.
pub type Item = HashMap<String, AttributeValue>;

/// Name of the table's partition-key attribute.
pub const PK: &str = "PK";
/// Name of the table's sort-key attribute.
pub const SK: &str = "SK";

/// Most keys DynamoDB accepts in one `BatchGetItem`.
pub const MAX_BATCH_GET_KEYS: usize = 100;

/// Most actions DynamoDB accepts in one `TransactWriteItems`.
pub const MAX_TRANSACT_ACTIONS: usize = 100;

/// The primary key of an item: its `PK` and `SK` string attributes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// Partition key value (`PK`).
    pub pk: String,
    /// Sort key value (`SK`).
    pub sk: String,
}

impl Key {
    /// Builds a key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key as the two attributes DynamoDB expects (`PK`, `SK`).
    pub fn to_item(&self) -> Item {
        HashMap::from([
            (PK.to_string(), AttributeValue::S(self.pk.clone())),
            (SK.to_string(), AttributeValue::S(self.sk.clone())),
        ])
    }

    /// Reads the key attributes of an item; `None` when either is missing or not a string.
    pub fn of(item: &Item) -> Option<Self> {
        Some(Self {
            pk: string_attr(item, PK)?.to_string(),
            sk: string_attr(item, SK)?.to_string(),
        })
    }
}

/// The storage port (see the module docs for the DynamoDB mapping).
///
/// All reads through `get_item` are strongly consistent; queries on a GSI are
/// not guaranteed to be (the embedded adapter's are, DynamoDB's are not:
/// which items a GSI holds lags behind the table, though the items a
/// `KEYS_ONLY` index answers are read from the table, current — see
/// [`crate::keys::Index::projection`]).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `GetItem` (strongly consistent): the item, or `None`.
    async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError>;
    /// `PutItem`; returns the replaced item (`ALL_OLD`). Fails with
    /// [`StoreError::ConditionFailed`] when the condition does not hold.
    async fn put_item(&self, put: Put) -> Result<Option<Item>, StoreError>;
    /// `UpdateItem`; returns the image chosen by `ret`.
    async fn update_item(
        &self,
        update: Update,
        ret: ReturnValues,
    ) -> Result<Option<Item>, StoreError>;
    /// `BatchGetItem` (strongly consistent): the items found among `keys`,
    /// in no particular order. At most [`MAX_BATCH_GET_KEYS`] keys and no key
    /// twice ([`StoreError::InvalidRequest`] otherwise); none makes no call.
    /// One call of the port, whatever rounds of `UnprocessedKeys` the
    /// adapter needs.
    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError>;
    /// `DeleteItem`; returns the deleted item (`ALL_OLD`), `None` if there was none.
    async fn delete_item(&self, delete: Delete) -> Result<Option<Item>, StoreError>;
    /// `Query`: one page.
    async fn query(&self, query: Query) -> Result<Page, StoreError>;
    /// `TransactWriteItems`: all actions or none. At most [`MAX_TRANSACT_ACTIONS`]
    /// actions and no two on the same key ([`StoreError::InvalidRequest`] otherwise).
    async fn transact_write(&self, actions: Vec<WriteAction>) -> Result<(), StoreError>;
}

/// Checks the keys of a `BatchGetItem` as DynamoDB does: at most
/// [`MAX_BATCH_GET_KEYS`], no key twice. Adapters call it first.
pub fn check_batch_keys(keys: &[Key]) -> Result<(), StoreError> {
    if keys.len() > MAX_BATCH_GET_KEYS {
        return Err(StoreError::InvalidRequest(format!(
            "BatchGetItem takes at most {MAX_BATCH_GET_KEYS} keys, got {}",
            keys.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if keys.iter().any(|k| !seen.insert((&k.pk, &k.sk))) {
        return Err(StoreError::InvalidRequest(
            "BatchGetItem keys contain duplicates".into(),
        ));
    }
    Ok(())
}

/// The string value of attribute `name`, if it is a string.
pub fn string_attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// The integer value of number attribute `name`, if it is one.
pub fn int_attr(item: &Item, name: &str) -> Option<i64> {
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().ok(),
        _ => None,
    }
}

/// A string attribute value.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute value.
pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
