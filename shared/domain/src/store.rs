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
//! | [`Store::query`] | `Query` on the table or a GSI: `KeyConditionExpression`, `FilterExpression`, `ScanIndexForward`, `Limit`, `ExclusiveStartKey` → `LastEvaluatedKey` |
//! | [`Store::transact_write`] | `TransactWriteItems` (≤ 100 actions, all or nothing, `CancellationReasons`) |
//!
//! Items are maps of attribute name → [`AttributeValue`] (serde_dynamo's
//! enum of DynamoDB's types), so records are (de)serialized with
//! `serde_dynamo::{to_item, from_item}`. The table key is always the two
//! string attributes `PK` and `SK`; see [`crate::keys`] for the design.

use std::collections::HashMap;

use async_trait::async_trait;
pub use serde_dynamo::AttributeValue;

/// One stored record: attribute name → value, as in DynamoDB.
pub type Item = HashMap<String, AttributeValue>;

/// Name of the table's partition-key attribute.
pub const PK: &str = "PK";
/// Name of the table's sort-key attribute.
pub const SK: &str = "SK";

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

/// The global secondary indexes of the table (see `docs/data-model.md`).
///
/// Each index `GSIn` is keyed by the string attributes `GSInPK` / `GSInSK`
/// and projects all attributes. An item without both attributes is not in
/// the index (a *sparse* index). GSI reads are eventually consistent on
/// DynamoDB: nothing that must see a just-made write reads one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    /// Collections: every customer / conversation / message, by id or time.
    Gsi1,
    /// Parent → children: a conversation's messages, a customer's conversations.
    Gsi2,
    /// Second owner: a customer's messages; conversations by status.
    Gsi3,
    /// Work queue: unprocessed messages (sparse).
    Gsi4,
    /// Failed sends (sparse).
    Gsi5,
}

impl Index {
    /// Every index, in order.
    pub const ALL: [Index; 5] = [
        Index::Gsi1,
        Index::Gsi2,
        Index::Gsi3,
        Index::Gsi4,
        Index::Gsi5,
    ];

    /// The index name as in the table definition (`GSI1` …).
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1",
            Index::Gsi2 => "GSI2",
            Index::Gsi3 => "GSI3",
            Index::Gsi4 => "GSI4",
            Index::Gsi5 => "GSI5",
        }
    }

    /// The index's partition-key attribute (`GSI1PK` …).
    pub fn pk_attr(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1PK",
            Index::Gsi2 => "GSI2PK",
            Index::Gsi3 => "GSI3PK",
            Index::Gsi4 => "GSI4PK",
            Index::Gsi5 => "GSI5PK",
        }
    }

    /// The index's sort-key attribute (`GSI1SK` …).
    pub fn sk_attr(self) -> &'static str {
        match self {
            Index::Gsi1 => "GSI1SK",
            Index::Gsi2 => "GSI2SK",
            Index::Gsi3 => "GSI3SK",
            Index::Gsi4 => "GSI4SK",
            Index::Gsi5 => "GSI5SK",
        }
    }

    /// Looks an index up by name (`GSI1` …).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Comparison operators of condition and filter expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A condition expression (also used as a filter expression).
///
/// A comparison against a missing attribute is false, as in DynamoDB.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `attribute_exists(name)`
    Exists(String),
    /// `attribute_not_exists(name)`
    NotExists(String),
    /// `name <op> :value`
    Cmp(String, CmpOp, AttributeValue),
    /// `begins_with(name, :prefix)` on a string attribute.
    BeginsWith(String, String),
    /// `contains(name, :substring)` on a string attribute.
    Contains(String, String),
    /// All must hold (`a AND b AND …`).
    And(Vec<Condition>),
    /// At least one must hold (`a OR b OR …`).
    Or(Vec<Condition>),
}

impl Condition {
    /// `attribute_exists(PK)`: the item is there.
    pub fn item_exists() -> Self {
        Condition::Exists(PK.to_string())
    }
    /// `attribute_not_exists(PK)`: no item has this key yet.
    pub fn item_not_exists() -> Self {
        Condition::NotExists(PK.to_string())
    }
    /// `name = :value`
    pub fn eq(name: &str, value: AttributeValue) -> Self {
        Condition::Cmp(name.to_string(), CmpOp::Eq, value)
    }
}

/// One action of an update expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// `SET name = :value`
    Set(String, AttributeValue),
    /// `ADD name :n` on a number attribute (a missing attribute counts as 0).
    Add(String, i64),
    /// `REMOVE name`
    Remove(String),
}

/// Which item image a write returns (`ReturnValues`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnValues {
    /// `NONE`: nothing.
    #[default]
    None,
    /// `ALL_OLD`: the item as it was before the write (`None` if absent).
    AllOld,
    /// `ALL_NEW`: the item as it is after the write (update only).
    AllNew,
}

/// `PutItem`: writes a whole item (its `PK`/`SK` are inside it).
#[derive(Debug, Clone, PartialEq)]
pub struct Put {
    /// The item to write; must hold string `PK` and `SK`.
    pub item: Item,
    /// Optional condition on the item currently stored under that key.
    pub condition: Option<Condition>,
}

