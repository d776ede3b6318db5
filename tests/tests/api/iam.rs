//! IAM that matches the code: each function's DynamoDB policy in
//! `template.yaml` grants exactly the actions its routes make — no fewer
//! (an `AccessDenied` 500 after `sam deploy`, which DynamoDB Local never
//! shows) and no more (least privilege).
//!
//! A scenario calls every route of the API, through every branch that
//! writes differently (create, conflict, unique-value change, open, close,
//! reopen, delete with an open conversation …), over the counting store,
//! which records the IAM action of every store call — a transaction's parts
//! as `PutItem` / `UpdateItem` / `DeleteItem` / `ConditionCheckItem`, as IAM
//! authorizes them. The actions are gathered per route, then per function
//! through the template's events, and compared with its policy.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crm_tests::{spawn_app_configured, TestApp};

/// The Twilio auth token of the scenario's app.
const TWILIO_TOKEN: &str = "iam-twilio-token";
/// The Twilio SID the scenario's outbound message is logged with.
const SID: &str = "SM0123456789abcdef0123456789abcdef";
use serde_json::{json, Value};

/// (binary, its policy's DynamoDB actions, its routes as (method, path)).
type Function = (String, BTreeSet<String>, BTreeSet<(String, String)>);

fn functions() -> Vec<Function> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let text = std::fs::read_to_string(path).expect("template.yaml");
    let doc: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let mut out = Vec::new();
    for (_, resource) in doc["Resources"].as_mapping().expect("Resources") {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("Binary")
            .to_string();
        let mut granted = BTreeSet::new();
        for policy in resource["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            for statement in policy["Statement"].as_sequence().into_iter().flatten() {
                let actions = &statement["Action"];
                let list = match actions.as_sequence() {
                    Some(seq) => seq
                        .iter()
                        .filter_map(|a| a.as_str())
                        .map(str::to_string)
                        .collect(),
                    None => actions
                        .as_str()
                        .map(str::to_string)
                        .into_iter()
                        .collect::<Vec<_>>(),
                };
                granted.extend(list.into_iter().filter(|a| a.starts_with("dynamodb:")));
            }
        }
        let routes = resource["Properties"]["Events"]
            .as_mapping()
            .expect("Events")
            .iter()
            .map(|(name, e)| {
                let p = &e["Properties"];
                match e["Type"].as_str() {
                    // The reply worker's event sources, recorded under these names.
                    Some("SQS") => ("sqs".into(), name.as_str().unwrap_or("").to_string()),
                    Some("Schedule") => {
                        ("schedule".into(), name.as_str().unwrap_or("").to_string())
                    }
                    Some("EventBridgeRule") => (
                        "eventbridge".into(),
                        name.as_str().unwrap_or("").to_string(),
                    ),
                    _ => (
                        p["Method"].as_str().expect("Method").to_lowercase(),
                        p["Path"].as_str().expect("Path").to_string(),
                    ),
                }
            })
            .collect();
        out.push((binary, granted, routes));
    }
    out
}

/// Records, per (method, route template), the IAM actions its calls needed.
struct Recorder<'a> {
    app: &'a TestApp,
    seen: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Recorder<'_> {
    /// Sends seed 002's ingest request `body` with connection secret `secret`
    /// (not the CRM's key); asserts the status is one of `ok`.
    async fn ingest(&mut self, secret: &str, body: Value, ok: &[u16]) -> Value {
        self.app.store.reset();
        let reply = self
            .app
            .raw(
                "POST",
                "/functions/v1/messaging-ingest",
                body.to_string().as_bytes(),
                Some("application/json"),
                Some(secret),
            )
            .await;
        assert!(
            ok.contains(&reply.status),
            "ingest: {} {:?}",
            reply.status,
            reply.body
        );
        self.seen
            .entry(("post".into(), "/functions/v1/messaging-ingest".into()))
            .or_default()
            .extend(self.app.store.iam_actions().into_iter().map(str::to_string));
        reply.body
    }

    /// Calls `method path` (a concrete path of route `template`); asserts the
    /// status is one of `ok`; returns the body.
    async fn call(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
        ok: &[u16],
    ) -> Value {
        self.app.store.reset();
        let reply = self.app.call(method, path, body).await;
        assert!(
            ok.contains(&reply.status),
            "{method} {path}: {} {:?}",
            reply.status,
            reply.body
        );
        self.seen
            .entry((method.to_lowercase(), template.to_string()))
            .or_default()
            .extend(self.app.store.iam_actions().into_iter().map(str::to_string));
        reply.body
    }
}

