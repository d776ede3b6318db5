//! `Idempotency-Key` on the creating `POST`s (issue 11): a retried request
//! writes once and answers what the first answered. Over HTTP, on either store.

use std::sync::Arc;

use crm_tests::{
    assert_error, spawn_app, spawn_app_clocked, ManualClock, TestApp, OTHER_KEY, TEST_KEY,
};
use serde_json::{json, Value};

async fn customer(app: &TestApp) -> i64 {
    app.customer(json!({"name": "Ada", "email": "ada@example.com"}))
        .await
}

fn log_body(customer: i64, text: &str) -> Value {
    json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165551234",
        "direction": "inbound", "message_body": text})
}

async fn message_count(app: &TestApp, context: &str) -> i64 {
    let r = app.get(&format!("/conversations/{context}")).await;
    r.get("message_count").as_i64().expect("message_count")
}

#[tokio::test]
async fn a_retry_storm_writes_once_and_answers_alike() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let body = log_body(id, "hello");
    let calls = (0..50).map(|_| app.post_once("/log", &body, "storm-1", TEST_KEY));
    let replies = futures::future::join_all(calls).await;
    for r in &replies {
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body, replies[0].body);
    }
    let replayed = replies.iter().filter(|r| r.replayed.is_some()).count();
    assert_eq!(replayed, 49, "one ran, the others replayed its answer");
    let context = replies[0].get("context_id").as_str().expect("context");
    assert_eq!(message_count(&app, context).await, 1);
    let listed = app.get(&format!("/messages/context/{context}")).await;
    assert_eq!(listed.get("count"), 1);
    // Creating a customer likewise: one customer, the same 201 each time.
    let new = json!({"name": "Bo", "email": "bo@example.com"});
    let calls = (0..10).map(|_| app.post_once("/customers", &new, "cust-1", TEST_KEY));
    let replies = futures::future::join_all(calls).await;
    for r in &replies {
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(r.body, replies[0].body);
    }
    assert_eq!(
        app.get("/customers?email=bo%40example.com")
            .await
            .get("count"),
        1
    );
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_a_422_and_keys_are_per_api_key() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let first = app
        .post_once("/log", &log_body(id, "one"), "k-1", TEST_KEY)
        .await;
    assert_eq!(first.status, 200);
    let r = app
        .post_once("/log", &log_body(id, "two"), "k-1", TEST_KEY)
        .await;
    assert_error(&r, 422, "unprocessable");
    assert!(
        r.get("error").as_str().is_some_and(|e| e.contains("k-1")),
        "{:?}",
        r.body
    );
    let r = app
        .post_once(
            "/conversations/get-or-create",
            &json!({"customer_id": id}),
            "k-1",
            TEST_KEY,
        )
        .await;
    assert_error(&r, 422, "unprocessable");
    // The same object in another key order is the same request.
    let reordered = json!({"message_body": "one", "direction": "inbound", "channel_identifier": "+14165551234",
        "channel": "sms", "customer_id": id});
    let r = app.post_once("/log", &reordered, "k-1", TEST_KEY).await;
    assert_eq!(r.body, first.body);
    assert_eq!(r.replayed.as_deref(), Some("true"));
    // Another client's key space: the same key runs anew.
    let theirs = app
        .post_once("/log", &log_body(id, "two"), "k-1", OTHER_KEY)
        .await;
    assert_eq!(theirs.status, 200, "{:?}", theirs.body);
    assert_ne!(theirs.get("log_id"), first.get("log_id"));
    let context = first.get("context_id").as_str().expect("context");
    assert_eq!(message_count(&app, context).await, 2);
    // A malformed key is a 400 and writes nothing.
    let r = app
        .post_once("/log", &log_body(id, "x"), "has space", TEST_KEY)
        .await;
    assert_error(&r, 400, "validation_error");
    assert_eq!(r.get("field"), "Idempotency-Key");
    assert_eq!(message_count(&app, context).await, 2);
}

