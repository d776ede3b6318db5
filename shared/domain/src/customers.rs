//! Customers (guide §1–7): create, get by id/email/phone/external id, list,
//! update, delete, lookup, upsert.
//!
//! Rules:
//! - a customer has an email or a phone (or both);
//! - at most one customer per email (case-insensitive), per normalized phone
//!   and per `external_crm_id`: each value is reserved by a uniqueness item
//!   written in the same transaction as the customer, so a conflicting write
//!   is canceled and answered 409 with the holder's `customer_id`;
//! - lookups by email/phone/external id read those uniqueness items (base
//!   table, strongly consistent), never a GSI: Workflow 2 creates a customer
//!   and looks it up by phone at once;
//! - deleting a customer releases its values and archives its open conversation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{DomainError, DomainResult};
use crate::keys;
use crate::paging::{self, ListParams, Listed};
use crate::record::{double_option, from_item, to_item};
use crate::store::{
    int_attr, n, s, CancelReason, Condition, Delete, Index, Item, Put, Query, ReturnValues,
    StoreError, Update, UpdateAction, WriteAction,
};
use crate::types::{now_rfc3339, text, EmailAddress, Phone};
use crate::{Crm, OPTIMISTIC_ATTEMPTS};

fn nonblank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

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
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// Body of `POST /customers` and `POST /customers/upsert` (guide §1, §7).
///
/// `phone_normalized` is recomputed from `phone`; when only
/// `phone_normalized` is sent it is used as the phone. Blank strings count as absent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CustomerInput {
    /// Display name (≤ 200 characters).
    pub name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Phone in any formatting.
    pub phone: Option<String>,
    /// Accepted for compatibility; recomputed from `phone`.
    pub phone_normalized: Option<String>,
    /// Company (≤ 200 characters).
    pub company: Option<String>,
    /// Id in another CRM (≤ 128 characters).
    pub external_crm_id: Option<String>,
}

/// Body of `PUT /customers/{customer_id}` (guide §4): absent fields are kept,
/// `null` (or a blank string) clears a field. Email or phone must remain.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CustomerPatch {
    /// New name, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// New email, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// New phone, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Used as the phone when `phone` is absent.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone_normalized: Option<Option<String>>,
    /// New company, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub company: Option<Option<String>>,
    /// New external CRM id, or `null` to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_crm_id: Option<Option<String>>,
}

/// How a path identifier names a customer (`?by=` of guide §3 and §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerRef {
    /// `by=id` (the default for an integer).
    Id(i64),
    /// `by=email`.
    Email(EmailAddress),
    /// `by=phone` / `by=phone_normalized`: any formatting of the number.
    Phone(Phone),
    /// `by=external_id`.
    ExternalId(String),
}

impl CustomerRef {
    /// Reads `identifier` as `by` says. Without `by`: an integer is an id, a
    /// value with `@` an email, a value starting with `+` a phone.
    /// `by` accepts `id`, `customer_id`, `email`, `phone`, `phone_normalized`, `external_id`.
    pub fn parse(identifier: &str, by: Option<&str>, crm: &Crm) -> DomainResult<Self> {
        let identifier = identifier.trim();
        let region = crm.settings.default_region;
        let by = match by.map(str::trim).filter(|b| !b.is_empty()) {
            Some(by) => by.to_ascii_lowercase(),
            None if identifier.contains('@') => "email".into(),
            None if identifier.starts_with('+') => "phone".into(),
            None => "id".into(),
        };
        match by.as_str() {
            "id" | "customer_id" => parse_customer_id("id", identifier).map(CustomerRef::Id),
            "email" => EmailAddress::parse("identifier", identifier).map(CustomerRef::Email),
            "phone" | "phone_normalized" => Phone::parse("identifier", identifier, region).map(CustomerRef::Phone),
            "external_id" | "external_crm_id" => text("identifier", Some(identifier), MAX_EXTERNAL_ID_LEN)?
                .map(CustomerRef::ExternalId)
                .ok_or_else(|| DomainError::invalid("identifier", "the external id is empty")),
            other => Err(DomainError::invalid(
                "by",
                format!("`by` must be one of id, email, phone, phone_normalized, external_id; got {other:?}"),
            )),
        }
    }

