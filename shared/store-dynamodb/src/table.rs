//! The table's definition, read from the `AWS::DynamoDB::Table` resource of
//! `template.yaml`, so the tests, the emulator and the deployed stack share
//! one source: a key or GSI missing from the template fails the tests.

use std::path::Path;
use std::time::Duration;

use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;
use serde_norway::Value;

/// Key schema of the table or an index: (attribute, `HASH` | `RANGE`).
pub type KeySchema = Vec<(String, String)>;

/// What `CreateTable` needs, as written in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDefinition {
    /// `AttributeDefinitions`: (name, `S` | `N` | `B`).
    pub attributes: Vec<(String, String)>,
    /// The table's `KeySchema`.
    pub key: KeySchema,
    /// `GlobalSecondaryIndexes`: (index name, key schema, projection type).
    pub indexes: Vec<(String, KeySchema, String)>,
    /// `TimeToLiveSpecification.AttributeName`, if any.
    pub ttl_attribute: Option<String>,
}

fn text(v: &Value, key: &str) -> Result<String, String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("missing string `{key}`"))
}

fn key_schema(v: Option<&Value>) -> Result<KeySchema, String> {
    v.and_then(Value::as_sequence)
        .ok_or("missing KeySchema")?
        .iter()
        .map(|k| Ok((text(k, "AttributeName")?, text(k, "KeyType")?)))
        .collect()
}

impl TableDefinition {
    /// Parses the first `AWS::DynamoDB::Table` resource of a CloudFormation/SAM template.
    pub fn from_template(yaml: &str) -> Result<Self, String> {
        let doc: Value =
            serde_norway::from_str(yaml).map_err(|e| format!("template is not YAML: {e}"))?;
        let resources = doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or("template has no Resources")?;
        let table = resources
            .values()
            .find(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::DynamoDB::Table"))
            .ok_or("template has no AWS::DynamoDB::Table")?;
        let props = table.get("Properties").ok_or("table has no Properties")?;
        let attributes = props
            .get("AttributeDefinitions")
            .and_then(Value::as_sequence)
            .ok_or("missing AttributeDefinitions")?
            .iter()
            .map(|a| Ok((text(a, "AttributeName")?, text(a, "AttributeType")?)))
            .collect::<Result<_, String>>()?;
        let indexes = match props
            .get("GlobalSecondaryIndexes")
            .and_then(Value::as_sequence)
        {
            None => Vec::new(),
            Some(list) => list
                .iter()
                .map(|g| {
                    let projection = g
                        .get("Projection")
                        .map(|p| text(p, "ProjectionType"))
                        .transpose()?
                        .unwrap_or_else(|| "ALL".into());
                    Ok((
                        text(g, "IndexName")?,
                        key_schema(g.get("KeySchema"))?,
                        projection,
                    ))
                })
                .collect::<Result<_, String>>()?,
        };
        let ttl_attribute = props
            .get("TimeToLiveSpecification")
            .and_then(|t| text(t, "AttributeName").ok());
        Ok(Self {
            attributes,
            key: key_schema(props.get("KeySchema"))?,
            indexes,
            ttl_attribute,
        })
    }

    /// Reads and parses `template.yaml` at `path`.
    pub fn from_template_file(path: &Path) -> Result<Self, String> {
        let yaml = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::from_template(&yaml)
    }

    /// Creates the table `name` (on-demand billing) and waits until it is active.
    pub async fn create(&self, client: &Client, name: &str) -> Result<(), String> {
        let schema = |k: &KeySchema| -> Result<Vec<KeySchemaElement>, String> {
            k.iter()
                .map(|(a, t)| {
                    KeySchemaElement::builder()
                        .attribute_name(a)
                        .key_type(KeyType::from(t.as_str()))
                        .build()
                        .map_err(|e| e.to_string())
                })
                .collect()
        };
        let mut req = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .set_key_schema(Some(schema(&self.key)?));
        for (attr, kind) in &self.attributes {
            req = req.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()
                    .map_err(|e| e.to_string())?,
            );
        }
        for (index, key, projection) in &self.indexes {
            req = req.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index)
                    .set_key_schema(Some(schema(key)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(projection.as_str()))
                            .build(),
                    )
                    .build()
                    .map_err(|e| e.to_string())?,
            );
        }
        req.send().await.map_err(|e| {
            format!(
                "CreateTable {name}: {}",
                aws_sdk_dynamodb::error::DisplayErrorContext(e)
            )
        })?;
        client
            .wait_until_table_exists()
            .table_name(name)
            .wait(Duration::from_secs(120))
            .await
            .map_err(|e| format!("table {name} did not become active: {e}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_defines_the_domain_key_design() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let def = TableDefinition::from_template_file(&path).expect("template.yaml parses");
        assert_eq!(
            def.key,
            vec![
                ("PK".to_string(), "HASH".to_string()),
                ("SK".to_string(), "RANGE".to_string())
            ]
        );
        for index in crm_domain::store::Index::ALL {
            let found = def
                .indexes
                .iter()
                .find(|(name, _, _)| name == index.name())
                .unwrap_or_else(|| panic!("{} missing", index.name()));
            assert_eq!(
                found.1,
                vec![
                    (index.pk_attr().to_string(), "HASH".to_string()),
                    (index.sk_attr().to_string(), "RANGE".to_string())
                ]
            );
            // The adapter's `query` reads the items of a `KEYS_ONLY` index
            // from the table: the template must project what the domain says.
            assert_eq!(found.2, index.projection().as_str(), "{}", index.name());
        }
        assert_eq!(def.indexes.len(), crm_domain::store::Index::ALL.len());
        for (attr, kind) in &def.attributes {
            assert_eq!(kind, "S", "{attr}: every key attribute is a string");
        }
        assert!(
            def.ttl_attribute.is_some(),
            "the template sets a TTL attribute"
        );
    }
}