impl Recorder<'_> {
    /// Records the IAM actions of a call already made under (method, template).
    fn record(&mut self, method: &str, template: &str) {
        self.seen
            .entry((method.to_lowercase(), template.to_string()))
            .or_default()
            .extend(self.app.store.iam_actions().into_iter().map(str::to_string));
    }

    /// `POST path` with `Idempotency-Key: key` (issue 11); asserts the status.
    async fn once(&mut self, template: &str, body: Value, key: &str, ok: u16) -> Value {
        self.app.store.reset();
        let reply = self
            .app
            .post_once(template, &body, key, crm_tests::TEST_KEY)
            .await;
        assert_eq!(reply.status, ok, "{template} once: {:?}", reply.body);
        self.record("post", template);
        reply.body
    }

    /// A Twilio request signed with [`TWILIO_TOKEN`] (issue 11).
    async fn twilio(&mut self, template: &str, path: &str, params: &[(&str, &str)], ok: u16) {
        self.app.store.reset();
        let reply = self.app.twilio(TWILIO_TOKEN, path, params).await;
        assert_eq!(reply.status, ok, "{path}: {:?}", reply.body);
        self.record("post", template);
    }

    /// Logs an inbound message of `customer` and works its reply job as the
    /// worker does, recording the calls under the SQS event `ReplyJobs`;
    /// then the sweep twice (re-enqueue, then give up) under `Sweep`.
    async fn worker(&mut self, customer: i64, text: &str) {
        let logged = self
            .app
            .post(
                "/log",
                json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165550001",
                    "direction": "inbound", "message_body": text}),
            )
            .await;
        assert_eq!(logged.status, 200, "{:?}", logged.body);
        let job = crm_domain::reply::ReplyJob {
            context_id: crm_domain::types::ContextId::parse(
                "context_id",
                logged.get("context_id").as_str().expect("context_id"),
            )
            .expect("uuid"),
            log_id: crm_domain::types::LogId::parse(&logged.get("log_id").to_string()).expect("id"),
            revision: 0,
        };
        let model = crm_tests::CountingModel::default();
        self.app.store.reset();
        self.app
            .crm
            .draft_reply(&job, &model)
            .await
            .expect("drafted");
        self.app.crm.draft_reply(&job, &model).await.expect("stale");
        self.seen
            .entry(("sqs".into(), "ReplyJobs".into()))
            .or_default()
            .extend(self.app.store.iam_actions().into_iter().map(str::to_string));
        let mut settings = self.app.crm.settings().clone();
        settings.reply.sweep_grace = time::Duration::ZERO;
        settings.reply.max_sweeps = 1;
        let crm = crm_domain::Crm::new(self.app.store.clone(), settings);
        self.app
            .post(
                "/log",
                json!({"customer_id": customer, "channel": "sms",
            "channel_identifier": "+14165550001", "direction": "inbound", "message_body": "again"}),
            )
            .await;
        self.app.store.reset();
        let mut at = time::OffsetDateTime::now_utc();
        for _ in 0..2 {
            at += time::Duration::seconds(1);
            crm.sweep_reply_jobs(at).await.expect("sweep");
        }
        self.seen
            .entry(("schedule".into(), "Sweep".into()))
            .or_default()
            .extend(self.app.store.iam_actions().into_iter().map(str::to_string));
    }
}

