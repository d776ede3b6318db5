//! What a list reads ([`Source`]) and its opaque cursors: base64url of
//! `{"q": <query fingerprint>, "k": {<key attrs>}}` — the item's key
//! attributes on one partition, its sort key on a write-sharded list. The
//! fingerprint ties a cursor to the list and filters it came from: a cursor
//! replayed on another list, or edited, is a 400 rather than a wrong page.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use super::ShardedQuery;
use crate::error::{DomainError, DomainResult};
use crate::store::{string_attr, AttributeValue, Item, Query, PK, SK};

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
    pub(super) fn cursor_attrs(&self) -> Vec<&'static str> {
        match self {
            Source::One(q) => key_attrs(q),
            Source::Sharded(q) => vec![q.sort_attr()],
        }
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

pub(super) fn encode_cursor(source: &Source, item: &Item) -> Option<String> {
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

pub(super) fn decode_cursor(source: &Source, cursor: &str) -> DomainResult<Item> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{s, Index};

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
