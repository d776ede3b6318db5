//! What the worker's log says about each SQS record (issue 12). Its own test
//! binary: the subscriber capturing the lines is the only one in the process.

mod common;

use std::sync::Arc;

use common::{crm, deadline, event};
use serde_json::{json, Value};

/// A `MakeWriter` keeping every line written, for the log assertions.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut bytes) = self.0.lock() {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Every line about one SQS record carries, in its `job` span, the trace of
/// the request that enqueued it (`AWSTraceHeader`), its SQS message id and
/// receive count (docs/operations.md "Following one request", step 4; issue 12): the done
/// job and the failed one alike.
#[tokio::test]
async fn each_record_is_logged_under_the_trace_that_queued_it() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_span_list(true)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let crm = crm();
    let model = crm_reply::RulesModel::new();
    crm_reply_worker::handle_event(&crm, &model, event("sqs-batch.json"), deadline())
        .await
        .expect("batch");

    let text =
        String::from_utf8(captured.0.lock().map(|b| b.clone()).unwrap_or_default()).expect("UTF-8");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let job_of = |line: &Value| -> Value {
        line["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|s| s["name"] == "job"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let dropped = lines
        .iter()
        .find(|l| l["fields"]["message"] == "reply job dropped")
        .unwrap_or_else(|| panic!("no line for the first record:\n{text}"));
    assert_eq!(
        job_of(dropped),
        json!({
            "name": "job",
            "message_id": "059f36b4-87a3-44ab-83d2-661975830a7d",
            "queued_by_trace": "Root=1-6750a0f1-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
            "receive_count": "1",
        })
    );
    assert_eq!(
        dropped["fields"]["context_id"],
        "0190c3e2-7d1a-7000-8000-00000000000a"
    );
    let failed = lines
        .iter()
        .find(|l| l["fields"]["message"] == "reply job failed; SQS retries it")
        .unwrap_or_else(|| panic!("no line for the second record:\n{text}"));
    assert_eq!(
        job_of(failed),
        json!({
            "name": "job",
            "message_id": "2e1424d4-f796-459a-8184-9c92662be6da",
            "queued_by_trace": "",
            "receive_count": "5",
        })
    );
    assert_eq!(failed["level"], "WARN");
    assert!(
        !text.contains("\"not a reply job\""),
        "the body stays out of the log:\n{text}"
    );
}
