//! The service's own metrics (issue 12), recorded through the `metrics`
//! facade: on Lambda `crm-lambda` installs a CloudWatch embedded-metric-format
//! recorder (one EMF log line per invocation, namespace `CRM_METRICS_NAMESPACE`,
//! the stack name), locally `local-api` a Prometheus one (`GET /metrics`).
//! With no recorder installed (tests, tools) every call is a no-op.
//!
//! Names are CloudWatch metric names; labels become dimensions, so only
//! values from closed sets are used as labels (a channel, a direction, an
//! error kind), never an id or anything a caller typed.
//!
//! | metric | kind | labels | recorded by |
//! |---|---|---|---|
//! | `MessagesLogged` | counter | `Channel`, `Direction` | `POST /log`, Twilio's inbound webhook (a replay is not counted) |
//! | `IngestMessagesAdded` | counter | `Platform` | seed 002's ingest, messages stored |
//! | `IngestMessagesDeduplicated` | counter | `Platform` | seed 002's ingest, messages already stored |
//! | `SuggestionsDrafted` | counter | — | the reply worker, a suggestion stored |
//! | `SuggestionsApproved` | counter | — | `POST /conversations/{id}/approve` |
//! | `EscalationsOpened` | counter | — | a ticket opened (worker, sweep or API) |
//! | `ProviderLatency` | histogram, ms | — | each reply model call |
//! | `ProviderErrors` | counter | — | a reply model call that failed |
//! | `DynamoThrottles` | counter | — | a store call still throttled after the SDK's retries |
//! | `DynamoRetries` | counter | — | SDK retries of store calls (attempts after the first) |
//! | `ConditionalCheckConflicts` | counter | — | a write refused by its condition (a lost race, a duplicate) |
//! | `SendAttempts` | counter | `Provider`, `Outcome` (`accepted`, `refused`, `not_sent`, `unknown`) | the sender, each provider call (issue 22) |

use std::time::Duration;

use crate::types::{Channel, Direction, Platform};

/// Messages logged (counter), labels `Channel`, `Direction`.
pub const MESSAGES_LOGGED: &str = "MessagesLogged";
/// Messages stored by an ingest request (counter), label `Platform`.
pub const INGEST_ADDED: &str = "IngestMessagesAdded";
/// Messages of an ingest request already stored (counter), label `Platform`.
pub const INGEST_DEDUPLICATED: &str = "IngestMessagesDeduplicated";
/// Reply suggestions stored (counter).
pub const SUGGESTIONS_DRAFTED: &str = "SuggestionsDrafted";
/// Reply suggestions approved (counter).
pub const SUGGESTIONS_APPROVED: &str = "SuggestionsApproved";
/// Escalation tickets opened (counter).
pub const ESCALATIONS_OPENED: &str = "EscalationsOpened";
/// Reply model call duration in milliseconds (histogram).
pub const PROVIDER_LATENCY: &str = "ProviderLatency";
/// Reply model calls that failed (counter).
pub const PROVIDER_ERRORS: &str = "ProviderErrors";
/// Store calls throttled after the SDK's retries (counter).
pub const DYNAMO_THROTTLES: &str = "DynamoThrottles";
/// SDK retries of store calls (counter).
pub const DYNAMO_RETRIES: &str = "DynamoRetries";
/// Provider calls of the sender (counter), labels `Provider`, `Outcome` (issue 22).
pub const SEND_ATTEMPTS: &str = "SendAttempts";
/// Writes refused by their condition (counter).
pub const CONDITIONAL_CHECK_CONFLICTS: &str = "ConditionalCheckConflicts";

/// Declares every metric's unit and meaning to the installed recorder (EMF
/// writes the unit; Prometheus the help text). Call once after installing it.
pub fn describe() {
    use metrics::{describe_counter, describe_histogram, Unit};
    describe_counter!(
        MESSAGES_LOGGED,
        Unit::Count,
        "Messages logged, by channel and direction"
    );
    describe_counter!(INGEST_ADDED, Unit::Count, "Ingested messages stored");
    describe_counter!(
        INGEST_DEDUPLICATED,
        Unit::Count,
        "Ingested messages already stored"
    );
    describe_counter!(SUGGESTIONS_DRAFTED, Unit::Count, "Reply suggestions stored");
    describe_counter!(
        SUGGESTIONS_APPROVED,
        Unit::Count,
        "Reply suggestions approved"
    );
    describe_counter!(ESCALATIONS_OPENED, Unit::Count, "Escalation tickets opened");
    describe_histogram!(
        PROVIDER_LATENCY,
        Unit::Milliseconds,
        "Reply model call duration"
    );
    describe_counter!(
        PROVIDER_ERRORS,
        Unit::Count,
        "Reply model calls that failed"
    );
    describe_counter!(
        DYNAMO_THROTTLES,
        Unit::Count,
        "Store calls throttled after retries"
    );
    describe_counter!(DYNAMO_RETRIES, Unit::Count, "SDK retries of store calls");
    describe_counter!(
        SEND_ATTEMPTS,
        Unit::Count,
        "Provider calls of the sender, by provider and outcome"
    );
    describe_counter!(
        CONDITIONAL_CHECK_CONFLICTS,
        Unit::Count,
        "Writes refused by their condition"
    );
}

/// One message logged on `channel` in `direction`.
pub fn message_logged(channel: Channel, direction: Direction) {
    metrics::counter!(MESSAGES_LOGGED, "Channel" => channel.as_str(), "Direction" => direction.as_str())
        .increment(1);
}

/// One ingested conversation's messages: `added` stored, `deduplicated` already there.
pub fn ingested(platform: Platform, added: usize, deduplicated: usize) {
    let platform = platform.as_str();
    metrics::counter!(INGEST_ADDED, "Platform" => platform).increment(added as u64);
    metrics::counter!(INGEST_DEDUPLICATED, "Platform" => platform).increment(deduplicated as u64);
}

/// One provider call of the sender to `provider` that came to `outcome`.
pub fn send_attempted(provider: &'static str, outcome: &'static str) {
    metrics::counter!(SEND_ATTEMPTS, "Provider" => provider, "Outcome" => outcome).increment(1);
}

/// One suggestion stored.
pub fn suggestion_drafted() {
    metrics::counter!(SUGGESTIONS_DRAFTED).increment(1);
}

/// One suggestion approved.
pub fn suggestion_approved() {
    metrics::counter!(SUGGESTIONS_APPROVED).increment(1);
}

/// One escalation ticket opened.
pub fn escalation_opened() {
    metrics::counter!(ESCALATIONS_OPENED).increment(1);
}

/// One reply model call that took `elapsed` and succeeded or not.
pub fn provider_call(elapsed: Duration, ok: bool) {
    metrics::histogram!(PROVIDER_LATENCY).record(elapsed.as_secs_f64() * 1000.0);
    if !ok {
        metrics::counter!(PROVIDER_ERRORS).increment(1);
    }
}

/// One store call throttled after the SDK's retries.
pub fn store_throttled() {
    metrics::counter!(DYNAMO_THROTTLES).increment(1);
}

/// `retries` SDK retries of one store call.
pub fn store_retried(retries: u64) {
    metrics::counter!(DYNAMO_RETRIES).increment(retries);
}

/// One write refused by its condition.
pub fn condition_conflict() {
    metrics::counter!(CONDITIONAL_CHECK_CONFLICTS).increment(1);
}
