//! `Idempotency-Key` (issue 11, Stripe's semantics): a creating `POST`
//! retried with the same key answers what the first one answered, and does
//! its work once.
//!
//! | PK | SK |
//! |---|---|
//! | `IDEMPOTENCY#<scope>#<key>` | `IDEMPOTENCY` |
//!
//! - **Scope**: the caller's API key (its SHA-256, 16 hex digits), so two
//!   clients can use the same key without meeting.
//! - **Claim** ([`Crm::begin_idempotent`]): one `PutItem` on condition that
//!   no record holds the key, or it expired (`expires_at`, the table's TTL
//!   attribute, epoch seconds — DynamoDB deletes late, so the condition
//!   checks the time itself), or it is an abandoned claim of the same request
//!   (in flight for over [`ABANDONED_AFTER`]: the process died). The winner
//!   runs the request; a concurrent one with the same key reads the record
//!   (strongly consistent): 422 when its request differs (the fingerprint, a
//!   SHA-256 of method, route and body with JSON keys sorted), the stored
//!   answer once it is complete, [`Begin::InFlight`] while it runs (the HTTP
//!   layer waits a few seconds for it, then answers 409).
//! - **Completion** ([`Crm::finish_idempotent`]): the answer's status and
//!   body are stored for [`REPLAY_WINDOW`] (conditional on still holding the
//!   claim). A 5xx, or a 400/413/415 (the request never ran), is not stored:
//!   the claim is deleted, so a retry runs again. An answer over
//!   [`MAX_STORED_BODY`] is not stored either.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec::from_item;
use crate::error::{DomainError, DomainResult};
use crate::keys::{Entity, IndexEntry};
use crate::store::{
    n, s, CmpOp, Condition, Delete, Key, Put, ReturnValues, StoreError, Update, UpdateAction,
};
use crate::Crm;

/// How long a completed answer is replayed (24 hours, as Stripe's).
pub const REPLAY_WINDOW: time::Duration = time::Duration::hours(24);
/// A claim in flight this long is taken to be abandoned (the process died
/// before completing it) and may be claimed again by the same request.
pub const ABANDONED_AFTER: time::Duration = time::Duration::seconds(60);
/// Largest answer body stored for replay, in bytes (the creating endpoints
/// answer a few hundred bytes).
pub const MAX_STORED_BODY: usize = 64 * 1024;
/// Longest key, in characters (Stripe's limit).
pub const MAX_KEY_LEN: usize = 255;

/// A client's `Idempotency-Key`: 1–255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Reads the header's value; a 400 naming `Idempotency-Key` otherwise.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= MAX_KEY_LEN
            && raw.bytes().all(|b| (0x21..=0x7e).contains(&b));
        match ok {
            true => Ok(Self(raw.to_string())),
            false => Err(DomainError::invalid(
                "Idempotency-Key",
                format!("`Idempotency-Key` must be 1 to {MAX_KEY_LEN} printable ASCII characters without spaces, e.g. a UUID"),
            )),
        }
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The fingerprint of a request: SHA-256 (hex) of its method, route and body,
/// a JSON body with its object keys sorted (so a client that re-serializes
/// the same object in another key order still matches).
pub fn fingerprint(method: &str, route: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update(b" ");
    hash.update(route.as_bytes());
    hash.update(b"\n");
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut json) => {
            json.sort_all_objects();
            hash.update(json.to_string().as_bytes());
        }
        Err(_) => hash.update(body),
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// HTTP status.
    pub status: u16,
    /// The body (JSON text).
    pub body: String,
}

/// What to do with a request carrying a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Run it, then call [`Crm::finish_idempotent`] with this claim.
    Proceed(Claim),
    /// Answer this, as the first request did; run nothing.
    Replay(StoredAnswer),
    /// The first request with this key is still running: ask again shortly
    /// (a caller that stops waiting answers [`in_flight`]'s 409).
    InFlight,
}

/// The 409 for a key whose first request is still running.
pub fn in_flight(key: &IdempotencyKey) -> DomainError {
    DomainError::conflict(format!(
        "a request with Idempotency-Key {:?} is still in progress; retry after it finishes",
        key.as_str()
    ))
}

/// This request's hold on a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    key: Key,
    token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdempotencyRecord {
    pub scope: String,
    pub idempotency_key: String,
    pub fingerprint: String,
    /// `in_flight` or `completed`.
    pub state: String,
    pub claim_token: String,
    /// When the claim was made, epoch milliseconds.
    pub started_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The table's TTL attribute, epoch seconds.
    pub expires_at: i64,
}

impl Entity for IdempotencyRecord {
    const TYPE: &'static str = "idempotency";

    fn primary_key(&self) -> Key {
        record_key(&self.scope, &self.idempotency_key)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        Vec::new()
    }
}

