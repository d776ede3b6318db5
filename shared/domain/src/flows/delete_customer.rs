//! `DELETE /customers/{customer_id}` (guide §5): removes the customer,
//! releases its email, phone and external id, and archives its open
//! conversation, in one transaction. Messages and past conversations stay
//! (`GET /messages/customer/{id}` still lists them).

use crate::error::DomainResult;
use crate::retry::optimistic;
use crate::stats::StatsDelta;
use crate::store::{Transaction, WriteAction};
use crate::types::CustomerId;
use crate::Crm;

impl Crm {
    /// Deletes customer `id` (see the module docs). 404 when absent.
    /// Store calls: 2 (`GetItem`, `TransactWriteItems`), +1 conversation
    /// `GetItem` and +1 statistics `UpdateItem` with an open conversation;
    /// +2–3 per retry after a concurrent change.
    pub async fn delete_customer(&self, id: CustomerId) -> DomainResult<()> {
        optimistic(|| async {
            let current = self.existing_customer(id).await?;
            let mut actions = current.deletion();
            // The open conversation as read, so the statistics delta is exact.
            let open = match &current.open_context_id {
                Some(open) => self.conversation_record(open).await?,
                None => None,
            };
            let mut archived = open.clone();
            if let Some(c) = archived.as_mut() {
                actions.push(WriteAction::Update(
                    c.archive_for_deletion(&self.now_rfc3339())?,
                ));
            }
            Transaction::of("delete_customer", actions)
                .commit(&*self.store)
                .await??;
            if let (Some(open), Some(archived)) = (&open, &archived) {
                self.record_stats(StatsDelta::conversation(
                    Some(open.gauge()),
                    Some(archived.gauge()),
                ))
                .await;
            }
            Ok(())
        })
        .await
    }
}
