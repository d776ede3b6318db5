//! The guide's loose ends (issue 7, part 2), each held to one behaviour:
//! `metadata` takes any JSON value, enums in bodies take any case,
//! outbound messages carry their `processed_at`, `conversation_summary` comes
//! back beside `summary`, `null` cannot clear `status` / `last_channel`
//! (in `bad_inputs.rs`), and `GET /context/{context_id}` answers that
//! conversation.

use crm_tests::spawn_app;
use serde_json::{json, Value};

fn message(customer: i64, direction: &str) -> Value {
    json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165551234",
        "direction": direction, "message_body": "hello"})
}

#[tokio::test]
async fn metadata_is_any_json_value_returned_as_given() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "meta@example.com"})).await;
    for metadata in [
        json!("SM123"),
        json!([1, "two", {"3": null}]),
        json!(42.5),
        json!(true),
        json!({"a": {"b": []}}),
    ] {
        let mut body = message(id, "inbound");
        body["metadata"] = metadata.clone();
        let logged = app.post("/log", body).await;
        assert_eq!(logged.status, 200, "{metadata}: {:?}", logged.body);
        let log_id = logged.get("log_id").as_i64().expect("log_id");
        let stored = app.get(&format!("/messages/{log_id}")).await;
        assert_eq!(stored.get("metadata"), &metadata);
    }
}

#[tokio::test]
async fn enums_in_bodies_take_any_case_and_come_back_lowercase() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "case@example.com"})).await;
    let logged = app
        .post(
            "/log",
            json!({"customer_id": id, "channel": "SMS", "channel_identifier": "+14165551234",
            "direction": "Inbound", "message_body": "hi", "send_status": "PENDING"}),
        )
        .await;
    assert_eq!(logged.status, 200, "{:?}", logged.body);
    let log_id = logged.get("log_id").as_i64().expect("log_id");
    let context = logged
        .get("context_id")
        .as_str()
        .expect("context_id")
        .to_string();
    let m = app.get(&format!("/messages/{log_id}")).await;
    assert_eq!(
        (m.get("channel"), m.get("direction"), m.get("send_status")),
        (&json!("sms"), &json!("inbound"), &json!("pending"))
    );
    let status = app
        .put(
            &format!("/messages/{log_id}/status"),
            json!({"send_status": "Delivered"}),
        )
        .await;
    assert_eq!(status.get("send_status"), "delivered", "{:?}", status.body);
    let paused = app
        .put(
            &format!("/conversations/{context}"),
            json!({"status": "PAUSED", "last_channel": "WhatsApp"}),
        )
        .await;
    assert_eq!(
        (paused.get("status"), paused.get("last_channel")),
        (&json!("paused"), &json!("whatsapp")),
        "{:?}",
        paused.body
    );
}

#[tokio::test]
async fn outbound_messages_are_processed_when_logged() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "out@example.com"})).await;
    let (inbound, _) = app.log(id, "inbound", "question").await;
    let (outbound, _) = app.log(id, "outbound", "answer").await;
    let i = app.get(&format!("/messages/{inbound}")).await;
    assert_eq!(
        (i.get("processed"), i.get("processed_at")),
        (&json!(false), &Value::Null)
    );
    let o = app.get(&format!("/messages/{outbound}")).await;
    assert_eq!(o.get("processed"), true);
    assert_eq!(o.get("processed_at"), o.get("created_at"), "{:?}", o.body);
}

#[tokio::test]
async fn conversation_summary_comes_back_beside_summary() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "sum@example.com"})).await;
    let (_, context) = app.log(id, "inbound", "hi").await;
    let put = app
        .put(
            &format!("/conversations/{context}"),
            json!({"conversation_summary": "Wants a quote"}),
        )
        .await;
    assert_eq!(
        (put.get("summary"), put.get("conversation_summary")),
        (&json!("Wants a quote"), &json!("Wants a quote"))
    );
    let got = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(got.get("conversation_summary"), "Wants a quote");
    let view = app.get(&format!("/context/{id}")).await;
    assert_eq!(
        (view.get("summary"), view.get("conversation_summary")),
        (&json!("Wants a quote"), &json!("Wants a quote"))
    );
}

#[tokio::test]
async fn context_by_conversation_id_answers_that_conversation() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "ctx@example.com"})).await;
    let (_, first) = app.log(id, "inbound", "first conversation").await;
    let closed = app
        .post(&format!("/conversations/{first}/close"), json!({}))
        .await;
    assert_eq!(closed.status, 200, "{:?}", closed.body);
    let (_, second) = app.log(id, "inbound", "second conversation").await;
    assert_ne!(first, second);

    let view = app.get(&format!("/context/{first}")).await;
    assert_eq!(view.status, 200, "{:?}", view.body);
    assert_eq!(
        (
            view.get("context_id"),
            view.get("status"),
            view.get("is_new")
        ),
        (&json!(first), &json!("resolved"), &json!(false))
    );
    assert_eq!(view.get("customer_id"), id);
    assert_eq!(view.get("history")[0]["message_body"], "first conversation");
    let by = app
        .get(&format!("/context/{}?by=context_id", second.to_uppercase()))
        .await;
    assert_eq!(by.get("context_id"), &json!(second), "{:?}", by.body);

    let missing = app
        .get("/context/00000000-0000-7000-8000-000000000000")
        .await;
    crm_tests::assert_error(&missing, 404, "not_found");
    // Not a conversation id: names no conversation.
    let bad = app.get("/context/xyz?by=context_id").await;
    crm_tests::assert_error(&bad, 404, "not_found");
}

#[tokio::test]
async fn lists_refuse_unknown_parameters_and_messages_filter_by_customer() {
    let app = spawn_app().await;
    let ann = app.customer(json!({"email": "ann@example.com"})).await;
    let bob = app.customer(json!({"email": "bob@example.com"})).await;
    let (ann_log, context) = app.log(ann, "inbound", "from ann").await;
    app.log(bob, "inbound", "from bob").await;

    let only_ann = app.get(&format!("/messages?customer_id={ann}")).await;
    assert_eq!(only_ann.status, 200, "{:?}", only_ann.body);
    let ids: Vec<i64> = only_ann
        .get("messages")
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["log_id"].as_i64())
        .collect();
    assert_eq!(ids, vec![ann_log]);
    let none = app
        .get(&format!("/messages?customer_id={bob}&direction=outbound"))
        .await;
    assert_eq!(none.get("count"), 0);
    crm_tests::assert_error(
        &app.get("/messages?customer_id=zero").await,
        400,
        "validation_error",
    );

    for list in [
        "/customers?company_name=acme".to_string(),
        "/messages?customer=1".to_string(),
        format!("/messages/context/{context}?direction=inbound"),
        format!("/messages/customer/{ann}?channel=sms"),
        "/messages/unprocessed?customer_id=1".to_string(),
        "/messages/failed?since=2026-01-01".to_string(),
        "/conversations?state=active".to_string(),
    ] {
        let r = app.get(&list).await;
        crm_tests::assert_error(&r, 400, "validation_error");
        let unknown = list
            .split('?')
            .nth(1)
            .and_then(|q| q.split('=').next())
            .unwrap_or_default();
        assert_eq!(r.get("field"), unknown, "{list}: {:?}", r.body);
    }
}
