//! The EventBridge publisher against a stub endpoint (wiremock), reached
//! through the SDK's standard `AWS_ENDPOINT_URL_EVENTBRIDGE` variable as it
//! would reach a real bus.

use crm_domain::events::{ConversationEvent, EventSink};
use crm_events_eventbridge::{EventBridgeSink, SOURCE};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn stub(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", "AWSEvents.PutEvents"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// One process-wide environment for the SDK: the stub's address and dummy credentials.
fn point_at(server: &MockServer) {
    std::env::set_var("AWS_ENDPOINT_URL_EVENTBRIDGE", server.uri());
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    std::env::set_var("AWS_REGION", "us-east-1");
}

#[tokio::test]
async fn one_event_is_one_put_events_entry_and_failures_are_bounded_errors() {
    let server = stub(ResponseTemplate::new(200).set_body_json(
        serde_json::json!({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}),
    ))
    .await;
    point_at(&server);
    let sink = EventBridgeSink::from_env("crm-bus");
    let event = ConversationEvent::ai_ready(
        "0190c3e2-7d1a-7000-8000-00000000000a",
        "s-1",
        0.92,
        "2026-12-08T10:30:00.000Z",
    );
    sink.publish(&event).await.expect("published");

    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests.len(), 1, "one PutEvents per event");
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).expect("json");
    let entries = body["Entries"].as_array().expect("Entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["Source"], SOURCE);
    assert_eq!(entries[0]["DetailType"], "conversation:ai_ready");
    assert_eq!(entries[0]["EventBusName"], "crm-bus");
    let detail: serde_json::Value =
        serde_json::from_str(entries[0]["Detail"].as_str().expect("Detail is a string"))
            .expect("json");
    assert_eq!(detail, serde_json::to_value(&event).expect("json"));
    assert_eq!(detail["type"], "conversation:ai_ready");
    assert_eq!(detail["suggestion_id"], "s-1");

    // A refused entry, then a bus that does not answer: errors, within the bound.
    // (One test: the endpoint is process-wide environment.)
    let refused = stub(ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "FailedEntryCount": 1,
        "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}]
    })))
    .await;
    point_at(&refused);
    let sink = EventBridgeSink::from_env("default");
    let err = sink
        .publish(&ConversationEvent::sent("c", 3, "2026-12-08T10:30:00.000Z"))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("ThrottlingException"), "{err}");

    let slow = stub(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(30))).await;
    std::env::set_var("AWS_ENDPOINT_URL_EVENTBRIDGE", slow.uri());
    let sink = EventBridgeSink::from_env("default");
    let started = std::time::Instant::now();
    sink.publish(&ConversationEvent::sent("c", 3, "2026-12-08T10:30:00.000Z"))
        .await
        .expect_err("timed out");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
