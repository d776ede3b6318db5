//! Reading a write-sharded list (issue 21, `docs/data-model.md` "Write
//! sharding"): the same query on each shard partition `<list>#<nn>`,
//! merged in sort-key order.
//!
//! Every shard is read once (concurrently); the merge then knows every item
//! up to the *bound* — the nearest point any unfinished shard has read to
//! (its `LastEvaluatedKey`). Items before the bound are certain and leave
//! in order; when fewer are certain than wanted, the shard holding the
//! bound reads its next page. Sort keys of a sharded list are unique
//! (`<log_id:020>`, `<created_at>#<context_id>`), so a cursor is the last
//! sort key returned and each shard resumes strictly after it.

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};

use futures::future::join_all;

use crate::error::{DomainError, DomainResult};
use crate::keys::{shard_partition, Index, WRITE_SHARDS};
use crate::store::{string_attr, Item, Page, Query, SortCondition, Store, SK};

/// A query of a write-sharded list: `query.partition` is the list's name
/// (`LOGS` …), run on each of its [`WRITE_SHARDS`] partitions and merged.
/// Derefs to the [`Query`], so a caller sets filters and direction as on one.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardedQuery(Query);

impl ShardedQuery {
    /// List `list` (`LOGS` …) of `index`, ascending, no filter.
    pub fn new(index: Index, list: &str) -> Self {
        Self(Query::new(Some(index), list))
    }

    /// The query of shard `shard`.
    pub fn shard(&self, shard: u16) -> Query {
        let mut q = self.0.clone();
        q.partition = shard_partition(&self.0.partition, shard);
        q
    }

    /// Every shard's query.
    pub fn shards(&self) -> impl Iterator<Item = Query> + '_ {
        (0..WRITE_SHARDS).map(|n| self.shard(n))
    }

    /// The sort-key attribute the shards merge on.
    pub(crate) fn sort_attr(&self) -> &'static str {
        self.0.index.map(Index::sk_attr).unwrap_or(SK)
    }
}

impl Deref for ShardedQuery {
    type Target = Query;
    fn deref(&self) -> &Query {
        &self.0
    }
}

impl DerefMut for ShardedQuery {
    fn deref_mut(&mut self) -> &mut Query {
        &mut self.0
    }
}

#[derive(Default)]
struct Shard {
    /// Items read and not yet taken, in the query's order, with their sort key.
    buffered: VecDeque<(String, Item)>,
    /// Where the next page starts.
    start: Option<Item>,
    /// The sort key this shard has read to (its `LastEvaluatedKey`'s).
    frontier: Option<String>,
    read: bool,
    done: bool,
}

/// A merge over every shard of a [`ShardedQuery`], taken from in order.
pub(crate) struct Merge<'a> {
    store: &'a dyn Store,
    query: ShardedQuery,
    shards: Vec<Shard>,
    calls: usize,
    max_calls: usize,
}

impl<'a> Merge<'a> {
    /// A merge of `query`'s shards starting strictly after sort key `after`
    /// (a cursor), making at most `max_calls` store calls (at least one per
    /// shard). `query.limit` is each page's.
    ///
    /// Errors: a cursor on a query that has its own sort condition (400).
    pub(crate) fn new(
        store: &'a dyn Store,
        mut query: ShardedQuery,
        after: Option<String>,
        max_calls: usize,
    ) -> DomainResult<Self> {
        if let Some(after) = after {
            if query.sort.is_some() {
                return Err(DomainError::invalid("cursor", "this list takes no cursor"));
            }
            query.sort = Some(match query.forward {
                true => SortCondition::Gt(after),
                false => SortCondition::Lt(after),
            });
        }
        Ok(Self {
            store,
            query,
            shards: (0..WRITE_SHARDS).map(|_| Shard::default()).collect(),
            calls: 0,
            max_calls: max_calls.max(usize::from(WRITE_SHARDS)),
        })
    }

    /// The nearest point an unfinished shard has read to: every item before
    /// it is known. `None` when every shard is read to its end.
    pub(crate) fn bound(&self) -> Option<&str> {
        let frontiers = self
            .shards
            .iter()
            .filter(|s| !s.done)
            .filter_map(|s| s.frontier.as_deref());
        match self.query.forward {
            true => frontiers.min(),
            false => frontiers.max(),
        }
    }

    /// Whether items may remain (buffered, or in a shard not read to its end).
    pub(crate) fn more(&self) -> bool {
        self.shards
            .iter()
            .any(|s| !s.done || !s.buffered.is_empty())
    }

    fn before_bound(&self, sk: &str, bound: Option<&str>) -> bool {
        match (bound, self.query.forward) {
            (None, _) => true,
            (Some(b), true) => sk <= b,
            (Some(b), false) => sk >= b,
        }
    }

    /// Reads shard `shard`'s next page into its buffer.
    async fn read(&mut self, shard: u16) -> DomainResult<()> {
        let mut q = self.query.shard(shard);
        q.start_key = self.shards[usize::from(shard)].start.take();
        let page = self.store.query(q).await?;
        self.absorb(shard, page);
        Ok(())
    }

    fn absorb(&mut self, shard: u16, page: Page) {
        self.calls += 1;
        let attr = self.query.sort_attr();
        let state = &mut self.shards[usize::from(shard)];
        state.read = true;
        for item in page.items {
            let sk = string_attr(&item, attr).unwrap_or_default().to_string();
            state.buffered.push_back((sk, item));
        }
        state.frontier = page
            .last_evaluated_key
            .as_ref()
            .and_then(|k| string_attr(k, attr))
            .map(str::to_string);
        state.done = state.frontier.is_none();
        state.start = page.last_evaluated_key;
    }

    /// Takes up to `want` items in sort-key order: fewer only when the
    /// shards are exhausted or the store-call budget is spent.
    pub(crate) async fn take(&mut self, want: usize) -> DomainResult<Vec<Item>> {
        // The first take reads every shard at once.
        let unread: Vec<u16> = (0..WRITE_SHARDS)
            .filter(|n| !self.shards[usize::from(*n)].read)
            .collect();
        let pages = join_all(
            unread
                .iter()
                .map(|n| self.store.query(self.query.shard(*n))),
        )
        .await;
        for (n, page) in unread.into_iter().zip(pages) {
            self.absorb(n, page?);
        }
        loop {
            let bound = self.bound().map(str::to_string);
            let certain = self
                .shards
                .iter()
                .flat_map(|s| s.buffered.iter())
                .filter(|(sk, _)| self.before_bound(sk, bound.as_deref()))
                .count();
            if certain >= want || bound.is_none() || self.calls >= self.max_calls {
                break;
            }
            // The shard holding the bound reads on.
            let holder = (0..WRITE_SHARDS).find(|n| {
                let s = &self.shards[usize::from(*n)];
                !s.done && s.frontier.as_deref() == bound.as_deref()
            });
            match holder {
                Some(n) => self.read(n).await?,
                None => break,
            }
        }
        let bound = self.bound().map(str::to_string);
        let mut out = Vec::with_capacity(want);
        while out.len() < want {
            let forward = self.query.forward;
            let next = self
                .shards
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.buffered.front().map(|(sk, _)| (i, sk)))
                .filter(|(_, sk)| self.before_bound(sk, bound.as_deref()))
                .min_by(|a, b| match forward {
                    true => a.1.cmp(b.1),
                    false => b.1.cmp(a.1),
                })
                .map(|(i, _)| i);
            match next.and_then(|i| self.shards[i].buffered.pop_front()) {
                Some((_, item)) => out.push(item),
                None => break,
            }
        }
        Ok(out)
    }
}
