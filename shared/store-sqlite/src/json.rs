//! Items on disk as DynamoDB JSON (`{"name": {"S": "Ann"}}`), so a row reads
//! like the item the DynamoDB console shows.

use base64::{engine::general_purpose::STANDARD, Engine};
use crm_domain::store::{AttributeValue, Item, StoreError};
use serde_json::{json, Map, Value};

fn encode_value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Null(_) => json!({ "NULL": true }),
        AttributeValue::B(b) => json!({ "B": STANDARD.encode(b) }),
        AttributeValue::Ss(v) => json!({ "SS": v }),
        AttributeValue::Ns(v) => json!({ "NS": v }),
        AttributeValue::Bs(v) => {
            json!({ "BS": v.iter().map(|b| STANDARD.encode(b)).collect::<Vec<_>>() })
        }
        AttributeValue::L(v) => json!({ "L": v.iter().map(encode_value).collect::<Vec<_>>() }),
        AttributeValue::M(m) => {
            json!({ "M": m.iter().map(|(k, v)| (k.clone(), encode_value(v))).collect::<Map<_, _>>() })
        }
    }
}

/// The item as DynamoDB JSON text.
pub fn encode_item(item: &Item) -> String {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), encode_value(v)))
            .collect(),
    )
    .to_string()
}

fn bad() -> StoreError {
    StoreError::Internal("stored item is not valid DynamoDB JSON".into())
}

fn strings(v: &Value) -> Result<Vec<String>, StoreError> {
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|s| s.as_str().map(str::to_string).ok_or_else(bad))
        .collect()
}

fn decode_value(v: &Value) -> Result<AttributeValue, StoreError> {
    let obj = v.as_object().filter(|o| o.len() == 1).ok_or_else(bad)?;
    let (tag, inner) = obj.iter().next().ok_or_else(bad)?;
    let bytes = |s: &Value| {
        s.as_str()
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or_else(bad)
    };
    Ok(match tag.as_str() {
        "S" => AttributeValue::S(inner.as_str().ok_or_else(bad)?.to_string()),
        "N" => AttributeValue::N(inner.as_str().ok_or_else(bad)?.to_string()),
        "BOOL" => AttributeValue::Bool(inner.as_bool().ok_or_else(bad)?),
        "NULL" => AttributeValue::Null(true),
        "B" => AttributeValue::B(bytes(inner)?),
        "SS" => AttributeValue::Ss(strings(inner)?),
        "NS" => AttributeValue::Ns(strings(inner)?),
        "BS" => AttributeValue::Bs(
            inner
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(bytes)
                .collect::<Result<_, _>>()?,
        ),
        "L" => AttributeValue::L(
            inner
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(decode_value)
                .collect::<Result<_, _>>()?,
        ),
        "M" => AttributeValue::M(
            inner
                .as_object()
                .ok_or_else(bad)?
                .iter()
                .map(|(k, v)| Ok((k.clone(), decode_value(v)?)))
                .collect::<Result<_, StoreError>>()?,
        ),
        _ => return Err(bad()),
    })
}

/// Parses DynamoDB JSON text back into an item.
pub fn decode_item(text: &str) -> Result<Item, StoreError> {
    let value: Value = serde_json::from_str(text).map_err(|_| bad())?;
    value
        .as_object()
        .ok_or_else(bad)?
        .iter()
        .map(|(k, v)| Ok((k.clone(), decode_value(v)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips() {
        let item: Item = [
            ("s", AttributeValue::S("é\"x".into())),
            ("n", AttributeValue::N("-12.5".into())),
            ("b", AttributeValue::B(vec![0, 255])),
            ("bool", AttributeValue::Bool(true)),
            ("null", AttributeValue::Null(true)),
            ("ss", AttributeValue::Ss(vec!["a".into()])),
            ("ns", AttributeValue::Ns(vec!["1".into()])),
            ("bs", AttributeValue::Bs(vec![vec![1]])),
            ("l", AttributeValue::L(vec![AttributeValue::S("x".into())])),
            (
                "m",
                AttributeValue::M(
                    [("k".to_string(), AttributeValue::N("1".into()))]
                        .into_iter()
                        .collect(),
                ),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(decode_item(&encode_item(&item)).unwrap(), item);
        assert!(decode_item("{\"a\":{\"X\":1}}").is_err());
        assert!(decode_item("[]").is_err());
    }
}
