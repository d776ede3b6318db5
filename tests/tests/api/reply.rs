//! The reply pipeline (issue 9) over HTTP and the worker's handler, on the
//! store `CRM_TEST_STORE` names: inbound `POST /log` → job → the worker's
//! SQS handler → the suggestion through the API; coalescing, redelivery, a
//! poison record, take-over, escalation, the outbox and the sweep.

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use crm_domain::flows::{ReplyOutcome, Skip};
use crm_domain::reply::ReplyJob;
use crm_tests::{spawn_app, spawn_app_with_queue, CountingModel, RecordingQueue, TestApp};
use serde_json::{json, Value};

/// An SQS event of `bodies`, message ids `m0`, `m1` …, as Lambda hands it over.
fn sqs_event(bodies: &[String]) -> SqsEvent {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            json!({"messageId": format!("m{i}"), "receiptHandle": format!("r{i}"), "body": b,
                "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:reply", "awsRegion": "us-east-1"})
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("SqsEvent")
}

fn bodies(jobs: &[(ReplyJob, std::time::Duration)]) -> Vec<String> {
    jobs.iter()
        .map(|(j, _)| serde_json::to_string(j).expect("json"))
        .collect()
}

async fn customer(app: &TestApp) -> i64 {
    app.customer(json!({"name": "Ann", "email": "ann@example.com"}))
        .await
}

#[tokio::test]
async fn an_inbound_log_becomes_a_suggestion_through_the_worker() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = customer(&app).await;
    let (log_id, context) = app
        .log(ann, "inbound", "Hi! When will my order arrive?")
        .await;

    // Queued with the debounce; while queued the suggestion is "generating".
    let jobs = queue.take();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0.log_id.get(), log_id);
    assert_eq!(jobs[0].1, std::time::Duration::from_secs(3));
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"status": "generating", "reply_to_message_id": log_id})
    );

    let model = CountingModel::default();
    let response =
        crm_reply_worker::handle_batch(&app.crm, &model, sqs_event(&bodies(&jobs))).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(model.calls(), 1);

    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let s = &r.body;
    assert_eq!(s["conversation_id"], context.as_str());
    assert_eq!(s["reply_to_message_id"], log_id);
    assert_eq!(s["status"], "pending");
    assert_eq!(s["action"], "reply");
    assert_eq!(s["ai_metadata"]["provider"], "rules");
    assert_eq!(s["ai_metadata"]["model"], Value::Null);
    assert_eq!(s["sentiment_analysis"]["intent"], "question");
    assert!(s["suggested_body"]
        .as_str()
        .is_some_and(|b| b.contains("When will my order arrive?")));
    assert!(s["id"].as_str().is_some_and(|id| id.len() == 36));

    // The conversation carries the draft's intent and sentiment and lists it pending.
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("intent"), "question");
    assert!(c.get("sentiment").is_string());
    assert_eq!(c.get("pending_suggestions")[0]["id"], s["id"]);
    // Lists do not carry pending_suggestions.
    let list = app.get("/conversations").await;
    assert!(list.get("conversations")[0]
        .get("pending_suggestions")
        .is_none());
}

