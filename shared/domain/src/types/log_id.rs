//! [`LogId`]: a message's integer id, valid by construction (guide §10–19),
//! and how new ids are minted without a shared counter (issue 21).
//!
//! A minted id is `tick << 8 | node`: `tick` is the milliseconds since
//! 2025-01-01T00:00:00Z times 16 plus a sequence (16 ids per millisecond per
//! process; a burst borrows the next milliseconds), `node` 8 random bits
//! drawn once per process. So ids are time-ordered across processes (to the
//! clocks' skew), strictly increasing within one, unique in practice, and
//! below 2^53 − 1 until the year 2094, so JavaScript reads them exactly.
//! Unique *by condition*: every message is put `attribute_not_exists(PK)`,
//! and the flows mint a new id when that condition fails (two processes
//! with the same node in the same tick). Ids of the former `log_id` counter
//! (1, 2, 3 …) are all smaller than any minted one, so order holds across
//! the change. No store call, no partition every message writes.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};

/// A message id (`log_id`): a positive integer, minted time-ordered (see
/// the module docs) and never reused. Parsed once from the path; every rule takes
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

    /// An id read back from a stored item (positive, as stored).
    pub(crate) fn allocated(value: i64) -> Self {
        Self(value)
    }

    /// A new id, greater than every id this process minted before.
    pub(crate) fn mint() -> Self {
        Self::mint_block(1)[0]
    }

    /// `count` (≥ 1) new ids in increasing order, greater than every id this
    /// process minted before (one atomic step, so a batch is contiguous in
    /// time).
    pub(crate) fn mint_block(count: usize) -> Vec<Self> {
        let count = count.max(1) as i64;
        let now_tick = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000
            - i128::from(EPOCH_MS))
        .clamp(0, i128::from(MAX_MS)) as i64
            * SEQ_PER_MS;
        let mut last = LAST_TICK.load(Ordering::Relaxed);
        let first = loop {
            let first = now_tick.max(last + 1);
            match LAST_TICK.compare_exchange_weak(
                last,
                first + count - 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => break first,
                Err(seen) => last = seen,
            }
        };
        let node = *NODE.get_or_init(|| i64::from(uuid::Uuid::new_v4().as_bytes()[0]));
        (first..first + count)
            .map(|tick| Self((tick << NODE_BITS) | node))
            .collect()
    }

    /// The number.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Start of minted ids' time: 2025-01-01T00:00:00Z in Unix milliseconds.
const EPOCH_MS: i64 = 1_735_689_600_000;
/// Ids one process mints per millisecond before borrowing the next one.
const SEQ_PER_MS: i64 = 16;
/// Low bits holding the process's random node number.
const NODE_BITS: u32 = 8;
/// Largest millisecond offset whose ids stay ≤ 2^53 − 1 (year 2094).
const MAX_MS: i64 = ((1 << 53) - 1) >> NODE_BITS >> 4;
// The last millisecond's last id still fits in 2^53 − 1 (checked when compiling).
const _: () = assert!(((MAX_MS * SEQ_PER_MS + SEQ_PER_MS - 1) << NODE_BITS) + 255 < (1 << 53));
/// The last tick this process minted.
static LAST_TICK: AtomicI64 = AtomicI64::new(0);
/// This process's node number (0–255), drawn on the first mint.
static NODE: OnceLock<i64> = OnceLock::new();

impl utoipa::PartialSchema for LogId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        super::schema::positive_id(
            "A message id: a positive integer, time-ordered, never reused, below 2^53 (guide §10).",
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
    fn minted_ids_increase_and_stay_exact_in_javascript() {
        let a = LogId::mint();
        let block = LogId::mint_block(100);
        let b = LogId::mint();
        assert!(block.windows(2).all(|w| w[0] < w[1]));
        assert!(a < block[0] && block[99] < b, "{a} {} {b}", block[0]);
        assert!(b.get() < (1 << 53), "{b} ≥ 2^53");
        // Time-ordered: an id minted now is above one of 2026-01-01.
        let year_2026 = ((1_767_225_600_000 - EPOCH_MS) * SEQ_PER_MS) << NODE_BITS;
        assert!(a.get() > year_2026);
    }

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
