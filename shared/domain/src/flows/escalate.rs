//! The escalation endpoints (issue 10, seed 003): open a ticket, read it,
//! list them, change its status — keeping the conversation's escalated flag
//! (`escalation_ticket`) true exactly while one of its tickets is open.

use crate::codec::from_item;
use crate::error::{DomainError, DomainResult, Missing};
use crate::escalations::record::{EscalationRecord, EscalationStatus, OpenTicketLink};
use crate::escalations::{Escalation, EscalationFilter, EscalationPatch, NewEscalation};
use crate::keys::Entity;
use crate::paging::{self, ListParams, Listed};
use crate::retry::optimistic;
use crate::stats::StatsDelta;
use crate::store::{Condition, Delete, Query, Transaction, WriteAction};
use crate::types::rfc3339;
use crate::Crm;
use futures::lock::Mutex;

impl Crm {
    /// `POST /escalations`: opens a ticket (`source: api`) on an existing
    /// conversation and flags the conversation escalated if it was not.
    ///
    /// Errors: 400 bad fields; 404 unknown conversation.
    /// Store calls: 3 (conversation `GetItem`, ticket counter, `TransactWriteItems`), +2 per lost race.
    pub async fn create_escalation(&self, req: &NewEscalation) -> DomainResult<Escalation> {
        let (context_id, sentiment, complexity, context) = req.validate()?;
        // The ticket id allocated by the first attempt, kept by the next ones.
        let ticket = Mutex::new(None::<String>);
        optimistic(|| async {
            let conversation = self.existing_conversation(&context_id).await?;
            let now = self.now();
            let mut ticket = ticket.lock().await;
            let ticket_id = match &*ticket {
                Some(t) => t.clone(),
                None => ticket.insert(self.next_ticket(now.year()).await?).clone(),
            };
            let at = rfc3339(now);
            let record = EscalationRecord {
                customer_sentiment: sentiment,
                query_complexity: complexity,
                additional_context: context.clone(),
                ..EscalationRecord::open(
                    ticket_id.clone(),
                    context_id.clone(),
                    conversation.customer_id,
                    req.reason,
                    req.priority,
                    "api",
                    &at,
                )
            };
            let mut writes = record.open_writes()?;
            let mut conversation = conversation;
            writes.push(WriteAction::Update(
                conversation.flag_escalation(&ticket_id, &at)?,
            ));
            Transaction::of("escalation", writes)
                .commit(&*self.store)
                .await??;
            let mut delta = StatsDelta::default();
            delta.total("escalations_open", 1);
            crate::metrics::escalation_opened();
            self.record_stats(delta).await;
            Ok(record.to_api())
        })
        .await
    }

    /// `GET /escalations/{ticket_id}`: 404 when unknown. Store calls: 1.
    pub async fn get_escalation(&self, ticket_id: &str) -> DomainResult<Escalation> {
        Ok(self.existing_ticket(ticket_id).await?.to_api())
    }

    /// `GET /escalations?status=&priority=`: newest first, the usual paging
    /// (`limit`, `cursor`). By status through GSI3, all through GSI1;
    /// `priority` filters the page (pages may come back short; follow
    /// `next_cursor`). Store calls: 1 per page.
    pub async fn list_escalations(
        &self,
        filter: &EscalationFilter,
        params: &ListParams,
    ) -> DomainResult<Listed<Escalation>> {
        let base = match filter.status {
            Some(st) => EscalationRecord::with_status(st),
            None => EscalationRecord::all(),
        };
        let query = Query {
            forward: false,
            filter: filter.priority.map(EscalationRecord::with_priority),
            ..base
        };
        paging::list_as(self.store.as_ref(), query, params, |item| {
            Ok(from_item::<EscalationRecord>(item)?.to_api())
        })
        .await
    }

