//! The items ingest keeps beside the messages it writes.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | ingested-message marker | `INGESTED#<connection_id>#<message id>` | `INGESTED` |
//! | external conversation | `EXTCONV#<connection_id>#<external_conversation_id>` | `EXTCONV` |
//!
//! A marker is written with `attribute_not_exists(PK)` in the transaction
//! that writes its message: that condition is the deduplication, exactly
//! once also under concurrent identical requests. The external
//! conversation remembers which customer and CRM conversation a thread
//! went to.

use serde::{Deserialize, Serialize};

use crate::keys::Entity;
use crate::store::Key;
use crate::types::{ContextId, CustomerId, LogId};

/// "Message `external_message_id` of connection `connection_id` is stored,
/// as `log_id` in `context_id`."
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IngestedMarker {
    pub connection_id: String,
    pub external_message_id: String,
    pub log_id: LogId,
    pub context_id: ContextId,
}

impl Entity for IngestedMarker {
    const TYPE: &'static str = "ingested";

    fn primary_key(&self) -> Key {
        Self::key(&self.connection_id, &self.external_message_id)
    }
}

impl IngestedMarker {
    /// Key of the marker of message `id` of `connection`.
    pub(crate) fn key(connection: &str, id: &str) -> Key {
        Key::new(format!("INGESTED#{connection}#{id}"), "INGESTED")
    }
}

/// Where thread `external_conversation_id` of `connection_id` went: its
/// customer and the CRM conversation its latest messages went into.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExternalConversation {
    pub connection_id: String,
    pub external_conversation_id: String,
    pub customer_id: CustomerId,
    pub context_id: ContextId,
    pub updated_at: String,
}

impl Entity for ExternalConversation {
    const TYPE: &'static str = "external_conversation";

    fn primary_key(&self) -> Key {
        Self::key(&self.connection_id, &self.external_conversation_id)
    }
}

impl ExternalConversation {
    /// Key of thread `id` of `connection`.
    pub(crate) fn key(connection: &str, id: &str) -> Key {
        Key::new(format!("EXTCONV#{connection}#{id}"), "EXTCONV")
    }
}
