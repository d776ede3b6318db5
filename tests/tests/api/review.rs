//! Acting on suggestions (issue 10, seed 001 §4–8) and escalation tickets
//! (seed 003) over HTTP, on the store `CRM_TEST_STORE` names: approve
//! (with edits, twice, concurrently), reject, custom reply, regenerate with
//! a tone (through the worker), the rate limit, feedback, archive, the
//! needs-reply list, and the ticket lifecycle.

use std::sync::Arc;

use crm_domain::suggestions::review::RegenerateRequest;
use crm_domain::types::ContextId;
use crm_domain::DomainError;
use crm_tests::{
    assert_error, spawn_app_with_queue, CountingModel, RecordingQueue, Reply, TestApp,
};
use serde_json::{json, Value};

/// A customer with one inbound message, drafted by the worker: (context, log_id, suggestion id).
async fn drafted(app: &TestApp, queue: &RecordingQueue, text: &str) -> (String, i64, String) {
    let ann = app
        .customer(json!({"name": "Ann", "email": format!("ann{}@example.com", rand_suffix())}))
        .await;
    let (log_id, context) = app.log(ann, "inbound", text).await;
    work(app, queue).await;
    let s = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    (
        context,
        log_id,
        s.get("id").as_str().expect("id").to_string(),
    )
}

fn rand_suffix() -> u128 {
    uuid::Uuid::new_v4().as_u128() % 1_000_000_000
}

/// Works every queued job with the rules model.
async fn work(app: &TestApp, queue: &RecordingQueue) {
    let model = CountingModel::default();
    for (job, _) in queue.take() {
        app.crm.draft_reply(&job, &model).await.expect("drafted");
    }
}

/// The suggestion `id` of `context` as stored now (through the feedback
/// endpoint, which answers the suggestion whatever its status).
async fn suggestion(app: &TestApp, context: &str, id: &str) -> Value {
    let r = app
        .put(
            &format!("/conversations/{context}/suggestions/{id}/feedback"),
            json!({"feedback_notes": "looked at"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body
}

#[tokio::test]
async fn approving_logs_the_edited_reply_as_a_pending_outbound_message_once() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let (context, log_id, id) = drafted(&app, &queue, "Hi! When will my order arrive?").await;

    let r = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": id, "edited_body": "It ships tomorrow, Ann.", "edited_subject": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("success"), true);
    assert_eq!(r.get("data")["conversation_id"], context.as_str());
    let sent = r.get("data")["message_id"].as_i64().expect("message_id");
    assert!(sent > log_id);

    // The reply is a pending outbound message on the inbound message's channel.
    let m = app.get(&format!("/messages/{sent}")).await;
    assert_eq!(m.status, 200, "{:?}", m.body);
    assert_eq!(m.get("direction"), "outbound");
    assert_eq!(m.get("send_status"), "pending");
    assert_eq!(m.get("channel"), "sms");
    assert_eq!(m.get("channel_identifier"), "+14165551234");
    assert_eq!(m.get("message_body"), "It ships tomorrow, Ann.");
    assert_eq!(m.get("context_id"), context.as_str());

    // The suggestion is approved, keeps the edit, and no longer expires.
    let s = suggestion(&app, &context, &id).await;
    assert_eq!(s["status"], "approved");
    assert_eq!(s["edited_body"], "It ships tomorrow, Ann.");
    assert_eq!(s["sent_message_id"], sent);
    assert!(s["approved_at"].is_string());
    assert_eq!(s["expires_at"], Value::Null);
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("message_count"), 2);
    assert_eq!(c.get("needs_reply"), false);
    assert_eq!(c.get("last_message_direction"), "outbound");
    assert!(c
        .get("pending_suggestions")
        .as_array()
        .is_none_or(|p| p.is_empty()));
    let gone = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_error(&gone, 404, "not_found");

    // Seed 001's errors.
    let again = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": id}),
        )
        .await;
    assert_error(&again, 409, "conflict");
    assert_eq!(
        again.get("error"),
        "Suggestion already approved. Cannot approve."
    );
    let unknown = app
        .post(
            "/conversations/0190c3e2-7d1a-7000-8000-00000000000a/approve",
            json!({"suggestion_id": id}),
        )
        .await;
    assert_error(&unknown, 404, "not_found");
    assert_eq!(
        unknown.get("error"),
        "Conversation not found: 0190c3e2-7d1a-7000-8000-00000000000a"
    );
    let nosuch = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": "5b0c2b1e-8f6a-5c7d-9e3f-2a1b0c9d8e7f"}),
        )
        .await;
    assert_error(&nosuch, 404, "not_found");
    let bad = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion": id}),
        )
        .await;
    assert_error(&bad, 400, "validation_error");
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("message_count"), 2, "refused approvals log nothing");
}

