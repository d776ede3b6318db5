//! A signed JSON `POST` to a delivery URL (issue 22): how a chat widget (or
//! any channel without a provider of its own) gets the CRM's replies.
//!
//! The body is [`Delivery`] as JSON; the headers `X-CRM-Signature`
//! ([`crate::signature`]) and `X-CRM-Delivery-Id` (the `log_id`: the same on
//! every attempt, so a receiver drops a repeat). A 2xx answer is `sent`; a
//! 429 or 5xx is retried; any other status is a refusal.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crm_domain::sending::{Attempt, Courier, Envelope, Provider};
use serde::{Deserialize, Serialize};

/// The delivery id header.
pub const DELIVERY_ID_HEADER: &str = "X-CRM-Delivery-Id";

/// What the receiver gets (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The stable delivery id (the message's `log_id` as text).
    pub delivery_id: String,
    /// The message.
    pub log_id: i64,
    /// Its conversation.
    pub context_id: String,
    /// Its customer.
    pub customer_id: i64,
    /// `chat`, …
    pub channel: String,
    /// The recipient's handle on the channel.
    pub to: String,
    /// The text.
    pub message_body: String,
    /// Subject, if any.
    pub message_subject: Option<String>,
    /// When the reply was written (RFC 3339 UTC).
    pub created_at: String,
}

/// Deliveries to one URL, signed with one secret.
pub struct WebhookCourier {
    client: reqwest::Client,
    url: String,
    secret: Vec<u8>,
}

impl WebhookCourier {
    /// Deliveries to `url` signed with `secret`, each bounded by `timeout`.
    ///
    /// Errors: the HTTP client could not be built.
    pub fn new(url: &str, secret: &[u8], timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| format!("webhook HTTP client: {e}"))?;
        Ok(Self {
            client,
            url: url.to_string(),
            secret: secret.to_vec(),
        })
    }
}

#[async_trait::async_trait]
impl Courier for WebhookCourier {
    fn provider(&self) -> Provider {
        Provider::Webhook
    }

    async fn send(&self, envelope: &Envelope) -> Attempt {
        let delivery_id = envelope.log_id.to_string();
        let delivery = Delivery {
            delivery_id: delivery_id.clone(),
            log_id: envelope.log_id.get(),
            context_id: envelope.context_id.to_string(),
            customer_id: envelope.customer_id,
            channel: envelope.channel.as_str().to_string(),
            to: envelope.to.clone(),
            message_body: envelope.body.clone(),
            message_subject: envelope.subject.clone(),
            created_at: envelope.created_at.clone(),
        };
        let body = match serde_json::to_vec(&delivery) {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Refused {
                    code: "unencodable".into(),
                    message: format!("the delivery could not be encoded: {e}"),
                }
            }
        };
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let Some(signature) = crate::signature::sign(&self.secret, t, &body) else {
            return Attempt::NotSent {
                reason: "the delivery could not be signed".into(),
                retry_after: None,
            };
        };
        let response = match self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(crate::signature::HEADER, signature)
            .header(DELIVERY_ID_HEADER, &delivery_id)
            .body(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return crate::transport_error("the delivery URL", &e),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Accepted {
                provider_message_id: delivery_id,
            };
        }
        let wait = crate::retry_after(response.headers());
        crate::http_failure(
            "the delivery URL",
            status,
            wait,
            status.as_u16().to_string(),
            format!("the delivery URL answered {status}"),
        )
    }
}
