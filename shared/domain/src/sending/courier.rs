//! The [`Courier`] port (issue 22): one provider's way of handing a message
//! to the customer, and what its call can answer. Implementations live in
//! `crm-couriers` (Twilio, SES, SMTP, signed webhooks); the flow
//! `flows/send.rs` claims the message before a call and records the
//! [`Attempt`] after it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::provider::Provider;
use crate::types::{Channel, ContextId, LogId};

/// What one provider call sends: the message as the customer gets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The message (also the stable delivery id: `X-CRM-Delivery-Id`,
    /// the email's `Message-ID` local part).
    pub log_id: LogId,
    /// Its conversation.
    pub context_id: ContextId,
    /// Its customer.
    pub customer_id: i64,
    /// The channel it goes out on.
    pub channel: Channel,
    /// Where to: the address the inbound message came from (E.164 phone,
    /// email address, chat handle).
    pub to: String,
    /// The text.
    pub body: String,
    /// Subject (email: `Re: <subject of the inbound>` when the reply has none).
    pub subject: Option<String>,
    /// Email: the `Message-ID` of the message this one answers (its
    /// `In-Reply-To` and `References`), so it threads in the customer's
    /// mail client.
    pub in_reply_to: Option<String>,
    /// Where a webhook delivery goes, when not to the courier's own URL: a
    /// messaging connection's `delivery_url` and its current secret. A
    /// target is a caller's URL: the courier holds it to the public-address
    /// rule when it connects.
    pub target: Option<DeliveryTarget>,
    /// This is the `attempt`-th provider call for the message (1-based).
    pub attempt: i64,
    /// When the message was written (RFC 3339 UTC).
    pub created_at: String,
}

/// A webhook delivery's destination given by a caller (a messaging
/// connection's), not by the operator.
#[derive(Clone, PartialEq)]
pub struct DeliveryTarget {
    /// The `delivery_url`.
    pub url: String,
    /// The secret to sign with.
    pub secret: String,
}

impl std::fmt::Debug for DeliveryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryTarget")
            .field("url", &self.url)
            .field("secret", &"…")
            .finish()
    }
}

/// What a provider call answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// The provider accepted the message: `sent`, with the provider's id
    /// (Twilio's `sid`, SES's `MessageId`, the SMTP `Message-ID`, the
    /// delivery id a webhook acknowledged).
    Accepted {
        /// The provider's id of the message.
        provider_message_id: String,
    },
    /// The provider refused it before accepting (a 4xx: an invalid number,
    /// an unsubscribed recipient …): final, `failed` with its `code`.
    Refused {
        /// The provider's error code (Twilio's `21211`, an HTTP status, an SMTP reply code).
        code: String,
        /// The provider's message, for a person.
        message: String,
    },
    /// It was not sent and may be tried again (connection refused, 429, a
    /// 5xx answer), no sooner than `retry_after` when the provider said.
    NotSent {
        /// Why, for a person.
        reason: String,
        /// The provider's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// It may or may not have been sent (a timeout after the request was
    /// written): never retried automatically (`delivery_unknown`).
    Unknown {
        /// Why, for a person.
        reason: String,
    },
}

/// One provider's sender. Implementations bound their own time (a call
/// that outlives its timeout answers [`Attempt::Unknown`]), never panic,
/// and log no message text or address.
#[async_trait::async_trait]
pub trait Courier: Send + Sync + 'static {
    /// The provider it speaks to.
    fn provider(&self) -> Provider;

    /// Hands `envelope` to the provider, once.
    async fn send(&self, envelope: &Envelope) -> Attempt;
}

/// The couriers a sender has, by provider.
#[derive(Clone, Default)]
pub struct Couriers {
    by_provider: HashMap<Provider, Arc<dyn Courier>>,
}

impl Couriers {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// These couriers and `courier` (replacing one of the same provider).
    pub fn with(mut self, courier: Arc<dyn Courier>) -> Self {
        self.by_provider.insert(courier.provider(), courier);
        self
    }

    /// The courier of `provider`, if the sender has one.
    pub fn get(&self, provider: Provider) -> Option<&Arc<dyn Courier>> {
        self.by_provider.get(&provider)
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.by_provider.is_empty()
    }
}

/// What an email provider reported about a message it accepted (SES's
/// configuration-set events, issue 22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailEvent {
    /// Delivered to the recipient's mail server.
    Delivered,
    /// Bounced: `permanent` (a hard bounce: `failed`) or not (a soft
    /// bounce SES retries itself: nothing changes); `bounce_type` as SES
    /// says (`Permanent/General` …).
    Bounced {
        /// A hard bounce.
        permanent: bool,
        /// SES's `bounceType/bounceSubType`.
        bounce_type: String,
    },
    /// The recipient marked it as spam: they are opted out of email.
    Complained,
    /// The recipient opened it.
    Opened,
    /// The recipient clicked a link in it.
    Clicked,
}

/// One provider report: which message (its `log_id` tag and the provider's
/// `MessageId`, which must match what the sender stored) and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailReport {
    /// The `log_id` tag the email was sent with.
    pub log_id: LogId,
    /// The provider's `MessageId`.
    pub provider_message_id: String,
    /// What happened.
    pub event: EmailEvent,
}
