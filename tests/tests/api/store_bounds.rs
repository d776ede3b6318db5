//! Each endpoint makes a bounded number of store calls, independent of how
//! much is stored: measured through the counting wrapper, once on a small
//! data set and again after adding much more.

use crm_tests::{spawn_app, TestApp};
use serde_json::json;

/// Store calls of a write-sharded list (`docs/data-model.md`, "Write sharding").
fn sharded(filtered: bool) -> usize {
    crm_domain::paging::sharded_call_budget(filtered)
}

/// (method, path, body, most store calls allowed).
fn endpoints(
    customer: i64,
    fresh: i64,
    context: &str,
    log_id: i64,
) -> Vec<(&'static str, String, Option<serde_json::Value>, usize)> {
    let msg = json!({"customer_id": customer, "channel": "sms", "channel_identifier": "+14165551234", "direction": "inbound", "message_body": "x"});
    let mut with_ctx = msg.clone();
    with_ctx["context_id"] = json!(context);
    let mut with_sid = msg.clone();
    with_sid["twilio_message_sid"] = json!("SM0123456789abcdef0123456789abcdef");
    vec![
        ("GET", "/health".into(), None, 0),
        (
            "POST",
            "/customers".into(),
            Some(json!({"email": "new@example.com"})),
            2,
        ),
        // issue 21: a write-sharded list reads each shard once (+ pages with a filter)
        ("GET", "/customers".into(), None, sharded(false)),
        (
            "GET",
            "/customers?company=acme&limit=5".into(),
            None,
            sharded(true),
        ),
        ("GET", "/customers?email=c0%40example.com".into(), None, 2),
        ("GET", format!("/customers/{customer}"), None, 1),
        (
            "GET",
            "/customers/c0%40example.com?by=email".into(),
            None,
            2,
        ),
        ("GET", "/customers/%2B14165550000?by=phone".into(), None, 2),
        (
            "PUT",
            format!("/customers/{customer}"),
            Some(json!({"name": "Renamed"})),
            2,
        ),
        (
            "PUT",
            format!("/customers/{customer}"),
            Some(json!({"email": "c0-moved@example.com"})),
            3,
        ),
        (
            "POST",
            "/customers/lookup".into(),
            Some(json!({"phone": "+14165550000"})),
            2,
        ),
        (
            "POST",
            "/customers/upsert".into(),
            Some(json!({"email": "c1@example.com", "name": "Up"})),
            3,
        ),
        (
            "GET",
            "/context/%2B14165550000?by=phone_normalized".into(),
            None,
            4,
        ),
        ("GET", format!("/context/{fresh}"), None, 2),
        (
            "POST",
            format!("/context/{context}/update"),
            Some(json!({"intent": "x"})),
            2,
        ),
        (
            "POST",
            format!("/context/{customer}/update"),
            Some(json!({"intent": "y"})),
            3,
        ),
        // issue 21: no id counter any more (log ids are minted)
        ("POST", "/log".into(), Some(msg), 5),
        ("POST", "/log".into(), Some(with_ctx), 5),
        // issue 11: + the reservation of Twilio's SID
        ("POST", "/log".into(), Some(with_sid), 6),
        ("GET", "/messages".into(), None, sharded(false)),
        (
            "GET",
            "/messages?channel=sms&limit=10".into(),
            None,
            sharded(true),
        ),
        ("GET", format!("/messages/{log_id}"), None, 1),
        (
            "GET",
            format!("/messages/context/{context}?limit=10"),
            None,
            2,
        ),
        (
            "GET",
            format!("/messages/customer/{customer}?limit=10"),
            None,
            1,
        ),
        // issue 22: read, then update on condition of the status as read
        (
            "PUT",
            format!("/messages/{log_id}/status"),
            Some(json!({"send_status": "delivered"})),
            2,
        ),
        (
            "POST",
            format!("/messages/{log_id}/processed"),
            Some(json!({})),
            1,
        ),
        (
            "GET",
            "/messages/unprocessed?limit=10".into(),
            None,
            sharded(false),
        ),
        // issue 11: the queries + one conditional write per message leased
        (
            "GET",
            "/messages/unprocessed?lease_seconds=30&limit=1".into(),
            None,
            sharded(false) + 1,
        ),
        (
            "GET",
            "/messages/unprocessed?dead=true".into(),
            None,
            sharded(true),
        ),
        ("GET", "/messages/failed".into(), None, sharded(false)),
        // issue 22: the outbox filtered on `provider = external`
        ("GET", "/messages/outbound".into(), None, sharded(true)),
        (
            "GET",
            "/messages/outbound?lease_seconds=30&limit=1".into(),
            None,
            sharded(true),
        ),
        ("GET", "/conversations".into(), None, sharded(false)),
        (
            "GET",
            "/conversations?status=active&limit=10".into(),
            None,
            sharded(false),
        ),
        (
            "GET",
            format!("/conversations?customer_id={customer}"),
            None,
            1,
        ),
        ("GET", format!("/conversations/{context}"), None, 1),
        (
            "GET",
            format!("/conversations/customer/{customer}"),
            None,
            2,
        ),
        (
            "PUT",
            format!("/conversations/{context}"),
            Some(json!({"sentiment": "positive"})),
            2,
        ),
        (
            "POST",
            "/conversations/get-or-create".into(),
            Some(json!({"customer_id": customer})),
            2,
        ),
        (
            "POST",
            "/conversations/get-or-create".into(),
            Some(json!({"customer_id": fresh})),
            3,
        ),
        (
            "POST",
            format!("/messages/context/{context}/processed"),
            Some(json!({})),
            3,
        ),
        (
            "POST",
            format!("/conversations/{context}/close"),
            Some(json!({"status": "resolved"})),
            4,
        ),
        (
            "POST",
            "/conversations".into(),
            Some(json!({"customer_id": customer})),
            3,
        ),
        ("DELETE", format!("/customers/{fresh}"), None, 4),
        ("GET", "/conversations/stats".into(), None, 1),
        // ingest connections (issue 8): one call each
        (
            "POST",
            "/ingest/connections".into(),
            Some(json!({"platform": "signal", "name": "S", "connection_id": "sig_1"})),
            1,
        ),
        ("GET", "/ingest/connections".into(), None, 1),
        ("GET", "/ingest/connections/sig_1".into(), None, 1),
        (
            "PATCH",
            "/ingest/connections/sig_1".into(),
            Some(json!({"name": "Signal"})),
            1,
        ),
        (
            "POST",
            "/ingest/connections/sig_1/rotate-secret".into(),
            None,
            1,
        ),
        ("DELETE", "/ingest/connections/sig_1".into(), None, 1),
    ]
}

