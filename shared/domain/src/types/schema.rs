//! The JSON Schema of each validated input, as `docs/openapi.json` states it:
//! what the parsers in this folder accept, said so that a generated client —
//! and schemathesis, which runs in the test command — agrees with the server
//! in both directions (every value the schema allows is accepted, every value
//! it forbids is a 400).
//!
//! Used through `#[schema(schema_with = …)]` on request fields and by the
//! `ToSchema` impls of the id types.

use utoipa::openapi::schema::{
    AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;

use super::email::MAX_EMAIL_LEN;
use super::phone::{MAX_PHONE_DIGITS, MAX_PHONE_LEN};

/// The characters `str::trim` removes (Unicode `White_Space`, as
/// `char::is_whitespace`), spelled for an ECMA-262 and a Python regex alike.
pub const WHITESPACE_CLASS: &str =
    r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// A string that is empty once trimmed: optional text given blank counts as absent.
pub fn blank() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^[{WHITESPACE_CLASS}]*$")))
        .description(Some("Blank: the same as leaving the field out."))
        .into()
}

/// A required text of at most `max` characters as sent, with at least one
/// character that is not whitespace.
pub fn not_blank(max: usize, description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("[^{WHITESPACE_CLASS}]")))
        .max_length(Some(max))
        .description(Some(description))
        .into()
}

/// One of `values` (a query parameter read in any case).
pub fn enum_of(values: &[&str]) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .into()
}

/// `null`.
pub fn null() -> Schema {
    ObjectBuilder::new().schema_type(Type::Null).into()
}

/// An email address as [`super::EmailAddress::parse`] reads it: `format: email`,
/// at most 254 characters.
pub fn email() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(MAX_EMAIL_LEN))
        .description(Some("Email address (one `@`, a dotted domain, no spaces)."))
        .into()
}

/// A phone as [`super::Phone::parse`] reads it: any formatting with 1 to 15
/// ASCII digits, at most 40 characters.
pub fn phone() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^[^0-9]*([0-9][^0-9]*){{1,{MAX_PHONE_DIGITS}}}$"
        )))
        .max_length(Some(MAX_PHONE_LEN))
        .description(Some(
            "Phone in any formatting, e.g. `+1 (416) 555-1234`: 1 to 15 digits; stored in E.164.",
        ))
        .into()
}

/// A positive 64-bit integer id (`customer_id`, `log_id`).
pub fn positive_id(description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        .maximum(Some(i64::MAX))
        .description(Some(description))
        .into()
}

/// A conversation id: a hyphenated UUID, any case.
pub fn uuid(description: &str) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uuid".into())))
        .description(Some(description))
        .into()
}

/// Any of `options`.
pub fn any_of(options: impl IntoIterator<Item = Schema>) -> Schema {
    options
        .into_iter()
        .fold(AnyOfBuilder::new(), |b, s| b.item(s))
        .into()
}

/// An object in which `field` is present and matches `schema`.
pub fn required_field(field: &str, schema: Schema) -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(field, schema)
        .required(field)
        .into()
}

/// A messaging connection's `delivery_url` as the schema promises it is
/// accepted (issue 22): `https://` and a domain name (a dotted name ending
/// in letters: never an IP address, which the server may refuse as
/// private), an optional port, an optional path of printable ASCII; at most
/// 2,048 characters. The server also accepts some URLs this does not
/// describe (a public IP address, an uppercase host).
pub fn delivery_url() -> Schema {
    let label = "(?!xn--)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    let port = "(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?";
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^[{WHITESPACE_CLASS}]*https://({label}\\.)+[a-z]{{2,63}}{port}(/[!-~]*)?[{WHITESPACE_CLASS}]*$"
        )))
        .max_length(Some(super::MAX_DELIVERY_URL_LEN))
        .description(Some(
            "An https URL on a public host (no credentials, not a private or metadata address).",
        ))
        .into()
}

/// A messaging connection's id: 1 to 64 of `A–Z a–z 0–9 _ - .`.
pub fn connection_id() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^[A-Za-z0-9_.-]{1,64}$"))
        .description(Some("Connection id, e.g. `wa_business_123`."))
        .into()
}

/// An optional email field: `null`, blank (absent) or an address.
pub fn optional_email() -> RefOr<Schema> {
    any_of([null(), blank(), email()]).into()
}

/// An optional phone field: `null`, blank (absent) or a phone.
pub fn optional_phone() -> RefOr<Schema> {
    any_of([null(), blank(), phone()]).into()
}

/// An optional conversation id in a body: `null` or a UUID.
pub fn optional_context_id() -> RefOr<Schema> {
    any_of([null(), uuid("Conversation id (UUID).")]).into()
}
