//! List pagination: the guide's `limit` / `offset`, plus an opaque cursor that
//! wraps the store's `LastEvaluatedKey`.
//!
//! A cursor is base64url of `{"q": <query fingerprint>, "k": {<key attrs>}}`.
//! The fingerprint ties it to the list and filters it came from: a cursor
//! replayed on another list, or edited, is a 400 rather than a wrong page.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use crate::budget::{json_size, MAX_RESPONSE_BYTES};
use crate::error::{DomainError, DomainResult};
use crate::keys::WRITE_SHARDS;
use crate::store::{string_attr, AttributeValue, Item, Query, Store, PK, SK};

mod sharded;

pub(crate) use sharded::Merge;
pub use sharded::ShardedQuery;

/// What a list reads: one partition, or every shard of a write-sharded list.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// One partition of the table or of a GSI.
    One(Query),
    /// A write-sharded list, merged in sort-key order.
    Sharded(ShardedQuery),
}

impl From<Query> for Source {
    fn from(q: Query) -> Self {
        Source::One(q)
    }
}

impl From<ShardedQuery> for Source {
    fn from(q: ShardedQuery) -> Self {
        Source::Sharded(q)
    }
}

impl Source {
    /// The query (of one shard's shape, for a sharded list).
    pub fn query(&self) -> &Query {
        match self {
            Source::One(q) => q,
            Source::Sharded(q) => q,
        }
    }

    /// The query, to set a filter or the direction.
    pub fn query_mut(&mut self) -> &mut Query {
        match self {
            Source::One(q) => q,
            Source::Sharded(q) => q,
        }
    }

    /// The attributes a cursor of this list carries: the item's key
    /// attributes on one partition, its sort key on a sharded list.
    fn cursor_attrs(&self) -> Vec<&'static str> {
        match self {
            Source::One(q) => key_attrs(q),
            Source::Sharded(q) => vec![q.sort_attr()],
        }
    }
}

/// Default `limit` when none is given (guide §2: 100).
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest accepted `limit`.
pub const MAX_LIMIT: u32 = 1000;
/// Largest accepted `offset` (offsets read and discard items; use `cursor` to go deeper).
pub const MAX_OFFSET: u32 = 10_000;
/// Most store pages one list request reads (bounds the work of sparse filters).
pub const MAX_QUERY_CALLS: usize = 12;
/// Items one store page evaluates (DynamoDB's 1 MB page cap may cut it shorter).
pub const STORE_PAGE: u32 = 1000;

/// Validated paging parameters of one list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    /// Items to return, 1..=1000.
    pub limit: u32,
    /// Items to skip first, 0..=10000 (applied after `cursor`).
    pub offset: u32,
    /// Where the previous page ended (`next_cursor` of a previous response).
    pub cursor: Option<String>,
}

impl Default for ListParams {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            offset: 0,
            cursor: None,
        }
    }
}

impl ListParams {
    /// Parses the raw query-string values; errors name the parameter.
    pub fn parse(
        limit: Option<&str>,
        offset: Option<&str>,
        cursor: Option<&str>,
    ) -> DomainResult<Self> {
        // Exactly digits, as the OpenAPI `integer` says: no sign, no spaces, not empty.
        let number = |raw: &str| {
            (!raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()))
                .then(|| raw.parse::<u32>().ok())
                .flatten()
        };
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => match number(raw) {
                Some(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(DomainError::invalid(
                        "limit",
                        format!("`limit` must be an integer from 1 to {MAX_LIMIT}, got {raw:?}"),
                    ))
                }
            },
        };
        let offset = match offset {
            None => 0,
            Some(raw) => match number(raw) {
                Some(n) if n <= MAX_OFFSET => n,
                _ => {
                    return Err(DomainError::invalid(
                        "offset",
                        format!("`offset` must be an integer from 0 to {MAX_OFFSET} (use `cursor` to page further), got {raw:?}"),
                    ))
                }
            },
        };
        let cursor = cursor
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        Ok(Self {
            limit,
            offset,
            cursor,
        })
    }
}

/// One page of a list: the items and, when more may follow, the cursor to the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    /// The page's records.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `None` at the end.
    pub next_cursor: Option<String>,
}

