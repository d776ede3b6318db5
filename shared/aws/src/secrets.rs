//! Secrets from AWS Secrets Manager, read once at cold start (issue 22):
//! a secret setting `NAME` (the Twilio auth token, the chat delivery
//! secret, the SMTP URL with its password, the OpenAI key) is given to a
//! Lambda as `NAME_SECRET_ARN`, never as plaintext in its environment; the
//! function reads each one with `GetSecretValue` before it serves anything,
//! and `crm_http::bootstrap::var("NAME")` answers the secret's value.
//!
//! The secret's value is its `SecretString` as stored (a plain string, not
//! JSON). Endpoint override: `AWS_ENDPOINT_URL_SECRETS_MANAGER` (the tests
//! use moto's server).

use std::time::Duration;

use aws_sdk_secretsmanager::Client;

/// Reads each secret `(name, arn)` of `wanted` with `client`: the pairs
/// `(name, value)`, in order.
///
/// Errors: a secret that cannot be read (no such secret, access denied,
/// Secrets Manager unreachable) or has no `SecretString`; the message names
/// the setting and the ARN, never the value.
pub async fn read(
    client: &Client,
    wanted: &[(String, String)],
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::with_capacity(wanted.len());
    for (name, arn) in wanted {
        let answer = client
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "{name}: cannot read secret {arn} from Secrets Manager: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                )
            })?;
        let value = answer
            .secret_string()
            .ok_or_else(|| format!("{name}: secret {arn} has no SecretString"))?;
        out.push((name.clone(), value.to_string()));
    }
    Ok(out)
}

/// A Secrets Manager client over the process's configuration, each call
/// bounded (2 s a try, 5 s in all): a cold start never hangs on it.
pub async fn client() -> Client {
    let config = crate::with_timeouts(
        &crate::config().await,
        Duration::from_secs(1),
        Duration::from_secs(2),
        Duration::from_secs(5),
    );
    Client::new(&config)
}
