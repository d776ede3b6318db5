//! Messaging connections (issue 8, seed 002 "Obtaining an API Key"): managed
//! with the CRM's key under `/ingest/connections`; the `api_secret` is shown
//! only by create and rotate, stored only as its SHA-256, and proves a
//! sender in seed 002's validation order.

use std::sync::Arc;

use crm_domain::types::Platform;
use crm_domain::{Crm, DomainError, Settings};
use crm_tests::{assert_error, spawn_app};
use serde_json::{json, Value};

/// Every string in `v`, recursively.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(m) => m.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn connections_are_managed_and_their_secret_is_shown_only_on_create_and_rotate() {
    let app = spawn_app().await;
    let created = app
        .post(
            "/ingest/connections",
            json!({"platform": "WhatsApp", "name": " WA Business ", "connection_id": "wa_business_123"}),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.get("connection_id"), "wa_business_123");
    assert_eq!(created.get("platform"), "whatsapp");
    assert_eq!(created.get("name"), "WA Business");
    assert_eq!(created.get("is_active"), true);
    let secret = created
        .get("api_secret")
        .as_str()
        .expect("secret")
        .to_string();
    assert!(secret.len() >= 43, "≥ 256 bits: {secret}");

    let generated = app
        .post(
            "/ingest/connections",
            json!({"platform": "telegram", "name": "bot"}),
        )
        .await;
    assert_eq!(generated.status, 201);
    let generated_id = generated
        .get("connection_id")
        .as_str()
        .expect("id")
        .to_string();
    assert!(generated_id.starts_with("conn_"), "{generated_id}");

    // Read, list, change: never the secret or anything derived from it.
    let got = app.get("/ingest/connections/wa_business_123").await;
    assert_eq!(got.status, 200);
    let listed = app.get("/ingest/connections").await;
    assert_eq!(listed.get("count"), 2);
    let patched = app
        .call(
            "PATCH",
            "/ingest/connections/wa_business_123",
            Some(json!({"name": "WA main", "is_active": false})),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.get("is_active"), false);
    assert_eq!(patched.get("name"), "WA main");
    for reply in [&got, &listed, &patched] {
        let mut all = Vec::new();
        strings(&reply.body, &mut all);
        assert!(all.iter().all(|s| !s.contains(&secret)), "{:?}", reply.body);
        assert!(
            reply.body.to_string().find("secret").is_none(),
            "{:?}",
            reply.body
        );
    }

    // Rotate: a new secret; the old one stops working.
    let rotated = app
        .post(
            "/ingest/connections/wa_business_123/rotate-secret",
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let new_secret = rotated
        .get("api_secret")
        .as_str()
        .expect("secret")
        .to_string();
    assert_ne!(new_secret, secret);

    let crm = Crm::new(Arc::clone(&app.store) as _, Settings::default());
    let auth = |key: String| {
        let crm = crm.clone();
        async move {
            crm.authenticate_connection("wa_business_123", Platform::Whatsapp, &key)
                .await
        }
    };
    assert!(matches!(
        auth(secret.clone()).await,
        Err(DomainError::Unauthenticated("Invalid API key"))
    ));
    // Inactive is checked after the key (seed 002 order).
    assert!(matches!(
        auth(new_secret.clone()).await,
        Err(DomainError::Forbidden("Connection is inactive"))
    ));
    app.call(
        "PATCH",
        "/ingest/connections/wa_business_123",
        Some(json!({"is_active": true})),
    )
    .await;
    let ok = auth(new_secret.clone()).await.expect("authenticated");
    assert_eq!(ok.connection_id, "wa_business_123");
    for (id, platform) in [
        ("wa_business_123", Platform::Telegram),
        ("nope", Platform::Whatsapp),
        ("bad id!", Platform::Whatsapp),
    ] {
        assert!(matches!(
            crm.authenticate_connection(id, platform, &new_secret).await,
            Err(DomainError::Unauthenticated(
                "Invalid connection_id or platform"
            ))
        ));
    }

    // Taken ids, absent ones, delete.
    let taken = app
        .post(
            "/ingest/connections",
            json!({"platform": "signal", "name": "x", "connection_id": "wa_business_123"}),
        )
        .await;
    assert_error(&taken, 409, "conflict");
    let deleted = app
        .call("DELETE", "/ingest/connections/wa_business_123", None)
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.get("deleted_id"), "wa_business_123");
    for (method, path) in [
        ("GET", "/ingest/connections/wa_business_123"),
        ("DELETE", "/ingest/connections/wa_business_123"),
        ("POST", "/ingest/connections/wa_business_123/rotate-secret"),
    ] {
        assert_error(&app.call(method, path, None).await, 404, "not_found");
    }
    assert!(matches!(
        crm.authenticate_connection("wa_business_123", Platform::Whatsapp, &new_secret)
            .await,
        Err(DomainError::Unauthenticated(_))
    ));
}

#[tokio::test]
async fn bad_connection_input_is_a_400_naming_the_field() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"name": "x"}), "platform"),
        (json!({"platform": "sms", "name": "x"}), "platform"),
        (json!({"platform": "signal"}), "name"),
        (json!({"platform": "signal", "name": "  "}), "name"),
        (
            json!({"platform": "signal", "name": "x", "connection_id": "has space"}),
            "connection_id",
        ),
        (
            json!({"platform": "signal", "name": "x", "connection_id": "x".repeat(65)}),
            "connection_id",
        ),
    ] {
        let r = app.post("/ingest/connections", body.clone()).await;
        assert_error(&r, 400, "validation_error");
        assert_eq!(r.get("field"), field, "{body}");
    }
    let r = app.get("/ingest/connections/has%20space").await;
    assert_error(&r, 400, "validation_error");
    assert_eq!(
        app.get("/ingest/connections").await.get("count"),
        0,
        "nothing written"
    );
}
