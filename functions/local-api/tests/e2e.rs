//! End to end: starts the real `local-api` binary on a free port with a fresh
//! data dir and runs the guide's Workflow 1 and Workflow 2 over HTTP.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const KEY: &str = "e2e-key-abcdef";

struct Server {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn start(extra_env: &[(&str, &str)]) -> Server {
    let dir = std::env::temp_dir().join(format!("crm-e2e-{}-{}", std::process::id(), uuid_like()));
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_local-api"));
    if std::env::var("CRM_TEST_STORE").as_deref() == Ok("dynamodb") {
        // One table per server; the AWS SDK in the binary reads the emulator's endpoint from the environment.
        let table = extra_env
            .iter()
            .find(|(k, _)| *k == "TABLE_NAME")
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(crm_store_dynamodb::testing::fresh_table_name);
        if !extra_env.iter().any(|(k, _)| *k == "TABLE_NAME") {
            crm_store_dynamodb::testing::create_table(&table)
                .await
                .expect("a table on DynamoDB Local");
        }
        cmd.env("CRM_STORE", "dynamodb").env("TABLE_NAME", table);
        cmd.env("AWS_ACCESS_KEY_ID", "dummy")
            .env("AWS_SECRET_ACCESS_KEY", "dummy")
            .env("AWS_REGION", "us-east-1");
    } else {
        cmd.env("CRM_STORE", "sqlite");
    }

