//! Bad input, endpoint by endpoint: every case is a 4xx JSON error a person
//! can act on (never a 500 or a panic), and nothing already stored changes.

use crm_tests::{spawn_app, Reply, TestApp, TEST_KEY};
use serde_json::{json, Value};

struct Case {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    key: Option<&'static str>,
    status: u16,
    code: &'static str,
    field: Option<&'static str>,
}

fn case(
    method: &'static str,
    path: impl Into<String>,
    body: impl Into<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        method,
        path: path.into(),
        body: body.into(),
        content_type: Some("application/json"),
        key: Some(TEST_KEY),
        status,
        code,
        field: None,
    }
}

fn missing(method: &'static str, path: &str) -> Case {
    case(method, path, "", 404, "not_found")
}

fn bad(method: &'static str, path: impl Into<String>, body: &str, field: &'static str) -> Case {
    Case {
        field: Some(field),
        ..case(
            method,
            path,
            body.as_bytes().to_vec(),
            400,
            "validation_error",
        )
    }
}

async fn snapshot(app: &TestApp, customer: i64, context: &str, log_id: i64) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/customers/{customer}"),
        format!("/conversations/{context}"),
        format!("/messages/{log_id}"),
        "/customers".to_string(),
        "/messages".to_string(),
        "/conversations".to_string(),
    ] {
        let r: Reply = app.get(&path).await;
        assert_eq!(r.status, 200, "{path}");
        out.push(r.body);
    }
    out
}

