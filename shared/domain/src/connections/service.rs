//! The connection rules, as methods of [`Crm`] (issue 8).
//!
//! Store calls: create 1 (`PutItem`), get 1 (`GetItem`), update and rotate 1
//! (`UpdateItem`), delete 1 (`DeleteItem`), list 1 (`Query` on GSI1),
//! authenticate 1 (`GetItem`).

use super::api::{
    check_connection_id, check_name, Connection, ConnectionPatch, ConnectionWithSecret,
    NewConnection,
};
use super::record::ConnectionRecord;
use super::secret;
use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::keys::Entity;
use crate::paging::{list_as, ListParams, Listed};
use crate::store::{s, Condition, Delete, Put, ReturnValues, StoreError, Update, UpdateAction};
use crate::types::Platform;
use crate::Crm;

/// A sender proven to be connection `connection_id` of `platform` (what
/// [`Crm::authenticate_connection`] answers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestAuth {
    /// The connection.
    pub connection_id: String,
    /// Its platform.
    pub platform: Platform,
}

impl Crm {
    /// `POST /ingest/connections`: a new active connection and its secret.
    /// 409 when the caller-chosen `connection_id` is taken.
    pub async fn create_connection(
        &self,
        input: &NewConnection,
    ) -> DomainResult<ConnectionWithSecret> {
        let connection_id = match &input.connection_id {
            Some(id) => check_connection_id("connection_id", id)?,
            None => format!("conn_{}", uuid::Uuid::new_v4().simple()),
        };
        let name = check_name(&input.name)?;
        let (api_secret, secret_sha256) = secret::generate()?;
        let now = self.now_rfc3339();
        let record = ConnectionRecord {
            connection_id,
            platform: input.platform,
            name,
            is_active: true,
            secret_sha256,
            created_at: now.clone(),
            updated_at: now,
        };
        let put = Put {
            item: record.to_item()?,
            condition: Some(Condition::item_not_exists()),
        };
        match self.store.put_item(put).await {
            Ok(_) => Ok(ConnectionWithSecret {
                connection: record.to_api(),
                api_secret,
            }),
            Err(StoreError::ConditionFailed) => Err(DomainError::Conflict {
                message: format!(
                    "connection_id {} is taken; choose another or leave it out",
                    record.connection_id
                ),
                customer_id: None,
                context_id: None,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// `GET /ingest/connections`: every connection, by `connection_id`.
    pub async fn list_connections(&self, params: &ListParams) -> DomainResult<Listed<Connection>> {
        list_as(
            self.store.as_ref(),
            ConnectionRecord::all(),
            params,
            |item| Ok(from_item::<ConnectionRecord>(item)?.to_api()),
        )
        .await
    }

    async fn connection_record(&self, id: &str) -> DomainResult<Option<ConnectionRecord>> {
        match self.store.get_item(&ConnectionRecord::key(id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// `GET /ingest/connections/{connection_id}`; 404 when absent.
    pub async fn get_connection(&self, id: &str) -> DomainResult<Connection> {
        let id = check_connection_id("connection_id", id)?;
        self.connection_record(&id)
            .await?
            .map(|r| r.to_api())
            .ok_or_else(|| DomainError::not_found(Missing::Connection, &id))
    }

    /// `PATCH /ingest/connections/{connection_id}`: `name`, `is_active`; 404 when absent.
    pub async fn update_connection(
        &self,
        id: &str,
        patch: &ConnectionPatch,
    ) -> DomainResult<Connection> {
        let id = check_connection_id("connection_id", id)?;
        let mut actions = vec![UpdateAction::Set(
            "updated_at".into(),
            s(self.now_rfc3339()),
        )];
        if let Some(name) = &patch.name {
            actions.push(UpdateAction::Set("name".into(), s(check_name(name)?)));
        }
        if let Some(active) = patch.is_active {
            actions.push(UpdateAction::Set(
                "is_active".into(),
                crate::store::AttributeValue::Bool(active),
            ));
        }
        self.update_existing_connection(&id, actions)
            .await
            .map(|r| r.to_api())
    }

    /// `POST /ingest/connections/{connection_id}/rotate-secret`: a new secret;
    /// the old one stops working at once. 404 when absent.
    pub async fn rotate_connection_secret(&self, id: &str) -> DomainResult<ConnectionWithSecret> {
        let id = check_connection_id("connection_id", id)?;
        let (api_secret, digest) = secret::generate()?;
        let actions = vec![
            UpdateAction::Set("secret_sha256".into(), s(digest)),
            UpdateAction::Set("updated_at".into(), s(self.now_rfc3339())),
        ];
        let record = self.update_existing_connection(&id, actions).await?;
        Ok(ConnectionWithSecret {
            connection: record.to_api(),
            api_secret,
        })
    }

    async fn update_existing_connection(
        &self,
        id: &str,
        actions: Vec<UpdateAction>,
    ) -> DomainResult<ConnectionRecord> {
        let update = Update {
            key: ConnectionRecord::key(id),
            actions,
            condition: Some(Condition::item_exists()),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => from_item(item),
            Ok(None) | Err(StoreError::ConditionFailed) => {
                Err(DomainError::not_found(Missing::Connection, id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `DELETE /ingest/connections/{connection_id}`; 404 when absent. Messages
    /// it ingested stay.
    pub async fn delete_connection(&self, id: &str) -> DomainResult<()> {
        let id = check_connection_id("connection_id", id)?;
        let delete = Delete {
            key: ConnectionRecord::key(&id),
            condition: Some(Condition::item_exists()),
        };
        match self.store.delete_item(delete).await {
            Ok(_) => Ok(()),
            Err(StoreError::ConditionFailed) => {
                Err(DomainError::not_found(Missing::Connection, &id))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Seed 002 "Connection Validation", in its order: the connection exists
    /// and is of `platform` (else 401 `Invalid connection_id or platform`), the
    /// presented secret is its `api_secret` (else 401 `Invalid API key`), it is
    /// active (else 403 `Connection is inactive`).
    pub async fn authenticate_connection(
        &self,
        connection_id: &str,
        platform: Platform,
        presented: &str,
    ) -> DomainResult<IngestAuth> {
        const UNKNOWN: &str = "Invalid connection_id or platform";
        if check_connection_id("connection_id", connection_id).is_err() {
            return Err(DomainError::Unauthenticated(UNKNOWN));
        }
        let record = self
            .connection_record(connection_id)
            .await?
            .filter(|r| r.platform == platform)
            .ok_or(DomainError::Unauthenticated(UNKNOWN))?;
        if !secret::matches(presented, &record.secret_sha256) {
            return Err(DomainError::Unauthenticated("Invalid API key"));
        }
        if !record.is_active {
            return Err(DomainError::Forbidden("Connection is inactive"));
        }
        Ok(IngestAuth {
            connection_id: record.connection_id,
            platform,
        })
    }
}
