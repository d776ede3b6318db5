//! # crm-store-tests
//!
//! The storage-port contract: one suite of behaviours every adapter of
//! [`Store`] must show, written once and run against each adapter through
//! [`store_contract_suite!`], plus [`CountingStore`], a wrapper that counts
//! store calls so tests can assert each endpoint's bound, and
//! [`PartitionWrites`], one that counts the writes each partition key takes.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use crm_domain::store::{
    n, s, AttributeValue, CancelReason, Check, CmpOp, Condition, Delete, Index, Item, Key, Page,
    Put, Query, ReturnValues, SortCondition, Store, StoreError, Update, UpdateAction, WriteAction,
};

mod partitions;

pub use partitions::{PartitionWrites, Share};

/// Counts calls to the wrapped store, per operation, and records the IAM
/// actions they need (see [`CountingStore::iam_actions`]).
pub struct CountingStore {
    inner: Arc<dyn Store>,
    counts: [AtomicUsize; 7],
    actions: Mutex<BTreeSet<&'static str>>,
}

/// Operation names, in the order of [`CountingStore::by_operation`].
pub const OPERATIONS: [&str; 7] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "TransactWriteItems",
    "BatchGetItem",
];

impl CountingStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Store>) -> Self {
        Self {
            inner,
            counts: Default::default(),
            actions: Mutex::default(),
        }
    }

    /// The IAM actions the calls since the last reset need, as IAM names
    /// them: `dynamodb:GetItem`, `BatchGetItem`, `Query`, `PutItem`, `UpdateItem`,
    /// `DeleteItem`, and for each part of a `TransactWriteItems` the action
    /// of that part (`PutItem`, `UpdateItem`, `DeleteItem`,
    /// `ConditionCheckItem`), which is how IAM authorizes a transaction.
    pub fn iam_actions(&self) -> BTreeSet<&'static str> {
        self.actions.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Calls since the last [`reset`](Self::reset), all operations together.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|c| c.load(Ordering::SeqCst)).sum()
    }

    /// Calls per operation name since the last reset.
    pub fn by_operation(&self) -> HashMap<&'static str, usize> {
        OPERATIONS
            .iter()
            .zip(&self.counts)
            .map(|(name, c)| (*name, c.load(Ordering::SeqCst)))
            .collect()
    }

    /// Sets every count to zero and forgets the recorded IAM actions.
    pub fn reset(&self) {
        for c in &self.counts {
            c.store(0, Ordering::SeqCst);
        }
        if let Ok(mut a) = self.actions.lock() {
            a.clear();
        }
    }

    fn bump(&self, op: usize) {
        self.counts[op].fetch_add(1, Ordering::SeqCst);
        // A transaction's actions are its parts' (see `transact_write`).
        let action = [
            Some("dynamodb:GetItem"),
            Some("dynamodb:PutItem"),
            Some("dynamodb:UpdateItem"),
            Some("dynamodb:DeleteItem"),
            Some("dynamodb:Query"),
            None,
            Some("dynamodb:BatchGetItem"),
        ][op];
        if let Some(action) = action {
            self.needs(&[action]);
        }
    }

    fn needs(&self, actions: &[&'static str]) {
        if let Ok(mut a) = self.actions.lock() {
            a.extend(actions);
        }
    }
}

#[async_trait]
impl Store for CountingStore {
    async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.bump(0);
        self.inner.get_item(key).await
    }
    async fn put_item(&self, put: Put) -> Result<Option<Item>, StoreError> {
        self.bump(1);
        self.inner.put_item(put).await
    }
    async fn update_item(
        &self,
        update: Update,
        ret: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        self.bump(2);
        self.inner.update_item(update, ret).await
    }
    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        if !keys.is_empty() {
            self.bump(6);
        }
        self.inner.batch_get(keys).await
    }
    async fn delete_item(&self, delete: Delete) -> Result<Option<Item>, StoreError> {
        self.bump(3);
        self.inner.delete_item(delete).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.bump(4);
        // The DynamoDB adapter reads a `KEYS_ONLY` index's items from the
        // table with `BatchGetItem` (docs/data-model.md, "Projections"): IAM
        // must grant it to whoever queries such an index.
        if query
            .index
            .is_some_and(|i| i.projection() == crm_domain::keys::Projection::KeysOnly)
        {
            self.needs(&["dynamodb:BatchGetItem"]);
        }
        self.inner.query(query).await
    }
    async fn transact_write(&self, actions: Vec<WriteAction>) -> Result<(), StoreError> {
        self.bump(5);
        let parts: Vec<&'static str> = actions
            .iter()
            .map(|a| match a {
                WriteAction::Put(_) => "dynamodb:PutItem",
                WriteAction::Update(_) => "dynamodb:UpdateItem",
                WriteAction::Delete(_) => "dynamodb:DeleteItem",
                WriteAction::Check(_) => "dynamodb:ConditionCheckItem",
            })
            .collect();
        self.needs(&parts);
        self.inner.transact_write(actions).await
    }
}

