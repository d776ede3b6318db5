//! Requests from Twilio (issue 11): the form body, the signature header, and
//! the public URL Twilio signed.
//!
//! The signed URL is the one Twilio was given, which is not the path the
//! handler sees: on Lambda, `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` strips the
//! stage (`/prod`) and a custom domain may add a base path. It is, in order:
//! 1. `CRM_PUBLIC_BASE_URL` + the request's path and query, when configured;
//! 2. on API Gateway, `https://` + the request context's `domainName` (else
//!    the `Host` header) + its
//!    `path` (the path as the caller sent it, stage or base path included) +
//!    the query;
//! 3. otherwise (local-api) `X-Forwarded-Proto` (default `http`) + `://` +
//!    the `Host` header + the path and query.

use axum::extract::{FromRequest, Request};
use axum::http::{header, request::Parts};
use crm_domain::twilio::SignedRequest;

use crate::error::ApiError;
use crate::extract::read_body_up_to;
use crate::AppState;

/// Twilio's signature header.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// Largest Twilio form body accepted (its callbacks are well under 8 KiB).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A form-encoded request from Twilio, not yet verified: call
/// [`TwilioRequest::signed`] and `Crm::verify_twilio` before using it.
#[derive(Debug)]
pub struct TwilioRequest {
    /// The public URL the request was sent to (see the module docs).
    pub url: String,
    /// Every form parameter, in the order sent.
    pub params: Vec<(String, String)>,
    /// `X-Twilio-Signature`, if sent.
    pub signature: Option<String>,
}

impl TwilioRequest {
    /// The request as the domain checks it.
    pub fn signed(&self) -> SignedRequest<'_> {
        SignedRequest {
            url: &self.url,
            params: &self.params,
            signature: self.signature.as_deref(),
        }
    }
}

/// Whether the body is `application/x-www-form-urlencoded`.
fn is_form(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The public URL of the request (module docs), `base` being `CRM_PUBLIC_BASE_URL`.
pub fn public_url(parts: &Parts, base: Option<&str>) -> String {
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    if let Some(base) = base {
        return format!("{base}{path_and_query}");
    }
    let header_value = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let host = header_value(header::HOST.as_str())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    if let Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) =
        parts
            .extensions
            .get::<lambda_http::request::RequestContext>()
    {
        if let Some(path) = &ctx.path {
            let domain = ctx.domain_name.as_deref().unwrap_or(host);
            let query = parts
                .uri
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            return format!("https://{domain}{path}{query}");
        }
    }
    let scheme = header_value("x-forwarded-proto").unwrap_or("http");
    format!("{scheme}://{host}{path_and_query}")
}

impl FromRequest<AppState> for TwilioRequest {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, bytes) = read_body_up_to(request, MAX_FORM_BYTES).await?;
        if !is_form(&parts) {
            return Err(ApiError::UnsupportedFormat(
                "send the body as a form with `Content-Type: application/x-www-form-urlencoded`, as Twilio does",
            ));
        }
        let base = state.crm.settings().twilio.public_base_url.as_deref();
        Ok(Self {
            url: public_url(&parts, base),
            params: form_urlencoded::parse(&bytes).into_owned().collect(),
            signature: parts
                .headers
                .get(SIGNATURE_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        })
    }
}
