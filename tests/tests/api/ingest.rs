//! Seed 002's ingest endpoint (issue 8): the seed's examples sent as
//! written, its errors with its sentences, deduplication (also under 20
//! concurrent identical requests), contact matching, the history window,
//! limits, and one bad conversation beside good ones.

use crm_tests::{assert_error, spawn_app, Reply, TestApp};
use serde_json::{json, Value};

const INGEST: &str = "/functions/v1/messaging-ingest";

/// Creates connection `id` of `platform`; returns its secret.
async fn connection(app: &TestApp, platform: &str, id: &str) -> String {
    let r = app
        .post(
            "/ingest/connections",
            json!({"platform": platform, "name": id, "connection_id": id}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.get("api_secret").as_str().expect("secret").to_string()
}

async fn ingest(app: &TestApp, secret: Option<&str>, body: &Value) -> Reply {
    app.raw(
        "POST",
        INGEST,
        body.to_string().as_bytes(),
        Some("application/json"),
        secret,
    )
    .await
}

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("now")
}

/// Seed 002, Example 1, verbatim.
fn example_1() -> Value {
    json!({
        "platform": "whatsapp",
        "connection_id": "wa_business_123",
        "conversations": [{
            "external_conversation_id": "chat_abc123",
            "participant_identifier": "+1234567890",
            "participant_name": "John Doe",
            "messages": [
                {"id": "msg_001", "direction": "inbound", "type": "text",
                 "content": "Hi, I am interested in your product", "sent_at": "2026-02-01T10:30:00Z"},
                {"id": "msg_002", "direction": "outbound", "type": "text",
                 "content": "Hello! Thanks for reaching out. How can I help?", "sent_at": "2026-02-01T10:32:00Z"}
            ]
        }]
    })
}

/// Seed 002, Example 2, verbatim.
fn example_2() -> Value {
    json!({
        "platform": "telegram",
        "connection_id": "tg_bot_456",
        "conversations": [
            {"external_conversation_id": "chat_user_1", "participant_identifier": "@johndoe",
             "participant_name": "John Doe",
             "messages": [{"id": "tg_msg_100", "direction": "inbound", "type": "image",
                           "content": "Product photo", "media_url": "https://example.com/images/product.jpg",
                           "sent_at": "2026-02-01T14:00:00Z"}]},
            {"external_conversation_id": "chat_user_2", "participant_identifier": "@janedoe",
             "participant_name": "Jane Doe",
             "messages": [{"id": "tg_msg_200", "direction": "inbound", "type": "text",
                           "content": "When will my order arrive?", "sent_at": "2026-02-01T15:30:00Z"}]}
        ]
    })
}

fn result(r: &Reply, i: usize) -> &Value {
    &r.body["results"][i]
}

#[tokio::test]
async fn seed_examples_answer_as_the_seed_shows_and_land_in_the_crm() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_business_123").await;
    let tg = connection(&app, "telegram", "tg_bot_456").await;
    let sig = connection(&app, "signal", "signal_123").await;

    // Example 1: one conversation, two text messages.
    let r = ingest(&app, Some(&wa), &example_1()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("success"), true);
    assert_eq!(r.get("processed"), 1);
    assert_eq!(result(&r, 0)["status"], "created");
    assert_eq!(result(&r, 0)["messages_added"], 2);
    let context = result(&r, 0)["conversation_id"]
        .as_str()
        .expect("context")
        .to_string();

    // The messages are CRM messages, with their platform facts.
    let listed = app.get(&format!("/messages/context/{context}")).await;
    assert_eq!(listed.get("count"), 2, "{:?}", listed.body);
    let first = &listed.body["messages"][0];
    assert_eq!(first["channel"], "whatsapp");
    assert_eq!(first["channel_identifier"], "+1234567890");
    assert_eq!(first["direction"], "inbound");
    assert_eq!(first["message_body"], "Hi, I am interested in your product");
    assert_eq!(first["message_type"], "text");
    assert_eq!(first["external_message_id"], "msg_001");
    assert_eq!(first["connection_id"], "wa_business_123");
    assert_eq!(first["sent_at"], "2026-02-01T10:30:00.000Z");
    // Sent in February: history, not work for the batch processors.
    assert_eq!(first["processed"], true);
    let customer = first["customer_id"].as_i64().expect("customer");
    let john = app.get(&format!("/customers/{customer}")).await;
    assert_eq!(john.get("name"), "John Doe");
    assert_eq!(john.get("phone_normalized"), "+1234567890");
    let ctx = app.get("/context/%2B1234567890?by=phone").await;
    assert_eq!(ctx.get("context_id"), &json!(context));
    assert_eq!(ctx.body["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(ctx.get("message_count"), 2);
    assert_eq!(ctx.get("last_channel"), "whatsapp");

    // A replay writes nothing and answers no_new_messages.
    app.store.reset();
    let again = ingest(&app, Some(&wa), &example_1()).await;
    assert_eq!(again.status, 200);
    assert_eq!(result(&again, 0)["status"], "no_new_messages");
    assert_eq!(result(&again, 0)["messages_added"], 0);
    assert_eq!(result(&again, 0)["conversation_id"], json!(context));
    let calls = app.store.by_operation();
    for write in ["PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"] {
        assert_eq!(calls[write], 0, "a replay makes no {write}: {calls:?}");
    }

    // Example 2: handles and media.
    let r = ingest(&app, Some(&tg), &example_2()).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("processed"), 2);
    for i in 0..2 {
        assert_eq!(result(&r, i)["status"], "created");
        assert_eq!(result(&r, i)["messages_added"], 1);
    }
    let photo_ctx = result(&r, 0)["conversation_id"]
        .as_str()
        .expect("ctx")
        .to_string();
    let photo = app.get(&format!("/messages/context/{photo_ctx}")).await;
    let photo = &photo.body["messages"][0];
    assert_eq!(photo["message_type"], "image");
    assert_eq!(photo["media_url"], "https://example.com/images/product.jpg");
    assert_eq!(photo["channel"], "telegram");
    let johndoe = app
        .get(&format!("/customers/{}", photo["customer_id"]))
        .await;
    assert_eq!(johndoe.get("identities"), &json!(["telegram:@johndoe"]));
    assert_ne!(
        photo["customer_id"].as_i64(),
        Some(customer),
        "a handle is not a phone"
    );

    // Example 3 (JavaScript): a new message of chat_abc123, sent now.
    let live = json!({
        "platform": "whatsapp", "connection_id": "wa_business_123",
        "conversations": [{"external_conversation_id": "chat_abc123", "participant_identifier": "+1234567890",
            "participant_name": "John Doe",
            "messages": [{"id": "msg_1732480000000", "direction": "inbound", "type": "text", "content": "Hello!", "sent_at": now()}]}]
    });
    let r = ingest(&app, Some(&wa), &live).await;
    assert_eq!(result(&r, 0)["status"], "updated", "{:?}", r.body);
    assert_eq!(result(&r, 0)["conversation_id"], json!(context));
    let unprocessed = app.get("/messages/unprocessed").await;
    let bodies: Vec<&str> = unprocessed.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["message_body"].as_str())
        .collect();
    assert!(
        bodies.contains(&"Hello!"),
        "live inbound is work: {bodies:?}"
    );
    assert!(!bodies.contains(&"Hi, I am interested in your product"));

    // Example 4 (Python): Signal, `datetime.utcnow().isoformat() + "Z"`.
    let py_now = time::OffsetDateTime::now_utc();
    let sent_at = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        py_now.year(),
        u8::from(py_now.month()),
        py_now.day(),
        py_now.hour(),
        py_now.minute(),
        py_now.second(),
        py_now.microsecond()
    );
    let r = ingest(&app, Some(&sig), &json!({
        "platform": "signal", "connection_id": "signal_123",
        "conversations": [{"external_conversation_id": "signal_chat_001", "participant_identifier": "+1987654321",
            "participant_name": "Alice Smith",
            "messages": [{"id": "sig_msg_001", "direction": "inbound", "type": "text",
                          "content": "Can we schedule a call?", "sent_at": sent_at}]}]
    })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(result(&r, 0)["status"], "created");
    let alice = app.get("/customers?phone=%2B1987654321").await;
    assert_eq!(alice.body["customers"][0]["name"], "Alice Smith");
}

