//! `GET /conversations/stats` (issue 10, seed 001 §9) equals what a direct
//! count of the test's data gives — after a mixed workload, and after
//! concurrent writes to one conversation — on the store `CRM_TEST_STORE` names.

use std::collections::BTreeMap;
use std::sync::Arc;

use crm_tests::{spawn_app_with_queue, CountingModel, RecordingQueue, TestApp};
use serde_json::{json, Value};

/// Every item of a paged list endpoint (`field` holds the items).
async fn all(app: &TestApp, path: &str, field: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=100&cursor={c}"),
            None => format!("{path}{sep}limit=100"),
        };
        let r = app.get(&url).await;
        assert_eq!(r.status, 200, "{url}: {:?}", r.body);
        out.extend(r.get(field).as_array().cloned().unwrap_or_default());
        match r.get("next_cursor").as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
}

/// The figures a direct count of the stored data gives.
async fn counted(app: &TestApp, drafts: &[f64], approved: usize, edited: usize) -> Value {
    let conversations = all(app, "/conversations", "conversations").await;
    let status = |s: &str| conversations.iter().filter(|c| c["status"] == s).count() as i64;
    let needs = conversations
        .iter()
        .filter(|c| c["status"] == "active" && c["last_message_direction"] == "inbound")
        .count();
    let waiting = conversations
        .iter()
        .filter(|c| c["status"] == "active" && c["last_message_direction"] == "outbound")
        .count();
    let messages = all(app, "/messages", "messages").await;
    let sent = messages
        .iter()
        .filter(|m| m["direction"] == "outbound")
        .count() as i64;
    let received = messages
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .count() as i64;
    // First response per conversation: its first inbound message to the first outbound after it.
    let mut by_conversation: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for m in &messages {
        by_conversation
            .entry(m["context_id"].as_str().unwrap_or_default().to_string())
            .or_default()
            .push(m);
    }
    let at = |m: &Value| {
        time::OffsetDateTime::parse(
            m["created_at"].as_str().expect("created_at"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("rfc3339")
    };
    let mut responses = Vec::new();
    for list in by_conversation.values_mut() {
        list.sort_by_key(|m| m["log_id"].as_i64());
        if let Some(first_in) = list.iter().position(|m| m["direction"] == "inbound") {
            if let Some(reply) = list[first_in..]
                .iter()
                .find(|m| m["direction"] == "outbound")
            {
                responses.push((at(reply) - at(list[first_in])).whole_seconds());
            }
        }
    }
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let pct = |a: f64, b: f64| if b == 0.0 { 0.0 } else { round(a * 100.0 / b) };
    let open_tickets = all(app, "/escalations?status=open", "escalations")
        .await
        .len()
        + all(app, "/escalations?status=assigned", "escalations")
            .await
            .len();
    json!({
        "total_conversations": conversations.len(),
        "active_conversations": status("active") + status("paused"),
        "needs_reply": needs,
        "waiting_for_response": waiting,
        "archived_conversations": status("archived"),
        "resolved_conversations": status("resolved"),
        "paused_conversations": status("paused"),
        "emails_sent_week": sent,
        "emails_received_week": received,
        "response_rate_week": pct(received as f64, sent as f64),
        // No email goes through SES here (tests/tests/api/send.rs counts those).
        "emails_opened_week": 0,
        "emails_clicked_week": 0,
        "open_rate_week": 0.0,
        "click_rate_week": 0.0,
        "avg_response_time_hours": if responses.is_empty() { 0.0 } else {
            round(responses.iter().sum::<i64>() as f64 / 3600.0 / responses.len() as f64) },
        "ai_suggestions_generated_week": drafts.len(),
        "ai_suggestions_approved_week": approved,
        "ai_approval_rate_week": pct(approved as f64, drafts.len() as f64),
        "ai_edit_rate_week": pct(edited as f64, approved as f64),
        "avg_confidence_score": if drafts.is_empty() { 0.0 } else {
            round(drafts.iter().sum::<f64>() / drafts.len() as f64) },
        "escalations_open": open_tickets,
    })
}

/// Drafts every queued job; answers the confidence of each stored suggestion.
async fn work(app: &TestApp, queue: &RecordingQueue, drafts: &mut Vec<f64>) {
    let model = CountingModel::default();
    for (job, _) in queue.take() {
        if let crm_domain::flows::ReplyOutcome::Drafted { .. } =
            app.crm.draft_reply(&job, &model).await.expect("draft")
        {
            let c = app
                .get(&format!("/conversations/{}/ai-suggestion", job.context_id))
                .await;
            drafts.push(c.get("confidence_score").as_f64().expect("confidence"));
        }
    }
}

fn without_week_start(mut stats: Value) -> Value {
    assert!(stats["week_start"].is_string());
    stats.as_object_mut().expect("object").remove("week_start");
    stats
}

#[tokio::test]
async fn stats_equal_a_direct_count_after_a_mixed_workload() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let empty = app.get("/conversations/stats").await;
    assert_eq!(empty.status, 200, "{:?}", empty.body);
    assert_eq!(empty.get("total_conversations"), 0);
    assert_eq!(empty.get("response_rate_week"), 0.0);

    let mut drafts = Vec::new();
    let (mut approved, mut edited) = (0, 0);
    let mut customers = Vec::new();
    for i in 0..6 {
        customers.push(
            app.customer(json!({"email": format!("c{i}@example.com")}))
                .await,
        );
    }
    // c0: asks, gets an approved (edited) reply. c1: asks twice, unanswered.
    // c2: asked and answered by hand, then paused. c3: resolved. c4: deleted
    // with its open conversation. c5: a request for a person (escalated),
    // a rejected draft, a regenerated one approved, then archived.
    for (who, text) in [
        (0, "When will my order arrive?"),
        (1, "Hello?"),
        (1, "Is anyone there?"),
        (2, "Do you ship to Canada?"),
        (3, "Thanks, all good"),
        (4, "Cancel my plan"),
        (5, "I want to talk to a human"),
    ] {
        app.log(customers[who], "inbound", text).await;
    }
    work(&app, &queue, &mut drafts).await;
    let context = |who: usize| {
        let app = &app;
        let id = customers[who];
        async move {
            app.get(&format!("/conversations/customer/{id}"))
                .await
                .get("context_id")
                .as_str()
                .expect("open")
                .to_string()
        }
    };
    let suggestion = |ctx: String| {
        let app = &app;
        async move {
            app.get(&format!("/conversations/{ctx}/ai-suggestion"))
                .await
                .get("id")
                .as_str()
                .expect("id")
                .to_string()
        }
    };
    let c0 = context(0).await;
    let s0 = suggestion(c0.clone()).await;
    let r = app
        .post(
            &format!("/conversations/{c0}/approve"),
            json!({"suggestion_id": s0, "edited_body": "Tomorrow."}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    (approved, edited) = (approved + 1, edited + 1);
    let c2 = context(2).await;
    app.log(customers[2], "outbound", "Yes, we do.").await;
    assert_eq!(
        app.put(&format!("/conversations/{c2}"), json!({"status": "paused"}))
            .await
            .status,
        200
    );
    let c3 = context(3).await;
    assert_eq!(
        app.post(&format!("/conversations/{c3}/close"), json!({}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.delete(&format!("/customers/{}", customers[4]))
            .await
            .status,
        200
    );
    let c5 = context(5).await;
    let s5 = suggestion(c5.clone()).await;
    assert_eq!(
        app.post(
            &format!("/conversations/{c5}/reject"),
            json!({"suggestion_id": s5})
        )
        .await
        .status,
        200
    );
    let r = app
        .post(
            &format!("/conversations/{c5}/regenerate"),
            json!({"tone": "more_formal"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    work(&app, &queue, &mut drafts).await;
    let s5 = suggestion(c5.clone()).await;
    assert_eq!(
        app.post(
            &format!("/conversations/{c5}/approve"),
            json!({"suggestion_id": s5})
        )
        .await
        .status,
        200
    );
    approved += 1;
    let ticket = app
        .get(&format!("/conversations/{c5}"))
        .await
        .get("escalation_ticket")
        .as_str()
        .expect("ticket")
        .to_string();
    let r = app
        .post(
            "/escalations",
            json!({"context_id": c0, "reason": "manual_request", "priority": "low"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        app.put(
            &format!("/escalations/{ticket}"),
            json!({"status": "resolved"})
        )
        .await
        .status,
        200
    );
    let r = app
        .call(
            "PATCH",
            &format!("/conversations/{c5}/archive"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 200);
    // A custom reply on c1 and a message logged to the closed c3 by id.
    let c1 = context(1).await;
    assert_eq!(
        app.post(
            &format!("/conversations/{c1}/reply"),
            json!({"body": "We're here!"})
        )
        .await
        .status,
        200
    );
    app.log(customers[1], "inbound", "Great, thanks").await;
    let r = app.post("/log", json!({"customer_id": customers[3], "context_id": c3, "channel": "sms",
        "channel_identifier": "+14165551234", "direction": "inbound", "message_body": "one more thing"})).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    work(&app, &queue, &mut drafts).await;

    let stats = app.get("/conversations/stats").await;
    assert_eq!(stats.status, 200, "{:?}", stats.body);
    let expected = counted(&app, &drafts, approved, edited).await;
    assert_eq!(without_week_start(stats.body), expected);
}

#[tokio::test]
async fn concurrent_writes_to_one_conversation_keep_the_gauges_exact() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = app.customer(json!({"email": "ann@example.com"})).await;
    let (_, context) = app.log(ann, "inbound", "first").await;
    let writes = (0..12).map(|i| {
        let direction = if i % 2 == 0 { "outbound" } else { "inbound" };
        app.post(
            "/log",
            json!({"customer_id": ann, "context_id": context, "channel": "sms",
                "channel_identifier": "+14165551234", "direction": direction, "message_body": format!("m{i}")}),
        )
    });
    let replies = futures::future::join_all(writes).await;
    assert!(replies.iter().all(|r| r.status == 200), "{replies:?}");
    let close_path = format!("/conversations/{context}/close");
    let close = app.post(&close_path, json!({"status": "paused"}));
    let reopen_log = app.log(ann, "inbound", "still there?");
    let (closed, _) = tokio::join!(close, reopen_log);
    assert_eq!(closed.status, 200);
    let stats = app.get("/conversations/stats").await;
    let expected = counted(&app, &[], 0, 0).await;
    assert_eq!(without_week_start(stats.body), expected);
}
