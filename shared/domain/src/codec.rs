//! Item ⇄ struct conversion through serde_dynamo, and the serde helpers of
//! request bodies. Entities add their keys on top ([`crate::keys::Entity::to_item`]).

use serde::{de::DeserializeOwned, Serialize};

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

/// Serializes one value into an attribute value.
pub fn to_value<T: Serialize>(value: &T) -> DomainResult<crate::store::AttributeValue> {
    serde_dynamo::to_attribute_value(value).map_err(DomainError::corrupt)
}