#[tokio::test]
async fn every_error_of_seed_002_with_its_sentence() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_business_123").await;
    let check = |r: &Reply, status: u16, sentence: &str| {
        assert_eq!(r.status, status, "{:?}", r.body);
        assert_eq!(r.get("error"), sentence, "{:?}", r.body);
        assert!(r.get("code").is_string() && r.get("request_id").is_string());
    };
    check(
        &ingest(&app, Some(&wa), &json!({})).await,
        400,
        "Missing required fields: platform, connection_id, conversations",
    );
    check(
        &ingest(
            &app,
            None,
            &json!({"connection_id": "x", "conversations": null}),
        )
        .await,
        400,
        "Missing required fields: platform, conversations",
    );
    let mut body = example_1();
    check(
        &ingest(&app, None, &body).await,
        401,
        "Missing x-api-key header",
    );
    check(
        &ingest(&app, Some(""), &body).await,
        401,
        "Missing x-api-key header",
    );
    check(
        &ingest(&app, Some("wrong"), &body).await,
        401,
        "Invalid API key",
    );
    body["platform"] = json!("telegram");
    check(
        &ingest(&app, Some(&wa), &body).await,
        401,
        "Invalid connection_id or platform",
    );
    body["platform"] = json!("sms");
    check(
        &ingest(&app, Some(&wa), &body).await,
        401,
        "Invalid connection_id or platform",
    );
    body["platform"] = json!("whatsapp");
    body["connection_id"] = json!("nope");
    check(
        &ingest(&app, Some(&wa), &body).await,
        401,
        "Invalid connection_id or platform",
    );
    body["connection_id"] = json!("wa_business_123");
    app.call(
        "PATCH",
        "/ingest/connections/wa_business_123",
        Some(json!({"is_active": false})),
    )
    .await;
    check(
        &ingest(&app, Some(&wa), &body).await,
        403,
        "Connection is inactive",
    );
    // The CRM's own key is not a connection secret.
    check(
        &ingest(&app, Some(crm_tests::TEST_KEY), &body).await,
        401,
        "Invalid API key",
    );
    assert_eq!(
        app.get("/messages").await.get("count"),
        0,
        "nothing written"
    );
}

