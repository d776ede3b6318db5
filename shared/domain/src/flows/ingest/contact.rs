//! Contact matching (seed 002 "Contact Matching", issue 8): which customer a
//! `participant_identifier` is.
//!
//! - A **phone** is an identifier of digits with an optional leading `+`
//!   and the usual separators (space, `-`, `.`, `(`, `)`), 1–15 digits. It
//!   matches the customer holding that E.164 number (the phone reservation,
//!   a strongly consistent read); failing that, a customer whose phone ends
//!   in the same 10 digits (GSI2 `PHONE10#…`, for `+44…` vs `+1…` writings
//!   of one number) — when several do, the oldest (lowest `customer_id`),
//!   never a random one. An identifier libphonenumber calls invalid (seed
//!   002's `+1234567890`) is still a phone, kept as `+` and its digits.
//! - Anything else is a **handle** (`@johndoe`, a WeChat id): it matches the
//!   customer holding the identity `<platform>:<handle>` (lowercase).
//! - No match: a customer is created, named `participant_name` (or the
//!   identifier), holding the phone or the identity, so the next request
//!   from the same participant finds it. Two requests creating the same
//!   participant at once create one customer (the reservation decides; the
//!   loser uses the winner's).

use crate::codec::from_item;
use crate::customers::profile::Profile;
use crate::customers::record::{last_ten, CustomerRecord, Reservation, Unique};
use crate::error::{DomainError, DomainResult};
use crate::retry::optimistic;
use crate::types::{CustomerId, Phone, Platform, MAX_PHONE_DIGITS};
use crate::Crm;

/// Who a `participant_identifier` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Participant {
    /// A phone number.
    Phone(Phone),
    /// A messaging identity, `platform:handle` lowercase.
    Handle(String),
}

impl Participant {
    /// Reads `identifier` (already checked non-blank) of a `platform` sender.
    pub(crate) fn parse(identifier: &str, platform: Platform, crm: &Crm) -> Self {
        let body = identifier.strip_prefix('+').unwrap_or(identifier);
        let digits = body.bytes().filter(u8::is_ascii_digit).count();
        let phone_like = (1..=MAX_PHONE_DIGITS).contains(&digits)
            && body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'(' | b')'));
        if phone_like {
            if let Ok(phone) = Phone::parse(
                "participant_identifier",
                identifier,
                crm.settings.default_region,
            ) {
                return Participant::Phone(phone);
            }
        }
        Participant::Handle(format!(
            "{}:{}",
            platform.as_str(),
            identifier.to_lowercase()
        ))
    }

    /// The reservation that names this participant's customer.
    fn reservation_key(&self) -> crate::store::Key {
        match self {
            Participant::Phone(p) => Reservation::key(Unique::Phone, p.normalized()),
            Participant::Handle(h) => Reservation::key(Unique::Identity, h),
        }
    }
}

impl Crm {
    /// The oldest customer whose phone ends in `phone`'s last 10 digits
    /// (none when it has fewer). Read from GSI2, so a customer created in
    /// the last moment may be missed there — the exact match above is the
    /// read-your-write path; this one is the fallback.
    async fn customer_by_last_ten(&self, phone: &Phone) -> DomainResult<Option<CustomerRecord>> {
        let Some(digits) = last_ten(phone.normalized()) else {
            return Ok(None);
        };
        let mut query = CustomerRecord::by_last_ten(&digits);
        query.limit = 25;
        let page = self.store.query(query).await?;
        for item in page.items {
            let customer: CustomerRecord = from_item(item)?;
            // The index may lag a phone change: trust only the item.
            if customer
                .phone_normalized
                .as_deref()
                .and_then(last_ten)
                .as_deref()
                == Some(&digits)
            {
                return Ok(Some(customer));
            }
        }
        Ok(None)
    }

    /// The customer `participant` names, created when none does.
    /// Store calls: 2 when found (reservation, customer), +1 `Query` when a
    /// phone is found by its last 10 digits; +2 to create (counter,
    /// transaction), +2 when a concurrent request created it first.
    pub(crate) async fn participant_customer(
        &self,
        participant: &Participant,
        name: &str,
    ) -> DomainResult<CustomerRecord> {
        optimistic(|| async {
            if let Some(id) = self.holder_of(&participant.reservation_key()).await? {
                if let Some(customer) = self.customer_record(id).await? {
                    return Ok(customer);
                }
            }
            if let Participant::Phone(phone) = participant {
                if let Some(customer) = self.customer_by_last_ten(phone).await? {
                    return Ok(customer);
                }
            }
            let mut profile = Profile {
                name: Some(name.to_string()),
                ..Profile::default()
            };
            let identities = match participant {
                Participant::Phone(p) => {
                    profile.phone = Some(p.clone());
                    Vec::new()
                }
                Participant::Handle(h) => vec![h.clone()],
            };
            match self.insert_customer_with(&profile, identities).await {
                Ok(created) => Ok(created),
                // Created meanwhile by a concurrent request: use it.
                Err(DomainError::Conflict {
                    customer_id: Some(holder),
                    ..
                }) => match self.customer_record(CustomerId::allocated(holder)).await? {
                    Some(c) => Ok(c),
                    None => Err(DomainError::Contended),
                },
                Err(e) => Err(e),
            }
        })
        .await
    }
}