    /// `PUT /escalations/{ticket_id}`: changes status (within
    /// [`EscalationStatus::can_become`]), `assigned_agent`,
    /// `resolution_notes`, `customer_satisfaction`. Leaving open/assigned
    /// removes the ticket's link and moves or clears the conversation's
    /// flag; reopening sets it again — one transaction, conditional on the
    /// status read.
    ///
    /// Errors: 400 bad fields, `assigned` without an agent; 404 unknown
    /// ticket; 409 a transition the lifecycle does not allow.
    /// Store calls: 2 (ticket `GetItem`, write), +1 conversation `GetItem`
    /// and +1 link `Query` when it leaves or re-enters open; +those per lost race.
    pub async fn update_escalation(
        &self,
        ticket_id: &str,
        patch: &EscalationPatch,
    ) -> DomainResult<Escalation> {
        let p = patch.validate()?;
        optimistic(|| async {
            let current = self.existing_ticket(ticket_id).await?;
            let next_status = match (p.status, &p.assigned_agent) {
                (Some(st), _) => st,
                (None, Some(_)) if current.status == EscalationStatus::Open => {
                    EscalationStatus::Assigned
                }
                (None, _) => current.status,
            };
            if !current.status.can_become(next_status) {
                return Err(DomainError::conflict(format!(
                    "ticket {ticket_id} is {}; it cannot become {} (open ⇄ assigned; open or assigned → resolved or closed; resolved → closed or open; closed is final)",
                    current.status.as_str(),
                    next_status.as_str()
                )));
            }
            if next_status == EscalationStatus::Assigned
                && p.assigned_agent.is_none()
                && current.assigned_agent.is_none()
            {
                return Err(DomainError::invalid(
                    "assigned_agent",
                    "an assigned ticket needs `assigned_agent`",
                ));
            }
            let at = self.now_rfc3339();
            let mut next = current.clone();
            next.status = next_status;
            next.updated_at = at.clone();
            if let Some(a) = &p.assigned_agent {
                next.assigned_agent = Some(a.clone());
            }
            if let Some(n) = &p.resolution_notes {
                next.resolution_notes = Some(n.clone());
            }
            if p.customer_satisfaction.is_some() {
                next.customer_satisfaction = p.customer_satisfaction;
            }
            if next_status != current.status {
                match next_status {
                    EscalationStatus::Resolved => next.resolved_at = Some(at.clone()),
                    EscalationStatus::Closed => next.closed_at = Some(at.clone()),
                    _ => {}
                }
            }
            let mut writes = vec![WriteAction::Put(crate::store::Put {
                item: next.to_item()?,
                condition: Some(EscalationRecord::status_is(current.status)),
            })];
            let link = OpenTicketLink::key(&current.context_id, ticket_id);
            match (current.status.is_open(), next_status.is_open()) {
                (true, false) => {
                    writes.push(WriteAction::Delete(Delete {
                        key: link,
                        condition: None,
                    }));
                    writes.extend(self.flag_after_closing(&current, &at).await?);
                }
                (false, true) => {
                    writes.push(WriteAction::Put(crate::store::Put {
                        item: OpenTicketLink {
                            context_id: current.context_id.clone(),
                            ticket_id: ticket_id.to_string(),
                        }
                        .to_item()?,
                        condition: Some(Condition::item_not_exists()),
                    }));
                    writes.extend(self.flag_after_reopening(&current, &at).await?);
                }
                _ => {}
            }
            Transaction::of("escalation", writes)
                .commit(&*self.store)
                .await??;
            let change = match (current.status.is_open(), next_status.is_open()) {
                (true, false) => -1,
                (false, true) => 1,
                _ => 0,
            };
            if change != 0 {
                let mut delta = StatsDelta::default();
                delta.total("escalations_open", change);
                self.record_stats(delta).await;
            }
            Ok(next.to_api())
        })
        .await
    }

    /// Ticket `ticket_id`, or a 404 — without a store call when it is not
    /// shaped like one (`TKT-<4 digits>-<6+ digits>`), so a path of any
    /// length never reaches a key-size limit.
    async fn existing_ticket(&self, ticket_id: &str) -> DomainResult<EscalationRecord> {
        if !EscalationRecord::is_ticket_id(ticket_id) {
            return Err(DomainError::not_found(Missing::Ticket, ticket_id));
        }
        match self
            .store
            .get_item(&EscalationRecord::key(ticket_id))
            .await?
        {
            Some(item) => from_item(item),
            None => Err(DomainError::not_found(Missing::Ticket, ticket_id)),
        }
    }

    /// The conversation's side of closing `ticket`: when its flag names this
    /// ticket, it moves to another open ticket or clears. Nothing when the
    /// conversation is gone (deleted with its customer).
    async fn flag_after_closing(
        &self,
        ticket: &EscalationRecord,
        at: &str,
    ) -> DomainResult<Option<WriteAction>> {
        let Some(c) = self.conversation_record(&ticket.context_id).await? else {
            return Ok(None);
        };
        if c.escalation_ticket.as_deref() != Some(ticket.ticket_id.as_str()) {
            return Ok(None);
        }
        let others: Vec<String> = self
            .store
            .query(OpenTicketLink::of_context(&ticket.context_id))
            .await?
            .items
            .into_iter()
            .map(from_item::<OpenTicketLink>)
            .collect::<DomainResult<Vec<_>>>()?
            .into_iter()
            .map(|l| l.ticket_id)
            .filter(|t| t != &ticket.ticket_id)
            .collect();
        let mut c = c;
        Ok(Some(WriteAction::Update(c.move_escalation_flag(
            &ticket.ticket_id,
            others.first().map(String::as_str),
            at,
        )?)))
    }

    /// The conversation's side of reopening `ticket`: flagged with it when
    /// it had no open ticket.
    async fn flag_after_reopening(
        &self,
        ticket: &EscalationRecord,
        at: &str,
    ) -> DomainResult<Option<WriteAction>> {
        let Some(c) = self.conversation_record(&ticket.context_id).await? else {
            return Ok(None);
        };
        if c.escalation_ticket.is_some() {
            return Ok(None);
        }
        let mut c = c;
        Ok(Some(WriteAction::Update(
            c.flag_escalation(&ticket.ticket_id, at)?,
        )))
    }
}