impl Recorder<'_> {
    /// The sender (issue 22): a send job made through a courier that
    /// accepts, one whose provider refuses as unsubscribed (Twilio's 21610:
    /// the customer is opted out), a duplicate job, recorded under the SQS
    /// event `SendJobs`; then the sweep with a dead claim under `SendSweep`.
    async fn sender(&mut self) -> i64 {
        let customer = self
            .app
            .customer(json!({"name": "Sam", "phone": "+14165550077"}))
            .await;
        struct Answers;
        #[async_trait::async_trait]
        impl crm_domain::sending::Courier for Answers {
            fn provider(&self) -> crm_domain::sending::Provider {
                crm_domain::sending::Provider::Twilio
            }
            async fn send(
                &self,
                e: &crm_domain::sending::Envelope,
            ) -> crm_domain::sending::Attempt {
                match e.body.as_str() {
                    "hang" => std::future::pending().await,
                    "refuse" => crm_domain::sending::Attempt::Refused {
                        code: "21610".into(),
                        message: "Attempt to send to unsubscribed recipient".into(),
                    },
                    _ => crm_domain::sending::Attempt::Accepted {
                        provider_message_id: format!("SM{:032}", e.log_id.get()),
                    },
                }
            }
        }
        let couriers = crm_domain::sending::Couriers::new().with(std::sync::Arc::new(Answers));
        let mut settings = self.app.crm.settings().clone();
        settings.sending.twilio = true;
        settings.sending.claim_timeout = std::time::Duration::ZERO;
        let crm = crm_domain::Crm::new(self.app.store.clone(), settings);
        let mut jobs = Vec::new();
        for body in ["Your order shipped", "hang", "refuse"] {
            let logged = crm
                .log_message(&serde_json::from_value(json!({"customer_id": customer, "channel": "sms",
                    "channel_identifier": "+14165550077", "direction": "outbound", "message_body": body, "send": true}))
                    .expect("a log"))
                .await
                .expect("logged");
            jobs.push(crm_domain::sending::SendJob {
                log_id: crm_domain::types::LogId::parse(&logged.log_id.to_string()).expect("id"),
            });
        }
        self.app.store.reset();
        crm.deliver(&jobs[0], &couriers).await.expect("delivered");
        crm.deliver(&jobs[0], &couriers).await.expect("duplicate");
        // A sender killed after its claim, before the provider answered.
        let killed = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            crm.deliver(&jobs[1], &couriers),
        );
        assert!(
            killed.await.is_err(),
            "the hanging call is cut off after its claim"
        );
        crm.deliver(&jobs[2], &couriers).await.expect("refused");
        self.record_event("sqs", "SendJobs");
        // Its claim ended with no outcome: the sweep records `delivery_unknown`.
        self.app.store.reset();
        let sweep = crm
            .sweep_sends(std::time::Duration::ZERO)
            .await
            .expect("sweep");
        assert_eq!(sweep.unknown, [jobs[1].log_id]);
        self.record_event("schedule", "SendSweep");
        // SES's events through EventBridge: a delivery, an open, a complaint.
        self.app.store.reset();
        for event in [
            crm_domain::sending::EmailEvent::Delivered,
            crm_domain::sending::EmailEvent::Opened,
            crm_domain::sending::EmailEvent::Complained,
        ] {
            let report = crm_domain::sending::EmailReport {
                log_id: jobs[0].log_id,
                provider_message_id: "ses-message-id".into(),
                event,
            };
            crm.apply_email_report(&report).await.expect("applied");
        }
        self.record_event("eventbridge", "SesEvents");
        jobs[2].log_id.get()
    }

    /// Records the IAM actions since the last reset under event `name` of `kind`.
    fn record_event(&mut self, kind: &str, name: &str) {
        self.seen
            .entry((kind.into(), name.into()))
            .or_default()
            .extend(self.app.store.iam_actions().into_iter().map(str::to_string));
    }
}

/// One call of the scenario: method, route template, concrete path, body,
/// the statuses it may answer.
type Step = (
    &'static str,
    &'static str,
    String,
    Option<Value>,
    &'static [u16],
);