    fn describe(&self, phone_label: &str) -> String {
        match self {
            CustomerRef::Id(id) => format!("Customer not found with id: {id}"),
            CustomerRef::Email(e) => format!("Customer not found with email: {}", e.as_str()),
            CustomerRef::Phone(p) => {
                format!("Customer not found with {phone_label}: {}", p.normalized())
            }
            CustomerRef::ExternalId(x) => format!("Customer not found with external_id: {x}"),
        }
    }
}

/// Reads a customer id path segment or field: a positive integer.
pub fn parse_customer_id(field: &str, raw: &str) -> DomainResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(DomainError::invalid(
            field,
            format!("`{field}` must be a positive integer customer id, got {raw:?}"),
        )),
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

    fn matches(&self, r: &CustomerRecord) -> bool {
        let has = |field: &Option<String>, needle: &Option<String>| match needle {
            None => true,
            Some(needle) => field
                .as_ref()
                .is_some_and(|f| f.to_lowercase().contains(needle.as_str())),
        };
        has(&r.company, &self.company) && has(&r.name, &self.name)
    }
}

/// The stored customer item (`CUSTOMER#<id>` / `PROFILE`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct CustomerRecord {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    pub entity: String,
    #[serde(rename = "GSI1PK")]
    pub gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    pub gsi1sk: String,
    pub customer_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_lc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_lc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_normalized: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_lc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_crm_id: Option<String>,
    /// The customer's open (active or paused) conversation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_context_id: Option<String>,
    /// Bumped on every profile write; deleting requires it unchanged since read.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl CustomerRecord {
    pub(crate) fn to_api(&self) -> Customer {
        Customer {
            customer_id: self.customer_id,
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            phone_normalized: self.phone_normalized.clone(),
            company: self.company.clone(),
            external_crm_id: self.external_crm_id.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }

    /// The uniqueness items this customer holds: (kind, key).
    fn reservations(&self) -> Vec<(Unique, crate::store::Key)> {
        let mut out = Vec::new();
        if let Some(e) = &self.email_lc {
            out.push((Unique::Email, keys::email_unique(e)));
        }
        if let Some(p) = &self.phone_normalized {
            out.push((Unique::Phone, keys::phone_unique(p)));
        }
        if let Some(x) = &self.external_crm_id {
            out.push((Unique::ExternalId, keys::external_id_unique(x)));
        }
        out
    }

    /// The profile attributes as `SET`/`REMOVE` actions.
    fn profile_actions(&self) -> Vec<UpdateAction> {
        let fields: [(&str, &Option<String>); 9] = [
            ("name", &self.name),
            ("name_lc", &self.name_lc),
            ("email", &self.email),
            ("email_lc", &self.email_lc),
            ("phone", &self.phone),
            ("phone_normalized", &self.phone_normalized),
            ("company", &self.company),
            ("company_lc", &self.company_lc),
            ("external_crm_id", &self.external_crm_id),
        ];
        let mut actions: Vec<UpdateAction> = fields
            .into_iter()
            .map(|(name, value)| match value {
                Some(v) => UpdateAction::Set(name.into(), s(v.clone())),
                None => UpdateAction::Remove(name.into()),
            })
            .collect();
        actions.push(UpdateAction::Add("version".into(), 1));
        actions.push(UpdateAction::Set(
            "updated_at".into(),
            s(self.updated_at.clone()),
        ));
        actions
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unique {
    Email,
    Phone,
    ExternalId,
}

impl Unique {
    fn label(self) -> &'static str {
        match self {
            Unique::Email => "email",
            Unique::Phone => "phone",
            Unique::ExternalId => "external_crm_id",
        }
    }
}

/// Validated profile values shared by create, upsert and update.
#[derive(Debug, Clone, Default)]
struct Profile {
    name: Option<String>,
    email: Option<EmailAddress>,
    phone: Option<Phone>,
    company: Option<String>,
    external_crm_id: Option<String>,
}

impl Profile {
    fn apply_to(&self, r: &mut CustomerRecord) {
        r.name = self.name.clone();
        r.name_lc = self.name.as_ref().map(|v| v.to_lowercase());
        r.email = self.email.as_ref().map(|e| e.as_str().to_string());
        r.email_lc = self.email.as_ref().map(EmailAddress::key);
        r.phone = self.phone.as_ref().map(|p| p.given().to_string());
        r.phone_normalized = self.phone.as_ref().map(|p| p.normalized().to_string());
        r.company = self.company.clone();
        r.company_lc = self.company.as_ref().map(|v| v.to_lowercase());
        r.external_crm_id = self.external_crm_id.clone();
    }

    fn from_record(r: &CustomerRecord, crm: &Crm) -> Self {
        Self {
            name: r.name.clone(),
            email: r
                .email
                .as_deref()
                .and_then(|e| EmailAddress::parse("email", e).ok()),
            phone: r
                .phone
                .as_deref()
                .and_then(|p| Phone::parse("phone", p, crm.settings.default_region).ok()),
            company: r.company.clone(),
            external_crm_id: r.external_crm_id.clone(),
        }
    }

    fn require_contact(&self) -> DomainResult<()> {
        if self.email.is_none() && self.phone.is_none() {
            return Err(DomainError::invalid(
                "email",
                "at least one of `email` or `phone` is required",
            ));
        }
        Ok(())
    }
}

fn parse_email(raw: Option<&str>) -> DomainResult<Option<EmailAddress>> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => EmailAddress::parse("email", v).map(Some),
    }
}

