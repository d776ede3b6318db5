//! The signature of a webhook delivery (issue 22), the scheme Stripe uses:
//! `X-CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
//! keyed by the delivery secret. A receiver recomputes it over the raw body
//! it got, compares in constant time and refuses a `t` older than a few
//! minutes (a replay); docs/sending.md says how, and the tests' receiver
//! (`tests/tests/api/send.rs`) does it independently of this code.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header's name.
pub const HEADER: &str = "X-CRM-Signature";

/// The MAC of `"<t>.<body>"` keyed by `secret` (`None` only if the
/// library refused the key, which HMAC never does: it takes any length).
fn mac(secret: &[u8], t: i64, body: &[u8]) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The header value signing `body` at unix second `t` with `secret`.
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> Option<String> {
    let tag = mac(secret, t, body)?.finalize().into_bytes();
    Some(format!("t={t},v1={}", hex::encode(tag)))
}
