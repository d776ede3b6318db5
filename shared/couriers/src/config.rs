//! The couriers the environment configures (issue 22; the variables are in
//! `crm_domain::settings::VARIABLES`). Which channel goes through which
//! provider is `crm_domain::sending::SendingSettings`, read from the same
//! variables, so a message's provider is always one this returns.

use std::sync::Arc;

use crm_domain::sending::Couriers;

use crate::ses::SesCourier;
use crate::smtp::SmtpCourier;
use crate::twilio::{Sender, TwilioCourier};
use crate::webhook::WebhookCourier;

/// Twilio's API when `CRM_TWILIO_API_URL` is unset.
pub const TWILIO_API_URL: &str = "https://api.twilio.com";

/// Shortest chat delivery secret, in characters.
pub const MIN_SECRET_LEN: usize = 32;

/// Reads the couriers from `var` (the environment, or a test's map).
///
/// Errors: a provider half configured (a Twilio sender without
/// `TWILIO_AUTH_TOKEN`, a chat URL without a long enough secret), or a bad
/// `CRM_SEND_TIMEOUT_SECONDS`; the message names the variable.
pub async fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Couriers, String> {
    let get = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let timeout = crm_domain::settings::seconds(&var, "CRM_SEND_TIMEOUT_SECONDS", 1..=60, 10)?;
    let mut couriers = Couriers::new();
    let sender = match (
        get("CRM_TWILIO_FROM"),
        get("CRM_TWILIO_MESSAGING_SERVICE_SID"),
    ) {
        (_, Some(service)) => Some(Sender::MessagingService(service)),
        (Some(from), None) => Some(Sender::From(from)),
        (None, None) => None,
    };
    if let (Some(account), Some(sender)) = (get("TWILIO_ACCOUNT_SID"), sender) {
        let token = get("TWILIO_AUTH_TOKEN").ok_or(
            "TWILIO_AUTH_TOKEN must be set to send through Twilio (TWILIO_ACCOUNT_SID and a sender are)",
        )?;
        let api_url = get("CRM_TWILIO_API_URL").unwrap_or_else(|| TWILIO_API_URL.to_string());
        let courier = TwilioCourier::new(
            &api_url,
            &account,
            &token,
            sender,
            get("CRM_PUBLIC_BASE_URL"),
            timeout,
        )?;
        couriers = couriers.with(Arc::new(courier));
    }
    if let Some(set) = get("CRM_SES_CONFIGURATION_SET") {
        let from = get("CRM_EMAIL_FROM").ok_or(
            "CRM_EMAIL_FROM must name the sender address when CRM_SES_CONFIGURATION_SET is set",
        )?;
        couriers = couriers.with(Arc::new(SesCourier::from_env(&from, &set).await));
    }
    if let Some(url) = get("CRM_SMTP_URL") {
        let from = get("CRM_EMAIL_FROM")
            .ok_or("CRM_EMAIL_FROM must name the sender address when CRM_SMTP_URL is set")?;
        couriers = couriers.with(Arc::new(SmtpCourier::new(&url, &from, timeout)?));
    }
    // Always: messaging connections may have delivery URLs of their own.
    let allow_private = get("CRM_DELIVERY_ALLOW_PRIVATE").is_some_and(|v| v.trim() == "true");
    let chat = match get("CRM_CHAT_DELIVERY_URL") {
        None => None,
        Some(url) => {
            let secret = get("CRM_CHAT_DELIVERY_SECRET")
                .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
                .ok_or_else(|| format!("CRM_CHAT_DELIVERY_SECRET must be at least {MIN_SECRET_LEN} characters when CRM_CHAT_DELIVERY_URL is set"))?;
            Some((url, secret))
        }
    };
    let webhook = WebhookCourier::new(
        chat.as_ref()
            .map(|(url, secret)| (url.as_str(), secret.as_bytes())),
        allow_private,
        timeout,
    )?;
    couriers = couriers.with(Arc::new(webhook));
    Ok(couriers)
}
