//! The `bedrock` provider: Amazon Bedrock's Converse API through
//! `aws-sdk-bedrockruntime`, with the draft as the input schema of a tool
//! the model is forced to call (structured output that works across
//! Bedrock's models). No secret: IAM (`bedrock:InvokeModel` on the one
//! model). The endpoint follows the SDK's standard settings, so
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` points it elsewhere (the tests point
//! it at a stub). Every call is bounded by `timeout`.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, Message, SpecificToolChoice,
    SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::{Document, Number};

use crm_domain::reply::draft::answer_schema;
use crm_domain::reply::{Draft, DraftError, ModelInfo, Prompt, RawDraft, ReplyModel};

/// The tool whose input is the draft.
const TOOL: &str = "reply_draft";

/// A Bedrock model reached through the Converse API.
pub struct BedrockModel {
    client: Client,
    model_id: String,
    timeout: Duration,
}

impl BedrockModel {
    /// `client` from the shared AWS config (region, credentials, endpoint
    /// overrides); `model_id` such as `amazon.nova-micro-v1:0`.
    pub fn new(client: Client, model_id: &str, timeout: Duration) -> Self {
        Self {
            client,
            model_id: model_id.to_string(),
            timeout,
        }
    }

    /// A client from the environment, as every AWS SDK reads it (region,
    /// credentials — the Lambda role on AWS — and endpoint overrides such as
    /// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).
    pub async fn from_env(model_id: &str, timeout: Duration) -> Self {
        Self::new(Client::new(&crm_aws::config().await), model_id, timeout)
    }

    fn messages(prompt: &Prompt) -> Result<Vec<Message>, DraftError> {
        let mut messages = Vec::new();
        let turns = prompt
            .history
            .iter()
            .map(|t| (t.inbound, t.text.as_str()))
            .chain(std::iter::once((true, prompt.message.as_str())));
        for (inbound, text) in turns {
            let role = if inbound {
                ConversationRole::User
            } else {
                ConversationRole::Assistant
            };
            // Converse wants turns to alternate: merge consecutive ones.
            match messages.last_mut() {
                Some((last_role, last_text)) if *last_role == role => {
                    *last_text = format!("{last_text}\n{text}");
                }
                _ => messages.push((role, text.to_string())),
            }
        }
        // …and to start with the user.
        if messages
            .first()
            .is_some_and(|(r, _)| *r == ConversationRole::Assistant)
        {
            messages.insert(0, (ConversationRole::User, "(conversation start)".into()));
        }
        messages
            .into_iter()
            .map(|(role, text)| {
                Message::builder()
                    .role(role)
                    .content(ContentBlock::Text(text))
                    .build()
                    .map_err(|e| DraftError::Provider(e.to_string()))
            })
            .collect()
    }
}

/// A JSON value as a Smithy document (the tool's input schema).
fn to_document(v: &serde_json::Value) -> Document {
    match v {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or(0.0)),
        }),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        serde_json::Value::Object(m) => Document::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A Smithy document (the tool call's input) as JSON.
fn to_json(d: &Document) -> serde_json::Value {
    match d {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => serde_json::Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => serde_json::json!(u),
        Document::Number(Number::NegInt(i)) => serde_json::json!(i),
        Document::Number(Number::Float(f)) => serde_json::json!(f),
        Document::String(s) => serde_json::Value::String(s.clone()),
        Document::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Document::Object(m) => {
            serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

#[async_trait::async_trait]
impl ReplyModel for BedrockModel {
    async fn draft(&self, prompt: &Prompt) -> Result<Draft, DraftError> {
        let provider = |e: String| DraftError::Provider(e);
        let spec = ToolSpecification::builder()
            .name(TOOL)
            .description("Record the drafted customer-support reply.")
            .input_schema(ToolInputSchema::Json(to_document(&answer_schema())))
            .build()
            .map_err(|e| provider(e.to_string()))?;
        let choice = SpecificToolChoice::builder()
            .name(TOOL)
            .build()
            .map_err(|e| provider(e.to_string()))?;
        let tools = ToolConfiguration::builder()
            .tools(Tool::ToolSpec(spec))
            .tool_choice(ToolChoice::Tool(choice))
            .build()
            .map_err(|e| provider(e.to_string()))?;
        let system = prompt.system_text();
        let call = self
            .client
            .converse()
            .model_id(&self.model_id)
            .system(SystemContentBlock::Text(system))
            .set_messages(Some(Self::messages(prompt)?))
            .tool_config(tools)
            .send();
        let output = tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| provider(format!("no answer within {:?}", self.timeout)))?
            .map_err(|e| {
                provider(aws_sdk_bedrockruntime::error::DisplayErrorContext(e).to_string())
            })?;
        let input = match output.output() {
            Some(ConverseOutput::Message(m)) => m.content().iter().find_map(|c| match c {
                ContentBlock::ToolUse(t) if t.name() == TOOL => Some(to_json(t.input())),
                _ => None,
            }),
            _ => None,
        }
        .ok_or_else(|| DraftError::Unusable("the model did not call the draft tool".into()))?;
        let raw: RawDraft = serde_json::from_value(input)
            .map_err(|e| DraftError::Unusable(format!("not the draft: {e}")))?;
        raw.validate(ModelInfo {
            provider: "bedrock".into(),
            model: Some(self.model_id.clone()),
            tokens_used: output
                .usage()
                .and_then(|u| u64::try_from(u.total_tokens()).ok()),
            cost: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
    use crm_domain::reply::{Action, Intent, Turn};
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn stub(response: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            // The SDK percent-encodes the model id's `:`.
            .and(path_regex(
                r"^/model/amazon\.nova-micro-v1(:|%3A)0/converse$",
            ))
            .respond_with(response)
            .mount(&server)
            .await;
        server
    }

    async fn model_against(response: ResponseTemplate) -> (MockServer, BedrockModel) {
        let server = stub(response).await;
        let config = aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(server.uri())
            .build();
        let model = BedrockModel::new(
            Client::from_conf(config),
            "amazon.nova-micro-v1:0",
            Duration::from_millis(800),
        );
        (server, model)
    }

    /// The standard override reaches the stub through `from_env`, as a
    /// deployment would reach another endpoint.
    #[tokio::test]
    async fn the_standard_endpoint_variable_points_the_provider_elsewhere() {
        let body = serde_json::json!({
            "output": {"message": {"role": "assistant", "content": [{"toolUse": {
                "toolUseId": "t1", "name": "reply_draft",
                "input": {"action": "reply", "suggested_body": "Sure.", "sentiment_score": 0.1, "intent": "other", "confidence_score": 0.7}}}]}},
            "stopReason": "tool_use", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1}
        });
        let server = stub(ResponseTemplate::new(200).set_body_json(body)).await;
        // Only this test of the binary reads these variables.
        std::env::set_var("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.uri());
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "AKIDTEST");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "secret");
        let model = BedrockModel::from_env("amazon.nova-micro-v1:0", Duration::from_secs(2)).await;
        let d = model.draft(&prompt()).await.expect("draft");
        assert_eq!(d.suggested_body, "Sure.");
        assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
    }

    fn prompt() -> Prompt {
        Prompt {
            customer_name: None,
            history: vec![Turn {
                inbound: false,
                text: "Welcome!".into(),
            }],
            message: "I need to talk to a human about my invoice".into(),
            instructions: Default::default(),
        }
    }

    #[tokio::test]
    async fn a_forced_tool_call_becomes_a_validated_draft() {
        let body = serde_json::json!({
            "output": {"message": {"role": "assistant", "content": [{"toolUse": {
                "toolUseId": "t1", "name": "reply_draft",
                "input": {"action": "handoff", "suggested_body": "I'll bring in a colleague.",
                          "sentiment_score": -0.2, "intent": "question", "confidence_score": 0.9, "wants_human": true}}}]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 120, "outputTokens": 40, "totalTokens": 160},
            "metrics": {"latencyMs": 250}
        });
        let (server, model) = model_against(ResponseTemplate::new(200).set_body_json(body)).await;
        let d = model.draft(&prompt()).await.expect("draft");
        assert_eq!(d.action, Action::Handoff);
        assert!(d.wants_human);
        assert_eq!(d.intent, Intent::Question);
        assert_eq!(d.ai_metadata.provider, "bedrock");
        assert_eq!(
            d.ai_metadata.model.as_deref(),
            Some("amazon.nova-micro-v1:0")
        );
        assert_eq!(d.ai_metadata.tokens_used, Some(160));
        // Turns alternate from the user's, and the tool is forced.
        let sent: serde_json::Value =
            serde_json::from_slice(&server.received_requests().await.expect("recorded")[0].body)
                .expect("json");
        assert_eq!(sent["messages"][0]["role"], "user");
        assert_eq!(sent["messages"][1]["role"], "assistant");
        assert_eq!(
            sent["messages"][2]["content"][0]["text"],
            "I need to talk to a human about my invoice"
        );
        assert_eq!(
            sent["toolConfig"]["toolChoice"]["tool"]["name"],
            "reply_draft"
        );
    }

    #[tokio::test]
    async fn no_tool_call_is_unusable_and_an_error_is_a_provider_error() {
        let text_only = serde_json::json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Hello!"}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 1}
        });
        let (_s, model) = model_against(ResponseTemplate::new(200).set_body_json(text_only)).await;
        assert!(matches!(
            model.draft(&prompt()).await,
            Err(DraftError::Unusable(_))
        ));

        let throttled = ResponseTemplate::new(429)
            .insert_header("x-amzn-errortype", "ThrottlingException")
            .set_body_json(serde_json::json!({"message": "Too many requests"}));
        let (_s, model) = model_against(throttled).await;
        let start = std::time::Instant::now();
        assert!(matches!(
            model.draft(&prompt()).await,
            Err(DraftError::Provider(_))
        ));
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }
}
