//! API keys: stored only as SHA-256 digests and compared in constant time.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

use crate::error::ApiError;

/// Header carrying the key (guide: Authentication).
pub const HEADER: &str = "x-api-key";

/// Accepted API keys, as SHA-256 digests.
#[derive(Clone, Default)]
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys)", self.digests.len())
    }
}

/// SHA-256 of `key`.
pub fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Lowercase hex of a digest (how digests are stored in files and settings).
pub fn to_hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hex characters into a digest.
pub fn from_hex(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl ApiKeys {
    /// Accepts these plaintext keys (hashed at once; blanks are ignored).
    pub fn from_plaintext<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            digests: keys
                .into_iter()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(digest)
                .collect(),
        }
    }

    /// Accepts keys whose SHA-256 digests these are.
    pub fn from_digests(digests: impl IntoIterator<Item = [u8; 32]>) -> Self {
        Self {
            digests: digests.into_iter().collect(),
        }
    }

    /// How many keys are accepted.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    /// True when no key is accepted (every request is refused).
    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `presented` is one of the keys. Compares every digest in
    /// constant time, without stopping at a match.
    pub fn verify(&self, presented: &str) -> bool {
        let d = digest(presented);
        let mut found = Choice::from(0);
        for known in &self.digests {
            found |= known.ct_eq(&d);
        }
        found.into()
    }
}

/// How requests are authenticated.
#[derive(Clone, Debug)]
pub enum Auth {
    /// This process checks `x-api-key` against these keys (local-api, tests).
    Keys(ApiKeys),
    /// API Gateway already checked the key (`ApiKeyRequired: true`); nothing to do here.
    Gateway,
}

/// Paths that need no API key: liveness, the API description, and seed
/// 002's ingest endpoint, whose `x-api-key` is a connection's secret that
/// its handler checks (on AWS its route has `ApiKeyRequired: false`).
pub const PUBLIC_PATHS: [&str; 3] = ["/health", "/openapi.json", "/functions/v1/messaging-ingest"];

/// Middleware: 401 unless the request carries an accepted key (public paths excepted).
pub async fn layer(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    if let Auth::Keys(keys) = &auth {
        if !PUBLIC_PATHS.contains(&request.uri().path()) {
            let ok = request
                .headers()
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|k| keys.verify(k));
            if !ok {
                return ApiError::Unauthorized.into_response();
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_verify_by_digest() {
        let keys = ApiKeys::from_plaintext(["alpha", " beta ", ""]);
        assert_eq!(keys.len(), 2);
        assert!(keys.verify("alpha"));
        assert!(keys.verify("beta"));
        assert!(!keys.verify("gamma"));
        assert!(!keys.verify(""));
        assert!(!ApiKeys::default().verify("alpha"));
        let d = digest("alpha");
        assert_eq!(from_hex(&to_hex(&d)), Some(d));
        assert_eq!(from_hex("zz"), None);
        assert!(ApiKeys::from_digests([d]).verify("alpha"));
    }
}
