//! # crm-store-sqlite
//!
//! The embedded adapter of the storage port ([`crm_domain::store::Store`]):
//! one SQLite file (rusqlite, bundled) holding the single table, with
//! DynamoDB's item semantics:
//!
//! - one row per item: `pk`, `sk`, the item as DynamoDB JSON, and one pair of
//!   indexed columns per GSI (`gsi1pk`/`gsi1sk` …) filled from the item's
//!   `GSInPK`/`GSInSK` string attributes, so an item lacking them is not in
//!   that index (sparse indexes work as on DynamoDB);
//! - condition, update and filter expressions are evaluated on the decoded
//!   item inside one SQLite transaction (`crm_domain::store::eval`);
//! - `TransactWriteItems` runs every action in one `BEGIN IMMEDIATE`
//!   transaction, checks all conditions first and reports a cancellation
//!   reason per action;
//! - DynamoDB's request validation is mirrored where the domain could trip
//!   it: 400 KB items, ≤ 100 transaction actions, one action per key, no key
//!   updates, no attribute named twice in one update.
//!
//! Writes are serialized on one connection (SQLite has one writer anyway);
//! reads of a file store go to a small pool of read-only connections, so
//! they neither wait for a write nor for each other (WAL gives each read the
//! last committed state: a read after a write's answer sees it). An
//! in-memory store has only the one connection. Calls run inline: each is
//! microseconds to a few milliseconds.

mod json;

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use crm_domain::store::{
    eval, string_attr, CancelReason, Delete, Index, Item, Key, Page, Put, Query, ReturnValues,
    SortCondition, Store, StoreError, Update, WriteAction, MAX_TRANSACT_ACTIONS, PK, SK,
};
use rusqlite::{params_from_iter, Connection, OptionalExtension, TransactionBehavior};

/// DynamoDB's item size limit, applied to the encoded item.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// Read-only connections of a file store (reads of an in-memory store use the writer's).
const READERS: usize = 4;

/// The embedded store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    shared: Arc<Connections>,
}

/// The writer connection and the readers.
struct Connections {
    conn: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT, gsi1sk TEXT,
    gsi2pk TEXT, gsi2sk TEXT,
    gsi3pk TEXT, gsi3sk TEXT,
    gsi4pk TEXT, gsi4sk TEXT,
    gsi5pk TEXT, gsi5sk TEXT,
    item TEXT NOT NULL,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL AND gsi1sk IS NOT NULL;
CREATE INDEX IF NOT EXISTS gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL AND gsi2sk IS NOT NULL;
CREATE INDEX IF NOT EXISTS gsi3 ON items (gsi3pk, gsi3sk, pk, sk) WHERE gsi3pk IS NOT NULL AND gsi3sk IS NOT NULL;
CREATE INDEX IF NOT EXISTS gsi4 ON items (gsi4pk, gsi4sk, pk, sk) WHERE gsi4pk IS NOT NULL AND gsi4sk IS NOT NULL;
CREATE INDEX IF NOT EXISTS gsi5 ON items (gsi5pk, gsi5sk, pk, sk) WHERE gsi5pk IS NOT NULL AND gsi5sk IS NOT NULL;
";

impl SqliteStore {
    /// Opens (creating if needed) the store file at `path`, in WAL mode.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(internal)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; \
             PRAGMA cache_size=-32768;",
        )
        .map_err(internal)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path).map_err(internal)?;
            reader
                .execute_batch(
                    "PRAGMA query_only=1; PRAGMA busy_timeout=5000; PRAGMA cache_size=-8192;",
                )
                .map_err(internal)?;
            reader.set_prepared_statement_cache_capacity(64);
            readers.push(Mutex::new(reader));
        }
        Self::init(conn, readers)
    }

    /// A private in-memory store (tests, benchmarks).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(internal)?, Vec::new())
    }

    fn init(conn: Connection, readers: Vec<Mutex<Connection>>) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA).map_err(internal)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Self {
            shared: Arc::new(Connections {
                conn: Mutex::new(conn),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs write `f` in one `BEGIN IMMEDIATE` transaction of the writer
    /// connection, on tokio's blocking pool when there is a runtime: a write
    /// waiting for the writer then blocks a pool thread, not one of the
    /// runtime's workers, which go on serving other requests and reads.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let shared = self.shared.clone();
        let run = move || in_transaction(&mut shared.lock(), f);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle.spawn_blocking(run).await.map_err(internal)?,
            Err(_) => run(),
        }
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.shared.reader()
    }
}

