//! Twilio as a caller (issue 11): how its requests are authenticated
//! ([`signature`]: `X-Twilio-Signature`), what a status callback carries
//! ([`callback`]) and what its statuses mean here ([`status`]).
//!
//! Twilio cannot send the API Gateway key, so its routes have
//! `ApiKeyRequired: false` and [`Crm::verify_twilio`] is their whole
//! authentication: no auth token configured, no signature, or a signature
//! that does not match the public URL and the parameters → 403, before
//! anything is read or written. Applying a callback to a message is
//! `messages/delivery.rs`.

pub mod callback;
pub mod signature;
pub mod status;

pub use callback::{MessageSid, StatusCallback};
pub use signature::AuthToken;
pub use status::TwilioStatus;

use crate::error::{DomainError, DomainResult};
use crate::Crm;

/// Twilio settings (docs/twilio-and-polling.md).
#[derive(Debug, Clone, Default)]
pub struct TwilioSettings {
    /// The account's auth token (`TWILIO_AUTH_TOKEN`); unset, every Twilio
    /// request is refused with a 403.
    pub auth_token: Option<AuthToken>,
    /// The public URL the API is reached at, e.g.
    /// `https://api.example.com/crm` (`CRM_PUBLIC_BASE_URL`, no trailing
    /// slash): the signed URL is this followed by the request's path and
    /// query. Unset, the HTTP layer rebuilds it from the API Gateway request
    /// context (domain name + the path as the caller sent it), or locally
    /// from the `Host` header.
    pub public_base_url: Option<String>,
}

impl TwilioSettings {
    pub(crate) fn from_env(env: &impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let public_base_url = match env("CRM_PUBLIC_BASE_URL").map(|u| u.trim().to_string()) {
            Some(u) if u.is_empty() => None,
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
                Some(u.trim_end_matches('/').to_string())
            }
            Some(u) => {
                return Err(format!(
                    "CRM_PUBLIC_BASE_URL={u:?} must be an http(s) URL such as https://api.example.com/prod"
                ))
            }
            None => None,
        };
        Ok(Self {
            auth_token: env("TWILIO_AUTH_TOKEN").and_then(|t| AuthToken::new(&t)),
            public_base_url,
        })
    }
}

/// A request as Twilio signed it: the public URL it was sent to, its POST
/// parameters in the order received, and the `X-Twilio-Signature` header.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The full public URL, with its query string.
    pub url: &'a str,
    /// Every form parameter.
    pub params: &'a [(String, String)],
    /// The header's value, if sent.
    pub signature: Option<&'a str>,
}

/// The first non-blank value of form parameter `name`, trimmed.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// The first of `names` (Twilio's current name, then its legacy ones) that
/// the form gives: that name and its value.
pub fn first_param<'a>(
    params: &'a [(String, String)],
    names: &[&'static str],
) -> Option<(&'static str, &'a str)> {
    names
        .iter()
        .find_map(|name| param(params, name).map(|v| (*name, v)))
}

/// A form from `(name, value)` pairs (unit tests).
#[cfg(test)]
pub(crate) fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Crm {
    /// Checks a Twilio request's signature with the configured auth token.
    /// No store call.
    ///
    /// Errors (403 `forbidden`): no `TWILIO_AUTH_TOKEN` configured, no
    /// `X-Twilio-Signature`, or a signature that does not match.
    pub fn verify_twilio(&self, request: &SignedRequest<'_>) -> DomainResult<()> {
        let Some(token) = &self.settings.twilio.auth_token else {
            return Err(DomainError::Forbidden(
                "Twilio requests are refused: no TWILIO_AUTH_TOKEN is configured",
            ));
        };
        let Some(presented) = request.signature.filter(|s| !s.trim().is_empty()) else {
            return Err(DomainError::Forbidden("Missing X-Twilio-Signature header"));
        };
        if !signature::verify(token, request.url, request.params, presented.trim()) {
            tracing::warn!("Twilio request refused: signature does not match");
            return Err(DomainError::Forbidden(
                "Invalid X-Twilio-Signature for this URL and these parameters",
            ));
        }
        Ok(())
    }
}
