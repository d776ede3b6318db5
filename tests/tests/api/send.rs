//! Sending outbound messages (issue 22) over HTTP, on the store
//! `CRM_TEST_STORE` names: an approved reply reaches Twilio's Messages API
//! (a wiremock stub that checks the basic auth and the form and answers as
//! Twilio does) exactly once, even under 50 concurrent approvals, and the
//! signed status callback marks it delivered; Twilio's refusals, 429s,
//! 5xx answers and a slow answer each end in the status the issue names;
//! a sender killed between its claim and its record sends nothing more;
//! chat replies reach a delivery URL signed as documented; with no
//! provider the reply waits for an external sender at
//! `GET /messages/outbound`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use crm_couriers::twilio::{Sender, TwilioCourier};
use crm_couriers::webhook::WebhookCourier;
use crm_domain::flows::SendOutcome;
use crm_domain::sending::{Couriers, SendJob};
use crm_domain::types::LogId;
use crm_domain::Settings;
use crm_tests::{
    assert_error, next_events, spawn_sending_app, CountingModel, ManualClock, RecordingQueue,
    TestApp, TEST_KEY,
};
use hmac::Mac;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "twilio-auth-token-for-send-tests";
const FROM: &str = "+15550001111";
const SID: &str = "SM00000000000000000000000000000001";
const PHONE: &str = "+14165551234";

fn messages_path() -> String {
    format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json")
}

