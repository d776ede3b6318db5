//! SMS and WhatsApp opt-out (issue 22, "Opt-out"): a customer who texts
//! `STOP` is opted out of that channel, and a reply on it is refused (409)
//! before anything is logged for sending; `START` opts back in.
//!
//! The keywords are Twilio's defaults for Messaging Services (opt-out:
//! `STOP`, `STOPALL`, `UNSUBSCRIBE`, `CANCEL`, `END`, `QUIT`, `REVOKE`,
//! `OPTOUT`; opt-in: `START`, `YES`, `UNSTOP`), as the whole message, in any
//! case, with surrounding spaces and punctuation ignored — "please stop
//! texting me" is a message for a person, not a keyword. Only `sms` and
//! `whatsapp` honour them: those are the channels carriers and WhatsApp
//! enforce consent on. The customer keeps the channels it opted out of in
//! `opted_out` (a list of channel names, absent when empty).

use super::record::CustomerRecord;
use crate::codec::to_value;
use crate::error::{DomainError, DomainResult};
use crate::keys::Entity;
use crate::store::{s, Condition, ReturnValues, StoreError, Update, UpdateAction};
use crate::types::{Channel, CustomerId};
use crate::Crm;

const OPT_OUT: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "REVOKE",
    "OPTOUT",
];
const OPT_IN: [&str; 3] = ["START", "YES", "UNSTOP"];

/// What an inbound message asks of the customer's consent on its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OptKeyword {
    /// Stop sending on this channel.
    Out,
    /// Sending on this channel may resume.
    In,
}

impl OptKeyword {
    /// The keyword `body` is on `channel`, if any (see the module docs).
    pub(crate) fn of(channel: Channel, body: &str) -> Option<Self> {
        if !matches!(channel, Channel::Sms | Channel::Whatsapp) {
            return None;
        }
        let word = body
            .trim()
            .trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
        if word.len() > 11 {
            return None;
        }
        let word = word.to_ascii_uppercase();
        if OPT_OUT.contains(&word.as_str()) {
            Some(OptKeyword::Out)
        } else if OPT_IN.contains(&word.as_str()) {
            Some(OptKeyword::In)
        } else {
            None
        }
    }
}

/// The 409 of a send to customer `id` on `channel` they opted out of.
pub(crate) fn opted_out_error(id: CustomerId, channel: Channel) -> DomainError {
    DomainError::conflict(format!(
        "customer {id} opted out of {} (they texted STOP); nothing is sent to them on it until they text START",
        channel.as_str()
    ))
}

impl CustomerRecord {
    /// True when the customer opted out of `channel` (texted `STOP` on it
    /// and not `START` since).
    pub(crate) fn opted_out_of(&self, channel: Channel) -> bool {
        self.opted_out.contains(&channel)
    }

    /// The update that records `keyword` on `channel` at `at` (RFC 3339):
    /// `opted_out` gains or loses the channel, `updated_at` follows, on
    /// condition the customer still exists. `None` when nothing changes.
    ///
    /// Errors: a list that cannot be encoded (a bug, 500).
    pub(crate) fn opt(
        &self,
        channel: Channel,
        keyword: OptKeyword,
        at: &str,
    ) -> DomainResult<Option<Update>> {
        let mut next = self.opted_out.clone();
        match keyword {
            OptKeyword::Out if !next.contains(&channel) => next.push(channel),
            OptKeyword::In if next.contains(&channel) => next.retain(|c| *c != channel),
            _ => return Ok(None),
        }
        let list = match next.is_empty() {
            true => UpdateAction::Remove("opted_out".into()),
            false => UpdateAction::Set("opted_out".into(), to_value(&next)?),
        };
        Ok(Some(Update {
            key: self.primary_key(),
            actions: vec![list, UpdateAction::Set("updated_at".into(), s(at))],
            condition: Some(Condition::item_exists()),
        }))
    }
}

impl Crm {
    /// Records an opt-out or opt-in keyword that `customer` sent as an
    /// inbound message on `channel` (before the message is logged, so a
    /// logged `STOP` is always in force). Store calls: 0 for any other
    /// message or when nothing changes, else 1 `UpdateItem`; a customer
    /// deleted meanwhile is left alone.
    pub(crate) async fn note_consent(
        &self,
        customer: &CustomerRecord,
        channel: Channel,
        body: &str,
    ) -> DomainResult<()> {
        let Some(keyword) = OptKeyword::of(channel, body) else {
            return Ok(());
        };
        let Some(update) = customer.opt(channel, keyword, &self.now_rfc3339())? else {
            return Ok(());
        };
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// A 409 when customer `id` opted out of `channel`: nothing may be
    /// queued for sending to them on it. Store calls: 1 `GetItem`.
    pub(crate) async fn ensure_consent(
        &self,
        id: CustomerId,
        channel: Channel,
    ) -> DomainResult<()> {
        match self.opted_out(id, channel).await? {
            true => Err(opted_out_error(id, channel)),
            false => Ok(()),
        }
    }

    /// Whether customer `id` opted out of `channel` (false for a deleted
    /// customer). Store calls: 1 `GetItem`.
    pub(crate) async fn opted_out(&self, id: CustomerId, channel: Channel) -> DomainResult<bool> {
        Ok(self
            .customer_record(id)
            .await?
            .is_some_and(|c| c.opted_out_of(channel)))
    }

    /// Opts customer `id` out of `channel` because a provider refused to
    /// send to them as unsubscribed (Twilio's 21610; issue 22). Store
    /// calls: 1 `GetItem`, +1 `UpdateItem` when it changes anything.
    pub(crate) async fn note_unsubscribed(
        &self,
        id: CustomerId,
        channel: Channel,
    ) -> DomainResult<()> {
        let Some(customer) = self.customer_record(id).await? else {
            return Ok(());
        };
        let Some(update) = customer.opt(channel, OptKeyword::Out, &self.now_rfc3339())? else {
            return Ok(());
        };
        match self.store.update_item(update, ReturnValues::None).await {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_messages_on_sms_and_whatsapp_only() {
        for body in [
            "STOP",
            "stop",
            " Stop! ",
            "unsubscribe",
            "StopAll",
            "OPTOUT.",
        ] {
            assert_eq!(
                OptKeyword::of(Channel::Sms, body),
                Some(OptKeyword::Out),
                "{body}"
            );
        }
        for body in ["START", "yes", " Unstop "] {
            assert_eq!(
                OptKeyword::of(Channel::Whatsapp, body),
                Some(OptKeyword::In),
                "{body}"
            );
        }
        for body in [
            "please stop texting me",
            "STOP it",
            "",
            "stopp",
            "YESTERDAY",
        ] {
            assert_eq!(OptKeyword::of(Channel::Sms, body), None, "{body}");
        }
        assert_eq!(OptKeyword::of(Channel::Email, "STOP"), None);
        assert_eq!(OptKeyword::of(Channel::Chat, "STOP"), None);
    }
}
