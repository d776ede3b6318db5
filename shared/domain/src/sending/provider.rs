//! Which provider sends each channel (issue 22), and the sender's limits.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::types::Channel;

/// Who delivers an outbound message the CRM was asked to send (issue 22);
/// stored on the message as `provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// SMS and WhatsApp through Twilio's Messages API.
    Twilio,
    /// Email through Amazon SES v2 `SendEmail`.
    Ses,
    /// Email through an SMTP server.
    Smtp,
    /// A signed HTTP `POST` to a delivery URL (chat widgets, connectors).
    Webhook,
    /// No provider is configured for the channel: the message waits for an
    /// external sender (`GET /messages/outbound`, `PUT /messages/{log_id}/status`).
    External,
}

impl Provider {
    /// The wire name (`twilio` …), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Ses => "ses",
            Provider::Smtp => "smtp",
            Provider::Webhook => "webhook",
            Provider::External => "external",
        }
    }
}

/// The sender's settings, read once at start-up from the variables that
/// configure each provider (the API Lambdas and the sender read the same
/// ones, so a message's provider, chosen when it is written, is one the
/// sender has).
#[derive(Debug, Clone, PartialEq)]
pub struct SendingSettings {
    /// SMS and WhatsApp go through Twilio: `TWILIO_ACCOUNT_SID` and
    /// `CRM_TWILIO_FROM` or `CRM_TWILIO_MESSAGING_SERVICE_SID` are set.
    pub twilio: bool,
    /// Email goes through SES (`CRM_SES_CONFIGURATION_SET`, with
    /// `CRM_EMAIL_FROM`; on AWS), else SMTP (`CRM_SMTP_URL`); `None`: external.
    pub email: Option<Provider>,
    /// Chat goes to `CRM_CHAT_DELIVERY_URL`, signed.
    pub chat_webhook: bool,
    /// Provider calls for one message before a retryable failure is final
    /// (`CRM_SEND_MAX_ATTEMPTS`, 1–20, default 5).
    pub max_attempts: i64,
    /// Wait before the second call; doubled each time, with jitter, up to
    /// 15 minutes (SQS's longest delay); a provider's `Retry-After` wins
    /// when longer (`CRM_SEND_RETRY_BASE_SECONDS`, 1–300, default 2).
    pub retry_base: Duration,
    /// A message claimed (`sending`) longer than this without an outcome
    /// is `failed` with `delivery_unknown` by the sweep: its sender died
    /// between the claim and the record (`CRM_SEND_CLAIM_SECONDS`,
    /// 30–900, default 120; above the sender's own timeout).
    pub claim_timeout: Duration,
    /// A `pending` message due this long ago is woken again by the sweep
    /// (its wake-up was lost) (`CRM_SEND_SWEEP_GRACE_SECONDS`, 0–3600, default 60).
    pub sweep_grace: Duration,
    /// The key each messaging connection's delivery secret is derived from
    /// (`CRM_DELIVERY_SIGNING_KEY`, ≥ 32 characters; on AWS a generated
    /// Secrets Manager secret); `None`: connections cannot have a
    /// `delivery_url`.
    pub signing_key: Option<SigningKey>,
    /// Delivery URLs may be `http` and private or loopback addresses
    /// (`CRM_DELIVERY_ALLOW_PRIVATE=true`: local development and tests
    /// only; default false).
    pub allow_private_delivery: bool,
}

/// Shortest `CRM_DELIVERY_SIGNING_KEY`, in characters.
pub const MIN_SIGNING_KEY_LEN: usize = 32;

/// The key connection delivery secrets are derived from: no secret of a
/// connection is stored, each is `hex(HMAC-SHA256(key, "delivery:<connection_id>:<version>"))`,
/// so rotating one bumps its version. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(String);

impl SigningKey {
    /// Wraps `key`; an error naming the variable when it is shorter than
    /// [`MIN_SIGNING_KEY_LEN`].
    pub fn new(key: &str) -> Result<Self, String> {
        let key = key.trim();
        if key.chars().count() < MIN_SIGNING_KEY_LEN {
            return Err(format!(
                "CRM_DELIVERY_SIGNING_KEY must be at least {MIN_SIGNING_KEY_LEN} characters"
            ));
        }
        Ok(Self(key.to_string()))
    }

