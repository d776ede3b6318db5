//! The one error type of every handler, rendered as the guide's JSON error:
//! `{"error": "<message>", "code": "<machine code>", "request_id": "…"}`,
//! plus `field` on 400s and the existing `customer_id` / `context_id` on 409s.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use crm_domain::store::StoreError;
use crm_domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id;

/// The JSON body of every error response.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person (a string, as in the guide).
    pub error: String,
    /// Stable machine code: `validation_error`, `malformed_json`, `unauthorized`,
    /// `forbidden`, `not_found`, `method_not_allowed`, `conflict`, `unprocessable`, `payload_too_large`, `rate_limited`,
    /// `unsupported_media_type`, `service_unavailable`, `internal_error`.
    pub code: String,
    /// Id of this request (also the `x-request-id` response header).
    pub request_id: String,
    /// The request field or query parameter at fault (400 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The customer already holding the conflicting value (409 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    /// The conversation already open (409 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A business rule failed.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The body is not JSON at all (400 `malformed_json`).
    #[error("{0}")]
    MalformedJson(String),
    /// Missing or wrong `x-api-key` (401).
    #[error("missing or invalid x-api-key header")]
    Unauthorized,
    /// No route has this path (404).
    #[error("no endpoint {0}; see GET /openapi.json for the API")]
    NoRoute(String),
    /// The path exists with other methods (405).
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// Body over the limit (413).
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// A request over a count limit (413), e.g. more than 500 ingested
    /// messages; the message names the limit.
    #[error("{0}")]
    LimitExceeded(String),
    /// Body is not `application/json` (415).
    #[error("send the body as JSON with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// Body is not of the one other type a route takes (415), e.g. Twilio's
    /// form; the message names it.
    #[error("{0}")]
    UnsupportedFormat(&'static str),
}

impl ApiError {
    /// The HTTP status and machine code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Domain(DomainError::Invalid { .. }) => {
                (StatusCode::BAD_REQUEST, "validation_error")
            }
            ApiError::Domain(DomainError::NotFound { .. }) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Domain(DomainError::Conflict { .. }) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Domain(DomainError::Unauthenticated(_)) => {
                (StatusCode::UNAUTHORIZED, "unauthorized")
            }
            ApiError::Domain(DomainError::Forbidden(_)) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Domain(DomainError::Unprocessable(_)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable")
            }
            ApiError::Domain(DomainError::Contended) => {
                (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
            }
            ApiError::Domain(DomainError::RateLimited { .. }) => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
            }
            ApiError::Domain(DomainError::Store(
                StoreError::Throttled | StoreError::Unavailable(_),
            )) => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            ApiError::Domain(DomainError::Store(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
            ApiError::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::NoRoute(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::PayloadTooLarge(_) | ApiError::LimitExceeded(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            ApiError::UnsupportedMediaType | ApiError::UnsupportedFormat(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
        }
    }

    /// The body, with `request_id` filled in. Internal details never reach it.
    pub fn body(&self, request_id: String) -> ErrorBody {
        let (status, code) = self.status_and_code();
        let mut body = ErrorBody {
            error: self.to_string(),
            code: code.to_string(),
            request_id,
            field: None,
            customer_id: None,
            context_id: None,
        };
        match self {
            ApiError::Domain(DomainError::Invalid { field, .. }) => {
                body.field = Some(field.clone())
            }
            ApiError::Domain(DomainError::Conflict {
                customer_id,
                context_id,
                ..
            }) => {
                body.customer_id = *customer_id;
                body.context_id = context_id.clone();
            }
            _ => {}
        }
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            body.error = "internal error; retry later or report the request_id".into();
        } else if status == StatusCode::SERVICE_UNAVAILABLE {
            body.error = "the service is busy; retry after a second".into();
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let request_id = request_id::current();
        if status.is_server_error() {
            // The detail stays in the log (it names no customer data), never in the body.
            tracing::error!(request_id = %request_id, code, detail = %self, "request failed");
        }
        let mut response = (status, axum::Json(self.body(request_id))).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if let ApiError::Domain(DomainError::RateLimited {
            retry_after_secs, ..
        }) = &self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        response
    }
}

/// Result of every handler.
pub type ApiResult<T> = Result<T, ApiError>;
