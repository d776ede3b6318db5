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
use crate::types::{DeliveryUrl, Platform};
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
            delivery_url: None,
            delivery_secret_version: None,
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

    /// `PATCH /ingest/connections/{connection_id}`: `name`, `is_active`,
    /// `delivery_url` (issue 22: setting it answers the `delivery_secret`
    /// once; blank removes it); 404 when absent; 400 for a delivery URL that
    /// is not a public `https` URL, or when the deployment has no
    /// `CRM_DELIVERY_SIGNING_KEY`. Store calls: 1.
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
        let mut reveal = false;
        match patch.delivery_url.as_deref().map(str::trim) {
            None => {}
            Some("") => actions.push(UpdateAction::Remove("delivery_url".into())),
            Some(raw) => {
                let sending = &self.settings.sending;
                if sending.signing_key.is_none() {
                    return Err(DomainError::invalid(
                        "delivery_url",
                        "this deployment has no CRM_DELIVERY_SIGNING_KEY, so deliveries could not be signed; set it, then the delivery URL",
                    ));
                }
                let url = DeliveryUrl::parse("delivery_url", raw, sending.allow_private_delivery)?;
                actions.push(UpdateAction::Set("delivery_url".into(), s(url.as_str())));
                // Creates the version at 0 the first time, keeps it after.
                actions.push(UpdateAction::Add("delivery_secret_version".into(), 0));
                reveal = true;
            }
        }
        if let Some(name) = &patch.name {
            actions.push(UpdateAction::Set("name".into(), s(check_name(name)?)));
        }
        if let Some(active) = patch.is_active {
            actions.push(UpdateAction::Set(
                "is_active".into(),
                crate::store::AttributeValue::Bool(active),
            ));
        }
        let record = self.update_existing_connection(&id, actions).await?;
        Ok(match reveal {
            true => self.with_delivery_secret(&record),
            false => record.to_api(),
        })
    }

    /// `POST /ingest/connections/{connection_id}/rotate-delivery-secret`
    /// (issue 22): a new delivery secret, answered once; deliveries are
    /// signed with it from now on. 404 when absent; 409 when the connection
    /// has no `delivery_url`. Store calls: 1 (+1 `GetItem` to tell 404 from 409).
    pub async fn rotate_delivery_secret(&self, id: &str) -> DomainResult<Connection> {
        let id = check_connection_id("connection_id", id)?;
        let update = Update {
            key: ConnectionRecord::key(&id),
            actions: vec![
                UpdateAction::Add("delivery_secret_version".into(), 1),
                UpdateAction::Set("updated_at".into(), s(self.now_rfc3339())),
            ],
            condition: Some(Condition::Exists("delivery_url".into())),
        };
        match self.store.update_item(update, ReturnValues::AllNew).await {
            Ok(Some(item)) => Ok(self.with_delivery_secret(&from_item(item)?)),
            Ok(None) => Err(DomainError::corrupt("update returned no item")),
            Err(StoreError::ConditionFailed) => match self.connection_record(&id).await? {
                None => Err(DomainError::not_found(Missing::Connection, &id)),
                Some(_) => Err(DomainError::conflict(format!(
                    "connection {id} has no delivery_url; set one (PATCH) to get a delivery secret"
                ))),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// `record` as the API shows it, with its current delivery secret.
    fn with_delivery_secret(&self, record: &ConnectionRecord) -> Connection {
        let mut api = record.to_api();
        if let (Some(key), Some(_)) = (&self.settings.sending.signing_key, &record.delivery_url) {
            api.delivery_secret = Some(key.delivery_secret(
                &record.connection_id,
                record.delivery_secret_version.unwrap_or(0),
            ));
        }
        api
    }

    /// Where replies to connection `id`'s conversations go: its delivery
    /// URL and current secret (in that order), if it has a URL and the deployment a signing
    /// key. Store calls: 1 `GetItem`.
    pub(crate) async fn delivery_target(&self, id: &str) -> DomainResult<Option<(String, String)>> {
        let Some(record) = self.connection_record(id).await? else {
            return Ok(None);
        };
        let secret = self.with_delivery_secret(&record).delivery_secret;
        Ok(record.delivery_url.zip(secret))
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
