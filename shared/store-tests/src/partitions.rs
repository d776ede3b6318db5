//! [`PartitionWrites`]: a store wrapper that counts the item writes each
//! partition key receives — of the table (`PK`) and of every GSI
//! (`GSInPK`) — for the write-sharding simulation (issue 21,
//! `tests/tests/api/partitions.rs`).
//!
//! An item write lands on its table partition and on the partition of every
//! GSI the item is in before or after the write (a GSI projecting all
//! attributes is rewritten by any change of its item; an item leaving or
//! moving within an index writes the partition it leaves). The wrapper reads
//! each written item before and after the write to know those partitions,
//! so it is a measuring instrument, not a fast store.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use crm_domain::store::{
    string_attr, Delete, Index, Item, Key, Page, Put, Query, ReturnValues, Store, StoreError,
    Update, WriteAction, PK,
};

#[derive(Default)]
struct Tally {
    /// Item writes per partition key (`table PK=…`, `GSI1 GSI1PK=…`).
    writes: HashMap<String, u64>,
    /// Requests (see [`PartitionWrites::next_request`]) that wrote each partition key.
    requests: HashMap<String, u64>,
    /// The partition keys the current request wrote so far.
    current: HashSet<String>,
    /// Item writes in all: one per partition key an item write lands on.
    total: u64,
    /// Requests counted.
    request_count: u64,
}

/// Counts the item writes each partition key of the table and its GSIs
/// receives through the wrapped store.
pub struct PartitionWrites {
    inner: Arc<dyn Store>,
    tally: Mutex<Tally>,
}

/// A partition key and how many item writes (or requests) it received.
pub type Share = (String, u64);

impl PartitionWrites {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            tally: Mutex::default(),
        }
    }

    /// Ends the current request: every partition key it wrote counts once
    /// in [`Self::busiest_by_requests`].
    pub fn next_request(&self) {
        if let Ok(mut t) = self.tally.lock() {
            let touched: Vec<String> = t.current.drain().collect();
            for p in touched {
                *t.requests.entry(p).or_default() += 1;
            }
            t.request_count += 1;
        }
    }

    /// Item writes in all.
    pub fn total(&self) -> u64 {
        self.tally.lock().map(|t| t.total).unwrap_or(0)
    }

    /// Requests counted by [`Self::next_request`].
    pub fn requests(&self) -> u64 {
        self.tally.lock().map(|t| t.request_count).unwrap_or(0)
    }

    /// The partition key that received the most item writes, and how many.
    pub fn busiest_by_writes(&self) -> Option<Share> {
        self.busiest(|t| &t.writes)
    }

    /// The partition key written by the most requests, and by how many.
    pub fn busiest_by_requests(&self) -> Option<Share> {
        self.busiest(|t| &t.requests)
    }

    fn busiest(&self, counts: impl Fn(&Tally) -> &HashMap<String, u64>) -> Option<Share> {
        let t = self.tally.lock().ok()?;
        counts(&t)
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(p, n)| (p.clone(), *n))
    }

    /// Every partition key with its item writes, most written first.
    pub fn writes(&self) -> Vec<Share> {
        let mut all: Vec<Share> = self
            .tally
            .lock()
            .map(|t| t.writes.iter().map(|(p, n)| (p.clone(), *n)).collect())
            .unwrap_or_default();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all
    }

    fn partitions(item: &Item, into: &mut HashSet<String>) {
        if let Some(pk) = string_attr(item, PK) {
            into.insert(format!("table PK={pk}"));
        }
        for index in Index::ALL {
            if let Some(pk) = string_attr(item, index.pk_attr()) {
                into.insert(format!("{} {}={pk}", index.name(), index.pk_attr()));
            }
        }
    }

    async fn before(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get_item(key).await
    }

    async fn landed(&self, key: &Key, before: Option<Item>) -> Result<(), StoreError> {
        let after = self.inner.get_item(key).await?;
        let mut parts = HashSet::new();
        for item in before.iter().chain(after.iter()) {
            Self::partitions(item, &mut parts);
        }
        if parts.is_empty() {
            // A delete of nothing, or a put of an item without PK: the table partition.
            parts.insert(format!("table PK={}", key.pk));
        }
        if let Ok(mut t) = self.tally.lock() {
            t.total += parts.len() as u64;
            for p in parts {
                *t.writes.entry(p.clone()).or_default() += 1;
                t.current.insert(p);
            }
        }
        Ok(())
    }
}

fn key_of(action: &WriteAction) -> Option<Key> {
    match action {
        WriteAction::Put(p) => Key::of(&p.item),
        WriteAction::Update(u) => Some(u.key.clone()),
        WriteAction::Delete(d) => Some(d.key.clone()),
        WriteAction::Check(_) => None,
    }
}

#[async_trait]
impl Store for PartitionWrites {
    async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get_item(key).await
    }
    async fn put_item(&self, put: Put) -> Result<Option<Item>, StoreError> {
        let key = Key::of(&put.item);
        let before = match &key {
            Some(k) => self.before(k).await?,
            None => None,
        };
        let out = self.inner.put_item(put).await?;
        if let Some(k) = key {
            self.landed(&k, before).await?;
        }
        Ok(out)
    }
    async fn update_item(
        &self,
        update: Update,
        ret: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        let key = update.key.clone();
        let before = self.before(&key).await?;
        let out = self.inner.update_item(update, ret).await?;
        self.landed(&key, before).await?;
        Ok(out)
    }
    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        self.inner.batch_get(keys).await
    }
    async fn delete_item(&self, delete: Delete) -> Result<Option<Item>, StoreError> {
        let key = delete.key.clone();
        let before = self.before(&key).await?;
        let out = self.inner.delete_item(delete).await?;
        if out.is_some() {
            self.landed(&key, before).await?;
        }
        Ok(out)
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact_write(&self, actions: Vec<WriteAction>) -> Result<(), StoreError> {
        let keys: Vec<Key> = actions.iter().filter_map(key_of).collect();
        let mut befores = Vec::with_capacity(keys.len());
        for k in &keys {
            befores.push(self.before(k).await?);
        }
        self.inner.transact_write(actions).await?;
        for (k, before) in keys.iter().zip(befores) {
            self.landed(k, before).await?;
        }
        Ok(())
    }
}
