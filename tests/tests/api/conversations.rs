//! Context and conversations endpoints (guide §8–9, §20–26) over real HTTP.

use crm_tests::{assert_error, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn context_is_new_then_existing_with_history_oldest_first() {
    let app = spawn_app().await;
    let id = app
        .customer(json!({"name": "John Doe", "email": "john@example.com", "phone": "+14165551234"}))
        .await;
    let r = app.get("/context/%2B14165551234?by=phone_normalized").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("is_new"), true);
    assert_eq!(r.get("context_id"), &Value::Null);
    assert_eq!(r.get("customer_id"), id);
    assert_eq!(
        r.get("summary"),
        "New conversation - no active/paused context"
    );
    assert_eq!(r.get("previous_conversations"), &json!([]));
    let (_, context_id) = app.log(id, "inbound", "I want enterprise pricing").await;
    app.log(id, "outbound", "Sure! Plans start at $99").await;
    for path in [
        format!("/context/{id}"),
        "/context/john%40example.com?by=email".into(),
        "/context/%2B1%20416%20555%201234?by=phone_normalized".into(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.get("is_new"), false);
        assert_eq!(r.get("context_id"), context_id.as_str());
        assert_eq!(r.get("status"), "active");
        assert_eq!(r.get("message_count"), 2);
        assert_eq!(r.get("last_channel"), "sms");
        assert_eq!(r.get("customer")["email"], "john@example.com");
        let history = r.get("history").as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["message_body"], "I want enterprise pricing");
        assert_eq!(history[0]["direction"], "inbound");
        assert_eq!(history[1]["direction"], "outbound");
        assert!(r.body.get("previous_conversations").is_none());
    }
    let r = app.get("/context/%2B19995550000?by=phone_normalized").await;
    assert_error(&r, 404, "not_found");
    assert_eq!(
        r.get("error"),
        "Customer not found with phone_normalized: +19995550000"
    );
}

#[tokio::test]
async fn history_is_bounded_to_the_latest_messages() {
    let app = spawn_app().await;
    let id = app.customer(json!({"phone": "+14165551234"})).await;
    for i in 0..25 {
        app.log(id, "inbound", &format!("m{i}")).await;
    }
    let r = app.get(&format!("/context/{id}")).await;
    let history = r.get("history").as_array().unwrap();
    assert_eq!(history.len(), 20);
    assert_eq!(history[0]["message_body"], "m5");
    assert_eq!(history[19]["message_body"], "m24");
    assert_eq!(r.get("message_count"), 25);
}