#[tokio::test]
async fn a_bad_conversation_is_its_own_error_and_the_others_go_through() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let good = |ext: &str, id: &str| {
        json!({"external_conversation_id": ext, "participant_identifier": "+14165550100",
        "messages": [{"id": id, "direction": "inbound", "type": "text", "content": "ok", "sent_at": "2026-11-01T10:00:00Z"}]})
    };
    let mut bad_type = good("b1", "b1m");
    bad_type["messages"][0]["type"] = json!("sticker");
    let mut bad_time = good("b2", "b2m");
    bad_time["messages"][0]["sent_at"] = json!("yesterday");
    let mut bad_media = good("b3", "b3m");
    bad_media["messages"][0]["media_url"] = json!("http://example.com/x.jpg");
    let mut empty_id = good("b4", "");
    empty_id["messages"].as_array_mut().expect("messages").push(json!(
        {"id": "fine", "direction": "inbound", "type": "text", "content": "not written", "sent_at": "2026-11-01T10:00:00Z"}));
    let mut bad_direction = good("b5", "b5m");
    bad_direction["messages"][0]["direction"] = json!("sideways");
    let body = json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations":
        [bad_type, good("g1", "g1m"), bad_time, bad_media, empty_id, bad_direction, json!("not an object")]});
    let r = ingest(&app, Some(&wa), &body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("processed"), 7);
    for (i, needle) in [
        (0, "messages[0].type: unknown variant `sticker`"),
        (2, "`messages[0].sent_at` must be"),
        (3, "`messages[0].media_url` must be an https URL"),
        (4, "`messages[0].id` is empty"),
        (5, "messages[0].direction: unknown variant `sideways`"),
        (6, ""),
    ] {
        let status = result(&r, i)["status"].as_str().expect("status");
        assert!(
            status.starts_with("error: ") && status.contains(needle),
            "{i}: {status}"
        );
        assert_eq!(result(&r, i)["messages_added"], 0);
    }
    assert_eq!(result(&r, 1)["status"], "created");
    assert_eq!(
        app.get("/messages").await.get("count"),
        1,
        "only the good conversation's message"
    );
}

