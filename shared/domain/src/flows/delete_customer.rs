//! `DELETE /customers/{customer_id}` (guide §5): removes the customer,
//! releases its email, phone and external id, and archives its open
//! conversation, in one transaction. Messages and past conversations stay
//! (`GET /messages/customer/{id}` still lists them).

use crate::conversations::record::ConversationRecord;
use crate::error::{DomainError, DomainResult};
use crate::keys::Entity;
use crate::stats::StatsDelta;
use crate::store::{n, s, Condition, Delete, Transaction, Update, UpdateAction, WriteAction};
use crate::types::{now_rfc3339, ConversationStatus, CustomerId};
use crate::{Crm, OPTIMISTIC_ATTEMPTS};

impl Crm {
    /// Deletes customer `id` (see the module docs). 404 when absent.
    /// Store calls: 2 (`GetItem`, `TransactWriteItems`), +1 conversation
    /// `GetItem` and +1 statistics `UpdateItem` with an open conversation;
    /// +2–3 per retry after a concurrent change.
    pub async fn delete_customer(&self, id: CustomerId) -> DomainResult<()> {
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let current = self.existing_customer(id).await?;
            let unchanged = Condition::And(vec![
                Condition::eq("version", n(current.version)),
                current.open_pointer_unchanged(),
            ]);
            let mut actions = vec![WriteAction::Delete(Delete {
                key: current.primary_key(),
                condition: Some(unchanged),
            })];
            for reservation in current.reservations() {
                actions.push(WriteAction::Delete(Delete {
                    key: reservation.primary_key(),
                    condition: Some(Condition::eq("customer_id", n(id.get()))),
                }));
            }
            // The open conversation as read, so the statistics delta is exact.
            let open = match &current.open_context_id {
                Some(open) => self.conversation_record(open).await?,
                None => None,
            };
            if let Some(open) = &open {
                actions.push(archive(open));
            }
            match Transaction::of("delete_customer", actions)
                .commit(&*self.store)
                .await?
            {
                Ok(()) => {
                    if let Some(open) = open {
                        let archived = crate::stats::Gauge {
                            status: ConversationStatus::Archived,
                            ..open.gauge()
                        };
                        self.record_stats(StatsDelta::conversation(
                            Some(open.gauge()),
                            Some(archived),
                        ))
                        .await;
                    }
                    return Ok(());
                }
                Err(_) => continue,
            }
        }
        Err(DomainError::Contended)
    }
}

/// The write that archives conversation `c` because its customer is deleted
/// (conditional on its status and newest message as read).
fn archive(c: &ConversationRecord) -> WriteAction {
    let now = now_rfc3339();
    let mut actions = ConversationRecord::status_actions(ConversationStatus::Archived);
    actions.push(UpdateAction::Set("closed_at".into(), s(now.clone())));
    actions.push(UpdateAction::Set("updated_at".into(), s(now)));
    WriteAction::Update(Update {
        key: ConversationRecord::key(&c.context_id),
        actions,
        condition: Some(c.gauge_is()),
    })
}
