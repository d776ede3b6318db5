//! Counts the AWS SDK's retries of each DynamoDB call into the
//! `DynamoRetries` metric (issue 12): an interceptor reads the attempts the
//! SDK's retry strategy made once the call has finished, whatever its result.
//! The retry loop itself stays the SDK's (standard mode, 3 attempts).

use aws_sdk_dynamodb::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::retries::RequestAttempts;

/// The interceptor: attempts after the first of one call → `DynamoRetries`.
#[derive(Debug)]
pub(crate) struct RetryCounter;

impl Intercept for RetryCounter {
    fn name(&self) -> &'static str {
        "CrmRetryCounter"
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(attempts) = cfg.load::<RequestAttempts>() {
            let retries = attempts.attempts().saturating_sub(1);
            if retries > 0 {
                crm_domain::metrics::store_retried(u64::from(retries));
            }
        }
        Ok(())
    }
}

/// A client from `config` with [`RetryCounter`] installed.
pub(crate) fn client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(RetryCounter)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}