#[tokio::test]
async fn limits_refuse_the_whole_request() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let conversation = |i: usize, n: usize| {
        json!({"external_conversation_id": format!("c{i}"),
        "participant_identifier": "+14165550100",
        "messages": (0..n).map(|m| json!({"id": format!("c{i}m{m}"), "direction": "inbound", "type": "text",
            "content": "x", "sent_at": "2026-11-01T10:00:00Z"})).collect::<Vec<_>>()})
    };
    let many: Vec<Value> = (0..101).map(|i| conversation(i, 1)).collect();
    let r = ingest(
        &app,
        Some(&wa),
        &json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": many}),
    )
    .await;
    assert_error(&r, 413, "payload_too_large");
    assert!(r
        .get("error")
        .as_str()
        .is_some_and(|e| e.contains("100 conversations")));
    let big: Vec<Value> = (0..2).map(|i| conversation(i, 251)).collect();
    let r = ingest(
        &app,
        Some(&wa),
        &json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": big}),
    )
    .await;
    assert_error(&r, 413, "payload_too_large");
    assert!(r
        .get("error")
        .as_str()
        .is_some_and(|e| e.contains("500 messages")));
    assert_eq!(
        app.get("/messages").await.get("count"),
        0,
        "nothing written"
    );
    // 500 is allowed, and 500 new messages of 5 conversations are stored once.
    let full: Vec<Value> = (0..5).map(|i| conversation(i, 100)).collect();
    let body = json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": full});
    let r = ingest(&app, Some(&wa), &body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let added: i64 = (0..5)
        .map(|i| result(&r, i)["messages_added"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(added, 500);
}

#[tokio::test]
async fn concurrent_identical_requests_store_each_message_once() {
    let app = std::sync::Arc::new(spawn_app().await);
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let messages: Vec<Value> = (0..60)
        .map(|m| json!({"id": format!("m{m}"), "direction": if m % 2 == 0 { "inbound" } else { "outbound" },
            "type": "text", "content": format!("message {m}"), "sent_at": format!("2026-11-01T10:{:02}:00Z", m % 60)}))
        .collect();
    let body = json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": [
        {"external_conversation_id": "chat", "participant_identifier": "@racer", "participant_name": "Racer",
         "messages": messages}]});
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, wa, body) = (app.clone(), wa.clone(), body.clone());
            tokio::spawn(async move { ingest(&app, Some(&wa), &body).await })
        })
        .collect();
    let mut added = 0;
    let mut contexts = std::collections::BTreeSet::new();
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(r.status, 200, "{:?}", r.body);
        added += result(&r, 0)["messages_added"].as_i64().expect("added");
        contexts.insert(result(&r, 0)["conversation_id"].to_string());
    }
    assert_eq!(
        added, 60,
        "the requests' messages_added add up to the distinct messages"
    );
    assert_eq!(contexts.len(), 1, "one conversation: {contexts:?}");
    assert_eq!(app.get("/messages").await.get("count"), 60);
    let customers = app.get("/customers").await;
    assert_eq!(
        customers.get("count"),
        1,
        "one customer for the participant"
    );
}

/// Issue 22's opt-out through ingest: the newest keyword among a WhatsApp
/// conversation's new inbound messages sets the participant's consent; a
/// Telegram `STOP` is only a message.
#[tokio::test]
async fn whatsapp_stop_and_start_through_ingest_set_the_participants_opt_out() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_optout").await;
    let tg = connection(&app, "telegram", "tg_optout").await;
    let batch = |platform: &str, connection: &str, who: &str, messages: Value| {
        json!({"platform": platform, "connection_id": connection, "conversations": [
            {"external_conversation_id": format!("chat_{who}"), "participant_identifier": who, "messages": messages}]})
    };
    let text = |id: &str, content: &str, sent_at: &str| json!({"id": id, "direction": "inbound", "type": "text", "content": content, "sent_at": sent_at});
    let opted_out = |r: Reply| {
        let ctx = result(&r, 0)["conversation_id"]
            .as_str()
            .expect("ctx")
            .to_string();
        let app = &app;
        async move {
            let c = app.get(&format!("/conversations/{ctx}")).await;
            let id = c.get("customer_id").as_i64().expect("customer_id");
            app.get(&format!("/customers/{id}")).await.body["opted_out"].clone()
        }
    };

    let whatsapp = |messages: Value| {
        let body = batch("whatsapp", "wa_optout", "+14165557777", messages);
        let (app, wa) = (&app, &wa);
        async move {
            let r = ingest(app, Some(wa), &body).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            r
        }
    };

    // STOP then a question: the newest keyword is STOP.
    let r = whatsapp(json!([
        text("w1", "Stop.", "2026-11-01T10:00:00Z"),
        text(
            "w2",
            "but first, where is my parcel?",
            "2026-11-01T10:01:00Z"
        ),
    ]))
    .await;
    assert_eq!(opted_out(r).await, json!(["whatsapp"]));
    // START sent before a later STOP in one batch: still out; then START alone: back in.
    let r = whatsapp(json!([
        text("w4", "STOP", "2026-11-01T10:04:00Z"),
        text("w3", "start", "2026-11-01T10:03:00Z"),
    ]))
    .await;
    assert_eq!(opted_out(r).await, json!(["whatsapp"]));
    let r = whatsapp(json!([text("w5", "START", "2026-11-01T10:05:00Z")])).await;
    assert_eq!(opted_out(r).await, json!([]));

    let body = batch(
        "telegram",
        "tg_optout",
        "@zoe",
        json!([text("t1", "STOP", "2026-11-01T10:00:00Z")]),
    );
    let r = ingest(&app, Some(&tg), &body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(opted_out(r).await, json!([]));
}