/// A new customer with the app and queue of a review test: (app, queue, customer id).
async fn review_app() -> (TestApp, Arc<RecordingQueue>, i64) {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = app
        .customer(json!({"name": "Ann", "email": format!("ann{}@example.com", rand_suffix())}))
        .await;
    (app, queue, ann)
}

/// The id of `context`'s pending suggestion (asserting there is one).
async fn pending_id(app: &TestApp, context: &str) -> String {
    let s = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    s.get("id").as_str().expect("id").to_string()
}

/// `POST /conversations/{context}/approve` with `body`.
async fn approve(app: &TestApp, context: &str, body: Value) -> Reply {
    app.post(&format!("/conversations/{context}/approve"), body)
        .await
}

/// `context`'s `message_count` now.
async fn message_count(app: &TestApp, context: &str) -> Value {
    app.get(&format!("/conversations/{context}"))
        .await
        .get("message_count")
        .clone()
}

/// Issue 22's stale drafts: once the customer wrote again after the message
/// a suggestion answers, approving it is a 409 naming both messages that
/// logs nothing, and `"force": true` approves it anyway.
#[tokio::test]
async fn a_draft_the_customer_has_written_past_is_approved_only_when_forced() {
    let (app, queue, ann) = review_app().await;
    let (first, context) = app.log(ann, "inbound", "Where is my order?").await;
    work(&app, &queue).await;
    let id = pending_id(&app, &context).await;
    // The customer writes again and an agent answers that through POST /log
    // (which ends its reply job): the first message's draft stays pending.
    let (newer, _) = app
        .log(ann, "inbound", "Also, can I change the address?")
        .await;
    app.log(ann, "outbound", "Yes: send me the new address.")
        .await;
    assert_eq!(
        queue.take().len(),
        1,
        "the newer message's job, never worked"
    );
    assert_eq!(pending_id(&app, &context).await, id);

    let refused = approve(&app, &context, json!({"suggestion_id": id})).await;
    assert_error(&refused, 409, "conflict");
    let error = refused.get("error").as_str().expect("error").to_string();
    assert!(
        error.contains(&format!("(message {newer})"))
            && error.contains(&format!("message {first} ")),
        "{error}"
    );
    assert_eq!(
        message_count(&app, &context).await,
        3,
        "a refused approval logs nothing"
    );
    assert_eq!(suggestion(&app, &context, &id).await["status"], "pending");

    let forced = approve(&app, &context, json!({"suggestion_id": id, "force": true})).await;
    assert_eq!(forced.status, 200, "{:?}", forced.body);
    let sent = forced.get("data")["message_id"]
        .as_i64()
        .expect("message_id");
    let m = app.get(&format!("/messages/{sent}")).await;
    assert_eq!(m.get("send_status"), "pending");
    assert_eq!(m.get("direction"), "outbound");
    assert_eq!(message_count(&app, &context).await, 4);
    assert_eq!(suggestion(&app, &context, &id).await["status"], "approved");
}

