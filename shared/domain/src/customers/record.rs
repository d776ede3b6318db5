//! How a customer is stored: the profile item and the items that reserve its
//! unique values, each deriving its own keys.
//!
//! | item | PK | SK | GSI1PK / GSI1SK |
//! |---|---|---|---|
//! | customer | `CUSTOMER#<customer_id>` | `PROFILE` | `CUSTOMERS` / `<customer_id:020>` |
//!
//! A customer whose phone has at least 10 digits is also in GSI2 under
//! `PHONE10#<last 10 digits>` / `<customer_id:020>`: ingest's fallback
//! match by the last 10 digits (seed 002 "Contact Matching").
//! | email reservation | `EMAIL#<lowercase email>` | `UNIQUE` | |
//! | phone reservation | `PHONE#<E.164>` | `UNIQUE` | |
//! | external id reservation | `EXTID#<external_crm_id>` | `UNIQUE` | |
//! | identity reservation | `IDENTITY#<platform>:<handle>` | `UNIQUE` | |

use serde::{Deserialize, Serialize};

use super::api::{Customer, CustomerFilter};
use crate::keys::{padded, shard_of, shard_partition, Entity, Index, IndexEntry};
use crate::paging::ShardedQuery;
use crate::store::{n, s, Condition, Delete, Key, Query, Update, UpdateAction, WriteAction};
use crate::types::{Channel, ContextId, CustomerId};

/// GSI1 list of every customer, in id order (write-sharded: `CUSTOMERS#<nn>`,
/// `<nn>` the shard of the customer id).
const COLLECTION: &str = "CUSTOMERS";
/// GSI2 partition prefix of customers by the last 10 digits of their phone.
const LAST_TEN: &str = "PHONE10#";

/// The stored customer item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CustomerRecord {
    pub customer_id: CustomerId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Lowercase copy of `name`, for the case-insensitive substring filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_lc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Lowercase copy of `email`: the reserved value.
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
    /// Messaging identities (`telegram:@johndoe`, lowercase) that ingest
    /// matched or created this customer by; each is reserved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<String>,
    /// Channels the customer opted out of (`STOP`, issue 22: `opt_out.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opted_out: Vec<Channel>,
    /// The customer's open (active or paused) conversation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_context_id: Option<ContextId>,
    /// Bumped on every profile write; deleting requires it unchanged since read.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Entity for CustomerRecord {
    const TYPE: &'static str = "customer";

    fn primary_key(&self) -> Key {
        Self::key(self.customer_id)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        let mut entries = vec![IndexEntry::new(
            Index::Gsi1,
            shard_partition(COLLECTION, shard_of(&self.customer_id.to_string())),
            padded(self.customer_id.get()),
        )];
        entries.extend(self.last_ten_entry());
        entries
    }
}

/// The last 10 digits of a phone, when it has that many.
pub(crate) fn last_ten(phone: &str) -> Option<String> {
    let digits: Vec<u8> = phone.bytes().filter(u8::is_ascii_digit).collect();
    (digits.len() >= 10).then(|| String::from_utf8_lossy(&digits[digits.len() - 10..]).into_owned())
}

impl CustomerRecord {
    /// A new customer with no profile values yet (version 1).
    pub(crate) fn new(customer_id: CustomerId, now: String) -> Self {
        Self {
            customer_id,
            name: None,
            name_lc: None,
            email: None,
            email_lc: None,
            phone: None,
            phone_normalized: None,
            company: None,
            company_lc: None,
            external_crm_id: None,
            identities: Vec::new(),
            opted_out: Vec::new(),
            open_context_id: None,
            version: 1,
            created_at: now.clone(),
            updated_at: now,
        }
    }

    /// Key of customer `id`'s item.
    pub(crate) fn key(id: CustomerId) -> Key {
        Key::new(format!("CUSTOMER#{id}"), "PROFILE")
    }

    /// Its GSI2 entry: present only when its phone has ≥ 10 digits.
    fn last_ten_entry(&self) -> Option<IndexEntry> {
        let digits = last_ten(self.phone_normalized.as_deref()?)?;
        Some(IndexEntry::new(
            Index::Gsi2,
            format!("{LAST_TEN}{digits}"),
            padded(self.customer_id.get()),
        ))
    }

    /// Customers whose phone ends in `digits` (10 digits), oldest first (GSI2,
    /// eventually consistent on DynamoDB).
    pub(crate) fn by_last_ten(digits: &str) -> Query {
        Query::new(Some(Index::Gsi2), format!("{LAST_TEN}{digits}"))
    }

    /// Every customer, in id order (GSI1's shards).
    pub(crate) fn all() -> ShardedQuery {
        ShardedQuery::new(Index::Gsi1, COLLECTION)
    }

