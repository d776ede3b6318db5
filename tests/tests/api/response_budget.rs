//! Responses that fit Lambda (issue 7, part 3): a Lambda response behind API
//! Gateway is at most 6 MB. A conversation of 200 messages of 60 KiB (12 MB,
//! more once quotes are escaped) listed with `limit=1000` comes back as short
//! pages, each under the limit even as lambda_http embeds it, whose cursors
//! together return every message exactly once, in order.

use std::collections::BTreeSet;

use crm_tests::spawn_app;
use serde_json::json;

/// The size of a JSON body once embedded in the Lambda response's JSON.
fn lambda_size(body: &serde_json::Value) -> usize {
    let text = body.to_string();
    text.len() + text.bytes().filter(|b| matches!(b, b'"' | b'\\')).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_lists_come_back_in_pages_under_six_megabytes() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "big@example.com"})).await;
    let chunk = "she said \"ok\" \\ then left. ";
    let body: String = chunk.repeat(60 * 1024 / chunk.len() + 1)[..60 * 1024].to_string();
    let mut context = String::new();
    let mut logged = Vec::new();
    for _ in 0..200 {
        let mut msg = json!({"customer_id": id, "channel": "email", "channel_identifier": "big@example.com",
            "direction": "inbound", "message_body": body});
        if !context.is_empty() {
            msg["context_id"] = json!(context);
        }
        let r = app.post("/log", msg).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        context = r
            .get("context_id")
            .as_str()
            .expect("context_id")
            .to_string();
        logged.push(r.get("log_id").as_i64().expect("log_id"));
    }

    for list in [
        format!("/messages/context/{context}"),
        format!("/messages/customer/{id}"),
    ] {
        let mut seen = Vec::new();
        let mut pages = 0;
        let mut path = format!("{list}?limit=1000");
        loop {
            let page = app.get(&path).await;
            assert_eq!(page.status, 200, "{path}: {:?}", page.get("error"));
            assert!(
                lambda_size(&page.body) < 6_000_000,
                "{path}: {} bytes",
                lambda_size(&page.body)
            );
            pages += 1;
            let items = page.get("messages").as_array().expect("messages");
            assert_eq!(page.get("count").as_u64(), Some(items.len() as u64));
            seen.extend(items.iter().filter_map(|m| m["log_id"].as_i64()));
            match page.get("next_cursor").as_str() {
                Some(cursor) => path = format!("{list}?limit=1000&cursor={cursor}"),
                None => break,
            }
            assert!(pages < 20, "{list}: the cursors do not end");
        }
        assert!(pages >= 3, "{list}: 12 MB in {pages} pages");
        assert_eq!(seen, logged, "{list}: every message once, oldest first");
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 200);
    }
}
