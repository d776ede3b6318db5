//! The committed `docs/openapi.json` matches the code, and documents every
//! endpoint of the guide's Quick Reference. Regenerate with
//! `UPDATE_OPENAPI=1 cargo test -p local-api --test openapi`.

use std::collections::BTreeSet;
use std::path::PathBuf;

mod common;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn committed_openapi_matches_the_code() {
    let generated = serde_json::to_string_pretty(&local_api::openapi()).expect("serialize") + "\n";
    let path = committed_path();
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test -p local-api --test openapi` and commit it"
    );
}

/// The guide's Quick Reference (seed 000): its 26 endpoints as (method,
/// path template with this API's parameter names). The API's own route
/// list is its registration (`local_api::routes`); this is the contract it
/// must cover.
const GUIDE_ROUTES: [(&str, &str); 26] = [
    ("post", "/customers"),
    ("get", "/customers"),
    ("get", "/customers/{id}"),
    ("put", "/customers/{id}"),
    ("delete", "/customers/{id}"),
    ("post", "/customers/lookup"),
    ("post", "/customers/upsert"),
    ("get", "/context/{identifier}"),
    ("post", "/context/{identifier}/update"),
    ("post", "/log"),
    ("get", "/messages"),
    ("get", "/messages/{log_id}"),
    ("get", "/messages/context/{context_id}"),
    ("get", "/messages/customer/{customer_id}"),
    ("put", "/messages/{log_id}/status"),
    ("post", "/messages/{log_id}/processed"),
    ("post", "/messages/context/{context_id}/processed"),
    ("get", "/messages/unprocessed"),
    ("get", "/messages/failed"),
    ("get", "/conversations"),
    ("get", "/conversations/{context_id}"),
    ("get", "/conversations/customer/{customer_id}"),
    ("post", "/conversations"),
    ("put", "/conversations/{context_id}"),
    ("post", "/conversations/{context_id}/close"),
    ("post", "/conversations/get-or-create"),
];

/// Every documented operation is one the registration serves, `/health`
/// and `/openapi.json` included, and the guide's Quick Reference is among them.
#[test]
fn openapi_documents_the_registered_routes_and_the_whole_guide() {
    let doc = serde_json::to_value(local_api::openapi()).expect("serialize");
    assert!(doc["openapi"]
        .as_str()
        .unwrap_or_default()
        .starts_with("3.1"));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let mut registered: BTreeSet<(String, String)> = local_api::api_routes().into_iter().collect();
    registered.insert(("get".into(), "/health".into()));
    registered.insert(("get".into(), "/openapi.json".into()));
    assert_eq!(documented, registered);
    for (method, path) in GUIDE_ROUTES {
        assert!(
            registered.contains(&(method.to_string(), path.to_string())),
            "the guide's {method} {path} is not registered"
        );
    }
    assert!(documented.len() > GUIDE_ROUTES.len() + 20, "{documented:?}");
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
}

/// Every registered route is answered by local-api's app (none is only
/// documented): a request to each with placeholder ids never gets the
/// "no endpoint" 404 or a 405.
#[tokio::test]
async fn every_registered_route_is_served() {
    let store: std::sync::Arc<dyn crm_domain::store::Store> =
        std::sync::Arc::new(crm_store_sqlite::SqliteStore::in_memory().expect("store"));
    let state = crm_http::bootstrap::state_with(store).expect("state");
    let app = local_api::app(state, crm_http::Auth::Gateway);
    let routes = local_api::api_routes();
    assert!(routes.len() > GUIDE_ROUTES.len());
    for (method, path) in routes {
        if let Some((status, body)) = common::unrouted(app.clone(), &method, &path).await {
            panic!("{method} {path} is not served: {status} {body}");
        }
    }
}

/// Every `$ref` of the document points at something in it.
#[test]
fn every_reference_resolves() {
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(local_api::openapi()).expect("serialize");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20, "the document uses references");
    for r in found {
        let pointer = r.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
}

/// Every link names an operation of the document, passes only parameters
/// that operation has, and starts from an answer the source operation gives.
#[test]
fn every_link_targets_a_real_operation_and_parameter() {
    let doc = serde_json::to_value(local_api::openapi()).expect("serialize");
    let mut operations = std::collections::BTreeMap::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("path item").values() {
            if let Some(id) = op["operationId"].as_str() {
                operations.insert(id.to_string(), op.clone());
            }
        }
    }
    let mut links = 0;
    for spec in local_api::LINKS {
        let from = &operations[spec.from];
        let link = &from["responses"][spec.status]["links"][spec.to];
        assert_eq!(
            link["operationId"], spec.to,
            "{} {} → {}",
            spec.from, spec.status, spec.to
        );
        let target = operations
            .get(spec.to)
            .unwrap_or_else(|| panic!("no operation {}", spec.to));
        let names: Vec<&str> = target["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        for (name, _) in spec.parameters {
            assert!(names.contains(name), "{} has no parameter {name}", spec.to);
        }
        if !spec.body.is_empty() {
            assert!(
                target["requestBody"].is_object(),
                "{} takes no body",
                spec.to
            );
        }
        links += 1;
    }
    assert!(links >= 20);
}