/// Issue 22's opt-out: an inbound SMS `STOP` opts the customer out of sms,
/// approve and custom reply are then a 409 that logs nothing, and `START`
/// opts back in.
#[tokio::test]
async fn a_customer_who_texted_stop_gets_no_reply_until_start() {
    let (app, queue, ann) = review_app().await;
    let opted_out = |body: Value| body["opted_out"].clone();
    app.log(ann, "inbound", "Where is my order?").await;
    let (_, context) = app.log(ann, "inbound", " Stop! ").await;
    work(&app, &queue).await;
    let customer = app.get(&format!("/customers/{ann}")).await;
    assert_eq!(opted_out(customer.body), json!(["sms"]));
    let id = pending_id(&app, &context).await;

    let refused = approve(&app, &context, json!({"suggestion_id": id})).await;
    assert_error(&refused, 409, "conflict");
    let error = refused.get("error").as_str().expect("error").to_string();
    assert!(error.contains("opted out of sms"), "{error}");
    let reply = app
        .post(
            &format!("/conversations/{context}/reply"),
            json!({"body": "Sorry to see you go."}),
        )
        .await;
    assert_error(&reply, 409, "conflict");
    assert_eq!(
        message_count(&app, &context).await,
        2,
        "refused replies log nothing"
    );

    // A message that only mentions the word is not a keyword; START is.
    app.log(ann, "inbound", "please stop the second parcel")
        .await;
    let customer = app.get(&format!("/customers/{ann}")).await;
    assert_eq!(opted_out(customer.body), json!(["sms"]));
    app.log(ann, "inbound", "START").await;
    work(&app, &queue).await;
    let customer = app.get(&format!("/customers/{ann}")).await;
    assert_eq!(opted_out(customer.body), json!([]));
    let id = pending_id(&app, &context).await;
    let approved = approve(&app, &context, json!({"suggestion_id": id})).await;
    assert_eq!(approved.status, 200, "{:?}", approved.body);
}

#[tokio::test]
async fn concurrent_approvals_of_one_suggestion_log_one_message() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let (context, _, id) = drafted(&app, &queue, "Can I get a refund?").await;
    let path = format!("/conversations/{context}/approve");
    let body = json!({"suggestion_id": id});
    let replies = futures::future::join_all((0..6).map(|_| app.post(&path, body.clone()))).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!((ok, refused), (1, 5), "{replies:?}");
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("message_count"), 2);
    let messages = app.get(&format!("/messages/context/{context}")).await;
    let outbound = messages
        .get("messages")
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["direction"] == "outbound")
        .count();
    assert_eq!(outbound, 1);
}

