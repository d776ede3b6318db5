//! Seed 001's events locally (issue 10): [`Hub`] is the `EventSink` of
//! local-api's service, and `GET /events` streams what it receives as
//! server-sent events — `event: conversation:ai_ready`, `data:` the same JSON
//! EventBridge carries as `detail` on AWS — so a UI can subscribe either way.
//!
//! Best effort, as on AWS: a subscriber that falls more than
//! [`BUFFER`] events behind gets a comment saying how many it missed, and
//! events published while nobody listens are dropped. Needs the API key
//! like every route (send `x-api-key`; a browser `EventSource` cannot set
//! headers, so put a proxy in front or use a fetch-based client).

use std::convert::Infallible;
use std::sync::Arc;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Extension;
use crm_domain::events::{ConversationEvent, EventSink, PublishError};
use futures::Stream;
use tokio::sync::broadcast;

/// Events a slow subscriber may fall behind before it misses some.
pub const BUFFER: usize = 1024;

/// The in-process event bus: cheap to clone, one per server.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<ConversationEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    /// A bus with nobody listening yet.
    pub fn new() -> Self {
        Self {
            tx: broadcast::channel(BUFFER).0,
        }
    }
}

#[async_trait::async_trait]
impl EventSink for Hub {
    /// Never fails: with no subscriber the event is simply not seen.
    async fn publish(&self, event: &ConversationEvent) -> Result<(), PublishError> {
        let _ = self.tx.send(Arc::new(event.clone()));
        Ok(())
    }
}

/// `GET /events` (local-api only): `text/event-stream`, one event per
/// domain event (`event:` its type, `data:` its JSON), a keep-alive comment
/// every 15 s.
pub async fn stream(
    Extension(hub): Extension<Hub>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = hub.tx.subscribe();
    let events = futures::stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(e) => Event::default()
                .event(e.kind())
                .json_data(&*e)
                .unwrap_or_else(|_| Event::default().comment("unserializable event")),
            Err(broadcast::error::RecvError::Lagged(n)) => {
                Event::default().comment(format!("missed {n} events"))
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(event), rx))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}
