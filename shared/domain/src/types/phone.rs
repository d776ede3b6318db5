//! [`Phone`]: a phone number as given and its E.164 form (guide §1, §3).

use crate::error::{DomainError, DomainResult};

/// Longest accepted phone input, in characters.
pub const MAX_PHONE_LEN: usize = 40;
/// Most digits in a phone number (E.164 allows 15; a little slack for extensions is refused).
pub const MAX_PHONE_DIGITS: usize = 15;

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
        if raw.chars().count() > MAX_PHONE_LEN {
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
        if is_canonical_e164(given) {
            return Ok(Self {
                given: given.to_string(),
                normalized: given.to_string(),
            });
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

/// `+` then 7–15 digits, the first not 0, and nothing else: the shape of a
/// normalized number (ITU-T E.164: at most 15 digits, country codes start 1–9).
fn is_canonical_e164(given: &str) -> bool {
    let Some(digits) = given.strip_prefix('+') else {
        return false;
    };
    (7..=MAX_PHONE_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Reads a region code such as `US` or `CA` (the `CRM_DEFAULT_REGION` setting).
pub fn parse_region(code: &str) -> Option<phonenumber::country::Id> {
    code.trim().to_uppercase().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> phonenumber::country::Id {
        parse_region("US").unwrap()
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

    /// The canonical-E.164 shortcut answers what libphonenumber answers,
    /// for valid numbers of many regions and for unvalidatable ones.
    #[test]
    fn canonical_e164_input_normalizes_as_the_library_does() {
        for given in [
            "+14165551234",
            "+442079460018",
            "+33142685300",
            "+4930901820",
            "+390612345678",
            "+61291234567",
            "+819012345678",
            "+5511912345678",
            "+919876543210",
            "+8613812345678",
            "+27211234567",
            "+6831234",
            "+1234567890",
            "+999999999999999",
        ] {
            assert!(is_canonical_e164(given), "{given}");
            let library = phonenumber::parse(Some(us()), given)
                .ok()
                .filter(phonenumber::is_valid)
                .map(|n| n.format().mode(phonenumber::Mode::E164).to_string())
                .unwrap_or_else(|| given.to_string());
            assert_eq!(
                Phone::parse("phone", given, us()).unwrap().normalized(),
                library
            );
        }
        for not_canonical in [
            "+1 416 555 1234",
            "14165551234",
            "+0123456789",
            "+123456",
            "+1234567890123456",
            "+1416555123x",
        ] {
            assert!(!is_canonical_e164(not_canonical), "{not_canonical}");
        }
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
}