/// Expands to one `#[tokio::test]` per contract behaviour, each on a fresh
/// store from `$make` (an async expression yielding `Arc<dyn Store>`).
/// Each test should use its own key space, so a shared emulator table works too.
#[macro_export]
macro_rules! store_contract_suite {
    ($make:expr) => {
        $crate::store_contract_suite!(@tests $make;
            get_put_round_trip, conditional_put, update_semantics, update_conditions, update_rejects_key_changes,
            delete_semantics, table_query_sort_conditions, query_paging_and_filters, gsi_membership_and_order,
            gsi_answers_whole_current_items,
            gsi_paging_over_ties, transactions_all_or_nothing, transaction_validation, item_size_limit,
            concurrent_counter, concurrent_conditional_puts, concurrent_writes_answer_alone,
            batch_get_semantics);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store: std::sync::Arc<dyn crm_domain::store::Store> = $make.await;
                $crate::contract::$name(store, &$crate::unique_prefix()).await;
            }
        )*
    };
}

/// A prefix no other test run uses, so tests can share one table.
pub fn unique_prefix() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("T{nanos}x{}#", NEXT.fetch_add(1, Ordering::SeqCst))
}

fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn keyed(p: &str, pk: &str, sk: &str, rest: &[(&str, AttributeValue)]) -> Item {
    let mut i = item(rest);
    i.insert("PK".into(), s(format!("{p}{pk}")));
    i.insert("SK".into(), s(sk));
    i
}

/// The contract behaviours. Each takes a store and a key prefix unique to the call.
pub mod contract {
    use super::*;

    /// `GetItem` of a missing key is `None`; a put item reads back exactly, every type intact.
    pub async fn get_put_round_trip(store: Arc<dyn Store>, p: &str) {
        let key = Key::new(format!("{p}A"), "B");
        assert_eq!(store.get_item(&key).await.unwrap(), None);
        let value = keyed(
            p,
            "A",
            "B",
            &[
                ("s", s("héllo")),
                ("n", n(-42)),
                ("bool", AttributeValue::Bool(true)),
                ("null", AttributeValue::Null(true)),
                ("l", AttributeValue::L(vec![s("x"), n(1)])),
                (
                    "m",
                    AttributeValue::M(HashMap::from([("k".to_string(), s("v"))])),
                ),
                ("ss", AttributeValue::Ss(vec!["a".into(), "b".into()])),
            ],
        );
        let old = store
            .put_item(Put {
                item: value.clone(),
                condition: None,
            })
            .await
            .unwrap();
        assert_eq!(old, None);
        let mut got = store.get_item(&key).await.unwrap().expect("item");
        if let Some(AttributeValue::Ss(v)) = got.get_mut("ss") {
            v.sort();
        }
        assert_eq!(got, value);
        let replaced = keyed(p, "A", "B", &[("s", s("second"))]);
        let old = store
            .put_item(Put {
                item: replaced.clone(),
                condition: None,
            })
            .await
            .unwrap();
        assert_eq!(
            old.and_then(|o| o.get("s").cloned()),
            Some(s("héllo")),
            "put returns ALL_OLD"
        );
        assert_eq!(
            store.get_item(&key).await.unwrap(),
            Some(replaced),
            "put replaces the whole item"
        );
    }

