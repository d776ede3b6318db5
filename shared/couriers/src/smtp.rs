//! Email through an SMTP server (issue 22), with `lettre`.
//!
//! `CRM_SMTP_URL` names the server as lettre reads it (`smtp://host:2525`
//! in plain text, `smtp://host:587?tls=required` with STARTTLS,
//! `smtps://user:password@host` over TLS); `CRM_EMAIL_FROM` the sender
//! (`Support <support@example.com>`). Each reply is a `text/plain` message
//! with a stable `Message-ID` (`<log_id.context_id@<the sender's domain>>`,
//! stored as the message's `provider_message_id`), the subject written
//! with it, and `In-Reply-To` / `References` when it answers an email that
//! had a `Message-ID`.
//!
//! Outcomes: the server's 250 after the data is `sent`; a 5xx reply is a
//! refusal (`failed` with the reply code); a 4xx reply or a refused
//! connection did not send (retried); a timeout or a connection lost
//! mid-exchange may have sent (`delivery_unknown`).

use std::time::Duration;

use crm_domain::sending::{Attempt, Courier, Envelope, Provider};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Email replies through one SMTP server, from one address.
pub struct SmtpCourier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpCourier {
    /// A courier for server `url` (lettre's connection URL), sending as
    /// `from`, each exchange bounded by `timeout`.
    ///
    /// Errors: a URL or an address lettre cannot read (the message says
    /// which, without the URL's password).
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("CRM_SMTP_URL is not an SMTP URL lettre reads: {e}"))?
            .timeout(Some(timeout))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("CRM_EMAIL_FROM={from:?} is not an address: {e}"))?;
        Ok(Self { transport, from })
    }

    /// The message's stable `Message-ID`.
    fn message_id(&self, envelope: &Envelope) -> String {
        format!(
            "<{}.{}@{}>",
            envelope.log_id,
            envelope.context_id,
            self.from.email.domain()
        )
    }
}

/// What an SMTP error means for delivery (see the module docs).
fn outcome(e: &lettre::transport::smtp::Error) -> Attempt {
    let code = e.status().map(|c| c.to_string());
    if e.is_permanent() {
        return Attempt::Refused {
            code: code.unwrap_or_else(|| "smtp".into()),
            message: format!("the SMTP server refused it: {e}"),
        };
    }
    if e.is_transient() {
        return Attempt::NotSent {
            reason: format!("the SMTP server deferred it: {e}"),
            retry_after: None,
        };
    }
    if refused_connection(e) {
        return Attempt::NotSent {
            reason: format!("the SMTP server is unreachable: {e}"),
            retry_after: None,
        };
    }
    Attempt::Unknown {
        reason: format!("the SMTP exchange broke or timed out: {e}"),
    }
}

/// The error is a connection that was never made (nothing was sent).
fn refused_connection(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
            );
        }
        source = err.source();
    }
    false
}

#[async_trait::async_trait]
impl Courier for SmtpCourier {
    fn provider(&self) -> Provider {
        Provider::Smtp
    }

    async fn send(&self, envelope: &Envelope) -> Attempt {
        let to = match envelope.to.parse::<Mailbox>() {
            Ok(to) => to,
            Err(e) => {
                return Attempt::Refused {
                    code: "invalid_address".into(),
                    message: format!("the recipient is not an email address: {e}"),
                }
            }
        };
        let id = self.message_id(envelope);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(envelope.subject.clone().unwrap_or_default())
            .message_id(Some(id.clone()))
            .header(ContentType::TEXT_PLAIN);
        if let Some(parent) = &envelope.in_reply_to {
            builder = builder
                .in_reply_to(parent.clone())
                .references(parent.clone());
        }
        let email = match builder.body(envelope.body.clone()) {
            Ok(email) => email,
            Err(e) => {
                return Attempt::Refused {
                    code: "unencodable".into(),
                    message: format!("the email could not be built: {e}"),
                }
            }
        };
        match self.transport.send(email).await {
            Ok(_) => Attempt::Accepted {
                provider_message_id: id,
            },
            Err(e) => outcome(&e),
        }
    }
}
