//! Cold start of Lambda bootstraps, run by `make bench`.
//!
//! Each binary is started `RUNS` times against a small fake Lambda Runtime
//! API on loopback. *Init* is the time from spawning the process to its first
//! `GET /2018-06-01/runtime/invocation/next` (what Lambda reports as Init
//! Duration); then the API Gateway event given is handed over and *first
//! invoke* is the time until its answer is posted back (any status below 500).
//! The process is configured as on AWS (region, credentials in the
//! environment, `TABLE_NAME`); `TABLE_NAME` and `AWS_ENDPOINT_URL_DYNAMODB`
//! are passed through, so an event that reads the table (e.g.
//! `GET /customers/{id}`) talks to DynamoDB Local; without an emulator the
//! endpoint is a closed loopback port, so nothing ever leaves the machine.
//!
//! `cargo run --release --example cold_start -- <event.json> <runs> <bootstrap>[=<event.json>]…`
//! prints one Markdown row per binary (with its own event when one follows
//! `=`, else the first argument's); the first binary is the baseline.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::mpsc;

/// What the fake runtime saw, and when.
enum Seen {
    Next(Instant),
    Answer(Instant, String),
    Error(String),
}

#[derive(Clone)]
struct Runtime {
    event: Arc<String>,
    seen: mpsc::UnboundedSender<Seen>,
    served: Arc<std::sync::atomic::AtomicBool>,
}

async fn next(State(rt): State<Runtime>) -> (HeaderMap, String) {
    let _ = rt.seen.send(Seen::Next(Instant::now()));
    if rt.served.swap(true, std::sync::atomic::Ordering::SeqCst) {
        std::future::pending::<()>().await; // one invocation per process
    }
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", "bench-0001".to_string()),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:000000000000:function:bench".into(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000;Sampled=0".into(),
        ),
        ("content-type", "application/json".into()),
    ] {
        if let Ok(v) = value.parse() {
            headers.insert(name, v);
        }
    }
    (headers, rt.event.as_str().to_string())
}

async fn answer(State(rt): State<Runtime>, body: String) -> &'static str {
    let _ = rt.seen.send(Seen::Answer(Instant::now(), body));
    "{}"
}

async fn error(State(rt): State<Runtime>, body: String) -> &'static str {
    let _ = rt.seen.send(Seen::Error(body));
    "{}"
}

/// The `statusCode` of a lambda_http answer; 200 for a JSON answer without
/// one (a worker's, e.g. the reply worker's `batchItemFailures`); 600 when
/// the answer is not JSON.
fn status_of(body: &str) -> u64 {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => v.get("statusCode").and_then(|s| s.as_u64()).unwrap_or(200),
        Err(_) => 600,
    }
}

/// The next thing the fake runtime saw, within 10 s.
async fn wait(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Option<Seen> {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .ok()
        .flatten()
}

/// One cold start of `binary`: (init, first invoke).
async fn once(binary: &str, event: &Arc<String>) -> Result<(Duration, Duration), String> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let rt = Runtime {
        event: event.clone(),
        seen: tx,
        served: Arc::default(),
    };
    let app = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(answer))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(rt);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "crm-bench".into());
    // Never AWS itself: without an emulator, a store call is refused on loopback.
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| "http://127.0.0.1:9".into());
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs([
            ("AWS_LAMBDA_RUNTIME_API", addr.to_string().as_str()),
            ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench"),
            ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDBENCH"),
            ("AWS_SECRET_ACCESS_KEY", "bench-secret"),
            ("AWS_SESSION_TOKEN", "bench-token"),
            ("TABLE_NAME", table.as_str()),
            ("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true"),
            ("RUST_LOG", "warn"),
        ])
        .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {binary}: {e}"))?;
    let outcome = async {
        let init_at = match wait(&mut rx).await {
            Some(Seen::Next(at)) => at,
            Some(Seen::Error(e)) => return Err(format!("init error: {e}")),
            _ => return Err("no /invocation/next within 10 s".to_string()),
        };
        match wait(&mut rx).await {
            Some(Seen::Answer(at, body)) if status_of(&body) < 500 => {
                Ok((init_at - started, at - init_at))
            }
            Some(Seen::Answer(_, body)) => Err(format!("the answer was a server error: {body}")),
            Some(Seen::Error(e)) => Err(format!("invocation error: {e}")),
            _ => Err("no answer within 10 s".to_string()),
        }
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    server.abort();
    outcome
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [event, runs, binaries @ ..] = args.as_slice() else {
        return Err(
            "usage: cold_start <event.json> <runs> <baseline bootstrap> <bootstrap>…".into(),
        );
    };
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map(Arc::new)
            .map_err(|e| format!("{path}: {e}"))
    };
    let default_event = read(event)?;
    let runs: usize = runs
        .parse()
        .map_err(|_| format!("runs must be a number, got {runs}"))?;
    println!(
        "| bootstrap | event | init p50 | init p90 | first invoke p50 | init p50 ÷ baseline |"
    );
    println!("|---|---|---|---|---|---|");
    let mut baseline = None;
    for arg in binaries {
        let (binary, event_name, event) = match arg.split_once('=') {
            Some((binary, path)) => (binary, path, read(path)?),
            None => (arg.as_str(), event.as_str(), default_event.clone()),
        };
        let mut init = Vec::with_capacity(runs);
        let mut invoke = Vec::with_capacity(runs);
        for _ in 0..runs {
            let (i, v) = once(binary, &event).await?;
            init.push(ms(i));
            invoke.push(ms(v));
        }
        init.sort_by(f64::total_cmp);
        invoke.sort_by(f64::total_cmp);
        let p50 = percentile(&init, 0.5);
        let base = *baseline.get_or_insert(p50);
        let file = |path: &str| {
            std::path::Path::new(path)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| path.to_string())
        };
        println!(
            "| {} | {} | {p50:.1} ms | {:.1} ms | {:.2} ms | {:.2}× |",
            file(binary),
            file(event_name),
            percentile(&init, 0.9),
            percentile(&invoke, 0.5),
            p50 / base
        );
    }
    Ok(())
}
