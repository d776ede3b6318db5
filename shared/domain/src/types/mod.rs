//! Validated values, built by `parse`: a value of these types is valid by
//! construction, so the rules never re-check them. One small file per type.
//!
//! - ids: [`CustomerId`], [`LogId`], [`ContextId`];
//! - contact: [`EmailAddress`], [`Phone`];
//! - the guide's enums: [`Channel`], [`Direction`], [`SendStatus`], [`ConversationStatus`];
//! - their OpenAPI schemas: [`schema`];
//! - text and time: [`text`], [`nonblank`], [`preview`], [`rfc3339`].

mod context_id;
mod customer_id;
mod delivery_url;
mod email;
mod enums;
mod log_id;
mod phone;
pub mod schema;
mod text;

pub use context_id::ContextId;
pub use customer_id::CustomerId;
pub use delivery_url::{is_public, DeliveryUrl, MAX_DELIVERY_URL_LEN};
pub use email::{EmailAddress, MAX_EMAIL_LEN};
pub use enums::{
    Channel, ConversationStatus, Direction, MessageType, Platform, ReportedStatus, SendStatus,
    CHANNELS,
};
pub use log_id::LogId;
pub use phone::{parse_region, Phone, MAX_PHONE_DIGITS, MAX_PHONE_LEN};
pub use text::{nonblank, preview, rfc3339, text, MAX_BODY_CHARS, MAX_SUBJECT_LEN};
