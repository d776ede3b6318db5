//! Requests `docs/openapi.json` calls valid are accepted, read as JSON
//! Schema reads them (issue 7, part 1; schemathesis checks the rest in the
//! test command): an integer may be written `5.0`, an optional body may be
//! `null`, a blank optional contact is no contact, and the characters of a
//! length limit are counted as sent.

use crm_tests::{assert_error, spawn_app, TEST_KEY};
use serde_json::json;

#[tokio::test]
async fn integers_written_with_a_zero_fraction_are_integers() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "float@example.com"})).await;
    let as_float = serde_json::Number::from_f64(id as f64).expect("finite");
    let logged = app
        .post(
            "/log",
            json!({"customer_id": as_float, "channel": "sms", "channel_identifier": "+14165550100",
                   "direction": "inbound", "message_body": "hi"}),
        )
        .await;
    assert_eq!(logged.status, 200, "{:?}", logged.body);
    let opened = app
        .post(
            "/conversations/get-or-create",
            json!({"customer_id": as_float}),
        )
        .await;
    assert_eq!(opened.status, 200, "{:?}", opened.body);
    assert_eq!(opened.get("customer_id"), id);

    for not_an_id in [json!(1.5), json!(1e300), json!("1")] {
        let r = app
            .post("/conversations", json!({"customer_id": not_an_id}))
            .await;
        assert_error(&r, 400, "validation_error");
        assert_eq!(r.get("field"), "customer_id");
    }
}

#[tokio::test]
async fn an_optional_body_may_be_json_null() {
    let app = spawn_app().await;
    let id = app.customer(json!({"email": "close@example.com"})).await;
    let (_, ctx) = app.log(id, "inbound", "hello").await;
    let r = app
        .raw(
            "POST",
            &format!("/conversations/{ctx}/close"),
            b"null",
            Some("application/json"),
            Some(TEST_KEY),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("status"), "resolved");
}

#[tokio::test]
async fn blank_optional_contacts_are_absent_and_lengths_count_as_sent() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/customers",
            json!({"email": "blank@example.com", "phone": " \u{2003} "}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.get("phone"), &serde_json::Value::Null);

    // 200 characters are allowed; 199 and a space are 200 as sent, too.
    let name = "n".repeat(199) + " ";
    let r = app
        .post(
            "/customers",
            json!({"email": "len@example.com", "name": name}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.get("name"), &json!("n".repeat(199)));
}
