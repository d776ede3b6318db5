//! [`LogId`]: a message's integer id, valid by construction (guide §10–19).

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

/// A message id (`log_id`): a positive integer allocated by the `log_id`
/// counter and never reused. Parsed once from the path; every rule takes
/// this type. Stored and serialized as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LogId(i64);

impl LogId {
    /// Reads a `log_id` path segment: a 400 on `log_id` unless it is a positive integer.
    /// Exactly ASCII digits, as for [`super::CustomerId::parse`].
    pub fn parse(raw: &str) -> DomainResult<Self> {
        match super::customer_id::digits(raw).and_then(|d| d.parse::<i64>().ok()) {
            Some(id) if id > 0 => Ok(Self(id)),
            _ => Err(DomainError::invalid(
                "log_id",
                format!("`log_id` must be a positive integer, got {raw:?}"),
            )),
        }
    }

    /// An id the store allocated (always positive).
    pub(crate) fn allocated(value: i64) -> Self {
        Self(value)
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl utoipa::PartialSchema for LogId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::schema::positive_id(
            "A message id: a positive integer, allocated once and never reused (guide §10).",
        )
        .into()
    }
}

impl utoipa::ToSchema for LogId {}

impl std::fmt::Display for LogId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_integers_are_log_ids() {
        assert_eq!(LogId::parse("12").unwrap().get(), 12);
        for bad in ["0", "-1", "x", "", " 12", "+12"] {
            assert!(
                matches!(LogId::parse(bad), Err(DomainError::Invalid { ref field, .. }) if field == "log_id"),
                "{bad:?}"
            );
        }
    }
}
