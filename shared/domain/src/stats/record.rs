//! The statistics counters and the change a write makes to them.
//!
//! | PK | SK | attributes (numbers, `ADD`ed) |
//! |---|---|---|
//! | `STATS#<nn>` | `TOTALS` | `conversations_total`, `conversations_<status>`, `needs_reply`, `waiting_for_response`, `escalations_open` |
//! | `STATS#<yyyy-mm-dd>#<nn>` (UTC day) | `DAY` | `messages_received`, `messages_sent`, `suggestions_generated`, `suggestions_approved`, `suggestions_edited`, `confidence_micros` (Σ confidence × 10⁶), `first_responses`, `first_response_seconds` (Σ), `emails_tracked` (sent through SES), `emails_opened`, `emails_clicked` (first open / click of each; issue 22) |
//!
//! Write-sharded (issue 21): a write adds its delta to one shard `<nn>`
//! (`0..WRITE_SHARDS`, drawn at random), the read sums every shard, so no
//! partition takes every message's counter write; gauges and days are
//! separate partitions, so a message that changes both writes two.

use std::collections::BTreeMap;

use crate::keys::{shard_partition, ENTITY, WRITE_SHARDS};
use crate::store::{s, Key, Update, UpdateAction};
use crate::types::{ConversationStatus, Direction};

/// The sharded partition of the counter items: `STATS#<nn>`.
const PARTITION: &str = "STATS";
/// The `entity` of the counter items.
pub(crate) const TYPE: &str = "stats";

/// Key of shard `shard`'s gauges.
pub(crate) fn totals_key(shard: u16) -> Key {
    Key::new(shard_partition(PARTITION, shard), "TOTALS")
}

/// Key of shard `shard`'s day `day` (`2026-12-02`, UTC).
pub(crate) fn day_key(shard: u16, day: &str) -> Key {
    Key::new(shard_partition(&format!("{PARTITION}#{day}"), shard), "DAY")
}

/// A shard for the next write, at random (`0..WRITE_SHARDS`).
pub(crate) fn any_shard() -> u16 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(WRITE_SHARDS)) as u16
}

/// What one conversation contributes to the gauges: its status and the
/// direction of its newest message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gauge {
    pub status: ConversationStatus,
    pub last_direction: Option<Direction>,
}

impl Gauge {
    fn contributions(self) -> Vec<&'static str> {
        let mut out = vec![
            "conversations_total",
            match self.status {
                ConversationStatus::Active => "conversations_active",
                ConversationStatus::Paused => "conversations_paused",
                ConversationStatus::Resolved => "conversations_resolved",
                ConversationStatus::Archived => "conversations_archived",
            },
        ];
        match (self.status, self.last_direction) {
            (ConversationStatus::Active, Some(Direction::Inbound)) => out.push("needs_reply"),
            (ConversationStatus::Active, Some(Direction::Outbound)) => {
                out.push("waiting_for_response")
            }
            _ => {}
        }
        out
    }
}

/// The change one write makes to the counters: gauge deltas and today's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StatsDelta {
    pub totals: BTreeMap<&'static str, i64>,
    pub day: BTreeMap<&'static str, i64>,
}

impl StatsDelta {
    /// A conversation going from `old` (`None`: it did not exist) to `new`
    /// (`None`: it no longer counts).
    pub(crate) fn conversation(old: Option<Gauge>, new: Option<Gauge>) -> Self {
        let mut d = Self::default();
        d.gauge(old, new);
        d
    }

    /// Adds the change of one conversation from `old` to `new`.
    pub(crate) fn gauge(&mut self, old: Option<Gauge>, new: Option<Gauge>) -> &mut Self {
        for name in old.map(Gauge::contributions).unwrap_or_default() {
            *self.totals.entry(name).or_default() -= 1;
        }
        for name in new.map(Gauge::contributions).unwrap_or_default() {
            *self.totals.entry(name).or_default() += 1;
        }
        self
    }

    /// Adds `n` to gauge `name`.
    pub(crate) fn total(&mut self, name: &'static str, n: i64) -> &mut Self {
        *self.totals.entry(name).or_default() += n;
        self
    }

    /// Adds `n` to today's `name`.
    pub(crate) fn today(&mut self, name: &'static str, n: i64) -> &mut Self {
        *self.day.entry(name).or_default() += n;
        self
    }

    /// Adds `other` to this delta.
    pub(crate) fn merge(&mut self, other: StatsDelta) -> &mut Self {
        for (k, v) in other.totals {
            *self.totals.entry(k).or_default() += v;
        }
        for (k, v) in other.day {
            *self.day.entry(k).or_default() += v;
        }
        self
    }

    /// `count` messages in `direction` today.
    pub(crate) fn messages(&mut self, direction: Direction, count: i64) -> &mut Self {
        self.today(
            match direction {
                Direction::Inbound => "messages_received",
                Direction::Outbound => "messages_sent",
            },
            count,
        )
    }

    /// The `UpdateItem`s that add this delta to shard `shard` (none for an
    /// empty delta).
    pub(crate) fn updates(&self, shard: u16, day: &str) -> Vec<Update> {
        let build = |key: Key, values: &BTreeMap<&'static str, i64>| {
            let mut actions: Vec<UpdateAction> = values
                .iter()
                .filter(|(_, n)| **n != 0)
                .map(|(name, n)| UpdateAction::Add(name.to_string(), *n))
                .collect();
            (!actions.is_empty()).then(|| {
                actions.push(UpdateAction::Set(ENTITY.into(), s(TYPE)));
                Update {
                    key,
                    actions,
                    condition: None,
                }
            })
        };
        [
            build(totals_key(shard), &self.totals),
            build(day_key(shard, day), &self.day),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_moves_a_conversation_from_needs_reply_to_waiting() {
        let inbound = Gauge {
            status: ConversationStatus::Active,
            last_direction: Some(Direction::Inbound),
        };
        let outbound = Gauge {
            last_direction: Some(Direction::Outbound),
            ..inbound
        };
        let d = StatsDelta::conversation(Some(inbound), Some(outbound));
        assert_eq!(d.totals.get("needs_reply"), Some(&-1));
        assert_eq!(d.totals.get("waiting_for_response"), Some(&1));
        assert_eq!(d.totals.get("conversations_total"), Some(&0));
        assert_eq!(
            d.updates(0, "2026-12-02").len(),
            1,
            "zero deltas write nothing"
        );
        let archived = Gauge {
            status: ConversationStatus::Archived,
            ..outbound
        };
        let d = StatsDelta::conversation(Some(outbound), Some(archived));
        assert_eq!(d.totals.get("waiting_for_response"), Some(&-1));
        assert_eq!(d.totals.get("conversations_archived"), Some(&1));
        assert!(StatsDelta::default().updates(0, "2026-12-02").is_empty());
    }
}