/// `UpdateItem`: edits attributes of one item, creating it if absent (as DynamoDB does).
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The item's key.
    pub key: Key,
    /// The update expression's actions; `PK`/`SK` cannot be changed.
    pub actions: Vec<UpdateAction>,
    /// Optional condition on the current item.
    pub condition: Option<Condition>,
}

/// `DeleteItem`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The item's key.
    pub key: Key,
    /// Optional condition on the current item.
    pub condition: Option<Condition>,
}

/// `ConditionCheck` inside a transaction: asserts a condition, writes nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The item's key.
    pub key: Key,
    /// The condition that must hold.
    pub condition: Condition,
}

/// One action of [`Store::transact_write`].
#[derive(Debug, Clone, PartialEq)]
pub enum WriteAction {
    /// A `Put`.
    Put(Put),
    /// An `Update`.
    Update(Update),
    /// A `Delete`.
    Delete(Delete),
    /// A `ConditionCheck`.
    Check(Check),
}

impl WriteAction {
    /// The key of the item this action touches.
    pub fn key(&self) -> Option<Key> {
        match self {
            WriteAction::Put(p) => Key::of(&p.item),
            WriteAction::Update(u) => Some(u.key.clone()),
            WriteAction::Delete(d) => Some(d.key.clone()),
            WriteAction::Check(c) => Some(c.key.clone()),
        }
    }
}

/// Why one action of a canceled transaction failed (`CancellationReasons[i].Code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// `None`: this action was fine; another one failed.
    None,
    /// `ConditionalCheckFailed`: this action's condition did not hold.
    ConditionFailed,
    /// `TransactionConflict` or any other code: a concurrent write; retrying may succeed.
    Conflict,
}

/// The key condition on the sort key of a query (`KeyConditionExpression`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortCondition {
    /// `sk = :v`
    Eq(String),
    /// `begins_with(sk, :prefix)`
    BeginsWith(String),
    /// `sk BETWEEN :a AND :b` (inclusive)
    Between(String, String),
    /// `sk < :v`
    Lt(String),
    /// `sk <= :v`
    Le(String),
    /// `sk > :v`
    Gt(String),
    /// `sk >= :v`
    Ge(String),
}

/// A `Query` on the table or one GSI.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `None` queries the table itself (by `PK`); `Some` a GSI (by its `GSInPK`).
    pub index: Option<Index>,
    /// The partition key value.
    pub partition: String,
    /// Optional sort-key condition.
    pub sort: Option<SortCondition>,
    /// `ScanIndexForward`: ascending sort key when true.
    pub forward: bool,
    /// `Limit`: the most items *evaluated* (before the filter), 1..=1000.
    pub limit: u32,
    /// `ExclusiveStartKey`: the `last_evaluated_key` of the previous page.
    pub start_key: Option<Item>,
    /// `FilterExpression`, applied after the limit (as in DynamoDB).
    pub filter: Option<Condition>,
}

impl Query {
    /// A query of `partition` on `index`, ascending, 100 items, no filter.
    pub fn new(index: Option<Index>, partition: impl Into<String>) -> Self {
        Self {
            index,
            partition: partition.into(),
            sort: None,
            forward: true,
            limit: 100,
            start_key: None,
            filter: None,
        }
    }
}

/// One page of query results.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// The items that passed the filter, in key order.
    pub items: Vec<Item>,
    /// `LastEvaluatedKey`: set when the query may have more items; pass it as `start_key`.
    pub last_evaluated_key: Option<Item>,
}

/// What a store operation can fail with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// `ConditionalCheckFailedException` on a single-item write.
    #[error("the condition on the item did not hold")]
    ConditionFailed,
    /// `TransactionCanceledException`: one reason per action, in order.
    #[error("transaction canceled: {0:?}")]
    TransactionCanceled(Vec<CancelReason>),
    /// `ValidationException`: the request itself is malformed (bad start key, duplicate
    /// keys in one transaction, oversized item …). Domain code maps it to a 400 only
    /// where the caller supplied the offending part (a cursor).
    #[error("invalid store request: {0}")]
    InvalidRequest(String),
    /// Throttled after the SDK's retries (`ProvisionedThroughputExceeded`, `ThrottlingException`).
    #[error("the store is throttling requests")]
    Throttled,
    /// The store could not be reached or answered 5xx after retries.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else (corrupt data, adapter bug).
    #[error("store failure: {0}")]
    Internal(String),
}

/// The storage port (see the module docs for the DynamoDB mapping).
///
/// All reads through `get_item` are strongly consistent; queries on a GSI are
/// not guaranteed to be (the embedded adapter's are, DynamoDB's are not).
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
    /// `DeleteItem`; returns the deleted item (`ALL_OLD`), `None` if there was none.
    async fn delete_item(&self, delete: Delete) -> Result<Option<Item>, StoreError>;
    /// `Query`: one page.
    async fn query(&self, query: Query) -> Result<Page, StoreError>;
    /// `TransactWriteItems`: all actions or none. At most [`MAX_TRANSACT_ACTIONS`]
    /// actions and no two on the same key ([`StoreError::InvalidRequest`] otherwise).
    async fn transact_write(&self, actions: Vec<WriteAction>) -> Result<(), StoreError>;
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
