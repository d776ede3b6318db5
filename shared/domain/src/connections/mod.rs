//! Messaging connections (seed 002 "Obtaining an API Key", issue 8): each
//! external sender (a WhatsApp Business number, a Telegram bot …) pushes chats
//! through the ingest endpoint as one connection, authenticated by the
//! connection's own secret.
//!
//! - [`api`]: what `/ingest/connections` takes and returns;
//! - `record.rs`: the stored item and its keys;
//! - `secret.rs`: generating, hashing and checking `api_secret`;
//! - `service.rs`: create, list, get, update, rotate, delete, authenticate.

pub mod api;
pub(crate) mod record;
mod secret;
mod service;

pub use api::{
    Connection, ConnectionPatch, ConnectionWithSecret, NewConnection, MAX_CONNECTION_ID_LEN,
};
pub use service::IngestAuth;
