//! # crm-events-eventbridge
//!
//! Seed 001's conversation events (issue 10) on Amazon EventBridge:
//! [`EventBridgeSink`] implements `crm_domain::events::EventSink` with one
//! `PutEvents` entry per event — `Source` [`SOURCE`], `DetailType` the
//! seed's `type` (`conversation:ai_ready` …), `Detail` the seed's JSON
//! payload, `EventBusName` the bus (`EVENT_BUS_NAME`; the account's
//! `default` bus unless the template names another). Every call is bounded
//! (1 s per attempt, 3 s in all): a slow bus delays the request that
//! publishes by at most that and never fails it.
//!
//! The endpoint is the SDK's: `AWS_ENDPOINT_URL_EVENTBRIDGE` points it at a
//! stub (the tests use wiremock).

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use crm_domain::events::{ConversationEvent, EventSink, PublishError};
use tokio::sync::OnceCell;

/// The `Source` of every event this API publishes; a rule matches on it.
pub const SOURCE: &str = "crm.conversations";

/// The bus `bus`, through a client built on first use (no network call and
/// no credential lookup at cold start).
pub struct EventBridgeSink {
    bus: String,
    client: OnceCell<Client>,
}

impl EventBridgeSink {
    /// A sink whose client comes from the environment (region, credentials,
    /// `AWS_ENDPOINT_URL_EVENTBRIDGE`) when first needed.
    pub fn from_env(bus: impl Into<String>) -> Self {
        Self {
            bus: bus.into(),
            client: OnceCell::new(),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let config = crm_aws::with_timeouts(
                    &crm_aws::config().await,
                    Duration::from_secs(1),
                    Duration::from_secs(1),
                    Duration::from_secs(3),
                );
                Client::new(&config)
            })
            .await
    }
}

#[async_trait]
impl EventSink for EventBridgeSink {
    /// Errors: the bus could not be reached in time, or refused the entry
    /// (`FailedEntryCount` > 0; the message gives its error code).
    async fn publish(&self, event: &ConversationEvent) -> Result<(), PublishError> {
        let detail = serde_json::to_string(event).map_err(|e| PublishError(e.to_string()))?;
        let entry = PutEventsRequestEntry::builder()
            .source(SOURCE)
            .detail_type(event.kind())
            .detail(detail)
            .event_bus_name(&self.bus)
            .build();
        let out = self
            .client()
            .await
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| {
                PublishError(aws_sdk_eventbridge::error::DisplayErrorContext(e).to_string())
            })?;
        if out.failed_entry_count > 0 {
            let code = out
                .entries()
                .iter()
                .find_map(|e| e.error_code())
                .unwrap_or("unknown");
            return Err(PublishError(format!("entry refused: {code}")));
        }
        Ok(())
    }
}
