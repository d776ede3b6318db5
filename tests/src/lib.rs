//! Test support: [`spawn_app`] starts the real application (every group's
//! router with the common layers) on a random loopback port over a store
//! wrapped in a [`CountingStore`], and [`TestApp`] calls it over real HTTP.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_domain::clock::Clock;
use crm_domain::reply::{Draft, DraftError, JobQueue, Prompt, QueueError, ReplyJob, ReplyModel};
use crm_domain::sending::SendQueue;
use crm_domain::store::Store;
use crm_domain::{Crm, Settings};
use crm_http::{ApiKeys, Auth};
use crm_store_tests::CountingStore;
use serde_json::Value;

/// The API key every test app accepts.
pub const TEST_KEY: &str = "test-key-0123456789";
/// A second accepted key (another client), e.g. for per-key scopes.
pub const OTHER_KEY: &str = "other-key-9876543210";

/// A fresh, empty store of the kind named by `CRM_TEST_STORE`: `sqlite` (default,
/// in memory) or `dynamodb` (a new table on the emulator at `AWS_ENDPOINT_URL_DYNAMODB`).
pub async fn test_store() -> Arc<dyn Store> {
    match std::env::var("CRM_TEST_STORE").as_deref() {
        Ok("sqlite") | Err(_) => {
            Arc::new(crm_store_sqlite::SqliteStore::in_memory().expect("in-memory store"))
        }
        Ok("dynamodb") => Arc::new(
            crm_store_dynamodb::testing::fresh_store()
                .await
                .expect("a table on DynamoDB Local"),
        ),
        Ok(other) => panic!("CRM_TEST_STORE={other} is not a store (sqlite | dynamodb)"),
    }
}

/// A running app.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Counts the store calls the app makes.
    pub store: Arc<CountingStore>,
    /// The app's service (same store, same queue), for driving the reply
    /// worker's flow as the worker Lambda does.
    pub crm: Crm,
    client: reqwest::Client,
}

/// Starts the whole API on a random port over a fresh store.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(test_store().await).await
}

/// Starts the whole API on a random port over `store`.
pub async fn spawn_app_on(store: Arc<dyn Store>) -> TestApp {
    spawn_app_with(store, None).await
}

/// Starts the whole API on a random port over a fresh store, sending reply
/// jobs to `queue`.
pub async fn spawn_app_with_queue(queue: Arc<dyn JobQueue>) -> TestApp {
    spawn_app_with(test_store().await, Some(queue)).await
}

/// Starts the whole API on a random port over `store`, with `queue` for reply jobs.
pub async fn spawn_app_with(store: Arc<dyn Store>, queue: Option<Arc<dyn JobQueue>>) -> TestApp {
    spawn_app_full(store, queue, None, |_| {}, None).await
}

/// Starts the whole API on a random port over a fresh store, its settings
/// (those of the environment) changed by `configure` first.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_full(test_store().await, None, None, configure, None).await
}

/// Starts the whole API on a random port over a fresh store, reading the
/// time from `clock` where records expire.
pub async fn spawn_app_clocked(clock: Arc<dyn Clock>) -> TestApp {
    spawn_app_full(test_store().await, None, None, |_| {}, Some(clock)).await
}

/// Starts the whole API on a random port over a fresh store for the
/// sender's tests (issue 22): settings changed by `configure`, reply jobs
/// recorded in the returned queue, send jobs to `sends` (the embedded
/// sender's queue, or none: the test calls `Crm::deliver` itself), the
/// time from `clock`.
pub async fn spawn_sending_app(
    configure: impl FnOnce(&mut Settings),
    sends: Option<Arc<dyn SendQueue>>,
    clock: Option<Arc<dyn Clock>>,
) -> (TestApp, Arc<RecordingQueue>) {
    let replies = Arc::new(RecordingQueue::default());
    let queue: Arc<dyn JobQueue> = replies.clone();
    let app = spawn_app_full(test_store().await, Some(queue), sends, configure, clock).await;
    (app, replies)
}

async fn spawn_app_full(
    store: Arc<dyn Store>,
    queue: Option<Arc<dyn JobQueue>>,
    sends: Option<Arc<dyn SendQueue>>,
    configure: impl FnOnce(&mut Settings),
    clock: Option<Arc<dyn Clock>>,
) -> TestApp {
    let counting = Arc::new(CountingStore::new(store));
    let state = crm_http::bootstrap::state_with(counting.clone()).expect("state");
    let mut settings = state.crm.settings().clone();
    configure(&mut settings);
    let mut crm = Crm::new(counting.clone(), settings);
    if let Some(clock) = clock {
        crm = crm.with_clock(clock);
    }
    let state = crm_http::AppState { crm };
    let (mut state, hub) = local_api::with_events(state);
    if let Some(q) = queue {
        state.crm = state.crm.with_queue(q);
    }
    if let Some(q) = sends {
        state.crm = state.crm.with_send_queue(q);
    }
    let crm = state.crm.clone();
    let app = local_api::app_with_events(
        state,
        Auth::Keys(ApiKeys::from_plaintext([TEST_KEY, OTHER_KEY])),
        hub,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    TestApp {
        base,
        store: counting,
        crm,
        client: reqwest::Client::new(),
    }
}

/// A clock a test moves forward: the system's plus an offset.
#[derive(Default)]
pub struct ManualClock {
    offset_secs: std::sync::atomic::AtomicI64,
}

impl ManualClock {
    /// Moves the clock `secs` seconds ahead.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
            + time::Duration::seconds(self.offset_secs.load(Ordering::SeqCst))
    }
}

/// A queue that keeps what it is given, for tests to hand to the worker.
#[derive(Default)]
pub struct RecordingQueue {
    jobs: Mutex<Vec<(ReplyJob, Duration)>>,
}