async fn seed(app: &TestApp, customers: usize, messages_each: usize, offset: usize) {
    for i in offset..offset + customers {
        let id = app
            .customer(json!({"email": format!("c{i}@example.com"), "phone": format!("+1416555{:04}", i), "company": if i % 3 == 0 { "Acme" } else { "Other" }}))
            .await;
        for m in 0..messages_each {
            app.log(id, if m % 2 == 0 { "inbound" } else { "outbound" }, "seed")
                .await;
        }
    }
}

async fn measure(
    app: &TestApp,
    customer: i64,
    fresh: i64,
    context: &str,
    log_id: i64,
) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (method, path, body, bound) in endpoints(customer, fresh, context, log_id) {
        app.store.reset();
        let r = app.call(method, &path, body).await;
        assert!(r.status < 400, "{method} {path}: {} {:?}", r.status, r.body);
        let calls = app.store.total();
        assert!(
            calls <= bound,
            "{method} {path}: {calls} store calls, bound {bound} ({:?})",
            app.store.by_operation()
        );
        out.push((format!("{method} {path}"), calls));
    }
    out
}

#[tokio::test]
async fn store_calls_per_endpoint_are_bounded_and_independent_of_data_size() {
    let small = spawn_app().await;
    seed(&small, 3, 2, 0).await;
    let big = spawn_app().await;
    seed(&big, 3, 2, 0).await;
    seed(&big, 60, 8, 1000).await;
    let mut runs = Vec::new();
    for app in [&small, &big] {
        let fresh = app.customer(json!({"email": "fresh@example.com"})).await;
        let (log_id, context) = app.log(1, "inbound", "measured").await;
        runs.push(measure(app, 1, fresh, &context, log_id).await);
    }
    for (a, b) in runs[0].iter().zip(&runs[1]) {
        assert_eq!(
            a.1, b.1,
            "{}: store calls changed with the data ({} vs {})",
            a.0, a.1, b.1
        );
    }
}

/// The reply worker's bounds (issue 9, `docs/data-model.md`): a job 6 store
/// calls (8 escalating; the statistics counters are 1 and 2 of them), a stale one 1; `GET …/ai-suggestion` 1 while
/// generating, 2 with a suggestion; `GET /conversations/{id}` 2 with one —
/// the same on a small and a large data set.
#[tokio::test]
async fn the_reply_worker_and_the_suggestion_reads_are_bounded() {
    let small = spawn_app().await;
    seed(&small, 3, 2, 0).await;
    let big = spawn_app().await;
    seed(&big, 3, 2, 0).await;
    seed(&big, 40, 25, 1000).await;
    let model = crm_tests::CountingModel::default();
    let mut runs = Vec::new();
    for app in [&small, &big] {
        let mut calls = Vec::new();
        for (text, bound) in [("What does it cost?", 6), ("Get me a human agent", 8)] {
            let (log_id, context) = app.log(1, "inbound", text).await;
            app.store.reset();
            let r = app
                .get(&format!("/conversations/{context}/ai-suggestion"))
                .await;
            assert_eq!(r.status, 202);
            calls.push(("ai-suggestion generating", app.store.total(), 1));
            let job = crm_domain::reply::ReplyJob {
                context_id: crm_domain::types::ContextId::parse("context_id", &context)
                    .expect("uuid"),
                log_id: crm_domain::types::LogId::parse(&log_id.to_string()).expect("id"),
                revision: 0,
            };
            app.store.reset();
            app.crm.draft_reply(&job, &model).await.expect("drafted");
            calls.push(("reply job", app.store.total(), bound));
            app.store.reset();
            app.crm.draft_reply(&job, &model).await.expect("stale");
            calls.push(("stale reply job", app.store.total(), 1));
            app.store.reset();
            let r = app
                .get(&format!("/conversations/{context}/ai-suggestion"))
                .await;
            assert_eq!(r.status, 200);
            calls.push(("ai-suggestion", app.store.total(), 2));
            app.store.reset();
            app.get(&format!("/conversations/{context}")).await;
            calls.push((
                "conversation with a pending suggestion",
                app.store.total(),
                2,
            ));
        }
        for (what, got, bound) in &calls {
            assert!(got <= bound, "{what}: {got} store calls, bound {bound}");
        }
        runs.push(calls);
    }
    assert_eq!(runs[0], runs[1], "store calls changed with the data");
}

