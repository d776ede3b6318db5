//! Adding to the counters after a write, and reading them.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::api::{percent, ratio, ConversationStats};
use super::record::{any_shard, day_key, totals_key, StatsDelta};
use crate::error::DomainResult;
use crate::keys::WRITE_SHARDS;
use crate::store::{int_attr, Item, Key, ReturnValues};
use crate::Crm;

/// Days in the weekly figures.
const WEEK_DAYS: i64 = 7;

fn day(t: OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Crm {
    /// Adds `delta` to one shard of the counters (0–2 `UpdateItem … ADD`),
    /// after the write it describes committed. A failure is logged, never
    /// returned: the write itself succeeded.
    pub(crate) async fn record_stats(&self, delta: StatsDelta) {
        let today = day(self.now());
        for update in delta.updates(any_shard(), &today) {
            if let Err(e) = self.store.update_item(update, ReturnValues::None).await {
                tracing::warn!(error = %e, "statistics counter not updated");
            }
        }
    }

    /// `GET /conversations/stats` (seed 001 §9): the gauges and the last 7
    /// UTC days' buckets of every shard, summed, in one `BatchGetItem` of
    /// 12 × 8 = 96 keys, whatever is stored. "Today" is the service clock's.
    pub async fn conversation_stats(&self) -> DomainResult<ConversationStats> {
        let now = self.now();
        let days: Vec<String> = (0..WEEK_DAYS)
            .map(|i| day(now - time::Duration::days(i)))
            .collect();
        let shards = 0..WRITE_SHARDS;
        let totals: Vec<Key> = shards.clone().map(totals_key).collect();
        let day_keys: Vec<Key> = shards
            .flat_map(|n| days.iter().map(move |d| day_key(n, d)))
            .collect();
        let keys: Vec<Key> = totals.iter().chain(&day_keys).cloned().collect();
        let items = self.store.batch_get(&keys).await?;
        let by_key: HashMap<Key, Item> = items
            .into_iter()
            .filter_map(|item| Some((Key::of(&item)?, item)))
            .collect();
        let sum = |keys: &[Key], name: &str| -> i64 {
            keys.iter()
                .filter_map(|k| by_key.get(k))
                .filter_map(|item| int_attr(item, name))
                .sum()
        };
        let total = |name: &str| sum(&totals, name);
        let week = |name: &str| sum(&day_keys, name);
        let sent = week("messages_sent");
        let received = week("messages_received");
        let generated = week("suggestions_generated");
        let approved = week("suggestions_approved");
        let first = week("first_responses");
        let tracked = week("emails_tracked");
        let (opened, clicked) = (week("emails_opened"), week("emails_clicked"));
        Ok(ConversationStats {
            total_conversations: total("conversations_total"),
            active_conversations: total("conversations_active") + total("conversations_paused"),
            needs_reply: total("needs_reply"),
            waiting_for_response: total("waiting_for_response"),
            archived_conversations: total("conversations_archived"),
            resolved_conversations: total("conversations_resolved"),
            paused_conversations: total("conversations_paused"),
            emails_sent_week: sent,
            emails_received_week: received,
            response_rate_week: percent(received, sent),
            emails_opened_week: opened,
            emails_clicked_week: clicked,
            open_rate_week: percent(opened, tracked),
            click_rate_week: percent(clicked, tracked),
            avg_response_time_hours: ratio(week("first_response_seconds") as f64 / 3600.0, first),
            ai_suggestions_generated_week: generated,
            ai_suggestions_approved_week: approved,
            ai_approval_rate_week: percent(approved, generated),
            ai_edit_rate_week: percent(week("suggestions_edited"), approved),
            avg_confidence_score: ratio(week("confidence_micros") as f64 / 1e6, generated),
            escalations_open: total("escalations_open"),
            week_start: days.last().cloned().unwrap_or_default(),
        })
    }
}
