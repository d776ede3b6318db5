//! # crm-couriers
//!
//! The providers the sender hands outbound messages to (issue 22), each an
//! implementation of `crm_domain::sending::Courier`:
//!
//! - [`twilio::TwilioCourier`]: SMS and WhatsApp through Twilio's Messages
//!   API (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, basic
//!   auth, a `StatusCallback` to this API's status endpoint);
//! - [`smtp::SmtpCourier`]: email through an SMTP server (`lettre`),
//!   threaded under the message it answers;
//! - [`ses::SesCourier`]: email through Amazon SES v2 with a configuration
//!   set whose events come back as delivery receipts;
//! - [`webhook::WebhookCourier`]: a signed JSON `POST` to a delivery URL
//!   (chat widgets), signature scheme in [`signature`];
//! - [`config::from_env`]: the couriers the environment configures.
//!
//! Every courier bounds its call (`CRM_SEND_TIMEOUT_SECONDS`) and sorts
//! what happened into the port's four answers: accepted, refused (a 4xx:
//! final), not sent (connection refused, 429, 5xx: retried) and unknown (a
//! timeout after the request was written: never retried automatically). No
//! courier logs a message body, an address or a secret.

pub mod config;
pub mod ses;
pub mod signature;
pub mod smtp;
pub mod twilio;
pub mod webhook;

use std::time::Duration;

use crm_domain::sending::Attempt;

/// What a failed `reqwest` call means for delivery: refused connections
/// (and anything before the request left) did not send; a timeout or a
/// broken exchange after it left may have.
pub(crate) fn transport_error(provider: &str, e: &reqwest::Error) -> Attempt {
    if e.is_builder() {
        return Attempt::Refused {
            code: "invalid_url".into(),
            message: format!(
                "{provider}: the request could not be built: {}",
                without_url(e)
            ),
        };
    }
    if e.is_connect() {
        Attempt::NotSent {
            reason: format!("{provider} unreachable: {}", without_url(e)),
            retry_after: None,
        }
    } else {
        Attempt::Unknown {
            reason: format!(
                "{provider} did not answer in time or the exchange broke: {}",
                without_url(e)
            ),
        }
    }
}

/// The error's text without the URL (it may carry an account id).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    text
}

/// A provider's HTTP answer that is not a success: 408, 429 and 5xx did
/// not send (retried, after `Retry-After` when given); other 4xx are final.
pub(crate) fn http_failure(
    provider: &str,
    status: reqwest::StatusCode,
    retry_after: Option<Duration>,
    code: String,
    message: String,
) -> Attempt {
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
    {
        Attempt::NotSent {
            reason: format!("{provider} answered {status}: {message}"),
            retry_after,
        }
    } else {
        Attempt::Refused { code, message }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these providers).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
