//! The single-table key design's machinery: the table's indexes, how an
//! entity states its keys ([`Entity`]), and how a stored item is assembled
//! from a record and its keys.
//!
//! Every entity derives its own keys from its own fields, beside its record
//! (the model is modyne's `Entity::primary_key` / `full_key`):
//!
//! | entity (`entity` attribute) | record, and where its keys are derived |
//! |---|---|
//! | `customer` | `customers/record.rs` — `CustomerRecord` |
//! | `unique` (email / phone / external id reservation) | `customers/record.rs` — `Reservation` |
//! | `counter` | `counter.rs` — `Counter` |
//! | `context` | `conversations/record.rs` — `ConversationRecord` |
//! | `message` | `messages/record.rs` — `MessageRecord` |
//! | `provider_id` (a Twilio `MessageSid` or an `external_message_id` reserved by its message) | `messages/record.rs` — `ProviderIdRecord` |
//! | `idempotency` (an `Idempotency-Key`'s claim and stored answer) | `idempotency.rs` — `IdempotencyRecord` |
//!
//! The key table with every PK/SK and GSI pattern is in `docs/data-model.md`;
//! the test `tests/key_table.rs` (beside this file) builds one item of each entity and
//! checks its key attributes against that table, so the two cannot drift.
//! Index attribute names (`GSI1PK` …) are spelled only here.

use serde::Serialize;

use crate::codec;
use crate::error::DomainResult;
use crate::store::{AttributeValue, Item, Key, UpdateAction};

/// Attribute on every item naming its entity type ([`Entity::TYPE`]).
pub const ENTITY: &str = "entity";

/// Partitions every global list (`LOGS`, `UNPROCESSED`, `FAILED`,
/// `CONTEXTS`, `CONTEXTS#<status>`, `REPLY_JOBS`) and the statistics
/// counters are write-sharded over: an item goes to `<list>#<nn>`, `nn` =
/// [`shard_of`] its id, and a list reads every shard and merges them
/// (`paging::sharded`). A setting of the table's key design
/// (`docs/data-model.md`, "Write sharding"): changing it moves items, so it
/// is a constant, not an environment variable. 12 shards × 1,000 write units
/// a second per partition hold 12,000 messages a second, and the statistics
/// read stays one `BatchGetItem` (12 × 8 = 96 keys ≤ 100).
pub const WRITE_SHARDS: u16 = 12;

/// The shard (`0..WRITE_SHARDS`) of the item whose id is `id`: FNV-1a of
/// its text, so every process places an id alike.
pub fn shard_of(id: &str) -> u16 {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    (hash % u64::from(WRITE_SHARDS)) as u16
}

/// Partition `nn` of write-sharded list `list`: `<list>#<nn>` (two digits).
pub fn shard_partition(list: &str, shard: u16) -> String {
    format!("{list}#{shard:02}")
}

/// Zero-pads an id to 20 digits for sort keys, so string order is numeric order.
pub fn padded(id: i64) -> String {
    format!("{id:020}")
}

/// The global secondary indexes of the table (see `docs/data-model.md`).
///
/// Each index `GSIn` is keyed by the string attributes `GSInPK` / `GSInSK`
/// and projects what [`Index::projection`] says (issue 21: only the
/// history index projects every attribute; the others hold keys, so a
/// conversation's update on every message rewrites no entry of theirs).
/// An item without both attributes is not in the index (a *sparse* index). GSI reads are eventually consistent on
/// DynamoDB: nothing that must see a just-made write reads one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    /// Collections: every customer / conversation / message, by id or time.
    Gsi1,
    /// Parent → children: a conversation's messages (the history); customers by their phone's last 10 digits.
    Gsi2,
    /// Owner: a customer's messages and conversations; tickets by status.
    Gsi3,
    /// Work queue: unprocessed messages (sparse).
    Gsi4,
    /// Failed sends (sparse); conversations by status.
    Gsi5,
}

/// What a GSI holds of an item besides its keys (DynamoDB's `ProjectionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    /// `ALL`: every attribute; every change of the item rewrites its entry.
    All,
    /// `KEYS_ONLY`: the table's and the index's keys; an update rewrites the
    /// entry only when it moves the item within the index (or out of it).
    KeysOnly,
}

