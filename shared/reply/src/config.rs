//! Choosing the provider from the environment (docs/ai-replies.md).
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CRM_REPLY_PROVIDER` | `rules`, `openai` or `bedrock` | `rules` |
//! | `CRM_REPLY_TIMEOUT_SECONDS` | bound of one provider call (1–120) | `20` |
//! | `CRM_OPENAI_BASE_URL` | an OpenAI-compatible API, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:8080/v1` | required for `openai` |
//! | `CRM_OPENAI_API_KEY` | its key (may be empty for a local server) | empty |
//! | `CRM_OPENAI_MODEL` | the model name | required for `openai` |
//! | `CRM_BEDROCK_MODEL_ID` | a Bedrock model id with Converse tool use | `amazon.nova-micro-v1:0` |

use std::sync::Arc;

use crm_domain::reply::ReplyModel;

use crate::{BedrockModel, OpenAiModel, RulesModel};

/// Bedrock model used when `CRM_BEDROCK_MODEL_ID` is unset: small and cheap,
/// with tool use in the Converse API.
pub const DEFAULT_BEDROCK_MODEL: &str = "amazon.nova-micro-v1:0";

/// The provider `env` selects, with its name (for the start-up log).
///
/// Errors: an unknown provider, a timeout out of range, or `openai` without
/// its base URL or model (the message names the variable).
pub async fn from_env(
    env: impl Fn(&str) -> Option<String>,
) -> Result<(Arc<dyn ReplyModel>, &'static str), String> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let timeout = crm_domain::settings::seconds(&env, "CRM_REPLY_TIMEOUT_SECONDS", 1..=120, 20)?;
    let provider = var("CRM_REPLY_PROVIDER").map(|p| p.trim().to_ascii_lowercase());
    match provider.as_deref().unwrap_or("rules") {
        "rules" => Ok((Arc::new(RulesModel::new()), "rules")),
        "openai" => {
            let base = var("CRM_OPENAI_BASE_URL")
                .ok_or("CRM_REPLY_PROVIDER=openai needs CRM_OPENAI_BASE_URL")?;
            let model = var("CRM_OPENAI_MODEL")
                .ok_or("CRM_REPLY_PROVIDER=openai needs CRM_OPENAI_MODEL")?;
            let key = env("CRM_OPENAI_API_KEY").unwrap_or_default();
            Ok((
                Arc::new(OpenAiModel::new(&base, &key, &model, timeout)),
                "openai",
            ))
        }
        "bedrock" => {
            let model = var("CRM_BEDROCK_MODEL_ID").unwrap_or_else(|| DEFAULT_BEDROCK_MODEL.into());
            Ok((
                Arc::new(BedrockModel::from_env(&model, timeout).await),
                "bedrock",
            ))
        }
        other => Err(format!(
            "CRM_REPLY_PROVIDER={other:?} is not a provider (rules | openai | bedrock)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[tokio::test]
    async fn rules_by_default_and_a_misconfiguration_names_its_variable() {
        assert_eq!(from_env(env(&[])).await.unwrap().1, "rules");
        let openai = from_env(env(&[
            ("CRM_REPLY_PROVIDER", "OpenAI"),
            ("CRM_OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("CRM_OPENAI_MODEL", "small"),
        ]))
        .await;
        assert_eq!(openai.map(|m| m.1).ok(), Some("openai"));
        for (pairs, names) in [
            (&[("CRM_REPLY_PROVIDER", "gpt")][..], "CRM_REPLY_PROVIDER"),
            (
                &[("CRM_REPLY_PROVIDER", "openai")][..],
                "CRM_OPENAI_BASE_URL",
            ),
            (
                &[("CRM_REPLY_TIMEOUT_SECONDS", "0")][..],
                "CRM_REPLY_TIMEOUT_SECONDS",
            ),
        ] {
            let leaked: &'static [(&'static str, &'static str)] =
                Box::leak(pairs.to_vec().into_boxed_slice());
            let err = from_env(env(leaked)).await.err().unwrap_or_default();
            assert!(err.contains(names), "{err}");
        }
    }
}
