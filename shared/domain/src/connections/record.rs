//! How a connection is stored.
//!
//! | item | PK | SK | GSI1PK / GSI1SK |
//! |---|---|---|---|
//! | connection | `CONNECTION#<connection_id>` | `CONNECTION` | `CONNECTIONS` / `<connection_id>` |

use serde::{Deserialize, Serialize};

use super::api::Connection;
use crate::keys::{Entity, Index, IndexEntry};
use crate::store::{Key, Query};
use crate::types::Platform;

/// GSI1 partition holding every connection, in id order.
const COLLECTION: &str = "CONNECTIONS";

/// The stored connection item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ConnectionRecord {
    pub connection_id: String,
    pub platform: Platform,
    pub name: String,
    pub is_active: bool,
    /// Lowercase hex SHA-256 of the `api_secret`; the secret itself is never stored.
    pub secret_sha256: String,
    /// Where the CRM `POST`s replies to this connection's conversations
    /// (issue 22); absent: they wait for an external sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_url: Option<String>,
    /// The version of its delivery secret (derived, never stored:
    /// `SigningKey::delivery_secret`); bumped by a rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_secret_version: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Entity for ConnectionRecord {
    const TYPE: &'static str = "connection";

    fn primary_key(&self) -> Key {
        Self::key(&self.connection_id)
    }

    fn index_entries(&self) -> Vec<IndexEntry> {
        vec![IndexEntry::new(
            Index::Gsi1,
            COLLECTION,
            self.connection_id.clone(),
        )]
    }
}

impl ConnectionRecord {
    /// Key of connection `id`.
    pub(crate) fn key(id: &str) -> Key {
        Key::new(format!("CONNECTION#{id}"), "CONNECTION")
    }

    /// Every connection, in id order (GSI1).
    pub(crate) fn all() -> Query {
        Query::new(Some(Index::Gsi1), COLLECTION)
    }

    pub(crate) fn to_api(&self) -> Connection {
        Connection {
            connection_id: self.connection_id.clone(),
            platform: self.platform,
            name: self.name.clone(),
            is_active: self.is_active,
            delivery_url: self.delivery_url.clone(),
            delivery_secret: None,
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}
