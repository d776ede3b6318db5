//! API keys: stored only as SHA-256 digests and compared in constant time.

use axum::extract::{MatchedPath, Request, State};
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

/// Routes that need no API key, as (method, route template): liveness, the
/// API description, seed 002's ingest endpoint (its `x-api-key` is a
/// connection's secret that its handler checks) and Twilio's callbacks
/// (signed with `X-Twilio-Signature`, checked by their handlers). On AWS
/// exactly these have `ApiKeyRequired: false` (a test holds the template to
/// this list). `None` for the method: any method.
pub const PUBLIC_ROUTES: [(Option<&str>, &str); 6] = [
    (None, "/health"),
    (None, "/openapi.json"),
    (Some("POST"), "/functions/v1/messaging-ingest"),
    (Some("POST"), "/messages/{log_id}/status"),
    (Some("POST"), "/webhooks/twilio/status"),
    (Some("POST"), "/webhooks/twilio/messages"),
];

/// Whether `method` on route `template` needs no API key.
pub fn is_public(method: &str, template: &str) -> bool {
    PUBLIC_ROUTES
        .iter()
        .any(|(m, p)| *p == template && m.is_none_or(|m| m == method))
}

/// Middleware: 401 unless the request carries an accepted key (public routes excepted).
pub async fn layer(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    if let Auth::Keys(keys) = &auth {
        // The route template when a route matched (so `/messages/7/status`
        // is `/messages/{log_id}/status`), else the path itself.
        let template = request
            .extensions()
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(|| request.uri().path().to_string());
        if !is_public(request.method().as_str(), &template) {
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
