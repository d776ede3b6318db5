//! A Twilio status callback's parameters, read from its form body (issue 11):
//! `MessageSid`, `MessageStatus`, `ErrorCode` (the legacy `SmsSid` /
//! `SmsStatus` when those are missing). Every other parameter (`AccountSid`,
//! `From`, `To`, `ApiVersion` …) is signed, so it is kept for the signature
//! check, and otherwise ignored: `From`/`To` are phone numbers and are never
//! stored or logged from here.

use super::{first_param, param, TwilioStatus};
use crate::error::{DomainError, DomainResult};

/// A Twilio message SID (`SM` + 32 hex digits in practice): 2–64 ASCII
/// letters and digits — looser than Twilio's 34 characters so the guide's own
/// example (`SM123456`) is one, and still safe in a key by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSid(String);

impl MessageSid {
    /// Reads a SID for `field`; a 400 naming the field otherwise.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        Self::read(raw).ok_or_else(|| {
            DomainError::invalid(
                field,
                format!("`{field}` must be a Twilio message SID: 2 to 64 letters and digits (SM…)"),
            )
        })
    }

    /// The SID in `raw`, if it is one.
    pub fn read(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        ((2..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| Self(raw.to_string()))
    }

    /// The SID as Twilio spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MessageSid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parts of a status callback this API keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCallback {
    /// `MessageSid` (or `SmsSid`).
    pub message_sid: MessageSid,
    /// `MessageStatus` (or `SmsStatus`).
    pub status: TwilioStatus,
    /// `ErrorCode` when Twilio gives one (`30003` …): digits only, ≤ 10.
    pub error_code: Option<String>,
}

impl StatusCallback {
    /// Reads the callback from its form parameters. 400 naming the
    /// parameter when `MessageSid` or `MessageStatus` is missing or not
    /// Twilio's, or `ErrorCode` is not a number.
    pub fn from_params(params: &[(String, String)]) -> DomainResult<Self> {
        let (sid_field, sid) = first_param(params, &["MessageSid", "SmsSid"])
            .ok_or_else(|| DomainError::invalid("MessageSid", "`MessageSid` is required"))?;
        let (status_field, raw_status) = first_param(params, &["MessageStatus", "SmsStatus"])
            .ok_or_else(|| DomainError::invalid("MessageStatus", "`MessageStatus` is required"))?;
        let status = TwilioStatus::parse(raw_status).ok_or_else(|| {
            DomainError::invalid(
                status_field,
                format!(
                    "`{status_field}` must be one of Twilio's statuses: {}",
                    TwilioStatus::ALL.map(|(n, _)| n).join(", ")
                ),
            )
        })?;
        let error_code = match param(params, "ErrorCode") {
            None => None,
            Some(code) if code.len() <= 10 && code.bytes().all(|b| b.is_ascii_digit()) => {
                Some(code.to_string())
            }
            Some(_) => {
                return Err(DomainError::invalid(
                    "ErrorCode",
                    "`ErrorCode` must be Twilio's numeric error code",
                ))
            }
        };
        Ok(Self {
            message_sid: MessageSid::parse(sid_field, sid)?,
            status,
            error_code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twilio::form as params;

    const SID: &str = "SM0123456789abcdef0123456789abcdef";

    #[test]
    fn callbacks_read_twilios_parameters_and_name_a_bad_one() {
        let cb = StatusCallback::from_params(&params(&[
            ("MessageSid", SID),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30003"),
            ("From", "+15550001111"),
        ]))
        .unwrap();
        assert_eq!(cb.message_sid.as_str(), SID);
        assert_eq!(cb.status, TwilioStatus::Undelivered);
        assert_eq!(cb.error_code.as_deref(), Some("30003"));
        let legacy =
            StatusCallback::from_params(&params(&[("SmsSid", SID), ("SmsStatus", "sent")]))
                .unwrap();
        assert_eq!(legacy.status, TwilioStatus::Sent);
        for (bad, field) in [
            (params(&[("MessageStatus", "sent")]), "MessageSid"),
            (params(&[("MessageSid", SID)]), "MessageStatus"),
            (
                params(&[("MessageSid", SID), ("MessageStatus", "lost")]),
                "MessageStatus",
            ),
            (
                params(&[("MessageSid", "SM#1"), ("MessageStatus", "sent")]),
                "MessageSid",
            ),
            (
                params(&[
                    ("MessageSid", SID),
                    ("MessageStatus", "sent"),
                    ("ErrorCode", "x1"),
                ]),
                "ErrorCode",
            ),
        ] {
            match StatusCallback::from_params(&bad) {
                Err(DomainError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }
}