/// The bounds of the suggestion workflow and the escalation endpoints
/// (issue 10, `docs/data-model.md`), the same on a small and a large data
/// set: approve 7, reject 3, custom reply 6, regenerate 3, feedback 3,
/// archive 5; a ticket: create 4, read 1, assign 2, resolve 5, list 1
/// (each includes its 1–2 statistics counter `UpdateItem`s).
#[tokio::test]
async fn the_suggestion_workflow_and_escalations_are_bounded() {
    let small = spawn_app().await;
    seed(&small, 3, 2, 0).await;
    let big = spawn_app().await;
    seed(&big, 3, 2, 0).await;
    seed(&big, 40, 25, 1000).await;
    let model = crm_tests::CountingModel::default();
    let mut runs = Vec::new();
    for app in [&small, &big] {
        let mut calls = Vec::new();
        let mut measure = |what: &'static str, bound: usize, app: &TestApp| {
            calls.push((what, app.store.total(), bound));
            app.store.reset();
        };
        let draft = |context: &str, log_id: i64, revision: i64| crm_domain::reply::ReplyJob {
            context_id: crm_domain::types::ContextId::parse("context_id", context).expect("uuid"),
            log_id: crm_domain::types::LogId::parse(&log_id.to_string()).expect("id"),
            revision,
        };
        let (log_id, context) = app.log(1, "inbound", "What does it cost?").await;
        app.crm
            .draft_reply(&draft(&context, log_id, 0), &model)
            .await
            .expect("drafted");
        let id = app
            .get(&format!("/conversations/{context}/ai-suggestion"))
            .await;
        let id = id.get("id").as_str().expect("id").to_string();
        app.store.reset();
        let r = app
            .post(
                &format!("/conversations/{context}/reject"),
                json!({"suggestion_id": id}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        measure("reject", 3, app);
        let r = app
            .put(
                &format!("/conversations/{context}/suggestions/{id}/feedback"),
                json!({"user_rating": 4}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        measure("feedback", 3, app);
        let r = app
            .post(
                &format!("/conversations/{context}/regenerate"),
                json!({"message_id": log_id, "tone": "shorter"}),
            )
            .await;
        assert_eq!(r.status, 202, "{:?}", r.body);
        measure("regenerate", 3, app);
        let id = r.get("id").as_str().expect("id").to_string();
        app.crm
            .draft_reply(&draft(&context, log_id, 1), &model)
            .await
            .expect("drafted");
        app.store.reset();
        let r = app
            .post(
                &format!("/conversations/{context}/approve"),
                json!({"suggestion_id": id}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        measure("approve", 7, app);
        let r = app
            .post(
                &format!("/conversations/{context}/reply"),
                json!({"body": "More news soon."}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        measure("custom reply", 6, app);
        let r = app
            .post(
                "/escalations",
                json!({"context_id": context, "reason": "manual_request", "priority": "low"}),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        measure("create escalation", 4, app);
        let ticket = r.get("ticket_id").as_str().expect("ticket").to_string();
        app.get(&format!("/escalations/{ticket}")).await;
        measure("get escalation", 1, app);
        app.get("/escalations?status=open").await;
        measure("list escalations", 1, app);
        app.put(
            &format!("/escalations/{ticket}"),
            json!({"assigned_agent": "a"}),
        )
        .await;
        measure("assign escalation", 2, app);
        let r = app
            .put(
                &format!("/escalations/{ticket}"),
                json!({"status": "resolved"}),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        measure("resolve escalation", 5, app);
        let r = app
            .call(
                "PATCH",
                &format!("/conversations/{context}/archive"),
                Some(json!({"reason": "done"})),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        measure("archive", 5, app);
        for (what, got, bound) in &calls {
            assert!(got <= bound, "{what}: {got} store calls, bound {bound}");
        }
        runs.push(calls);
    }
    assert_eq!(runs[0], runs[1], "store calls changed with the data");
}
