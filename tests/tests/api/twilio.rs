//! Twilio as a caller (issue 11): signed status callbacks move a message's
//! status forward and never back, forged ones change nothing, and a log
//! carrying a `MessageSid` is logged once. Over HTTP, on either store.

use crm_tests::{assert_error, spawn_app_configured, twilio_signature, TestApp};
use serde_json::{json, Value};

const TOKEN: &str = "twilio-test-auth-token-0123";
const SID: &str = "SM0123456789abcdef0123456789abcdef";

async fn app() -> TestApp {
    spawn_app_configured(|s| {
        s.twilio.auth_token = crm_domain::twilio::AuthToken::new(TOKEN);
    })
    .await
}

/// A customer and an outbound message logged with Twilio's SID `sid`; its log id.
async fn sent_message(app: &TestApp, sid: &str) -> i64 {
    let customer = app
        .customer(json!({"name": "Ada", "phone": "+14165551234"}))
        .await;
    let r = app
        .post(
            "/log",
            json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165551234",
                "direction": "outbound", "message_body": "Your order shipped", "send_status": "pending",
                "twilio_message_sid": sid}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.get("log_id").as_i64().expect("log_id")
}

fn callback<'a>(sid: &'a str, status: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("From", "+15005550006"),
        ("To", "+14165551234"),
        ("ApiVersion", "2010-04-01"),
    ]
}

async fn message(app: &TestApp, id: i64) -> Value {
    let r = app.get(&format!("/messages/{id}")).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

#[tokio::test]
async fn signed_callbacks_move_the_status_forward_and_never_back() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    let path = format!("/messages/{id}/status");
    // (callback, applied?, send_status after, provider_status after)
    let steps = [
        ("queued", true, "pending", "queued"),
        ("sent", true, "sent", "sent"),
        ("delivered", true, "delivered", "delivered"),
        // Late: ranked below what is stored.
        ("sending", false, "delivered", "delivered"),
        ("sent", false, "delivered", "delivered"),
        // Another final status: the first final one stands.
        ("failed", false, "delivered", "delivered"),
        // Twice.
        ("delivered", false, "delivered", "delivered"),
        ("read", true, "delivered", "read"),
    ];
    for (status, applied, send_status, provider_status) in steps {
        let r = app.twilio(TOKEN, &path, &callback(SID, status)).await;
        assert_eq!(r.status, 200, "{status}: {:?}", r.body);
        assert_eq!(r.get("applied"), applied, "{status}: {:?}", r.body);
        assert_eq!(r.get("send_status"), send_status, "{status}");
        assert_eq!(r.get("provider_status"), provider_status, "{status}");
        let m = message(&app, id).await;
        assert_eq!(m["send_status"], send_status, "{status}");
        assert_eq!(m["provider_status"], provider_status, "{status}");
    }
    let m = message(&app, id).await;
    assert_eq!(m["twilio_message_sid"], SID);
    assert!(m["status_updated_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert_eq!(m["error_code"], Value::Null);
}

#[tokio::test]
async fn a_failed_callback_keeps_its_error_code_and_lists_the_message_as_failed() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    let path = format!("/messages/{id}/status");
    let mut failed = callback(SID, "undelivered");
    failed.push(("ErrorCode", "30003"));
    let r = app.twilio(TOKEN, &path, &failed).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("send_status"), "failed");
    let m = message(&app, id).await;
    assert_eq!(m["error_code"], "30003");
    assert_eq!(m["provider_status"], "undelivered");
    let listed = app.get("/messages/failed").await;
    assert_eq!(listed.get("count"), 1, "{:?}", listed.body);
    assert_eq!(listed.body["messages"][0]["log_id"], id);
    // A `delivered` arriving after (same rank) does not revive it.
    let r = app.twilio(TOKEN, &path, &callback(SID, "delivered")).await;
    assert_eq!(r.get("applied"), false);
    assert_eq!(app.get("/messages/failed").await.get("count"), 1);
}

