//! A signed JSON `POST` to a delivery URL (issue 22): how a chat widget
//! (`CRM_CHAT_DELIVERY_URL`, the operator's) and messaging connectors (a
//! connection's `delivery_url`, a caller's) get the CRM's replies.
//!
//! A caller's URL is held to the public-address rule when it is used, not
//! only when it was set (`crm_domain::types::is_public`): its name is
//! resolved by a resolver that drops private, loopback, link-local and
//! metadata addresses — and the connection goes to an address it kept, so a
//! name re-pointed since (DNS rebinding) gains nothing — an IP-literal URL
//! is checked as written, and redirects are not followed. A URL that fails
//! the rule is a refusal (`private_address`): it will not become public.
//!
//! The body is [`Delivery`] as JSON; the headers `X-CRM-Signature`
//! ([`crate::signature`]) and `X-CRM-Delivery-Id` (the `log_id`: the same on
//! every attempt, so a receiver drops a repeat). A 2xx answer is `sent`; a
//! 429 or 5xx is retried; any other status is a refusal.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crm_domain::sending::{Attempt, Courier, Envelope, Provider};
use crm_domain::types::is_public;
use serde::{Deserialize, Serialize};

/// The delivery id header.
pub const DELIVERY_ID_HEADER: &str = "X-CRM-Delivery-Id";

/// What the receiver gets (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The stable delivery id (the message's `log_id` as text).
    pub delivery_id: String,
    /// The message.
    pub log_id: i64,
    /// Its conversation.
    pub context_id: String,
    /// Its customer.
    pub customer_id: i64,
    /// `chat`, …
    pub channel: String,
    /// The recipient's handle on the channel.
    pub to: String,
    /// The text.
    pub message_body: String,
    /// Subject, if any.
    pub message_subject: Option<String>,
    /// When the reply was written (RFC 3339 UTC).
    pub created_at: String,
}

/// The error of a name that resolves to no public address.
#[derive(Debug)]
struct PrivateAddress(String);

impl std::fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to no public address", self.0)
    }
}

impl std::error::Error for PrivateAddress {}

/// A resolver that keeps only public addresses (see the module docs).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(
                    Box::new(PrivateAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Deliveries to the operator's URL (`CRM_CHAT_DELIVERY_URL`, signed with
/// its secret) and to callers' URLs given with each message.
pub struct WebhookCourier {
    /// For the operator's URL (trusted: it may be an internal address).
    client: reqwest::Client,
    /// For callers' URLs: public addresses only, no redirects.
    guarded: reqwest::Client,
    default: Option<(String, Vec<u8>)>,
    allow_private: bool,
}

impl WebhookCourier {
    /// Deliveries to `default` (a URL and its secret) when a message names
    /// no target, each bounded by `timeout`; with `allow_private` (local
    /// development and tests only) callers' URLs may be private addresses.
    ///
    /// Errors: an HTTP client could not be built.
    pub fn new(
        default: Option<(&str, &[u8])>,
        allow_private: bool,
        timeout: Duration,
    ) -> Result<Self, String> {
        let builder = || {
            reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(5)))
                .redirect(reqwest::redirect::Policy::none())
        };
        let client = builder()
            .build()
            .map_err(|e| format!("webhook HTTP client: {e}"))?;
        let guarded = match allow_private {
            true => client.clone(),
            false => builder()
                .dns_resolver(Arc::new(PublicOnly))
                .build()
                .map_err(|e| format!("webhook HTTP client: {e}"))?,
        };
        Ok(Self {
            client,
            guarded,
            default: default.map(|(url, secret)| (url.to_string(), secret.to_vec())),
            allow_private,
        })
    }
}

/// A caller's URL whose host is written as an IP address that is not public.
fn private_literal(url: &str) -> Option<IpAddr> {
    let host = reqwest::Url::parse(url).ok()?.host_str()?.to_string();
    let ip: IpAddr = host.trim_matches(|c| c == '[' || c == ']').parse().ok()?;
    (!is_public(ip)).then_some(ip)
}

/// Whether `e` (or what caused it) is the resolver's [`PrivateAddress`].
fn refused_as_private(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.downcast_ref::<PrivateAddress>().is_some() {
            return true;
        }
        source = err.source();
    }
    false
}

#[async_trait::async_trait]
impl Courier for WebhookCourier {
    fn provider(&self) -> Provider {
        Provider::Webhook
    }

    async fn send(&self, envelope: &Envelope) -> Attempt {
        let delivery_id = envelope.log_id.to_string();
        let delivery = Delivery {
            delivery_id: delivery_id.clone(),
            log_id: envelope.log_id.get(),
            context_id: envelope.context_id.to_string(),
            customer_id: envelope.customer_id,
            channel: envelope.channel.as_str().to_string(),
            to: envelope.to.clone(),
            message_body: envelope.body.clone(),
            message_subject: envelope.subject.clone(),
            created_at: envelope.created_at.clone(),
        };
        let body = match serde_json::to_vec(&delivery) {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Refused {
                    code: "unencodable".into(),
                    message: format!("the delivery could not be encoded: {e}"),
                }
            }
        };
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let (client, url, secret) = match (&envelope.target, &self.default) {
            (Some(target), _) => {
                if let Some(ip) = private_literal(&target.url).filter(|_| !self.allow_private) {
                    return Attempt::Refused {
                        code: "private_address".into(),
                        message: format!(
                            "the delivery URL points at {ip}, which is not a public address"
                        ),
                    };
                }
                (&self.guarded, target.url.as_str(), target.secret.as_bytes())
            }
            (None, Some((url, secret))) => (&self.client, url.as_str(), secret.as_slice()),
            (None, None) => {
                return Attempt::Refused {
                    code: "provider_not_configured".into(),
                    message: "no delivery URL for this message (CRM_CHAT_DELIVERY_URL is unset)"
                        .into(),
                }
            }
        };
        let Some(signature) = crate::signature::sign(secret, t, &body) else {
            return Attempt::NotSent {
                reason: "the delivery could not be signed".into(),
                retry_after: None,
            };
        };
        let response = match client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(crate::signature::HEADER, signature)
            .header(DELIVERY_ID_HEADER, &delivery_id)
            .body(body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) if refused_as_private(&e) => {
                return Attempt::Refused {
                    code: "private_address".into(),
                    message: "the delivery URL's host resolves to no public address".into(),
                }
            }
            Err(e) => return crate::transport_error("the delivery URL", &e),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Accepted {
                provider_message_id: delivery_id,
            };
        }
        let wait = crate::retry_after(response.headers());
        crate::http_failure(
            "the delivery URL",
            status,
            wait,
            status.as_u16().to_string(),
            format!("the delivery URL answered {status}"),
        )
    }
}
