//! List pagination: the guide's `limit` / `offset` ([`params`]), plus an
//! opaque cursor that wraps where the store's reading stopped
//! ([`cursor`]); one partition read page by page, or a write-sharded list's
//! shards merged ([`sharded`]).

use serde::Serialize;

use crate::budget::{json_size, MAX_RESPONSE_BYTES};
use crate::error::{DomainError, DomainResult};
use crate::keys::WRITE_SHARDS;
use crate::store::{string_attr, AttributeValue, Item, Store};

mod cursor;
mod params;
mod sharded;

pub use cursor::Source;
use cursor::{decode_cursor, encode_cursor};
pub use params::{ListParams, Listed, DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET};
pub(crate) use sharded::Merge;
pub use sharded::ShardedQuery;

/// Most store pages one list request reads (bounds the work of sparse filters).
pub const MAX_QUERY_CALLS: usize = 12;
/// Items one store page evaluates (DynamoDB's 1 MB page cap may cut it shorter).
pub const STORE_PAGE: u32 = 1000;

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
