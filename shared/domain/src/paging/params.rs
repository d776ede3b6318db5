//! The guide's paging parameters (`limit`, `offset`, `cursor`) of a list
//! request, validated, and a page of results.

use crate::error::{DomainError, DomainResult};

/// Default `limit` when none is given (guide §2: 100).
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest accepted `limit`.
pub const MAX_LIMIT: u32 = 1000;
/// Largest accepted `offset` (offsets read and discard items; use `cursor` to go deeper).
pub const MAX_OFFSET: u32 = 10_000;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