impl Connections {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connection to read with: a free reader of the pool (else the next
    /// one in turn), or the writer's when there is no pool.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.lock();
        }
        for r in &self.readers {
            if let Ok(guard) = r.try_lock() {
                return guard;
            }
        }
        let n = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        self.readers[n]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn load(conn: &Connection, key: &Key) -> Result<Option<Item>, StoreError> {
    load_text(conn, key)?
        .map(|t| json::decode_item(&t))
        .transpose()
}

/// The stored text of item `key` (decoded by the caller, outside any lock).
fn load_text(conn: &Connection, key: &Key) -> Result<Option<String>, StoreError> {
    conn.prepare_cached("SELECT item FROM items WHERE pk = ?1 AND sk = ?2")
        .map_err(internal)?
        .query_row([&key.pk, &key.sk], |row| row.get(0))
        .optional()
        .map_err(internal)
}

/// The index columns of `item`, in the order of [`GSI_COLUMNS`]: each
/// index's key pair, or two `NULL`s when the item is not in that index.
fn index_columns(item: &Item) -> Result<Vec<Option<String>>, StoreError> {
    let mut gsi: Vec<Option<String>> = Vec::with_capacity(GSI_COLUMNS.len());
    for index in Index::ALL {
        let (pk, sk) = (
            string_attr(item, index.pk_attr()),
            string_attr(item, index.sk_attr()),
        );
        if pk == Some("") || sk == Some("") {
            return Err(StoreError::InvalidRequest(format!(
                "{} key attributes must not be empty strings",
                index.name()
            )));
        }
        let both = pk.is_some() && sk.is_some();
        gsi.push(pk.filter(|_| both).map(str::to_string));
        gsi.push(sk.filter(|_| both).map(str::to_string));
    }
    Ok(gsi)
}

/// The index columns of the `items` table, in [`Index::ALL`]'s order.
const GSI_COLUMNS: [&str; 10] = [
    "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk", "gsi5pk",
    "gsi5sk",
];

/// Writes `item` over `current` (the stored image, `None` when there is
/// none). A new item is inserted; an existing one is updated in place,
/// assigning only the index columns whose values change, so SQLite leaves
/// the other indexes' entries alone (as DynamoDB leaves a `KEYS_ONLY`
/// entry alone): a conversation's update on each message rewrites its
/// row, no index.
fn save(conn: &Connection, item: &Item, current: Option<&Item>) -> Result<(), StoreError> {
    let key = Key::of(item)
        .ok_or_else(|| StoreError::InvalidRequest("item is missing its string PK or SK".into()))?;
    if key.pk.is_empty() || key.sk.is_empty() {
        return Err(StoreError::InvalidRequest(
            "key attributes must not be empty strings".into(),
        ));
    }
    let encoded = json::encode_item(item);
    if encoded.len() > MAX_ITEM_BYTES {
        return Err(StoreError::InvalidRequest(
            "Item size has exceeded the maximum allowed size".into(),
        ));
    }
    let gsi = index_columns(item)?;
    let Some(current) = current else {
        let mut stmt = conn
            .prepare_cached(
                "INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, gsi4pk, gsi4sk, gsi5pk, gsi5sk, item)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .map_err(internal)?;
        let mut params: Vec<Option<String>> = vec![Some(key.pk), Some(key.sk)];
        params.extend(gsi);
        params.push(Some(encoded));
        stmt.execute(params_from_iter(params)).map_err(internal)?;
        return Ok(());
    };
    let before = index_columns(current)?;
    let mut sql = String::from("UPDATE items SET item = ?1");
    let mut params: Vec<Option<String>> = vec![Some(encoded)];
    for ((column, new), old) in GSI_COLUMNS.iter().zip(gsi).zip(before) {
        if new != old {
            params.push(new);
            sql.push_str(&format!(", {column} = ?{}", params.len()));
        }
    }
    sql.push_str(&format!(
        " WHERE pk = ?{} AND sk = ?{}",
        params.len() + 1,
        params.len() + 2
    ));
    params.push(Some(key.pk));
    params.push(Some(key.sk));
    conn.prepare_cached(&sql)
        .map_err(internal)?
        .execute(params_from_iter(params))
        .map_err(internal)?;
    Ok(())
}

fn remove(conn: &Connection, key: &Key) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .map_err(internal)?
        .execute([&key.pk, &key.sk])
        .map_err(internal)?;
    Ok(())
}

fn check(
    condition: &Option<crm_domain::store::Condition>,
    current: Option<&Item>,
) -> Result<bool, StoreError> {
    match condition {
        None => Ok(true),
        Some(c) => eval::eval(c, current),
    }
}

/// The new image of the item under `update.key` after its actions.
fn updated(current: Option<&Item>, update: &Update) -> Result<Item, StoreError> {
    let base = current.cloned().unwrap_or_else(|| update.key.to_item());
    eval::apply(base, &update.actions)
}

/// A write refused by its condition, counted (`ConditionalCheckConflicts`,
/// as the DynamoDB adapter counts DynamoDB's refusals).
fn refused() -> StoreError {
    crm_domain::metrics::condition_conflict();
    StoreError::ConditionFailed
}

fn do_put(conn: &Connection, put: &Put) -> Result<Option<Item>, StoreError> {
    let key = Key::of(&put.item)
        .ok_or_else(|| StoreError::InvalidRequest("item is missing its string PK or SK".into()))?;
    let current = load(conn, &key)?;
    if !check(&put.condition, current.as_ref())? {
        return Err(refused());
    }
    save(conn, &put.item, current.as_ref())?;
    Ok(current)
}

fn do_update(
    conn: &Connection,
    update: &Update,
    ret: ReturnValues,
) -> Result<Option<Item>, StoreError> {
    let current = load(conn, &update.key)?;
    if !check(&update.condition, current.as_ref())? {
        return Err(refused());
    }
    let next = updated(current.as_ref(), update)?;
    save(conn, &next, current.as_ref())?;
    Ok(match ret {
        ReturnValues::None => None,
        ReturnValues::AllOld => current,
        ReturnValues::AllNew => Some(next),
    })
}

fn do_delete(conn: &Connection, delete: &Delete) -> Result<Option<Item>, StoreError> {
    let current = load(conn, &delete.key)?;
    if !check(&delete.condition, current.as_ref())? {
        return Err(refused());
    }
    if current.is_some() {
        remove(conn, &delete.key)?;
    }
    Ok(current)
}

/// Runs `f` in an immediate transaction, committing only on success.
fn in_transaction<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(internal)?;
    let out = f(&tx)?;
    tx.commit().map_err(internal)?;
    Ok(out)
}

