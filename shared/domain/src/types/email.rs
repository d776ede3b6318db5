//! [`EmailAddress`]: an email address, valid by construction (guide §1).

use crate::error::{DomainError, DomainResult};

/// Longest accepted email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// An email address of plausible shape (`local@domain.tld`, no spaces), as given
/// (trimmed). Matching is case-insensitive through [`EmailAddress::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks the shape; errors name `field`.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        let value = raw.trim();
        let bad = |why: &str| {
            DomainError::invalid(
                field,
                format!("`{field}` is not a valid email address: {why}"),
            )
        };
        if value.is_empty() {
            return Err(bad("it is empty"));
        }
        if raw.chars().count() > MAX_EMAIL_LEN {
            return Err(bad("it is longer than 254 characters"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains whitespace"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(bad("it has no `@`"));
        };
        if local.is_empty() || domain.contains('@') {
            return Err(bad("expected exactly one `@` with text before it"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
        {
            return Err(bad("the domain must look like `example.com`"));
        }
        Ok(Self(value.to_string()))
    }

    /// The address as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercase form used for uniqueness and lookups.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        assert_eq!(
            EmailAddress::parse("email", " John@Example.com ")
                .unwrap()
                .as_str(),
            "John@Example.com"
        );
        assert_eq!(
            EmailAddress::parse("email", "John@Example.com")
                .unwrap()
                .key(),
            "john@example.com"
        );
        for bad in [
            "",
            "john",
            "john@",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@example..com",
            "a@-x.com",
        ] {
            let err = EmailAddress::parse("email", bad).unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { ref field, .. } if field == "email"),
                "{bad}: {err:?}"
            );
        }
        assert!(EmailAddress::parse("email", &format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