#[tokio::test]
async fn three_quick_messages_cost_one_model_call_for_the_last() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = customer(&app).await;
    let mut last = 0;
    let mut context = String::new();
    for text in ["Hello", "I have a question", "What does the pro plan cost?"] {
        (last, context) = app.log(ann, "inbound", text).await;
    }
    let jobs = queue.take();
    assert_eq!(jobs.len(), 3);
    let model = CountingModel::default();
    let response =
        crm_reply_worker::handle_batch(&app.crm, &model, sqs_event(&bodies(&jobs))).await;
    assert!(response.batch_item_failures.is_empty());
    assert_eq!(
        model.calls(),
        1,
        "the two older jobs are dropped without a model call"
    );
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("reply_to_message_id"), last);
    assert_eq!(r.get("sentiment_analysis")["intent"], "purchase");

    // A newer message supersedes the pending suggestion when its own is stored.
    let (newest, _) = app.log(ann, "inbound", "Thanks so much!").await;
    let jobs = queue.take();
    crm_reply_worker::handle_batch(&app.crm, &model, sqs_event(&bodies(&jobs))).await;
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.get("reply_to_message_id"), newest);
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(
        c.get("pending_suggestions").as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn a_redelivered_job_stores_one_suggestion_and_a_poison_record_fails_alone() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = customer(&app).await;
    let (_, context) = app.log(ann, "inbound", "Can you help me?").await;
    let good = bodies(&queue.take());
    let model = CountingModel::default();
    let event = sqs_event(&[
        good[0].clone(),
        "not json".into(),
        json!({"context_id": "x", "log_id": 1}).to_string(),
    ]);
    let response = crm_reply_worker::handle_batch(&app.crm, &model, event).await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m1", "m2"], "only the bodies that are no job fail");
    let first = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(first.status, 200);

    // Delivered again (SQS is at least once): nothing new, no model call.
    let again = crm_reply_worker::handle_batch(&app.crm, &model, sqs_event(&good)).await;
    assert!(again.batch_item_failures.is_empty());
    assert_eq!(model.calls(), 1);
    let second = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(second.body, first.body);

    // Two copies worked at once: one suggestion, and neither fails.
    let (_, _) = app.log(ann, "inbound", "One more question?").await;
    let copy = bodies(&queue.take());
    let twice = sqs_event(&[copy[0].clone(), copy[0].clone()]);
    let response = crm_reply_worker::handle_batch(&app.crm, &model, twice).await;
    assert!(response.batch_item_failures.is_empty());
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(
        c.get("pending_suggestions").as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn no_draft_once_someone_answered_or_took_over() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = customer(&app).await;
    let model = CountingModel::default();

    // An outbound reply after the inbound message: it was answered.
    let (log_id, context) = app.log(ann, "inbound", "Where is my parcel?").await;
    app.log(ann, "outbound", "It ships today.").await;
    let jobs = queue.take();
    assert_eq!(jobs.len(), 1, "outbound messages never enqueue a job");
    let job = ReplyJob {
        context_id: jobs[0].0.context_id.clone(),
        log_id: jobs[0].0.log_id,
        revision: 0,
    };
    assert_eq!(job.log_id.get(), log_id);
    let outcome = app.crm.draft_reply(&job, &model).await.expect("outcome");
    assert_eq!(outcome, ReplyOutcome::Skipped(Skip::NotLatest));
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);

    // Paused: a person took the conversation over.
    app.log(ann, "inbound", "Hello again?").await;
    let r = app
        .put(
            &format!("/conversations/{context}"),
            json!({"status": "paused"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let job = queue.take().remove(0).0;
    let outcome = app.crm.draft_reply(&job, &model).await.expect("outcome");
    assert_eq!(outcome, ReplyOutcome::Skipped(Skip::NotActive));
    assert_eq!(model.calls(), 0);
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 404, "the job ended: no longer generating");
    let r = app
        .get("/conversations/0190c3e2-7d1a-7000-8000-00000000000a/ai-suggestion")
        .await;
    crm_tests::assert_error(&r, 404, "not_found");
}

#[tokio::test]
async fn asking_for_a_human_opens_one_ticket() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let ann = customer(&app).await;
    let model = CountingModel::default();
    let (_, context) = app
        .log(ann, "inbound", "I want to talk to a human, not a bot.")
        .await;
    let job = queue.take().remove(0).0;
    let ReplyOutcome::Drafted {
        escalation_ticket: Some(ticket),
        ..
    } = app.crm.draft_reply(&job, &model).await.expect("drafted")
    else {
        panic!("asking for a person escalates");
    };
    let year = time::OffsetDateTime::now_utc().year();
    assert_eq!(ticket, format!("TKT-{year}-000001"));
    let s = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(s.get("action"), "handoff");
    assert_eq!(s.get("escalation_ticket"), ticket.as_str());
    assert_eq!(s.get("sentiment_analysis")["wants_human"], true);
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("escalation_ticket"), ticket.as_str());

    // Still escalated: the next draft opens no second ticket.
    app.log(ann, "inbound", "Hello?? I need a person, a real person.")
        .await;
    let job = queue.take().remove(0).0;
    let outcome = app.crm.draft_reply(&job, &model).await.expect("drafted");
    assert!(matches!(
        outcome,
        ReplyOutcome::Drafted {
            escalation_ticket: None,
            ..
        }
    ));
    let c = app.get(&format!("/conversations/{context}")).await;
    assert_eq!(c.get("escalation_ticket"), ticket.as_str());
}