#[tokio::test]
async fn every_bad_input_is_a_4xx_json_error_and_changes_nothing() {
    let app = spawn_app().await;
    let id = app
        .customer(json!({"name": "John", "email": "john@example.com", "phone": "+14165551234"}))
        .await;
    let (log_id, ctx) = app.log(id, "inbound", "hello").await;
    let before = snapshot(&app, id, &ctx, log_id).await;

    let log = |patch: Value| {
        let mut m = json!({"customer_id": id, "channel": "sms", "channel_identifier": "+14165551234", "direction": "inbound", "message_body": "x"});
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                m.as_object_mut().unwrap().remove(k);
            } else {
                m[k] = v.clone();
            }
        }
        m.to_string()
    };
    let big = format!(
        "{{\"name\":\"{}\",\"email\":\"big@example.com\"}}",
        "x".repeat(1100 * 1024)
    );
    let long_body = log(json!({"message_body": "é".repeat(64 * 1024 + 1)}));
    let cases = vec![
        // Customers
        bad("POST", "/customers", "{}", "email"),
        bad("POST", "/customers", r#"{"email":"not-an-email"}"#, "email"),
        bad("POST", "/customers", r#"{"phone":"call me"}"#, "phone"),
        bad(
            "POST",
            "/customers",
            r#"{"phone_normalized":"+"}"#,
            "phone_normalized",
        ),
        bad("POST", "/customers", r#"{"email":5}"#, "email"),
        bad("POST", "/customers", r#"[1,2]"#, "body"),
        bad("POST", "/customers", "null", "body"),
        bad(
            "POST",
            "/customers",
            &format!(
                r#"{{"email":"a@example.com","name":"{}"}}"#,
                "n".repeat(201)
            ),
            "name",
        ),
        bad(
            "POST",
            "/customers",
            r#"{"email":"a@example.com","external_crm_id":"   "}"#,
            "email",
        )
        .with_status(201),
        case("POST", "/customers", "{", 400, "malformed_json"),
        case("POST", "/customers", "", 400, "malformed_json"),
        case(
            "POST",
            "/customers",
            r#"{"email":"a@b.com"} trailing"#,
            400,
            "malformed_json",
        ),
        Case {
            content_type: Some("text/plain"),
            ..case(
                "POST",
                "/customers",
                r#"{"email":"t@example.com"}"#,
                415,
                "unsupported_media_type",
            )
        },
        Case {
            content_type: None,
            ..case(
                "POST",
                "/customers",
                r#"{"email":"t@example.com"}"#,
                415,
                "unsupported_media_type",
            )
        },
        case(
            "POST",
            "/customers",
            big.into_bytes(),
            413,
            "payload_too_large",
        ),
        bad("GET", "/customers?limit=0", "", "limit"),
        bad("GET", "/customers?limit=1001", "", "limit"),
        bad("GET", "/customers?limit=abc", "", "limit"),
        bad(
            "GET",
            "/customers?limit=99999999999999999999999",
            "",
            "limit",
        ),
        bad("GET", "/customers?offset=-1", "", "offset"),
        bad("GET", "/customers?offset=100000", "", "offset"),
        bad("GET", "/customers?cursor=xyz", "", "cursor"),
        bad("GET", "/customers?email=nope", "", "email"),
        // A path identifier that cannot be of its kind names no customer: 404.
        missing("GET", "/customers/0"),
        missing("GET", "/customers/-5"),
        missing("GET", "/customers/abc?by=id"),
        bad("GET", "/customers/x?by=nope", "", "by"),
        bad("GET", "/customers/5?by=", "", "by"),
        missing("GET", "/customers/abc?by=phone"),
        // Integers and enums in query strings are exactly what the OpenAPI says.
        bad("GET", "/customers?limit=", "", "limit"),
        bad("GET", "/customers?limit=%2B5", "", "limit"),
        bad("GET", "/customers?offset=%205", "", "offset"),
        bad("GET", "/messages?channel=", "", "channel"),
        bad("GET", "/customers/%FF%FE", "", "path"),
        bad(
            "PUT",
            format!("/customers/{id}"),
            r#"{"email":"bad"}"#,
            "email",
        ),
        bad("PUT", format!("/customers/{id}"), r#"{"name":5}"#, "name"),
        // No contact left: a conflict with the stored customer.
        case(
            "PUT",
            format!("/customers/{id}"),
            r#"{"email":null,"phone":null}"#,
            409,
            "conflict",
        ),
        bad("PUT", "/customers/abc", r#"{"name":"x"}"#, "customer_id"),
        Case {
            content_type: Some("text/plain"),
            ..case(
                "PUT",
                format!("/customers/{id}"),
                r#"{"name":"x"}"#,
                415,
                "unsupported_media_type",
            )
        },
        bad("DELETE", "/customers/abc", "", "customer_id"),
        bad("POST", "/customers/lookup", r#"{"email":"bad"}"#, "email"),
        bad("POST", "/customers/lookup", "{}", "email"),
        bad("POST", "/customers/upsert", r#"{"name":"x"}"#, "email"),
        bad(
            "POST",
            "/customers/upsert",
            r#"{"email":"x@example.com","phone":"nope"}"#,
            "phone",
        ),
        // Both phone fields are checked when both are sent.
        bad(
            "POST",
            "/customers",
            r#"{"phone":"+14165550000","phone_normalized":"call me"}"#,
            "phone_normalized",
        ),
        bad(
            "POST",
            "/customers/lookup",
            r#"{"email":"john@example.com","phone":"call me"}"#,
            "phone",
        ),
        bad(
            "POST",
            "/customers",
            &format!(
                r#"{{"email":"a@example.com","name":"{} "}}"#,
                "n".repeat(200)
            ),
            "name",
        ),
        // Context
        missing("GET", "/context/abc"),
        missing("GET", "/context/x?by=phone_normalized"),
        missing("GET", "/context/john?by=email"),
        missing("GET", "/context/xyz?by=context_id"),
        bad(
            "POST",
            format!("/context/{ctx}/update"),
            r#"{"last_channel":"fax"}"#,
            "last_channel",
        ),
        bad(
            "POST",
            format!("/context/{ctx}/update"),
            r#"{"summary":5}"#,
            "summary",
        ),
        bad(
            "POST",
            format!("/context/{ctx}/update"),
            &format!(r#"{{"summary":"{}"}}"#, "s".repeat(4001)),
            "summary",
        ),
        bad(
            "POST",
            format!("/context/{ctx}/update"),
            r#"{"status":"done"}"#,
            "status",
        ),
        bad("POST", "/context/not-a-uuid/update", "{}", "context_id"),
        bad("POST", "/context/0/update", "{}", "context_id"),
        // Log
        bad("POST", "/log", &log(json!({"channel": null})), "channel"),
        bad("POST", "/log", &log(json!({"channel": "fax"})), "channel"),
        bad(
            "POST",
            "/log",
            &log(json!({"direction": "sideways"})),
            "direction",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"message_body": null})),
            "message_body",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"customer_id": "1"})),
            "customer_id",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"customer_id": 0})),
            "customer_id",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"customer_id": 1.5})),
            "customer_id",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"customer_id": 1e20})),
            "customer_id",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"channel_identifier": "  "})),
            "channel_identifier",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"send_status": "lost"})),
            "send_status",
        ),
        bad(
            "POST",
            "/log",
            &log(json!({"context_id": "nope"})),
            "context_id",
        ),
        bad("POST", "/log", &long_body, "message_body"),
        bad(
            "POST",
            "/log",
            &log(json!({"metadata": {"blob": "b".repeat(17 * 1024)}})),
            "metadata",
        ),
        // Messages
        bad("GET", "/messages?direction=up", "", "direction"),
        bad("GET", "/messages?limit=-3", "", "limit"),
        bad("GET", "/messages/abc", "", "log_id"),
        bad("GET", "/messages/0", "", "log_id"),
        bad("GET", "/messages/%2012", "", "log_id"),
        bad("GET", "/messages/%2B12", "", "log_id"),
        bad(
            "GET",
            "/messages/context/550e8400e29b41d4a716446655440000",
            "",
            "context_id",
        ),
        bad("GET", "/messages/context/abc", "", "context_id"),
        bad("GET", "/messages/customer/abc", "", "customer_id"),
        bad("GET", "/messages/unprocessed?limit=0", "", "limit"),
        bad("GET", "/messages/failed?offset=x", "", "offset"),
        bad(
            "PUT",
            format!("/messages/{log_id}/status"),
            "{}",
            "send_status",
        ),
        bad(
            "PUT",
            format!("/messages/{log_id}/status"),
            r#"{"send_status":null}"#,
            "send_status",
        ),
        bad(
            "PUT",
            format!("/messages/{log_id}/status"),
            r#"{"send_status":"read"}"#,
            "send_status",
        ),
        bad(
            "PUT",
            "/messages/abc/status",
            r#"{"send_status":"sent"}"#,
            "log_id",
        ),
        bad("POST", "/messages/abc/processed", "", "log_id"),
        bad("POST", "/messages/context/abc/processed", "", "context_id"),
        // Conversations
        bad("GET", "/conversations?status=open", "", "status"),
        bad("GET", "/conversations?customer_id=abc", "", "customer_id"),
        bad("GET", "/conversations/abc", "", "context_id"),
        bad(
            "PUT",
            format!("/conversations/{ctx}"),
            r#"{"status":null,"summary":"lost"}"#,
            "status",
        ),
        bad(
            "POST",
            format!("/context/{ctx}/update"),
            r#"{"last_channel":null,"summary":"lost"}"#,
            "last_channel",
        ),
        bad("GET", "/conversations/customer/abc", "", "customer_id"),
        bad("POST", "/conversations", "{}", "customer_id"),
        bad(
            "POST",
            "/conversations",
            r#"{"customer_id":"x"}"#,
            "customer_id",
        ),
        bad(
            "POST",
            "/conversations",
            &format!(r#"{{"customer_id":{id},"email":"bad"}}"#),
            "email",
        ),
        bad(
            "POST",
            "/conversations/get-or-create",
            r#"{"customer_id":-1}"#,
            "customer_id",
        ),
        bad(
            "PUT",
            format!("/conversations/{ctx}"),
            r#"{"status":"closed"}"#,
            "status",
        ),
        bad(
            "PUT",
            format!("/conversations/{ctx}"),
            r#"{"intent":["a"]}"#,
            "intent",
        ),
        bad(
            "POST",
            format!("/conversations/{ctx}/close"),
            r#"{"status":"active"}"#,
            "status",
        ),
        Case {
            content_type: Some("text/plain"),
            ..case(
                "POST",
                format!("/conversations/{ctx}/close"),
                r#"{"status":"resolved"}"#,
                415,
                "unsupported_media_type",
            )
        },
        // Auth and routing
        Case {
            key: None,
            ..case("GET", "/customers", "", 401, "unauthorized")
        },
        Case {
            key: Some("wrong-key"),
            ..case("GET", "/customers", "", 401, "unauthorized")
        },
        Case {
            key: None,
            ..case("POST", "/log", log(json!({})), 401, "unauthorized")
        },
        case("GET", "/nope", "", 404, "not_found"),
        case("PATCH", "/customers", "", 405, "method_not_allowed"),
        case("DELETE", "/log", "", 405, "method_not_allowed"),
    ];

    for c in &cases {
        let r = app
            .raw(c.method, &c.path, &c.body, c.content_type, c.key)
            .await;
        let label = format!(
            "{} {} {}",
            c.method,
            c.path.chars().take(80).collect::<String>(),
            String::from_utf8_lossy(&c.body)
                .chars()
                .take(80)
                .collect::<String>()
        );
        assert_eq!(r.status, c.status, "{label}: {:?}", r.body);
        if c.status >= 400 {
            assert!(
                r.content_type.starts_with("application/json"),
                "{label}: {}",
                r.content_type
            );
            assert_eq!(r.get("code"), c.code, "{label}: {:?}", r.body);
            let message = r.get("error").as_str().unwrap_or_default();
            assert!(
                message.len() > 10,
                "{label}: the message must say what to fix: {message:?}"
            );
            assert!(
                r.get("request_id").as_str().is_some_and(|s| !s.is_empty()),
                "{label}"
            );
            if let Some(field) = c.field {
                assert_eq!(r.get("field"), field, "{label}: {:?}", r.body);
            }
        }
    }
    // The one well-formed create in the table made a customer; undo it before comparing.
    let made = app.get("/customers/a%40example.com?by=email").await;
    assert_eq!(made.status, 200, "blank external_crm_id counts as absent");
    app.delete(&format!("/customers/{}", made.get("customer_id")))
        .await;
    let after = snapshot(&app, id, &ctx, log_id).await;
    assert_eq!(before, after, "bad input changed stored data");
}

trait WithStatus {
    fn with_status(self, status: u16) -> Self;
}

impl WithStatus for Case {
    fn with_status(self, status: u16) -> Self {
        Case {
            status,
            code: "",
            field: None,
            ..self
        }
    }
}
