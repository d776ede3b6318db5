//! Seed 002's ingest endpoint under load (`make bench`): one request of 500
//! messages over 5 conversations (new participants), sent cold (every
//! message new) and replayed (every message a duplicate), over a socket to
//! the whole API. Prints the median wall time of 5 rounds and the store
//! calls of one round; on DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB` set)
//! also the consumed capacity. Otherwise the embedded store, on disk as
//! local-api runs it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crm_domain::store::Store;
use crm_http::{ApiKeys, Auth};
use crm_store_tests::CountingStore;
use serde_json::{json, Value};

const ROUNDS: usize = 5;

#[tokio::main]
async fn main() {
    let dynamo = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok();
    let data = std::env::temp_dir().join(format!("ingest-bench-{}", std::process::id()));
    let (inner, capacity): (Arc<dyn Store>, Option<crm_store_dynamodb::DynamoStore>) = if dynamo {
        let store = crm_store_dynamodb::testing::fresh_store()
            .await
            .expect("a table on DynamoDB Local");
        (Arc::new(store.clone()), Some(store))
    } else {
        std::fs::create_dir_all(&data).expect("temp dir");
        let store = crm_store_sqlite::SqliteStore::open(&data.join("crm.sqlite3")).expect("sqlite");
        (Arc::new(store), None)
    };
    let counting = Arc::new(CountingStore::new(inner));
    let state = crm_http::bootstrap::state_with(counting.clone()).expect("state");
    let app = local_api::app(state, Auth::Keys(ApiKeys::from_plaintext(["k"])));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();

    let mut cold = Vec::new();
    let mut replay = Vec::new();
    let mut calls = (0, 0);
    let mut units = (0.0, 0.0);
    for round in 0..ROUNDS {
        let id = format!("bench_{round}");
        let created: Value = client
            .post(format!("{base}/ingest/connections"))
            .header("x-api-key", "k")
            .json(&json!({"platform": "whatsapp", "name": "bench", "connection_id": id}))
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        let secret = created["api_secret"].as_str().expect("secret").to_string();
        let conversations: Vec<Value> = (0..5)
            .map(|c| json!({
                "external_conversation_id": format!("chat_{c}"),
                "participant_identifier": format!("+1416{round:03}{c:04}"),
                "participant_name": format!("Bench {round}-{c}"),
                "messages": (0..100).map(|m| json!({
                    "id": format!("msg_{c}_{m}"),
                    "direction": if m % 2 == 0 { "inbound" } else { "outbound" },
                    "type": "text",
                    "content": format!("message {m} of chat {c}: some ordinary text of a chat message"),
                    "sent_at": format!("2026-11-01T10:{:02}:{:02}Z", m / 60, m % 60)
                })).collect::<Vec<_>>()
            }))
            .collect();
        let body =
            json!({"platform": "whatsapp", "connection_id": id, "conversations": conversations});
        for (times, slot, unit) in [
            (&mut cold, &mut calls.0, &mut units.0),
            (&mut replay, &mut calls.1, &mut units.1),
        ] {
            counting.reset();
            if let Some(c) = &capacity {
                c.capacity().take();
            }
            let start = Instant::now();
            let response: Value = client
                .post(format!("{base}/functions/v1/messaging-ingest"))
                .header("x-api-key", &secret)
                .json(&body)
                .send()
                .await
                .expect("ingest")
                .json()
                .await
                .expect("json");
            times.push(start.elapsed());
            assert_eq!(response["processed"], 5, "{response}");
            *slot = counting.total();
            if let Some(c) = &capacity {
                *unit = c.capacity().take();
            }
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1000.0
    };
    let store = if dynamo {
        "DynamoDB Local"
    } else {
        "embedded SQLite (file)"
    };
    println!("| ingest 500 messages / 5 conversations, {store} | median of {ROUNDS} | store calls | capacity units |");
    println!("|---|---|---|---|");
    println!(
        "| cold (all new) | {:.1} ms | {} | {} |",
        median(&mut cold),
        calls.0,
        if dynamo {
            format!("{:.1}", units.0)
        } else {
            "—".into()
        }
    );
    println!(
        "| replay (all duplicates) | {:.1} ms | {} | {} |",
        median(&mut replay),
        calls.1,
        if dynamo {
            format!("{:.1}", units.1)
        } else {
            "—".into()
        }
    );
    let _ = std::fs::remove_dir_all(&data);
}