fn parse_phone(
    crm: &Crm,
    phone: Option<&str>,
    normalized: Option<&str>,
) -> DomainResult<Option<Phone>> {
    match (nonblank(phone), nonblank(normalized)) {
        (Some(p), _) => Phone::parse("phone", p, crm.settings.default_region).map(Some),
        (None, Some(p)) => {
            Phone::parse("phone_normalized", p, crm.settings.default_region).map(Some)
        }
        (None, None) => Ok(None),
    }
}

impl CustomerInput {
    fn profile(&self, crm: &Crm) -> DomainResult<Profile> {
        Ok(Profile {
            name: text("name", self.name.as_deref(), MAX_NAME_LEN)?,
            email: parse_email(self.email.as_deref())?,
            phone: parse_phone(crm, self.phone.as_deref(), self.phone_normalized.as_deref())?,
            company: text("company", self.company.as_deref(), MAX_NAME_LEN)?,
            external_crm_id: text(
                "external_crm_id",
                self.external_crm_id.as_deref(),
                MAX_EXTERNAL_ID_LEN,
            )?,
        })
    }

    /// The fields this input sets, as a patch (upsert on an existing customer).
    fn as_patch(&self) -> CustomerPatch {
        let keep_given = |v: &Option<String>| {
            v.as_ref()
                .filter(|v| !v.trim().is_empty())
                .map(|v| Some(v.clone()))
        };
        CustomerPatch {
            name: keep_given(&self.name),
            email: keep_given(&self.email),
            phone: keep_given(&self.phone),
            phone_normalized: keep_given(&self.phone_normalized),
            company: keep_given(&self.company),
            external_crm_id: keep_given(&self.external_crm_id),
        }
    }
}

impl CustomerPatch {
    fn merge(&self, crm: &Crm, current: &Profile) -> DomainResult<Profile> {
        let mut p = current.clone();
        if let Some(v) = &self.name {
            p.name = text("name", v.as_deref(), MAX_NAME_LEN)?;
        }
        if let Some(v) = &self.email {
            p.email = parse_email(v.as_deref())?;
        }
        match (&self.phone, &self.phone_normalized) {
            (Some(v), _) => p.phone = parse_phone(crm, v.as_deref(), None)?,
            (None, Some(v)) => p.phone = parse_phone(crm, None, v.as_deref())?,
            (None, None) => {}
        }
        if let Some(v) = &self.company {
            p.company = text("company", v.as_deref(), MAX_NAME_LEN)?;
        }
        if let Some(v) = &self.external_crm_id {
            p.external_crm_id = text("external_crm_id", v.as_deref(), MAX_EXTERNAL_ID_LEN)?;
        }
        p.require_contact()?;
        Ok(p)
    }
}

