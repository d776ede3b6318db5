//! The sender's overhead per message (issue 22, `make bench`): 1,000
//! outbound SMS the CRM is asked to send (`POST /log` with `"send": true`,
//! each to its own customer), delivered one after another by
//! `Crm::deliver` — what the `crm-sender` Lambda and local-api run —
//! through the real Twilio courier to a stub of Twilio's Messages API
//! (wiremock, answering 201 with a `sid`). Prints the provider calls the
//! stub received (exactly one per message), p50 / p99 of the whole job and
//! of the courier's call alone, so the sender's own overhead is the
//! difference, the store calls per message, and — on DynamoDB Local
//! (`AWS_ENDPOINT_URL_DYNAMODB` set) — the capacity units per delivered
//! message; else on the embedded store (a SQLite file).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crm_couriers::twilio::{Sender, TwilioCourier};
use crm_domain::customers::CustomerInput;
use crm_domain::flows::SendOutcome;
use crm_domain::messages::LogMessage;
use crm_domain::sending::{Attempt, Courier, Couriers, Envelope, Provider, SendJob};
use crm_domain::store::Store;
use crm_domain::types::LogId;
use crm_domain::{Crm, Settings};
use crm_store_tests::CountingStore;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/timing.rs"]
mod timing;

const MESSAGES: usize = 1000;

/// The Twilio courier, timing each of its calls (the provider's time).
struct Timed {
    inner: TwilioCourier,
    spent: Mutex<Vec<Duration>>,
}

#[async_trait::async_trait]
impl Courier for Timed {
    fn provider(&self) -> Provider {
        Provider::Twilio
    }

    async fn send(&self, envelope: &Envelope) -> Attempt {
        let started = Instant::now();
        let attempt = self.inner.send(envelope).await;
        if let Ok(mut spent) = self.spent.lock() {
            spent.push(started.elapsed());
        }
        attempt
    }
}

#[tokio::main]
async fn main() {
    let data = std::env::temp_dir().join(format!("send-bench-{}", std::process::id()));
    std::fs::create_dir_all(&data).expect("temp dir");
    let dynamo = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok_and(|v| !v.is_empty());
    let (store, capacity): (Arc<dyn Store>, Option<crm_store_dynamodb::DynamoStore>) = if dynamo {
        let s = crm_store_dynamodb::testing::fresh_store()
            .await
            .expect("a table on DynamoDB Local");
        (Arc::new(s.clone()), Some(s))
    } else {
        let s = crm_store_sqlite::SqliteStore::open(&data.join("crm.sqlite3")).expect("sqlite");
        (Arc::new(s), None)
    };
    let counting = Arc::new(CountingStore::new(store));
    let mut settings = Settings::default();
    settings.sending.twilio = true;
    let crm = Crm::new(counting.clone(), settings);

    let twilio = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}),
        ))
        .mount(&twilio)
        .await;
    let courier = Arc::new(Timed {
        inner: TwilioCourier::new(
            &twilio.uri(),
            "AC0123456789abcdef0123456789abcdef",
            "bench-token",
            Sender::From("+15550001111".into()),
            Some("https://crm.example.com".into()),
            Duration::from_secs(10),
        )
        .expect("courier"),
        spent: Mutex::new(Vec::new()),
    });
    let couriers = Couriers::new().with(courier.clone());

    let mut jobs = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        let phone = format!("+1416555{i:04}");
        let input: CustomerInput = serde_json::from_value(json!({"phone": phone})).expect("input");
        let customer = crm.create_customer(&input).await.expect("customer");
        let log: LogMessage = serde_json::from_value(json!({"customer_id": customer.customer_id,
            "channel": "sms", "channel_identifier": phone, "direction": "outbound",
            "message_body": "Your order shipped today; it arrives Thursday.", "send": true}))
        .expect("log");
        let logged = crm.log_message(&log).await.expect("logged");
        jobs.push(SendJob {
            log_id: LogId::parse(&logged.log_id.to_string()).expect("id"),
        });
    }
    counting.reset();
    if let Some(c) = &capacity {
        c.capacity().take();
    }
    let mut whole = Vec::with_capacity(MESSAGES);
    for job in &jobs {
        let started = Instant::now();
        let outcome = crm.deliver(job, &couriers).await.expect("delivered");
        whole.push(started.elapsed());
        assert_eq!(outcome, SendOutcome::Sent);
    }
    let units = capacity
        .as_ref()
        .map(|c| c.capacity().take() / MESSAGES as f64);
    let calls = counting.total() as f64 / MESSAGES as f64;
    // Every job again (SQS delivers at least once): no second call.
    for job in &jobs[..100] {
        let again = crm.deliver(job, &couriers).await.expect("redelivered");
        assert_eq!(again, SendOutcome::Skipped("not pending"));
    }
    let received = twilio.received_requests().await.map_or(0, |r| r.len());
    let provider = courier.spent.lock().expect("lock").clone();
    let overhead = timing::minus(&whole, &provider);
    let store_name = if dynamo {
        "DynamoDB Local"
    } else {
        "embedded SQLite (file)"
    };
    timing::print_table(
        &format!("sender, {MESSAGES} SMS through a Twilio stub (wiremock), {store_name}"),
        &mut [
            ("whole job", whole),
            ("the courier's call alone (the provider's time)", provider),
            ("sender overhead (job − call)", overhead),
        ],
    );
    println!("provider calls received: {received} for {MESSAGES} messages (+100 redelivered jobs)");
    println!("store calls per message: {calls:.1}");
    if let Some(units) = units {
        println!("capacity units per delivered message (DynamoDB Local's accounting): {units:.1}");
    }
    assert_eq!(received, MESSAGES, "exactly one provider call per message");
    let _ = std::fs::remove_dir_all(&data);
}