    pub(crate) fn to_api(&self) -> Customer {
        Customer {
            customer_id: self.customer_id.get(),
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            phone_normalized: self.phone_normalized.clone(),
            company: self.company.clone(),
            external_crm_id: self.external_crm_id.clone(),
            identities: self.identities.clone(),
            opted_out: self.opted_out.clone(),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }

    /// The condition "`open_context_id` is still what was read" (absent, or the same id).
    pub(crate) fn open_pointer_unchanged(&self) -> Condition {
        match &self.open_context_id {
            None => Condition::NotExists("open_context_id".into()),
            Some(read) => Condition::eq("open_context_id", s(read.as_str())),
        }
    }

    /// The write that points customer `id` at its open conversation `context_id`
    /// if the pointer is still what `self` read (and the customer still exists).
    pub(crate) fn take_open_pointer(&self, context_id: &ContextId) -> Update {
        Update {
            key: self.primary_key(),
            actions: vec![UpdateAction::Set(
                "open_context_id".into(),
                s(context_id.as_str()),
            )],
            condition: Some(Condition::And(vec![
                Condition::item_exists(),
                self.open_pointer_unchanged(),
            ])),
        }
    }

    /// The write that clears customer `id`'s pointer if it still names `context_id`.
    pub(crate) fn release_open_pointer(id: CustomerId, context_id: &ContextId) -> Update {
        Update {
            key: Self::key(id),
            actions: vec![UpdateAction::Remove("open_context_id".into())],
            condition: Some(Condition::eq("open_context_id", s(context_id.as_str()))),
        }
    }

    /// Whether it passes `filter`'s substring filters (`company`, `name`,
    /// lowercase) of `GET /customers`.
    pub(crate) fn passes(&self, filter: &CustomerFilter) -> bool {
        let has = |field: &Option<String>, needle: &Option<String>| match needle {
            None => true,
            Some(needle) => field
                .as_ref()
                .is_some_and(|f| f.to_lowercase().contains(needle.as_str())),
        };
        has(&self.company, &filter.company) && has(&self.name, &filter.name)
    }

    /// The writes that delete this customer (guide §5): its item, on
    /// condition it is unchanged since read (`version` and the open
    /// pointer), and every uniqueness item it holds, on condition it is
    /// still its own.
    pub(crate) fn deletion(&self) -> Vec<WriteAction> {
        let mut writes = vec![WriteAction::Delete(Delete {
            key: self.primary_key(),
            condition: Some(Condition::And(vec![
                Condition::eq("version", n(self.version)),
                self.open_pointer_unchanged(),
            ])),
        })];
        for reservation in self.reservations() {
            writes.push(WriteAction::Delete(Delete {
                key: reservation.primary_key(),
                condition: Some(Condition::eq("customer_id", n(self.customer_id.get()))),
            }));
        }
        writes
    }

    /// The uniqueness items this customer holds.
    pub(crate) fn reservations(&self) -> Vec<Reservation> {
        let values = [
            (Unique::Email, &self.email_lc),
            (Unique::Phone, &self.phone_normalized),
            (Unique::ExternalId, &self.external_crm_id),
        ];
        let identities = self.identities.iter().map(|i| (Unique::Identity, i));
        values
            .into_iter()
            .filter_map(|(unique, value)| value.as_ref().map(|v| (unique, v)))
            .chain(identities)
            .map(|(unique, v)| Reservation {
                unique,
                value: v.clone(),
                customer_id: self.customer_id,
            })
            .collect()
    }

    /// The profile attributes as `SET`/`REMOVE` actions, with the version bump.
    pub(crate) fn profile_actions(&self) -> Vec<UpdateAction> {
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
        actions.extend(IndexEntry::place(Index::Gsi2, self.last_ten_entry()));
        actions.push(UpdateAction::Add("version".into(), 1));
        actions.push(UpdateAction::Set(
            "updated_at".into(),
            s(self.updated_at.clone()),
        ));
        actions
    }
}

/// Which unique value a reservation holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unique {
    Email,
    Phone,
    ExternalId,
    /// A messaging identity (`telegram:@johndoe`), reserved by ingest.
    Identity,
}

impl Unique {
    /// How a conflict names the value.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Unique::Email => "email",
            Unique::Phone => "phone",
            Unique::ExternalId => "external_crm_id",
            Unique::Identity => "messaging identity",
        }
    }
}

/// An item reserving one email (lowercased), normalized phone or external
/// CRM id for one customer; written with `attribute_not_exists(PK)` in the
/// transaction that gives the customer the value.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Reservation {
    #[serde(skip)]
    pub unique: Unique,
    /// The reserved value (part of the key, not stored twice).
    #[serde(skip)]
    pub value: String,
    /// The holder.
    pub customer_id: CustomerId,
}

impl Entity for Reservation {
    const TYPE: &'static str = "unique";

    fn primary_key(&self) -> Key {
        Self::key(self.unique, &self.value)
    }
}

impl Reservation {
    /// Key of the reservation of `value` (already lowercased / normalized).
    pub(crate) fn key(unique: Unique, value: &str) -> Key {
        let prefix = match unique {
            Unique::Email => "EMAIL",
            Unique::Phone => "PHONE",
            Unique::ExternalId => "EXTID",
            Unique::Identity => "IDENTITY",
        };
        Key::new(format!("{prefix}#{value}"), "UNIQUE")
    }
}
