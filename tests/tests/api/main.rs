//! The cross-group tests as one test binary (one link step instead of one
//! per file; each file is a module, named for what it tests). Run one file's
//! tests with `cargo test -p crm-tests --test api <module>::`, e.g.
//! `cargo test -p crm-tests --test api twilio::`.

mod bad_inputs;
mod concurrency;
mod connections;
mod conversations;
mod customers;
mod events;
mod guide_loose_ends;
mod iam;
mod idempotency;
mod ingest;
mod json_schema_reading;
mod leasing;
mod messages;
mod partitions;
mod reply;
mod reply_sqs;
mod response_budget;
mod review;
mod send;
mod stats;
mod store_bounds;
mod twilio;
