//! The one optimistic retry every rule uses: read, decide, write under a
//! condition (usually one [`Transaction`](crate::store::Transaction)); when a
//! concurrent write broke the condition, read again and decide again.
//!
//! ```text
//! optimistic(|| async {
//!     let conversation = self.existing_conversation(id).await?;   // read
//!     let tx = …;                                                  // decide
//!     tx.commit(&*self.store).await??;   // a failed condition is `Contended`: again
//!     Ok(answer)
//! })
//! .await
//! ```
//!
//! An attempt asks for another round by answering
//! [`DomainError::Contended`] (a canceled transaction converts to it, see
//! `From<Canceled>` in [`crate::error`]); any other answer, success or error,
//! ends the loop. State an attempt hands to the next one (a ticket id
//! already allocated, a record read again after a lost race) lives in an
//! atomic or a `futures::lock::Mutex` the closure borrows (an attempt locks
//! the mutex for its whole run), so the future stays `Send`.

use std::future::Future;

use crate::{DomainError, DomainResult};

/// How many times a rule re-reads and retries when a concurrent write
/// invalidated its condition, before answering [`DomainError::Contended`]
/// (a 409 the caller may retry).
pub(crate) const OPTIMISTIC_ATTEMPTS: usize = 8;

/// Runs `attempt` until it answers anything but [`DomainError::Contended`],
/// at most [`OPTIMISTIC_ATTEMPTS`] times; then answers `Contended`.
pub(crate) async fn optimistic<T, F, Fut>(mut attempt: F) -> DomainResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = DomainResult<T>>,
{
    for _ in 0..OPTIMISTIC_ATTEMPTS {
        match attempt().await {
            Err(DomainError::Contended) => continue,
            answer => return answer,
        }
    }
    Err(DomainError::Contended)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn retries_only_contention_and_gives_up_after_the_limit() {
        let calls = AtomicUsize::new(0);
        let answer: DomainResult<()> = optimistic(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(DomainError::Contended)
        })
        .await;
        assert!(matches!(answer, Err(DomainError::Contended)));
        assert_eq!(calls.load(Ordering::SeqCst), OPTIMISTIC_ATTEMPTS);

        let calls = AtomicUsize::new(0);
        let answer = optimistic(|| async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(DomainError::Contended),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(answer.ok(), Some(2));

        let calls = AtomicUsize::new(0);
        let answer: DomainResult<()> = optimistic(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(DomainError::invalid("x", "bad"))
        })
        .await;
        assert!(matches!(answer, Err(DomainError::Invalid { .. })));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "other errors are not retried"
        );
    }
}
