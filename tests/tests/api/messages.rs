//! Log and messages endpoints (guide §10–19) over real HTTP.

use crm_tests::{assert_error, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn log_defaults_and_full_message_shape() {
    let app = spawn_app().await;
    let id = app.customer(json!({"phone": "+14165551234"})).await;
    let r = app
        .post("/log", json!({"customer_id": id, "channel": "email", "channel_identifier": "john@example.com", "direction": "inbound",
            "message_body": "Hi, I need help", "message_subject": "Pricing", "metadata": {"twilio_message_sid": "SM123456", "n": 1.5, "nested": {"a": [1, null]}}}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("success"), true);
    let log_id = r.get("log_id").as_i64().unwrap();
    let context_id = r.get("context_id").as_str().unwrap().to_string();
    let m = app.get(&format!("/messages/{log_id}")).await;
    assert_eq!(m.status, 200);
    assert_eq!(m.get("log_id"), log_id);
    assert_eq!(m.get("context_id"), context_id.as_str());
    assert_eq!(m.get("customer_id"), id);
    assert_eq!(m.get("channel"), "email");
    assert_eq!(m.get("channel_identifier"), "john@example.com");
    assert_eq!(m.get("direction"), "inbound");
    assert_eq!(m.get("message_body"), "Hi, I need help");
    assert_eq!(m.get("message_subject"), "Pricing");
    assert_eq!(
        m.get("metadata"),
        &json!({"twilio_message_sid": "SM123456", "n": 1.5, "nested": {"a": [1, null]}})
    );
    assert_eq!(m.get("processed"), false, "inbound starts unprocessed");
    assert_eq!(m.get("send_status"), "sent");
    let out = app
        .post("/log", json!({"customer_id": id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "outbound",
            "message_body": "Hello!", "context_id": context_id, "send_status": "pending"}))
        .await;
    let out_id = out.get("log_id").as_i64().unwrap();
    // Minted ids (issue 21) increase, no longer one by one.
    assert!(out_id > log_id, "{out_id} after {log_id}");
    let m = app.get(&format!("/messages/{out_id}")).await;
    assert_eq!(m.get("processed"), true, "outbound needs no processing");
    assert_eq!(m.get("send_status"), "pending");
    assert_eq!(m.get("metadata"), &Value::Null);
    let conv = app.get(&format!("/conversations/{context_id}")).await;
    assert_eq!(conv.get("message_count"), 2);
    assert_eq!(conv.get("last_channel"), "sms");
    assert_eq!(conv.get("last_message_preview"), "Hello!");
    assert_eq!(conv.get("last_interaction_at"), m.get("created_at"));
    assert_error(&app.get("/messages/999").await, 404, "not_found");
}

#[tokio::test]
async fn log_checks_customer_and_conversation() {
    let app = spawn_app().await;
    let a = app.customer(json!({"email": "a@example.com"})).await;
    let b = app.customer(json!({"email": "b@example.com"})).await;
    let (_, ctx_a) = app.log(a, "inbound", "x").await;
    let msg = |customer: i64, ctx: Option<&str>| {
        let mut m = json!({"customer_id": customer, "channel": "chat", "channel_identifier": "web", "direction": "inbound", "message_body": "x"});
        if let Some(c) = ctx {
            m["context_id"] = json!(c);
        }
        m
    };
    assert_error(&app.post("/log", msg(999, None)).await, 404, "not_found");
    let r = app.post("/log", msg(b, Some(&ctx_a))).await;
    assert_error(&r, 400, "validation_error");
    assert_eq!(r.get("field"), "context_id");
    assert_error(
        &app.post("/log", msg(a, Some("6f1c1f5e-0000-4000-8000-000000000000")))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &app.post("/log", msg(a, Some("nope"))).await,
        400,
        "validation_error",
    );
    assert_eq!(
        app.get(&format!("/conversations/{ctx_a}"))
            .await
            .get("message_count"),
        1,
        "refused logs changed nothing"
    );
    assert_eq!(app.get("/messages").await.get("count"), 1);
}

#[tokio::test]
async fn message_lists_filter_and_order() {
    let app = spawn_app().await;
    let a = app.customer(json!({"email": "a@example.com"})).await;
    let b = app.customer(json!({"email": "b@example.com"})).await;
    let (l1, ca) = app.log(a, "inbound", "a1").await;
    let (l2, _) = app.log(a, "outbound", "a2").await;
    let (l3, cb) = app.log(b, "inbound", "b1").await;
    let r = app.post("/log", json!({"customer_id": a, "channel": "email", "channel_identifier": "a@example.com", "direction": "inbound", "message_body": "a3"})).await;
    let l4 = r.get("log_id").as_i64().unwrap();
    let ids = |r: &crm_tests::Reply| {
        r.get("messages")
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["log_id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&app.get("/messages").await),
        [l4, l3, l2, l1],
        "newest first"
    );
    assert_eq!(ids(&app.get("/messages?channel=sms").await), [l3, l2, l1]);
    assert_eq!(
        ids(&app.get("/messages?channel=SMS&direction=inbound").await),
        [l3, l1]
    );
    assert_eq!(ids(&app.get("/messages?direction=outbound").await), [l2]);
    assert_eq!(
        ids(&app.get(&format!("/messages/context/{ca}")).await),
        [l1, l2, l4],
        "oldest first"
    );
    assert_eq!(
        ids(&app.get(&format!("/messages/context/{cb}")).await),
        [l3]
    );
    assert_eq!(
        ids(&app.get(&format!("/messages/customer/{a}")).await),
        [l1, l2, l4]
    );
    assert_eq!(
        ids(&app.get(&format!("/messages/customer/{a}?limit=2")).await),
        [l1, l2]
    );
    assert_eq!(
        ids(&app.get("/messages/customer/999").await),
        Vec::<i64>::new()
    );
    assert_error(
        &app.get("/messages/context/6f1c1f5e-0000-4000-8000-000000000000")
            .await,
        404,
        "not_found",
    );
    assert_error(
        &app.get("/messages?channel=fax").await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn status_updates_and_the_failed_list() {
    let app = spawn_app().await;
    let a = app.customer(json!({"email": "a@example.com"})).await;
    let (l1, _) = app.log(a, "outbound", "x").await;
    let (l2, _) = app.log(a, "outbound", "y").await;
    assert_eq!(app.get("/messages/failed").await.get("count"), 0);
    let r = app
        .put(
            &format!("/messages/{l1}/status"),
            json!({"send_status": "failed"}),
        )
        .await;
    assert_eq!(
        r.body,
        json!({"success": true, "log_id": l1, "send_status": "failed"})
    );
    app.put(
        &format!("/messages/{l2}/status"),
        json!({"send_status": "failed"}),
    )
    .await;
    let failed = app.get("/messages/failed").await;
    assert_eq!(failed.get("count"), 2);
    assert_eq!(failed.get("messages")[0]["log_id"], l1, "oldest first");
    let r = app
        .put(
            &format!("/messages/{l1}/status"),
            json!({"send_status": "delivered"}),
        )
        .await;
    assert_eq!(r.get("send_status"), "delivered");
    assert_eq!(
        app.get("/messages/failed").await.get("messages")[0]["log_id"],
        l2
    );
    assert_eq!(
        app.get(&format!("/messages/{l1}")).await.get("send_status"),
        "delivered"
    );
    assert_error(
        &app.put(
            &format!("/messages/{l1}/status"),
            json!({"send_status": "lost"}),
        )
        .await,
        400,
        "validation_error",
    );
    assert_error(
        &app.put("/messages/999/status", json!({"send_status": "sent"}))
            .await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn processing_queue() {
    let app = spawn_app().await;
    let a = app.customer(json!({"email": "a@example.com"})).await;
    let b = app.customer(json!({"email": "b@example.com"})).await;
    let (l1, ca) = app.log(a, "inbound", "1").await;
    let (_l2, _) = app.log(a, "inbound", "2").await;
    app.log(a, "outbound", "reply").await;
    let (l4, _) = app.log(b, "inbound", "3").await;
    let ids = |r: &crm_tests::Reply| {
        r.get("messages")
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["log_id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&app.get("/messages/unprocessed").await).len(), 3);
    let r = app
        .post(&format!("/messages/{l1}/processed"), json!({}))
        .await;
    assert_eq!(r.body, json!({"success": true, "log_id": l1}));
    let again = app
        .raw(
            "POST",
            &format!("/messages/{l1}/processed"),
            b"",
            None,
            Some(crm_tests::TEST_KEY),
        )
        .await;
    assert_eq!(again.status, 200, "idempotent, and no body is needed");
    assert!(app
        .get(&format!("/messages/{l1}"))
        .await
        .get("processed_at")
        .is_string());
    assert_eq!(ids(&app.get("/messages/unprocessed").await).len(), 2);
    let r = app
        .post(&format!("/messages/context/{ca}/processed"), json!({}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("updated_count"), 1);
    assert_eq!(r.get("context_id"), ca.as_str());
    assert_eq!(ids(&app.get("/messages/unprocessed").await), [l4]);
    assert_eq!(
        app.post(&format!("/messages/context/{ca}/processed"), json!({}))
            .await
            .get("updated_count"),
        0
    );
    assert_error(
        &app.post("/messages/999/processed", json!({})).await,
        404,
        "not_found",
    );
    assert_error(
        &app.post(
            "/messages/context/6f1c1f5e-0000-4000-8000-000000000000/processed",
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn cursor_paging_walks_every_message_once() {
    let app = spawn_app().await;
    let a = app.customer(json!({"email": "a@example.com"})).await;
    let mut logged = Vec::new();
    for i in 0..23 {
        logged.push(app.log(a, "inbound", &format!("m{i}")).await.0);
    }
    for base in [
        "/messages/unprocessed?limit=5",
        &format!("/messages/customer/{a}?limit=5"),
    ] {
        let mut seen = Vec::new();
        let mut path = base.to_string();
        for _ in 0..10 {
            let r = app.get(&path).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            seen.extend(
                r.get("messages")
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["log_id"].as_i64().unwrap()),
            );
            match r.get("next_cursor").as_str() {
                Some(c) => path = format!("{base}&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen, logged, "{base}");
    }
    let first = app.get("/messages?limit=5").await;
    let cursor = first.get("next_cursor").as_str().unwrap();
    assert_error(
        &app.get(&format!("/messages/unprocessed?cursor={cursor}"))
            .await,
        400,
        "validation_error",
    );
    assert_error(
        &app.get("/messages?cursor=garbage").await,
        400,
        "validation_error",
    );
}
