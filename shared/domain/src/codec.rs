//! Item ⇄ struct conversion through serde_dynamo, and the serde helpers of
//! request bodies. Entities add their keys on top ([`crate::keys::Entity::to_item`]).

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{DomainError, DomainResult};
use crate::store::Item;

/// Serializes a record struct into attributes (no keys: see [`crate::keys::Entity::to_item`]).
pub fn to_attributes<T: Serialize + ?Sized>(record: &T) -> DomainResult<Item> {
    let item: serde_dynamo::Item = serde_dynamo::to_item(record).map_err(DomainError::corrupt)?;
    Ok(item.into())
}

/// Deserializes an item into a record struct.
pub fn from_item<T: DeserializeOwned>(item: Item) -> DomainResult<T> {
    serde_dynamo::from_item(serde_dynamo::Item::from(item)).map_err(DomainError::corrupt)
}

/// Deserializes `null` as `Some(None)` and a value as `Some(Some(v))`, so a
/// `#[serde(default)]` field tells "absent" (`None`) from "null" (clear it).
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(de).map(Some)
}

/// Reads a JSON integer the way JSON Schema's `integer` does: `12` and `12.0`
/// alike (a number with a zero fraction is an integer there, and some JSON
/// encoders write every number so). Anything else — a fraction, a number
/// outside `i64`, a string — is serde's "invalid type" (a 400).
pub fn whole_number<'de, D>(de: D) -> Result<i64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::{Error, Unexpected};
    let n = serde_json::Number::deserialize(de)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    // i64::MAX as f64 rounds up to 2^63, which is outside; hence `<`.
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(f as i64),
        Some(f) => Err(D::Error::invalid_type(Unexpected::Float(f), &"an integer")),
        None => Err(D::Error::invalid_type(
            Unexpected::Other(&n.to_string()),
            &"an integer",
        )),
    }
}

/// [`whole_number`] for an optional field: `null` or absent is `None`
/// (use with `#[serde(default)]`).
pub fn optional_whole_number<'de, D>(de: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    Ok(Option::<Whole>::deserialize(de)?.map(|Whole(n)| n))
}

/// Serializes one value into an attribute value.
pub fn to_value<T: Serialize>(value: &T) -> DomainResult<crate::store::AttributeValue> {
    serde_dynamo::to_attribute_value(value).map_err(DomainError::corrupt)
}

/// The serde name of a unit enum variant (`more_formal`), for labels and
/// messages; empty for anything that is not a string.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