    cmd.arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .env("CRM_DATA_DIR", &dir)
        .env("CRM_API_KEYS", KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("spawn local-api");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = server
            .client
            .get(format!("{}/health", server.base))
            .send()
            .await
        {
            if r.status().is_success() {
                return server;
            }
        }
        assert!(Instant::now() < deadline, "local-api did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A data folder and a table that outlive one server, for restart tests.
struct Durable {
    dir: String,
    table: String,
}

impl Durable {
    /// A fresh folder under the temp dir named after `label`, and a fresh
    /// table (created on the emulator when `CRM_TEST_STORE=dynamodb`).
    async fn new(label: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("{label}-{}-{}", std::process::id(), uuid_like()));
        let table = crm_store_dynamodb::testing::fresh_table_name();
        if std::env::var("CRM_TEST_STORE").as_deref() == Ok("dynamodb") {
            crm_store_dynamodb::testing::create_table(&table)
                .await
                .expect("a table on DynamoDB Local");
        }
        Self {
            dir: dir.to_string_lossy().to_string(),
            table,
        }
    }

    /// The environment that points a server at them.
    fn env(&self) -> [(&str, &str); 2] {
        [("CRM_DATA_DIR", &self.dir), ("TABLE_NAME", &self.table)]
    }
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

impl Server {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("x-api-key", KEY);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

/// Workflow 2 (unknown phone number), then Workflow 1 (known customer) for the same number.
#[tokio::test]
async fn workflows_1_and_2_over_real_http() {
    let s = start(&[]).await;
    let phone = "%2B14165551234";

    // Workflow 2, step 1: unknown number → 404.
    let (status, body) = s
        .get(&format!("/context/{phone}?by=phone_normalized"))
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        body["error"],
        "Customer not found with phone_normalized: +14165551234"
    );
    // 2. Create the customer with the phone number.
    let (status, customer) = s
        .post("/customers", json!({"phone": "+1 416 555 1234"}))
        .await;
    assert_eq!(status, 201, "{customer}");
    let customer_id = customer["customer_id"].as_i64().unwrap();
    // 3. The context lookup now finds them at once (no eventual consistency).
    let (status, ctx) = s
        .get(&format!("/context/{phone}?by=phone_normalized"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ctx["customer_id"], customer_id);
    assert_eq!(ctx["is_new"], true);
    // 4. Log the inbound message: opens the conversation.
    let (status, logged) = s
        .post("/log", json!({"customer_id": customer_id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "inbound", "message_body": "Hi, I need help with pricing"}))
        .await;
    assert_eq!(status, 200, "{logged}");
    let context_id = logged["context_id"].as_str().unwrap().to_string();
    // 6. Log the outbound reply in that conversation.
    let (status, reply) = s
        .post("/log", json!({"customer_id": customer_id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "outbound", "message_body": "Hi! Our plans start at $99/month", "context_id": context_id, "metadata": {"twilio_message_sid": "SM123"}}))
        .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["context_id"], context_id.as_str());
    // 7. Update the conversation state.
    let (status, updated) = s
        .post(&format!("/context/{context_id}/update"), json!({"summary": "Customer interested in pricing", "intent": "pricing_inquiry", "sentiment": "positive"}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        updated,
        json!({"success": true, "context_id": context_id, "customer_id": customer_id, "message_count": 2})
    );

    // Workflow 1, step 1: the known customer's context, with history.
    let (status, ctx) = s
        .get(&format!("/context/{phone}?by=phone_normalized"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ctx["is_new"], false);
    assert_eq!(ctx["context_id"], context_id.as_str());
    assert_eq!(ctx["intent"], "pricing_inquiry");
    assert_eq!(ctx["history"].as_array().unwrap().len(), 2);
    // 2. inbound, 4. outbound, 5. update.
    let (_, inbound) = s
        .post("/log", json!({"customer_id": customer_id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "inbound", "message_body": "We are 50 users"}))
        .await;
    assert_eq!(
        inbound["context_id"],
        context_id.as_str(),
        "the open conversation is reused"
    );
    let (_, _) = s
        .post("/log", json!({"customer_id": customer_id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "outbound", "message_body": "Enterprise it is", "context_id": context_id}))
        .await;
    let (status, updated) = s
        .post(
            &format!("/context/{context_id}/update"),
            json!({"summary": "Enterprise, 50 users", "open_questions": "Start date?"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(updated["message_count"], 4);
    let (_, unprocessed) = s.get("/messages/unprocessed").await;
    assert_eq!(
        unprocessed["count"], 2,
        "the two inbound messages await processing"
    );
    let (status, _) = s
        .post(
            &format!("/messages/context/{context_id}/processed"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, unprocessed) = s.get("/messages/unprocessed").await;
    assert_eq!(unprocessed["count"], 0);
}

#[tokio::test]
async fn data_survives_a_restart_and_keys_are_enforced() {
    let durable = Durable::new("crm-e2e-restart").await;
    let env = durable.env();
    let id = {
        let s = start(&env).await;
        let (status, c) = s
            .post("/customers", json!({"email": "keep@example.com"}))
            .await;
        assert_eq!(status, 201);
        let anon = s
            .client
            .get(format!("{}/customers", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(anon.status().as_u16(), 401);
        c["customer_id"].as_i64().unwrap()
    };
    let s = start(&env).await;
    let (status, c) = s.get("/customers/keep%40example.com?by=email").await;
    assert_eq!(status, 200);
    assert_eq!(c["customer_id"], id);
    let (status, doc) = s.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
}

/// Issue 9 on the binary: an inbound `POST /log` shows a rules suggestion
/// within the debounce (3 s) + 1 s; a burst of three inbound messages leaves
/// one pending suggestion, for the last.
#[tokio::test]
async fn an_inbound_log_shows_a_suggestion_within_the_debounce() {
    let s = start(&[]).await;
    let (status, customer) = s
        .post(
            "/customers",
            json!({"name": "Ann", "email": "ann@example.com"}),
        )
        .await;
    assert_eq!(status, 201, "{customer}");
    let id = customer["customer_id"].as_i64().unwrap();
    let log = |text: &str| {
        json!({"customer_id": id, "channel": "sms", "channel_identifier": "+14165551234",
            "direction": "inbound", "message_body": text})
    };
    let sent = Instant::now();
    let (status, first) = s.post("/log", log("Hello")).await;
    assert_eq!(status, 200, "{first}");
    s.post("/log", log("Quick question")).await;
    let (_, last) = s.post("/log", log("When do you open on Sunday?")).await;
    let context = last["context_id"].as_str().unwrap().to_string();
    let path = format!("/conversations/{context}/ai-suggestion");
    let (status, body) = s.get(&path).await;
    assert_eq!(status, 202, "{body}");
    let suggestion = loop {
        let (status, body) = s.get(&path).await;
        if status == 200 {
            break body;
        }
        assert_eq!(status, 202, "{body}");
        assert!(
            sent.elapsed() < Duration::from_secs(4),
            "no suggestion within the debounce + 1 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(suggestion["reply_to_message_id"], last["log_id"]);
    assert_eq!(suggestion["ai_metadata"]["provider"], "rules");
    let (_, conversation) = s.get(&format!("/conversations/{context}")).await;
    assert_eq!(
        conversation["pending_suggestions"].as_array().map(Vec::len),
        Some(1)
    );

    // GET /metrics (issue 12): what happened, counted once, in Prometheus text.
    let denied = s
        .client
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .expect("request");
    assert_eq!(denied.status(), 401);
    let response = s
        .client
        .get(format!("{}/metrics", s.base))
        .header("x-api-key", KEY)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("text");
    let sample = |series: &str| -> Option<f64> {
        text.lines().find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
    };
    assert_eq!(
        sample(r#"MessagesLogged{Channel="sms",Direction="inbound"}"#),
        Some(3.0),
        "{text}"
    );
    assert_eq!(sample("SuggestionsDrafted"), Some(1.0), "{text}");
    assert_eq!(sample("ProviderLatency_count"), Some(1.0), "{text}");
    assert!(text.contains("# TYPE MessagesLogged counter"), "{text}");
}

/// The embedded queue survives a restart (issue 9): a job still waiting in
/// memory when the process stops is in the store's outbox, and the next
/// start drafts it.
#[tokio::test]
async fn a_reply_job_survives_a_restart() {
    let durable = Durable::new("crm-e2e-reply-restart").await;
    let env = durable.env();
    let context = {
        // A debounce of 15 minutes: the job cannot run before the stop.
        let mut slow = env.to_vec();
        slow.push(("CRM_REPLY_DEBOUNCE_SECONDS", "900"));
        let s = start(&slow).await;
        let (_, c) = s
            .post("/customers", json!({"email": "r@example.com"}))
            .await;
        let (status, logged) = s
            .post(
                "/log",
                json!({"customer_id": c["customer_id"], "channel": "sms", "channel_identifier": "+14165551234",
                    "direction": "inbound", "message_body": "Are you open today?"}),
            )
            .await;
        assert_eq!(status, 200, "{logged}");
        let context = logged["context_id"].as_str().unwrap().to_string();
        let (status, _) = s
            .get(&format!("/conversations/{context}/ai-suggestion"))
            .await;
        assert_eq!(status, 202);
        context
    };
    let s = start(&env).await;
    let path = format!("/conversations/{context}/ai-suggestion");
    let started = Instant::now();
    loop {
        let (status, body) = s.get(&path).await;
        if status == 200 {
            assert_eq!(body["ai_metadata"]["provider"], "rules");
            break;
        }
        assert_eq!(status, 202, "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the pending job was not drafted after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Seed 001's "Complete Test Flow" on this API, with the rules provider and
/// the embedded worker: list the conversations needing a reply → get the
/// thread → get the suggestion → regenerate with a tone → approve → the reply
/// is a pending outbound message and the conversation no longer needs one →
/// the stats say so.
#[tokio::test]
async fn seed_001_complete_test_flow() {
    let s = start(&[("CRM_REPLY_DEBOUNCE_SECONDS", "0")]).await;
    let (_, customer) = s
        .post(
            "/customers",
            json!({"name": "John Doe", "email": "john@example.com"}),
        )
        .await;
    let id = customer["customer_id"].as_i64().unwrap();
    let (status, logged) = s
        .post(
            "/log",
            json!({"customer_id": id, "channel": "email", "channel_identifier": "john@example.com",
                "direction": "inbound", "message_subject": "Website Development Proposal",
                "message_body": "Thanks! Can you show me examples?"}),
        )
        .await;
    assert_eq!(status, 200, "{logged}");
    let context = logged["context_id"].as_str().unwrap().to_string();
    let poll = |path: String| {
        let s = &s;
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let (status, body) = s.get(&path).await;
                if status == 200 {
                    return body;
                }
                assert_eq!(status, 202, "{body}");
                assert!(Instant::now() < deadline, "no suggestion in 10 s");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };

    // 1. List conversations needing a reply.
    let (status, list) = s.get("/conversations?needs_reply=true").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["conversations"][0]["context_id"], context.as_str());
    // 2–3. The thread and its suggestion.
    let suggestion = poll(format!("/conversations/{context}/ai-suggestion")).await;
    assert_eq!(
        suggestion["suggested_subject"],
        "Re: Website Development Proposal"
    );
    let (_, thread) = s.get(&format!("/conversations/{context}")).await;
    assert_eq!(thread["pending_suggestions"][0]["id"], suggestion["id"]);
    // 4. Regenerate with a different tone.
    let (status, regenerating) = s
        .post(
            &format!("/conversations/{context}/regenerate"),
            json!({"message_id": logged["log_id"], "tone": "more_casual"}),
        )
        .await;
    assert_eq!(status, 202, "{regenerating}");
    let casual = loop {
        let body = poll(format!("/conversations/{context}/ai-suggestion")).await;
        if body["id"] == regenerating["id"] {
            break body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        casual["suggested_body"]
            .as_str()
            .unwrap()
            .starts_with("Hey!"),
        "{casual}"
    );
    // 5. Approve and "send".
    let (status, approved) = s
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": casual["id"]}),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["success"], true);
    let message_id = approved["data"]["message_id"].as_i64().unwrap();
    let (_, message) = s.get(&format!("/messages/{message_id}")).await;
    assert_eq!(message["direction"], "outbound");
    assert_eq!(message["send_status"], "pending");
    assert_eq!(message["channel"], "email");
    assert_eq!(message["channel_identifier"], "john@example.com");
    assert_eq!(
        message["message_subject"],
        "Re: Website Development Proposal"
    );
    let (_, list) = s.get("/conversations?needs_reply=true").await;
    assert_eq!(list["count"], 0, "{list}");
    let (status, again) = s
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": casual["id"]}),
        )
        .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(
        again["error"],
        "Suggestion already approved. Cannot approve."
    );
    // 6. Check stats.
    let (status, stats) = s.get("/conversations/stats").await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["total_conversations"], 1);
    assert_eq!(stats["needs_reply"], 0);
    assert_eq!(stats["waiting_for_response"], 1);
    assert_eq!(stats["emails_received_week"], 1);
    assert_eq!(stats["emails_sent_week"], 1);
    assert_eq!(stats["ai_suggestions_generated_week"], 2);
    assert_eq!(stats["ai_suggestions_approved_week"], 1);
    assert_eq!(stats["ai_approval_rate_week"], 50.0);
}

/// The moto server the test command started (it serves Secrets Manager
/// beside SQS).
fn moto_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| {
            panic!(
                "this test needs moto's server: run `make test`, or \
                 `eval \"$(bash .ci/sqs-emulator.sh start)\"` first"
            )
        })
}

/// Twilio's signature of a form POST of `params` to `url` with `token`
/// (the server's own signer: this test is about where the token comes
/// from; tests/tests/api/twilio.rs checks the scheme independently).
fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    let token = crm_domain::twilio::AuthToken::new(token).expect("a token");
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crm_domain::twilio::signature::sign(&token, url, &params)
}

/// Issue 22: a secret setting given as `…_SECRET_ARN` is read from Secrets
/// Manager at start (moto's server here) — the binary verifies Twilio's
/// signatures with the token stored there, which is in no environment
/// variable — and an ARN it cannot read stops it, naming the setting.
#[tokio::test]
async fn secret_settings_come_from_secrets_manager_by_arn() {
    let endpoint = moto_endpoint();
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "dummy", "dummy", None, None, "test",
        ))
        .endpoint_url(&endpoint)
        .load()
        .await;
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let token = format!("token-from-secrets-manager-{}", uuid_like());
    let created = secrets
        .create_secret()
        .name(format!("crm-e2e-twilio-{}", uuid_like()))
        .secret_string(&token)
        .send()
        .await
        .expect("secret created");
    let arn = created.arn().expect("arn").to_string();
    let aws = [
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "dummy"),
        ("AWS_SECRET_ACCESS_KEY", "dummy"),
        ("AWS_REGION", "us-east-1"),
    ];
    let mut env = aws.to_vec();
    env.push(("TWILIO_AUTH_TOKEN_SECRET_ARN", &arn));
    let server = start(&env).await;
    let (status, customer) = server
        .post(
            "/customers",
            json!({"name": "Ada", "phone": "+14165551234"}),
        )
        .await;
    assert_eq!(status, 201, "{customer}");
    let (status, logged) = server
        .post(
            "/log",
            json!({"customer_id": customer["customer_id"], "channel": "sms", "channel_identifier": "+14165551234",
                "direction": "outbound", "message_body": "Shipped", "twilio_message_sid": "SM0123456789abcdef0123456789abcdef"}),
        )
        .await;
    assert_eq!(status, 200, "{logged}");
    let path = format!("/messages/{}/status", logged["log_id"]);
    let params = [
        ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
        ("MessageStatus", "delivered"),
    ];
    let callback = |signed_with: &str| {
        let url = format!("{}{path}", server.base);
        server
            .client
            .post(&url)
            .header(
                "x-twilio-signature",
                twilio_signature(signed_with, &url, &params),
            )
            .form(&params)
            .send()
    };
    let forged = callback("some-other-token").await.expect("request");
    assert_eq!(forged.status().as_u16(), 403);
    let genuine = callback(&token).await.expect("request");
    assert_eq!(
        genuine.status().as_u16(),
        200,
        "signed with the secret's token"
    );
    drop(server);

    // An ARN it cannot read: the binary does not start, and says which.
    let missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:no-such-secret";
    let output = Command::new(env!("CARGO_BIN_EXE_local-api"))
        .arg("--addr")
        .arg(format!("127.0.0.1:{}", free_port()))
        .env("CRM_STORE", "sqlite")
        .env(
            "CRM_DATA_DIR",
            std::env::temp_dir().join(format!("crm-e2e-secrets-{}", uuid_like())),
        )
        .env("CRM_API_KEYS", KEY)
        .envs(aws)
        .env("TWILIO_AUTH_TOKEN_SECRET_ARN", missing)
        .output()
        .expect("run local-api");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("TWILIO_AUTH_TOKEN") && stderr.contains(missing),
        "{stderr}"
    );
}
