//! [`CustomerId`]: a customer's integer id, valid by construction (guide §1–7).

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

/// A customer id: a positive integer allocated by the `customer_id` counter
/// and never reused. Parsed once where it enters (path segment, query value or
/// body field); every rule takes this type, never a raw number.
///
/// Stored and serialized as a JSON / DynamoDB number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomerId(i64);

impl CustomerId {
    /// Reads a path segment or query value named `field`; a 400 on `field`
    /// unless it is a positive integer.
    /// Exactly ASCII digits (the OpenAPI `integer` of [`super::schema::positive_id`]):
    /// no sign, no spaces.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        match digits(raw).and_then(|d| d.parse::<i64>().ok()) {
            Some(id) if id > 0 => Ok(Self(id)),
            _ => Err(DomainError::invalid(
                field,
                format!("`{field}` must be a positive integer customer id, got {raw:?}"),
            )),
        }
    }

    /// Checks a number from a JSON body field named `field`: a 400 unless positive.
    pub fn from_body(field: &str, value: i64) -> DomainResult<Self> {
        if value > 0 {
            Ok(Self(value))
        } else {
            Err(DomainError::invalid(
                field,
                format!("`{field}` must be a positive integer"),
            ))
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

/// `raw` when it is one or more ASCII digits.
pub(crate) fn digits(raw: &str) -> Option<&str> {
    (!raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit())).then_some(raw)
}

impl utoipa::PartialSchema for CustomerId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::schema::positive_id(
            "A customer id: a positive integer, allocated once and never reused (guide §1).",
        )
        .into()
    }
}

impl utoipa::ToSchema for CustomerId {}

impl std::fmt::Display for CustomerId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_positive_integers_are_customer_ids() {
        assert_eq!(CustomerId::parse("id", "42").unwrap().get(), 42);
        assert_eq!(CustomerId::parse("id", "0042").unwrap().get(), 42);
        for bad in [
            "0",
            "-3",
            "abc",
            "",
            "1.5",
            "99999999999999999999",
            " 42",
            "+42",
            "4 2",
        ] {
            let err = CustomerId::parse("customer_id", bad).unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { ref field, .. } if field == "customer_id"),
                "{bad:?}: {err:?}"
            );
        }
        assert!(CustomerId::from_body("customer_id", 0).is_err());
        assert_eq!(
            CustomerId::from_body("customer_id", 7).unwrap().to_string(),
            "7"
        );
    }
}
