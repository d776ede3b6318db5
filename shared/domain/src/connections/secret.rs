//! A connection's `api_secret`: 256 random bits from the operating system,
//! base64url; stored only as its SHA-256 and checked in constant time.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{DomainError, DomainResult};

/// A new secret (43 characters of base64url) and its stored form (hex SHA-256).
pub(crate) fn generate() -> DomainResult<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| DomainError::corrupt(format!("no randomness for a secret: {e}")))?;
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let stored = digest_hex(&secret);
    Ok((secret, stored))
}

/// Lowercase hex SHA-256 of `secret`.
pub(crate) fn digest_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `presented` is the secret whose digest is `stored`, compared in
/// constant time.
pub(crate) fn matches(presented: &str, stored: &str) -> bool {
    digest_hex(presented)
        .as_bytes()
        .ct_eq(stored.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_url_safe_and_checked_by_digest() {
        let (a, stored) = generate().unwrap();
        let (b, _) = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&a));
        assert!(matches(&a, &stored));
        assert!(!matches(&b, &stored));
        assert!(!matches("", &stored));
    }
}
