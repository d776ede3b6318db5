//! `template.yaml` maps exactly the API's routes (the guide's and ingest's), each to the function
//! whose router serves it: a route with no event, or an event its function
//! cannot serve, fails here.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use crm_http::{Auth, Routes};
use serde_norway::Value;

mod common;

fn router_for_binary(binary: &str) -> Routes {
    match binary {
        "crm-customers" => crm_customers::router(),
        "crm-context" => crm_context::router(),
        "crm-log" => crm_log::router(),
        "crm-messages" => crm_messages::router(),
        "crm-conversations" => crm_conversations::router(),
        "crm-ingest" => crm_ingest::router(),
        other => panic!("template names an unknown binary {other}"),
    }
}

/// (binary, method, path) of every `Api` event in the template.
fn template_events() -> Vec<(String, String, String)> {
    api_events()
        .into_iter()
        .map(|(b, m, p, _)| (b, m, p))
        .collect()
}

/// (binary, method, path, API key required) of every `Api` event.
fn api_events() -> Vec<(String, String, String, bool)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(path).expect("template.yaml"))
        .expect("YAML");
    let mut out = Vec::new();
    let mut binaries = BTreeSet::new();
    let makefile =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Makefile"))
            .expect("Makefile");
    let lambdas: Vec<&str> = makefile
        .lines()
        .find_map(|l| l.strip_prefix("LAMBDAS := "))
        .expect("LAMBDAS in the Makefile")
        .split(' ')
        .collect();
    for (name, resource) in doc["Resources"].as_mapping().expect("Resources") {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let name = name.as_str().expect("logical id");
        let binary = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .expect("BuildProperties.Binary")
            .to_string();
        // sam build runs `make build-<LogicalId>`, which copies this binary
        // out of the one cargo-lambda build of every function in LAMBDAS.
        assert_eq!(
            resource["Metadata"]["BuildMethod"].as_str(),
            Some("makefile")
        );
        assert!(
            lambdas.contains(&format!("{name}={binary}").as_str()),
            "the Makefile's LAMBDAS does not map {name} to {binary}"
        );
        assert_eq!(
            resource["Properties"]["CodeUri"].as_str(),
            Some("."),
            "{binary}: CodeUri is the workspace root"
        );
        assert!(
            binaries.insert(binary.clone()),
            "binary {binary} used twice"
        );
        for (_, event) in resource["Properties"]["Events"]
            .as_mapping()
            .expect("Events")
        {
            if binary == "crm-reply-worker" || binary == "crm-sender" {
                // The workers have no route: their queue and their sweep's schedule.
                let kind = event["Type"].as_str();
                assert!(
                    matches!(kind, Some("SQS" | "Schedule" | "EventBridgeRule")),
                    "{kind:?}"
                );
                continue;
            }
            assert_eq!(event["Type"].as_str(), Some("Api"));
            let props = &event["Properties"];
            out.push((
                binary.clone(),
                props["Method"].as_str().expect("Method").to_lowercase(),
                props["Path"].as_str().expect("Path").to_string(),
                props["Auth"]["ApiKeyRequired"].as_bool() != Some(false),
            ));
        }
    }
    out
}

/// The (method, path) pairs `binary`'s router registers, `/health` included.
fn registered_by(binary: &str) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::from([("get".to_string(), "/health".to_string())]);
    for (path, item) in router_for_binary(binary).openapi().paths.paths {
        for method in crm_http::openapi::methods(&item) {
            routes.insert((method.to_string(), path.clone()));
        }
    }
    routes
}

/// The template maps every registered route, and only those; and each
/// function gets exactly the routes its own router registers (plus its
/// `/health` where the template gives it one).
#[test]
fn the_template_maps_exactly_the_api_routes() {
    let mapped: BTreeSet<(String, String)> = template_events()
        .into_iter()
        .map(|(_, m, p)| (m, p))
        .collect();
    let mut registered: BTreeSet<(String, String)> = local_api::api_routes().into_iter().collect();
    registered.insert(("get".into(), "/health".into()));
    assert_eq!(mapped, registered);
    let mut by_binary: std::collections::BTreeMap<String, BTreeSet<(String, String)>> =
        Default::default();
    for (binary, method, path) in template_events() {
        by_binary.entry(binary).or_default().insert((method, path));
    }
    assert_eq!(by_binary.len(), 6, "{:?}", by_binary.keys());
    for (binary, mut events) in by_binary {
        let registered = registered_by(&binary);
        if !events.contains(&("get".to_string(), "/health".to_string())) {
            events.insert(("get".into(), "/health".into()));
        }
        assert_eq!(events, registered, "{binary}: template events ≠ its router");
    }
}

