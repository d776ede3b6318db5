//! Validated values, built by `parse`: a value of these types is valid by
//! construction. Enum values are exactly the guide's ("Channel Values",
//! "Conversation Status Values", sections 10 and 15).

use serde::{Deserialize, Serialize};
use time::{format_description::FormatItem, macros::format_description, OffsetDateTime};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};

/// Longest accepted email address (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest accepted phone input, in characters.
pub const MAX_PHONE_LEN: usize = 40;
/// Most digits in a phone number (E.164 allows 15; a little slack for extensions is refused).
pub const MAX_PHONE_DIGITS: usize = 15;

/// An email address of plausible shape (`local@domain.tld`, no spaces), as given
/// (trimmed). Matching is case-insensitive through [`EmailAddress::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Checks the shape; errors name `field`.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        let value = raw.trim();
        let bad = |why: &str| {
            DomainError::invalid(
                field,
                format!("`{field}` is not a valid email address: {why}"),
            )
        };
        if value.is_empty() {
            return Err(bad("it is empty"));
        }
        if value.len() > MAX_EMAIL_LEN {
            return Err(bad("it is longer than 254 characters"));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains whitespace"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(bad("it has no `@`"));
        };
        if local.is_empty() || domain.contains('@') {
            return Err(bad("expected exactly one `@` with text before it"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
        {
            return Err(bad("the domain must look like `example.com`"));
        }
        Ok(Self(value.to_string()))
    }

    /// The address as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercase form used for uniqueness and lookups.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A phone number: the text as given and its normalized E.164 form.
///
/// Normalization uses libphonenumber (the `phonenumber` crate) with a default
/// region for national numbers. A number libphonenumber cannot validate is
/// still accepted and normalized best-effort to `+` and its digits; only input
/// with no digits (or absurdly many) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    given: String,
    normalized: String,
}

impl Phone {
    /// Parses `raw` for `field`, reading national numbers in `region`.
    pub fn parse(field: &str, raw: &str, region: phonenumber::country::Id) -> DomainResult<Self> {
        let given = raw.trim();
        if given.chars().count() > MAX_PHONE_LEN {
            return Err(DomainError::invalid(
                field,
                format!("`{field}` is longer than {MAX_PHONE_LEN} characters"),
            ));
        }
        let digits: String = given.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(DomainError::invalid(
                field,
                format!("`{field}` must contain digits, e.g. \"+14165551234\""),
            ));
        }
        if digits.len() > MAX_PHONE_DIGITS {
            return Err(DomainError::invalid(
                field,
                format!("`{field}` has more than {MAX_PHONE_DIGITS} digits"),
            ));
        }
        let parsed = std::panic::catch_unwind(|| phonenumber::parse(Some(region), given).ok())
            .ok()
            .flatten();
        let normalized = match parsed {
            Some(number) if phonenumber::is_valid(&number) => {
                number.format().mode(phonenumber::Mode::E164).to_string()
            }
            _ => format!("+{digits}"),
        };
        Ok(Self {
            given: given.to_string(),
            normalized,
        })
    }

    /// The number as given (trimmed).
    pub fn given(&self) -> &str {
        &self.given
    }

    /// The E.164 form (`+14165551234`), or `+` and digits when not validatable.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// Reads a region code such as `US` or `CA` (the `CRM_DEFAULT_REGION` setting).
pub fn parse_region(code: &str) -> Option<phonenumber::country::Id> {
    code.trim().to_uppercase().parse().ok()
}

/// A message channel (guide: "Channel Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Email.
    Email,
    /// Chat / chatbot.
    Chat,
    /// Voice / phone call.
    Voice,
    /// SMS.
    Sms,
    /// WhatsApp.
    Whatsapp,
    /// Social media.
    Social,
}

/// Which way a message went (guide §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the customer.
    Inbound,
    /// To the customer.
    Outbound,
}

/// Delivery status of a message (guide §10 and §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    /// Handed to the carrier (the default).
    #[default]
    Sent,
    /// Confirmed delivered.
    Delivered,
    /// Failed to send: listed by `GET /messages/failed`.
    Failed,
    /// Not sent yet.
    Pending,
}

/// Conversation status (guide: "Conversation Status Values").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// Ongoing conversation.
    Active,
    /// Cold lead, follow up later. Still the customer's open conversation.
    Paused,
    /// Successfully converted. Closed.
    Resolved,
    /// Dead lead. Closed.
    Archived,
}

