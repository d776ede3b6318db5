//! A `POST /log` body checked field by field (guide §10), before any id is
//! allocated or anything is read.

use super::api::{
    LogMessage, MAX_BODY_CHARS, MAX_EXTERNAL_ID_LEN, MAX_IDENTIFIER_LEN, MAX_METADATA_BYTES,
    MAX_SUBJECT_LEN,
};
use super::record::{Delivery, MessageRecord, ProviderId, ProviderIdRecord};
use crate::error::{DomainError, DomainResult};
use crate::keys::Entity;
use crate::sending::Provider;
use crate::store::{Condition, Put, WriteAction};
use crate::twilio::MessageSid;
use crate::types::{
    text, Channel, ContextId, CustomerId, Direction, LogId, ReportedStatus, SendStatus,
};

/// A validated `POST /log` body, before ids are allocated.
pub(crate) struct ValidLog {
    pub customer_id: CustomerId,
    pub context_id: Option<ContextId>,
    pub channel: Channel,
    pub channel_identifier: String,
    pub direction: Direction,
    pub message_body: String,
    pub message_subject: Option<String>,
    pub metadata_json: Option<String>,
    pub send_status: SendStatus,
    /// Twilio's `MessageSid`: the body's `twilio_message_sid`, else
    /// `metadata.twilio_message_sid` when that is a SID (issue 11).
    pub twilio_message_sid: Option<MessageSid>,
    /// Another provider's message id (issue 11), 1–255 characters.
    pub external_message_id: Option<String>,
    /// The CRM sends it (issue 22): an outbound message, `pending`.
    pub send: bool,
}

impl LogMessage {
    /// Checks every field; a 400 naming the first bad one.
    pub(crate) fn validate(&self) -> DomainResult<ValidLog> {
        let customer_id = CustomerId::from_body("customer_id", self.customer_id)?;
        let channel_identifier = text(
            "channel_identifier",
            Some(&self.channel_identifier),
            MAX_IDENTIFIER_LEN,
        )?
        .ok_or_else(|| {
            DomainError::invalid(
                "channel_identifier",
                "`channel_identifier` must not be empty",
            )
        })?;
        if self.message_body.chars().count() > MAX_BODY_CHARS {
            return Err(DomainError::invalid(
                "message_body",
                format!("`message_body` is longer than {MAX_BODY_CHARS} characters"),
            ));
        }
        // Any JSON value ("any extra data", guide §10), kept as compact JSON
        // text so it comes back exactly as given; `null` is no metadata.
        let metadata_json = match &self.metadata {
            None | Some(serde_json::Value::Null) => None,
            Some(value) => {
                let json = value.to_string();
                if json.len() > MAX_METADATA_BYTES {
                    return Err(DomainError::invalid(
                        "metadata",
                        format!("`metadata` is larger than {MAX_METADATA_BYTES} bytes"),
                    ));
                }
                Some(json)
            }
        };
        // The top-level field is this API's and must be a SID; the one in
        // `metadata` is free-form data and counts only when it is one.
        let top = self
            .twilio_message_sid
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| MessageSid::parse("twilio_message_sid", s))
            .transpose()?;
        let in_metadata = self
            .metadata
            .as_ref()
            .and_then(|m| m.get("twilio_message_sid"))
            .and_then(|v| v.as_str())
            .and_then(MessageSid::read);
        if let (Some(a), Some(b)) = (&top, &in_metadata) {
            if a != b {
                return Err(DomainError::invalid(
                    "twilio_message_sid",
                    "`twilio_message_sid` differs from `metadata.twilio_message_sid`; send one SID",
                ));
            }
        }
        let external_message_id = match self.external_message_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) if id.chars().count() <= MAX_EXTERNAL_ID_LEN && !id.chars().any(char::is_control) => {
                Some(id.to_string())
            }
            Some(_) => {
                return Err(DomainError::invalid(
                    "external_message_id",
                    format!("`external_message_id` must be at most {MAX_EXTERNAL_ID_LEN} characters without control characters"),
                ))
            }
        };
        let send = self.send.unwrap_or(false);
        if send {
            let why = match (self.direction, self.send_status, &top) {
                (Direction::Inbound, _, _) => Some("`send: true` sends an outbound message; this one is inbound"),
                (_, Some(s), _) if s != ReportedStatus::Pending => Some("a message the CRM sends starts `pending`; leave `send_status` out"),
                (_, _, Some(_)) => Some("a message the CRM sends gets its `twilio_message_sid` from Twilio; leave it out"),
                _ => None,
            };
            if let Some(why) = why {
                return Err(DomainError::invalid("send", why));
            }
        }
        Ok(ValidLog {
            send,
            // A message the CRM sends gets its SID from Twilio: one in
            // `metadata` is the caller's data, not this message's id.
            twilio_message_sid: if send { None } else { top.or(in_metadata) },
            external_message_id,
            customer_id,
            context_id: self
                .context_id
                .as_deref()
                .map(|c| ContextId::parse("context_id", c))
                .transpose()?,
            channel: self.channel,
            channel_identifier,
            direction: self.direction,
            message_body: self.message_body.clone(),
            message_subject: text(
                "message_subject",
                self.message_subject.as_deref(),
                MAX_SUBJECT_LEN,
            )?,
            metadata_json,
            send_status: match send {
                true => SendStatus::Pending,
                false => self.send_status.map(SendStatus::from).unwrap_or_default(),
            },
        })
    }
}