#[tokio::test]
async fn participants_match_existing_customers_or_become_one() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let known = app
        .customer(json!({"name": "Known", "phone": "+1 (416) 555-0100"}))
        .await;
    let conv = |ext: &str, who: &str, id: &str| {
        json!({"external_conversation_id": ext, "participant_identifier": who,
        "messages": [{"id": id, "direction": "inbound", "type": "text", "content": "hi", "sent_at": "2026-11-01T10:00:00Z"}]})
    };
    let r = ingest(
        &app,
        Some(&wa),
        &json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": [
            conv("a", "+14165550100", "1"),            // the known customer, by exact E.164
            conv("b", "wxid_newperson", "2"),          // a handle: a new customer
            conv("c", "WXID_NewPerson", "3"),          // the same handle, other case, same request
            conv("d", "+1 416 555 0100", "4"),         // the known customer, other formatting
        ]}),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let customer_of = |i: usize| {
        let ctx = result(&r, i)["conversation_id"]
            .as_str()
            .expect("ctx")
            .to_string();
        let app = &app;
        async move {
            app.get(&format!("/conversations/{ctx}"))
                .await
                .get("customer_id")
                .as_i64()
        }
    };
    assert_eq!(customer_of(0).await, Some(known));
    assert_eq!(customer_of(3).await, Some(known));
    let handle = customer_of(1).await;
    assert_eq!(
        customer_of(2).await,
        handle,
        "one customer per new participant"
    );
    assert_ne!(handle, Some(known));
    let created = app
        .get(&format!("/customers/{}", handle.expect("id")))
        .await;
    assert_eq!(
        created.get("name"),
        "wxid_newperson",
        "no name: the identifier"
    );
    assert_eq!(
        created.get("identities"),
        &json!(["whatsapp:wxid_newperson"])
    );
    // The same person's next request finds the same customer; a customer
    // with only an identity can still be edited.
    let r2 = ingest(
        &app,
        Some(&wa),
        &json!({"platform": "whatsapp", "connection_id": "wa_1",
        "conversations": [conv("b2", "wxid_newperson", "5")]}),
    )
    .await;
    let ctx = result(&r2, 0)["conversation_id"]
        .as_str()
        .expect("ctx")
        .to_string();
    assert_eq!(
        app.get(&format!("/conversations/{ctx}"))
            .await
            .get("customer_id")
            .as_i64(),
        handle
    );
    let renamed = app
        .put(
            &format!("/customers/{}", handle.expect("id")),
            json!({"name": "New Person"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
}

/// Store calls grow with batches, not messages: one request of 500 new
/// messages over 5 new participants, then its replay, each within the
/// bound `docs/data-model.md` states.
#[tokio::test]
async fn store_calls_are_bounded_by_batches_not_messages() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let conversations: Vec<Value> = (0..5)
        .map(|i| json!({"external_conversation_id": format!("c{i}"), "participant_identifier": format!("+1416555010{i}"),
            "messages": (0..100).map(|m| json!({"id": format!("c{i}m{m}"), "direction": "inbound", "type": "text",
                "content": "x", "sent_at": "2026-11-01T10:00:00Z"})).collect::<Vec<_>>()}))
        .collect();
    let body =
        json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": conversations});
    // Per conversation of m new messages, new participant: ⌈m/100⌉ BatchGetItem,
    // 1 GetItem (thread), 4 (reservation, last-10 Query, id counter, customer
    // transaction), 1 transaction opening the conversation (+1 statistics
    // counter), 1 id block, ⌈m/49⌉ transactions, 2 statistics counters.
    let per_conversation = 1 + 1 + 4 + 1 + 1 + 1 + 100_usize.div_ceil(49) + 2;
    app.store.reset();
    let r = ingest(&app, Some(&wa), &body).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let calls = app.store.total();
    assert!(
        calls <= 1 + 5 * per_conversation,
        "{calls}: {:?}",
        app.store.by_operation()
    );
    assert_eq!(app.store.by_operation()["BatchGetItem"], 5);

    // A replay: the connection, then per conversation one BatchGetItem and the thread.
    app.store.reset();
    let r = ingest(&app, Some(&wa), &body).await;
    assert_eq!(result(&r, 4)["status"], "no_new_messages");
    assert!(
        app.store.total() <= 1 + 5 * 2,
        "{:?}",
        app.store.by_operation()
    );
}

/// A phone held by nobody exactly matches a customer whose phone ends in the
/// same 10 digits (another country code), the oldest when several do.
#[tokio::test]
async fn phones_match_by_their_last_ten_digits_when_no_one_holds_them_exactly() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let oldest = app
        .customer(json!({"name": "UK", "phone": "+44 416 555 0199"}))
        .await;
    let newer = app
        .customer(json!({"name": "AU", "phone": "+61 416 555 0199"}))
        .await;
    assert!(oldest < newer);
    let r = ingest(&app, Some(&wa), &json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": [
        {"external_conversation_id": "x", "participant_identifier": "+1 416 555 0199",
         "messages": [{"id": "1", "direction": "inbound", "type": "text", "content": "hi", "sent_at": "2026-11-01T10:00:00Z"}]}]})).await;
    let ctx = result(&r, 0)["conversation_id"]
        .as_str()
        .expect("ctx")
        .to_string();
    let conversation = app.get(&format!("/conversations/{ctx}")).await;
    assert_eq!(conversation.get("customer_id"), oldest, "{:?}", r.body);
    // A phone change moves the customer out of its old last-10 entry.
    app.put(
        &format!("/customers/{oldest}"),
        json!({"phone": "+44 20 7946 0018"}),
    )
    .await;
    let r = ingest(&app, Some(&wa), &json!({"platform": "whatsapp", "connection_id": "wa_1", "conversations": [
        {"external_conversation_id": "y", "participant_identifier": "+1 416 555 0199",
         "messages": [{"id": "2", "direction": "inbound", "type": "text", "content": "hi", "sent_at": "2026-11-01T10:00:00Z"}]}]})).await;
    let ctx = result(&r, 0)["conversation_id"]
        .as_str()
        .expect("ctx")
        .to_string();
    assert_eq!(
        app.get(&format!("/conversations/{ctx}"))
            .await
            .get("customer_id"),
        newer
    );
}

