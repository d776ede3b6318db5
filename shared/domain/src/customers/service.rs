//! The customers' rules (guide §1–7), as methods of [`Crm`]: each one a
//! bounded number of store calls (see `docs/data-model.md`, access patterns).

use super::api::{Customer, CustomerFilter, CustomerInput, CustomerPatch, CustomerRef};
use super::profile::Profile;
use super::record::{CustomerRecord, Reservation, Unique};
use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::keys::Entity;
use crate::paging::{self, ListParams, Listed};
use crate::retry::optimistic;
use crate::store::{
    int_attr, n, s, Condition, Delete, Key, Put, ReturnValues, StoreError, Transaction, Update,
    WriteAction,
};
use crate::types::CustomerId;
use crate::Crm;

/// The label of an action of a customer transaction: the reservation it
/// puts, if any, so a failed condition names the value in conflict.
type Reserving = Option<(Unique, Key)>;

impl Crm {
    /// Customer `id`'s stored item, if any (one `GetItem`).
    pub(crate) async fn customer_record(
        &self,
        id: CustomerId,
    ) -> DomainResult<Option<CustomerRecord>> {
        match self.store.get_item(&CustomerRecord::key(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Customer `id`'s stored item, or the 404 "Customer not found with id: …".
    pub(crate) async fn existing_customer(&self, id: CustomerId) -> DomainResult<CustomerRecord> {
        self.customer_record(id)
            .await?
            .ok_or_else(|| DomainError::not_found(Missing::Customer { by: "id" }, id))
    }

    /// The customer holding a reservation, if any (one `GetItem`).
    pub(crate) async fn holder_of(&self, key: &Key) -> DomainResult<Option<CustomerId>> {
        Ok(self
            .store
            .get_item(key)
            .await?
            .and_then(|item| int_attr(&item, "customer_id"))
            .map(CustomerId::allocated))
    }

    /// Resolves a reference to the stored customer; the 404 names what was
    /// looked up (`phone_label` names a phone lookup). Store calls: 1 by id, 2 otherwise.
    pub(crate) async fn resolve_customer(
        &self,
        r: &CustomerRef,
        phone_label: &'static str,
    ) -> DomainResult<CustomerRecord> {
        let id = match r {
            CustomerRef::Id(id) => Some(*id),
            CustomerRef::Email(e) => {
                self.holder_of(&Reservation::key(Unique::Email, &e.key()))
                    .await?
            }
            CustomerRef::Phone(p) => {
                self.holder_of(&Reservation::key(Unique::Phone, p.normalized()))
                    .await?
            }
            CustomerRef::ExternalId(x) => {
                self.holder_of(&Reservation::key(Unique::ExternalId, x))
                    .await?
            }
        };
        let found = match id {
            Some(id) => self.customer_record(id).await?,
            None => None,
        };
        found.ok_or_else(|| r.not_found(phone_label))
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
        self.insert_customer_with(profile, Vec::new())
            .await
            .map(|r| r.to_api())
    }

    /// Creates a customer from `profile` holding messaging `identities`
    /// (ingest, issue 8): a new id, then one transaction writing the customer
    /// and reserving each unique value. A value held by another customer is
    /// the 409 naming the holder (`customer_id`).
    /// Store calls: 2 (+1 `GetItem` of the holder on conflict).
    pub(crate) async fn insert_customer_with(
        &self,
        profile: &Profile,
        identities: Vec<String>,
    ) -> DomainResult<CustomerRecord> {
        let id = CustomerId::allocated(self.next_id("customer_id").await?);
        let mut record = CustomerRecord::new(id, self.now_rfc3339());
        profile.apply_to(&mut record);
        record.identities = identities;
        let mut tx: Transaction<Reserving> = Transaction::new();
        tx.push(
            None,
            WriteAction::Put(Put {
                item: record.to_item()?,
                condition: Some(Condition::item_not_exists()),
            }),
        );
        for reservation in record.reservations() {
            tx.push(
                Some((reservation.unique, reservation.primary_key())),
                WriteAction::Put(Put {
                    item: reservation.to_item()?,
                    condition: Some(Condition::item_not_exists()),
                }),
            );
        }
        match tx.commit(&*self.store).await? {
            Ok(()) => Ok(record),
            Err(canceled) => Err(self.unique_conflict(canceled.failed_labels(), id).await),
        }
    }

    /// Turns the cancellation reasons of a customer write into the 409 naming the holder.
    async fn unique_conflict(&self, failed: &[Reserving], own_id: CustomerId) -> DomainError {
        let Some((unique, key)) = failed.iter().flatten().next() else {
            return DomainError::Contended;
        };
        match self.holder_of(key).await {
            Ok(Some(holder)) if holder != own_id => DomainError::Conflict {
                message: format!(
                    "a customer with this {} already exists (customer_id {holder})",
                    unique.label()
                ),
                customer_id: Some(holder.get()),
                context_id: None,
            },
            Ok(_) => DomainError::Contended,
            Err(e) => e,
        }
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
                Err(DomainError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            let items = found
                .filter(|c| c.passes(filter))
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
        let mut query = CustomerRecord::all();
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
        paging::list_as(self.store.as_ref(), query, params, |item| {
            from_item::<CustomerRecord>(item).map(|r| r.to_api())
        })
        .await
    }

    /// `PUT /customers/{customer_id}` (guide §4). 404 when absent, 409 when a
    /// new email/phone/external id is held by another customer.
    /// Store calls: 2 (`GetItem`, then `UpdateItem` or `TransactWriteItems`
    /// when a unique value changes), +2 per retry after a concurrent write.
    pub async fn update_customer(
        &self,
        id: CustomerId,
        patch: &CustomerPatch,
    ) -> DomainResult<Customer> {
        optimistic(|| async {
            let current = self.existing_customer(id).await?;
            let profile = patch.merge(self, &Profile::from_record(&current, self))?;
            self.write_profile(&current, &profile).await
        })
        .await
    }

    /// Writes `profile` over `current`, moving reservations that changed.
    /// `Contended` when its email, phone or external id changed since it was read.
    async fn write_profile(
        &self,
        current: &CustomerRecord,
        profile: &Profile,
    ) -> DomainResult<Customer> {
        let mut next = current.clone();
        profile.apply_to(&mut next);
        next.version = current.version + 1;
        next.updated_at = self.now_rfc3339();
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
            key: current.primary_key(),
            actions: next.profile_actions(),
            condition: Some(Condition::And(unchanged)),
        };

        let old = current.reservations();
        let new = next.reservations();
        let held = |list: &[Reservation], r: &Reservation| {
            list.iter().any(|o| o.primary_key() == r.primary_key())
        };
        let released: Vec<&Reservation> = old.iter().filter(|r| !held(&new, r)).collect();
        let reserved: Vec<&Reservation> = new.iter().filter(|r| !held(&old, r)).collect();
        if released.is_empty() && reserved.is_empty() {
            return match self.store.update_item(update, ReturnValues::None).await {
                Ok(_) => Ok(next.to_api()),
                Err(StoreError::ConditionFailed) => Err(DomainError::Contended),
                Err(e) => Err(e.into()),
            };
        }
        let mut tx: Transaction<Reserving> = Transaction::new();
        tx.push(None, WriteAction::Update(update));
        for r in released {
            tx.push(
                None,
                WriteAction::Delete(Delete {
                    key: r.primary_key(),
                    condition: Some(Condition::eq("customer_id", n(current.customer_id.get()))),
                }),
            );
        }
        for r in reserved {
            tx.push(
                Some((r.unique, r.primary_key())),
                WriteAction::Put(Put {
                    item: r.to_item()?,
                    condition: Some(Condition::item_not_exists()),
                }),
            );
        }
        match tx.commit(&*self.store).await? {
            Ok(()) => Ok(next.to_api()),
            Err(canceled) => Err(self
                .unique_conflict(canceled.failed_labels(), current.customer_id)
                .await),
        }
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
        let email_key = Reservation::key(Unique::Email, &email.key());
        let patch = input.as_patch();
        let (email_key, patch, profile) = (&email_key, &patch, &profile);
        optimistic(|| async move {
            if let Some(id) = self.holder_of(email_key).await? {
                // Deleted meanwhile: the email is free again, read again.
                return match self.update_customer(id, patch).await {
                    Ok(c) => Ok((c, false)),
                    Err(DomainError::NotFound { .. }) => Err(DomainError::Contended),
                    Err(e) => Err(e),
                };
            }
            match self.insert_customer(profile).await {
                Ok(c) => Ok((c, true)),
                // Taken meanwhile by the customer still holding it: update that one.
                Err(DomainError::Conflict {
                    customer_id: Some(holder),
                    ..
                }) if self.holder_of(email_key).await?.map(CustomerId::get) == Some(holder) => {
                    Err(DomainError::Contended)
                }
                Err(e) => Err(e),
            }
        })
        .await
    }
}
