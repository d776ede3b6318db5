//! The domain's one error type. `crm-http` maps each variant to a status code.

use crate::store::StoreError;

/// What a business rule can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Input breaks a rule (→ 400). `field` names the offending field or parameter.
    #[error("{message}")]
    Invalid {
        /// The request field or query parameter at fault.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The addressed record does not exist (→ 404).
    #[error("{0}")]
    NotFound(String),
    /// The write would break a uniqueness or state rule (→ 409). The id of the
    /// record already holding the value is returned so the caller can use it.
    #[error("{message}")]
    Conflict {
        /// What conflicts.
        message: String,
        /// The existing customer, when a customer field conflicts.
        customer_id: Option<i64>,
        /// The existing conversation, when an open conversation conflicts.
        context_id: Option<String>,
    },
    /// Concurrent writers kept invalidating this one (→ 503 with `Retry-After`).
    #[error("the record is being changed by other requests; retry shortly")]
    Contended,
    /// The store failed (→ 503 when transient, 500 otherwise; never shown to clients).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DomainError {
    /// A 400 for `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid {
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// A stored item that does not decode: data corruption or an adapter bug.
    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        DomainError::Store(StoreError::Internal(format!("undecodable item: {what}")))
    }
}

/// Shorthand for domain results.
pub type DomainResult<T> = Result<T, DomainError>;