#[tokio::test]
async fn callbacks_arriving_at_once_in_any_order_end_at_the_highest_status() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    let path = format!("/messages/{id}/status");
    let order = [
        "read",
        "sent",
        "queued",
        "delivered",
        "sending",
        "delivered",
        "sent",
    ];
    let calls = order.map(|status| {
        let (app, path) = (&app, &path);
        async move { app.twilio(TOKEN, path, &callback(SID, status)).await }
    });
    let replies = futures::future::join_all(calls).await;
    assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");
    let m = message(&app, id).await;
    assert_eq!(m["provider_status"], "read");
    assert_eq!(m["send_status"], "delivered");
}

#[tokio::test]
async fn forged_or_unsigned_callbacks_are_refused_and_change_nothing() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    let path = format!("/messages/{id}/status");
    let params = callback(SID, "failed");
    let url = format!("{}{}", app.base, path);
    let before = message(&app, id).await;
    let forged = [
        // No signature.
        None,
        // Signed with another token.
        Some(twilio_signature("not-the-token", &url, &params)),
        // Signed for another message's URL.
        Some(twilio_signature(
            TOKEN,
            &format!("{}/messages/999/status", app.base),
            &params,
        )),
        // Signed over other parameters.
        Some(twilio_signature(TOKEN, &url, &callback(SID, "delivered"))),
        Some(String::from("garbage")),
    ];
    for signature in forged {
        let r = app.post_form(&path, &params, signature.as_deref()).await;
        assert_error(&r, 403, "forbidden");
    }
    assert_eq!(message(&app, id).await, before);
    // The API key is not a substitute for the signature.
    let r = app
        .raw(
            "POST",
            &path,
            b"MessageSid=x&MessageStatus=failed",
            Some("application/x-www-form-urlencoded"),
            Some(crm_tests::TEST_KEY),
        )
        .await;
    assert_error(&r, 403, "forbidden");
    // Without a configured token every callback is refused, however signed.
    let unconfigured = spawn_app_configured(|s| s.twilio.auth_token = None).await;
    let r = unconfigured
        .twilio(TOKEN, "/messages/1/status", &params)
        .await;
    assert_error(&r, 403, "forbidden");
    // The guide's PUT still takes the API key and JSON.
    let r = app.put(&path, json!({"send_status": "failed"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn valid_signatures_with_bad_content_are_4xx() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    // An unknown message: 404 (Twilio does not retry it).
    let r = app
        .twilio(TOKEN, "/messages/424242/status", &callback(SID, "sent"))
        .await;
    assert_error(&r, 404, "not_found");
    let r = app
        .twilio(TOKEN, "/messages/abc/status", &callback(SID, "sent"))
        .await;
    assert_error(&r, 400, "validation_error");
    let path = format!("/messages/{id}/status");
    let r = app.twilio(TOKEN, &path, &[("MessageSid", SID)]).await;
    assert_error(&r, 400, "validation_error");
    assert_eq!(r.get("field"), "MessageStatus");
    let r = app.twilio(TOKEN, &path, &callback(SID, "teleported")).await;
    assert_error(&r, 400, "validation_error");
    // Another message's SID: the message keeps its own.
    let other = "SMffffffffffffffffffffffffffffffff";
    let r = app.twilio(TOKEN, &path, &callback(other, "sent")).await;
    assert_error(&r, 409, "conflict");
    // JSON instead of Twilio's form.
    let r = app
        .raw(
            "POST",
            &path,
            br#"{"MessageSid":"x"}"#,
            Some("application/json"),
            None,
        )
        .await;
    assert_error(&r, 415, "unsupported_media_type");
    assert_eq!(message(&app, id).await["provider_status"], Value::Null);
}

#[tokio::test]
async fn the_webhook_finds_the_message_by_its_sid() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    let r = app
        .twilio(
            TOKEN,
            "/webhooks/twilio/status",
            &callback(SID, "delivered"),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("log_id"), id);
    assert_eq!(message(&app, id).await["send_status"], "delivered");
    let unknown = "SMeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
    let r = app
        .twilio(
            TOKEN,
            "/webhooks/twilio/status",
            &callback(unknown, "delivered"),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = app
        .post_form("/webhooks/twilio/status", &callback(SID, "read"), None)
        .await;
    assert_error(&r, 403, "forbidden");
}

#[tokio::test]
async fn the_signed_url_is_the_configured_public_one() {
    let base = "https://crm.example.com/api";
    let app = spawn_app_configured(|s| {
        s.twilio.auth_token = crm_domain::twilio::AuthToken::new(TOKEN);
        s.twilio.public_base_url = Some(base.into());
    })
    .await;
    let id = sent_message(&app, SID).await;
    let path = format!("/messages/{id}/status");
    let params = callback(SID, "sent");
    // Signed over this server's own address: not the URL Twilio was given.
    let r = app.twilio(TOKEN, &path, &params).await;
    assert_error(&r, 403, "forbidden");
    let signature = twilio_signature(TOKEN, &format!("{base}{path}"), &params);
    let r = app.post_form(&path, &params, Some(&signature)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("send_status"), "sent");
}

#[tokio::test]
async fn a_log_retried_with_the_same_sid_is_logged_once() {
    let app = app().await;
    let customer = app
        .customer(json!({"name": "Ada", "phone": "+14165551234"}))
        .await;
    let body = json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165551234",
        "direction": "inbound", "message_body": "hello", "metadata": {"twilio_message_sid": SID}});
    let calls = (0..20).map(|_| app.post("/log", body.clone()));
    let replies = futures::future::join_all(calls).await;
    for r in &replies {
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body, replies[0].body);
    }
    let context = replies[0].get("context_id").as_str().expect("context_id");
    let listed = app.get(&format!("/messages/context/{context}")).await;
    assert_eq!(listed.get("count"), 1, "{:?}", listed.body);
    assert_eq!(listed.body["messages"][0]["twilio_message_sid"], SID);
    let conversation = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(conversation.get("message_count"), 1);
    // The top-level field is the same SID.
    let mut top = body.clone();
    top["twilio_message_sid"] = json!(SID);
    top.as_object_mut().expect("object").remove("metadata");
    let r = app.post("/log", top).await;
    assert_eq!(r.body, replies[0].body);
    // Another customer cannot log a message under that SID.
    let other = app.customer(json!({"email": "bo@example.com"})).await;
    let mut theirs = body.clone();
    theirs["customer_id"] = json!(other);
    let r = app.post("/log", theirs).await;
    assert_error(&r, 409, "conflict");
    // Free-form metadata that is not a SID is only metadata; a bad top-level one is a 400.
    let mut loose = body.clone();
    loose["metadata"] = json!({"twilio_message_sid": "not a sid!"});
    let a = app.post("/log", loose.clone()).await;
    let b = app.post("/log", loose).await;
    assert_ne!(a.get("log_id"), b.get("log_id"));
    let mut bad = body.clone();
    bad["twilio_message_sid"] = json!("SM-1");
    assert_error(&app.post("/log", bad).await, 400, "validation_error");
    let mut differs = body;
    differs["twilio_message_sid"] = json!("SM0000000000000000000000000000000a");
    assert_error(&app.post("/log", differs).await, 400, "validation_error");
}

