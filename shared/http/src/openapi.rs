//! What every operation shares in `docs/openapi.json`: the list parameters
//! ([`Paging`]) and the error answers any route can give ([`CommonResponses`]),
//! so each handler's annotation lists only its own outcomes.

use serde::Deserialize;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoParams, Modify};

/// The paging parameters of every list (guide "Pagination"), as the OpenAPI
/// document states them. Parsed by [`crate::QueryMap::list_params`], which
/// enforces exactly these ranges (400 otherwise).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items per page: 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    /// Items to skip first: 0 to 10000 (use `cursor` to go further).
    #[param(minimum = 0, maximum = 10000)]
    pub offset: Option<u32>,
    /// `next_cursor` of the previous page of the same list and filters,
    /// unchanged; anything else is a 400. Empty is the first page.
    pub cursor: Option<String>,
}

/// The shared error answers, as `components.responses`:
/// (name, status, description).
const SHARED: [(&str, &str, &str); 5] = [
    (
        "BadRequest",
        "400",
        "A parameter or field breaks a rule: `field` names it, `error` says what to send.",
    ),
    (
        "Unauthorized",
        "401",
        "`x-api-key` missing or not a key of this API (on AWS API Gateway answers 403 itself).",
    ),
    (
        "PayloadTooLarge",
        "413",
        "The body is larger than 1 MiB.",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "The body is not sent as `Content-Type: application/json`.",
    ),
    (
        "ServiceUnavailable",
        "503",
        "The store is busy or unreachable, or concurrent writers kept conflicting: retry after `Retry-After` seconds.",
    ),
];

/// Adds to every operation the error answers it can give besides its own:
/// 400 when it takes parameters or a body, 401 when it needs the API key,
/// 413 and 415 when it takes a body, and 503 when it reads the store (every
/// keyed operation). Each refers to one shared response with the
/// [`crate::ErrorBody`] schema. (405 is the answer to a method a path does
/// not document, with `Allow`; it belongs to no documented operation.)
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, _, description) in SHARED {
            components.responses.insert(
                name.to_string(),
                RefOr::T(error_response(description, name)),
            );
        }
        operations_mut(doc).for_each(add_common);
        add_idempotency(doc);
    }
}

/// The `Idempotency-Key` header (issue 11) on the creating `POST`s of
/// [`crate::idempotency::ROUTES`], with its 409 and 422.
fn add_idempotency(doc: &mut OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::Required;
    for route in crate::idempotency::ROUTES {
        let Some(op) = doc
            .paths
            .paths
            .get_mut(route)
            .and_then(|item| item.post.as_mut())
        else {
            continue;
        };
        let header = ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes a retry safe: the first answer (status and body) is kept for 24 hours and \
                 replayed, with `Idempotent-Replayed: true`, to a request with the same key, method, \
                 path and body; the same key with another request is a 422; while the first still \
                 runs, a retry waits up to about 3 s, then is a 409. Keys are per API key.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255))
                    .pattern(Some("^[!-~]+$")),
            ))
            .build();
        op.parameters.get_or_insert_with(Vec::new).push(header);
        for (status, description) in [
            ("409", "A request with this Idempotency-Key is still running (or the endpoint's own conflict)."),
            ("422", "This Idempotency-Key was used with another request."),
        ] {
            op.responses.responses.entry(status.to_string()).or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("ErrorBody")))
                                .build(),
                        )
                        .build(),
                )
            });
        }
    }
}

/// The methods (lowercase: `get`, `put`, `post`, `delete`, `patch` — the
/// ones this API uses) that `item` documents, in that order.
pub fn methods(item: &utoipa::openapi::PathItem) -> impl Iterator<Item = &'static str> + '_ {
    [
        ("get", &item.get),
        ("put", &item.put),
        ("post", &item.post),
        ("delete", &item.delete),
        ("patch", &item.patch),
    ]
    .into_iter()
    .filter_map(|(name, op)| op.as_ref().map(|_| name))
}

/// Every operation of the document (the methods this API uses).
pub fn operations_mut(doc: &mut OpenApi) -> impl Iterator<Item = &mut Operation> {
    doc.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

fn add_common(op: &mut Operation) {
    let keyed = op.security.as_ref().is_none_or(|s| {
        s.iter()
            .any(|r| r != &utoipa::openapi::security::SecurityRequirement::default())
    });
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    for (name, status, _) in SHARED {
        let applies = match status {
            "400" => has_params || has_body,
            "401" | "503" => keyed,
            _ => has_body,
        };
        if applies {
            op.responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    }
}

fn error_response(description: &str, name: &str) -> Response {
    let body = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", body);
    if name == "ServiceUnavailable" {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                )
                .description(Some("Seconds to wait before retrying."))
                .build(),
        );
    }
    response.build()
}
