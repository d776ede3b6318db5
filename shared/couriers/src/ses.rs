//! Email through Amazon SES v2 `SendEmail` (issue 22), the AWS SDK.
//!
//! Each reply is a simple (`text/plain`) email from `CRM_EMAIL_FROM`, with
//! `In-Reply-To` / `References` when it answers an email that had a
//! `Message-ID`, sent with the configuration set `CRM_SES_CONFIGURATION_SET`
//! — whose events (delivery, bounce, complaint, open, click) reach the
//! sender through EventBridge (`crm_sender::ses`) — and tagged
//! `log_id=<the message>`, so each event finds its message. SES's
//! `MessageId` is stored as the message's `provider_message_id`.
//!
//! Outcomes: SES's answer is `sent`; its refusals (`MessageRejected`, an
//! unverified sender, a paused or suspended account, a bad request) are
//! final; throttling (`TooManyRequests`, `LimitExceeded`) and a connection
//! never made are retried; a timeout or a broken answer may have sent
//! (`delivery_unknown`).

use aws_sdk_sesv2::error::SdkError;
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{
    Body, Content, Destination, EmailContent, Message, MessageHeader, MessageTag,
};
use aws_sdk_sesv2::Client;
use crm_domain::sending::{Attempt, Courier, Envelope, Provider};

/// The tag each email carries: its `log_id`.
pub const LOG_ID_TAG: &str = "log_id";

/// Email replies through SES, from one address, with one configuration set.
pub struct SesCourier {
    client: Client,
    from: String,
    configuration_set: String,
}

impl SesCourier {
    /// A courier over `client` sending as `from` with `configuration_set`.
    pub fn new(client: Client, from: &str, configuration_set: &str) -> Self {
        Self {
            client,
            from: from.to_string(),
            configuration_set: configuration_set.to_string(),
        }
    }

    /// A courier over the process's AWS configuration (each call bounded:
    /// 2 s to connect, 10 s a try, 20 s in all).
    pub async fn from_env(from: &str, configuration_set: &str) -> Self {
        let config = crm_aws::with_timeouts(
            &crm_aws::config().await,
            std::time::Duration::from_secs(2),
            std::time::Duration::from_secs(10),
            std::time::Duration::from_secs(20),
        );
        Self::new(Client::new(&config), from, configuration_set)
    }
}

/// What a failed `SendEmail` means for delivery (see the module docs).
fn outcome<R>(e: SdkError<SendEmailError, R>) -> Attempt {
    match e {
        SdkError::ServiceError(service) => {
            let err = service.into_err();
            let code = err.meta().code().unwrap_or("ses").to_string();
            let message = err
                .meta()
                .message()
                .unwrap_or("SES refused the email")
                .to_string();
            match err {
                SendEmailError::TooManyRequestsException(_)
                | SendEmailError::LimitExceededException(_) => Attempt::NotSent {
                    reason: format!("SES throttled the call: {code}"),
                    retry_after: None,
                },
                SendEmailError::MessageRejected(_)
                | SendEmailError::MailFromDomainNotVerifiedException(_)
                | SendEmailError::AccountSuspendedException(_)
                | SendEmailError::SendingPausedException(_)
                | SendEmailError::BadRequestException(_)
                | SendEmailError::NotFoundException(_) => Attempt::Refused { code, message },
                _ => Attempt::NotSent {
                    reason: format!("SES failed: {code}"),
                    retry_after: None,
                },
            }
        }
        SdkError::ConstructionFailure(_) => Attempt::Refused {
            code: "invalid_request".into(),
            message: "the SES request could not be built".into(),
        },
        SdkError::DispatchFailure(d) if d.is_io() && !d.is_timeout() => Attempt::NotSent {
            reason: "SES is unreachable".into(),
            retry_after: None,
        },
        _ => Attempt::Unknown {
            reason: "SES did not answer in time or its answer broke".into(),
        },
    }
}

#[async_trait::async_trait]
impl Courier for SesCourier {
    fn provider(&self) -> Provider {
        Provider::Ses
    }

    async fn send(&self, envelope: &Envelope) -> Attempt {
        let text = |data: &str| Content::builder().data(data).charset("UTF-8").build();
        let (Ok(subject), Ok(body)) = (
            text(envelope.subject.as_deref().unwrap_or_default()),
            text(&envelope.body),
        ) else {
            return Attempt::Refused {
                code: "invalid_request".into(),
                message: "the email could not be built".into(),
            };
        };
        let mut message = Message::builder()
            .subject(subject)
            .body(Body::builder().text(body).build());
        if let Some(parent) = &envelope.in_reply_to {
            for name in ["In-Reply-To", "References"] {
                if let Ok(header) = MessageHeader::builder().name(name).value(parent).build() {
                    message = message.headers(header);
                }
            }
        }
        let Ok(tag) = MessageTag::builder()
            .name(LOG_ID_TAG)
            .value(envelope.log_id.to_string())
            .build()
        else {
            return Attempt::Refused {
                code: "invalid_request".into(),
                message: "the email could not be tagged".into(),
            };
        };
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&envelope.to).build())
            .content(EmailContent::builder().simple(message.build()).build())
            .configuration_set_name(&self.configuration_set)
            .email_tags(tag)
            .send()
            .await;
        match sent {
            Ok(answer) => match answer.message_id() {
                Some(id) => Attempt::Accepted {
                    provider_message_id: id.to_string(),
                },
                None => Attempt::Unknown {
                    reason: "SES answered without a MessageId".into(),
                },
            },
            Err(e) => outcome(e),
        }
    }
}
