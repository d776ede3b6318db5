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
fn openapi_documents_exactly_the_api_routes() {
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
    let expected: BTreeSet<_> = local_api::api_routes()
        .chain(&[("get", "/health"), ("get", "/openapi.json")])
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
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
