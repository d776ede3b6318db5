//! Where rules that expire things read the time: the system clock on every
//! deployment, a clock a test moves forward ([`Crm::with_clock`]). Used by
//! the idempotency records (issue 11), whose 24-hour replay window a test
//! cannot wait out.

use time::OffsetDateTime;

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
