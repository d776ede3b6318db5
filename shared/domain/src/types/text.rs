//! Free text and timestamps: trimming, length limits, previews, the stored
//! timestamp format (the time itself comes from [`Crm::now`](crate::Crm::now)).

use time::{format_description::FormatItem, macros::format_description, OffsetDateTime};

use crate::error::{DomainError, DomainResult};

/// Longest message body (`message_body`, a reply's text), in characters
/// (at most 256 KiB of UTF-8, well inside DynamoDB's 400 KB item).
pub const MAX_BODY_CHARS: usize = 64 * 1024;
/// Longest message subject, in characters (RFC 5322's line limit).
pub const MAX_SUBJECT_LEN: usize = 998;

const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// `at` as fixed-width RFC 3339 UTC with milliseconds
/// (`2026-02-20T10:30:00.123Z`): every stored timestamp, so that they sort
/// as text.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_string())
}

/// `raw` trimmed, or `None` when it is absent or blank: how every optional
/// text input is read (blank counts as absent).
pub fn nonblank(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|v| !v.is_empty())
}

/// Longer than `max` characters as sent (the OpenAPI `maxLength`) is a 400
/// on `field`; then trimmed, and blank becomes `None`.
pub fn text(field: &str, raw: Option<&str>, max: usize) -> DomainResult<Option<String>> {
    if raw.is_some_and(|v| v.chars().count() > max) {
        return Err(DomainError::invalid(
            field,
            format!("`{field}` is longer than {max} characters"),
        ));
    }
    Ok(nonblank(raw).map(str::to_string))
}

/// The first `max` characters of `text`.
pub fn preview(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_fixed_width_utc() {
        let t = rfc3339(OffsetDateTime::now_utc());
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
        assert_eq!(nonblank(Some(" a ")), Some("a"));
        assert_eq!(nonblank(Some(" \t")), None);
        assert!(text("name", Some("abcdefghijk"), 10).is_err());
        assert!(
            text("name", Some("abcdefghij "), 10).is_err(),
            "counted as sent"
        );
        assert_eq!(preview("héllo", 2), "hé");
    }
}
