//! The real `crm-log` bootstrap under a Lambda Runtime API (wiremock on a
//! socket, as Lambda's runtime API speaks it) over DynamoDB Local: what an
//! operator reads in CloudWatch after one `POST /log` (issue 12).
//!
//! - every JSON log line written while the invocation runs carries the
//!   Lambda request id and the X-Ray trace id (`spans[]` of the runtime's
//!   `Lambda runtime invoke` span) and the access-log line also API
//!   Gateway's request id (`request_id` of the `request` span, the id of the
//!   API access log and of error bodies);
//! - one embedded-metric-format line counts the message under `MessagesLogged`
//!   with dimensions `Channel`, `Direction`, namespace `CRM_METRICS_NAMESPACE`;
//! - no line holds the message body or the customer's phone number.

use std::process::{Command, Stdio};
use std::time::Duration;

use crm_domain::{Crm, Settings};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LAMBDA_REQUEST_ID: &str = "5a7f1c8e-0b5e-4d0e-9d6f-1f2e3d4c5b6a";
const TRACE: &str = "Root=1-6750a0f1-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
const API_REQUEST_ID: &str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
const BODY: &str = "Hi, I need help with pricing";
const PHONE: &str = "+14165551234";

fn event(customer_id: i64) -> Value {
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/log-inbound.json");
    let mut event: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("event")).expect("JSON");
    event["body"] = json!(json!({
        "customer_id": customer_id,
        "channel": "sms",
        "channel_identifier": PHONE,
        "direction": "inbound",
        "message_body": BODY,
    })
    .to_string());
    assert_eq!(event["requestContext"]["requestId"], API_REQUEST_ID);
    event
}

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect()
}

fn span_field<'a>(line: &'a Value, field: &str) -> Option<&'a str> {
    line["spans"]
        .as_array()?
        .iter()
        .find_map(|s| s.get(field).and_then(Value::as_str))
}

#[tokio::test]
async fn one_request_is_followed_through_logs_and_metrics() {
    let store = crm_store_dynamodb::testing::fresh_store()
        .await
        .expect("a table on DynamoDB Local");
    let table = store.table().to_string();
    let crm = Crm::new(std::sync::Arc::new(store), Settings::default());
    let input = serde_json::from_value(json!({"name": "Ana", "phone": PHONE})).expect("input");
    let customer = crm.create_customer(&input).await.expect("customer");

    let runtime = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2018-06-01/runtime/invocation/next"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(event(customer.customer_id))
                .insert_header("lambda-runtime-aws-request-id", LAMBDA_REQUEST_ID)
                .insert_header("lambda-runtime-trace-id", TRACE)
                .insert_header("lambda-runtime-deadline-ms", "4102444800000")
                .insert_header(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:crm-log",
                ),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&runtime)
        .await;
    // The next poll waits (Lambda freezes the process between invocations).
    Mock::given(method("GET"))
        .and(path("/2018-06-01/runtime/invocation/next"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .with_priority(2)
        .mount(&runtime)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/2018-06-01/runtime/"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&runtime)
        .await;

    let address = runtime.address().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm-log"))
        .env("AWS_LAMBDA_RUNTIME_API", &address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "crm-log")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/crm-log")
        .env("TABLE_NAME", &table)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "dummy")
        .env("AWS_SECRET_ACCESS_KEY", "dummy")
        .env("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true")
        .env("CRM_METRICS_NAMESPACE", "CRM-test")
        .env("RUST_LOG", "info")
        .env_remove("CRM_API_KEYS")
        .env_remove("REPLY_QUEUE_URL")
        .env_remove("EVENT_BUS_NAME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start crm-log");

    // The answer, then the next poll: the runtime asks for the next event
    // only once the invocation is over, EMF line included. Killing the
    // process on the answer alone lost that line now and then (CI, 2026-12-07).
    let mut answer = None;
    for _ in 0..300 {
        let requests = runtime.received_requests().await.unwrap_or_default();
        if answer.is_none() {
            if let Some(r) = requests.iter().find(|r| r.method.as_str() == "POST") {
                answer = Some((r.url.path().to_string(), r.body.clone()));
            }
        }
        let polls = requests
            .iter()
            .filter(|r| r.method.as_str() == "GET" && r.url.path().ends_with("/next"))
            .count();
        if answer.is_some() && polls >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The line is written before the poll; give the pipe a moment.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = child.kill();
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let (posted_to, body) = answer.unwrap_or_else(|| {
        panic!(
            "no answer to the runtime API in 30 s; stdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(
        posted_to,
        format!("/2018-06-01/runtime/invocation/{LAMBDA_REQUEST_ID}/response"),
        "stdout:\n{stdout}"
    );
    let response: Value = serde_json::from_slice(&body).expect("proxy response");
    assert_eq!(response["statusCode"], 200, "{response}");

    let all = lines(&stdout);
    // Log lines of the invocation: from the first one inside the runtime's span on.
    let logs: Vec<&Value> = all.iter().filter(|l| l.get("level").is_some()).collect();
    let first = logs
        .iter()
        .position(|l| span_field(l, "requestId").is_some())
        .unwrap_or_else(|| panic!("no log line inside the invocation:\n{stdout}"));
    for line in &logs[first..] {
        assert_eq!(
            span_field(line, "requestId"),
            Some(LAMBDA_REQUEST_ID),
            "{line}"
        );
        assert_eq!(span_field(line, "xrayTraceId"), Some(TRACE), "{line}");
    }
    let access = logs
        .iter()
        .find(|l| l["message"] == "request")
        .unwrap_or_else(|| panic!("no access-log line:\n{stdout}"));
    assert_eq!(
        span_field(access, "request_id"),
        Some(API_REQUEST_ID),
        "{access}"
    );
    assert_eq!(access["route"], "/log");
    assert_eq!(access["status"], 200);

    let emf = all
        .iter()
        .find(|l| l["MessagesLogged"].is_number())
        .unwrap_or_else(|| panic!("no MessagesLogged metric:\n{stdout}"));
    let metrics = &emf["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(metrics["Namespace"], "CRM-test");
    assert_eq!(metrics["Dimensions"], json!([["Channel", "Direction"]]));
    assert_eq!(metrics["Metrics"][0]["Name"], "MessagesLogged");
    assert_eq!(metrics["Metrics"][0]["Unit"], "Count");
    assert_eq!(emf["MessagesLogged"], 1);
    assert_eq!(emf["Channel"], "sms");
    assert_eq!(emf["Direction"], "inbound");
    assert_eq!(emf["LambdaRequestId"], LAMBDA_REQUEST_ID);
    assert_eq!(emf["XrayTraceId"], TRACE);
    assert_eq!(emf["Function"], "crm-log");

    // The log volume of one request (docs/operations.md "What observability costs";
    // `cargo test -p crm-log --test lambda_runtime -- --nocapture`).
    let bytes = |pick: &dyn Fn(&Value) -> bool| -> usize {
        stdout
            .lines()
            .filter(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| pick(&v)))
            .map(|l| l.len() + 1)
            .sum()
    };
    println!(
        "bytes written for one POST /log: request line {}, EMF {}, other log lines {}",
        bytes(&|v| v["message"] == "request"),
        bytes(&|v| v.get("_aws").is_some()),
        bytes(&|v| v.get("level").is_some() && v["message"] != "request"),
    );

    for personal in [BODY, PHONE, "4165551234"] {
        assert!(
            !stdout.contains(personal),
            "stdout holds {personal:?}:\n{stdout}"
        );
    }
}