/// Exactly the routes that authenticate themselves (or need nothing) are
/// open at API Gateway: the same list the local key check exempts.
#[test]
fn only_the_public_routes_skip_the_api_key() {
    let open: BTreeSet<(String, String)> = api_events()
        .into_iter()
        .filter(|(_, _, _, keyed)| !keyed)
        .map(|(_, m, p, _)| (m, p))
        .collect();
    let public: BTreeSet<(String, String)> = local_api::api_routes()
        .into_iter()
        .chain([("get".to_string(), "/health".to_string())])
        .filter(|(m, p)| crm_http::auth::is_public(&m.to_uppercase(), p))
        .collect();
    assert_eq!(open, public);
    assert!(open.contains(&("post".to_string(), "/webhooks/twilio/status".to_string())));
    assert!(!crm_http::auth::is_public(
        "PUT",
        "/messages/{log_id}/status"
    ));
}

#[tokio::test]
async fn each_event_is_served_by_its_functions_router() {
    let store: Arc<dyn crm_domain::store::Store> =
        Arc::new(crm_store_sqlite::SqliteStore::in_memory().expect("store"));
    let state = crm_http::bootstrap::state_with(store).expect("state");
    for (binary, method, path) in template_events() {
        let app = crm_http::app(router_for_binary(&binary), state.clone(), Auth::Gateway);
        if let Some((status, body)) = common::unrouted(app, &method, &path).await {
            panic!("{binary} has no route for {method} {path}: {status} {body}");
        }
    }
}

/// Every scanner finding the template skips says why (issue 12: no
/// unexplained exception): `Metadata.checkov.skip[]` entries carry an id and
/// a one-line comment.
#[test]
fn every_checkov_skip_has_a_reason() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    let doc: Value = serde_norway::from_str(&std::fs::read_to_string(path).expect("template.yaml"))
        .expect("YAML");
    let mut skips = 0;
    for (name, resource) in doc["Resources"].as_mapping().expect("Resources") {
        for skip in resource["Metadata"]["checkov"]["skip"]
            .as_sequence()
            .into_iter()
            .flatten()
        {
            let id = skip["id"].as_str().unwrap_or_default();
            let comment = skip["comment"].as_str().unwrap_or_default().trim();
            assert!(
                id.starts_with("CKV_") || id.starts_with("CKV2_"),
                "{name:?}: skip without a check id"
            );
            assert!(
                comment.len() >= 20 && !comment.contains('\n'),
                "{name:?}: {id} is skipped without a one-line reason"
            );
            skips += 1;
        }
    }
    assert!(
        skips > 0,
        "the template's Metadata holds the scanner's exceptions"
    );
}

fn template() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).expect("template.yaml")).expect("YAML")
}

/// A scalar, or the argument of a short-form intrinsic (`!Ref X` → `X`,
/// `!Sub "…"` → `…`, `!GetAtt A.B` → `A.B`).
fn text(v: &Value) -> String {
    match v {
        Value::Tagged(t) => text(&t.value),
        Value::String(s) => s.clone(),
        other => serde_norway::to_string(other).unwrap_or_default(),
    }
}

