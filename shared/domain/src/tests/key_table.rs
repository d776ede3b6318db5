//! The key table of `docs/data-model.md` checked against the code: one item
//! of each entity is built through its record's [`Entity`] impl, and every
//! key attribute it carries must be what the table's row says, with the
//! placeholders filled from the sample record — and nothing more.

use std::collections::BTreeMap;

use super::{Entity, Index, ENTITY};
use crate::connections::record::ConnectionRecord;
use crate::conversations::record::ConversationRecord;
use crate::counter::Counter;
use crate::customers::record::{CustomerRecord, Reservation, Unique};
use crate::escalations::record::EscalationRecord;
use crate::flows::ingest::record::{ExternalConversation, IngestedMarker};
use crate::idempotency::IdempotencyRecord;
use crate::messages::record::{MessageRecord, ProviderId, ProviderIdRecord};
use crate::store::{string_attr, Item, PK, SK};
use crate::suggestions::record::SuggestionRecord;
use crate::types::{Channel, ContextId, CustomerId, Direction, LogId, Platform, SendStatus};

const DOC: &str = include_str!("../../../../docs/data-model.md");

const CUSTOMER_ID: i64 = 7;
const LOG_ID: i64 = 42;
const CONTEXT_ID: &str = "0190c3e2-7d1a-7000-8000-00000000000a";
const CREATED_AT: &str = "2026-02-20T10:30:00.123Z";

/// One row of the key table: the `entity` attribute, then PK, SK and per
/// index `Some((pk, sk))` or `None` (not in it), as patterns.
struct Row {
    label: String,
    entity: String,
    pk: String,
    sk: String,
    indexes: Vec<Option<(String, String)>>,
}

fn ticks(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn key_table() -> Vec<Row> {
    let start = DOC
        .find("## Keys")
        .expect("docs/data-model.md has a `## Keys` section");
    DOC[start..]
        .lines()
        .skip_while(|l| !l.starts_with("| entity"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 3 + Index::ALL.len(), "key table row: {line}");
            let entity = ticks(cells[0]);
            assert_eq!(
                entity.len(),
                1,
                "first cell names the `entity` value: {line}"
            );
            let indexes = cells[3..]
                .iter()
                .map(|c| match ticks(c).as_slice() {
                    [] => None,
                    [pk, sk, ..] => Some((pk.clone(), sk.clone())),
                    other => panic!("index cell needs `PK` / `SK`, got {other:?} in {line}"),
                })
                .collect();
            Row {
                label: cells[0].to_string(),
                entity: entity[0].clone(),
                pk: ticks(cells[1]).first().cloned().unwrap_or_default(),
                sk: ticks(cells[2]).first().cloned().unwrap_or_default(),
                indexes,
            }
        })
        .collect()
}

/// Fills a pattern's placeholders from `values`.
fn render(pattern: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = pattern.to_string();
    for (name, value) in values {
        out = out.replace(&format!("<{name}>"), value);
    }
    assert!(!out.contains('<'), "unknown placeholder in {pattern:?}");
    out
}

/// A sample message of customer 7 in the sample conversation.
fn message(processed: bool, send_status: SendStatus) -> MessageRecord {
    MessageRecord {
        log_id: LogId::allocated(LOG_ID),
        context_id: ContextId::parse("context_id", CONTEXT_ID).unwrap(),
        customer_id: CustomerId::from_body("customer_id", CUSTOMER_ID).unwrap(),
        channel: Channel::Sms,
        channel_identifier: "+14165551234".into(),
        direction: Direction::Inbound,
        message_body: "hi".into(),
        message_subject: None,
        metadata_json: None,
        processed,
        processed_at: None,
        send_status,
        created_at: CREATED_AT.into(),
        updated_at: CREATED_AT.into(),
        ingested: None,
        delivery: Default::default(),
        lease: Default::default(),
        dispatch: Default::default(),
    }
}

