//! The single-table key design: every key and index value the domain writes
//! or reads is built here, and nowhere else. `docs/data-model.md` lists the
//! access patterns these serve; keep the two in step.
//!
//! | entity | PK | SK | GSI1 | GSI2 | GSI3 | GSI4 | GSI5 |
//! |---|---|---|---|---|---|---|---|
//! | customer | `CUSTOMER#<id>` | `PROFILE` | `CUSTOMERS` / `<id:020>` | | | | |
//! | email uniqueness | `EMAIL#<lowercase email>` | `UNIQUE` | | | | | |
//! | phone uniqueness | `PHONE#<E.164>` | `UNIQUE` | | | | | |
//! | external id uniqueness | `EXTID#<external_crm_id>` | `UNIQUE` | | | | | |
//! | id counter | `COUNTER#<name>` | `COUNTER` | | | | | |
//! | conversation | `CONTEXT#<uuid>` | `CONTEXT` | `CONTEXTS` / `<created_at>#<uuid>` | `CUSTOMER#<id>` / `CONTEXT#<created_at>#<uuid>` | `CONTEXTS#<status>` / `<created_at>#<uuid>` | | |
//! | message | `LOG#<id>` | `LOG` | `LOGS` / `<id:020>` | `CONTEXT#<uuid>` / `LOG#<id:020>` | `CUSTOMER#<id>` / `LOG#<id:020>` | `UNPROCESSED` / `<id:020>` (only while unprocessed) | `FAILED` / `<id:020>` (only while failed) |
//!
//! Numbers in sort keys are zero-padded to 20 digits so that string order is
//! numeric order. Timestamps are fixed-width RFC 3339 UTC with milliseconds,
//! so string order is time order.

use crate::store::Key;

/// Attribute on every item naming its entity type (`customer`, `unique`, `counter`, `context`, `message`).
pub const ENTITY: &str = "entity";

/// Sort key of every uniqueness item.
pub const UNIQUE_SK: &str = "UNIQUE";

/// Zero-pads an id to 20 digits for sort keys.
pub fn padded(id: i64) -> String {
    format!("{id:020}")
}

/// Key of customer `id`'s profile item.
pub fn customer(id: i64) -> Key {
    Key::new(format!("CUSTOMER#{id}"), "PROFILE")
}

/// GSI1 partition holding every customer.
pub const CUSTOMERS_COLLECTION: &str = "CUSTOMERS";

/// Key of the item that reserves an email (lowercased) for one customer.
pub fn email_unique(email_lowercase: &str) -> Key {
    Key::new(format!("EMAIL#{email_lowercase}"), UNIQUE_SK)
}

/// Key of the item that reserves a normalized phone for one customer.
pub fn phone_unique(phone_normalized: &str) -> Key {
    Key::new(format!("PHONE#{phone_normalized}"), UNIQUE_SK)
}

/// Key of the item that reserves an external CRM id for one customer.
pub fn external_id_unique(external_crm_id: &str) -> Key {
    Key::new(format!("EXTID#{external_crm_id}"), UNIQUE_SK)
}

/// Key of an id counter (`customer_id`, `log_id`): a number attribute `value`, bumped with `ADD`.
pub fn counter(name: &str) -> Key {
    Key::new(format!("COUNTER#{name}"), "COUNTER")
}

/// Key of conversation `context_id`.
pub fn context(context_id: &str) -> Key {
    Key::new(format!("CONTEXT#{context_id}"), "CONTEXT")
}

/// GSI1 partition holding every conversation.
pub const CONTEXTS_COLLECTION: &str = "CONTEXTS";

/// GSI1/GSI3 sort key of a conversation: creation time, then id.
pub fn context_time_sk(created_at: &str, context_id: &str) -> String {
    format!("{created_at}#{context_id}")
}

/// GSI2 partition of a customer's conversations (`CONTEXT#…` sort keys).
pub fn customer_partition(customer_id: i64) -> String {
    format!("CUSTOMER#{customer_id}")
}

/// GSI2 sort key of a conversation under its customer.
pub fn customer_context_sk(created_at: &str, context_id: &str) -> String {
    format!("CONTEXT#{created_at}#{context_id}")
}

/// Sort-key prefix of a customer's conversations in GSI2.
pub const CONTEXT_PREFIX: &str = "CONTEXT#";

/// GSI3 partition of conversations with one status.
pub fn status_partition(status: &str) -> String {
    format!("CONTEXTS#{status}")
}

/// Key of message `log_id`.
pub fn message(log_id: i64) -> Key {
    Key::new(format!("LOG#{log_id}"), "LOG")
}

/// GSI1 partition holding every message.
pub const LOGS_COLLECTION: &str = "LOGS";

/// GSI2 partition of a conversation's messages (`LOG#…` sort keys).
pub fn context_partition(context_id: &str) -> String {
    format!("CONTEXT#{context_id}")
}

/// GSI2/GSI3 sort key of a message under its conversation or customer.
pub fn message_child_sk(log_id: i64) -> String {
    format!("LOG#{}", padded(log_id))
}

/// Sort-key prefix of messages in GSI2/GSI3.
pub const LOG_PREFIX: &str = "LOG#";

/// GSI4 partition of unprocessed messages (sparse: the attributes are removed once processed).
pub const UNPROCESSED_QUEUE: &str = "UNPROCESSED";

/// GSI5 partition of failed sends (sparse: set only while `send_status` is `failed`).
pub const FAILED_QUEUE: &str = "FAILED";