fn run_query(conn: &Connection, q: &Query) -> Result<Page, StoreError> {
    if q.limit == 0 {
        return Err(StoreError::InvalidRequest(
            "Limit must be at least 1".into(),
        ));
    }
    let (pk_col, sk_col, order_cols) = match q.index {
        None => ("pk".to_string(), "sk".to_string(), "sk".to_string()),
        Some(index) => {
            let n = &index.name()[3..];
            let (pk, sk) = (format!("gsi{n}pk"), format!("gsi{n}sk"));
            let order = format!("{sk}, pk, sk");
            (pk, sk, order)
        }
    };
    let mut sql = format!("SELECT item FROM items WHERE {pk_col} = ?1 AND {sk_col} IS NOT NULL");
    let mut params: Vec<String> = vec![q.partition.clone()];
    let mut bind = |sql: &mut String, clause: &str, values: Vec<String>| {
        // Number each `?` of the clause after the parameters bound so far.
        let mut numbered = String::new();
        let mut values = values.into_iter();
        for (i, part) in clause.split('?').enumerate() {
            if i > 0 {
                params.push(values.next().unwrap_or_default());
                numbered.push_str(&format!("?{}", params.len()));
            }
            numbered.push_str(part);
        }
        sql.push_str(" AND ");
        sql.push_str(&numbered);
    };
    if let Some(cond) = &q.sort {
        match cond {
            SortCondition::Eq(v) => bind(&mut sql, &format!("{sk_col} = ?"), vec![v.clone()]),
            SortCondition::Lt(v) => bind(&mut sql, &format!("{sk_col} < ?"), vec![v.clone()]),
            SortCondition::Le(v) => bind(&mut sql, &format!("{sk_col} <= ?"), vec![v.clone()]),
            SortCondition::Gt(v) => bind(&mut sql, &format!("{sk_col} > ?"), vec![v.clone()]),
            SortCondition::Ge(v) => bind(&mut sql, &format!("{sk_col} >= ?"), vec![v.clone()]),
            SortCondition::Between(a, b) => bind(
                &mut sql,
                &format!("{sk_col} BETWEEN ? AND ?"),
                vec![a.clone(), b.clone()],
            ),
            SortCondition::BeginsWith(prefix) => {
                // `prefix <= sk < prefix + U+10FFFF`: a range the index can use.
                bind(
                    &mut sql,
                    &format!("{sk_col} >= ? AND {sk_col} < ?"),
                    vec![prefix.clone(), format!("{prefix}\u{10FFFF}")],
                )
            }
        }
    }
    let cmp = if q.forward { ">" } else { "<" };
    if let Some(start) = &q.start_key {
        let attr = |name: &str| {
            string_attr(start, name).map(str::to_string).ok_or_else(|| {
                StoreError::InvalidRequest(format!(
                    "The provided starting key is invalid: missing {name}"
                ))
            })
        };
        match q.index {
            None => bind(&mut sql, &format!("sk {cmp} ?"), vec![attr(SK)?]),
            Some(index) => bind(
                &mut sql,
                &format!("({sk_col}, pk, sk) {cmp} (?, ?, ?)"),
                vec![attr(index.sk_attr())?, attr(PK)?, attr(SK)?],
            ),
        }
    }
    let dir = if q.forward { "ASC" } else { "DESC" };
    let order = order_cols
        .split(", ")
        .map(|c| format!("{c} {dir}"))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push_str(&format!(" ORDER BY {order} LIMIT {}", q.limit));

    let mut stmt = conn.prepare_cached(&sql).map_err(internal)?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |row| {
            row.get::<_, String>(0)
        })
        .map_err(internal)?;
    let mut evaluated = 0u32;
    let mut last: Option<Item> = None;
    let mut items = Vec::new();
    for row in rows {
        let item = json::decode_item(&row.map_err(internal)?)?;
        evaluated += 1;
        let keep = match &q.filter {
            None => true,
            Some(f) => eval::eval(f, Some(&item))?,
        };
        if evaluated == q.limit {
            last = Some(key_of(&item, q.index));
        }
        if keep {
            items.push(item);
        }
    }
    Ok(Page {
        items,
        last_evaluated_key: last,
    })
}