fn samples() -> Vec<(&'static str, Item, BTreeMap<&'static str, String>)> {
    let customer_id = CustomerId::from_body("customer_id", CUSTOMER_ID).unwrap();
    let context_id = ContextId::parse("context_id", CONTEXT_ID).unwrap();
    let mut values = BTreeMap::from([
        ("customer_id", CUSTOMER_ID.to_string()),
        ("customer_id:020", format!("{CUSTOMER_ID:020}")),
        ("log_id", LOG_ID.to_string()),
        ("log_id:020", format!("{LOG_ID:020}")),
        (
            "shard of log_id",
            format!("{:02}", super::shard_of(&LOG_ID.to_string())),
        ),
        (
            "shard of customer_id",
            format!("{:02}", super::shard_of(&CUSTOMER_ID.to_string())),
        ),
        (
            "shard of context_id",
            format!("{:02}", super::shard_of(CONTEXT_ID)),
        ),
        ("context_id", CONTEXT_ID.to_string()),
        ("created_at", CREATED_AT.to_string()),
        ("status", "active".to_string()),
        ("lowercase email", "ann@example.com".to_string()),
        ("E.164", "+14165551234".to_string()),
        ("external_crm_id", "crm-9".to_string()),
        ("connection_id", "wa_business_123".to_string()),
        ("message id", "msg_001".to_string()),
        ("external_conversation_id", "chat_abc123".to_string()),
        ("platform", "telegram".to_string()),
        ("handle", "@johndoe".to_string()),
        ("last 10 digits", "4165551234".to_string()),
        ("reply_requested_at", "2026-02-20T10:31:00.456Z".to_string()),
        ("ticket_id", "TKT-2026-000042".to_string()),
        (
            "MessageSid",
            "SM0123456789abcdef0123456789abcdef".to_string(),
        ),
        ("scope", "0123456789abcdef".to_string()),
        ("channel", "sms".to_string()),
        ("external_message_id", "wamid.HBgL".to_string()),
        ("key", "8e03978e-40d5-43e8-bc93-6894a57f9324".to_string()),
    ]);
    let mut customer = CustomerRecord::new(customer_id, CREATED_AT.into());
    customer.phone_normalized = Some("+14165551234".into());
    let reservation = |unique, value: &str| Reservation {
        unique,
        value: value.into(),
        customer_id,
    };
    let mut conversation = ConversationRecord::new(customer_id, CREATED_AT.into());
    conversation.context_id = context_id.clone();
    conversation
        .request_reply(LogId::allocated(LOG_ID), "2026-02-20T10:31:00.456Z")
        .expect("serializable");
    let provider = |id: ProviderId| {
        ProviderIdRecord {
            reserved: id.key().pk,
            log_id: LogId::allocated(LOG_ID),
            context_id: context_id.clone(),
            customer_id,
        }
        .to_item()
        .unwrap()
    };
    let mut out = vec![
        ("customer", customer.to_item().unwrap(), values.clone()),
        (
            "email reservation",
            reservation(Unique::Email, "ann@example.com")
                .to_item()
                .unwrap(),
            values.clone(),
        ),
        (
            "phone reservation",
            reservation(Unique::Phone, "+14165551234")
                .to_item()
                .unwrap(),
            values.clone(),
        ),
        (
            "external id reservation",
            reservation(Unique::ExternalId, "crm-9").to_item().unwrap(),
            values.clone(),
        ),
        (
            "conversation",
            conversation.to_item().unwrap(),
            values.clone(),
        ),
        (
            "message",
            message(false, SendStatus::Failed).to_item().unwrap(),
            values.clone(),
        ),
        (
            "message in the outbox",
            outbox_message().to_item().unwrap(),
            values.clone(),
        ),
        (
            "identity reservation",
            reservation(Unique::Identity, "telegram:@johndoe")
                .to_item()
                .unwrap(),
            values.clone(),
        ),
        (
            "ingested-message marker",
            IngestedMarker {
                connection_id: "wa_business_123".into(),
                external_message_id: "msg_001".into(),
                log_id: LogId::allocated(LOG_ID),
                context_id: context_id.clone(),
            }
            .to_item()
            .unwrap(),
            values.clone(),
        ),
        (
            "external conversation",
            ExternalConversation {
                connection_id: "wa_business_123".into(),
                external_conversation_id: "chat_abc123".into(),
                customer_id,
                context_id: context_id.clone(),
                updated_at: CREATED_AT.into(),
            }
            .to_item()
            .unwrap(),
            values.clone(),
        ),
        (
            "Twilio SID reservation",
            provider(ProviderId::Twilio(
                "SM0123456789abcdef0123456789abcdef".into(),
            )),
            values.clone(),
        ),
        (
            "external message id reservation",
            provider(ProviderId::External {
                channel: Channel::Sms,
                id: "wamid.HBgL".into(),
            }),
            values.clone(),
        ),
        (
            "idempotency record",
            IdempotencyRecord {
                scope: "0123456789abcdef".into(),
                idempotency_key: "8e03978e-40d5-43e8-bc93-6894a57f9324".into(),
                fingerprint: "0".repeat(64),
                state: "completed".into(),
                claim_token: "t".into(),
                started_at_ms: 0,
                status: Some(200),
                body: Some("{}".into()),
                expires_at: 0,
            }
            .to_item()
            .unwrap(),
            values.clone(),
        ),
        (
            "messaging connection",
            ConnectionRecord {
                connection_id: "wa_business_123".into(),
                platform: Platform::Whatsapp,
                name: "WA".into(),
                is_active: true,
                secret_sha256: "0".repeat(64),
                delivery_url: None,
                delivery_secret_version: None,
                created_at: CREATED_AT.into(),
                updated_at: CREATED_AT.into(),
            }
            .to_item()
            .unwrap(),
            values.clone(),
        ),
    ];
    let draft = crate::reply::RawDraft {
        suggested_body: Some("Hello".into()),
        ..Default::default()
    }
    .validate(crate::reply::ModelInfo {
        provider: "rules".into(),
        model: None,
        tokens_used: None,
        cost: None,
    })
    .unwrap();
    let suggestion = |revision: i64| SuggestionRecord {
        suggestion_id: SuggestionRecord::id_for(&context_id, LogId::allocated(LOG_ID), revision),
        context_id: context_id.clone(),
        customer_id,
        reply_to_log_id: LogId::allocated(LOG_ID),
        revision,
        status: crate::suggestions::SuggestionStatus::Pending,
        suggested_subject: None,
        draft: draft.clone(),
        context_used: Vec::new(),
        escalation_ticket: None,
        superseded_at: None,
        approved_at: None,
        rejected_at: None,
        edited_body: None,
        edited_subject: None,
        sent_log_id: None,
        user_rating: None,
        feedback_notes: None,
        created_at: CREATED_AT.into(),
        updated_at: CREATED_AT.into(),
        expires_at: Some(0),
    };
    out.push((
        "reply suggestion",
        suggestion(0).to_item().unwrap(),
        values.clone(),
    ));
    values.insert("revision:06", "000003".to_string());
    out.push((
        "regenerated suggestion",
        suggestion(3).to_item().unwrap(),
        values.clone(),
    ));
    out.push((
        "open-ticket link",
        crate::escalations::record::OpenTicketLink {
            context_id: context_id.clone(),
            ticket_id: "TKT-2026-000042".into(),
        }
        .to_item()
        .unwrap(),
        values.clone(),
    ));
    values.insert("status", "open".to_string());
    out.push((
        "escalation ticket",
        EscalationRecord::open(
            "TKT-2026-000042".into(),
            context_id.clone(),
            customer_id,
            crate::escalations::EscalationReason::ManualRequest,
            crate::escalations::Priority::High,
            "reply_worker",
            CREATED_AT,
        )
        .to_item()
        .unwrap(),
        values.clone(),
    ));
    values.insert("yyyy-mm-dd", "2026-12-02".to_string());
    values.insert("shard", "05".to_string());
    for (label, key) in [
        ("statistics gauges", crate::stats::record::totals_key(5)),
        (
            "statistics day",
            crate::stats::record::day_key(5, "2026-12-02"),
        ),
    ] {
        let mut item = key.to_item();
        item.insert(ENTITY.into(), crate::store::s(crate::stats::record::TYPE));
        out.push((label, item, values.clone()));
    }
    for name in ["customer_id", "ticket_2026"] {
        values.insert("name", name.to_string());
        out.push((
            "id counter",
            Counter {
                name: name.to_string(),
                value: 1,
            }
            .to_item()
            .unwrap(),
            values.clone(),
        ));
    }
    out
}

