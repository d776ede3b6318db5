//! The committed `docs/openapi.json` matches the code, and documents every
//! endpoint of the guide's Quick Reference. Regenerate with
//! `UPDATE_OPENAPI=1 cargo test -p local-api --test openapi`.

use std::collections::BTreeSet;
use std::path::PathBuf;

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

#[test]
fn openapi_documents_exactly_the_guide_routes() {
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
    let expected: BTreeSet<_> = local_api::GUIDE_ROUTES
        .iter()
        .chain(&[("get", "/health"), ("get", "/openapi.json")])
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
}
