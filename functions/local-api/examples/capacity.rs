//! DynamoDB consumed capacity per endpoint for the guide's Workflow 2 then
//! Workflow 1, then the write path's cases of issue 21 (20 inbound messages
//! in a row, each moving the pending reply job; an outbound one ending it;
//! a reply job), against DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB`), with
//! `ReturnConsumedCapacity=TOTAL` on every call a request makes. Run by
//! `make bench`. DynamoDB Local's figures, as reported: it charges a
//! transaction's writes 4 units per KB (DynamoDB prices them at 2), see
//! docs/performance.md.

use std::sync::Arc;

use crm_http::{ApiKeys, Auth};
use serde_json::{json, Value};

#[tokio::main]
async fn main() {
    let store = crm_store_dynamodb::testing::fresh_store()
        .await
        .expect("a table on DynamoDB Local");
    let capacity_of = store.clone();
    let state = crm_http::bootstrap::state_with(Arc::new(store)).expect("state");
    let crm = state.crm.clone();
    let app = local_api::app(state, Auth::Keys(ApiKeys::from_plaintext(["k"])));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let mut req = client
                .request(method.parse().expect("method"), format!("{base}{path}"))
                .header("x-api-key", "k");
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.expect("request");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let mut rows: Vec<(String, u16, f64)> = Vec::new();
    let mut measure = |label: &str, status: u16| {
        rows.push((label.to_string(), status, capacity_of.capacity().take()))
    };
    capacity_of.capacity().take();

    let phone = "%2B14165551234";
    let (s, _) = call("GET", format!("/context/{phone}?by=phone_normalized"), None).await;
    measure("W2.1 GET /context (unknown phone)", s);
    let (s, c) = call(
        "POST",
        "/customers".into(),
        Some(json!({"name": "John Doe", "phone": "+14165551234", "email": "john@example.com"})),
    )
    .await;
    measure("W2.2 POST /customers", s);
    let id = c["customer_id"].as_i64().expect("id");
    let (s, _) = call("GET", format!("/context/{phone}?by=phone_normalized"), None).await;
    measure("W2.3 GET /context (new customer)", s);
    let msg = |direction: &str, text: &str| json!({"customer_id": id, "channel": "sms", "channel_identifier": "+14165551234", "direction": direction, "message_body": text});
    let (s, l) = call(
        "POST",
        "/log".into(),
        Some(msg("inbound", "Hi, I need help with pricing")),
    )
    .await;
    measure("W2.4 POST /log inbound (opens conversation)", s);
    let ctx = l["context_id"].as_str().expect("context").to_string();
    let mut reply = msg("outbound", "Our plans start at $99/month");
    reply["context_id"] = json!(ctx);
    let (s, _) = call("POST", "/log".into(), Some(reply)).await;
    measure("W2.6 POST /log outbound (with context_id)", s);
    let (s, _) = call(
        "POST",
        format!("/context/{ctx}/update"),
        Some(json!({"summary": "Pricing", "intent": "pricing_inquiry", "sentiment": "positive"})),
    )
    .await;
    measure("W2.7 POST /context/{id}/update", s);
    let (s, _) = call("GET", format!("/context/{phone}?by=phone_normalized"), None).await;
    measure("W1.1 GET /context (open conversation, 2 messages)", s);
    let (s, _) = call(
        "POST",
        "/log".into(),
        Some(msg("inbound", "We are 50 users")),
    )
    .await;
    measure("W1.2 POST /log inbound (open conversation)", s);
    let mut out = msg("outbound", "Enterprise it is");
    out["context_id"] = json!(ctx);
    let (s, _) = call("POST", "/log".into(), Some(out)).await;
    measure("W1.4 POST /log outbound (with context_id)", s);
    let (s, _) = call(
        "POST",
        format!("/context/{ctx}/update"),
        Some(json!({"summary": "Enterprise, 50 users"})),
    )
    .await;
    measure("W1.5 POST /context/{id}/update", s);

    // Issue 21's cases: 20 inbound in a row (each moves the pending reply
    // job), then an outbound one with context_id that ends it.
    let mut units = Vec::new();
    for i in 0..20 {
        let (s, _) = call(
            "POST",
            "/log".into(),
            Some(msg("inbound", &format!("more {i}"))),
        )
        .await;
        assert_eq!(s, 200);
        units.push(capacity_of.capacity().take());
    }
    let average = units.iter().sum::<f64>() / units.len() as f64;
    let most = units.iter().cloned().fold(0.0, f64::max);
    let mut out = msg("outbound", "Done");
    out["context_id"] = json!(ctx);
    let (s, _) = call("POST", "/log".into(), Some(out)).await;
    let ended = capacity_of.capacity().take();
    rows.push((
        format!("20 × POST /log inbound in a row, average (most {most:.1})"),
        200,
        average,
    ));
    rows.push((
        "POST /log outbound with context_id, ending a pending reply job".into(),
        s,
        ended,
    ));
    // A reply job: the inbound message's draft, by the rules provider.
    let (s, l) = call(
        "POST",
        "/log".into(),
        Some(msg("inbound", "What does it cost?")),
    )
    .await;
    assert_eq!(s, 200);
    let job = crm_domain::reply::ReplyJob {
        context_id: crm_domain::types::ContextId::parse("context_id", &ctx).expect("uuid"),
        log_id: crm_domain::types::LogId::parse(&l["log_id"].to_string()).expect("log id"),
        revision: 0,
    };
    capacity_of.capacity().take();
    crm.draft_reply(&job, &crm_reply::RulesModel::default())
        .await
        .expect("drafted");
    rows.push((
        "reply job (rules provider)".into(),
        200,
        capacity_of.capacity().take(),
    ));

    println!("| step | status | consumed capacity units (read + write) |");
    println!("|---|---|---|");
    for (label, status, units) in rows {
        println!("| {label} | {status} | {units:.1} |");
    }
}