#[tokio::test]
async fn a_rejected_suggestion_cannot_be_approved_and_a_custom_reply_supersedes() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let (context, _, id) = drafted(&app, &queue, "What does the pro plan cost?").await;
    let r = app
        .post(
            &format!("/conversations/{context}/reject"),
            json!({"suggestion_id": id, "reason": "Tone is too casual"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"success": true, "message": "AI suggestion rejected", "data": {"suggestion_id": id}})
    );
    let approve = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": id}),
        )
        .await;
    assert_error(&approve, 409, "conflict");
    assert_eq!(
        approve.get("error"),
        "Suggestion already rejected. Cannot approve."
    );
    let stored = app
        .put(
            &format!("/conversations/{context}/suggestions/{id}/feedback"),
            json!({"user_rating": 2}),
        )
        .await;
    assert_eq!(stored.get("status"), "rejected");
    assert_eq!(stored.get("feedback_notes"), "Tone is too casual");
    assert_eq!(stored.get("user_rating"), 2);
    assert!(stored.get("rejected_at").is_string());
    let bad = app
        .put(
            &format!("/conversations/{context}/suggestions/{id}/feedback"),
            json!({"user_rating": 6}),
        )
        .await;
    assert_error(&bad, 400, "validation_error");

    // A new inbound message, drafted; then a custom reply instead.
    let customer = app
        .get(&format!("/conversations/{context}"))
        .await
        .get("customer_id")
        .as_i64()
        .expect("id");
    app.log(customer, "inbound", "Hello? Anyone there?").await;
    work(&app, &queue).await;
    let pending = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    let second = pending.get("id").as_str().expect("id").to_string();
    let r = app
        .post(
            &format!("/conversations/{context}/reply"),
            json!({"subject": "Re: pricing", "body": "Hi Ann, the pro plan is $20/month.", "body_html": "<p>Hi Ann</p>"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let sent = r.get("data")["message_id"].as_i64().expect("id");
    let m = app.get(&format!("/messages/{sent}")).await;
    assert_eq!(m.get("send_status"), "pending");
    assert_eq!(m.get("message_subject"), "Re: pricing");
    assert_eq!(m.get("metadata")["body_html"], "<p>Hi Ann</p>");
    assert_eq!(
        suggestion(&app, &context, &second).await["status"],
        "superseded"
    );
    let blank = app
        .post(
            &format!("/conversations/{context}/reply"),
            json!({"body": "  "}),
        )
        .await;
    assert_error(&blank, 400, "validation_error");
}

#[tokio::test]
async fn regenerating_with_a_tone_supersedes_and_the_worker_fills_the_new_id() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let (context, log_id, first) = drafted(&app, &queue, "Can I change my delivery address?").await;

    let r = app
        .post(
            &format!("/conversations/{context}/regenerate"),
            json!({"message_id": log_id, "tone": "more_formal", "custom_prompt": "Mention our help page"}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(r.get("status"), "generating");
    assert_eq!(r.get("reply_to_message_id"), log_id);
    let new_id = r.get("id").as_str().expect("id").to_string();
    assert_ne!(new_id, first);
    assert_eq!(
        suggestion(&app, &context, &first).await["status"],
        "superseded"
    );

    // Queued without the debounce, as revision 1; generating meanwhile.
    let jobs = queue.take();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0.revision, 1);
    assert_eq!(jobs[0].1, std::time::Duration::ZERO);
    let g = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(g.status, 202, "{:?}", g.body);
    let model = CountingModel::default();
    app.crm
        .draft_reply(&jobs[0].0, &model)
        .await
        .expect("drafted");
    // A redelivery stores nothing more.
    app.crm
        .draft_reply(&jobs[0].0, &model)
        .await
        .expect("dropped");
    assert_eq!(model.calls(), 1);

    let s = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(s.get("id"), new_id.as_str());
    assert!(
        s.get("suggested_body")
            .as_str()
            .is_some_and(|b| b.ends_with("Kind regards")),
        "{:?}",
        s.body
    );
    let used: Vec<&str> = s
        .get("context_used")
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(used.contains(&"tone_adjustment: more_formal"), "{used:?}");
    assert!(used.contains(&"custom_prompt"), "{used:?}");

    // The superseded one cannot be approved; the new one can.
    let old = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": first}),
        )
        .await;
    assert_error(&old, 409, "conflict");
    assert!(old
        .get("error")
        .as_str()
        .is_some_and(|e| e.starts_with("Suggestion was superseded")));
    let ok = app
        .post(
            &format!("/conversations/{context}/approve"),
            json!({"suggestion_id": new_id}),
        )
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);

    // Bad options change nothing.
    for body in [
        json!({"tone": "sarcastic"}),
        json!({"custom_prompt": "x".repeat(1001)}),
        json!({"message_id": 0}),
    ] {
        let r = app
            .post(&format!("/conversations/{context}/regenerate"), body)
            .await;
        assert_error(&r, 400, "validation_error");
    }
    let outbound = app
        .post(
            &format!("/conversations/{context}/regenerate"),
            json!({"message_id": ok.get("data")["message_id"]}),
        )
        .await;
    assert_error(&outbound, 400, "validation_error");
    assert!(queue.take().is_empty());
}

