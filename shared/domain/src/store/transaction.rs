//! A `TransactWriteItems` whose actions carry names, so that a canceled
//! transaction says *which* condition failed by name, never by position.
//!
//! ```text
//! let mut tx = Transaction::new();
//! tx.push("message", message_put);
//! tx.push("conversation", conversation_update);
//! if let Some(old) = previous { tx.push("previous_suggestion", supersede(old)); }
//! match tx.commit(&*self.store).await? {
//!     Ok(()) => …,
//!     Err(canceled) if canceled.failed(&"previous_suggestion") => …, // it expired meanwhile
//!     Err(_) => return Err(DomainError::Contended), // changed meanwhile: read again
//! }
//! // or, where which condition failed does not matter:
//! tx.commit(&*self.store).await??; // a `Canceled` converts to `Contended`
//! ```
//!
//! Inside [`optimistic`](crate::retry::optimistic), `Contended` means "read
//! again and decide again".
//!
//! The label is any `PartialEq` value: a `&'static str` for most flows, an
//! enum where the label must carry data (the customer reservation whose
//! condition failed names the holder to look up).

use super::{CancelReason, Store, StoreError, WriteAction};

/// A transaction under construction: up to
/// [`MAX_TRANSACT_ACTIONS`](super::MAX_TRANSACT_ACTIONS) actions, each with
/// a label. Committed with [`Transaction::commit`] as one
/// [`Store::transact_write`] (one store call).
#[derive(Debug, Clone)]
pub struct Transaction<L = &'static str> {
    labels: Vec<L>,
    actions: Vec<WriteAction>,
}

impl<L> Default for Transaction<L> {
    fn default() -> Self {
        Self {
            labels: Vec::new(),
            actions: Vec::new(),
        }
    }
}

/// Why a transaction did not commit: the labels of the actions whose
/// condition did not hold. None of them (`failed_labels()` empty) means a
/// concurrent write conflicted with it (`TransactionConflict`): reading
/// again and retrying may succeed.
#[derive(Debug, Clone, PartialEq)]
pub struct Canceled<L = &'static str> {
    labels: Vec<L>,
    failed: Vec<L>,
}

impl<L: PartialEq + std::fmt::Debug> Canceled<L> {
    /// True when the condition of the action labelled `label` did not hold.
    /// In debug builds, asking for a label the transaction never had panics
    /// (a misspelt label would otherwise be silently false).
    pub fn failed(&self, label: &L) -> bool {
        debug_assert!(
            self.labels.contains(label),
            "no action labelled {label:?} in this transaction"
        );
        self.failed.contains(label)
    }

    /// The labels of the actions whose condition did not hold, in the
    /// transaction's order.
    pub fn failed_labels(&self) -> &[L] {
        &self.failed
    }
}

impl<L> Transaction<L> {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// A transaction of `actions`, every one labelled `label` (for a flow
    /// that only needs to know *whether* it committed).
    pub fn of(label: L, actions: Vec<WriteAction>) -> Self
    where
        L: Clone,
    {
        Self {
            labels: vec![label; actions.len()],
            actions,
        }
    }

    /// Adds `action` labelled `label`.
    pub fn push(&mut self, label: L, action: WriteAction) -> &mut Self {
        self.labels.push(label);
        self.actions.push(action);
        self
    }

    /// Adds every action of `actions`, each labelled `label`.
    pub fn extend(&mut self, label: L, actions: impl IntoIterator<Item = WriteAction>) -> &mut Self
    where
        L: Clone,
    {
        for action in actions {
            self.push(label.clone(), action);
        }
        self
    }

    /// Actions so far.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True when it has no action.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Runs it as one `TransactWriteItems`. `Ok(Ok(()))`: committed;
    /// `Ok(Err(canceled))`: nothing was written, and `canceled` names the
    /// actions whose condition failed; `Err`: the store failed otherwise
    /// (unavailable, throttled, an invalid request).
    pub async fn commit(self, store: &dyn Store) -> Result<Result<(), Canceled<L>>, StoreError>
    where
        L: Clone,
    {
        match store.transact_write(self.actions).await {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::TransactionCanceled(reasons)) => {
                let failed = self
                    .labels
                    .iter()
                    .zip(&reasons)
                    .filter(|(_, r)| **r == CancelReason::ConditionFailed)
                    .map(|(l, _)| l.clone())
                    .collect();
                Ok(Err(Canceled {
                    labels: self.labels,
                    failed,
                }))
            }
            Err(e) => Err(e),
        }
    }
}
