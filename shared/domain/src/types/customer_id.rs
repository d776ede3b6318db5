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
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        match raw.trim().parse::<i64>() {
            Ok(id) if id > 0 => Ok(Self(id)),
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
        assert_eq!(CustomerId::parse("id", " 42 ").unwrap().get(), 42);
        for bad in ["0", "-3", "abc", "", "1.5", "99999999999999999999"] {
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
