//! A customer's profile values, validated: what create, upsert and update
//! agree on before anything is written (guide §1, §4, §7).

use super::api::{CustomerInput, CustomerPatch, MAX_EXTERNAL_ID_LEN, MAX_NAME_LEN};
use super::record::CustomerRecord;
use crate::error::{DomainError, DomainResult};
use crate::types::{nonblank, text, EmailAddress, Phone};
use crate::Crm;

/// Validated profile values shared by create, upsert and update.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<Phone>,
    pub company: Option<String>,
    pub external_crm_id: Option<String>,
    /// Whether the stored customer has a messaging identity (a contact too).
    pub has_identity: bool,
}

impl Profile {
    pub(crate) fn apply_to(&self, r: &mut CustomerRecord) {
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

    pub(crate) fn from_record(r: &CustomerRecord, crm: &Crm) -> Self {
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
            has_identity: !r.identities.is_empty(),
        }
    }

    pub(crate) fn require_contact(&self) -> DomainResult<()> {
        if self.email.is_none() && self.phone.is_none() && !self.has_identity {
            return Err(DomainError::invalid(
                "email",
                "at least one of `email` or `phone` is required",
            ));
        }
        Ok(())
    }
}

fn parse_email(raw: Option<&str>) -> DomainResult<Option<EmailAddress>> {
    nonblank(raw)
        .map(|v| EmailAddress::parse("email", v))
        .transpose()
}

fn parse_phone(
    crm: &Crm,
    phone: Option<&str>,
    normalized: Option<&str>,
) -> DomainResult<Option<Phone>> {
    // Both are checked when both are sent (the schema says both are phones);
    // `phone` wins.
    let region = crm.settings.default_region;
    let normalized = nonblank(normalized)
        .map(|p| Phone::parse("phone_normalized", p, region))
        .transpose()?;
    match nonblank(phone) {
        Some(p) => Phone::parse("phone", p, region).map(Some),
        None => Ok(normalized),
    }
}

impl CustomerInput {
    pub(crate) fn profile(&self, crm: &Crm) -> DomainResult<Profile> {
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
            has_identity: false,
        })
    }

    /// The fields this input sets, as a patch (upsert on an existing customer).
    pub(crate) fn as_patch(&self) -> CustomerPatch {
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
    pub(crate) fn merge(&self, crm: &Crm, current: &Profile) -> DomainResult<Profile> {
        let mut p = current.clone();
        if let Some(v) = &self.name {
            p.name = text("name", v.as_deref(), MAX_NAME_LEN)?;
        }
        if let Some(v) = &self.email {
            p.email = parse_email(v.as_deref())?;
        }
        match (&self.phone, &self.phone_normalized) {
            (Some(v), normalized) => {
                p.phone = parse_phone(crm, v.as_deref(), normalized.clone().flatten().as_deref())?
            }
            (None, Some(v)) => p.phone = parse_phone(crm, None, v.as_deref())?,
            (None, None) => {}
        }
        if let Some(v) = &self.company {
            p.company = text("company", v.as_deref(), MAX_NAME_LEN)?;
        }
        if let Some(v) = &self.external_crm_id {
            p.external_crm_id = text("external_crm_id", v.as_deref(), MAX_EXTERNAL_ID_LEN)?;
        }
        // Which contact remains depends on the stored customer, not on the
        // body alone: a conflict with the resource's state (409).
        if p.email.is_none() && p.phone.is_none() && !p.has_identity {
            return Err(DomainError::Conflict {
                message: "the customer would have neither email nor phone; keep at least one"
                    .into(),
                customer_id: None,
                context_id: None,
            });
        }
        Ok(p)
    }
}