/// The conversation's `last_*` fields follow the newest message by
/// `sent_at`, not the last one received; a body over 6 MB is refused whole.
#[tokio::test]
async fn the_conversation_follows_the_newest_message_and_big_bodies_are_refused() {
    let app = spawn_app().await;
    let wa = connection(&app, "whatsapp", "wa_1").await;
    let one = |id: &str, content: &str, sent_at: &str| {
        json!({"platform": "whatsapp", "connection_id": "wa_1",
        "conversations": [{"external_conversation_id": "t", "participant_identifier": "+14165550142",
            "messages": [{"id": id, "direction": "inbound", "type": "text", "content": content, "sent_at": sent_at}]}]})
    };
    let r = ingest(
        &app,
        Some(&wa),
        &one("new", "the newest", "2026-11-02T10:00:00+02:00"),
    )
    .await;
    let ctx = result(&r, 0)["conversation_id"]
        .as_str()
        .expect("ctx")
        .to_string();
    ingest(
        &app,
        Some(&wa),
        &one(
            "old",
            "an older one, received later",
            "2026-10-01T10:00:00Z",
        ),
    )
    .await;
    let conversation = app.get(&format!("/conversations/{ctx}")).await;
    assert_eq!(conversation.get("message_count"), 2);
    assert_eq!(conversation.get("last_message_preview"), "the newest");
    assert_eq!(
        conversation.get("last_interaction_at"),
        "2026-11-02T08:00:00.000Z"
    );
    // Both are the customer's messages.
    let listed = app
        .get(&format!(
            "/messages/customer/{}",
            conversation.get("customer_id")
        ))
        .await;
    assert_eq!(listed.get("count"), 2);

    let huge = one("big", &"x".repeat(6 * 1000 * 1000), "2026-11-01T10:00:00Z");
    let r = ingest(&app, Some(&wa), &huge).await;
    assert_error(&r, 413, "payload_too_large");
    assert_eq!(
        app.get("/messages").await.get("count"),
        2,
        "nothing written"
    );
}