#[tokio::test]
async fn regenerations_are_limited_per_conversation_per_minute() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let (context, _, _) = drafted(&app, &queue, "Where is my parcel?").await;
    let id = ContextId::parse("context_id", &context).expect("uuid");
    let req = RegenerateRequest::default();

    // At a fixed instant: 20 pass, the 21st is refused until the minute ends.
    let at = time::macros::datetime!(2026-12-02 10:00:45 UTC);
    for _ in 0..20 {
        app.crm
            .regenerate_suggestion(&id, &req, at)
            .await
            .expect("within the limit");
    }
    match app.crm.regenerate_suggestion(&id, &req, at).await {
        Err(DomainError::RateLimited {
            retry_after_secs, ..
        }) => assert_eq!(retry_after_secs, 15),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let next_minute = time::macros::datetime!(2026-12-02 10:01:00 UTC);
    app.crm
        .regenerate_suggestion(&id, &req, next_minute)
        .await
        .expect("a new window");

    // Over HTTP: a 429 with Retry-After (retried once if the minute turned meanwhile).
    for attempt in 0.. {
        let now = time::OffsetDateTime::now_utc();
        for _ in 0..20 {
            let _ = app.crm.regenerate_suggestion(&id, &req, now).await;
        }
        let r = app
            .post(&format!("/conversations/{context}/regenerate"), json!({}))
            .await;
        if r.status == 202 && attempt == 0 {
            assert_ne!(
                now.unix_timestamp() / 60,
                time::OffsetDateTime::now_utc().unix_timestamp() / 60
            );
            continue;
        }
        assert_error(&r, 429, "rate_limited");
        let secs: u64 = r
            .retry_after
            .as_deref()
            .and_then(|v| v.parse().ok())
            .expect("Retry-After");
        assert!((1..=60).contains(&secs));
        break;
    }
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("status"), "active");
}