impl ConversationStatus {
    /// Active and paused conversations are *open*: a customer has at most one.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ConversationStatus::Active | ConversationStatus::Paused
        )
    }

    /// The wire name (`active` …), as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationStatus::Active => "active",
            ConversationStatus::Paused => "paused",
            ConversationStatus::Resolved => "resolved",
            ConversationStatus::Archived => "archived",
        }
    }
}

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Now, as fixed-width RFC 3339 UTC with milliseconds (`2026-02-20T10:30:00.123Z`).
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(TIMESTAMP)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// Trims `raw`; blank becomes `None`; longer than `max` characters is a 400 on `field`.
pub fn text(field: &str, raw: Option<&str>, max: usize) -> DomainResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.chars().count() > max => Err(DomainError::invalid(
            field,
            format!("`{field}` is longer than {max} characters"),
        )),
        Some(v) => Ok(Some(v.to_string())),
    }
}

/// The first `max` characters of `text`.
pub fn preview(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> phonenumber::country::Id {
        parse_region("US").unwrap()
    }

    #[test]
    fn email_shapes() {
        assert_eq!(
            EmailAddress::parse("email", " John@Example.com ")
                .unwrap()
                .as_str(),
            "John@Example.com"
        );
        assert_eq!(
            EmailAddress::parse("email", "John@Example.com")
                .unwrap()
                .key(),
            "john@example.com"
        );
        for bad in [
            "",
            "john",
            "john@",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@example..com",
            "a@-x.com",
        ] {
            let err = EmailAddress::parse("email", bad).unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { ref field, .. } if field == "email"),
                "{bad}: {err:?}"
            );
        }
        assert!(EmailAddress::parse("email", &format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn phones_normalize_any_formatting_to_one_e164() {
        for given in [
            "+14165551234",
            "+1 416 555 1234",
            "(416) 555-1234",
            "416.555.1234",
            "1-416-555-1234",
            "+1 (416) 555-1234",
        ] {
            assert_eq!(
                Phone::parse("phone", given, us()).unwrap().normalized(),
                "+14165551234",
                "{given}"
            );
        }
        let p = Phone::parse("phone", " +1 416 555 1234 ", us()).unwrap();
        assert_eq!(p.given(), "+1 416 555 1234");
    }

    #[test]
    fn phones_respect_region() {
        let gb = parse_region("gb").unwrap();
        assert_eq!(
            Phone::parse("phone", "020 7946 0018", gb)
                .unwrap()
                .normalized(),
            "+442079460018"
        );
    }

    #[test]
    fn unvalidatable_phones_are_kept_best_effort() {
        assert_eq!(
            Phone::parse("phone", "+1234567890", us())
                .unwrap()
                .normalized(),
            "+1234567890"
        );
        assert_eq!(
            Phone::parse("phone", "+1 234-567-890", us())
                .unwrap()
                .normalized(),
            "+1234567890"
        );
        assert_eq!(
            Phone::parse("phone", "12", us()).unwrap().normalized(),
            "+12"
        );
    }

    #[test]
    fn phones_without_digits_or_with_too_many_are_refused() {
        for bad in [
            "",
            "   ",
            "abc",
            "+",
            "call me",
            "1234567890123456",
            &"1".repeat(41),
        ] {
            let err = Phone::parse("phone", bad, us()).unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { ref field, .. } if field == "phone"),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn odd_phone_inputs_never_panic() {
        for odd in [
            "+0",
            "+999999999999999",
            "00",
            "+1 (((",
            "٣٤٥",
            "+44 0000",
            "*123#",
            "+800 1234 5678",
            "tel:+1-416-555-1234",
        ] {
            let _ = Phone::parse("phone", odd, us());
        }
    }

    #[test]
    fn timestamps_are_fixed_width_utc() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 24, "{t}");
        assert!(t.ends_with('Z'));
        assert!(
            time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).is_ok()
        );
    }

    #[test]
    fn text_trims_blanks_and_limits() {
        assert_eq!(
            text("name", Some("  Ann "), 10).unwrap().as_deref(),
            Some("Ann")
        );
        assert_eq!(text("name", Some("   "), 10).unwrap(), None);
        assert!(text("name", Some("abcdefghijk"), 10).is_err());
        assert_eq!(preview("héllo", 2), "hé");
    }
}