#[tokio::test]
async fn context_update_by_context_id_or_customer_id() {
    let app = spawn_app().await;
    let id = app.customer(json!({"phone": "+14165551234"})).await;
    let (_, context_id) = app.log(id, "inbound", "hi").await;
    let r = app
        .post(&format!("/context/{context_id}/update"), json!({"summary": "Customer interested in pricing", "intent": "pricing_inquiry", "sentiment": "positive", "open_questions": "Team size?", "last_agent_action": "Sent pricing PDF", "last_channel": "email"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"success": true, "context_id": context_id, "customer_id": id, "message_count": 1})
    );
    let r = app
        .post(
            &format!("/context/{id}/update"),
            json!({"intent": "purchase"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("context_id"), context_id.as_str());
    let c = app.get(&format!("/context/{id}")).await;
    assert_eq!(c.get("summary"), "Customer interested in pricing");
    assert_eq!(c.get("intent"), "purchase");
    assert_eq!(c.get("sentiment"), "positive");
    assert_eq!(c.get("open_questions"), "Team size?");
    assert_eq!(c.get("last_agent_action"), "Sent pricing PDF");
    assert_eq!(c.get("last_channel"), "email");
    let lonely = app.customer(json!({"phone": "+14165550001"})).await;
    assert_error(
        &app.post(&format!("/context/{lonely}/update"), json!({"intent": "x"}))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &app.post(
            "/context/6f1c1f5e-0000-4000-8000-000000000000/update",
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
    assert_error(
        &app.post("/context/not-an-id/update", json!({})).await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn get_or_create_and_create_keep_one_open_conversation() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "a@example.com"})).await;
    let r = app.post("/conversations/get-or-create", json!({"customer_id": id, "name": "John Doe", "email": "john@example.com", "phone": "+14165551234"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("created"), true);
    assert_eq!(r.get("status"), "active");
    assert_eq!(r.get("name"), "John Doe");
    let context_id = r.get("context_id").as_str().unwrap().to_string();
    let again = app
        .post("/conversations/get-or-create", json!({"customer_id": id}))
        .await;
    assert_eq!(again.get("created"), false);
    assert_eq!(again.get("context_id"), context_id.as_str());
    let dup = app.post("/conversations", json!({"customer_id": id})).await;
    assert_error(&dup, 409, "conflict");
    assert_eq!(dup.get("context_id"), context_id.as_str());
    assert_error(
        &app.post("/conversations", json!({"customer_id": 999}))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &app.post("/conversations/get-or-create", json!({"customer_id": 999}))
            .await,
        404,
        "not_found",
    );
    let open = app.get(&format!("/conversations/customer/{id}")).await;
    assert_eq!(open.get("context_id"), context_id.as_str());
    let r = app
        .post(
            &format!("/conversations/{context_id}/close"),
            json!({"status": "resolved"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("success"), true);
    assert_eq!(r.get("status"), "resolved");
    assert!(r.get("closed_at").is_string());
    assert_error(
        &app.get(&format!("/conversations/customer/{id}")).await,
        404,
        "not_found",
    );
    let created = app.post("/conversations", json!({"customer_id": id})).await;
    assert_eq!(created.status, 201);
    assert_ne!(created.get("context_id"), context_id.as_str());
    // The closed one cannot be reopened while the new one is open.
    let reopen = app
        .put(
            &format!("/conversations/{context_id}"),
            json!({"status": "active"}),
        )
        .await;
    assert_error(&reopen, 409, "conflict");
    let ctx = app.get(&format!("/context/{id}")).await;
    assert_eq!(
        ctx.get("context_id"),
        created.get("context_id").as_str().unwrap()
    );
}

#[tokio::test]
async fn closing_ends_the_conversation_and_the_next_log_opens_another() {
    let app = spawn_app().await;
    let id = app.customer(json!({"phone": "+14165551234"})).await;
    let (_, first) = app.log(id, "inbound", "one").await;
    let paused = app
        .post(
            &format!("/conversations/{first}/close"),
            json!({"status": "paused"}),
        )
        .await;
    assert_eq!(paused.get("status"), "paused");
    let (_, still) = app.log(id, "inbound", "two").await;
    assert_eq!(still, first, "a paused conversation is still open");
    let archived = app
        .post(
            &format!("/conversations/{first}/close"),
            json!({"status": "archived"}),
        )
        .await;
    assert_eq!(archived.get("status"), "archived");
    let ctx = app.get(&format!("/context/{id}")).await;
    assert_eq!(ctx.get("is_new"), true);
    assert_eq!(
        ctx.get("previous_conversations")[0]["context_id"],
        first.as_str()
    );
    let (_, second) = app.log(id, "inbound", "three").await;
    assert_ne!(second, first);
    // Reopening the old one is refused while the new one is open; after closing it, allowed.
    assert_error(
        &app.put(
            &format!("/conversations/{first}"),
            json!({"status": "active"}),
        )
        .await,
        409,
        "conflict",
    );
    app.post(&format!("/conversations/{second}/close"), json!({}))
        .await;
    assert_eq!(
        app.get(&format!("/conversations/{second}"))
            .await
            .get("status"),
        "resolved",
        "empty close body resolves"
    );
    let reopened = app
        .put(
            &format!("/conversations/{first}"),
            json!({"status": "active", "conversation_summary": "Back again"}),
        )
        .await;
    assert_eq!(reopened.status, 200, "{:?}", reopened.body);
    assert_eq!(reopened.get("summary"), "Back again");
    assert_eq!(reopened.get("closed_at"), &Value::Null);
    assert_eq!(
        app.get(&format!("/context/{id}")).await.get("context_id"),
        first.as_str()
    );
    assert_error(
        &app.post(
            &format!("/conversations/{first}/close"),
            json!({"status": "active"}),
        )
        .await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn list_conversations_by_status_and_customer() {
    let app = spawn_app().await;
    let a = app.customer(json!({"email": "a@example.com"})).await;
    let b = app.customer(json!({"email": "b@example.com"})).await;
    let (_, a1) = app.log(a, "inbound", "x").await;
    app.post(
        &format!("/conversations/{a1}/close"),
        json!({"status": "resolved"}),
    )
    .await;
    let (_, a2) = app.log(a, "inbound", "y").await;
    let (_, b1) = app.log(b, "inbound", "z").await;
    let ids = |r: &crm_tests::Reply| {
        r.get("conversations")
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["context_id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let all = app.get("/conversations").await;
    assert_eq!(all.get("count"), 3);
    assert_eq!(
        ids(&all),
        [b1.clone(), a2.clone(), a1.clone()],
        "newest first"
    );
    assert_eq!(
        ids(&app.get("/conversations?status=active").await),
        [b1.clone(), a2.clone()]
    );
    assert_eq!(
        ids(&app.get("/conversations?status=resolved").await),
        vec![a1.clone()]
    );
    assert_eq!(
        ids(&app.get(&format!("/conversations?customer_id={a}")).await),
        [a2.clone(), a1.clone()]
    );
    assert_eq!(
        ids(&app
            .get(&format!("/conversations?customer_id={a}&status=resolved"))
            .await),
        vec![a1.clone()]
    );
    assert_eq!(ids(&app.get("/conversations?limit=1&offset=1").await), [a2]);
    let one = app.get(&format!("/conversations/{b1}")).await;
    assert_eq!(one.get("customer_id"), b);
    assert_eq!(one.get("message_count"), 1);
    assert_error(
        &app.get("/conversations/6f1c1f5e-0000-4000-8000-000000000000")
            .await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn update_conversation_fields() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "a@example.com"})).await;
    let (_, c) = app.log(id, "inbound", "x").await;
    let r = app
        .put(
            &format!("/conversations/{c}"),
            json!({"status": "paused", "conversation_summary": "Customer requested callback"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("status"), "paused");
    assert_eq!(r.get("summary"), "Customer requested callback");
    let r = app
        .put(&format!("/conversations/{c}"), json!({"summary": null}))
        .await;
    assert_eq!(r.get("summary"), &Value::Null);
    assert_eq!(r.get("status"), "paused");
}