#[tokio::test]
async fn a_callback_costs_one_or_two_store_calls() {
    let app = app().await;
    let id = sent_message(&app, SID).await;
    let path = format!("/messages/{id}/status");
    // (path, status, store calls): applied by log id 1; late 2 (the read
    // that tells it from a missing message); by SID +1 (the reservation);
    // refused 0.
    for (path, status, bound) in [
        (path.as_str(), "sent", 1),
        (path.as_str(), "queued", 2),
        ("/webhooks/twilio/status", "delivered", 2),
    ] {
        app.store.reset();
        let r = app.twilio(TOKEN, path, &callback(SID, status)).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(
            app.store.total(),
            bound,
            "{path} {status}: {:?}",
            app.store.by_operation()
        );
    }
    app.store.reset();
    let r = app.post_form(&path, &callback(SID, "read"), None).await;
    assert_eq!(r.status, 403);
    assert_eq!(app.store.total(), 0);
}

fn inbound<'a>(sid: &'a str, from: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("MessageSid", sid),
        ("SmsMessageSid", sid),
        ("SmsSid", sid),
        ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
        ("From", from),
        ("To", "+15005550006"),
        ("Body", body),
        ("NumMedia", "0"),
        ("ApiVersion", "2010-04-01"),
    ]
}

#[tokio::test]
async fn inbound_messages_are_logged_once_for_their_sender_and_answered_with_twiml() {
    let app = app().await;
    let known = app
        .customer(json!({"name": "Ada", "phone": "+1 416 555 1234"}))
        .await;
    // Twilio retries the webhook: the message is logged once.
    for _ in 0..3 {
        let r = app
            .twilio(
                TOKEN,
                "/webhooks/twilio/messages",
                &inbound(SID, "+14165551234", "Is my order late?"),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(r.content_type.starts_with("text/xml"), "{}", r.content_type);
    }
    // A retry costs one read (the SID's reservation) and writes nothing.
    app.store.reset();
    let r = app
        .twilio(
            TOKEN,
            "/webhooks/twilio/messages",
            &inbound(SID, "+14165551234", "Is my order late?"),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.store.total(), 1, "{:?}", app.store.by_operation());
    let messages = app.get(&format!("/messages/customer/{known}")).await;
    assert_eq!(messages.get("count"), 1, "{:?}", messages.body);
    let m = &messages.body["messages"][0];
    assert_eq!(m["direction"], "inbound");
    assert_eq!(m["channel"], "sms");
    assert_eq!(m["message_body"], "Is my order late?");
    assert_eq!(m["twilio_message_sid"], SID);
    assert_eq!(m["processed"], false);
    // The conversation now needs a reply.
    let context = m["context_id"].as_str().expect("context");
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("message_count"), 1);
    assert_eq!(c.get("needs_reply"), true, "{:?}", c.body);
    // An unknown WhatsApp sender becomes a customer named by its profile.
    let wa_sid = "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut params = inbound(wa_sid, "whatsapp:+442071838750", "hello");
    params.push(("ProfileName", "Grace"));
    let r = app
        .twilio(TOKEN, "/webhooks/twilio/messages", &params)
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let found = app.get("/customers/%2B442071838750?by=phone").await;
    assert_eq!(found.status, 200, "{:?}", found.body);
    assert_eq!(found.get("name"), "Grace");
    let theirs = app
        .get(&format!("/messages/customer/{}", found.get("customer_id")))
        .await;
    assert_eq!(theirs.body["messages"][0]["channel"], "whatsapp");
}

#[tokio::test]
async fn inbound_webhooks_that_are_forged_or_malformed_log_nothing() {
    let app = app().await;
    let params = inbound(SID, "+14165551234", "hi");
    let r = app
        .post_form("/webhooks/twilio/messages", &params, None)
        .await;
    assert_error(&r, 403, "forbidden");
    let wrong = twilio_signature(
        "other-token",
        &format!("{}/webhooks/twilio/messages", app.base),
        &params,
    );
    let r = app
        .post_form("/webhooks/twilio/messages", &params, Some(&wrong))
        .await;
    assert_error(&r, 403, "forbidden");
    let r = app
        .twilio(
            TOKEN,
            "/webhooks/twilio/messages",
            &inbound(SID, "not a number", "hi"),
        )
        .await;
    assert_error(&r, 400, "validation_error");
    assert_eq!(r.get("field"), "From");
    assert_eq!(app.get("/messages").await.get("count"), 0);
    assert_eq!(app.get("/customers").await.get("count"), 0);
}
