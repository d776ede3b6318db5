//! SMS and WhatsApp through Twilio's Messages API (issue 22).
//!
//! `POST {CRM_TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! HTTP basic auth (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`), form
//! fields `To`, `From` (or `MessagingServiceSid`), `Body` and
//! `StatusCallback` — this API's own `…/messages/{log_id}/status`, whose
//! signed callbacks move the message to `delivered` or `failed` (issue 11).
//! A WhatsApp address is sent as `whatsapp:+E164`. Twilio answers 201 with
//! the message's `sid`, or an error `{"code": 21211, "message": …}`.

use std::time::Duration;

use crm_domain::sending::{Attempt, Courier, Envelope, Provider};
use crm_domain::types::Channel;
use serde::{Deserialize, Serialize};

/// Who the messages are sent as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A Twilio number (`CRM_TWILIO_FROM`, E.164).
    From(String),
    /// A Messaging Service (`CRM_TWILIO_MESSAGING_SERVICE_SID`).
    MessagingService(String),
}

/// Twilio's Messages API as a courier.
pub struct TwilioCourier {
    client: reqwest::Client,
    api_url: String,
    account_sid: String,
    auth_token: String,
    sender: Sender,
    /// This API's public base URL (`CRM_PUBLIC_BASE_URL`): the status
    /// callback of message `n` is `<base>/messages/<n>/status`.
    public_base_url: Option<String>,
}

/// The form Twilio takes.
#[derive(Serialize)]
struct Form<'a> {
    #[serde(rename = "To")]
    to: String,
    #[serde(rename = "From", skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(
        rename = "MessagingServiceSid",
        skip_serializing_if = "Option::is_none"
    )]
    messaging_service_sid: Option<&'a str>,
    #[serde(rename = "Body")]
    body: &'a str,
    #[serde(rename = "StatusCallback", skip_serializing_if = "Option::is_none")]
    status_callback: Option<String>,
}

/// What Twilio answers: a message (`sid`) or an error (`code`, `message`).
#[derive(Deserialize, Default)]
struct Answer {
    sid: Option<String>,
    code: Option<serde_json::Value>,
    message: Option<String>,
}

impl TwilioCourier {
    /// A courier for account `account_sid` at `api_url` (no trailing
    /// slash), each call bounded by `timeout`.
    ///
    /// Errors: the HTTP client could not be built (no TLS backend).
    pub fn new(
        api_url: &str,
        account_sid: &str,
        auth_token: &str,
        sender: Sender,
        public_base_url: Option<String>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .build()
            .map_err(|e| format!("Twilio HTTP client: {e}"))?;
        Ok(Self {
            client,
            api_url: api_url.trim_end_matches('/').to_string(),
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
            sender,
            public_base_url: public_base_url.map(|u| u.trim_end_matches('/').to_string()),
        })
    }

    /// The address on the channel: `whatsapp:` prefixed for WhatsApp.
    fn address(channel: Channel, number: &str) -> String {
        match channel {
            Channel::Whatsapp if !number.starts_with("whatsapp:") => format!("whatsapp:{number}"),
            _ => number.to_string(),
        }
    }
}

#[async_trait::async_trait]
impl Courier for TwilioCourier {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }

    async fn send(&self, envelope: &Envelope) -> Attempt {
        let (from, messaging_service_sid) = match &self.sender {
            Sender::From(number) => (Some(Self::address(envelope.channel, number)), None),
            Sender::MessagingService(sid) => (None, Some(sid.as_str())),
        };
        let form = Form {
            to: Self::address(envelope.channel, &envelope.to),
            from,
            messaging_service_sid,
            body: &envelope.body,
            status_callback: self
                .public_base_url
                .as_ref()
                .map(|base| format!("{base}/messages/{}/status", envelope.log_id)),
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.api_url, self.account_sid
        );
        let response = match self
            .client
            .post(url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => return crate::transport_error("Twilio", &e),
        };
        let status = response.status();
        let wait = crate::retry_after(response.headers());
        let answer = match response.bytes().await {
            Ok(bytes) => serde_json::from_slice::<Answer>(&bytes).unwrap_or_default(),
            Err(e) if status.is_success() => return crate::transport_error("Twilio", &e),
            Err(_) => Answer::default(),
        };
        if status.is_success() {
            return match answer.sid {
                Some(sid) => Attempt::Accepted {
                    provider_message_id: sid,
                },
                None => Attempt::Unknown {
                    reason: format!("Twilio answered {status} without a message sid"),
                },
            };
        }
        let code = match answer.code {
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::String(s)) => s,
            _ => status.as_u16().to_string(),
        };
        let message = answer
            .message
            .unwrap_or_else(|| format!("Twilio answered {status}"));
        crate::http_failure("Twilio", status, wait, code, message)
    }
}
