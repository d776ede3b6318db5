//! Every API Gateway REST proxy event in `events/` goes through lambda_http
//! (as on Lambda, stage stripped by `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`)
//! into its group's router, and answers as expected.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use crm_http::{AppState, Auth, Routes};
use tower::ServiceExt;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// The group whose Lambda receives an event, by file-name prefix.
fn group_router(file: &str) -> Routes {
    match file.split('-').next().unwrap_or_default() {
        "customers" => crm_customers::router(),
        "context" => crm_context::router(),
        "log" => crm_log::router(),
        "messages" => crm_messages::router(),
        "conversations" => crm_conversations::router(),
        "ingest" => crm_ingest::router(),
        other => panic!("event {file}: no group {other}"),
    }
}

async fn send(app: Router, file: &str) -> (u16, serde_json::Value) {
    let text = std::fs::read_to_string(events_dir().join(file)).expect("event file");
    send_text(app, file, &text).await
}

/// The token the Twilio events are signed with.
const TWILIO_TOKEN: &str = "test-twilio-auth-token";

/// Event `file`, recorded for message 1, addressed to message `log_id`
/// instead (message ids are minted since issue 21, so the seeded message
/// is not 1). A Twilio event is signed again as Twilio signs: over the
/// public URL it posted to — `url` of the event — and its form parameters;
/// re-signing the event as recorded must give its recorded signature, so
/// `url` is the URL Twilio signed.
fn for_message(file: &str, log_id: i64, url: impl Fn(&serde_json::Value) -> String) -> String {
    let text = std::fs::read_to_string(events_dir().join(file)).expect("event file");
    let mut event: serde_json::Value = serde_json::from_str(&text).expect("event json");
    let token = crm_domain::twilio::AuthToken::new(TWILIO_TOKEN).expect("token");
    let params: Vec<(String, String)> = event["body"]
        .as_str()
        .map(|body| {
            form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let recorded = event["headers"]["X-Twilio-Signature"]
        .as_str()
        .map(str::to_string);
    if let Some(recorded) = &recorded {
        let signed = crm_domain::twilio::signature::sign(&token, &url(&event), &params);
        assert_eq!(&signed, recorded, "{file}: not signed over {}", url(&event));
    }
    let id = log_id.to_string();
    let readdress = |v: &mut serde_json::Value| {
        if let Some(path) = v.as_str() {
            *v = path
                .replace("/messages/1", &format!("/messages/{id}"))
                .into();
        }
    };
    readdress(&mut event["path"]);
    readdress(&mut event["requestContext"]["path"]);
    event["pathParameters"]["log_id"] = id.clone().into();
    if recorded.is_some() {
        let signature = crm_domain::twilio::signature::sign(&token, &url(&event), &params);
        event["headers"]["X-Twilio-Signature"] = signature.clone().into();
        event["multiValueHeaders"]["X-Twilio-Signature"] = serde_json::json!([signature]);
    }
    event.to_string()
}

/// The public URL of an event through API Gateway: its domain and its
/// path with the stage (or a custom domain's base path).
fn gateway_url(event: &serde_json::Value) -> String {
    format!(
        "https://{}{}",
        event["requestContext"]["domainName"]
            .as_str()
            .unwrap_or_default(),
        event["requestContext"]["path"].as_str().unwrap_or_default()
    )
}

async fn send_text(app: Router, file: &str, text: &str) -> (u16, serde_json::Value) {
    let request = lambda_http::request::from_str(text)
        .unwrap_or_else(|e| panic!("{file} is not an API Gateway event: {e}"));
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    let response = app.oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn every_event_reaches_its_handler() {
    // What the SAM template sets on every function.
    std::env::set_var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true");
    // The token the Twilio events are signed with (issue 11).
    std::env::set_var("TWILIO_AUTH_TOKEN", TWILIO_TOKEN);
    let store: Arc<dyn crm_domain::store::Store> =
        Arc::new(crm_store_sqlite::SqliteStore::in_memory().expect("store"));
    let state = crm_http::bootstrap::state_with(store).expect("state");
    // Seed: customer 1 with phone +14165551234 and one inbound message (log 1).
    let (_, created) = send(
        crm_http::app(crm_customers::router(), state.clone(), Auth::Gateway),
        "customers-create.json",
    )
    .await;
    assert_eq!(created["customer_id"], 1);
    let seed = crm_domain::customers::CustomerInput {
        phone: Some("+14165551234".into()),
        ..Default::default()
    };
    assert_eq!(
        state
            .crm
            .create_customer(&seed)
            .await
            .expect("seed")
            .customer_id,
        2
    );

    let expectations: &[(&str, u16, &str, serde_json::Value)] = &[
        ("customers-health.json", 200, "status", "ok".into()),
        (
            "ingest-connections-create.json",
            201,
            "connection_id",
            "wa_business_123".into(),
        ),
        // Reaches the function with no API Gateway key; the secret is not the connection's.
        (
            "ingest-messaging.json",
            401,
            "error",
            "Invalid API key".into(),
        ),
        (
            "customers-get.json",
            200,
            "email",
            "jane@example.com".into(),
        ),
        ("log-inbound.json", 200, "success", true.into()),
        ("messages-unprocessed.json", 200, "count", 1.into()),
        ("context-update.json", 200, "success", true.into()),
        ("context-get-by-phone.json", 200, "customer_id", 2.into()),
        (
            "conversations-for-customer.json",
            200,
            "message_count",
            1.into(),
        ),
        (
            "conversations-get-or-create.json",
            200,
            "created",
            false.into(),
        ),
        // Routed with its path parameter; no such conversation here.
        (
            "conversations-approve.json",
            404,
            "error",
            "Conversation not found: 0190c3e2-7d1a-7000-8000-00000000000a".into(),
        ),
        (
            "conversations-escalations-list.json",
            200,
            "count",
            0.into(),
        ),
    ];
    let mut covered = vec!["customers-create.json".to_string()];
    let mut logged = None;
    for (file, status, field, value) in expectations {
        let app = crm_http::app(group_router(file), state.clone(), Auth::Gateway);
        let (got, body) = send(app, file).await;
        assert_eq!(got, *status, "{file}: {body}");
        assert_eq!(&body[*field], value, "{file}: {body}");
        covered.push(file.to_string());
        if *file == "log-inbound.json" {
            logged = body["log_id"].as_i64();
        }
    }
    // The events addressed to the message log-inbound.json logged.
    let log_id = logged.expect("log-inbound.json answered a log_id");
    let addressed: &[(&str, u16, &str, serde_json::Value)] = &[
        (
            "messages-get.json",
            200,
            "message_body",
            "Hi, I need help with pricing".into(),
        ),
        // Twilio's status callback, signed over the public URL with the stage
        // (`https://<api>.execute-api…/prod/messages/<id>/status`), reaches the
        // function without an API key and is applied.
        (
            "messages-twilio-status.json",
            200,
            "send_status",
            "sent".into(),
        ),
        // The same through a custom domain with a base path (`/api`).
        (
            "messages-twilio-status-custom-domain.json",
            200,
            "provider_status",
            "delivered".into(),
        ),
    ];
    for (file, status, field, value) in addressed {
        let app = crm_http::app(group_router(file), state.clone(), Auth::Gateway);
        let (got, body) = send_text(app, file, &for_message(file, log_id, gateway_url)).await;
        assert_eq!(got, *status, "{file}: {body}");
        assert_eq!(&body[*field], value, "{file}: {body}");
        covered.push(file.to_string());
    }
    // Signed over CRM_PUBLIC_BASE_URL (`https://hooks.example.org/crm`), not
    // the API Gateway URL: refused unless that base URL is configured.
    let file = "messages-twilio-status-base-url.json";
    let base_url = |e: &serde_json::Value| {
        let path = e["path"].as_str().unwrap_or_default();
        format!("https://hooks.example.org/crm{path}")
    };
    let event = for_message(file, log_id, base_url);
    let app = crm_http::app(group_router(file), state.clone(), Auth::Gateway);
    let (got, body) = send_text(app, file, &event).await;
    assert_eq!(got, 403, "{file}: {body}");
    let mut settings = state.crm.settings().clone();
    settings.twilio.public_base_url = Some("https://hooks.example.org/crm".into());
    let configured = AppState {
        crm: crm_domain::Crm::new(state.crm.store().clone(), settings),
    };
    let app = crm_http::app(group_router(file), configured, Auth::Gateway);
    let (got, body) = send_text(app, file, &event).await;
    assert_eq!(got, 200, "{file}: {body}");
    assert_eq!(body["provider_status"], "read", "{file}: {body}");
    assert_eq!(body["send_status"], "delivered", "{file}: {body}");
    covered.push(file.to_string());
    // Twilio's inbound-message webhook, signed over the stage URL: logged as
    // customer 2's (+14165551234) inbound SMS, answered with empty TwiML.
    let file = "ingest-twilio-message.json";
    let app = crm_http::app(group_router(file), state.clone(), Auth::Gateway);
    let (got, _) = send(app, file).await;
    assert_eq!(got, 200, "{file}");
    let customer = crm_domain::types::CustomerId::parse("customer_id", "2").expect("id");
    let theirs = state
        .crm
        .messages_for_customer(customer, &crm_domain::ListParams::default())
        .await
        .expect("messages");
    assert!(
        theirs
            .items
            .iter()
            .any(|m| m.message_body == "Hi, is my order on its way?"
                && m.twilio_message_sid.as_deref() == Some("SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")),
        "{:?}",
        theirs.items
    );
    covered.push(file.to_string());
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".json"))
        .collect();
    files.sort();
    covered.sort();
    assert_eq!(files, covered, "every event in events/ is exercised");
    for group in [
        "customers",
        "context",
        "log",
        "messages",
        "conversations",
        "ingest",
    ] {
        assert!(
            files.iter().any(|f| f.starts_with(group)),
            "no event for the {group} group"
        );
    }
}
