//! The domain's one error type. `crm-http` maps each variant to a status code.

use crate::store::{Canceled, StoreError};

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
    /// The addressed record does not exist (→ 404). The message is formatted
    /// here, once, from what was looked for and by which value.
    #[error("{}", .what.describe(.id))]
    NotFound {
        /// What was looked for.
        what: Missing,
        /// The value it was looked up by (an id, email or phone).
        id: String,
    },
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
    /// The caller did not prove who it is (→ 401): the ingest endpoint's
    /// connection checks, with seed 002's sentences (`Invalid API key` …).
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The caller is known but may not do this (→ 403): `Connection is inactive`.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The request is well-formed but cannot be taken as it is (→ 422), e.g.
    /// an `Idempotency-Key` reused with another body.
    #[error("{0}")]
    Unprocessable(String),
    /// Too many requests of one kind for one record (→ 429 with
    /// `Retry-After: retry_after_secs`), e.g. regenerations per conversation.
    #[error("{message}")]
    RateLimited {
        /// What was limited, and the limit.
        message: String,
        /// Seconds until a retry can succeed (≥ 1).
        retry_after_secs: u64,
    },
    /// Concurrent writers kept invalidating this one (→ 503 with `Retry-After`).
    #[error("the record is being changed by other requests; retry shortly")]
    Contended,
    /// The store failed (→ 503 when transient, 500 otherwise; never shown to clients).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A transaction canceled by a failed condition is a lost race: the rule
/// reads again ([`crate::retry::optimistic`] retries `Contended`). A rule
/// that must tell *which* condition failed matches the [`Canceled`] itself.
impl<L> From<Canceled<L>> for DomainError {
    fn from(_: Canceled<L>) -> Self {
        DomainError::Contended
    }
}

/// What a 404 was looking for (see [`DomainError::NotFound`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// A customer, looked up by `by` (`id`, `email`, `phone`,
    /// `phone_normalized`, `external_id`): "Customer not found with {by}: {id}" (guide §3, §8).
    Customer {
        /// How it was looked up, as the caller named it.
        by: &'static str,
    },
    /// A conversation by `context_id`.
    Conversation,
    /// A message by `log_id`.
    Message,
    /// A messaging connection by `connection_id`.
    Connection,
    /// The open (active or paused) conversation of customer `id` (guide §22).
    OpenConversation,
    /// A pending reply suggestion of conversation `id` (issue 9).
    Suggestion,
    /// A suggestion by its id (issue 10).
    SuggestionId,
    /// An escalation ticket by its id (issue 10).
    Ticket,
}

impl Missing {
    /// The 404 message for a lookup of `self` by `id`.
    pub fn describe(self, id: &str) -> String {
        match self {
            Missing::Customer { by } => format!("Customer not found with {by}: {id}"),
            Missing::Conversation => format!("Conversation not found: {id}"),
            Missing::Message => format!("Message not found: {id}"),
            Missing::Connection => format!("Connection not found: {id}"),
            Missing::OpenConversation => format!("No active conversation found for customer {id}"),
            Missing::Suggestion => format!("No pending suggestion for conversation: {id}"),
            Missing::SuggestionId => format!("Suggestion not found: {id}"),
            Missing::Ticket => format!("Escalation ticket not found: {id}"),
        }
    }
}

impl DomainError {
    /// A 404: `what`, looked up by `id`.
    pub fn not_found(what: Missing, id: impl std::fmt::Display) -> Self {
        DomainError::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A 409 about a state rule.
    pub fn conflict(message: impl Into<String>) -> Self {
        DomainError::Conflict {
            message: message.into(),
            customer_id: None,
            context_id: None,
        }
    }

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