#[tokio::test]
async fn a_lost_enqueue_is_found_by_the_sweep() {
    // No queue at all while logging: the job is only in the outbox.
    let app = spawn_app().await;
    let ann = customer(&app).await;
    let (log_id, context) = app.log(ann, "inbound", "Anyone there?").await;
    let queue = Arc::new(RecordingQueue::default());
    let mut settings = app.crm.settings().clone();
    settings.reply.sweep_grace = time::Duration::seconds(30);
    let crm = crm_domain::Crm::new(app.store.clone(), settings).with_queue(queue.clone());

    // Within the grace period: not yet (it may still be on its way).
    let now = time::OffsetDateTime::now_utc();
    assert!(crm
        .sweep_reply_jobs(now)
        .await
        .expect("sweep")
        .requeued
        .is_empty());
    // After it: re-enqueued at once, then drafted.
    let later = now + time::Duration::seconds(31);
    let swept = crm.sweep_reply_jobs(later).await.expect("sweep");
    assert_eq!(swept.requeued.len(), 1);
    let jobs = queue.take();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0.log_id.get(), log_id);
    assert_eq!(jobs[0].1, std::time::Duration::ZERO);
    // Its time moved on: the next sweep does not send it again at once.
    assert!(crm
        .sweep_reply_jobs(later)
        .await
        .expect("sweep")
        .requeued
        .is_empty());
    let model = CountingModel::default();
    crm_reply_worker::handle_batch(&crm, &model, sqs_event(&bodies(&jobs))).await;
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

#[tokio::test]
async fn a_job_that_keeps_failing_is_given_up_with_a_ticket() {
    let app = spawn_app().await;
    let ann = customer(&app).await;
    let (_, context) = app.log(ann, "inbound", "Hello").await;
    let queue = Arc::new(RecordingQueue::default());
    let mut settings = app.crm.settings().clone();
    settings.reply.sweep_grace = time::Duration::ZERO;
    settings.reply.max_sweeps = 2;
    let crm = crm_domain::Crm::new(app.store.clone(), settings).with_queue(queue);
    let mut at = time::OffsetDateTime::now_utc();
    for _ in 0..2 {
        at += time::Duration::seconds(1);
        assert_eq!(
            crm.sweep_reply_jobs(at)
                .await
                .expect("sweep")
                .requeued
                .len(),
            1
        );
    }
    at += time::Duration::seconds(1);
    let last = crm.sweep_reply_jobs(at).await.expect("sweep");
    assert_eq!((last.requeued.len(), last.given_up), (0, 1));
    let c = app.get(&format!("/conversations/{context}")).await;
    assert!(c
        .get("escalation_ticket")
        .as_str()
        .is_some_and(|t| t.starts_with("TKT-")));
    let r = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(r.status, 404, "given up: not generating any more");
}

#[tokio::test]
async fn a_live_ingested_message_asks_for_a_draft_and_history_does_not() {
    let queue = Arc::new(RecordingQueue::default());
    let app = spawn_app_with_queue(queue.clone()).await;
    let created = app
        .post(
            "/ingest/connections",
            json!({"platform": "telegram", "name": "TG", "connection_id": "tg_1"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let secret = created
        .get("api_secret")
        .as_str()
        .expect("secret")
        .to_string();
    let ingest = |id: &str, sent_at: String| {
        json!({"platform": "telegram", "connection_id": "tg_1", "conversations": [
            {"external_conversation_id": "chat_1", "participant_identifier": "@ann", "participant_name": "Ann",
             "messages": [{"id": id, "direction": "inbound", "type": "text", "content": "Do you have it in blue?", "sent_at": sent_at}]}]})
    };
    let old = "2020-01-01T10:00:00Z".to_string();
    let r = app
        .raw(
            "POST",
            "/functions/v1/messaging-ingest",
            ingest("m1", old).to_string().as_bytes(),
            Some("application/json"),
            Some(&secret),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(queue.take().is_empty(), "history asks for no draft");
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    let r = app
        .raw(
            "POST",
            "/functions/v1/messaging-ingest",
            ingest("m2", now).to_string().as_bytes(),
            Some("application/json"),
            Some(&secret),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let context = r.get("results")[0]["conversation_id"]
        .as_str()
        .expect("id")
        .to_string();
    let jobs = queue.take();
    assert_eq!(jobs.len(), 1);
    let model = CountingModel::default();
    crm_reply_worker::handle_batch(&app.crm, &model, sqs_event(&bodies(&jobs))).await;
    let s = app
        .get(&format!("/conversations/{context}/ai-suggestion"))
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    assert_eq!(s.get("sentiment_analysis")["intent"], "question");
}
