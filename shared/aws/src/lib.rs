//! # crm-aws
//!
//! The one way every adapter gets its AWS SDK configuration (issue 21): the
//! DynamoDB store, the SQS reply queue, the EventBridge event sink and the
//! Bedrock provider all call [`config`], so they share one region,
//! credentials provider and HTTP client, and every one of them gets the
//! Lambda shortcut:
//!
//! - when `AWS_ACCESS_KEY_ID` is set — always on Lambda, which puts the
//!   execution role's credentials in the environment — credentials are read
//!   from the environment only, so no provider of the default chain (the
//!   web-identity provider builds an STS client; profiles read files) is
//!   built;
//! - otherwise the SDK's whole default chain (profiles, SSO, web identity,
//!   IMDS) for local-api and tools.
//!
//! Loading makes no network call; clients built from it connect on first
//! use. Each adapter builds its own client lazily and adds its own
//! timeouts ([`with_timeouts`]). Endpoint overrides
//! (`AWS_ENDPOINT_URL_DYNAMODB`, `_SQS`, `_EVENTBRIDGE`,
//! `_BEDROCK_RUNTIME`, `_SECRETS_MANAGER`) are read by the SDK as usual.
//!
//! [`secrets`] reads the secret settings from Secrets Manager at cold start.

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
pub use aws_config::SdkConfig;
use tokio::sync::OnceCell;

pub mod secrets;

static SHARED: OnceCell<SdkConfig> = OnceCell::const_new();

/// The process's SDK configuration, loaded from the environment on the
/// first call and shared by every later one (see the crate docs).
pub async fn config() -> SdkConfig {
    SHARED.get_or_init(load).await.clone()
}

async fn load() -> SdkConfig {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let loader = if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
    } else {
        loader
    };
    loader.load().await
}

/// `config` with an adapter's own bounds: `connect` for the TCP/TLS
/// connection, `attempt` for one try, `total` for the call with its
/// retries.
pub fn with_timeouts(
    config: &SdkConfig,
    connect: Duration,
    attempt: Duration,
    total: Duration,
) -> SdkConfig {
    config
        .to_builder()
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(connect)
                .operation_attempt_timeout(attempt)
                .operation_timeout(total)
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One configuration per process; the timeouts are the adapter's own.
    #[tokio::test]
    async fn loaded_once_and_bounded_per_adapter() {
        std::env::set_var("AWS_REGION", "eu-west-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret");
        let first = config().await;
        std::env::set_var("AWS_REGION", "us-east-1");
        let second = config().await;
        assert_eq!(first.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(second.region(), first.region(), "loaded once");
        assert!(first.credentials_provider().is_some());
        let bounded = with_timeouts(
            &first,
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(5),
        );
        let t = bounded.timeout_config().expect("timeouts");
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(1)));
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(5)));
        assert_eq!(bounded.region(), first.region());
    }
}
