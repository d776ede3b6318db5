//! Condition, filter and update expressions evaluated on items in memory,
//! with DynamoDB's semantics (a comparison with a missing attribute is false;
//! numbers compare numerically, strings by UTF-8 bytes). The embedded
//! adapter evaluates every expression with these; the DynamoDB adapter
//! applies a query's filter with [`eval`] after fetching the items of a
//! `KEYS_ONLY` index (`docs/data-model.md`, "Projections").

use std::cmp::Ordering;
use std::collections::HashSet;

use super::{AttributeValue, CmpOp, Condition, Item, StoreError, UpdateAction, PK, SK};

/// Whether `condition` holds on `item` (`None`: no item under the key).
pub fn eval(condition: &Condition, item: Option<&Item>) -> Result<bool, StoreError> {
    let get = |name: &str| item.and_then(|i| i.get(name));
    Ok(match condition {
        Condition::Exists(name) => get(name).is_some(),
        Condition::NotExists(name) => get(name).is_none(),
        Condition::Cmp(name, op, value) => match get(name) {
            None => false,
            Some(actual) => compare(actual, *op, value),
        },
        Condition::BeginsWith(name, prefix) => {
            matches!(get(name), Some(AttributeValue::S(s)) if s.starts_with(prefix.as_str()))
        }
        Condition::Contains(name, needle) => match get(name) {
            Some(AttributeValue::S(s)) => s.contains(needle.as_str()),
            Some(AttributeValue::Ss(set)) => set.iter().any(|s| s == needle),
            Some(AttributeValue::L(list)) => list
                .iter()
                .any(|v| matches!(v, AttributeValue::S(s) if s == needle)),
            _ => false,
        },
        Condition::And(all) => {
            for c in all {
                if !eval(c, item)? {
                    return Ok(false);
                }
            }
            true
        }
        Condition::Or(any) => {
            for c in any {
                if eval(c, item)? {
                    return Ok(true);
                }
            }
            false
        }
    })
}

fn number(n: &str) -> Option<f64> {
    n.trim().parse::<f64>().ok()
}

fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::N(x), AttributeValue::N(y)) => {
            match (x.parse::<i128>(), y.parse::<i128>()) {
                (Ok(x), Ok(y)) => Some(x.cmp(&y)),
                _ => number(x)?.partial_cmp(&number(y)?),
            }
        }
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn compare(actual: &AttributeValue, op: CmpOp, expected: &AttributeValue) -> bool {
    match op {
        CmpOp::Eq => order(actual, expected)
            .map(|o| o == Ordering::Equal)
            .unwrap_or_else(|| actual == expected),
        CmpOp::Ne => !compare(actual, CmpOp::Eq, expected),
        CmpOp::Lt => order(actual, expected) == Some(Ordering::Less),
        CmpOp::Le => matches!(
            order(actual, expected),
            Some(Ordering::Less | Ordering::Equal)
        ),
        CmpOp::Gt => order(actual, expected) == Some(Ordering::Greater),
        CmpOp::Ge => matches!(
            order(actual, expected),
            Some(Ordering::Greater | Ordering::Equal)
        ),
    }
}

/// Applies an update expression's actions to `item`.
///
/// Mirrors DynamoDB's `ValidationException`s: key attributes cannot be
/// updated, one attribute cannot appear in two actions, `ADD` needs a number.
pub fn apply(mut item: Item, actions: &[UpdateAction]) -> Result<Item, StoreError> {
    let mut named = HashSet::new();
    for action in actions {
        let name = match action {
            UpdateAction::Set(n, _) | UpdateAction::Add(n, _) | UpdateAction::Remove(n) => n,
        };
        if name == PK || name == SK {
            return Err(StoreError::InvalidRequest(format!(
                "Cannot update attribute {name}. This attribute is part of the key"
            )));
        }
        if !named.insert(name.as_str()) {
            return Err(StoreError::InvalidRequest(format!(
                "Two document paths overlap with each other: {name}"
            )));
        }
        match action {
            UpdateAction::Set(n, v) => {
                item.insert(n.clone(), v.clone());
            }
            UpdateAction::Remove(n) => {
                item.remove(n);
            }
            UpdateAction::Add(n, by) => {
                let current = match item.get(n) {
                    None => 0i128,
                    Some(AttributeValue::N(v)) => v.parse::<i128>().map_err(|_| {
                        StoreError::InvalidRequest(format!("ADD on non-integer attribute {n}"))
                    })?,
                    Some(_) => {
                        return Err(StoreError::InvalidRequest(format!(
                            "An operand in the update expression has an incorrect data type: {n}"
                        )))
                    }
                };
                item.insert(
                    n.clone(),
                    AttributeValue::N((current + *by as i128).to_string()),
                );
            }
        }
    }
    Ok(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{n, s};

    fn item() -> Item {
        [
            ("PK", s("A")),
            ("SK", s("B")),
            ("count", n(10)),
            ("name", s("Ann Lee")),
            ("flag", AttributeValue::Bool(false)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn conditions_follow_dynamodb() {
        let i = item();
        assert!(eval(&Condition::Exists("name".into()), Some(&i)).unwrap());
        assert!(!eval(&Condition::Exists("name".into()), None).unwrap());
        assert!(eval(&Condition::NotExists("PK".into()), None).unwrap());
        assert!(eval(&Condition::Cmp("count".into(), CmpOp::Gt, n(9)), Some(&i)).unwrap());
        assert!(!eval(&Condition::Cmp("count".into(), CmpOp::Gt, n(10)), Some(&i)).unwrap());
        assert!(eval(&Condition::Cmp("count".into(), CmpOp::Eq, n(10)), Some(&i)).unwrap());
        assert!(!eval(
            &Condition::Cmp("missing".into(), CmpOp::Eq, n(10)),
            Some(&i)
        )
        .unwrap());
        assert!(
            !eval(
                &Condition::Cmp("count".into(), CmpOp::Eq, s("10")),
                Some(&i)
            )
            .unwrap(),
            "types differ"
        );
        assert!(eval(
            &Condition::Cmp("flag".into(), CmpOp::Eq, AttributeValue::Bool(false)),
            Some(&i)
        )
        .unwrap());
        assert!(eval(&Condition::Contains("name".into(), "n L".into()), Some(&i)).unwrap());
        assert!(eval(
            &Condition::BeginsWith("name".into(), "Ann".into()),
            Some(&i)
        )
        .unwrap());
        assert!(eval(
            &Condition::Or(vec![
                Condition::NotExists("name".into()),
                Condition::Exists("count".into())
            ]),
            Some(&i)
        )
        .unwrap());
        assert!(!eval(
            &Condition::And(vec![
                Condition::Exists("name".into()),
                Condition::Exists("nope".into())
            ]),
            Some(&i)
        )
        .unwrap());
    }

    #[test]
    fn updates_follow_dynamodb() {
        let out = apply(
            item(),
            &[
                UpdateAction::Add("count".into(), 5),
                UpdateAction::Add("new".into(), 1),
                UpdateAction::Remove("name".into()),
            ],
        )
        .unwrap();
        assert_eq!(out.get("count"), Some(&n(15)));
        assert_eq!(out.get("new"), Some(&n(1)));
        assert!(!out.contains_key("name"));
        assert!(apply(item(), &[UpdateAction::Set("PK".into(), s("x"))]).is_err());
        assert!(apply(
            item(),
            &[
                UpdateAction::Set("a".into(), s("x")),
                UpdateAction::Remove("a".into())
            ]
        )
        .is_err());
        assert!(apply(item(), &[UpdateAction::Add("name".into(), 1)]).is_err());
    }
}