/// `Authorization` as Twilio expects it: basic auth of the account SID and token.
fn basic_auth() -> String {
    let pair = format!("{ACCOUNT}:{TOKEN}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn with_twilio(s: &mut Settings) {
    s.sending.twilio = true;
    s.twilio.auth_token = crm_domain::twilio::AuthToken::new(TOKEN);
}

/// The Twilio courier pointed at `api`, with `app`'s status callback URLs.
fn twilio_couriers(api: &MockServer, app: &TestApp, timeout: Duration) -> Couriers {
    let courier = TwilioCourier::new(
        &api.uri(),
        ACCOUNT,
        TOKEN,
        Sender::From(FROM.into()),
        Some(app.base.clone()),
        timeout,
    )
    .expect("client");
    Couriers::new().with(Arc::new(courier))
}

/// The form fields of a request Twilio's stub received.
fn form(request: &Request) -> HashMap<String, String> {
    form_urlencoded::parse(&request.body).into_owned().collect()
}

async fn message(app: &TestApp, id: i64) -> Value {
    let r = app.get(&format!("/messages/{id}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

/// Waits (≤ 10 s) until message `id` has left `pending` / `sending`.
async fn settled(app: &TestApp, id: i64) -> Value {
    for _ in 0..200 {
        let m = message(app, id).await;
        if !matches!(m["send_status"].as_str(), Some("pending" | "sending")) {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("message {id} still unsent after 10 s");
}

/// A customer reachable at `phone` and an outbound SMS to them the CRM is
/// asked to send (`POST /log` with `"send": true`); its log id.
async fn send_sms(app: &TestApp, phone: &str, text: &str) -> i64 {
    let customer = app.customer(json!({"name": "Ann", "phone": phone})).await;
    let r = app
        .post(
            "/log",
            json!({"customer_id": customer, "channel": "sms", "channel_identifier": phone,
                "direction": "outbound", "message_body": text, "send": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.get("log_id").as_i64().expect("log_id")
}

/// Works every reply job queued so far with the rules model; the id of
/// `context`'s pending suggestion then.
async fn drafted(app: &TestApp, replies: &RecordingQueue, context: &str) -> Value {
    for (job, _) in replies.take() {
        app.crm
            .draft_reply(&job, &CountingModel::default())
            .await
            .expect("drafted");
    }
    pending_suggestion(app, context).await
}

/// The id of `context`'s pending suggestion.
async fn pending_suggestion(app: &TestApp, context: &str) -> Value {
    let suggestion = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(suggestion.status, 200, "{:?}", suggestion.body);
    suggestion.get("id").clone()
}

/// Logs `inbound` (a `POST /log` body) and drafts its reply: (its
/// conversation, the pending suggestion's id).
async fn logged_and_drafted(
    app: &TestApp,
    replies: &RecordingQueue,
    inbound: Value,
) -> (String, Value) {
    let r = app.post("/log", inbound).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let context = r.get("context_id").as_str().expect("context").to_string();
    let id = drafted(app, replies, &context).await;
    (context, id)
}

/// Works send job `id` with `couriers`, as the sender does.
async fn deliver(app: &TestApp, id: i64, couriers: &Couriers) -> SendOutcome {
    app.crm
        .deliver(&job(id), couriers)
        .await
        .expect("a store that answers")
}

fn job(id: i64) -> SendJob {
    SendJob {
        log_id: LogId::parse(&id.to_string()).expect("log id"),
    }
}

#[tokio::test]
async fn an_approved_sms_reply_reaches_twilio_once_and_its_receipt_comes_back() {
    let twilio = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .and(header("authorization", basic_auth().as_str()))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"sid": SID, "status": "queued"})),
        )
        .expect(1)
        .mount(&twilio)
        .await;
    let (queue, sender) = crm_sender::local::channel();
    let (app, replies) = spawn_sending_app(with_twilio, Some(Arc::new(queue)), None).await;
    let couriers = twilio_couriers(&twilio, &app, Duration::from_secs(5));
    sender.spawn(app.crm.clone(), couriers, Duration::from_secs(3600));
    let mut events = reqwest::Client::new()
        .get(format!("{}/events", app.base))
        .header("x-api-key", TEST_KEY)
        .send()
        .await
        .expect("subscribe");
    let mut text = String::new();

    let ann = app.customer(json!({"name": "Ann", "phone": PHONE})).await;
    let (context, id) = logged_and_drafted(
        &app,
        &replies,
        json!({"customer_id": ann, "channel": "sms", "channel_identifier": PHONE,
            "direction": "inbound", "message_body": "Has my order shipped?"}),
    )
    .await;

    // 50 people approve at once: one reply is written, one call is made.
    let approve = format!("/conversations/{context}/approve");
    let approvals = futures::future::join_all((0..50).map(|_| {
        app.post(
            &approve,
            json!({"suggestion_id": id, "edited_body": "Yes, it ships today."}),
        )
    }))
    .await;
    let ok: Vec<_> = approvals.iter().filter(|r| r.status == 200).collect();
    assert_eq!(
        ok.len(),
        1,
        "{:?}",
        approvals.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(approvals.iter().all(|r| r.status == 200 || r.status == 409));
    let sent = ok[0].get("data")["message_id"]
        .as_i64()
        .expect("message_id");

    let m = settled(&app, sent).await;
    assert_eq!(m["send_status"], "sent", "{m}");
    assert_eq!(m["provider"], "twilio");
    assert_eq!(m["twilio_message_sid"], SID);
    assert_eq!(m["provider_message_id"], SID);
    assert_eq!(m["attempts"], 1);
    assert!(m["sent_at"].is_string(), "{m}");
    let calls = twilio.received_requests().await.expect("recorded");
    assert_eq!(calls.len(), 1);
    let fields = form(&calls[0]);
    assert_eq!(fields["To"], PHONE);
    assert_eq!(fields["From"], FROM);
    assert_eq!(fields["Body"], "Yes, it ships today.");
    assert_eq!(
        fields["StatusCallback"],
        format!("{}/messages/{sent}/status", app.base)
    );

    // Twilio's signed delivery receipt, to the URL it was given.
    let receipt = app
        .twilio(
            TOKEN,
            &format!("/messages/{sent}/status"),
            &[
                ("MessageSid", SID),
                ("MessageStatus", "delivered"),
                ("AccountSid", ACCOUNT),
                ("To", PHONE),
            ],
        )
        .await;
    assert_eq!(receipt.status, 200, "{:?}", receipt.body);
    let m = message(&app, sent).await;
    assert_eq!(m["send_status"], "delivered");
    assert!(m["delivered_at"].is_string(), "{m}");

    let got = next_events(&mut events, &mut text, 4).await;
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "conversation:new_reply",
            "conversation:ai_ready",
            "conversation:sent",
            "conversation:delivered"
        ]
    );
    assert_eq!(got[2].1["message_id"], sent);
    assert_eq!(got[3].1["message_id"], sent);
    assert!(
        !text.contains("ships today") && !text.contains(PHONE),
        "{text}"
    );
    // Nothing after it: the receipt is not a second send.
    let outbound = app.get("/messages/outbound").await;
    assert_eq!(outbound.get("count"), 0);
}

#[tokio::test]
async fn each_kind_of_twilio_failure_ends_in_a_status_a_person_can_act_on() {
    let twilio = MockServer::start().await;
    let answer = |to: &str, response: ResponseTemplate| {
        Mock::given(method("POST"))
            .and(path(messages_path()))
            .and(wiremock::matchers::body_string_contains(format!(
                "To={}",
                to.replace('+', "%2B")
            )))
            .respond_with(response)
    };
    answer(
        "+14165550001",
        ResponseTemplate::new(400).set_body_json(json!({"code": 21211, "message": "The 'To' number +14165550001 is not a valid phone number.", "status": 400})),
    )
    .expect(1)
    .mount(&twilio)
    .await;
    answer(
        "+14165550002",
        ResponseTemplate::new(400).set_body_json(json!({"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400})),
    )
    .expect(1)
    .mount(&twilio)
    .await;
    answer(
        "+14165550003",
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "30")
            .set_body_json(json!({"code": 20429, "message": "Too Many Requests"})),
    )
    .expect(2)
    .mount(&twilio)
    .await;
    answer(
        "+14165550004",
        ResponseTemplate::new(201)
            .set_body_json(json!({"sid": SID}))
            .set_delay(Duration::from_secs(3)),
    )
    .expect(1)
    .mount(&twilio)
    .await;
    let clock = Arc::new(ManualClock::default());
    let (app, _) = spawn_sending_app(
        |s| {
            with_twilio(s);
            s.sending.max_attempts = 2;
        },
        None,
        Some(clock.clone()),
    )
    .await;
    let couriers = twilio_couriers(&twilio, &app, Duration::from_secs(1));

    // 21211: refused before accepting, final.
    let mut events = reqwest::Client::new()
        .get(format!("{}/events", app.base))
        .header("x-api-key", TEST_KEY)
        .send()
        .await
        .expect("subscribe");
    let invalid = send_sms(&app, "+14165550001", "Hello").await;
    let outcome = deliver(&app, invalid, &couriers).await;
    let mut text = String::new();
    let got = next_events(&mut events, &mut text, 1).await;
    assert_eq!(got[0].0, "conversation:error");
    let said = got[0].1["error"].as_str().unwrap_or("");
    assert!(said.contains("21211") && said.contains("sms"), "{said}");
    // Twilio's words quote the number: they stay on the message, off the bus.
    assert!(
        !text.contains("+14165550001") && !text.contains("Hello"),
        "{text}"
    );
    assert_eq!(
        outcome,
        SendOutcome::Failed {
            code: "21211".into()
        }
    );
    let m = message(&app, invalid).await;
    assert_eq!(
        (m["send_status"].as_str(), m["error_code"].as_str()),
        (Some("failed"), Some("21211"))
    );
    assert!(
        m["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("not a valid phone number"),
        "{m}"
    );
    let failed = app.get("/messages/failed").await;
    assert!(failed
        .get("messages")
        .as_array()
        .expect("list")
        .iter()
        .any(|x| x["log_id"] == invalid));

    // 21610: the recipient unsubscribed; the customer is opted out of SMS.
    let unsubscribed = send_sms(&app, "+14165550002", "Hello").await;
    let outcome = deliver(&app, unsubscribed, &couriers).await;
    assert_eq!(
        outcome,
        SendOutcome::Failed {
            code: "21610".into()
        }
    );
    let customer = message(&app, unsubscribed).await["customer_id"].clone();
    let c = app.get(&format!("/customers/{customer}")).await;
    assert_eq!(c.get("opted_out"), &json!(["sms"]), "{:?}", c.body);
    let again = app
        .post(
            "/log",
            json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165550002",
                "direction": "outbound", "message_body": "Hello?", "send": true}),
        )
        .await;
    assert_error(&again, 409, "conflict");

    // 429 with Retry-After: not sent, retried no sooner than it says, then
    // given up after the last attempt (2 here).
    let throttled = send_sms(&app, "+14165550003", "Hello").await;
    let outcome = deliver(&app, throttled, &couriers).await;
    let SendOutcome::RetryIn(wait) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(wait >= Duration::from_secs(30), "{wait:?}");
    let m = message(&app, throttled).await;
    assert_eq!(
        (m["send_status"].as_str(), m["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    // Woken early (a duplicate job): no call before the retry is due.
    let early = deliver(&app, throttled, &couriers).await;
    assert!(matches!(early, SendOutcome::RetryIn(_)), "{early:?}");
    clock.advance(31);
    let last = deliver(&app, throttled, &couriers).await;
    assert_eq!(
        last,
        SendOutcome::Failed {
            code: "retries_exhausted".into()
        }
    );
    let m = message(&app, throttled).await;
    assert_eq!(m["attempts"], 2);
    assert!(
        m["error_message"].as_str().unwrap_or("").contains("429"),
        "{m}"
    );

    // A slow answer: the outcome cannot be known, so it is never retried
    // automatically; a person resends it.
    let slow = send_sms(&app, "+14165550004", "Hello").await;
    let outcome = deliver(&app, slow, &couriers).await;
    assert_eq!(
        outcome,
        SendOutcome::Failed {
            code: "delivery_unknown".into()
        }
    );
    let again = deliver(&app, slow, &couriers).await;
    assert_eq!(again, SendOutcome::Skipped("not pending"));
    let resent = app
        .post(&format!("/messages/{slow}/resend"), json!({}))
        .await;
    assert_eq!(resent.status, 200, "{:?}", resent.body);
    assert_eq!(resent.get("send_status"), "pending");
    assert_eq!(resent.get("attempts"), 0);
    assert_eq!(resent.get("error_code"), &Value::Null);
    let twice = app
        .post(&format!("/messages/{slow}/resend"), json!({}))
        .await;
    assert_error(&twice, 409, "conflict");
    // (The resent message's call is not made here: the stub expects one.)
}

#[tokio::test]
async fn a_server_error_is_retried_and_a_sender_killed_mid_call_sends_nothing_more() {
    let twilio = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .and(wiremock::matchers::body_string_contains(
            "To=%2B14165550005",
        ))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .and(wiremock::matchers::body_string_contains(
            "To=%2B14165550005",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"sid": SID})))
        .expect(1)
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .and(wiremock::matchers::body_string_contains(
            "To=%2B14165550006",
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"sid": "SM00000000000000000000000000000006"}))
                .set_delay(Duration::from_secs(30)),
        )
        .expect(1)
        .mount(&twilio)
        .await;
    let clock = Arc::new(ManualClock::default());
    let (app, _) = spawn_sending_app(with_twilio, None, Some(clock.clone())).await;
    let couriers = twilio_couriers(&twilio, &app, Duration::from_secs(60));

    // A 500 did not send: retried after the backoff, then accepted.
    let flaky = send_sms(&app, "+14165550005", "Hello").await;
    let outcome = deliver(&app, flaky, &couriers).await;
    assert!(matches!(outcome, SendOutcome::RetryIn(_)), "{outcome:?}");
    clock.advance(60);
    let outcome = deliver(&app, flaky, &couriers).await;
    assert_eq!(outcome, SendOutcome::Sent);
    let m = message(&app, flaky).await;
    assert_eq!(
        (m["send_status"].as_str(), m["attempts"].as_i64()),
        (Some("sent"), Some(2))
    );
    assert_eq!(m["error_message"], Value::Null);

    // A sender killed after its claim, while the call is in flight.
    let hung = send_sms(&app, "+14165550006", "Hello").await;
    let worker = {
        let (crm, couriers) = (app.crm.clone(), couriers.clone());
        tokio::spawn(async move { crm.deliver(&job(hung), &couriers).await })
    };
    for _ in 0..200 {
        if twilio
            .received_requests()
            .await
            .is_some_and(|r| r.len() == 3)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    worker.abort();
    assert_eq!(message(&app, hung).await["send_status"], "sending");
    // Its job redelivered (SQS is at least once): no second call.
    let again = deliver(&app, hung, &couriers).await;
    assert_eq!(again, SendOutcome::Skipped("not pending"));
    // A person cannot report over the sender's claim either.
    let over = app
        .put(
            &format!("/messages/{hung}/status"),
            json!({"send_status": "sent"}),
        )
        .await;
    assert_error(&over, 409, "conflict");
    // The sweep before the claim ends leaves it; after, it is `delivery_unknown`.
    let early = app.crm.sweep_sends(Duration::ZERO).await.expect("swept");
    assert!(early.unknown.is_empty(), "{early:?}");
    clock.advance(121);
    let sweep = app.crm.sweep_sends(Duration::ZERO).await.expect("swept");
    assert_eq!(sweep.unknown.len(), 1, "{sweep:?}");
    let m = message(&app, hung).await;
    assert_eq!(
        (m["send_status"].as_str(), m["error_code"].as_str()),
        (Some("failed"), Some("delivery_unknown"))
    );
    assert_eq!(twilio.received_requests().await.map(|r| r.len()), Some(3));
}

const SECRET: &str = "chat-delivery-secret-0123456789abcdef";

/// Checks a delivery's `X-CRM-Signature` as a receiver would, written from
/// docs/sending.md's description (not the sender's code): HMAC-SHA256 of
/// `"<t>.<raw body>"` keyed by the secret, hex, `t` within 5 minutes.
struct SignedWith(String);

impl wiremock::Match for SignedWith {
    fn matches(&self, request: &Request) -> bool {
        let Some(header) = request
            .headers
            .get("x-crm-signature")
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        let parts: HashMap<&str, &str> = header
            .split(',')
            .filter_map(|p| p.split_once('='))
            .collect();
        let (Some(t), Some(v1)) = (parts.get("t"), parts.get("v1")) else {
            return false;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        if t.parse::<i64>().map_or(true, |t| (now - t).abs() > 300) {
            return false;
        }
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(self.0.as_bytes()).expect("any key length");
        mac.update(format!("{t}.").as_bytes());
        mac.update(&request.body);
        hex::decode(v1).is_ok_and(|tag| mac.verify_slice(&tag).is_ok())
    }
}

#[tokio::test]
async fn a_chat_reply_reaches_the_widget_signed_and_once() {
    let widget = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/deliver"))
        .and(SignedWith(SECRET.to_string()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&widget)
        .await;
    let (app, _) = spawn_sending_app(|s| s.sending.chat_webhook = true, None, None).await;
    let url = format!("{}/deliver", widget.uri());
    let courier = WebhookCourier::new(
        Some((url.as_str(), SECRET.as_bytes())),
        false,
        Duration::from_secs(5),
    )
    .expect("client");
    let couriers = Couriers::new().with(Arc::new(courier));
    let bob = app
        .customer(json!({"name": "Bob", "email": "bob@example.com"}))
        .await;
    let r = app
        .post(
            "/log",
            json!({"customer_id": bob, "channel": "chat", "channel_identifier": "visitor-42",
                "direction": "outbound", "message_body": "Hi Bob, how can we help?", "send": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let id = r.get("log_id").as_i64().expect("log_id");
    assert_eq!(message(&app, id).await["provider"], "webhook");
    let outcome = deliver(&app, id, &couriers).await;
    assert_eq!(outcome, SendOutcome::Sent);
    // Delivered twice (a duplicate job): no second POST.
    let again = deliver(&app, id, &couriers).await;
    assert_eq!(again, SendOutcome::Skipped("not pending"));
    let m = message(&app, id).await;
    assert_eq!(m["send_status"], "sent");
    assert_eq!(m["provider_message_id"], id.to_string());
    let calls = widget.received_requests().await.expect("recorded");
    assert_eq!(
        calls[0].headers["x-crm-delivery-id"],
        id.to_string().as_str()
    );
    let body: Value = serde_json::from_slice(&calls[0].body).expect("json");
    assert_eq!(body["message_body"], "Hi Bob, how can we help?");
    assert_eq!(body["to"], "visitor-42");
    assert_eq!(body["log_id"], id);
}

#[tokio::test]
async fn with_no_provider_a_reply_waits_for_an_external_sender() {
    let queue = Arc::new(RecordingQueue::default());
    let app = crm_tests::spawn_app_with_queue(queue.clone()).await;
    let ann = app.customer(json!({"name": "Ann", "phone": PHONE})).await;
    let r = app
        .post(
            "/log",
            json!({"customer_id": ann, "channel": "sms", "channel_identifier": PHONE,
                "direction": "outbound", "message_body": "Your code is 1234", "send": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let id = r.get("log_id").as_i64().expect("log_id");
    // A message only logged (the guide's meaning) is not the CRM's to send.
    let (logged, _) = app.log(ann, "outbound", "sent by the caller").await;
    let m = message(&app, id).await;
    assert_eq!(
        (m["send_status"].as_str(), m["provider"].as_str()),
        (Some("pending"), Some("external"))
    );
    let listed = app.get("/messages/outbound").await;
    let ids: Vec<i64> = listed
        .get("messages")
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["log_id"].as_i64())
        .collect();
    assert_eq!(ids, [id]);
    let no_resend = app
        .post(&format!("/messages/{logged}/resend"), json!({}))
        .await;
    assert_error(&no_resend, 409, "conflict");

    // Leased exactly as the unprocessed list is.
    let first = app.get("/messages/outbound?lease_seconds=60").await;
    assert_eq!(first.get("count"), 1, "{:?}", first.body);
    assert!(first.get("messages")[0]["lease_token"].is_string());
    let second = app.get("/messages/outbound?lease_seconds=60").await;
    assert_eq!(second.get("count"), 0, "{:?}", second.body);

    // The external sender reports back: it leaves the list.
    let sending = app
        .put(
            &format!("/messages/{id}/status"),
            json!({"send_status": "sending"}),
        )
        .await;
    assert_error(&sending, 400, "validation_error");
    let sent = app
        .put(
            &format!("/messages/{id}/status"),
            json!({"send_status": "sent"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    assert_eq!(app.get("/messages/outbound").await.get("count"), 0);
    assert!(message(&app, id).await["sent_at"].is_string());

    // What `send` may not be combined with.
    for (body, field) in [
        (json!({"direction": "inbound"}), "send"),
        (json!({"send_status": "sent"}), "send"),
        (json!({"twilio_message_sid": SID}), "send"),
    ] {
        let mut request = json!({"customer_id": ann, "channel": "sms", "channel_identifier": PHONE,
            "direction": "outbound", "message_body": "x", "send": true});
        for (k, v) in body.as_object().expect("object") {
            request[k] = v.clone();
        }
        let r = app.post("/log", request).await;
        assert_error(&r, 400, "validation_error");
        assert!(r.body.to_string().contains(field), "{:?}", r.body);
    }
}

/// The SMTP server the test command started (`.ci/smtp-server.sh`): its
/// URL and the Maildir it stores what it accepts in.
fn smtp_server() -> (String, std::path::PathBuf) {
    let get = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| {
                panic!(
                    "the email tests need the SMTP server: run `make test`, or \
                     `eval \"$(bash .ci/smtp-server.sh start)\"` first ({name} is unset)"
                )
            })
    };
    (
        get("CRM_TEST_SMTP_URL"),
        get("CRM_TEST_SMTP_MAILDIR").into(),
    )
}

/// The messages the SMTP server stored for `to`, waiting (≤ 10 s) for `n`.
async fn mailbox(maildir: &std::path::Path, to: &str, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let mut found = Vec::new();
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(maildir.join(sub))
                .into_iter()
                .flatten()
                .flatten()
            {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                if text
                    .lines()
                    .any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))
                {
                    found.push(text);
                }
            }
        }
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {n} message(s) to {to} in {}", maildir.display());
}

#[tokio::test]
async fn an_approved_email_reply_reaches_the_inbox_once_in_its_thread() {
    let (url, maildir) = smtp_server();
    let (queue, sender) = crm_sender::local::channel();
    let (app, replies) = spawn_sending_app(
        |s| s.sending.email = Some(crm_domain::sending::Provider::Smtp),
        Some(Arc::new(queue)),
        None,
    )
    .await;
    let courier = crm_couriers::smtp::SmtpCourier::new(
        &url,
        "Support <support@crm.example.com>",
        Duration::from_secs(5),
    )
    .expect("courier");
    sender.spawn(
        app.crm.clone(),
        Couriers::new().with(Arc::new(courier)),
        Duration::from_secs(3600),
    );
    let to = format!("carol.{}@example.com", uuid::Uuid::new_v4().simple());
    let carol = app.customer(json!({"name": "Carol", "email": to})).await;
    let parent = format!("<{}@mail.example.com>", uuid::Uuid::new_v4().simple());
    let (context, id) = logged_and_drafted(
        &app,
        &replies,
        json!({"customer_id": carol, "channel": "email", "channel_identifier": to,
            "direction": "inbound", "message_subject": "Order 1234", "message_body": "Where is my order?",
            "external_message_id": parent}),
    )
    .await;
    let approved = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": id, "edited_body": "It left our warehouse today.", "edited_subject": null}),
        )
        .await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    let sent = approved.get("data")["message_id"].as_i64().expect("id");

    let m = settled(&app, sent).await;
    assert_eq!(
        (m["send_status"].as_str(), m["provider"].as_str()),
        (Some("sent"), Some("smtp")),
        "{m}"
    );
    let message_id = m["provider_message_id"]
        .as_str()
        .expect("Message-ID")
        .to_string();
    let mail = mailbox(&maildir, &to, 1).await;
    assert_eq!(mail.len(), 1, "exactly one email");
    let headers: HashMap<String, String> = mail[0]
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
        .collect();
    assert_eq!(headers["subject"], "Re: Order 1234");
    assert_eq!(headers["in-reply-to"], parent);
    assert_eq!(headers["references"], parent);
    assert_eq!(headers["message-id"], message_id);
    assert!(
        headers["from"].contains("support@crm.example.com"),
        "{headers:?}"
    );
    assert!(
        mail[0].contains("It left our warehouse today."),
        "{}",
        mail[0]
    );
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_retried_not_failed() {
    // A port nothing listens on: the connection is refused, nothing was sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let (app, _) = spawn_sending_app(
        |s| s.sending.email = Some(crm_domain::sending::Provider::Smtp),
        None,
        None,
    )
    .await;
    let courier = crm_couriers::smtp::SmtpCourier::new(
        &format!("smtp://127.0.0.1:{port}"),
        "support@crm.example.com",
        Duration::from_secs(2),
    )
    .expect("courier");
    let couriers = Couriers::new().with(Arc::new(courier));
    let dave = app
        .customer(json!({"name": "Dave", "email": "dave@example.com"}))
        .await;
    let r = app
        .post(
            "/log",
            json!({"customer_id": dave, "channel": "email", "channel_identifier": "dave@example.com",
                "direction": "outbound", "message_subject": "Hello", "message_body": "Hi Dave", "send": true}),
        )
        .await;
    let id = r.get("log_id").as_i64().expect("log_id");
    let outcome = deliver(&app, id, &couriers).await;
    assert!(matches!(outcome, SendOutcome::RetryIn(_)), "{outcome:?}");
    let m = message(&app, id).await;
    assert_eq!(
        (m["send_status"].as_str(), m["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert!(
        m["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("unreachable"),
        "{m}"
    );
}

const SIGNING_KEY: &str = "delivery-signing-key-for-tests-0123456789";

/// A Telegram connection with a fresh id: (its id, its ingest `api_secret`).
async fn telegram_connection(app: &TestApp) -> (String, String) {
    let id = format!("tg_{}", uuid::Uuid::new_v4().simple());
    let created = app
        .post(
            "/ingest/connections",
            json!({"platform": "telegram", "name": "Telegram bot", "connection_id": id}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let secret = created
        .get("api_secret")
        .as_str()
        .expect("secret")
        .to_string();
    (id, secret)
}

/// One inbound Telegram message ingested through connection `id`, drafted
/// by the worker: (the conversation, the pending suggestion's id).
async fn ingested_and_drafted(
    app: &TestApp,
    replies: &RecordingQueue,
    (id, secret): &(String, String),
) -> (String, Value) {
    let now = crm_domain::types::rfc3339(time::OffsetDateTime::now_utc());
    let batch = json!({"platform": "telegram", "connection_id": id, "conversations": [
        {"external_conversation_id": "chat_1", "participant_identifier": "@mira", "participant_name": "Mira",
         "messages": [{"id": "m1", "direction": "inbound", "type": "text", "content": "Do you ship to Oslo?", "sent_at": now}]}]});
    let r = app
        .raw(
            "POST",
            "/functions/v1/messaging-ingest",
            batch.to_string().as_bytes(),
            Some("application/json"),
            Some(secret),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let jobs = replies.take();
    assert_eq!(jobs.len(), 1, "one reply job");
    let context = jobs[0].0.context_id.to_string();
    app.crm
        .draft_reply(&jobs[0].0, &CountingModel::default())
        .await
        .expect("drafted");
    let id = pending_suggestion(app, &context).await;
    (context, id)
}

#[tokio::test]
async fn a_reply_to_an_ingested_conversation_reaches_its_connection_signed_with_its_secret() {
    let connector = MockServer::start().await;
    let (app, replies) = spawn_sending_app(
        |s| {
            s.sending.signing_key =
                Some(crm_domain::sending::SigningKey::new(SIGNING_KEY).expect("key"));
            s.sending.allow_private_delivery = true;
        },
        None,
        None,
    )
    .await;
    let couriers = Couriers::new().with(Arc::new(
        WebhookCourier::new(None, true, Duration::from_secs(5)).expect("client"),
    ));
    let connection = telegram_connection(&app).await;
    let (id, _) = &connection;
    let url = format!("{}/telegram/outbound", connector.uri());
    let set = app
        .patch(
            &format!("/ingest/connections/{id}"),
            json!({"delivery_url": url}),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    assert_eq!(set.get("delivery_url"), url.as_str());
    let first = set
        .get("delivery_secret")
        .as_str()
        .expect("shown once")
        .to_string();
    assert_eq!(first.len(), 64);
    let shown = app.get(&format!("/ingest/connections/{id}")).await;
    assert_eq!(shown.get("delivery_url"), url.as_str());
    assert!(
        shown.body.get("delivery_secret").is_none(),
        "{:?}",
        shown.body
    );

    // The reply goes to the connection, signed with its secret.
    Mock::given(method("POST"))
        .and(path("/telegram/outbound"))
        .and(SignedWith(first.clone()))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&connector)
        .await;
    let (context, suggestion) = ingested_and_drafted(&app, &replies, &connection).await;
    let approved = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": suggestion, "edited_body": "Yes, in 3 days."}),
        )
        .await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
    let sent = approved.get("data")["message_id"].as_i64().expect("id");
    assert_eq!(message(&app, sent).await["provider"], "webhook");
    let outcome = deliver(&app, sent, &couriers).await;
    assert_eq!(outcome, SendOutcome::Sent, "{}", message(&app, sent).await);
    let calls = connector.received_requests().await.expect("recorded");
    let body: Value = serde_json::from_slice(&calls[0].body).expect("json");
    assert_eq!(
        (body["to"].as_str(), body["channel"].as_str()),
        (Some("@mira"), Some("telegram"))
    );
    connector.verify().await;
    connector.reset().await;

    // Rotated: the next delivery is signed with the new secret only.
    let rotated = app
        .post(
            &format!("/ingest/connections/{id}/rotate-delivery-secret"),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let second = rotated
        .get("delivery_secret")
        .as_str()
        .expect("new")
        .to_string();
    assert_ne!(second, first);
    Mock::given(method("POST"))
        .and(SignedWith(second))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&connector)
        .await;
    let reply = app
        .post(
            &format!("/conversations/{context}/reply"),
            json!({"body": "Tracking: TG123"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    let next = reply.get("data")["message_id"].as_i64().expect("id");
    let outcome = deliver(&app, next, &couriers).await;
    assert_eq!(outcome, SendOutcome::Sent);

    // Without a URL there is nothing to rotate.
    let removed = app
        .patch(
            &format!("/ingest/connections/{id}"),
            json!({"delivery_url": ""}),
        )
        .await;
    assert_eq!(removed.get("delivery_url"), &Value::Null);
    let none = app
        .post(
            &format!("/ingest/connections/{id}/rotate-delivery-secret"),
            json!({}),
        )
        .await;
    assert_error(&none, 409, "conflict");
}

#[tokio::test]
async fn a_delivery_url_is_refused_private_addresses_when_set_and_when_used() {
    let (app, replies) = spawn_sending_app(
        |s| {
            s.sending.signing_key =
                Some(crm_domain::sending::SigningKey::new(SIGNING_KEY).expect("key"));
        },
        None,
        None,
    )
    .await;
    let connection = telegram_connection(&app).await;
    let (id, _) = &connection;
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8443/x",
        "https://user:pw@hooks.example.com/x",
    ] {
        let r = app
            .patch(
                &format!("/ingest/connections/{id}"),
                json!({"delivery_url": url}),
            )
            .await;
        assert_error(&r, 400, "validation_error");
    }
    // A name is checked when it is used: `localhost` resolves to loopback.
    let receiver = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    receiver.set_nonblocking(true).expect("nonblocking");
    let port = receiver.local_addr().expect("addr").port();
    let set = app
        .patch(
            &format!("/ingest/connections/{id}"),
            json!({"delivery_url": format!("https://localhost:{port}/x")}),
        )
        .await;
    assert_eq!(set.status, 200, "{:?}", set.body);
    let (context, suggestion) = ingested_and_drafted(&app, &replies, &connection).await;
    let approved = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": suggestion}),
        )
        .await;
    let sent = approved.get("data")["message_id"].as_i64().expect("id");
    let couriers = Couriers::new().with(Arc::new(
        WebhookCourier::new(None, false, Duration::from_secs(2)).expect("client"),
    ));
    let outcome = deliver(&app, sent, &couriers).await;
    assert_eq!(
        outcome,
        SendOutcome::Failed {
            code: "private_address".into()
        }
    );
    assert!(
        receiver.accept().is_err(),
        "nothing connected to the private address"
    );
    // A deployment without a signing key cannot sign, so takes no URL.
    let (unsigned, _) = spawn_sending_app(|_| {}, None, None).await;
    let (other, _) = telegram_connection(&unsigned).await;
    let r = unsigned
        .patch(
            &format!("/ingest/connections/{other}"),
            json!({"delivery_url": "https://hooks.example.com/x"}),
        )
        .await;
    assert_error(&r, 400, "validation_error");
}

/// moto's server (the test command starts it for SQS; it serves SES too).
fn moto() -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "the SES test needs moto's server: run `make test`, or \
                 `eval \"$(bash .ci/sqs-emulator.sh start)\"` first"
            )
        })
}

/// An SES event as EventBridge delivers it for message `log_id`, SES id `id`.
fn ses_event(kind: &str, detail_type: &str, id: &str, log_id: i64, extra: Value) -> Value {
    let mut detail = json!({"eventType": kind, "mail": {"messageId": id, "timestamp": "2026-12-08T10:00:00.000Z",
        "tags": {"log_id": [log_id.to_string()], "ses:configuration-set": ["crm-replies"]}}});
    if let (Some(d), Some(e)) = (detail.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    json!({"version": "0", "source": "aws.ses", "detail-type": detail_type, "account": "123456789012",
        "region": "us-east-1", "detail": detail})
}

#[tokio::test]
async fn an_email_reply_goes_through_ses_once_and_its_events_come_back() {
    let endpoint = moto();
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "dummy", "dummy", None, None, "test",
        ))
        .endpoint_url(&endpoint)
        .load()
        .await;
    let ses = aws_sdk_sesv2::Client::new(&config);
    ses.create_email_identity()
        .email_identity("support@crm.example.com")
        .send()
        .await
        .expect("identity");
    let couriers = Couriers::new().with(Arc::new(crm_couriers::ses::SesCourier::new(
        ses,
        "support@crm.example.com",
        "crm-replies",
    )));
    let (app, _) = spawn_sending_app(
        |s| s.sending.email = Some(crm_domain::sending::Provider::Ses),
        None,
        None,
    )
    .await;
    let to = format!("erin.{}@example.com", uuid::Uuid::new_v4().simple());
    let erin = app.customer(json!({"name": "Erin", "email": to})).await;
    let send = |body: &str| {
        json!({"customer_id": erin, "channel": "email", "channel_identifier": to, "direction": "outbound",
            "message_subject": "Your order", "message_body": body, "send": true})
    };
    let first = app.post("/log", send("It ships today.")).await;
    let id = first.get("log_id").as_i64().expect("log_id");
    assert_eq!(deliver(&app, id, &couriers).await, SendOutcome::Sent);
    let m = message(&app, id).await;
    assert_eq!(m["provider"], "ses");
    let ses_id = m["provider_message_id"]
        .as_str()
        .expect("SES MessageId")
        .to_string();
    // What moto's SES received: exactly this one email to Erin.
    let data: Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto data")
        .json()
        .await
        .expect("json");
    let sent: Vec<&Value> = data["ses"]["Message"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == to.as_str())
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["id"], ses_id.as_str());
    assert_eq!(
        (sent[0]["subject"].as_str(), sent[0]["body"].as_str()),
        (Some("Your order"), Some("It ships today."))
    );

    // Its events, as the SenderFunction receives them from EventBridge.
    let event = |kind: &str, dt: &str, extra: Value| ses_event(kind, dt, &ses_id, id, extra);
    let handle = |payload: Value| {
        let (crm, couriers) = (app.crm.clone(), couriers.clone());
        async move {
            crm_sender::handle_event(&crm, &couriers, payload)
                .await
                .expect("handled")["applied"]
                .clone()
        }
    };
    assert_eq!(
        handle(event("Delivery", "Email Delivered", json!({}))).await,
        true
    );
    assert_eq!(
        handle(event("Delivery", "Email Delivered", json!({}))).await,
        false,
        "once"
    );
    assert_eq!(handle(event("Open", "Email Opened", json!({}))).await, true);
    assert_eq!(
        handle(event("Open", "Email Opened", json!({}))).await,
        false,
        "first open only"
    );
    assert_eq!(
        handle(event("Click", "Email Clicked", json!({}))).await,
        true
    );
    let m = message(&app, id).await;
    assert_eq!(m["send_status"], "delivered");
    assert!(
        m["delivered_at"].is_string() && m["opened_at"].is_string() && m["clicked_at"].is_string(),
        "{m}"
    );
    // A report naming another SES id changes nothing (a tag is not proof).
    let forged = ses_event(
        "Bounce",
        "Email Bounced",
        "not-this-one",
        id,
        json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "General"}}),
    );
    assert_eq!(handle(forged).await, false);
    assert_eq!(message(&app, id).await["send_status"], "delivered");

    // A hard bounce fails the next one; a complaint opts Erin out of email.
    let second = app.post("/log", send("Tracking: 123")).await;
    let bounced = second.get("log_id").as_i64().expect("log_id");
    assert_eq!(deliver(&app, bounced, &couriers).await, SendOutcome::Sent);
    let bounced_ses = message(&app, bounced).await["provider_message_id"]
        .as_str()
        .expect("id")
        .to_string();
    let bounce = ses_event(
        "Bounce",
        "Email Bounced",
        &bounced_ses,
        bounced,
        json!({"bounce": {"bounceType": "Permanent", "bounceSubType": "NoEmail"}}),
    );
    assert_eq!(handle(bounce).await, true);
    let m = message(&app, bounced).await;
    assert_eq!(
        (m["send_status"].as_str(), m["error_code"].as_str()),
        (Some("failed"), Some("bounce"))
    );
    assert!(
        m["error_message"]
            .as_str()
            .unwrap_or("")
            .contains("Permanent/NoEmail"),
        "{m}"
    );
    assert_eq!(
        handle(ses_event(
            "Complaint",
            "Email Complaint Received",
            &ses_id,
            id,
            json!({})
        ))
        .await,
        true
    );
    let c = app.get(&format!("/customers/{erin}")).await;
    assert_eq!(c.get("opted_out"), &json!(["email"]), "{:?}", c.body);
    // Seed 001's email figures: 2 emails through SES, 1 opened, 1 clicked.
    let stats = app.get("/conversations/stats").await;
    assert_eq!(
        (
            stats.get("emails_opened_week").as_i64(),
            stats.get("emails_clicked_week").as_i64(),
            stats.get("open_rate_week").as_f64(),
            stats.get("click_rate_week").as_f64()
        ),
        (Some(1), Some(1), Some(50.0), Some(50.0)),
        "{:?}",
        stats.body
    );
    // An event of a type the CRM does not use is acknowledged, not applied.
    assert_eq!(handle(event("Send", "Email Sent", json!({}))).await, false);
}