impl RecordingQueue {
    /// The jobs enqueued since the last call, with their delays.
    pub fn take(&self) -> Vec<(ReplyJob, Duration)> {
        std::mem::take(&mut *self.jobs.lock().expect("lock"))
    }
}

#[async_trait::async_trait]
impl JobQueue for RecordingQueue {
    async fn enqueue(&self, jobs: &[ReplyJob], delay: Duration) -> Result<(), QueueError> {
        let mut held = self.jobs.lock().expect("lock");
        held.extend(jobs.iter().map(|j| (j.clone(), delay)));
        Ok(())
    }
}

/// A model that counts its calls and answers with the offline rules provider.
#[derive(Default)]
pub struct CountingModel {
    calls: AtomicUsize,
    rules: crm_reply::RulesModel,
}

impl CountingModel {
    /// Calls so far.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl ReplyModel for CountingModel {
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.rules.draft(prompt).await
    }
}

/// A response: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
    /// `content-type` header.
    pub content_type: String,
    /// `retry-after` header, if any.
    pub retry_after: Option<String>,
    /// `idempotent-replayed` header, if any.
    pub replayed: Option<String>,
}

impl Reply {
    /// `body[name]`.
    pub fn get(&self, name: &str) -> &Value {
        &self.body[name]
    }
}

impl TestApp {
    /// Sends `method path` with the test key and an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .client
            .request(
                method.parse().expect("method"),
                format!("{}{}", self.base, path),
            )
            .header("x-api-key", TEST_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::reply(req.send().await.expect("request")).await
    }

    /// Sends a raw body with the given content type (or none).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        content_type: Option<&str>,
        key: Option<&str>,
    ) -> Reply {
        let mut req = self
            .client
            .request(
                method.parse().expect("method"),
                format!("{}{}", self.base, path),
            )
            .body(body.to_vec());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        Self::reply(req.send().await.expect("request")).await
    }

    async fn reply(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let replayed = resp
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = resp.bytes().await.expect("body");
        Reply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            content_type,
            retry_after,
            replayed,
        }
    }

    /// `POST path` with a JSON body, `Idempotency-Key: key` and API key `api_key`.
    pub async fn post_once(&self, path: &str, body: &Value, key: &str, api_key: &str) -> Reply {
        let req = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("x-api-key", api_key)
            .header("idempotency-key", key)
            .json(body);
        Self::reply(req.send().await.expect("request")).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call("PUT", path, Some(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call("PATCH", path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, None).await
    }

    /// Creates a customer from `body`, asserting 201; returns its id.
    pub async fn customer(&self, body: Value) -> i64 {
        let r = self.post("/customers", body).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.get("customer_id").as_i64().expect("customer_id")
    }

    /// Logs a message for `customer_id`, asserting 200; returns (log_id, context_id).
    pub async fn log(&self, customer_id: i64, direction: &str, text: &str) -> (i64, String) {
        let r = self
            .post(
                "/log",
                serde_json::json!({"customer_id": customer_id, "channel": "sms", "channel_identifier": "+14165551234",
                    "direction": direction, "message_body": text}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        (
            r.get("log_id").as_i64().expect("log_id"),
            r.get("context_id")
                .as_str()
                .expect("context_id")
                .to_string(),
        )
    }
}

/// Asserts `reply` is an error with `status` in the documented JSON shape.
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert!(
        reply.content_type.starts_with("application/json"),
        "content-type {}",
        reply.content_type
    );
    assert!(
        reply.get("error").as_str().is_some_and(|e| !e.is_empty()),
        "{:?}",
        reply.body
    );
    assert_eq!(reply.get("code"), code, "{:?}", reply.body);
    assert!(
        reply
            .get("request_id")
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{:?}",
        reply.body
    );
}

/// Twilio's signature of a form POST of `params` to `url` with auth token
/// `token`, written from Twilio's "Webhooks security" page (independently
/// of the server's code): base64 of HMAC-SHA1 over the URL followed by each
/// parameter's name and value, sorted by name.
pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac =
        hmac::Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl TestApp {
    /// Posts `params` as Twilio does: a form with `X-Twilio-Signature`
    /// (`signature`, or none), no API key.
    pub async fn post_form(
        &self,
        path: &str,
        params: &[(&str, &str)],
        signature: Option<&str>,
    ) -> Reply {
        let mut req = self
            .client
            .post(format!("{}{}", self.base, path))
            .form(params);
        if let Some(sig) = signature {
            req = req.header("x-twilio-signature", sig);
        }
        Self::reply(req.send().await.expect("request")).await
    }

    /// Posts `params` to `path` signed with `token` over this app's URL of `path`.
    pub async fn twilio(&self, token: &str, path: &str, params: &[(&str, &str)]) -> Reply {
        let url = format!("{}{}", self.base, path);
        self.post_form(path, params, Some(&twilio_signature(token, &url, params)))
            .await
    }
}

/// Reads `response` until `n` SSE events arrived; answers them as (event name, data JSON) and the raw text.
pub async fn next_events(
    response: &mut reqwest::Response,
    buffer: &mut String,
    n: usize,
) -> Vec<(String, Value)> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events: Vec<(String, Value)> = buffer
            .split("\n\n")
            .filter(|block| block.lines().any(|l| l.starts_with("data:")))
            .map(|block| {
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.trim().to_string())
                        .unwrap_or_default()
                };
                (
                    field("event:"),
                    serde_json::from_str(&field("data:")).expect("json data"),
                )
            })
            .collect();
        if events.len() >= n {
            return events;
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .expect("events within 10 s")
            .expect("stream");
        buffer.push_str(&String::from_utf8_lossy(&chunk.expect("open stream")));
    }
}