#[test]
fn every_entity_has_the_keys_the_data_model_doc_says() {
    let rows = key_table();
    let samples = samples();
    for (label, item, values) in &samples {
        let row = rows
            .iter()
            .find(|r| r.label.starts_with(label))
            .unwrap_or_else(|| panic!("docs/data-model.md's key table has no `{label}` row"));
        assert_eq!(
            string_attr(item, ENTITY),
            Some(row.entity.as_str()),
            "{label}: entity"
        );
        assert_eq!(
            string_attr(item, PK),
            Some(render(&row.pk, values).as_str()),
            "{label}: PK"
        );
        assert_eq!(
            string_attr(item, SK),
            Some(render(&row.sk, values).as_str()),
            "{label}: SK"
        );
        for (index, expected) in Index::ALL.iter().zip(&row.indexes) {
            let got = (
                string_attr(item, index.pk_attr()),
                string_attr(item, index.sk_attr()),
            );
            match expected {
                Some((pk, sk)) => assert_eq!(
                    got,
                    (
                        Some(render(pk, values).as_str()),
                        Some(render(sk, values).as_str())
                    ),
                    "{label}: {}",
                    index.name()
                ),
                None => assert_eq!(got, (None, None), "{label}: not in {}", index.name()),
            }
        }
    }
    for row in &rows {
        assert!(
            samples
                .iter()
                .any(|(label, ..)| row.label.starts_with(label)),
            "the key table's row {:?} has no sample entity in this test",
            row.label
        );
    }
}

