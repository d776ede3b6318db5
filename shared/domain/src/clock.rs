//! Where every rule reads the time (issue 21): the system clock on every
//! deployment, a clock a test moves forward ([`Crm::with_clock`]) — the
//! idempotency records' 24-hour replay window, a lease's end, today's
//! statistics bucket, every `created_at` / `updated_at`. No rule calls
//! `OffsetDateTime::now_utc()` itself (`tests/one_clock.rs` holds it);
//! only [`LogId::mint`](crate::types::LogId::mint) reads the system clock
//! directly, because an id must keep increasing whatever a test clock says.

use time::OffsetDateTime;

use crate::types::rfc3339;
use crate::Crm;

/// The current time, UTC.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> OffsetDateTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

impl Crm {
    /// Now, UTC, as this service's clock says.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// Now as a stored timestamp: fixed-width RFC 3339 UTC with
    /// milliseconds (`2026-12-08T10:30:00.123Z`), see [`rfc3339`].
    pub fn now_rfc3339(&self) -> String {
        rfc3339(self.clock.now())
    }

    /// Now in Unix milliseconds, as leases and sends store their deadlines
    /// (`lease_until`, `claimed_until`, `next_attempt_at`).
    pub(crate) fn now_ms(&self) -> i64 {
        (self.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
}