fn unique_item(key: &crate::store::Key, customer_id: i64) -> Item {
    let mut item = key.to_item();
    item.insert(keys::ENTITY.into(), s("unique"));
    item.insert("customer_id".into(), n(customer_id));
    item
}

impl Crm {
    pub(crate) async fn customer_record(&self, id: i64) -> DomainResult<Option<CustomerRecord>> {
        match self.store.get_item(&keys::customer(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// The customer holding a uniqueness item, if any (one `GetItem`).
    async fn holder_of(&self, key: &crate::store::Key) -> DomainResult<Option<i64>> {
        Ok(self
            .store
            .get_item(key)
            .await?
            .and_then(|item| int_attr(&item, "customer_id")))
    }

    /// Resolves a reference to the stored customer; 404 names what was looked up.
    /// `phone_label` is how a phone lookup is named in the message.
    /// Store calls: 1 by id, 2 otherwise.
    pub(crate) async fn resolve_customer(
        &self,
        r: &CustomerRef,
        phone_label: &str,
    ) -> DomainResult<CustomerRecord> {
        let id = match r {
            CustomerRef::Id(id) => Some(*id),
            CustomerRef::Email(e) => self.holder_of(&keys::email_unique(&e.key())).await?,
            CustomerRef::Phone(p) => self.holder_of(&keys::phone_unique(p.normalized())).await?,
            CustomerRef::ExternalId(x) => self.holder_of(&keys::external_id_unique(x)).await?,
        };
        let found = match id {
            Some(id) => self.customer_record(id).await?,
            None => None,
        };
        found.ok_or_else(|| DomainError::NotFound(r.describe(phone_label)))
    }

    /// `GET /customers/{id}` and `POST /customers/lookup` (guide §3, §6).
    pub async fn find_customer(&self, r: &CustomerRef) -> DomainResult<Customer> {
        Ok(self.resolve_customer(r, "phone").await?.to_api())
    }

    /// `POST /customers` (guide §1): 201 with the new customer; 409 when the
    /// email, phone or external id belongs to another customer.
    /// Store calls: 2 (`UpdateItem` on the id counter, `TransactWriteItems`), +1 on conflict.
    pub async fn create_customer(&self, input: &CustomerInput) -> DomainResult<Customer> {
        let profile = input.profile(self)?;
        profile.require_contact()?;
        self.insert_customer(&profile).await
    }

    async fn insert_customer(&self, profile: &Profile) -> DomainResult<Customer> {
        let id = self.next_id("customer_id").await?;
        let now = now_rfc3339();
        let key = keys::customer(id);
        let mut record = CustomerRecord {
            pk: key.pk.clone(),
            sk: key.sk.clone(),
            entity: "customer".into(),
            gsi1pk: keys::CUSTOMERS_COLLECTION.into(),
            gsi1sk: keys::padded(id),
            customer_id: id,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
            ..Default::default()
        };
        profile.apply_to(&mut record);
        let reservations = record.reservations();
        let mut actions = vec![WriteAction::Put(Put {
            item: to_item(&record)?,
            condition: Some(Condition::item_not_exists()),
        })];
        for (_, key) in &reservations {
            actions.push(WriteAction::Put(Put {
                item: unique_item(key, id),
                condition: Some(Condition::item_not_exists()),
            }));
        }
        match self.store.transact_write(actions).await {
            Ok(()) => Ok(record.to_api()),
            Err(StoreError::TransactionCanceled(reasons)) => {
                let kinds: Vec<Option<(Unique, crate::store::Key)>> = std::iter::once(None)
                    .chain(reservations.into_iter().map(Some))
                    .collect();
                Err(self.unique_conflict(&reasons, &kinds, id).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Turns the cancellation reasons of a customer write into the 409 naming the holder.
    async fn unique_conflict(
        &self,
        reasons: &[CancelReason],
        kinds: &[Option<(Unique, crate::store::Key)>],
        own_id: i64,
    ) -> DomainError {
        for (reason, kind) in reasons.iter().zip(kinds) {
            if let (CancelReason::ConditionFailed, Some((unique, key))) = (reason, kind) {
                return match self.holder_of(key).await {
                    Ok(Some(holder)) if holder != own_id => DomainError::Conflict {
                        message: format!(
                            "a customer with this {} already exists (customer_id {holder})",
                            unique.label()
                        ),
                        customer_id: Some(holder),
                        context_id: None,
                    },
                    Ok(_) => DomainError::Contended,
                    Err(e) => e,
                };
            }
        }
        DomainError::Contended
    }

    /// `GET /customers` (guide §2). Email/phone filters read the uniqueness
    /// items (≤ 2 calls); otherwise GSI1 `CUSTOMERS` in id order, filtered
    /// (≤ [`paging::MAX_QUERY_CALLS`] calls).
    pub async fn list_customers(
        &self,
        filter: &CustomerFilter,
        params: &ListParams,
    ) -> DomainResult<Listed<Customer>> {
        let exact = match (&filter.email, &filter.phone) {
            (Some(e), _) => Some(CustomerRef::Email(e.clone())),
            (None, Some(p)) => Some(CustomerRef::Phone(p.clone())),
            (None, None) => None,
        };
        if let Some(r) = exact {
            if params.cursor.is_some() {
                return Err(DomainError::invalid("cursor", "`cursor` does not apply to an email or phone search (it has one result at most)"));
            }
            let found = match self.resolve_customer(&r, "phone").await {
                Ok(c) => Some(c),
                Err(DomainError::NotFound(_)) => None,
                Err(e) => return Err(e),
            };
            let items = found
                .filter(|c| filter.matches(c))
                .filter(|c| {
                    filter
                        .phone
                        .as_ref()
                        .is_none_or(|p| c.phone_normalized.as_deref() == Some(p.normalized()))
                })
                .into_iter()
                .skip(params.offset as usize)
                .map(|c| c.to_api())
                .collect();
            return Ok(Listed {
                items,
                next_cursor: None,
            });
        }
        let mut query = Query::new(Some(Index::Gsi1), keys::CUSTOMERS_COLLECTION);
        let mut conds = Vec::new();
        if let Some(c) = &filter.company {
            conds.push(Condition::Contains("company_lc".into(), c.clone()));
        }
        if let Some(c) = &filter.name {
            conds.push(Condition::Contains("name_lc".into(), c.clone()));
        }
        if !conds.is_empty() {
            query.filter = Some(Condition::And(conds));
        }
        paging::list(self.store.as_ref(), query, params)
            .await?
            .try_map(|item| from_item::<CustomerRecord>(item).map(|r| r.to_api()))
    }

    /// `PUT /customers/{customer_id}` (guide §4). 404 when absent, 409 when a
    /// new email/phone/external id is held by another customer.
    /// Store calls: 2 (`GetItem`, then `UpdateItem` or `TransactWriteItems`
    /// when a unique value changes), +2 per retry after a concurrent write.
    pub async fn update_customer(&self, id: i64, patch: &CustomerPatch) -> DomainResult<Customer> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let current = self.customer_record(id).await?.ok_or_else(|| {
                DomainError::NotFound(format!("Customer not found with id: {id}"))
            })?;
            let profile = patch.merge(self, &Profile::from_record(&current, self))?;
            match self.write_profile(&current, &profile).await {
                Err(DomainError::Contended) => continue,
                other => return other,
            }
        }
        Err(DomainError::Contended)
    }

    /// Writes `profile` over `current`, moving uniqueness items that changed.
    /// `Contended` when its email, phone or external id changed since it was read.
    async fn write_profile(
        &self,
        current: &CustomerRecord,
        profile: &Profile,
    ) -> DomainResult<Customer> {
        let mut next = current.clone();
        profile.apply_to(&mut next);
        next.version = current.version + 1;
        next.updated_at = now_rfc3339();
        let key = keys::customer(current.customer_id);
        // Plain fields are last-writer-wins (as a PUT is); the unique values must
        // still be the ones read, so no reservation is ever orphaned.
        let mut unchanged = vec![Condition::item_exists()];
        for (attr, value) in [
            ("email_lc", &current.email_lc),
            ("phone_normalized", &current.phone_normalized),
            ("external_crm_id", &current.external_crm_id),
        ] {
            unchanged.push(match value {
                Some(v) => Condition::eq(attr, s(v.clone())),
                None => Condition::NotExists(attr.into()),
            });
        }
        let update = Update {
            key: key.clone(),
            actions: next.profile_actions(),
            condition: Some(Condition::And(unchanged)),
        };

        let old = current.reservations();
        let new = next.reservations();
        let released: Vec<_> = old
            .iter()
            .filter(|(_, k)| !new.iter().any(|(_, nk)| nk == k))
            .collect();
        let reserved: Vec<_> = new
            .iter()
            .filter(|(_, k)| !old.iter().any(|(_, ok)| ok == k))
            .cloned()
            .collect();
        if released.is_empty() && reserved.is_empty() {
            return match self.store.update_item(update, ReturnValues::None).await {
                Ok(_) => Ok(next.to_api()),
                Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
                Err(e) => Err(e.into()),
            };
        }
        let mut actions = vec![WriteAction::Update(update)];
        let mut kinds: Vec<Option<(Unique, crate::store::Key)>> = vec![None];
        for (_, key) in &released {
            actions.push(WriteAction::Delete(Delete {
                key: key.clone(),
                condition: Some(Condition::eq("customer_id", n(current.customer_id))),
            }));
            kinds.push(None);
        }
        for (kind, key) in &reserved {
            actions.push(WriteAction::Put(Put {
                item: unique_item(key, current.customer_id),
                condition: Some(Condition::item_not_exists()),
            }));
            kinds.push(Some((*kind, key.clone())));
        }
        match self.store.transact_write(actions).await {
            Ok(()) => Ok(next.to_api()),
            Err(StoreError::TransactionCanceled(reasons)) => Err(self
                .unique_conflict(&reasons, &kinds, current.customer_id)
                .await),
            Err(e) => Err(e.into()),
        }
    }

    /// `DELETE /customers/{customer_id}` (guide §5): removes the customer,
    /// releases its email/phone/external id and archives its open
    /// conversation, in one transaction. Messages and past conversations stay.
    /// Store calls: 2 (+2 per retry).
    pub async fn delete_customer(&self, id: i64) -> DomainResult<()> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let current = self.customer_record(id).await?.ok_or_else(|| {
                DomainError::NotFound(format!("Customer not found with id: {id}"))
            })?;
            let mut unchanged = vec![Condition::eq("version", n(current.version))];
            unchanged.push(match &current.open_context_id {
                Some(open) => Condition::eq("open_context_id", s(open.clone())),
                None => Condition::NotExists("open_context_id".into()),
            });
            let mut actions = vec![WriteAction::Delete(Delete {
                key: keys::customer(id),
                condition: Some(Condition::And(unchanged)),
            })];
            for (_, key) in current.reservations() {
                actions.push(WriteAction::Delete(Delete {
                    key,
                    condition: Some(Condition::eq("customer_id", n(id))),
                }));
            }
            if let Some(open) = &current.open_context_id {
                actions.push(self.archive_on_delete(open));
            }
            match self.store.transact_write(actions).await {
                Ok(()) => return Ok(()),
                Err(StoreError::TransactionCanceled(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Contended)
    }

    /// `POST /customers/upsert` (guide §7): requires `email`. Updates the
    /// customer holding that email with the fields given (`created: false`),
    /// or creates one (`created: true`). Concurrent upserts of one email
    /// create exactly one customer.
    pub async fn upsert_customer(&self, input: &CustomerInput) -> DomainResult<(Customer, bool)> {
        let profile = input.profile(self)?;
        let email = profile
            .email
            .clone()
            .ok_or_else(|| DomainError::invalid("email", "`email` is required for upsert"))?;
        let patch = input.as_patch();
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            if let Some(id) = self.holder_of(&keys::email_unique(&email.key())).await? {
                match self.update_customer(id, &patch).await {
                    Ok(c) => return Ok((c, false)),
                    Err(DomainError::NotFound(_)) | Err(DomainError::Contended) => continue,
                    Err(e) => return Err(e),
                }
            }
            match self.insert_customer(&profile).await {
                Ok(c) => return Ok((c, true)),
                Err(DomainError::Conflict {
                    customer_id: Some(holder),
                    ..
                }) if self.holder_of(&keys::email_unique(&email.key())).await? == Some(holder) => {
                    continue
                }
                Err(DomainError::Contended) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(DomainError::Contended)
    }
}
