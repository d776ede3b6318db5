//! Condition, filter, key-condition and update expressions of the port,
//! as typed values (each adapter renders them: DynamoDB placeholders, SQL).

use super::{AttributeValue, PK};

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