#[tokio::test]
async fn answers_are_kept_for_a_day_and_failed_requests_are_not_kept() {
    let clock = Arc::new(ManualClock::default());
    let app = spawn_app_clocked(clock.clone()).await;
    let id = customer(&app).await;
    // A request that never ran (400) keeps nothing: fixed, it runs.
    let r = app
        .post_once("/log", &json!({"customer_id": id}), "day-1", TEST_KEY)
        .await;
    assert_error(&r, 400, "validation_error");
    let first = app
        .post_once("/log", &log_body(id, "one"), "day-1", TEST_KEY)
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.replayed, None);
    // An answer that ran (404) is kept like a success.
    let missing = json!({"customer_id": 999_999});
    let r = app
        .post_once("/conversations", &missing, "day-2", TEST_KEY)
        .await;
    assert_error(&r, 404, "not_found");
    let again = app
        .post_once("/conversations", &missing, "day-2", TEST_KEY)
        .await;
    assert_eq!(again.body, r.body);
    assert_eq!(again.replayed.as_deref(), Some("true"));
    clock.advance(23 * 3600);
    let r = app
        .post_once("/log", &log_body(id, "one"), "day-1", TEST_KEY)
        .await;
    assert_eq!(r.body, first.body, "replayed within the day");
    clock.advance(3600 + 1);
    let r = app
        .post_once("/log", &log_body(id, "one"), "day-1", TEST_KEY)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.replayed, None, "expired: runs anew");
    assert_ne!(r.get("log_id"), first.get("log_id"));
    // Without the header nothing changes: each request logs.
    let a = app.post("/log", log_body(id, "one")).await;
    let b = app.post("/log", log_body(id, "one")).await;
    assert_ne!(a.get("log_id"), b.get("log_id"));
}

#[tokio::test]
async fn an_idempotent_request_costs_two_store_calls_more() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    app.store.reset();
    let plain = app.post("/log", log_body(id, "plain")).await;
    assert_eq!(plain.status, 200);
    let base = app.store.total();
    app.store.reset();
    let r = app
        .post_once("/log", &log_body(id, "keyed"), "cost-1", TEST_KEY)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.store.total(),
        base + 2,
        "{:?}",
        app.store.by_operation()
    );
    app.store.reset();
    let r = app
        .post_once("/log", &log_body(id, "keyed"), "cost-1", TEST_KEY)
        .await;
    assert_eq!(r.replayed.as_deref(), Some("true"));
    assert_eq!(
        app.store.total(),
        2,
        "a replay is one failed put and one read"
    );
}

#[tokio::test]
async fn a_relay_retrying_without_a_key_logs_once_by_the_providers_message_id() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    let mut body = log_body(id, "from a relay");
    body["channel"] = json!("whatsapp");
    body["external_message_id"] = json!("wamid.HBgLMTQxNjU1NTEyMzQVAgASGBQzQUE=");
    let first = app.post("/log", body.clone()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let again = app.post("/log", body.clone()).await;
    assert_eq!(again.body, first.body);
    let m = app.get(&format!("/messages/{}", first.get("log_id"))).await;
    assert_eq!(m.get("external_message_id"), &body["external_message_id"]);
    // Ids are a provider's: the same id on another channel is another message.
    let mut sms = body.clone();
    sms["channel"] = json!("sms");
    let other = app.post("/log", sms).await;
    assert_ne!(other.get("log_id"), first.get("log_id"));
    let context = first.get("context_id").as_str().expect("context");
    assert_eq!(message_count(&app, context).await, 2);
    // With a Twilio SID as well, either id finds the first log.
    let mut both = log_body(id, "both");
    both["external_message_id"] = json!("ext-2");
    both["twilio_message_sid"] = json!("SM0123456789abcdef0123456789abcdef");
    let a = app.post("/log", both.clone()).await;
    both["external_message_id"] = json!("ext-3");
    let b = app.post("/log", both).await;
    assert_eq!(a.body, b.body);
    let mut bad = log_body(id, "x");
    bad["external_message_id"] = json!("x".repeat(256));
    assert_error(&app.post("/log", bad).await, 400, "validation_error");
}
