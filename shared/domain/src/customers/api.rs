//! What the customers endpoints take and return (guide §1–7).

use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{AllOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::ToSchema;

use crate::codec::double_option;
use crate::error::{DomainError, DomainResult, Missing};
use crate::types::{nonblank, schema, text, Channel, CustomerId, EmailAddress, Phone};
use crate::Crm;

/// Longest `name` / `company`, in characters.
pub const MAX_NAME_LEN: usize = 200;
/// Longest `external_crm_id`, in characters.
pub const MAX_EXTERNAL_ID_LEN: usize = 128;

/// A customer as the API returns it (guide §1 and §3). Absent values are `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// Integer id, allocated atomically and never reused.
    pub customer_id: i64,
    /// Display name.
    pub name: Option<String>,
    /// Email as given; unique case-insensitively.
    pub email: Option<String>,
    /// Phone as given.
    pub phone: Option<String>,
    /// The phone in E.164 (`+14165551234`); unique.
    pub phone_normalized: Option<String>,
    /// Company name.
    pub company: Option<String>,
    /// Id of this customer in another CRM; unique.
    pub external_crm_id: Option<String>,
    /// Messaging identities ingest knows this customer by
    /// (`platform:handle`, e.g. `telegram:@johndoe`); unique.
    pub identities: Vec<String>,
    /// Channels the customer opted out of by texting `STOP` (or another
    /// opt-out keyword) on them; replies on them are refused until `START`.
    /// Empty for most customers.
    #[serde(default)]
    pub opted_out: Vec<Channel>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// Body of `POST /customers` and `POST /customers/upsert` (guide §1, §7).
///
/// `phone_normalized` is recomputed from `phone`; when only
/// `phone_normalized` is sent it is used as the phone (when both are sent,
/// both must be phones). Blank strings count as absent. The OpenAPI bodies
/// add the cross-field rules: [`NewCustomerBody`], [`UpsertBody`].
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CustomerInput {
    /// Display name (≤ 200 characters).
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Email address.
    #[schema(schema_with = schema::optional_email)]
    pub email: Option<String>,
    /// Phone in any formatting.
    #[schema(schema_with = schema::optional_phone)]
    pub phone: Option<String>,
    /// Accepted for compatibility; recomputed from `phone`.
    #[schema(schema_with = schema::optional_phone)]
    pub phone_normalized: Option<String>,
    /// Company (≤ 200 characters).
    #[schema(max_length = 200)]
    pub company: Option<String>,
    /// Id in another CRM (≤ 128 characters).
    #[schema(max_length = 128)]
    pub external_crm_id: Option<String>,
}

/// The OpenAPI request body of `POST /customers` (guide §1): a
/// [`CustomerInput`] with at least one of `email`, `phone`,
/// `phone_normalized` given and not blank (else 400).
pub struct NewCustomerBody;

impl utoipa::PartialSchema for NewCustomerBody {
    fn schema() -> RefOr<Schema> {
        AllOfBuilder::new()
            .item(Ref::from_schema_name("CustomerInput"))
            .item(schema::any_of([
                schema::required_field("email", schema::email()),
                schema::required_field("phone", schema::phone()),
                schema::required_field("phone_normalized", schema::phone()),
            ]))
            .description(Some(
                "A customer: at least one of `email`, `phone`, `phone_normalized`, not blank.",
            ))
            .into()
    }
}

impl ToSchema for NewCustomerBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            CustomerInput::name().into(),
            <CustomerInput as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// The OpenAPI request body of `POST /customers/upsert` (guide §7): a
/// [`CustomerInput`] whose `email` is given and not blank (else 400).
pub struct UpsertBody;

impl utoipa::PartialSchema for UpsertBody {
    fn schema() -> RefOr<Schema> {
        AllOfBuilder::new()
            .item(Ref::from_schema_name("CustomerInput"))
            .item(schema::required_field("email", schema::email()))
            .description(Some("A customer keyed by `email` (required, not blank)."))
            .into()
    }
}

impl ToSchema for UpsertBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            CustomerInput::name().into(),
            <CustomerInput as utoipa::PartialSchema>::schema(),
        ));
    }
}

/// Body of `PUT /customers/{customer_id}` (guide §4): absent fields are kept,
/// `null` (or a blank string) clears a field. Email or phone must remain
/// (else 409: the rule is about the stored customer, not the body alone).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CustomerPatch {
    /// New name (≤ 200 characters), or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub name: Option<Option<String>>,
    /// New email, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = schema::optional_email)]
    pub email: Option<Option<String>>,
    /// New phone, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = schema::optional_phone)]
    pub phone: Option<Option<String>>,
    /// Used as the phone when `phone` is absent.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = schema::optional_phone)]
    pub phone_normalized: Option<Option<String>>,
    /// New company (≤ 200 characters), or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub company: Option<Option<String>>,
    /// New external CRM id (≤ 128 characters), or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 128)]
    pub external_crm_id: Option<Option<String>>,
}

/// The `by` values of a customer lookup (`GET /customers/{id}`,
/// `GET /context/{identifier}`), read in any case by [`CustomerRef::parse`].
pub const CUSTOMER_BY: [&str; 7] = [
    "id",
    "customer_id",
    "email",
    "phone",
    "phone_normalized",
    "external_id",
    "external_crm_id",
];

