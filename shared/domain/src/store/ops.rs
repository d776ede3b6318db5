//! The requests and answers of the port's operations (`PutItem`,
//! `UpdateItem`, `DeleteItem`, `ConditionCheck`, `TransactWriteItems`,
//! `Query`) and its error type.

use super::{Condition, Index, Item, Key, SortCondition, UpdateAction};

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