    /// The delivery secret of connection `connection_id` at `version`
    /// (64 hex digits).
    pub fn delivery_secret(&self, connection_id: &str, version: i64) -> String {
        use hmac::Mac;
        // HMAC takes a key of any length.
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.0.as_bytes()) else {
            return String::new();
        };
        mac.update(format!("delivery:{connection_id}:{version}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl Default for SendingSettings {
    fn default() -> Self {
        Self {
            twilio: false,
            email: None,
            chat_webhook: false,
            max_attempts: 5,
            retry_base: Duration::from_secs(2),
            claim_timeout: Duration::from_secs(120),
            sweep_grace: Duration::from_secs(60),
            signing_key: None,
            allow_private_delivery: false,
        }
    }
}

/// Whether variable `name` is set to something not blank.
fn set(env: &impl Fn(&str) -> Option<String>, name: &str) -> bool {
    env(name).is_some_and(|v| !v.trim().is_empty())
}

impl SendingSettings {
    /// The provider of an outbound message on `channel` the CRM is asked to
    /// send; [`Provider::External`] when none is configured.
    pub fn provider_for(&self, channel: Channel) -> Provider {
        match channel {
            Channel::Sms | Channel::Whatsapp if self.twilio => Provider::Twilio,
            Channel::Email => self.email.unwrap_or(Provider::External),
            Channel::Chat if self.chat_webhook => Provider::Webhook,
            _ => Provider::External,
        }
    }

    /// Reads the providers' presence and the limits (see the fields); a
    /// message naming the variable when one is malformed.
    pub fn from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut s = SendingSettings {
            twilio: set(env, "TWILIO_ACCOUNT_SID")
                && (set(env, "CRM_TWILIO_FROM") || set(env, "CRM_TWILIO_MESSAGING_SERVICE_SID")),
            email: if set(env, "CRM_SES_CONFIGURATION_SET") {
                Some(Provider::Ses)
            } else if set(env, "CRM_SMTP_URL") {
                Some(Provider::Smtp)
            } else {
                None
            },
            chat_webhook: set(env, "CRM_CHAT_DELIVERY_URL"),
            ..Default::default()
        };
        if s.email.is_some() && !set(env, "CRM_EMAIL_FROM") {
            return Err(
                "CRM_EMAIL_FROM must name the sender address when CRM_SES_CONFIGURATION_SET or CRM_SMTP_URL is set".into(),
            );
        }
        if let Some(v) = crate::settings::ranged(env, "CRM_SEND_MAX_ATTEMPTS", 1i64..=20)? {
            s.max_attempts = v;
        }
        if let Some(v) = crate::settings::ranged(env, "CRM_SEND_RETRY_BASE_SECONDS", 1u64..=300)? {
            s.retry_base = Duration::from_secs(v);
        }
        if let Some(v) = crate::settings::ranged(env, "CRM_SEND_CLAIM_SECONDS", 30u64..=900)? {
            s.claim_timeout = Duration::from_secs(v);
        }
        if let Some(v) = crate::settings::ranged(env, "CRM_SEND_SWEEP_GRACE_SECONDS", 0u64..=3600)?
        {
            s.sweep_grace = Duration::from_secs(v);
        }
        if let Some(key) = env("CRM_DELIVERY_SIGNING_KEY").filter(|k| !k.trim().is_empty()) {
            s.signing_key = Some(SigningKey::new(&key)?);
        }
        s.allow_private_delivery = match env("CRM_DELIVERY_ALLOW_PRIVATE").as_deref().map(str::trim)
        {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(format!(
                    "CRM_DELIVERY_ALLOW_PRIVATE={other:?} must be true or false"
                ))
            }
        };
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<SendingSettings, String> {
        SendingSettings::from_env(&|name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn a_channel_goes_through_the_provider_configured_for_it() {
        let none = from(&[]).unwrap();
        for channel in [
            Channel::Sms,
            Channel::Email,
            Channel::Chat,
            Channel::Telegram,
        ] {
            assert_eq!(none.provider_for(channel), Provider::External);
        }
        let all = from(&[
            ("TWILIO_ACCOUNT_SID", "AC1"),
            ("CRM_TWILIO_FROM", "+15550001111"),
            ("CRM_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("CRM_EMAIL_FROM", "crm@example.com"),
            (
                "CRM_CHAT_DELIVERY_URL",
                "https://widget.example.com/deliver",
            ),
        ])
        .unwrap();
        assert_eq!(all.provider_for(Channel::Sms), Provider::Twilio);
        assert_eq!(all.provider_for(Channel::Whatsapp), Provider::Twilio);
        assert_eq!(all.provider_for(Channel::Email), Provider::Smtp);
        assert_eq!(all.provider_for(Channel::Chat), Provider::Webhook);
        assert_eq!(all.provider_for(Channel::Voice), Provider::External);
        // An account without a sender number sends nothing.
        let no_from = from(&[("TWILIO_ACCOUNT_SID", "AC1")]).unwrap();
        assert_eq!(no_from.provider_for(Channel::Sms), Provider::External);
        let err = from(&[("CRM_SMTP_URL", "smtp://127.0.0.1:2525")]).unwrap_err();
        assert!(err.contains("CRM_EMAIL_FROM"), "{err}");
        let err = from(&[("CRM_SEND_MAX_ATTEMPTS", "0")]).unwrap_err();
        assert!(err.contains("CRM_SEND_MAX_ATTEMPTS"), "{err}");
        let err = from(&[("CRM_DELIVERY_SIGNING_KEY", "short")]).unwrap_err();
        assert!(err.contains("CRM_DELIVERY_SIGNING_KEY"), "{err}");
    }

    #[test]
    fn each_connection_version_has_its_own_secret_and_the_key_is_never_printed() {
        let key = SigningKey::new("k".repeat(32).as_str()).unwrap();
        let first = key.delivery_secret("wa_1", 0);
        assert_eq!(first.len(), 64);
        assert_eq!(first, key.delivery_secret("wa_1", 0), "stable");
        assert_ne!(first, key.delivery_secret("wa_1", 1), "rotated");
        assert_ne!(first, key.delivery_secret("wa_2", 0), "per connection");
        assert_eq!(format!("{key:?}"), "SigningKey(…)");
    }
}
