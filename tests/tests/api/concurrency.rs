//! Concurrent writers: uniqueness and the one-open-conversation rule hold.

use crm_tests::spawn_app;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_upserts_of_one_email_make_one_customer() {
    let app = Arc::new(spawn_app().await);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.post(
                    "/customers/upsert",
                    json!({"email": "same@example.com", "name": format!("Writer {i}")}),
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(
            r.status == 200 || r.status == 201,
            "{} {:?}",
            r.status,
            r.body
        );
        if r.get("created") == true {
            created += 1;
        }
        ids.insert(r.get("customer")["customer_id"].as_i64().unwrap());
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    assert_eq!(app.get("/customers").await.get("count"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_logs_open_one_conversation() {
    let app = Arc::new(spawn_app().await);
    let id = app.customer(json!({"phone": "+14165551234"})).await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.post("/log", json!({"customer_id": id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "inbound", "message_body": format!("m{i}")}))
                    .await
            })
        })
        .collect();
    let mut contexts = std::collections::HashSet::new();
    let mut log_ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{:?}", r.body);
        contexts.insert(r.get("context_id").as_str().unwrap().to_string());
        log_ids.insert(r.get("log_id").as_i64().unwrap());
    }
    assert_eq!(contexts.len(), 1, "one conversation");
    assert_eq!(log_ids.len(), 50, "distinct log ids");
    let context = contexts.into_iter().next().unwrap();
    assert_eq!(
        app.get(&format!("/conversations/{context}"))
            .await
            .get("message_count"),
        50
    );
    assert_eq!(app.get("/conversations").await.get("count"), 1);
    assert_eq!(
        app.get(&format!("/messages/context/{context}"))
            .await
            .get("count"),
        50
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_get_or_create_returns_one_conversation() {
    let app = Arc::new(spawn_app().await);
    let id = app.customer(json!({"phone": "+14165551234"})).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                app.post("/conversations/get-or-create", json!({"customer_id": id}))
                    .await
            })
        })
        .collect();
    let mut contexts = std::collections::HashSet::new();
    let mut created = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{:?}", r.body);
        if r.get("created") == true {
            created += 1;
        }
        contexts.insert(r.get("context_id").as_str().unwrap().to_string());
    }
    assert_eq!((created, contexts.len()), (1, 1));
}