    /// `attribute_not_exists(PK)` makes a put create-only; a failed put changes nothing.
    pub async fn conditional_put(store: Arc<dyn Store>, p: &str) {
        let first = keyed(p, "U", "1", &[("v", n(1))]);
        let create_only = Some(Condition::item_not_exists());
        store
            .put_item(Put {
                item: first.clone(),
                condition: create_only.clone(),
            })
            .await
            .unwrap();
        let second = keyed(p, "U", "1", &[("v", n(2))]);
        let err = store
            .put_item(Put {
                item: second,
                condition: create_only,
            })
            .await
            .unwrap_err();
        assert_eq!(err, StoreError::ConditionFailed);
        assert_eq!(
            store
                .get_item(&Key::new(format!("{p}U"), "1"))
                .await
                .unwrap(),
            Some(first)
        );
        let guarded = keyed(p, "U", "1", &[("v", n(3))]);
        let cond = Some(Condition::Cmp("v".into(), CmpOp::Eq, n(1)));
        store
            .put_item(Put {
                item: guarded,
                condition: cond,
            })
            .await
            .unwrap();
        let got = store
            .get_item(&Key::new(format!("{p}U"), "1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.get("v"), Some(&n(3)));
    }

    /// `UpdateItem` creates a missing item, `ADD` counts from 0, `REMOVE` drops, return values.
    pub async fn update_semantics(store: Arc<dyn Store>, p: &str) {
        let key = Key::new(format!("{p}C"), "counter");
        let update = |actions: Vec<UpdateAction>| Update {
            key: key.clone(),
            actions,
            condition: None,
        };
        let new = store
            .update_item(
                update(vec![UpdateAction::Add("value".into(), 1)]),
                ReturnValues::AllNew,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.get("value"), Some(&n(1)));
        assert_eq!(
            new.get("PK"),
            Some(&s(format!("{p}C"))),
            "the created item carries its key"
        );
        let old = store
            .update_item(
                update(vec![
                    UpdateAction::Add("value".into(), 5),
                    UpdateAction::Set("tag".into(), s("x")),
                ]),
                ReturnValues::AllOld,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.get("value"), Some(&n(1)));
        let none = store
            .update_item(
                update(vec![UpdateAction::Remove("tag".into())]),
                ReturnValues::None,
            )
            .await
            .unwrap();
        assert_eq!(none, None);
        let now = store.get_item(&key).await.unwrap().unwrap();
        assert_eq!(now.get("value"), Some(&n(6)));
        assert!(!now.contains_key("tag"));
    }

    /// A failing update condition changes nothing; conditions see the current item.
    pub async fn update_conditions(store: Arc<dyn Store>, p: &str) {
        let key = Key::new(format!("{p}V"), "1");
        let missing = Update {
            key: key.clone(),
            actions: vec![UpdateAction::Set("a".into(), s("x"))],
            condition: Some(Condition::item_exists()),
        };
        assert_eq!(
            store
                .update_item(missing, ReturnValues::None)
                .await
                .unwrap_err(),
            StoreError::ConditionFailed
        );
        assert_eq!(
            store.get_item(&key).await.unwrap(),
            None,
            "a failed conditional update creates nothing"
        );
        store
            .put_item(Put {
                item: keyed(p, "V", "1", &[("version", n(3)), ("status", s("active"))]),
                condition: None,
            })
            .await
            .unwrap();
        let stale = Update {
            key: key.clone(),
            actions: vec![UpdateAction::Set("status".into(), s("resolved"))],
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                Condition::eq("version", n(2)),
            ])),
        };
        assert_eq!(
            store
                .update_item(stale, ReturnValues::None)
                .await
                .unwrap_err(),
            StoreError::ConditionFailed
        );
        let fresh = Update {
            key: key.clone(),
            actions: vec![
                UpdateAction::Set("status".into(), s("resolved")),
                UpdateAction::Add("version".into(), 1),
            ],
            condition: Some(Condition::And(vec![
                Condition::Cmp("version".into(), CmpOp::Ge, n(3)),
                Condition::Or(vec![
                    Condition::eq("status", s("active")),
                    Condition::eq("status", s("paused")),
                ]),
                Condition::NotExists("open".into()),
            ])),
        };
        let new = store
            .update_item(fresh, ReturnValues::AllNew)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.get("status"), Some(&s("resolved")));
        assert_eq!(new.get("version"), Some(&n(4)));
        // A one-alternative OR nested in an AND is a condition like any other.
        let single = Update {
            key: key.clone(),
            actions: vec![UpdateAction::Add("version".into(), 1)],
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                Condition::Or(vec![Condition::eq("status", s("resolved"))]),
            ])),
        };
        let new = store
            .update_item(single, ReturnValues::AllNew)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(new.get("version"), Some(&n(5)));
    }

    /// Key attributes cannot be updated (`ValidationException`).
    pub async fn update_rejects_key_changes(store: Arc<dyn Store>, p: &str) {
        let key = Key::new(format!("{p}K"), "1");
        store
            .put_item(Put {
                item: key.to_item(),
                condition: None,
            })
            .await
            .unwrap();
        let err = store
            .update_item(
                Update {
                    key: key.clone(),
                    actions: vec![UpdateAction::Set("PK".into(), s("other"))],
                    condition: None,
                },
                ReturnValues::None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidRequest(_)), "{err:?}");
        assert!(store.get_item(&key).await.unwrap().is_some());
    }

    /// `DeleteItem` returns the old item, honours its condition, and tolerates a missing key.
    pub async fn delete_semantics(store: Arc<dyn Store>, p: &str) {
        let key = Key::new(format!("{p}D"), "1");
        assert_eq!(
            store
                .delete_item(Delete {
                    key: key.clone(),
                    condition: None
                })
                .await
                .unwrap(),
            None
        );
        store
            .put_item(Put {
                item: keyed(p, "D", "1", &[("owner", n(7))]),
                condition: None,
            })
            .await
            .unwrap();
        let wrong = Delete {
            key: key.clone(),
            condition: Some(Condition::eq("owner", n(8))),
        };
        assert_eq!(
            store.delete_item(wrong).await.unwrap_err(),
            StoreError::ConditionFailed
        );
        assert!(store.get_item(&key).await.unwrap().is_some());
        let right = Delete {
            key: key.clone(),
            condition: Some(Condition::eq("owner", n(7))),
        };
        let old = store.delete_item(right).await.unwrap().unwrap();
        assert_eq!(old.get("owner"), Some(&n(7)));
        assert_eq!(store.get_item(&key).await.unwrap(), None);
    }

    async fn seed_partition(store: &Arc<dyn Store>, p: &str) {
        for (sk, v) in [("A#1", 1), ("A#2", 2), ("B#1", 3), ("B#2", 4), ("C", 5)] {
            store
                .put_item(Put {
                    item: keyed(p, "Q", sk, &[("v", n(v))]),
                    condition: None,
                })
                .await
                .unwrap();
        }
    }

    fn sks(page: &Page) -> Vec<String> {
        page.items
            .iter()
            .map(|i| {
                crm_domain::store::string_attr(i, "SK")
                    .unwrap_or_default()
                    .to_string()
            })
            .collect()
    }

    /// Key conditions on the table's sort key, both directions.
    pub async fn table_query_sort_conditions(store: Arc<dyn Store>, p: &str) {
        seed_partition(&store, p).await;
        let q = |sort: Option<SortCondition>, forward: bool| Query {
            sort,
            forward,
            ..Query::new(None, format!("{p}Q"))
        };
        let run = |q: Query| {
            let store = store.clone();
            async move { sks(&store.query(q).await.unwrap()) }
        };
        assert_eq!(run(q(None, true)).await, ["A#1", "A#2", "B#1", "B#2", "C"]);
        assert_eq!(run(q(None, false)).await, ["C", "B#2", "B#1", "A#2", "A#1"]);
        assert_eq!(
            run(q(Some(SortCondition::BeginsWith("B#".into())), true)).await,
            ["B#1", "B#2"]
        );
        assert_eq!(
            run(q(Some(SortCondition::BeginsWith("B#".into())), false)).await,
            ["B#2", "B#1"]
        );
        assert_eq!(
            run(q(Some(SortCondition::Eq("C".into())), true)).await,
            ["C"]
        );
        assert_eq!(
            run(q(
                Some(SortCondition::Between("A#2".into(), "B#2".into())),
                true
            ))
            .await,
            ["A#2", "B#1", "B#2"]
        );
        assert_eq!(
            run(q(Some(SortCondition::Lt("B#1".into())), true)).await,
            ["A#1", "A#2"]
        );
        assert_eq!(
            run(q(Some(SortCondition::Le("B#1".into())), true)).await,
            ["A#1", "A#2", "B#1"]
        );
        assert_eq!(
            run(q(Some(SortCondition::Gt("B#1".into())), true)).await,
            ["B#2", "C"]
        );
        assert_eq!(
            run(q(Some(SortCondition::Ge("B#2".into())), true)).await,
            ["B#2", "C"]
        );
        assert!(run(Query::new(None, format!("{p}nothing")))
            .await
            .is_empty());
    }

    /// `Limit` counts evaluated items; the filter applies after it; `LastEvaluatedKey` resumes.
    pub async fn query_paging_and_filters(store: Arc<dyn Store>, p: &str) {
        seed_partition(&store, p).await;
        let mut q = Query {
            limit: 2,
            ..Query::new(None, format!("{p}Q"))
        };
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = store.query(q.clone()).await.unwrap();
            pages += 1;
            assert!(page.items.len() <= 2);
            seen.extend(sks(&page));
            match page.last_evaluated_key {
                Some(k) => q.start_key = Some(k),
                None => break,
            }
            assert!(pages < 10, "paging does not end");
        }
        assert_eq!(seen, ["A#1", "A#2", "B#1", "B#2", "C"]);
        let filtered = Query {
            limit: 2,
            filter: Some(Condition::Cmp("v".into(), CmpOp::Ge, n(2))),
            ..Query::new(None, format!("{p}Q"))
        };
        let page = store.query(filtered).await.unwrap();
        assert_eq!(
            sks(&page),
            ["A#2"],
            "the filter runs on the 2 evaluated items"
        );
        assert!(page.last_evaluated_key.is_some());
        let backwards = Query {
            limit: 3,
            forward: false,
            ..Query::new(None, format!("{p}Q"))
        };
        let first = store.query(backwards.clone()).await.unwrap();
        let rest = store
            .query(Query {
                start_key: first.last_evaluated_key.clone(),
                ..backwards
            })
            .await
            .unwrap();
        assert_eq!(sks(&first), ["C", "B#2", "B#1"]);
        assert_eq!(sks(&rest), ["A#2", "A#1"]);
    }

    /// A query of any index answers whole items as they are now, whatever
    /// the index projects (`Index::projection`): after an update of a
    /// non-key attribute, GSI1 (`KEYS_ONLY`) and GSI2 (`ALL`) both answer
    /// the item `GetItem` reads, every attribute included.
    pub async fn gsi_answers_whole_current_items(store: Arc<dyn Store>, p: &str) {
        let part = format!("{p}whole");
        let item = keyed(
            p,
            "W",
            "W",
            &[
                ("GSI1PK", s(part.clone())),
                ("GSI1SK", s("1")),
                ("GSI2PK", s(part.clone())),
                ("GSI2SK", s("1")),
                ("note", s("first")),
                ("count", n(1)),
            ],
        );
        let key = Key::of(&item).unwrap();
        let update = Update {
            key: key.clone(),
            actions: vec![
                UpdateAction::Set("note".into(), s("fresh")),
                UpdateAction::Add("count".into(), 1),
            ],
            condition: None,
        };
        let put = WriteAction::Put(Put {
            item,
            condition: None,
        });
        store.transact_write(vec![put]).await.unwrap();
        store.update_item(update, ReturnValues::None).await.unwrap();
        let stored = store.get_item(&key).await.unwrap().unwrap();
        assert_eq!(stored.get("note"), Some(&s("fresh")));
        for index in [Index::Gsi1, Index::Gsi2] {
            let page = store
                .query(Query::new(Some(index), part.clone()))
                .await
                .unwrap();
            assert_eq!(page.items, vec![stored.clone()], "{}", index.name());
            let mut filtered = Query::new(Some(index), part.clone());
            filtered.filter = Some(Condition::eq("note", s("first")));
            let page = store.query(filtered).await.unwrap();
            assert!(
                page.items.is_empty(),
                "{}: the filter sees the current item",
                index.name()
            );
        }
    }

    /// Items are in a GSI only with both its key attributes; changing them moves the item.
    pub async fn gsi_membership_and_order(store: Arc<dyn Store>, p: &str) {
        let part = format!("{p}queue");
        for (i, sk) in ["003", "001", "002"].iter().enumerate() {
            let item = keyed(
                p,
                &format!("M{i}"),
                "M",
                &[("GSI4PK", s(part.clone())), ("GSI4SK", s(*sk))],
            );
            store
                .put_item(Put {
                    item,
                    condition: None,
                })
                .await
                .unwrap();
        }
        let half = keyed(p, "M9", "M", &[("GSI4PK", s(part.clone()))]);
        store
            .put_item(Put {
                item: half,
                condition: None,
            })
            .await
            .unwrap();
        let q = Query::new(Some(Index::Gsi4), part.clone());
        let order = |page: Page| {
            page.items
                .iter()
                .map(|i| {
                    crm_domain::store::string_attr(i, "GSI4SK")
                        .unwrap_or_default()
                        .to_string()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            order(store.query(q.clone()).await.unwrap()),
            ["001", "002", "003"]
        );
        store
            .update_item(
                Update {
                    key: Key::new(format!("{p}M1"), "M"),
                    actions: vec![
                        UpdateAction::Remove("GSI4PK".into()),
                        UpdateAction::Remove("GSI4SK".into()),
                    ],
                    condition: None,
                },
                ReturnValues::None,
            )
            .await
            .unwrap();
        assert_eq!(
            order(store.query(q.clone()).await.unwrap()),
            ["002", "003"],
            "removing the attributes leaves the sparse index"
        );
        store
            .update_item(
                Update {
                    key: Key::new(format!("{p}M2"), "M"),
                    actions: vec![UpdateAction::Set("GSI4SK".into(), s("000"))],
                    condition: None,
                },
                ReturnValues::None,
            )
            .await
            .unwrap();
        assert_eq!(
            order(
                store
                    .query(Query {
                        forward: false,
                        ..q.clone()
                    })
                    .await
                    .unwrap()
            ),
            ["003", "000"]
        );
        let other = Query::new(Some(Index::Gsi5), part);
        assert!(
            store.query(other).await.unwrap().items.is_empty(),
            "indexes are separate"
        );
    }

    /// Paging a GSI whose sort keys tie still yields every item once.
    pub async fn gsi_paging_over_ties(store: Arc<dyn Store>, p: &str) {
        let part = format!("{p}ties");
        for i in 0..7 {
            let item = keyed(
                p,
                &format!("T{i}"),
                "T",
                &[("GSI1PK", s(part.clone())), ("GSI1SK", s("same"))],
            );
            store
                .put_item(Put {
                    item,
                    condition: None,
                })
                .await
                .unwrap();
        }
        let mut q = Query {
            limit: 3,
            ..Query::new(Some(Index::Gsi1), part)
        };
        let mut seen = Vec::new();
        for _ in 0..10 {
            let page = store.query(q.clone()).await.unwrap();
            seen.extend(page.items.iter().map(|i| {
                crm_domain::store::string_attr(i, "PK")
                    .unwrap_or_default()
                    .to_string()
            }));
            match page.last_evaluated_key {
                Some(k) => q.start_key = Some(k),
                None => break,
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 7);
    }

    /// `TransactWriteItems`: all or nothing, with a cancellation reason per action.
    pub async fn transactions_all_or_nothing(store: Arc<dyn Store>, p: &str) {
        store
            .put_item(Put {
                item: keyed(p, "X", "taken", &[]),
                condition: None,
            })
            .await
            .unwrap();
        let create_only = Some(Condition::item_not_exists());
        let actions = vec![
            WriteAction::Put(Put {
                item: keyed(p, "X", "new", &[]),
                condition: create_only.clone(),
            }),
            WriteAction::Put(Put {
                item: keyed(p, "X", "taken", &[("v", n(1))]),
                condition: create_only.clone(),
            }),
            WriteAction::Update(Update {
                key: Key::new(format!("{p}X"), "counter"),
                actions: vec![UpdateAction::Add("n".into(), 1)],
                condition: None,
            }),
        ];
        let err = store.transact_write(actions).await.unwrap_err();
        assert_eq!(
            err,
            StoreError::TransactionCanceled(vec![
                CancelReason::None,
                CancelReason::ConditionFailed,
                CancelReason::None
            ])
        );
        assert_eq!(
            store
                .get_item(&Key::new(format!("{p}X"), "new"))
                .await
                .unwrap(),
            None,
            "nothing written"
        );
        assert_eq!(
            store
                .get_item(&Key::new(format!("{p}X"), "counter"))
                .await
                .unwrap(),
            None
        );
        assert!(!store
            .get_item(&Key::new(format!("{p}X"), "taken"))
            .await
            .unwrap()
            .unwrap()
            .contains_key("v"));

        let actions = vec![
            WriteAction::Put(Put {
                item: keyed(p, "X", "new", &[]),
                condition: create_only,
            }),
            WriteAction::Check(Check {
                key: Key::new(format!("{p}X"), "taken"),
                condition: Condition::item_exists(),
            }),
            WriteAction::Update(Update {
                key: Key::new(format!("{p}X"), "counter"),
                actions: vec![UpdateAction::Add("n".into(), 1)],
                condition: None,
            }),
            WriteAction::Delete(Delete {
                key: Key::new(format!("{p}X"), "gone"),
                condition: None,
            }),
        ];
        store.transact_write(actions).await.unwrap();
        assert!(store
            .get_item(&Key::new(format!("{p}X"), "new"))
            .await
            .unwrap()
            .is_some());
        let counter = store
            .get_item(&Key::new(format!("{p}X"), "counter"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(counter.get("n"), Some(&n(1)));
        let failing_check = vec![
            WriteAction::Check(Check {
                key: Key::new(format!("{p}X"), "absent"),
                condition: Condition::item_exists(),
            }),
            WriteAction::Delete(Delete {
                key: Key::new(format!("{p}X"), "new"),
                condition: None,
            }),
        ];
        assert!(matches!(
            store.transact_write(failing_check).await,
            Err(StoreError::TransactionCanceled(_))
        ));
        assert!(store
            .get_item(&Key::new(format!("{p}X"), "new"))
            .await
            .unwrap()
            .is_some());
    }

    /// Two actions on one key, or more than 100 actions, are rejected before anything is written.
    pub async fn transaction_validation(store: Arc<dyn Store>, p: &str) {
        let twice = vec![
            WriteAction::Put(Put {
                item: keyed(p, "Y", "1", &[]),
                condition: None,
            }),
            WriteAction::Update(Update {
                key: Key::new(format!("{p}Y"), "1"),
                actions: vec![UpdateAction::Add("n".into(), 1)],
                condition: None,
            }),
        ];
        assert!(matches!(
            store.transact_write(twice).await,
            Err(StoreError::InvalidRequest(_))
        ));
        assert_eq!(
            store
                .get_item(&Key::new(format!("{p}Y"), "1"))
                .await
                .unwrap(),
            None
        );
        let many: Vec<_> = (0..101)
            .map(|i| {
                WriteAction::Put(Put {
                    item: keyed(p, "Y", &format!("{i}"), &[]),
                    condition: None,
                })
            })
            .collect();
        assert!(store.transact_write(many).await.is_err());
        let hundred: Vec<_> = (0..100)
            .map(|i| {
                WriteAction::Put(Put {
                    item: keyed(p, "Z", &format!("{i:03}"), &[]),
                    condition: None,
                })
            })
            .collect();
        store.transact_write(hundred).await.unwrap();
        let page = store
            .query(Query {
                limit: 1000,
                ..Query::new(None, format!("{p}Z"))
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 100);
    }

    /// Items over 400 KB are refused.
    pub async fn item_size_limit(store: Arc<dyn Store>, p: &str) {
        let big = keyed(p, "Big", "1", &[("blob", s("x".repeat(410 * 1024)))]);
        let err = store
            .put_item(Put {
                item: big,
                condition: None,
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidRequest(_)), "{err:?}");
        let fine = keyed(p, "Big", "2", &[("blob", s("x".repeat(300 * 1024)))]);
        store
            .put_item(Put {
                item: fine,
                condition: None,
            })
            .await
            .unwrap();
    }

    /// 50 concurrent `ADD 1` give 50, each caller seeing a distinct value.
    pub async fn concurrent_counter(store: Arc<dyn Store>, p: &str) {
        let key = Key::new(format!("{p}counter"), "COUNTER");
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let store = store.clone();
                let key = key.clone();
                tokio::spawn(async move {
                    let update = Update {
                        key,
                        actions: vec![UpdateAction::Add("value".into(), 1)],
                        condition: None,
                    };
                    let new = store
                        .update_item(update, ReturnValues::AllNew)
                        .await
                        .unwrap()
                        .unwrap();
                    crm_domain::store::int_attr(&new, "value").unwrap()
                })
            })
            .collect();
        let mut values = Vec::new();
        for t in tasks {
            values.push(t.await.unwrap());
        }
        values.sort();
        assert_eq!(values, (1..=50).collect::<Vec<_>>());
    }

    /// Of 50 concurrent create-only puts of one key, exactly one succeeds.
    pub async fn concurrent_conditional_puts(store: Arc<dyn Store>, p: &str) {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let store = store.clone();
                let item = keyed(p, "race", "1", &[("winner", n(i))]);
                tokio::spawn(async move {
                    store
                        .put_item(Put {
                            item,
                            condition: Some(Condition::item_not_exists()),
                        })
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::ConditionFailed) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(ok, 1);
    }

    /// Concurrent writes are each answered as if run alone (the embedded
    /// store commits them in groups): of 60 concurrent transactions, every
    /// third carries a failing `ConditionCheck` and is canceled with
    /// nothing stored, the others commit; each caller reads its own write
    /// (or its absence) right after its answer.
    pub async fn concurrent_writes_answer_alone(store: Arc<dyn Store>, p: &str) {
        let tasks: Vec<_> = (0..60)
            .map(|i| {
                let store = store.clone();
                let p = p.to_string();
                tokio::spawn(async move {
                    let item = keyed(&p, &format!("w{i}"), "1", &[("i", n(i))]);
                    let key = Key::of(&item).unwrap();
                    let mut actions = vec![WriteAction::Put(Put {
                        item,
                        condition: Some(Condition::item_not_exists()),
                    })];
                    if i % 3 == 0 {
                        actions.push(WriteAction::Check(Check {
                            key: Key::new(format!("{p}absent{i}"), "1"),
                            condition: Condition::item_exists(),
                        }));
                    }
                    let out = store.transact_write(actions).await;
                    let stored = store.get_item(&key).await.unwrap();
                    (i, out, stored)
                })
            })
            .collect();
        for t in tasks {
            let (i, out, stored) = t.await.unwrap();
            if i % 3 == 0 {
                assert!(
                    matches!(out, Err(StoreError::TransactionCanceled(_))),
                    "{i}: {out:?}"
                );
                assert_eq!(stored, None, "{i}: a canceled transaction stores nothing");
            } else {
                assert_eq!(out, Ok(()), "{i}");
                assert_eq!(stored.and_then(|s| s.get("i").cloned()), Some(n(i)), "{i}");
            }
        }
    }

    /// `BatchGetItem` answers the stored items among the keys (absent ones
    /// are simply missing), strongly consistent; no keys is no items; more
    /// than 100 keys, or a key twice, is an invalid request.
    pub async fn batch_get_semantics(store: Arc<dyn Store>, p: &str) {
        assert!(store.batch_get(&[]).await.unwrap().is_empty());
        for i in 0..3 {
            store
                .put_item(Put {
                    item: keyed(p, &format!("b{i}"), "1", &[("i", n(i))]),
                    condition: None,
                })
                .await
                .unwrap();
        }
        let key = |pk: &str| Key::new(format!("{p}{pk}"), "1");
        let keys = vec![key("b0"), key("b1"), key("b2"), key("absent")];
        let mut found: Vec<i64> = store
            .batch_get(&keys)
            .await
            .unwrap()
            .iter()
            .map(|item| match item.get("i") {
                Some(AttributeValue::N(v)) => v.parse().unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        found.sort_unstable();
        assert_eq!(found, vec![0, 1, 2]);

        let many: Vec<Key> = (0..101).map(|i| key(&format!("m{i}"))).collect();
        let err = store.batch_get(&many).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidRequest(_)), "{err:?}");
        assert!(store.batch_get(&many[..100]).await.unwrap().is_empty());
        let err = store.batch_get(&[key("b0"), key("b0")]).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidRequest(_)), "{err:?}");
    }
}