/// How a path identifier names a customer (`?by=` of guide §3 and §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerRef {
    /// `by=id` (the default for an integer).
    Id(CustomerId),
    /// `by=email`.
    Email(EmailAddress),
    /// `by=phone` / `by=phone_normalized`: any formatting of the number.
    Phone(Phone),
    /// `by=external_id`.
    ExternalId(String),
}

impl CustomerRef {
    /// Reads a path `identifier` as `by` says (guide §3, §8). Without `by`:
    /// a value with `@` is an email, one starting with `+` a phone, anything
    /// else an id. `by` accepts `id`, `customer_id`, `email`, `phone`,
    /// `phone_normalized`, `external_id`, `external_crm_id` in any case;
    /// another `by` is a 400.
    ///
    /// An identifier that cannot be a value of its kind (`by=email` with
    /// `5`, an id `MIT`) names no customer: a 404 "Customer not found with
    /// {by}: {identifier}", as for a well-formed value nobody holds — the path
    /// is any string, so the OpenAPI document can state it exactly.
    pub fn parse(identifier: &str, by: Option<&str>, crm: &Crm) -> DomainResult<Self> {
        let region = crm.settings.default_region;
        let by = match by {
            Some(by) => by.to_ascii_lowercase(),
            None if identifier.contains('@') => "email".into(),
            None if identifier.trim_start().starts_with('+') => "phone".into(),
            None => "id".into(),
        };
        let (label, parsed) = match by.as_str() {
            "id" | "customer_id" => ("id", CustomerId::parse("id", identifier).map(CustomerRef::Id)),
            "email" => ("email", EmailAddress::parse("identifier", identifier).map(CustomerRef::Email)),
            "phone" => ("phone", Phone::parse("identifier", identifier, region).map(CustomerRef::Phone)),
            "phone_normalized" => ("phone_normalized", Phone::parse("identifier", identifier, region).map(CustomerRef::Phone)),
            "external_id" | "external_crm_id" => (
                "external_id",
                text("identifier", Some(identifier), MAX_EXTERNAL_ID_LEN).and_then(|x| {
                    x.map(CustomerRef::ExternalId)
                        .ok_or_else(|| DomainError::invalid("identifier", "empty"))
                }),
            ),
            other => {
                return Err(DomainError::invalid(
                    "by",
                    format!("`by` must be one of id, email, phone, phone_normalized, external_id; got {other:?}"),
                ))
            }
        };
        parsed.map_err(|_| DomainError::not_found(Missing::Customer { by: label }, identifier))
    }

    /// Reads a body field (`POST /customers/lookup`, guide §6) of kind `by`
    /// (`email`, `phone`, `external_id`): a malformed value is a 400 on `field`.
    pub fn from_field(field: &str, value: &str, by: &str, crm: &Crm) -> DomainResult<Self> {
        match by {
            "email" => EmailAddress::parse(field, value).map(CustomerRef::Email),
            "phone" => {
                Phone::parse(field, value, crm.settings.default_region).map(CustomerRef::Phone)
            }
            _ => text(field, Some(value), MAX_EXTERNAL_ID_LEN)?
                .map(CustomerRef::ExternalId)
                .ok_or_else(|| DomainError::invalid(field, format!("`{field}` is empty"))),
        }
    }

    /// The 404 for this lookup; `phone_label` is how a phone lookup is named.
    pub(crate) fn not_found(&self, phone_label: &'static str) -> DomainError {
        match self {
            CustomerRef::Id(id) => DomainError::not_found(Missing::Customer { by: "id" }, id),
            CustomerRef::Email(e) => {
                DomainError::not_found(Missing::Customer { by: "email" }, e.as_str())
            }
            CustomerRef::Phone(p) => {
                DomainError::not_found(Missing::Customer { by: phone_label }, p.normalized())
            }
            CustomerRef::ExternalId(x) => {
                DomainError::not_found(Missing::Customer { by: "external_id" }, x)
            }
        }
    }
}

/// Filters of `GET /customers` (guide §2). `name` and `company` match a
/// case-insensitive substring; `email` and `phone` match exactly (any formatting).
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Exact email.
    pub email: Option<EmailAddress>,
    /// Exact phone, any formatting.
    pub phone: Option<Phone>,
    /// Substring of the company, any case.
    pub company: Option<String>,
    /// Substring of the name, any case.
    pub name: Option<String>,
}

impl CustomerFilter {
    /// Validates the raw query values.
    pub fn parse(
        crm: &Crm,
        email: Option<&str>,
        phone: Option<&str>,
        company: Option<&str>,
        name: Option<&str>,
    ) -> DomainResult<Self> {
        Ok(Self {
            email: nonblank(email)
                .map(|e| EmailAddress::parse("email", e))
                .transpose()?,
            phone: nonblank(phone)
                .map(|p| Phone::parse("phone", p, crm.settings.default_region))
                .transpose()?,
            company: text("company", company, MAX_NAME_LEN)?.map(|c| c.to_lowercase()),
            name: text("name", name, MAX_NAME_LEN)?.map(|c| c.to_lowercase()),
        })
    }
}
