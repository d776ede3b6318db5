//! Id counters (`customer_id`, `ticket_<year>`): one item each, bumped
//! atomically. Message ids are minted without one ([`crate::types::LogId::mint`]).

use serde::Serialize;

use crate::error::{DomainError, DomainResult};
use crate::keys::{Entity, ENTITY};
use crate::store::{self, Key, ReturnValues, Update, UpdateAction};
use crate::Crm;

/// An id counter item (`COUNTER#<name>` / `COUNTER`): a number attribute
/// `value`, bumped with `ADD`. Ids are never reused; a failed create leaves a gap.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Counter {
    /// `customer_id` or `ticket_<year>`.
    #[serde(skip)]
    pub name: String,
    /// The last id handed out.
    pub value: i64,
}

impl Entity for Counter {
    const TYPE: &'static str = "counter";

    fn primary_key(&self) -> Key {
        Key::new(format!("COUNTER#{}", self.name), "COUNTER")
    }
}

impl Crm {
    /// Allocates the next value of counter `name`: one `UpdateItem … ADD value 1`
    /// returning the new value.
    pub(crate) async fn next_id(&self, name: &str) -> DomainResult<i64> {
        self.next_ids(name, 1).await
    }

    /// Allocates `count` (≥ 1) consecutive values of counter `name` in one
    /// `UpdateItem … ADD value :count`; returns the last (the block is
    /// `last - count + 1 ..= last`).
    pub(crate) async fn next_ids(&self, name: &str, count: i64) -> DomainResult<i64> {
        let counter = Counter {
            name: name.to_string(),
            value: 0,
        };
        let new = self
            .store
            .update_item(
                Update {
                    key: counter.primary_key(),
                    actions: vec![
                        UpdateAction::Add("value".into(), count),
                        UpdateAction::Set(ENTITY.into(), store::s(Counter::TYPE)),
                    ],
                    condition: None,
                },
                ReturnValues::AllNew,
            )
            .await?;
        new.as_ref()
            .and_then(|item| store::int_attr(item, "value"))
            .ok_or_else(|| DomainError::corrupt(format!("counter {name}")))
    }
}
