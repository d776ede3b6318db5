//! Seed 001's events (issue 10) through local-api's `GET /events`
//! (server-sent events over a real socket): an inbound log, the worker's
//! draft, a send reported by an external sender and a failed send each
//! arrive as the seed's payload,
//! and no message text or contact data travels with them.

use crm_tests::{next_events, spawn_app_with_queue, CountingModel, RecordingQueue, TEST_KEY};
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn seed_001_events_stream_to_a_subscriber() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let client = reqwest::Client::new();
    let denied = client
        .get(format!("{}/events", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(denied.status(), 401);
    let mut stream = client
        .get(format!("{}/events", app.base))
        .header("x-api-key", TEST_KEY)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/event-stream"));
    let mut text = String::new();

    let ann = app
        .customer(json!({"name": "Ann", "email": "ann@example.com"}))
        .await;
    let (log_id, context) = app
        .log(ann, "inbound", "Secret question about my invoice?")
        .await;
    let model = CountingModel::default();
    for (job, _) in queue.take() {
        app.crm.draft_reply(&job, &model).await.expect("drafted");
    }
    let suggestion = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    let approved = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": suggestion.get("id")}),
        )
        .await;
    let sent = approved.get("data")["message_id"]
        .as_i64()
        .expect("message_id");
    // No provider is configured here: the reply waits for an external
    // sender, and `conversation:sent` comes when it reports the send.
    let reported = app
        .put(
            &format!("/messages/{sent}/status"),
            json!({"send_status": "sent"}),
        )
        .await;
    assert_eq!(reported.status, 200);
    let failed = app
        .put(
            &format!("/messages/{sent}/status"),
            json!({"send_status": "failed"}),
        )
        .await;
    assert_eq!(failed.status, 200);

    let events = next_events(&mut stream, &mut text, 4).await;
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "conversation:new_reply",
            "conversation:ai_ready",
            "conversation:sent",
            "conversation:error"
        ]
    );
    let (_, new_reply) = &events[0];
    assert_eq!(new_reply["type"], "conversation:new_reply");
    assert_eq!(new_reply["conversation_id"], context.as_str());
    assert_eq!(new_reply["message_id"], log_id);
    assert_eq!(new_reply["sender"], format!("customer:{ann}"));
    assert!(new_reply["timestamp"].is_string());
    let (_, ready) = &events[1];
    assert_eq!(ready["suggestion_id"], *suggestion.get("id"));
    assert_eq!(ready["confidence"], *suggestion.get("confidence_score"));
    let (_, sent_event) = &events[2];
    assert_eq!(sent_event["message_id"], sent);
    let (_, error) = &events[3];
    assert_eq!(error["error"], format!("message {sent} failed to send"));
    assert!(
        !text.contains("Secret question") && !text.contains("ann@example.com"),
        "{text}"
    );
}