#[tokio::test]
async fn needs_reply_lists_and_archive_answers_archived_at() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = app
        .customer(json!({"name": "Ann", "email": "ann@example.com"}))
        .await;
    let bob = app
        .customer(json!({"name": "Bob", "email": "bob@example.com"}))
        .await;
    let (_, waiting_on_ann) = app.log(ann, "inbound", "Hi").await;
    app.log(ann, "outbound", "Hello Ann, how can we help?")
        .await;
    let (_, needs) = app.log(bob, "inbound", "Is anyone there?").await;

    let ids = |r: &crm_tests::Reply| -> Vec<String> {
        r.get("conversations")
            .as_array()
            .expect("list")
            .iter()
            .map(|c| c["context_id"].as_str().expect("id").to_string())
            .collect()
    };
    let r = app.get("/conversations?needs_reply=true").await;
    assert_eq!(ids(&r), vec![needs.clone()]);
    assert_eq!(r.get("conversations")[0]["needs_reply"], true);
    let r = app.get("/conversations?needs_reply=false").await;
    assert_eq!(ids(&r), vec![waiting_on_ann.clone()]);
    assert_error(
        &app.get("/conversations?needs_reply=maybe").await,
        400,
        "validation_error",
    );
    // With another status, `needs_reply` filters that status's conversations.
    let archived = app
        .get("/conversations?needs_reply=true&status=archived")
        .await;
    assert_eq!(archived.status, 200, "{:?}", archived.body);
    assert_eq!(archived.get("count"), 0);

    let r = app
        .patch(
            &format!("/conversations/{needs}/archive"),
            json!({"reason": "Lead not interested"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("message"), "Conversation archived successfully");
    let c = app.get(&format!("/conversations/{needs}")).await;
    assert_eq!(c.get("status"), "archived");
    assert_eq!(r.get("data")["archived_at"], *c.get("closed_at"));
    assert_eq!(
        ids(&app.get("/conversations?needs_reply=true").await),
        Vec::<String>::new()
    );
    // The customer has no open conversation any more.
    assert_error(
        &app.get(&format!("/conversations/customer/{bob}")).await,
        404,
        "not_found",
    );
    assert_error(
        &app.patch(
            "/conversations/0190c3e2-7d1a-7000-8000-00000000000a/archive",
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn escalation_tickets_follow_their_lifecycle_and_the_conversation_flag() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    // The worker escalates a request for a person.
    let (context, _, _) = drafted(&app, &queue, "I want to talk to a human, please").await;
    let c = app.get(&format!("/conversations/{context}")).await;
    let auto = c
        .get("escalation_ticket")
        .as_str()
        .expect("escalated")
        .to_string();
    let open = app.get("/escalations?status=open").await;
    assert_eq!(open.get("escalations")[0]["ticket_id"], auto.as_str());
    assert_eq!(open.get("escalations")[0]["source"], "reply_worker");
    assert_eq!(open.get("escalations")[0]["reason"], "manual_request");

    // A second ticket through the API.
    let r = app
        .post(
            "/escalations",
            json!({"context_id": context, "reason": "policy_violation", "priority": "urgent",
                "customer_sentiment": -0.4, "additional_context": "asks about a chargeback"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let manual = r.get("ticket_id").as_str().expect("ticket").to_string();
    assert!(manual.starts_with("TKT-") && manual != auto);
    assert_eq!(r.get("estimated_response_time"), "15 minutes");
    assert_eq!(r.get("status"), "open");
    let urgent = app.get("/escalations?priority=urgent").await;
    assert_eq!(urgent.get("count"), 1);
    assert_eq!(
        app.get("/escalations").await.get("escalations")[0]["ticket_id"],
        manual.as_str(),
        "newest first"
    );

    // Assign (an agent implies assigned), resolve the first: the flag moves to the second.
    let r = app
        .put(
            &format!("/escalations/{auto}"),
            json!({"assigned_agent": "agent-7"}),
        )
        .await;
    assert_eq!(r.get("status"), "assigned");
    let r = app
        .put(&format!("/escalations/{auto}"), json!({"status": "resolved", "resolution_notes": "called back", "customer_satisfaction": 5}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.get("resolved_at").is_string());
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("escalation_ticket"), manual.as_str());
    // Closing the last open one clears it; closed is final.
    let r = app
        .put(
            &format!("/escalations/{manual}"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("escalation_ticket"), &Value::Null);
    let reopen = app
        .put(&format!("/escalations/{manual}"), json!({"status": "open"}))
        .await;
    assert_error(&reopen, 409, "conflict");
    // A resolved ticket may reopen, which flags the conversation again.
    let r = app
        .put(&format!("/escalations/{auto}"), json!({"status": "open"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("escalation_ticket"), auto.as_str());

    // Errors change nothing.
    let third = app
        .post(
            "/escalations",
            json!({"context_id": context, "reason": "high_complexity", "priority": "low"}),
        )
        .await;
    let third = third.get("ticket_id").as_str().expect("ticket").to_string();
    assert_error(
        &app.put(
            &format!("/escalations/{third}"),
            json!({"status": "assigned"}),
        )
        .await,
        400,
        "validation_error",
    );
    assert_error(
        &app.put(
            &format!("/escalations/{auto}"),
            json!({"customer_satisfaction": 0}),
        )
        .await,
        400,
        "validation_error",
    );
    let unchanged = app.put(&format!("/escalations/{auto}"), json!({})).await;
    assert_eq!(unchanged.status, 200, "an empty change changes nothing");
    assert_eq!(unchanged.get("status"), "open");
    assert_error(
        &app.get("/escalations/TKT-2026-999999").await,
        404,
        "not_found",
    );
    assert_error(
        &app.get(&format!("/escalations/{}", "x".repeat(5000))).await,
        404,
        "not_found",
    );
    assert_error(
        &app.get("/escalations?status=pending").await,
        400,
        "validation_error",
    );
    assert_error(
        &app.post("/escalations", json!({"context_id": "0190c3e2-7d1a-7000-8000-00000000000a", "reason": "manual_request", "priority": "low"})).await,
        404,
        "not_found",
    );
    assert_error(
        &app.post(
            "/escalations",
            json!({"context_id": context, "reason": "bored", "priority": "low"}),
        )
        .await,
        400,
        "validation_error",
    );
    let got = app.get(&format!("/escalations/{auto}")).await;
    assert_eq!(got.get("status"), "open");
    assert_eq!(got.get("assigned_agent"), "agent-7");
    assert_eq!(got.get("customer_satisfaction"), 5);
}
