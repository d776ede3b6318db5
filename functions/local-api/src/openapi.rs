//! `docs/openapi.json`: every group's operations, the errors they share
//! ([`crm_http::openapi::CommonResponses`]), the API key scheme, and the
//! links between operations ([`LINKS`]) that clients — and the stateful
//! phase of the schemathesis run in the test command — follow from a
//! created resource to the operations on it.

use std::collections::BTreeMap;

use axum::Json;
use serde_json::json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

/// A link: from the answer `status` of operation `from`, to operation `to`,
/// with its parameters (name, runtime expression) and, optionally, body
/// fields (name, runtime expression) merged into the request body.
pub struct LinkSpec {
    /// Operation id (the handler's name) of the answer.
    pub from: &'static str,
    /// Its status.
    pub status: &'static str,
    /// Operation id of the target.
    pub to: &'static str,
    /// Target parameters: (name, expression).
    pub parameters: &'static [(&'static str, &'static str)],
    /// Target body fields: (name, expression).
    pub body: &'static [(&'static str, &'static str)],
}

const fn link(
    from: &'static str,
    status: &'static str,
    to: &'static str,
    parameters: &'static [(&'static str, &'static str)],
) -> LinkSpec {
    LinkSpec {
        from,
        status,
        to,
        parameters,
        body: &[],
    }
}

const CUSTOMER: &str = "$response.body#/customer_id";
const UPSERTED: &str = "$response.body#/customer/customer_id";
const CONTEXT: &str = "$response.body#/context_id";
const LOG: &str = "$response.body#/log_id";
const CONNECTION: &str = "$response.body#/connection_id";

/// Where a created customer, conversation or message can be used next.
pub const LINKS: &[LinkSpec] = &[
    link(
        "create_customer",
        "201",
        "get_customer",
        &[("id", CUSTOMER)],
    ),
    link(
        "create_customer",
        "201",
        "update_customer",
        &[("id", CUSTOMER)],
    ),
    link(
        "create_customer",
        "201",
        "delete_customer",
        &[("id", CUSTOMER)],
    ),
    link(
        "create_customer",
        "201",
        "get_context",
        &[("identifier", CUSTOMER)],
    ),
    link(
        "create_customer",
        "201",
        "messages_for_customer",
        &[("customer_id", CUSTOMER)],
    ),
    link(
        "create_customer",
        "201",
        "open_conversation_for_customer",
        &[("customer_id", CUSTOMER)],
    ),
    LinkSpec {
        from: "create_customer",
        status: "201",
        to: "create_conversation",
        parameters: &[],
        body: &[("customer_id", CUSTOMER)],
    },
    LinkSpec {
        from: "create_customer",
        status: "201",
        to: "get_or_create_conversation",
        parameters: &[],
        body: &[("customer_id", CUSTOMER)],
    },
    LinkSpec {
        from: "create_customer",
        status: "201",
        to: "log_message",
        parameters: &[],
        body: &[("customer_id", CUSTOMER)],
    },
    link(
        "upsert_customer",
        "201",
        "get_customer",
        &[("id", UPSERTED)],
    ),
    link(
        "upsert_customer",
        "200",
        "get_customer",
        &[("id", UPSERTED)],
    ),
    link(
        "upsert_customer",
        "201",
        "delete_customer",
        &[("id", UPSERTED)],
    ),
    link(
        "lookup_customer",
        "200",
        "get_customer",
        &[("id", CUSTOMER)],
    ),
    link(
        "delete_customer",
        "200",
        "get_customer",
        &[("id", "$response.body#/deleted_id")],
    ),
    link(
        "create_conversation",
        "201",
        "get_conversation",
        &[("context_id", CONTEXT)],
    ),
    link(
        "create_conversation",
        "201",
        "update_conversation",
        &[("context_id", CONTEXT)],
    ),
    link(
        "create_conversation",
        "201",
        "close_conversation",
        &[("context_id", CONTEXT)],
    ),
    link(
        "create_conversation",
        "201",
        "get_context",
        &[("identifier", CONTEXT)],
    ),
    link(
        "create_conversation",
        "201",
        "update_context",
        &[("identifier", CONTEXT)],
    ),
    link(
        "create_conversation",
        "201",
        "messages_for_context",
        &[("context_id", CONTEXT)],
    ),
    link(
        "create_conversation",
        "201",
        "mark_context_processed",
        &[("context_id", CONTEXT)],
    ),
    link(
        "get_or_create_conversation",
        "200",
        "get_conversation",
        &[("context_id", CONTEXT)],
    ),
    link(
        "get_or_create_conversation",
        "200",
        "close_conversation",
        &[("context_id", CONTEXT)],
    ),
    link("log_message", "200", "get_message", &[("log_id", LOG)]),
    link("log_message", "200", "update_status", &[("log_id", LOG)]),
    link("log_message", "200", "mark_processed", &[("log_id", LOG)]),
    link(
        "log_message",
        "200",
        "get_conversation",
        &[("context_id", CONTEXT)],
    ),
    link(
        "log_message",
        "200",
        "messages_for_context",
        &[("context_id", CONTEXT)],
    ),
    link(
        "log_message",
        "200",
        "mark_context_processed",
        &[("context_id", CONTEXT)],
    ),
    link(
        "log_message",
        "200",
        "get_context",
        &[("identifier", CONTEXT)],
    ),
    link(
        "create_connection",
        "201",
        "get_connection",
        &[("connection_id", CONNECTION)],
    ),
    link(
        "create_connection",
        "201",
        "update_connection",
        &[("connection_id", CONNECTION)],
    ),
    link(
        "create_connection",
        "201",
        "rotate_secret",
        &[("connection_id", CONNECTION)],
    ),
    link(
        "create_connection",
        "201",
        "delete_connection",
        &[("connection_id", CONNECTION)],
    ),
    link(
        "delete_connection",
        "200",
        "get_connection",
        &[("connection_id", "$response.body#/deleted_id")],
    ),
];