/// `${…}` of a `Fn::Sub` string replaced by `x`, as CloudFormation would
/// put some value there.
fn substituted(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('x');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Issue 12: every function has an errors and a throttles alarm on its own
/// name, the API its 5xx-rate and p99 alarms, the table a throttle alarm, the
/// reply and delivery queues an age alarm and their DLQs a depth alarm; every alarm notifies
/// the optional SNS topic, and the dashboard shows every errors alarm.
#[test]
fn every_function_queue_and_the_api_have_their_alarms() {
    let doc = template();
    let resources = doc["Resources"].as_mapping().expect("Resources");
    let mut alarmed = BTreeSet::new();
    let mut alarms = BTreeSet::new();
    for (name, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        let name = name.as_str().expect("name").to_string();
        let p = &resource["Properties"];
        for actions in ["AlarmActions", "OKActions"] {
            let when = text(&p[actions]);
            assert!(
                when.contains("HasAlarmTopic") && when.contains("AlarmTopicArn"),
                "{name}: {actions} notify AlarmTopicArn when set"
            );
        }
        assert!(
            text(&p["AlarmDescription"]).len() > 40,
            "{name}: the description says what to do"
        );
        let metric = text(&p["MetricName"]);
        let dimension = p["Dimensions"][0]["Value"].clone();
        alarmed.insert((metric, text(&dimension)));
        alarms.insert(name);
    }
    let mut functions = 0;
    for (name, resource) in resources {
        if resource["Type"].as_str() == Some("AWS::Serverless::Function") {
            let name = name.as_str().expect("name");
            for metric in ["Errors", "Throttles"] {
                assert!(
                    alarmed.contains(&(metric.to_string(), name.to_string())),
                    "{name} has no {metric} alarm"
                );
            }
            functions += 1;
        }
    }
    assert_eq!(
        functions, 8,
        "the six API functions, the reply worker and the sender"
    );
    for (metric, on) in [
        ("5XXError", "${AWS::StackName}-api"),
        ("Latency", "${AWS::StackName}-api"),
        ("ApproximateAgeOfOldestMessage", "ReplyQueue.QueueName"),
        (
            "ApproximateNumberOfMessagesVisible",
            "ReplyDeadLetterQueue.QueueName",
        ),
        ("ApproximateAgeOfOldestMessage", "SendQueue.QueueName"),
        (
            "ApproximateNumberOfMessagesVisible",
            "SendDeadLetterQueue.QueueName",
        ),
    ] {
        assert!(
            alarmed.contains(&(metric.to_string(), on.to_string())),
            "no {metric} alarm on {on}"
        );
    }
    assert!(alarms.contains("TableThrottleAlarm"));
    let dashboard = &doc["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"];
    let sub = match dashboard {
        Value::Tagged(t) => t.value.clone(),
        other => panic!("DashboardBody is a !Sub, not {other:?}"),
    };
    let body = text(&sub[0]);
    let parsed: serde_json::Value =
        // AlarmArns expands to a comma-separated list of quoted ARNs.
        serde_json::from_str(&substituted(&body.replace("${AlarmArns}", "\"arn\"")))
            .expect("the dashboard body is JSON");
    assert!(parsed["widgets"].as_array().expect("widgets").len() >= 8);
    let listed = text(&sub[1]["AlarmArns"]);
    for alarm in alarms.iter().filter(|a| a.ends_with("FunctionErrorsAlarm")) {
        assert!(
            listed.contains(alarm.as_str()),
            "{alarm} is not on the dashboard"
        );
    }
}

/// Issue 12: the API access log is one JSON object a request with the ids to
/// follow it (API Gateway's, the Lambda request id, the X-Ray trace), route,
/// status, latencies and the API key's id — and nothing that can hold
/// personal data (raw path, query string, the key itself).
#[test]
fn the_access_log_is_json_with_ids_and_no_personal_data() {
    let doc = template();
    let api = &doc["Resources"]["CrmApi"]["Properties"];
    assert_eq!(
        text(&api["AccessLogSetting"]["DestinationArn"]),
        "ApiAccessLogs.Arn"
    );
    let format = text(&api["AccessLogSetting"]["Format"]);
    for forbidden in [
        "$context.path",
        "querystring",
        "identity.apiKey\"",
        "$context.identity.sourceIp",
        "$input",
    ] {
        assert!(
            !format.contains(forbidden),
            "the access log records {forbidden}"
        );
    }
    // Every $context variable as API Gateway would fill it (numbers bare).
    let mut line = format.clone();
    for (var, value) in [
        ("$context.requestTimeEpoch", "1733550000000"),
        ("$context.responseLatency", "12"),
        ("$context.status", "500"),
    ] {
        line = line.replace(var, value);
    }
    while let Some(start) = line.find("$context.") {
        let end = line[start..]
            .find(['"', ',', '}'])
            .map(|e| start + e)
            .unwrap_or(line.len());
        line.replace_range(start..end, "v");
    }
    let parsed: serde_json::Value = serde_json::from_str(&line).expect("one JSON object");
    for key in [
        "requestId",
        "integrationRequestId",
        "xrayTraceId",
        "resourcePath",
        "status",
        "responseLatency",
        "integrationLatency",
        "apiKeyId",
        "errorMessage",
    ] {
        assert!(parsed.get(key).is_some(), "the access log has no {key}");
    }
    let group = &doc["Resources"]["ApiAccessLogs"]["Properties"];
    assert_eq!(text(&group["RetentionInDays"]), "LogRetentionDays");
    let api_resource = &doc["Resources"]["CrmApi"];
    assert_eq!(
        api_resource["DependsOn"].as_str(),
        Some("ApiGatewayAccount")
    );
}