impl Projection {
    /// The `ProjectionType` as CloudFormation spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
        }
    }
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

    /// What the index projects (its `Projection.ProjectionType` in
    /// `template.yaml`, checked by the template test). A query of a
    /// [`Projection::KeysOnly`] index answers whole items all the same: the
    /// DynamoDB adapter reads them from the table (strongly consistent
    /// `BatchGetItem`), so lists see every attribute as it is now.
    pub fn projection(self) -> Projection {
        match self {
            // A conversation's history is read on every reply job and
            // every `GET /context`: its messages come whole from the index.
            Index::Gsi2 => Projection::All,
            Index::Gsi1 | Index::Gsi3 | Index::Gsi4 | Index::Gsi5 => Projection::KeysOnly,
        }
    }

    /// Looks an index up by name (`GSI1` …).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }

    /// Update actions that take an item out of this index (`REMOVE GSInPK, GSInSK`).
    pub fn remove_actions(self) -> Vec<UpdateAction> {
        vec![
            UpdateAction::Remove(self.pk_attr().into()),
            UpdateAction::Remove(self.sk_attr().into()),
        ]
    }

    /// Update action that moves an item to another partition of this index,
    /// its sort key unchanged (`SET GSInPK = :pk`).
    pub fn move_to(self, partition: String) -> UpdateAction {
        UpdateAction::Set(self.pk_attr().into(), AttributeValue::S(partition))
    }
}

/// An item's place in one GSI: the values of `GSInPK` and `GSInSK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The index.
    pub index: Index,
    /// Its partition-key value.
    pub pk: String,
    /// Its sort-key value.
    pub sk: String,
}

impl IndexEntry {
    /// The entry of an item in `index` under `pk` / `sk`.
    pub fn new(index: Index, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            index,
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// Update actions that put an item at this entry (`SET GSInPK, GSInSK`).
    pub fn set_actions(&self) -> Vec<UpdateAction> {
        vec![
            UpdateAction::Set(
                self.index.pk_attr().into(),
                AttributeValue::S(self.pk.clone()),
            ),
            UpdateAction::Set(
                self.index.sk_attr().into(),
                AttributeValue::S(self.sk.clone()),
            ),
        ]
    }

    /// Update actions that keep a sparse index in step: set the entry when
    /// there is one, remove the item from `index` when there is none.
    pub fn place(index: Index, entry: Option<IndexEntry>) -> Vec<UpdateAction> {
        match entry {
            Some(e) => e.set_actions(),
            None => index.remove_actions(),
        }
    }
}

/// A kind of stored record that knows its own keys.
///
/// The stored item is the record's serde fields plus [`Entity::full_key`]:
/// `PK`, `SK`, [`ENTITY`] and one `GSInPK`/`GSInSK` pair per index entry.
/// Records read back ignore those attributes (serde skips unknown fields).
pub trait Entity: Serialize {
    /// The value of the [`ENTITY`] attribute (`customer`, `context` …).
    const TYPE: &'static str;

    /// The item's `PK` / `SK`.
    fn primary_key(&self) -> Key;

    /// The item's entries in the GSIs; an index not listed does not hold it.
    fn index_entries(&self) -> Vec<IndexEntry> {
        Vec::new()
    }

    /// Every key attribute of the item: `PK`, `SK`, `entity` and each index's pair.
    fn full_key(&self) -> Item {
        let mut item = self.primary_key().to_item();
        item.insert(ENTITY.into(), AttributeValue::S(Self::TYPE.into()));
        for e in self.index_entries() {
            item.insert(e.index.pk_attr().into(), AttributeValue::S(e.pk));
            item.insert(e.index.sk_attr().into(), AttributeValue::S(e.sk));
        }
        item
    }

    /// The whole item to put: the record's attributes and its [`Entity::full_key`].
    fn to_item(&self) -> DomainResult<Item> {
        let mut item = codec::to_attributes(self)?;
        item.extend(self.full_key());
        Ok(item)
    }

    /// The update actions that store this record's current value of each
    /// attribute in `names` (its fields' serde names, or index attributes
    /// such as `GSI4PK`): `SET` where the item has a value, `REMOVE` where
    /// it has none. A record's change method edits its fields in memory and
    /// then names what it touched, so the stored change is read off the
    /// in-memory one — one encoding, no value written twice.
    fn touched(&self, names: &[&str]) -> DomainResult<Vec<UpdateAction>> {
        let mut item = self.to_item()?;
        Ok(names
            .iter()
            .map(|name| match item.remove(*name) {
                Some(value) => UpdateAction::Set((*name).to_string(), value),
                None => UpdateAction::Remove((*name).to_string()),
            })
            .collect())
    }
}

#[cfg(test)]
#[path = "tests/key_table.rs"]
mod key_table;

#[cfg(test)]
#[path = "tests/attribute_names.rs"]
mod attribute_names;

#[cfg(test)]
#[path = "tests/module_layers.rs"]
mod module_layers;

#[cfg(test)]
#[path = "tests/one_clock.rs"]
mod one_clock;