#[tokio::test]
async fn each_function_policy_grants_exactly_the_dynamodb_actions_its_routes_make() {
    let app = spawn_app_configured(|s| {
        s.twilio.auth_token = crm_domain::twilio::AuthToken::new(TWILIO_TOKEN);
    })
    .await;
    let mut r = Recorder {
        app: &app,
        seen: BTreeMap::new(),
    };
    let number = |v: &Value, name: &str| v[name].as_i64().expect(name);

    // The calls whose answers later steps need.
    let ann = r
        .call(
            "POST",
            "/customers",
            "/customers",
            Some(json!({"name": "Ann", "email": "ann@example.com", "phone": "+14165550001"})),
            &[201],
        )
        .await;
    let ann = number(&ann, "customer_id");
    let bob = r
        .call(
            "POST",
            "/customers",
            "/customers",
            Some(json!({"email": "bob@example.com"})),
            &[201],
        )
        .await;
    let bob = number(&bob, "customer_id");
    let msg = |direction: &str| {
        json!({"customer_id": ann, "channel": "sms",
        "channel_identifier": "+14165550001", "direction": direction, "message_body": "hello"})
    };
    let first = r
        .call("POST", "/log", "/log", Some(msg("inbound")), &[200])
        .await;
    let context = first["context_id"]
        .as_str()
        .expect("context_id")
        .to_string();
    let log_id = number(&first, "log_id");
    let mut named = msg("outbound");
    named["context_id"] = json!(context);

    // Every route, through each branch that writes differently, in an order
    // that keeps each one meaningful (close before reopen, delete last).
    #[rustfmt::skip]
    let steps: Vec<Step> = vec![
        // customers (guide §1–7): conflict, unique-value change, upsert both ways
        ("POST", "/customers", "/customers".into(), Some(json!({"email": "ANN@example.com"})), &[409]),
        ("GET", "/customers", "/customers?company=acme".into(), None, &[200]),
        ("GET", "/customers/{id}", format!("/customers/{ann}"), None, &[200]),
        ("GET", "/customers/{id}", "/customers/ann%40example.com?by=email".into(), None, &[200]),
        ("PUT", "/customers/{id}", format!("/customers/{ann}"), Some(json!({"name": "Ann B"})), &[200]),
        ("PUT", "/customers/{id}", format!("/customers/{ann}"), Some(json!({"email": "ann.b@example.com"})), &[200]),
        ("POST", "/customers/lookup", "/customers/lookup".into(), Some(json!({"phone": "+14165550001"})), &[200]),
        ("POST", "/customers/upsert", "/customers/upsert".into(), Some(json!({"email": "carol@example.com"})), &[201]),
        ("POST", "/customers/upsert", "/customers/upsert".into(), Some(json!({"email": "carol@example.com", "name": "Carol"})), &[200]),
        // context and log (guide §8–10)
        ("GET", "/context/{identifier}", format!("/context/{bob}"), None, &[200]),
        ("POST", "/log", "/log".into(), Some(named), &[200]),
        ("POST", "/log", "/log".into(), Some(msg("inbound")), &[200]),
        ("GET", "/context/{identifier}", "/context/%2B14165550001?by=phone_normalized".into(), None, &[200]),
        ("POST", "/context/{identifier}/update", format!("/context/{context}/update"), Some(json!({"summary": "asked about pricing"})), &[200]),
        ("POST", "/context/{identifier}/update", format!("/context/{ann}/update"), Some(json!({"intent": "pricing"})), &[200]),
        // messages (guide §11–19)
        ("GET", "/messages", "/messages?channel=sms".into(), None, &[200]),
        ("GET", "/messages/{log_id}", format!("/messages/{log_id}"), None, &[200]),
        ("GET", "/messages/context/{context_id}", format!("/messages/context/{context}"), None, &[200]),
        ("GET", "/messages/customer/{customer_id}", format!("/messages/customer/{ann}"), None, &[200]),
        ("PUT", "/messages/{log_id}/status", format!("/messages/{log_id}/status"), Some(json!({"send_status": "failed"})), &[200]),
        ("PUT", "/messages/{log_id}/status", format!("/messages/{log_id}/status"), Some(json!({"send_status": "delivered"})), &[200]),
        ("GET", "/messages/failed", "/messages/failed".into(), None, &[200]),
        ("GET", "/messages/unprocessed", "/messages/unprocessed".into(), None, &[200]),
        ("POST", "/messages/{log_id}/processed", format!("/messages/{log_id}/processed"), None, &[200]),
        ("POST", "/messages/context/{context_id}/processed", format!("/messages/context/{context}/processed"), None, &[200]),
        // conversations (guide §20–26): pause, close, reopen, close through context, create, get-or-create
        ("GET", "/conversations", "/conversations?status=active".into(), None, &[200]),
        ("GET", "/conversations/{context_id}", format!("/conversations/{context}"), None, &[200]),
        ("GET", "/conversations/{context_id}/ai-suggestion", format!("/conversations/{context}/ai-suggestion"), None, &[202]),
        ("GET", "/conversations/stats", "/conversations/stats".into(), None, &[200]),
        ("GET", "/conversations/customer/{customer_id}", format!("/conversations/customer/{ann}"), None, &[200]),
        ("PUT", "/conversations/{context_id}", format!("/conversations/{context}"), Some(json!({"status": "paused"})), &[200]),
        ("POST", "/conversations/{context_id}/close", format!("/conversations/{context}/close"), None, &[200]),
        ("PUT", "/conversations/{context_id}", format!("/conversations/{context}"), Some(json!({"status": "active"})), &[200]),
        ("POST", "/context/{identifier}/update", format!("/context/{context}/update"), Some(json!({"status": "resolved"})), &[200]),
        ("POST", "/conversations", "/conversations".into(), Some(json!({"customer_id": bob})), &[201]),
        ("POST", "/conversations", "/conversations".into(), Some(json!({"customer_id": bob})), &[409]),
        ("POST", "/conversations/get-or-create", "/conversations/get-or-create".into(), Some(json!({"customer_id": ann})), &[200]),
        // deleting a customer with an open conversation archives it
        ("DELETE", "/customers/{id}", format!("/customers/{bob}"), None, &[200]),
        ("GET", "/health", "/health".into(), None, &[200]),
        // ingest connections (issue 8): create, taken id, read, change, rotate, delete
        ("POST", "/ingest/connections", "/ingest/connections".into(), Some(json!({"platform": "whatsapp", "name": "WA", "connection_id": "wa_1"})), &[201]),
        ("POST", "/ingest/connections", "/ingest/connections".into(), Some(json!({"platform": "whatsapp", "name": "WA", "connection_id": "wa_1"})), &[409]),
        ("GET", "/ingest/connections", "/ingest/connections".into(), None, &[200]),
        ("GET", "/ingest/connections/{connection_id}", "/ingest/connections/wa_1".into(), None, &[200]),
        ("PATCH", "/ingest/connections/{connection_id}", "/ingest/connections/wa_1".into(), Some(json!({"is_active": false})), &[200]),
        ("POST", "/ingest/connections/{connection_id}/rotate-secret", "/ingest/connections/wa_1/rotate-secret".into(), None, &[200]),
        // issue 22: no delivery_url here, so a 409 (the update refused, then the read that says why)
        ("POST", "/ingest/connections/{connection_id}/rotate-delivery-secret", "/ingest/connections/wa_1/rotate-delivery-secret".into(), None, &[409]),
        ("DELETE", "/ingest/connections/{connection_id}", "/ingest/connections/wa_1".into(), None, &[200]),
    ];
    for (method, template, path, body, ok) in steps {
        r.call(method, template, &path, body, ok).await;
    }

    // issue 11: Twilio's callbacks (by log id, then by the SID a log
    // reserved), a leased poll and its acknowledgement, and each creating
    // POST with an Idempotency-Key: run, replayed, and refused (400: the
    // key is released).
    let mut with_sid = msg("outbound");
    with_sid["twilio_message_sid"] = json!(SID);
    let sent = r.call("POST", "/log", "/log", Some(with_sid), &[200]).await;
    let sent = number(&sent, "log_id");
    r.twilio(
        "/messages/{log_id}/status",
        &format!("/messages/{sent}/status"),
        &[("MessageSid", SID), ("MessageStatus", "sent")],
        200,
    )
    .await;
    r.twilio(
        "/messages/{log_id}/status",
        &format!("/messages/{sent}/status"),
        &[("MessageSid", SID), ("MessageStatus", "queued")],
        200,
    )
    .await;
    r.twilio(
        "/webhooks/twilio/status",
        "/webhooks/twilio/status",
        &[("MessageSid", SID), ("MessageStatus", "delivered")],
        200,
    )
    .await;
    // Twilio's inbound webhook: a new sender (a customer created), a known
    // one, and Twilio's retry of the same message.
    for (sid, from) in [
        ("SMcccccccccccccccccccccccccccccccc", "+14165559999"),
        ("SMdddddddddddddddddddddddddddddddd", "+14165550001"),
        ("SMdddddddddddddddddddddddddddddddd", "+14165550001"),
    ] {
        let params = [("MessageSid", sid), ("From", from), ("Body", "hi")];
        r.twilio(
            "/webhooks/twilio/messages",
            "/webhooks/twilio/messages",
            &params,
            200,
        )
        .await;
    }
    r.call("POST", "/log", "/log", Some(msg("inbound")), &[200])
        .await;
    let leased = r
        .call(
            "GET",
            "/messages/unprocessed",
            "/messages/unprocessed?lease_seconds=30&limit=1",
            None,
            &[200],
        )
        .await;
    let held = &leased["messages"][0];
    let (held_id, token) = (
        number(held, "log_id"),
        held["lease_token"].as_str().expect("token"),
    );
    r.call(
        "POST",
        "/messages/{log_id}/processed",
        &format!("/messages/{held_id}/processed"),
        Some(json!({"lease_token": token})),
        &[200],
    )
    .await;
    r.call(
        "GET",
        "/messages/unprocessed",
        "/messages/unprocessed?dead=true",
        None,
        &[200],
    )
    .await;
    for (template, body, ok) in [
        ("/customers", json!({"email": "dan@example.com"}), 201),
        (
            "/customers/upsert",
            json!({"email": "erin@example.com"}),
            201,
        ),
        ("/log", msg("inbound"), 200),
        (
            "/conversations/get-or-create",
            json!({"customer_id": ann}),
            200,
        ),
        ("/conversations", json!({"customer_id": ann}), 409),
    ] {
        r.once(template, body.clone(), template, ok).await;
        r.once(template, body, template, ok).await;
        r.once(template, json!({}), "refused", 400).await;
    }

    // ingest (seed 002): a new participant (customer + conversation opened),
    // then the same thread again (appended), then a replay (deduplicated).
    let created = r
        .call(
            "POST",
            "/ingest/connections",
            "/ingest/connections",
            Some(json!({"platform": "telegram", "name": "TG", "connection_id": "tg_1"})),
            &[201],
        )
        .await;
    let secret = created["api_secret"].as_str().expect("secret").to_string();
    let batch = |id: &str| {
        json!({"platform": "telegram", "connection_id": "tg_1", "conversations": [
        {"external_conversation_id": "chat_1", "participant_identifier": "@iam", "participant_name": "Iam",
         "messages": [{"id": id, "direction": "inbound", "type": "text", "content": "hi", "sent_at": "2026-11-01T10:00:00Z"}]}]})
    };
    r.ingest(&secret, batch("m1"), &[200]).await;
    r.ingest(&secret, batch("m2"), &[200]).await;
    r.ingest(&secret, batch("m2"), &[200]).await;

    // The reply worker (issue 9): a job drafted with an escalation and a
    // supersede, a stale job, a paused conversation's job; the sweep
    // re-enqueueing and giving up.
    r.worker(ann, "I want to talk to a human").await;
    r.worker(ann, "Thanks, what does it cost?").await;
    let refused = r.sender().await;
    #[rustfmt::skip]
    let steps: Vec<Step> = vec![
        // issue 22: the outbox's ends a person or an external sender uses
        ("POST", "/messages/{log_id}/resend", format!("/messages/{refused}/resend"), None, &[200]),
        ("POST", "/messages/{log_id}/resend", format!("/messages/{refused}/resend"), None, &[409]),
        ("GET", "/messages/outbound", "/messages/outbound".into(), None, &[200]),
        ("GET", "/messages/outbound", "/messages/outbound?lease_seconds=30".into(), None, &[200]),
    ];
    for (method, template, path, body, ok) in steps {
        r.call(method, template, &path, body, ok).await;
    }

    // The suggestion workflow and escalations (issue 10) on Ann's open
    // conversation, which now has a pending suggestion and an open ticket.
    let open = app.get(&format!("/conversations/customer/{ann}")).await;
    let ctx = open
        .get("context_id")
        .as_str()
        .expect("context")
        .to_string();
    let pending = r
        .call(
            "GET",
            "/conversations/{context_id}/ai-suggestion",
            &format!("/conversations/{ctx}/ai-suggestion"),
            None,
            &[200],
        )
        .await;
    let first = pending["id"].as_str().expect("id").to_string();
    let regenerated = r
        .call(
            "POST",
            "/conversations/{context_id}/regenerate",
            &format!("/conversations/{ctx}/regenerate"),
            Some(json!({"tone": "shorter"})),
            &[202],
        )
        .await;
    let job = crm_domain::reply::ReplyJob {
        context_id: crm_domain::types::ContextId::parse("context_id", &ctx).expect("uuid"),
        log_id: crm_domain::types::LogId::parse(&regenerated["reply_to_message_id"].to_string())
            .expect("id"),
        revision: 1,
    };
    let model = crm_tests::CountingModel::default();
    app.crm.draft_reply(&job, &model).await.expect("drafted");
    let second = regenerated["id"].as_str().expect("id").to_string();
    #[rustfmt::skip]
    let steps: Vec<Step> = vec![
        ("POST", "/conversations/{context_id}/approve", format!("/conversations/{ctx}/approve"), Some(json!({"suggestion_id": first})), &[409]),
        ("POST", "/conversations/{context_id}/reject", format!("/conversations/{ctx}/reject"), Some(json!({"suggestion_id": second, "reason": "no"})), &[200]),
        ("PUT", "/conversations/{context_id}/suggestions/{suggestion_id}/feedback", format!("/conversations/{ctx}/suggestions/{second}/feedback"), Some(json!({"user_rating": 3})), &[200]),
    ];
    for (method, template, path, body, ok) in steps {
        r.call(method, template, &path, body, ok).await;
    }
    let again = r
        .call(
            "POST",
            "/conversations/{context_id}/regenerate",
            &format!("/conversations/{ctx}/regenerate"),
            None,
            &[202],
        )
        .await;
    let job = crm_domain::reply::ReplyJob {
        log_id: crm_domain::types::LogId::parse(&again["reply_to_message_id"].to_string())
            .expect("id"),
        revision: 2,
        ..job
    };
    app.crm.draft_reply(&job, &model).await.expect("drafted");
    let third = app
        .get(&format!("/conversations/{ctx}/ai-suggestion"))
        .await;
    let third = third.get("id").as_str().expect("id").to_string();
    let ticket = app.get(&format!("/conversations/{ctx}")).await;
    let ticket = ticket
        .get("escalation_ticket")
        .as_str()
        .expect("ticket")
        .to_string();
    #[rustfmt::skip]
    let steps: Vec<Step> = vec![
        ("POST", "/conversations/{context_id}/approve", format!("/conversations/{ctx}/approve"), Some(json!({"suggestion_id": third, "edited_body": "Sure."})), &[200]),
        ("POST", "/conversations/{context_id}/reply", format!("/conversations/{ctx}/reply"), Some(json!({"body": "One more thing."})), &[200]),
        ("POST", "/escalations", "/escalations".into(), Some(json!({"context_id": ctx, "reason": "manual_request", "priority": "high"})), &[201]),
        ("GET", "/escalations", "/escalations?status=open&priority=high".into(), None, &[200]),
        ("GET", "/escalations/{ticket_id}", format!("/escalations/{ticket}"), None, &[200]),
        ("PUT", "/escalations/{ticket_id}", format!("/escalations/{ticket}"), Some(json!({"assigned_agent": "agent-1"})), &[200]),
        ("PUT", "/escalations/{ticket_id}", format!("/escalations/{ticket}"), Some(json!({"status": "resolved"})), &[200]),
        ("PUT", "/escalations/{ticket_id}", format!("/escalations/{ticket}"), Some(json!({"status": "open"})), &[200]),
        ("PATCH", "/conversations/{context_id}/archive", format!("/conversations/{ctx}/archive"), Some(json!({"reason": "done"})), &[200]),
    ];
    for (method, template, path, body, ok) in steps {
        r.call(method, template, &path, body, ok).await;
    }

    let seen = r.seen;
    let mut problems = Vec::new();
    for (binary, granted, routes) in functions() {
        let mut used = BTreeSet::new();
        for route in &routes {
            match seen.get(route) {
                Some(actions) => used.extend(actions.iter().cloned()),
                None => problems.push(format!(
                    "{binary}: the scenario never calls {} {}",
                    route.0, route.1
                )),
            }
        }
        for missing in used.difference(&granted) {
            problems.push(format!(
                "{binary}: its routes call {missing}, which its policy does not grant"
            ));
        }
        for unused in granted.difference(&used) {
            problems.push(format!(
                "{binary}: its policy grants {unused}, which none of its routes calls"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "template.yaml policies:\n{}",
        problems.join("\n")
    );
}
