//! The reply worker's overhead per job (issue 9, `make bench`): 1,000 jobs,
//! each for its own conversation with one inbound message, worked by
//! `Crm::draft_reply` (what the Lambda and local-api run) with the rules
//! provider on the embedded store (a SQLite file, as local-api runs it).
//! Prints p50 / p99 of the whole job and of the rules provider's draft alone,
//! so the worker's own overhead is the difference, and the store calls per job.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_domain::customers::CustomerInput;
use crm_domain::messages::LogMessage;
use crm_domain::reply::{Draft, DraftError, Prompt, ReplyJob, ReplyModel};
use crm_domain::types::{ContextId, LogId};
use crm_domain::{Crm, Settings};
use crm_store_tests::CountingStore;
use serde_json::json;

#[path = "support/timing.rs"]
mod timing;

const JOBS: usize = 1000;

/// The rules provider, timing each of its calls.
struct Timed {
    rules: crm_reply::RulesModel,
    spent: std::sync::Mutex<Vec<Duration>>,
}

#[async_trait::async_trait]
impl ReplyModel for Timed {
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError> {
        let started = Instant::now();
        let draft = self.rules.draft(prompt).await;
        self.spent
            .lock()
            .map_err(|_| DraftError::Provider("poisoned".into()))?
            .push(started.elapsed());
        draft
    }
}

#[tokio::main]
async fn main() {
    let data = std::env::temp_dir().join(format!("reply-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data).expect("temp dir");
    let store = crm_store_sqlite::SqliteStore::open(&data.join("crm.sqlite3")).expect("sqlite");
    let counting = Arc::new(CountingStore::new(Arc::new(store)));
    let crm = Crm::new(counting.clone(), Settings::default());
    let mut jobs = Vec::with_capacity(JOBS);
    for i in 0..JOBS {
        let input: CustomerInput =
            serde_json::from_value(json!({"email": format!("c{i}@example.com")})).expect("input");
        let customer = crm.create_customer(&input).await.expect("customer");
        let log: LogMessage = serde_json::from_value(json!({"customer_id": customer.customer_id,
            "channel": "sms", "channel_identifier": "+14165550000", "direction": "inbound",
            "message_body": "Hi, what are your opening hours on Saturday? I need to pick up my order."}))
        .expect("log");
        let logged = crm.log_message(&log).await.expect("logged");
        jobs.push(ReplyJob {
            context_id: ContextId::parse("context_id", &logged.context_id).expect("uuid"),
            log_id: LogId::parse(&logged.log_id.to_string()).expect("id"),
            revision: 0,
        });
    }
    let model = Timed {
        rules: crm_reply::RulesModel::new(),
        spent: std::sync::Mutex::new(Vec::new()),
    };
    counting.reset();
    let mut whole = Vec::with_capacity(JOBS);
    for job in &jobs {
        let started = Instant::now();
        crm.draft_reply(job, &model).await.expect("drafted");
        whole.push(started.elapsed());
    }
    let calls = counting.total() as f64 / JOBS as f64;
    let drafts = model.spent.lock().expect("lock").clone();
    let overhead = timing::minus(&whole, &drafts);
    timing::print_table(
        &format!("reply worker, {JOBS} jobs, rules provider, embedded SQLite (file)"),
        &mut [
            ("whole job", whole),
            ("rules provider's draft alone", drafts),
            ("worker overhead (job − draft)", overhead),
        ],
    );
    println!("store calls per job: {calls:.1}");
    let _ = std::fs::remove_dir_all(&data);
}
