//! Leased polls of `GET /messages/unprocessed` (issue 11): pollers share the
//! unprocessed messages the way SQS consumers share a queue. Over HTTP, on
//! either store.

use std::collections::HashSet;
use std::time::Duration;

use crm_tests::{assert_error, spawn_app, spawn_app_configured, TestApp};
use serde_json::{json, Value};

/// Logs `n` inbound messages across a few customers, 25 at a time; their ids.
async fn unprocessed(app: &TestApp, n: usize) -> HashSet<i64> {
    let mut customers = Vec::new();
    for i in 0..10 {
        customers.push(
            app.customer(json!({"email": format!("c{i}@example.com")}))
                .await,
        );
    }
    let mut ids = HashSet::new();
    for chunk in (0..n).collect::<Vec<_>>().chunks(25) {
        let calls = chunk.iter().map(|i| {
            app.post(
                "/log",
                json!({"customer_id": customers[i % customers.len()], "channel": "email",
                    "channel_identifier": "c@example.com", "direction": "inbound",
                    "message_body": format!("message {i}")}),
            )
        });
        for r in futures::future::join_all(calls).await {
            assert_eq!(r.status, 200, "{:?}", r.body);
            ids.insert(r.get("log_id").as_i64().expect("log_id"));
        }
    }
    ids
}

fn leased(reply: &Value) -> Vec<(i64, String)> {
    reply["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["log_id"].as_i64().expect("log_id"),
                m["lease_token"].as_str().expect("lease_token").to_string(),
            )
        })
        .collect()
}

