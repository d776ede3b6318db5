//! SES's configuration-set events as EventBridge delivers them (issue 22):
//! `{"source": "aws.ses", "detail-type": "Email Delivered", "detail":
//! {"eventType": "Delivery", "mail": {"messageId": "…", "tags": {"log_id":
//! ["42"], …}}, "bounce": {"bounceType": "Permanent", "bounceSubType":
//! "General"}, …}}`, read into the domain's [`EmailReport`]. The `log_id`
//! tag is the one `crm_couriers::ses` sent the email with.

use crm_domain::sending::{EmailEvent, EmailReport};
use crm_domain::types::LogId;
use serde_json::Value;

/// The report an SES event makes; `None` for an event type the CRM does
/// not use (`Send`, `Reject`, `DeliveryDelay`, `Rendering Failure` …).
///
/// Errors: not an SES event of a message the CRM sent (no `log_id` tag or
/// `messageId`); the message says which.
pub fn report(event: &Value) -> Result<Option<EmailReport>, String> {
    if event.get("source").and_then(Value::as_str) != Some("aws.ses") {
        return Err("the sender takes SES events only (source aws.ses)".into());
    }
    let detail = &event["detail"];
    let mail = &detail["mail"];
    let provider_message_id = mail["messageId"]
        .as_str()
        .ok_or("SES event without detail.mail.messageId")?
        .to_string();
    let log_id = mail["tags"][crm_couriers::ses::LOG_ID_TAG][0]
        .as_str()
        .ok_or("SES event without a log_id tag: not an email the CRM sent")
        .and_then(|raw| LogId::parse(raw).map_err(|_| "SES event with a malformed log_id tag"))?;
    let kind = detail["eventType"]
        .as_str()
        .or_else(|| detail["notificationType"].as_str())
        .unwrap_or("");
    let event = match kind {
        "Delivery" => EmailEvent::Delivered,
        "Bounce" => {
            let bounce = &detail["bounce"];
            let kind = bounce["bounceType"].as_str().unwrap_or("Undetermined");
            EmailEvent::Bounced {
                permanent: kind == "Permanent",
                bounce_type: format!(
                    "{kind}/{}",
                    bounce["bounceSubType"].as_str().unwrap_or("General")
                ),
            }
        }
        "Complaint" => EmailEvent::Complained,
        "Open" => EmailEvent::Opened,
        "Click" => EmailEvent::Clicked,
        _ => return Ok(None),
    };
    Ok(Some(EmailReport {
        log_id,
        provider_message_id,
        event,
    }))
}
