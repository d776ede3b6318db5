//! Customers (guide §1–7): create, get by id/email/phone/external id, list,
//! update, lookup, upsert. Deleting a customer touches its conversation too,
//! so it is a flow (`flows/delete_customer.rs`).
//!
//! - [`api`]: what the endpoints take and return;
//! - `record`: the stored item, its reservations and their keys;
//! - `opt_out`: `STOP` / `START` on SMS and WhatsApp (issue 22);
//! - `profile`: validated profile values;
//! - `service`: the rules, as methods of [`crate::Crm`].
//!
//! Rules:
//! - a customer has an email or a phone (or both);
//! - at most one customer per email (case-insensitive), per normalized phone
//!   and per `external_crm_id`: each value is reserved by a uniqueness item
//!   written in the same transaction as the customer, so a conflicting write
//!   is canceled and answered 409 with the holder's `customer_id`;
//! - lookups by email/phone/external id read those uniqueness items (base
//!   table, strongly consistent), never a GSI: Workflow 2 creates a customer
//!   and looks it up by phone at once.

pub mod api;
pub(crate) mod opt_out;
pub(crate) mod profile;
pub(crate) mod record;
mod service;

pub use api::{
    Customer, CustomerFilter, CustomerInput, CustomerPatch, CustomerRef, NewCustomerBody,
    UpsertBody, CUSTOMER_BY, MAX_EXTERNAL_ID_LEN, MAX_NAME_LEN,
};
