//! Outbound delivery's types, in one home (issue 22): which provider
//! sends a channel, the [`Courier`] port a provider implements (Twilio,
//! SES, SMTP and signed webhooks are in `crm-couriers`), the send job and
//! the [`SendQueue`] port it travels through. No stored entity lives here
//! — a send's state rides on the message item (`messages/dispatch.rs`) —
//! so every aggregate may use these types.
//!
//! - [`provider`]: [`Provider`] and [`SendingSettings`] (which channel goes
//!   through which provider, retries, the claim's timeout);
//! - [`courier`]: the [`Courier`] port, the [`Envelope`] it is handed and
//!   the [`Attempt`] it answers;
//! - [`job`]: the [`SendJob`] and the [`SendQueue`] port.
//!
//! Sending reads the message and the customer (its opt-out) and may opt the
//! customer out (Twilio's 21610), so it is a flow: `flows/send.rs`.

pub mod courier;
pub mod job;
pub mod provider;

pub use courier::{Attempt, Courier, Couriers, DeliveryTarget, EmailEvent, EmailReport, Envelope};
pub use job::{SendJob, SendQueue};
pub use provider::{Provider, SendingSettings, SigningKey, MIN_SIGNING_KEY_LEN};
