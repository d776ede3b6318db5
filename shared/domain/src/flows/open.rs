//! Opening a conversation: the customer's `open_context_id` pointer and the
//! conversation item, written together (guide §22, §23, §26; also `POST /log`).
//!
//! Store calls: 2 when one is open, 2 to create, +2 per lost race.

use crate::conversations::record::ConversationRecord;
use crate::conversations::{Conversation, NewConversation};
use crate::customers::record::CustomerRecord;
use crate::customers::MAX_NAME_LEN;
use crate::error::{DomainError, DomainResult, Missing};
use crate::keys::Entity;
use crate::retry::optimistic;
use crate::stats::StatsDelta;
use crate::store::{Condition, Put, Transaction, WriteAction};
use crate::types::{nonblank, text, CustomerId, EmailAddress, Phone};
use crate::Crm;

/// Outcome of trying to open a conversation.
pub(crate) enum Opened {
    /// Written.
    Created(Box<ConversationRecord>),
    /// Another conversation became open first (or the customer vanished): re-read.
    Raced,
}

impl Crm {
    /// The customer's open conversation, if the pointer leads to one.
    pub(crate) async fn open_conversation_of(
        &self,
        customer: &CustomerRecord,
    ) -> DomainResult<Option<ConversationRecord>> {
        match &customer.open_context_id {
            Some(id) => Ok(self
                .conversation_record(id)
                .await?
                .filter(|c| c.status.is_open())),
            None => Ok(None),
        }
    }

    /// Opens `record` as `customer`'s conversation: one `TransactWriteItems`
    /// that sets the customer's `open_context_id` (on condition it is still
    /// what was read), puts the conversation, and performs `extra` actions.
    pub(crate) async fn try_open(
        &self,
        customer: &CustomerRecord,
        record: &ConversationRecord,
        extra: Vec<WriteAction>,
    ) -> DomainResult<Opened> {
        let mut tx = Transaction::new();
        tx.push(
            "open_pointer",
            WriteAction::Update(customer.take_open_pointer(&record.context_id)),
        )
        .push(
            "conversation",
            WriteAction::Put(Put {
                item: record.to_item()?,
                condition: Some(Condition::item_not_exists()),
            }),
        )
        .extend("extra", extra);
        match tx.commit(&*self.store).await? {
            Ok(()) => {
                self.record_stats(StatsDelta::conversation(None, Some(record.gauge())))
                    .await;
                Ok(Opened::Created(Box::new(record.clone())))
            }
            // The customer's pointer moved (another request opened one), an
            // extra action's condition failed (a provider id logged
            // meanwhile), or a concurrent write conflicted: the caller reads
            // again (its retries are bounded).
            Err(_) => Ok(Opened::Raced),
        }
    }

    /// `POST /conversations` (guide §23): 201 with a new active conversation;
    /// 404 for an unknown customer; 409 (with `context_id`) when the customer
    /// already has an open one.
    pub async fn create_conversation(&self, input: &NewConversation) -> DomainResult<Conversation> {
        let (record, created) = self.get_or_create_record(input).await?;
        if !created {
            return Err(DomainError::Conflict {
                message: format!(
                    "customer {} already has an open conversation {}; close it first or use /conversations/get-or-create",
                    input.customer_id, record.context_id
                ),
                customer_id: Some(input.customer_id),
                context_id: Some(record.context_id.to_string()),
            });
        }
        Ok(record.to_api())
    }

    /// `POST /conversations/get-or-create` (guide §26): the open conversation
    /// (`created: false`) or a new one (`created: true`); concurrent calls
    /// create exactly one.
    pub async fn get_or_create_conversation(
        &self,
        input: &NewConversation,
    ) -> DomainResult<(Conversation, bool)> {
        let (record, created) = self.get_or_create_record(input).await?;
        Ok((record.to_api(), created))
    }

    async fn get_or_create_record(
        &self,
        input: &NewConversation,
    ) -> DomainResult<(ConversationRecord, bool)> {
        let customer_id = CustomerId::from_body("customer_id", input.customer_id)?;
        let name = text("name", input.name.as_deref(), MAX_NAME_LEN)?;
        let email = nonblank(input.email.as_deref())
            .map(|e| EmailAddress::parse("email", e).map(|e| e.as_str().to_string()))
            .transpose()?;
        let phone = nonblank(input.phone.as_deref())
            .map(|p| {
                Phone::parse("phone", p, self.settings.default_region)
                    .map(|p| p.given().to_string())
            })
            .transpose()?;
        optimistic(|| async {
            let customer = self.existing_customer(customer_id).await?;
            if let Some(open) = self.open_conversation_of(&customer).await? {
                return Ok((open, false));
            }
            let mut record = ConversationRecord::new(customer_id, self.now_rfc3339());
            record.name = name.clone();
            record.email = email.clone();
            record.phone = phone.clone();
            match self.try_open(&customer, &record, Vec::new()).await? {
                Opened::Created(record) => Ok((*record, true)),
                Opened::Raced => Err(DomainError::Contended),
            }
        })
        .await
    }

    /// `GET /conversations/customer/{customer_id}` (guide §22): the customer's
    /// open (active or paused) conversation; 404 when there is none. Store calls: 2.
    pub async fn open_conversation_for(&self, id: CustomerId) -> DomainResult<Conversation> {
        let customer = self.existing_customer(id).await?;
        self.open_conversation_of(&customer)
            .await?
            .map(|c| c.to_api())
            .ok_or_else(|| DomainError::not_found(Missing::OpenConversation, id))
    }
}