impl<T> Listed<T> {
    /// Converts every item, keeping the cursor.
    pub fn try_map<U>(self, f: impl FnMut(T) -> DomainResult<U>) -> DomainResult<Listed<U>> {
        Ok(Listed {
            items: self.items.into_iter().map(f).collect::<DomainResult<_>>()?,
            next_cursor: self.next_cursor,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct CursorBody {
    q: String,
    k: BTreeMap<String, String>,
}

fn fingerprint(query: &Query) -> String {
    let filter = format!(
        "{:?}|{:?}|{:?}|{}|{}",
        query.index, query.sort, query.filter, query.forward, query.partition
    );
    let digest = Sha256::digest(filter.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn key_attrs(query: &Query) -> Vec<&'static str> {
    let mut attrs = vec![PK, SK];
    if let Some(index) = query.index {
        attrs.push(index.pk_attr());
        attrs.push(index.sk_attr());
    }
    attrs
}

fn encode_cursor(source: &Source, item: &Item) -> Option<String> {
    let query = source.query();
    let mut k = BTreeMap::new();
    for attr in source.cursor_attrs() {
        k.insert(attr.to_string(), string_attr(item, attr)?.to_string());
    }
    let body = serde_json::to_vec(&CursorBody {
        q: fingerprint(query),
        k,
    })
    .ok()?;
    Some(URL_SAFE_NO_PAD.encode(body))
}

fn decode_cursor(source: &Source, cursor: &str) -> DomainResult<Item> {
    let query = source.query();
    let bad = || {
        DomainError::invalid("cursor", "`cursor` is not a cursor of this list; pass `next_cursor` from the previous page unchanged, with the same filters")
    };
    let raw = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| bad())?;
    let body: CursorBody = serde_json::from_slice(&raw).map_err(|_| bad())?;
    if body.q != fingerprint(query) {
        return Err(bad());
    }
    let attrs = source.cursor_attrs();
    if body.k.len() != attrs.len() || attrs.iter().any(|a| !body.k.contains_key(*a)) {
        return Err(bad());
    }
    let partition_attr = query.index.map(|i| i.pk_attr()).unwrap_or(PK);
    if matches!(source, Source::One(_)) && body.k.get(partition_attr) != Some(&query.partition) {
        return Err(bad());
    }
    Ok(body
        .k
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

/// Runs `query` page by page until `params.offset + params.limit` items are
/// collected, the partition ends, or [`MAX_QUERY_CALLS`] pages were read;
/// returns the requested window and a cursor when more may follow.
///
/// `query.limit` is ignored (set per page). Store calls: at most
/// [`MAX_QUERY_CALLS`]; on a sharded list one per shard, and at most
/// [`MAX_QUERY_CALLS`] more with a filter ([`sharded_call_budget`]).
pub async fn list(
    store: &dyn Store,
    source: impl Into<Source>,
    params: &ListParams,
) -> DomainResult<Listed<Item>> {
    let source = source.into();
    let mut query = match &source {
        Source::One(q) => q.clone(),
        Source::Sharded(q) => return list_sharded(store, q.clone(), params).await,
    };
    let template = source.clone();
    if let Some(cursor) = &params.cursor {
        query.start_key = Some(decode_cursor(&template, cursor)?);
    }
    let want = (params.offset + params.limit) as usize;
    let mut collected: Vec<Item> = Vec::new();
    let mut last_key: Option<Item> = None;
    for _ in 0..MAX_QUERY_CALLS {
        let remaining = want + 1 - collected.len();
        query.limit = if query.filter.is_some() {
            STORE_PAGE
        } else {
            (remaining as u32).min(STORE_PAGE)
        };
        let page = store.query(query.clone()).await.map_err(|e| match e {
            crate::store::StoreError::InvalidRequest(_) if params.cursor.is_some() => DomainError::invalid(
                "cursor",
                "`cursor` is not a cursor of this list; pass `next_cursor` from the previous page unchanged",
            ),
            other => other.into(),
        })?;
        collected.extend(page.items);
        last_key = page.last_evaluated_key;
        if collected.len() > want || last_key.is_none() {
            break;
        }
        query.start_key = last_key.clone();
    }
    let more = collected.len() > want || last_key.is_some();
    collected.truncate(want);
    let items: Vec<Item> = collected.into_iter().skip(params.offset as usize).collect();
    let next_cursor = if !more {
        None
    } else if let Some(last) = items.last() {
        encode_cursor(&template, last)
    } else {
        last_key.as_ref().and_then(|k| encode_cursor(&template, k))
    };
    Ok(Listed { items, next_cursor })
}

/// Store calls a sharded list may make: one page of each shard, and with a
/// filter up to [`MAX_QUERY_CALLS`] further pages.
pub fn sharded_call_budget(filtered: bool) -> usize {
    usize::from(WRITE_SHARDS) + if filtered { MAX_QUERY_CALLS } else { 0 }
}

/// [`list`] of a sharded list: the merge of its shards (`sharded.rs`).
async fn list_sharded(
    store: &dyn Store,
    mut query: ShardedQuery,
    params: &ListParams,
) -> DomainResult<Listed<Item>> {
    let source = Source::Sharded(query.clone());
    let after = match &params.cursor {
        Some(cursor) => {
            let key = decode_cursor(&source, cursor)?;
            string_attr(&key, query.sort_attr()).map(str::to_string)
        }
        None => None,
    };
    let want = (params.offset + params.limit) as usize;
    let filtered = query.filter.is_some();
    query.limit = match filtered {
        true => STORE_PAGE,
        false => (want as u32 + 1).min(STORE_PAGE),
    };
    let mut merge = Merge::new(store, query, after, sharded_call_budget(filtered))?;
    let mut collected = merge.take(want + 1).await?;
    let more = collected.len() > want || merge.more();
    collected.truncate(want);
    let next_cursor = match (more, collected.last()) {
        (false, _) => None,
        (true, Some(last)) => encode_cursor(&source, last),
        (true, None) => merge.bound().and_then(|b| {
            let attr = source.cursor_attrs()[0];
            encode_cursor(
                &source,
                &Item::from([(attr.to_string(), AttributeValue::S(b.into()))]),
            )
        }),
    };
    let items = collected.into_iter().skip(params.offset as usize).collect();
    Ok(Listed { items, next_cursor })
}

/// As [`list`], then each item made into `T` by `map`, and the page cut
/// before the item that would carry the serialized items past
/// [`MAX_RESPONSE_BYTES`]: what fits is answered with a `next_cursor` that
/// continues right after the last item returned (at least one item always
/// fits: an item is at most 256 KiB of body and 16 KiB of metadata).
pub async fn list_as<T: Serialize>(
    store: &dyn Store,
    source: impl Into<Source>,
    params: &ListParams,
    mut map: impl FnMut(Item) -> DomainResult<T>,
) -> DomainResult<Listed<T>> {
    let template = source.into();
    let page = list(store, template.clone(), params).await?;
    let mut items = Vec::with_capacity(page.items.len());
    let mut bytes = 0usize;
    let attrs = template.cursor_attrs();
    // The key attributes of the last item kept: the cursor is encoded only
    // if the page is cut there.
    let mut last_kept: Item = Item::new();
    for item in page.items {
        let key: Item = attrs
            .iter()
            .filter_map(|a| item.get(*a).map(|v| (a.to_string(), v.clone())))
            .collect();
        let value = map(item)?;
        bytes = bytes.saturating_add(json_size(&value));
        if bytes > MAX_RESPONSE_BYTES && !items.is_empty() {
            return Ok(Listed {
                items,
                next_cursor: encode_cursor(&template, &last_kept),
            });
        }
        items.push(value);
        last_kept = key;
    }
    Ok(Listed {
        items,
        next_cursor: page.next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{s, Index};

    #[test]
    fn limits_and_offsets_are_checked() {
        assert_eq!(
            ListParams::parse(None, None, None).unwrap(),
            ListParams::default()
        );
        assert_eq!(
            ListParams::parse(Some("5"), Some("10"), Some(""))
                .unwrap()
                .limit,
            5
        );
        for (limit, offset) in [
            (Some("0"), None),
            (Some("1001"), None),
            (Some("-1"), None),
            (Some("abc"), None),
            (Some("1e3"), None),
            (None, Some("-1")),
            (None, Some("10001")),
            (None, Some("99999999999999999999")),
            (Some(""), None),
            (Some(" 5"), None),
            (Some("+5"), None),
            (None, Some("")),
        ] {
            let err = ListParams::parse(limit, offset, None).unwrap_err();
            let DomainError::Invalid { field, .. } = err else {
                panic!("not invalid")
            };
            assert_eq!(field, if limit.is_some() { "limit" } else { "offset" });
        }
    }

    #[test]
    fn cursors_round_trip_and_reject_other_queries() {
        let q = Query::new(Some(Index::Gsi1), "CUSTOMERS");
        let item: Item = [
            ("PK", "CUSTOMER#1"),
            ("SK", "PROFILE"),
            (Index::Gsi1.pk_attr(), "CUSTOMERS"),
            (Index::Gsi1.sk_attr(), "0001"),
            ("name", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), s(v)))
        .collect();
        let q = Source::from(q);
        let c = encode_cursor(&q, &item).unwrap();
        let key = decode_cursor(&q, &c).unwrap();
        assert_eq!(key.len(), 4);
        assert!(!key.contains_key("name"));
        let other = Source::from(Query::new(Some(Index::Gsi1), "CONTEXTS"));
        assert!(decode_cursor(&other, &c).is_err());
        let mut filtered = q.query().clone();
        filtered.filter = Some(crate::store::Condition::Contains(
            "name_lc".into(),
            "x".into(),
        ));
        assert!(decode_cursor(&Source::from(filtered), &c).is_err());
        assert!(decode_cursor(&q, "not-a-cursor!").is_err());
        assert!(decode_cursor(&q, &URL_SAFE_NO_PAD.encode(b"{\"q\":1}")).is_err());
    }
}