fn record_key(scope: &str, key: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{scope}#{key}"), "IDEMPOTENCY")
}

const IN_FLIGHT: &str = "in_flight";
const COMPLETED: &str = "completed";

impl Crm {
    /// Claims `key` for a request with `fingerprint` in `scope`, or says what
    /// to answer instead.
    ///
    /// Store calls: 1 `PutItem`; +1 `GetItem` when the key is held.
    ///
    /// Errors: 422 when the key was used with another request.
    pub async fn begin_idempotent(
        &self,
        scope: &str,
        key: &IdempotencyKey,
        fingerprint: &str,
    ) -> DomainResult<Begin> {
        let now = self.clock.now();
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        let abandoned_before = now_ms - ABANDONED_AFTER.whole_milliseconds() as i64;
        let record = IdempotencyRecord {
            scope: scope.to_string(),
            idempotency_key: key.as_str().to_string(),
            fingerprint: fingerprint.to_string(),
            state: IN_FLIGHT.into(),
            claim_token: uuid::Uuid::new_v4().simple().to_string(),
            started_at_ms: now_ms,
            status: None,
            body: None,
            expires_at: (now + REPLAY_WINDOW).unix_timestamp(),
        };
        let put = Put {
            item: record.to_item()?,
            condition: Some(Condition::Or(vec![
                Condition::item_not_exists(),
                Condition::Cmp("expires_at".into(), CmpOp::Le, n(now.unix_timestamp())),
                Condition::And(vec![
                    Condition::eq("state", s(IN_FLIGHT)),
                    Condition::Cmp("started_at_ms".into(), CmpOp::Lt, n(abandoned_before)),
                    Condition::eq("fingerprint", s(fingerprint)),
                ]),
            ])),
        };
        let claim_key = record.primary_key();
        match self.store.put_item(put).await {
            Ok(_) => {
                return Ok(Begin::Proceed(Claim {
                    key: claim_key,
                    token: record.claim_token,
                }))
            }
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        let Some(item) = self.store.get_item(&claim_key).await? else {
            // Released (a 5xx) between the two calls: the client retries.
            return Err(DomainError::Contended);
        };
        let held: IdempotencyRecord = from_item(item)?;
        if held.fingerprint != fingerprint {
            return Err(DomainError::Unprocessable(format!(
                "Idempotency-Key {:?} was used with another request (method, path or body); use a new key for a new request",
                key.as_str()
            )));
        }
        match (held.state.as_str(), held.status, held.body) {
            (COMPLETED, Some(status), Some(body)) => {
                Ok(Begin::Replay(StoredAnswer { status, body }))
            }
            _ => Ok(Begin::InFlight),
        }
    }

    /// Stores `answer` for replay under `claim`, or (`None`: a 5xx, or an
    /// answer too large to keep) releases the key so a retry runs again.
    /// Store calls: 1. A failure is logged, never returned: the answer is
    /// already made, and an unfinished claim is taken over after
    /// [`ABANDONED_AFTER`].
    pub async fn finish_idempotent(&self, claim: &Claim, answer: Option<StoredAnswer>) {
        let ours = Condition::eq("claim_token", s(&claim.token));
        let result = match answer.filter(|a| a.body.len() <= MAX_STORED_BODY) {
            Some(answer) => self
                .store
                .update_item(
                    Update {
                        key: claim.key.clone(),
                        actions: vec![
                            UpdateAction::Set("state".into(), s(COMPLETED)),
                            UpdateAction::Set("status".into(), n(i64::from(answer.status))),
                            UpdateAction::Set("body".into(), s(answer.body)),
                        ],
                        condition: Some(ours),
                    },
                    ReturnValues::None,
                )
                .await
                .map(|_| ()),
            None => self
                .store
                .delete_item(Delete {
                    key: claim.key.clone(),
                    condition: Some(ours),
                })
                .await
                .map(|_| ()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "idempotency record not finished");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_fingerprints() {
        assert!(IdempotencyKey::parse("8e03978e-40d5-43e8-bc93-6894a57f9324").is_ok());
        for bad in ["", "has space", "tab\t", "é", &"k".repeat(256)] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
        let a = fingerprint("POST", "/log", br#"{"a":1,"b":{"c":2,"d":3}}"#);
        let b = fingerprint("POST", "/log", br#"{ "b": {"d":3, "c":2}, "a": 1 }"#);
        assert_eq!(a, b, "same object, other order and spacing");
        assert_ne!(
            a,
            fingerprint("POST", "/customers", br#"{"a":1,"b":{"c":2,"d":3}}"#)
        );
        assert_ne!(
            a,
            fingerprint("POST", "/log", br#"{"a":2,"b":{"c":2,"d":3}}"#)
        );
        assert_eq!(a.len(), 64);
    }
}
