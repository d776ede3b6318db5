//! Twilio's inbound-message webhook (issue 11): an SMS or WhatsApp message
//! a customer sent to one of the account's Twilio numbers, logged as an
//! inbound message.
//!
//! - The sender (`From`, `whatsapp:`-prefixed for WhatsApp) is matched by
//!   phone as an ingested participant is (`contact.rs`: the E.164
//!   reservation, then the last 10 digits), and created when unknown, named
//!   `ProfileName` (WhatsApp) or the number.
//! - The message is logged as `POST /log` logs one without `context_id`
//!   (the open conversation or a new one, a reply job asked for), with
//!   `MessageSid` as its `twilio_message_sid`: Twilio's retries of the same
//!   webhook log it once.
//! - `NumMedia` / `MediaUrl<n>` are kept as `metadata.media_urls` (stored,
//!   never fetched); `To` (the account's own number) is not stored.

use serde_json::json;

use super::contact::Participant;
use crate::error::{DomainError, DomainResult};
use crate::messages::{LogMessage, Logged};
use crate::twilio::{first_param, param, MessageSid};
use crate::types::{Channel, Direction, Phone};
use crate::Crm;

/// Most media URLs read from one message (Twilio sends at most 10).
const MAX_MEDIA: usize = 10;

/// A Twilio inbound-message webhook, read from its form parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// `MessageSid` (or `SmsMessageSid` / `SmsSid`).
    pub message_sid: MessageSid,
    /// `sms`, or `whatsapp` when `From` is `whatsapp:+…`.
    pub channel: Channel,
    /// The sender's number, without the `whatsapp:` prefix.
    pub from: Phone,
    /// `Body` (empty for a picture alone).
    pub body: String,
    /// `ProfileName` (WhatsApp), if given.
    pub profile_name: Option<String>,
    /// `MediaUrl0` … `MediaUrl<NumMedia - 1>`.
    pub media_urls: Vec<String>,
}

impl InboundMessage {
    /// Reads the webhook's parameters; a 400 naming the parameter when
    /// `MessageSid` or `From` is missing or malformed. `region` reads a
    /// national number (`Settings::default_region`).
    pub fn from_params(
        params: &[(String, String)],
        region: phonenumber::country::Id,
    ) -> DomainResult<Self> {
        let get = |name: &str| param(params, name);
        let (sid_field, sid) = first_param(params, &["MessageSid", "SmsMessageSid", "SmsSid"])
            .ok_or_else(|| DomainError::invalid("MessageSid", "`MessageSid` is required"))?;
        let raw_from =
            get("From").ok_or_else(|| DomainError::invalid("From", "`From` is required"))?;
        let (channel, number) = match raw_from.strip_prefix("whatsapp:") {
            Some(number) => (Channel::Whatsapp, number),
            None => (Channel::Sms, raw_from),
        };
        let from = Phone::parse("From", number, region)?;
        let count = get("NumMedia")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
            .min(MAX_MEDIA);
        let media_urls = (0..count)
            .filter_map(|i| get(&format!("MediaUrl{i}")).map(str::to_string))
            .collect();
        Ok(Self {
            message_sid: MessageSid::parse(sid_field, sid)?,
            channel,
            from,
            body: params
                .iter()
                .find(|(k, _)| k == "Body")
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            profile_name: get("ProfileName").map(str::to_string),
            media_urls,
        })
    }
}

impl Crm {
    /// Logs a verified Twilio inbound message (call [`Crm::verify_twilio`]
    /// first); answers where it went, as `POST /log` does.
    ///
    /// Store calls: 1 when the `MessageSid` was logged before (its
    /// reservation); else the sender's customer (2; +1 `Query` by the last 10
    /// digits, +2 to create) and `POST /log`'s with a SID (7).
    ///
    /// Errors: 400 when the body is longer than `POST /log` takes.
    pub async fn receive_twilio_message(&self, message: &InboundMessage) -> DomainResult<Logged> {
        if let Some(first) = self.logged_sid(&message.message_sid).await? {
            return Ok(Logged {
                success: true,
                log_id: first.log_id.get(),
                context_id: first.context_id.to_string(),
            });
        }
        let number = message.from.normalized().to_string();
        let name = message
            .profile_name
            .clone()
            .unwrap_or_else(|| number.clone());
        let customer = self
            .participant_customer(&Participant::Phone(message.from.clone()), &name)
            .await?;
        let metadata = (!message.media_urls.is_empty())
            .then(|| json!({"source": "twilio", "media_urls": message.media_urls}));
        let log = LogMessage {
            customer_id: customer.customer_id.get(),
            channel: message.channel,
            channel_identifier: number,
            direction: Direction::Inbound,
            message_body: message.body.clone(),
            message_subject: None,
            context_id: None,
            metadata,
            send_status: None,
            twilio_message_sid: Some(message.message_sid.to_string()),
            external_message_id: None,
            send: None,
        };
        self.log_message(&log).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twilio::form as params;
    use phonenumber::country::Id::US;

    #[test]
    fn webhooks_read_sms_and_whatsapp_senders_and_name_a_bad_parameter() {
        let sms = InboundMessage::from_params(
            &params(&[
                ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
                ("From", "+1 (416) 555-1234"),
                ("To", "+15005550006"),
                ("Body", "  Hi there "),
                ("NumMedia", "0"),
            ]),
            US,
        )
        .unwrap();
        assert_eq!(sms.channel, Channel::Sms);
        assert_eq!(sms.from.normalized(), "+14165551234");
        assert_eq!(sms.body, "  Hi there ");
        assert!(sms.media_urls.is_empty());
        let wa = InboundMessage::from_params(
            &params(&[
                ("SmsMessageSid", "MM0123456789abcdef0123456789abcdef"),
                ("From", "whatsapp:+14165551234"),
                ("ProfileName", "Ada"),
                ("NumMedia", "2"),
                ("MediaUrl0", "https://api.twilio.com/media/1"),
                ("MediaUrl1", "https://api.twilio.com/media/2"),
            ]),
            US,
        )
        .unwrap();
        assert_eq!(wa.channel, Channel::Whatsapp);
        assert_eq!(wa.profile_name.as_deref(), Some("Ada"));
        assert_eq!(wa.media_urls.len(), 2);
        assert_eq!(wa.body, "");
        for (bad, field) in [
            (params(&[("From", "+14165551234")]), "MessageSid"),
            (
                params(&[("MessageSid", "SM#1"), ("From", "+14165551234")]),
                "MessageSid",
            ),
            (params(&[("MessageSid", "SM12"), ("Body", "x")]), "From"),
            (
                params(&[("MessageSid", "SM12"), ("From", "no digits")]),
                "From",
            ),
        ] {
            match InboundMessage::from_params(&bad, US) {
                Err(DomainError::Invalid { field: f, .. }) => assert_eq!(f, field, "{bad:?}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
