//! [`ContextId`]: a conversation's UUID, valid by construction (guide §8–9, §20–26).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// A conversation id (`context_id`): a UUID, kept in its lowercase hyphenated
/// form (`0190c3e2-…`), which is how it is stored, keyed and returned.
/// New ids are UUIDv7: time-ordered and monotonic within one process.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContextId(String);

impl ContextId {
    /// Reads `raw` (a path segment or body field named `field`): a 400 on
    /// `field` unless it is a hyphenated UUID (`550e8400-e29b-41d4-a716-446655440000`,
    /// any case), the OpenAPI `format: uuid` of [`super::schema::uuid`].
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        let hyphenated =
            raw.len() == 36 && [8, 13, 18, 23].iter().all(|&i| raw.as_bytes()[i] == b'-');
        hyphenated
            .then(|| Uuid::parse_str(raw).ok())
            .flatten()
            .ok_or(())
            .map(|u| Self(u.hyphenated().to_string()))
            .map_err(|_| {
                DomainError::invalid(
                    field,
                    format!("`{field}` must be a conversation id (UUID), got {raw:?}"),
                )
            })
    }

    /// A new, time-ordered id (UUIDv7). Two conversations opened in the same
    /// millisecond by one process still sort in creation order.
    pub fn generate() -> Self {
        Self(Uuid::now_v7().hyphenated().to_string())
    }

    /// The hyphenated form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl utoipa::PartialSchema for ContextId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::schema::uuid("A conversation id (`context_id`): a hyphenated UUID.").into()
    }
}

impl utoipa::ToSchema for ContextId {}

impl std::fmt::Display for ContextId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ContextId {
    type Error = DomainError;
    fn try_from(raw: String) -> DomainResult<Self> {
        Self::parse("context_id", &raw)
    }
}

impl From<ContextId> for String {
    fn from(id: ContextId) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_kept_lowercase_hyphenated() {
        let id = ContextId::parse("context_id", "550E8400-E29B-41D4-A716-446655440000").unwrap();
        assert_eq!(id.as_str(), "550e8400-e29b-41d4-a716-446655440000");
        for bad in [
            "not-a-uuid",
            "550e8400e29b41d4a716446655440000",
            " 550e8400-e29b-41d4-a716-446655440000",
            "{550e8400-e29b-41d4-a716-446655440000}",
            "urn:uuid:550e8400-e29b-41d4-a716-446655440000",
            "550e8400-e29b-41d4-a716-44665544000g",
        ] {
            assert!(ContextId::parse("context_id", bad).is_err(), "{bad}");
        }
        assert_ne!(ContextId::generate(), ContextId::generate());
    }
}