async fn poll(app: &TestApp, query: &str) -> Vec<(i64, String)> {
    let r = app.get(&format!("/messages/unprocessed?{query}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("next_cursor"), &Value::Null);
    leased(&r.body)
}

async fn ack(app: &TestApp, id: i64, token: &str) -> crm_tests::Reply {
    app.post(
        &format!("/messages/{id}/processed"),
        json!({"lease_token": token}),
    )
    .await
}

async fn unprocessed_count(app: &TestApp) -> i64 {
    let r = app.get("/messages/unprocessed?limit=1000").await;
    r.get("count").as_i64().expect("count")
}

#[tokio::test]
async fn twenty_pollers_split_a_thousand_messages_without_overlap() {
    let app = spawn_app().await;
    let all = unprocessed(&app, 1000).await;
    assert_eq!(all.len(), 1000);
    let pollers = (0..20).map(|_| {
        let app = &app;
        async move {
            let mut got = Vec::new();
            for _ in 0..2000 {
                let batch = poll(app, "lease_seconds=120&limit=25").await;
                if batch.is_empty() {
                    if unprocessed_count(app).await == 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
                for (id, token) in batch {
                    let r = ack(app, id, &token).await;
                    assert_eq!(r.status, 200, "{:?}", r.body);
                    got.push(id);
                }
            }
            got
        }
    });
    let per_poller = futures::future::join_all(pollers).await;
    let delivered: Vec<i64> = per_poller.iter().flatten().copied().collect();
    let distinct: HashSet<i64> = delivered.iter().copied().collect();
    assert_eq!(
        delivered.len(),
        1000,
        "a message went to two pollers while leased"
    );
    assert_eq!(distinct, all, "a message was lost");
    assert!(
        per_poller.iter().filter(|got| !got.is_empty()).count() > 1,
        "the work was shared"
    );
    assert_eq!(unprocessed_count(&app).await, 0);
}

#[tokio::test]
async fn an_ended_lease_hands_the_message_on_and_the_stale_token_is_refused() {
    let app = spawn_app().await;
    let ids = unprocessed(&app, 1).await;
    let id = *ids.iter().next().expect("one");
    let r = app.get("/messages/unprocessed?lease_seconds=1").await;
    let message = &r.body["messages"][0];
    assert_eq!(message["log_id"], id);
    assert!(message["lease_expires_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let first = message["lease_token"].as_str().expect("token").to_string();
    // Held: another leased poll gets nothing, the guide's list still shows it.
    assert!(poll(&app, "lease_seconds=30").await.is_empty());
    assert_eq!(unprocessed_count(&app).await, 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = poll(&app, "lease_seconds=30").await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].0, id);
    assert_ne!(second[0].1, first);
    // The first poller's token is stale now: 409, nothing changes.
    assert_error(&ack(&app, id, &first).await, 409, "conflict");
    assert_eq!(unprocessed_count(&app).await, 1);
    // The holder acknowledges, twice (a retried acknowledgement is fine).
    for _ in 0..2 {
        let r = ack(&app, id, &second[0].1).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
    }
    // The token may come as a query parameter too.
    let r = app
        .call(
            "POST",
            &format!("/messages/{id}/processed?lease_token={}", second[0].1),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(unprocessed_count(&app).await, 0);
    let m = app.get(&format!("/messages/{id}")).await;
    assert_eq!(m.get("processed"), true);
    assert_eq!(
        m.get("lease_token"),
        &Value::Null,
        "tokens go only to pollers"
    );
}

#[tokio::test]
async fn a_message_leased_too_often_is_dead_and_skipped() {
    let app = spawn_app_configured(|s| s.max_leases = 2).await;
    let ids = unprocessed(&app, 2).await;
    let mut sorted: Vec<i64> = ids.into_iter().collect();
    sorted.sort();
    let (poison, good) = (sorted[0], sorted[1]);
    for _ in 0..2 {
        let batch = poll(&app, "lease_seconds=1&limit=1").await;
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].0, poison, "oldest first");
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    // Leased twice and never acknowledged: no longer handed out.
    let next = poll(&app, "lease_seconds=30&limit=1").await;
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].0, good,
        "the poison message does not stall the poller"
    );
    let dead = app.get("/messages/unprocessed?dead=true").await;
    assert_eq!(dead.get("count"), 1, "{:?}", dead.body);
    assert_eq!(dead.body["messages"][0]["log_id"], poison);
    // Still unprocessed for the guide's list; marking it processed ends it.
    assert_eq!(unprocessed_count(&app).await, 2);
    let r = app
        .post(&format!("/messages/{poison}/processed"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        app.get("/messages/unprocessed?dead=true")
            .await
            .get("count"),
        0
    );
}

#[tokio::test]
async fn leased_polls_refuse_what_does_not_fit_them() {
    let app = spawn_app().await;
    let ids = unprocessed(&app, 1).await;
    let id = *ids.iter().next().expect("one");
    for (query, field) in [
        ("lease_seconds=0", "lease_seconds"),
        ("lease_seconds=901", "lease_seconds"),
        ("lease_seconds=abc", "lease_seconds"),
        ("lease_seconds=", "lease_seconds"),
        ("lease_seconds=10&cursor=abc", "cursor"),
        ("dead=maybe", "dead"),
        ("lease=10", "lease"),
    ] {
        let r = app.get(&format!("/messages/unprocessed?{query}")).await;
        assert_error(&r, 400, "validation_error");
        assert_eq!(r.get("field"), field, "{query}");
    }
    // `offset` passes over that many available messages: here the only one.
    assert!(poll(&app, "lease_seconds=10&offset=1").await.is_empty());
    assert_error(&ack(&app, 999_999, "token").await, 404, "not_found");
    assert_error(&ack(&app, id, "never-issued").await, 409, "conflict");
    let r = app
        .post(
            &format!("/messages/{id}/processed"),
            json!({"lease_token": ""}),
        )
        .await;
    assert_error(&r, 400, "validation_error");
    let r = app
        .post(
            &format!("/messages/{id}/processed?lease_token=a"),
            json!({"lease_token": "b"}),
        )
        .await;
    assert_error(&r, 409, "conflict");
    // Nothing above changed the message.
    assert_eq!(unprocessed_count(&app).await, 1);
}