/// The `LastEvaluatedKey` of `item` for a query on `index`.
fn key_of(item: &Item, index: Option<Index>) -> Item {
    let mut names = vec![PK, SK];
    if let Some(i) = index {
        names.extend([i.pk_attr(), i.sk_attr()]);
    }
    names
        .into_iter()
        .filter_map(|n| item.get(n).map(|v| (n.to_string(), v.clone())))
        .collect()
}

#[async_trait]
impl Store for SqliteStore {
    async fn get_item(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        let text = load_text(&self.reader(), key)?;
        text.map(|t| json::decode_item(&t)).transpose()
    }

    async fn batch_get(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        crm_domain::store::check_batch_keys(keys)?;
        let mut texts = Vec::with_capacity(keys.len());
        {
            let conn = self.reader();
            for key in keys {
                texts.extend(load_text(&conn, key)?);
            }
        }
        texts.iter().map(|t| json::decode_item(t)).collect()
    }

    async fn put_item(&self, put: Put) -> Result<Option<Item>, StoreError> {
        self.write(move |c| do_put(c, &put)).await
    }

    async fn update_item(
        &self,
        update: Update,
        ret: ReturnValues,
    ) -> Result<Option<Item>, StoreError> {
        self.write(move |c| do_update(c, &update, ret)).await
    }

    async fn delete_item(&self, delete: Delete) -> Result<Option<Item>, StoreError> {
        self.write(move |c| do_delete(c, &delete)).await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        run_query(&self.reader(), &query)
    }

    async fn transact_write(&self, actions: Vec<WriteAction>) -> Result<(), StoreError> {
        if actions.is_empty() || actions.len() > MAX_TRANSACT_ACTIONS {
            return Err(StoreError::InvalidRequest(format!(
                "a transaction holds 1 to {MAX_TRANSACT_ACTIONS} actions, got {}",
                actions.len()
            )));
        }
        let mut seen = HashSet::new();
        for action in &actions {
            let key = action.key().ok_or_else(|| {
                StoreError::InvalidRequest("item is missing its string PK or SK".into())
            })?;
            if !seen.insert(key) {
                return Err(StoreError::InvalidRequest(
                    "Transaction request cannot include multiple operations on one item".into(),
                ));
            }
        }
        self.write(move |conn| {
            let mut current = Vec::with_capacity(actions.len());
            let mut reasons = Vec::with_capacity(actions.len());
            for action in &actions {
                let key = action
                    .key()
                    .ok_or_else(|| StoreError::InvalidRequest("missing key".into()))?;
                let item = load(conn, &key)?;
                let condition = match action {
                    WriteAction::Put(p) => p.condition.clone(),
                    WriteAction::Update(u) => u.condition.clone(),
                    WriteAction::Delete(d) => d.condition.clone(),
                    WriteAction::Check(c) => Some(c.condition.clone()),
                };
                reasons.push(if check(&condition, item.as_ref())? {
                    CancelReason::None
                } else {
                    CancelReason::ConditionFailed
                });
                current.push(item);
            }
            if reasons.iter().any(|r| *r != CancelReason::None) {
                if reasons.contains(&CancelReason::ConditionFailed) {
                    crm_domain::metrics::condition_conflict();
                }
                return Err(StoreError::TransactionCanceled(reasons));
            }
            for (action, item) in actions.iter().zip(current) {
                match action {
                    WriteAction::Put(p) => save(conn, &p.item, item.as_ref())?,
                    WriteAction::Update(u) => {
                        save(conn, &updated(item.as_ref(), u)?, item.as_ref())?
                    }
                    WriteAction::Delete(d) => remove(conn, &d.key)?,
                    WriteAction::Check(_) => {}
                }
            }
            Ok(())
        })
        .await
    }
}