/// A sample outbound message the CRM is asked to send (issue 22), pending.
fn outbox_message() -> MessageRecord {
    let mut m = message(true, SendStatus::Sent);
    m.direction = Direction::Outbound;
    m.dispatch_through(crate::sending::Provider::Twilio);
    m
}

#[test]
fn sparse_indexes_hold_only_messages_waiting_or_failed() {
    let mut sending = outbox_message();
    assert!(sending.full_key().contains_key(Index::Gsi5.pk_attr()));
    sending.send_status = SendStatus::Sending;
    assert!(
        sending.full_key().contains_key(Index::Gsi5.pk_attr()),
        "a claimed send stays in the outbox"
    );
    sending.send_status = SendStatus::Sent;
    assert!(
        !sending.full_key().contains_key(Index::Gsi5.pk_attr()),
        "a sent one leaves it"
    );
    let logged_pending = message(true, SendStatus::Pending).full_key();
    assert!(
        !logged_pending.contains_key(Index::Gsi5.pk_attr()),
        "a pending message only logged is no send of the CRM's"
    );
    let handled = message(true, SendStatus::Sent).full_key();
    for index in [Index::Gsi4, Index::Gsi5] {
        assert!(!handled.contains_key(index.pk_attr()), "{}", index.name());
        assert!(!handled.contains_key(index.sk_attr()), "{}", index.name());
    }
    let waiting = message(false, SendStatus::Sent).full_key();
    assert!(waiting.contains_key(Index::Gsi4.pk_attr()));
    assert!(!waiting.contains_key(Index::Gsi5.pk_attr()));
}