impl ValidLog {
    /// The message record of this log as message `log_id` of conversation
    /// `context_id`, logged at `now`. Inbound messages start unprocessed,
    /// outbound ones processed; one the CRM sends goes through `provider`.
    pub(crate) fn record(
        &self,
        log_id: LogId,
        context_id: &ContextId,
        now: &str,
        provider: Option<Provider>,
    ) -> MessageRecord {
        let mut record = MessageRecord {
            log_id,
            context_id: context_id.clone(),
            customer_id: self.customer_id,
            channel: self.channel,
            channel_identifier: self.channel_identifier.clone(),
            direction: self.direction,
            message_body: self.message_body.clone(),
            message_subject: self.message_subject.clone(),
            metadata_json: self.metadata_json.clone(),
            // Outbound messages need no processing: processed when logged.
            processed: self.direction == Direction::Outbound,
            processed_at: (self.direction == Direction::Outbound).then(|| now.to_string()),
            send_status: self.send_status,
            created_at: now.to_string(),
            updated_at: now.to_string(),
            ingested: None,
            delivery: Delivery {
                twilio_message_sid: self.twilio_message_sid.as_ref().map(|s| s.to_string()),
                external_message_id: self.external_message_id.clone(),
                ..Default::default()
            },
            lease: Default::default(),
            dispatch: Default::default(),
        };
        if let Some(provider) = provider.filter(|_| self.send) {
            record.dispatch_through(provider);
        }
        record
    }

    /// The provider ids this log carries (Twilio's SID, an external id).
    pub(crate) fn provider_ids(&self) -> Vec<ProviderId> {
        let mut ids = Vec::new();
        if let Some(sid) = &self.twilio_message_sid {
            ids.push(ProviderId::Twilio(sid.to_string()));
        }
        if let Some(id) = &self.external_message_id {
            ids.push(ProviderId::External {
                channel: self.channel,
                id: id.clone(),
            });
        }
        ids
    }

    /// The `attribute_not_exists` puts reserving this log's provider ids for
    /// message `log_id` of `context_id`.
    pub(crate) fn reserve_ids(
        &self,
        log_id: LogId,
        context_id: &ContextId,
    ) -> DomainResult<Vec<WriteAction>> {
        self.provider_ids()
            .iter()
            .map(|id| {
                let record = ProviderIdRecord {
                    reserved: id.key().pk,
                    log_id,
                    context_id: context_id.clone(),
                    customer_id: self.customer_id,
                };
                Ok(WriteAction::Put(Put {
                    item: record.to_item()?,
                    condition: Some(Condition::item_not_exists()),
                }))
            })
            .collect()
    }
}