struct Links;

impl Modify for Links {
    /// utoipa 5.5's `Link` serializes its fields in snake case
    /// (`operation_id`, `request_body`) where OpenAPI says `operationId`,
    /// `requestBody`; the links are therefore written as the spec's JSON
    /// under the response's `links` key, through its (flattened) extensions.
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for spec in LINKS {
            let Some(op) = operation_mut(doc, spec.from) else {
                continue;
            };
            let Some(RefOr::T(response)) = op.responses.responses.get_mut(spec.status) else {
                continue;
            };
            let mut link = json!({ "operationId": spec.to });
            if !spec.parameters.is_empty() {
                link["parameters"] =
                    json!(spec.parameters.iter().copied().collect::<BTreeMap<_, _>>());
            }
            if !spec.body.is_empty() {
                link["requestBody"] = json!(spec.body.iter().copied().collect::<BTreeMap<_, _>>());
            }
            let extensions = response.extensions.get_or_insert_with(Default::default);
            let links = extensions
                .entry("links".to_string())
                .or_insert_with(|| json!({}));
            links[spec.to] = link;
        }
    }
}

/// The operation whose `operationId` is `id`.
fn operation_mut<'a>(doc: &'a mut utoipa::openapi::OpenApi, id: &str) -> Option<&'a mut Operation> {
    crm_http::openapi::operations_mut(doc).find(|op| op.operation_id.as_deref() == Some(id))
}

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "The CRM's API key (on AWS: API Gateway's).",
            ))),
        );
        components.add_security_scheme(
            "connection_secret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "A messaging connection's `api_secret` (seed 002): the ingest endpoint only.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM conversation API",
        version = "2.0.0",
        description = "Customers, conversations (context) and the message log, per the API Usage Guide v2. \
Every endpoint but /health and /openapi.json needs the CRM's key in the `x-api-key` header; \
seed 002's ingest endpoint takes a messaging connection's secret there instead. Errors are JSON: \
`{\"error\": \"…\", \"code\": \"…\", \"request_id\": \"…\"}`. Lists take `limit`, `offset` and `cursor` and answer `count` and `next_cursor`. \
A method a path does not document is a 405 with `Allow`."
    ),
    // Schemas used only by parameters, which utoipa does not collect.
    components(schemas(
        crm_http::ErrorBody,
        crm_domain::types::CustomerId,
        crm_domain::types::LogId,
        crm_domain::types::ContextId,
        crm_ingest::ConnectionId
    )),
    modifiers(&ApiKeyScheme),
    security(("api_key" = [])),
    tags(
        (name = "customers", description = "Guide §1–7"),
        (name = "context", description = "Guide §8–9"),
        (name = "messages", description = "Guide §10–19"),
        (name = "conversations", description = "Guide §20–26"),
        (name = "ingest", description = "Messaging connections (seed 002)"),
        (name = "health", description = "Liveness and the API description")
    )
)]
struct BaseApi;

/// The OpenAPI 3.1 document of the whole API, generated from the handlers'
/// annotations, with the shared error answers and the links added.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = BaseApi::openapi();
    doc.merge(crm_http::health_route().openapi());
    doc.merge(crate::routes().openapi());
    crm_http::openapi::CommonResponses.modify(&mut doc);
    Links.modify(&mut doc);
    doc
}

/// `GET /openapi.json`: this API's description (no key needed).
#[utoipa::path(get, path = "/openapi.json", tag = "health", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
