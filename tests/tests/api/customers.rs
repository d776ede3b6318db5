//! Customers endpoints (guide §1–7) over real HTTP.

use crm_tests::{assert_error, spawn_app};
use serde_json::json;

#[tokio::test]
async fn create_returns_201_with_normalized_phone_and_timestamps() {
    let app = spawn_app().await;
    let r = app
        .post("/customers", json!({"name": "John Doe", "email": "john@example.com", "phone": "+1 416 555 1234", "phone_normalized": "+14165551234", "company": "Acme Corp"}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.get("customer_id"), 1);
    assert_eq!(r.get("phone"), "+1 416 555 1234");
    assert_eq!(r.get("phone_normalized"), "+14165551234");
    assert_eq!(r.get("company"), "Acme Corp");
    assert_eq!(r.get("external_crm_id"), &serde_json::Value::Null);
    let created = r.get("created_at").as_str().unwrap();
    assert!(created.ends_with('Z') && created.contains('T'), "{created}");
    let second = app.customer(json!({"phone": "(647) 555-0000"})).await;
    assert_eq!(second, 2, "ids are allocated in order");
}

#[tokio::test]
async fn get_by_id_email_phone_and_external_id() {
    let app = spawn_app().await;
    let id = app.customer(json!({"name": "Ann", "email": "Ann@Example.com", "phone": "416-555-1234", "external_crm_id": "CRM-12345"})).await;
    for path in [
        format!("/customers/{id}"),
        format!("/customers/{id}?by=id"),
        "/customers/ann%40example.com?by=email".to_string(),
        "/customers/ANN%40EXAMPLE.COM".to_string(),
        "/customers/%2B14165551234?by=phone".to_string(),
        "/customers/%2B1%20(416)%20555-1234?by=phone".to_string(),
        "/customers/%2B14165551234?by=phone_normalized".to_string(),
        "/customers/CRM-12345?by=external_id".to_string(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {:?}", r.body);
        assert_eq!(r.get("customer_id"), id, "{path}");
    }
    assert_error(&app.get("/customers/999").await, 404, "not_found");
    assert_error(
        &app.get("/customers/nobody%40example.com?by=email").await,
        404,
        "not_found",
    );
    assert_error(
        &app.get("/customers/CRM-0?by=external_id").await,
        404,
        "not_found",
    );
    assert_error(
        &app.get("/customers/123?by=fax").await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn list_filters_and_pages() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.customer(json!({"name": format!("Person {i}"), "email": format!("p{i}@example.com"), "company": if i % 2 == 0 { "Acme Corp" } else { "Globex" }})).await;
    }
    let all = app.get("/customers").await;
    assert_eq!(all.get("count"), 5);
    assert_eq!(all.get("next_cursor"), &serde_json::Value::Null);
    let ids: Vec<i64> = all
        .get("customers")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    let acme = app.get("/customers?company=acme").await;
    assert_eq!(
        acme.get("count"),
        3,
        "company matches a substring, any case"
    );
    assert_eq!(app.get("/customers?name=person%203").await.get("count"), 1);
    assert_eq!(
        app.get("/customers?email=P2%40example.com")
            .await
            .get("customers")[0]["customer_id"],
        3
    );
    assert_eq!(
        app.get("/customers?email=p2%40example.com&company=globex")
            .await
            .get("count"),
        0
    );
    let page = app.get("/customers?limit=2&offset=1").await;
    let ids: Vec<i64> = page
        .get("customers")
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["customer_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [2, 3]);
    // Cursor paging walks every customer once.
    let mut seen = Vec::new();
    let mut path = "/customers?limit=2".to_string();
    loop {
        let r = app.get(&path).await;
        assert_eq!(r.status, 200);
        seen.extend(
            r.get("customers")
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["customer_id"].as_i64().unwrap()),
        );
        match r.get("next_cursor").as_str() {
            Some(c) => path = format!("/customers?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    let filtered_cursor = app.get("/customers?limit=1&company=acme").await;
    let c = filtered_cursor
        .get("next_cursor")
        .as_str()
        .unwrap()
        .to_string();
    assert_error(
        &app.get(&format!("/customers?limit=1&cursor={c}")).await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn update_changes_fields_and_moves_uniqueness() {
    let app = spawn_app().await;
    let id = app.customer(json!({"name": "John Doe", "email": "john@example.com", "phone": "+14165551234", "company": "Acme"})).await;
    let r = app
        .put(
            &format!("/customers/{id}"),
            json!({"name": "John Smith", "email": "john.smith@newexample.com", "company": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.get("name"), "John Smith");
    assert_eq!(r.get("email"), "john.smith@newexample.com");
    assert_eq!(r.get("company"), &serde_json::Value::Null, "null clears");
    assert_eq!(r.get("phone"), "+14165551234", "absent fields are kept");
    assert_error(
        &app.get("/customers/john%40example.com?by=email").await,
        404,
        "not_found",
    );
    assert_eq!(
        app.get("/customers/john.smith%40newexample.com?by=email")
            .await
            .get("customer_id"),
        id
    );
    // The old email is free again.
    app.customer(json!({"email": "john@example.com"})).await;
    assert_error(
        &app.put("/customers/999", json!({"name": "x"})).await,
        404,
        "not_found",
    );
    let r = app
        .put(
            &format!("/customers/{id}"),
            json!({"email": null, "phone": null}),
        )
        .await;
    // Leaving no contact conflicts with the stored customer: 409, not a body error.
    assert_error(&r, 409, "conflict");
    assert_eq!(
        app.get(&format!("/customers/{id}")).await.get("email"),
        "john.smith@newexample.com",
        "a refused update changes nothing"
    );
}

#[tokio::test]
async fn uniqueness_conflicts_answer_409_with_the_holder() {
    let app = spawn_app().await;
    let first = app
        .customer(
            json!({"email": "a@example.com", "phone": "+14165551234", "external_crm_id": "X-1"}),
        )
        .await;
    for body in [
        json!({"email": "A@EXAMPLE.COM"}),
        json!({"phone": "(416) 555-1234"}),
        json!({"email": "b@example.com", "external_crm_id": "X-1"}),
    ] {
        let r = app.post("/customers", body.clone()).await;
        assert_error(&r, 409, "conflict");
        assert_eq!(r.get("customer_id"), first, "{body}");
    }
    let second = app.customer(json!({"email": "b@example.com"})).await;
    let r = app
        .put(
            &format!("/customers/{second}"),
            json!({"phone": "+1 416 555 1234"}),
        )
        .await;
    assert_error(&r, 409, "conflict");
    assert_eq!(r.get("customer_id"), first);
    assert_eq!(
        app.get(&format!("/customers/{second}")).await.get("phone"),
        &serde_json::Value::Null
    );
    assert_eq!(
        app.get("/customers").await.get("count"),
        2,
        "refused creates left nothing behind"
    );
}

#[tokio::test]
async fn delete_releases_values_and_archives_the_open_conversation() {
    let app = spawn_app().await;
    let id = app
        .customer(
            json!({"email": "gone@example.com", "phone": "+14165550000", "external_crm_id": "G-1"}),
        )
        .await;
    let (_, context_id) = app.log(id, "inbound", "hello").await;
    let r = app.delete(&format!("/customers/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"success": true, "deleted_id": id}));
    assert_error(
        &app.get(&format!("/customers/{id}")).await,
        404,
        "not_found",
    );
    assert_error(
        &app.delete(&format!("/customers/{id}")).await,
        404,
        "not_found",
    );
    assert_eq!(
        app.get(&format!("/conversations/{context_id}"))
            .await
            .get("status"),
        "archived"
    );
    let again = app
        .customer(
            json!({"email": "gone@example.com", "phone": "+14165550000", "external_crm_id": "G-1"}),
        )
        .await;
    assert_ne!(again, id, "ids are never reused");
}

#[tokio::test]
async fn lookup_by_email_or_phone() {
    let app = spawn_app().await;
    let id = app
        .customer(json!({"email": "john@example.com", "phone": "+14165551234"}))
        .await;
    assert_eq!(
        app.post("/customers/lookup", json!({"phone": "+14165551234"}))
            .await
            .get("customer_id"),
        id
    );
    assert_eq!(
        app.post("/customers/lookup", json!({"phone": "416 555 1234"}))
            .await
            .get("customer_id"),
        id
    );
    assert_eq!(
        app.post("/customers/lookup", json!({"email": "JOHN@example.com"}))
            .await
            .get("customer_id"),
        id
    );
    assert_error(
        &app.post("/customers/lookup", json!({"email": "nobody@example.com"}))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &app.post("/customers/lookup", json!({})).await,
        400,
        "validation_error",
    );
}

#[tokio::test]
async fn upsert_creates_then_updates() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/customers/upsert",
            json!({"email": "john@example.com", "name": "John Doe", "phone": "+14165551234"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.get("created"), true);
    let id = r.get("customer")["customer_id"].as_i64().unwrap();
    let r = app
        .post(
            "/customers/upsert",
            json!({"email": "John@Example.com", "company": "Acme Corp"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.get("created"), false);
    assert_eq!(r.get("customer")["customer_id"], id);
    assert_eq!(r.get("customer")["company"], "Acme Corp");
    assert_eq!(
        r.get("customer")["name"],
        "John Doe",
        "fields not sent are kept"
    );
    assert_error(
        &app.post("/customers/upsert", json!({"name": "No Email"}))
            .await,
        400,
        "validation_error",
    );
}
