//! Twilio's `MessageStatus` values, their order, and what each means as this
//! API's `send_status` (issue 11).

use serde::{Deserialize, Serialize};

use crate::types::SendStatus;

/// A message's status as Twilio reports it in a status callback
/// (`MessageStatus`), lowercase as Twilio sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TwilioStatus {
    /// Accepted by Twilio, waiting in its queue.
    Queued,
    /// Accepted by a Messaging Service, not yet queued.
    Accepted,
    /// Scheduled for later sending.
    Scheduled,
    /// Being sent to the carrier.
    Sending,
    /// Handed to the carrier.
    Sent,
    /// The carrier confirmed delivery.
    Delivered,
    /// The carrier could not deliver it.
    Undelivered,
    /// Twilio could not send it.
    Failed,
    /// The recipient read it (WhatsApp, RCS).
    Read,
    /// Canceled before sending (scheduled messages).
    Canceled,
    /// An inbound message being received.
    Receiving,
    /// An inbound message received.
    Received,
}

impl TwilioStatus {
    /// Every value, as Twilio spells it.
    pub const ALL: [(&'static str, TwilioStatus); 12] = [
        ("queued", TwilioStatus::Queued),
        ("accepted", TwilioStatus::Accepted),
        ("scheduled", TwilioStatus::Scheduled),
        ("sending", TwilioStatus::Sending),
        ("sent", TwilioStatus::Sent),
        ("delivered", TwilioStatus::Delivered),
        ("undelivered", TwilioStatus::Undelivered),
        ("failed", TwilioStatus::Failed),
        ("read", TwilioStatus::Read),
        ("canceled", TwilioStatus::Canceled),
        ("receiving", TwilioStatus::Receiving),
        ("received", TwilioStatus::Received),
    ];

    /// Reads Twilio's spelling (any case); `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        Self::ALL
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(raw))
            .map(|(_, s)| *s)
    }

    /// Twilio's spelling.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(name, _)| *name)
            .unwrap_or("queued")
    }

    /// Where the status stands in a message's life: a callback ranked at or
    /// below the stored one changes nothing, so callbacks arriving late or
    /// twice never move a message backwards, and among the final statuses
    /// (rank 4) the first one stored stands.
    ///
    /// `queued`/`accepted`/`scheduled` 1 < `sending`/`receiving` 2 < `sent` 3
    /// < `delivered`/`undelivered`/`failed`/`canceled`/`received` 4 < `read` 5.
    pub fn rank(self) -> i64 {
        match self {
            TwilioStatus::Queued | TwilioStatus::Accepted | TwilioStatus::Scheduled => 1,
            TwilioStatus::Sending | TwilioStatus::Receiving => 2,
            TwilioStatus::Sent => 3,
            TwilioStatus::Delivered
            | TwilioStatus::Undelivered
            | TwilioStatus::Failed
            | TwilioStatus::Canceled
            | TwilioStatus::Received => 4,
            TwilioStatus::Read => 5,
        }
    }

    /// The guide's `send_status` it means: `queued|accepted|scheduled|sending`
    /// (and `receiving`) → `pending`; `sent` → `sent`; `delivered|read` (and
    /// `received`) → `delivered`; `undelivered|failed|canceled` → `failed`.
    pub fn send_status(self) -> SendStatus {
        match self {
            TwilioStatus::Queued
            | TwilioStatus::Accepted
            | TwilioStatus::Scheduled
            | TwilioStatus::Sending
            | TwilioStatus::Receiving => SendStatus::Pending,
            TwilioStatus::Sent => SendStatus::Sent,
            TwilioStatus::Delivered | TwilioStatus::Read | TwilioStatus::Received => {
                SendStatus::Delivered
            }
            TwilioStatus::Undelivered | TwilioStatus::Failed | TwilioStatus::Canceled => {
                SendStatus::Failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_parses_ranks_and_maps() {
        for (name, status) in TwilioStatus::ALL {
            assert_eq!(TwilioStatus::parse(name), Some(status));
            assert_eq!(TwilioStatus::parse(&name.to_uppercase()), Some(status));
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).unwrap(), name);
        }
        assert_eq!(TwilioStatus::parse("lost"), None);
        let order = ["queued", "sending", "sent", "delivered", "read"];
        for pair in order.windows(2) {
            let (a, b) = (
                TwilioStatus::parse(pair[0]).unwrap(),
                TwilioStatus::parse(pair[1]).unwrap(),
            );
            assert!(a.rank() < b.rank(), "{pair:?}");
        }
        assert_eq!(TwilioStatus::Failed.rank(), TwilioStatus::Delivered.rank());
        assert_eq!(TwilioStatus::Sending.send_status(), SendStatus::Pending);
        assert_eq!(TwilioStatus::Sent.send_status(), SendStatus::Sent);
        assert_eq!(TwilioStatus::Read.send_status(), SendStatus::Delivered);
        assert_eq!(TwilioStatus::Canceled.send_status(), SendStatus::Failed);
        assert_eq!(TwilioStatus::Undelivered.send_status(), SendStatus::Failed);
    }
}
