//! Builds DynamoDB expression strings from the port's typed conditions and
//! updates. Every attribute name becomes `#nN` and every value `:vN`, so no
//! reserved word or odd character reaches the expression text.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue as DdbValue;
use crm_domain::store::{
    AttributeValue, CmpOp, Condition, Query, SortCondition, UpdateAction, PK, SK,
};

/// Placeholders collected while building one request's expressions.
#[derive(Debug, Default)]
pub struct Expr {
    names: HashMap<String, String>,
    values: HashMap<String, DdbValue>,
}

fn ddb(v: &AttributeValue) -> DdbValue {
    v.clone().into()
}

impl Expr {
    /// `#nN` for attribute `name` (the same placeholder for the same name).
    pub fn name(&mut self, name: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, n)| n.as_str() == name) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), name.to_string());
        placeholder
    }

    /// `:vN` for `value`.
    pub fn value(&mut self, value: DdbValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// `ExpressionAttributeNames`, or `None` when empty (DynamoDB rejects an empty map).
    pub fn names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    /// `ExpressionAttributeValues`, or `None` when empty.
    pub fn values(&self) -> Option<HashMap<String, DdbValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }

    /// A condition (or filter) expression; `None` for an empty `And`/`Or`.
    pub fn condition(&mut self, c: &Condition) -> Option<String> {
        Some(match c {
            Condition::Exists(n) => format!("attribute_exists({})", self.name(n)),
            Condition::NotExists(n) => format!("attribute_not_exists({})", self.name(n)),
            Condition::Cmp(n, op, v) => {
                let op = match op {
                    CmpOp::Eq => "=",
                    CmpOp::Ne => "<>",
                    CmpOp::Lt => "<",
                    CmpOp::Le => "<=",
                    CmpOp::Gt => ">",
                    CmpOp::Ge => ">=",
                };
                format!("{} {op} {}", self.name(n), self.value(ddb(v)))
            }
            Condition::BeginsWith(n, p) => format!(
                "begins_with({}, {})",
                self.name(n),
                self.value(DdbValue::S(p.clone()))
            ),
            Condition::Contains(n, p) => format!(
                "contains({}, {})",
                self.name(n),
                self.value(DdbValue::S(p.clone()))
            ),
            Condition::And(all) => self.join(all, " AND ")?,
            Condition::Or(any) => self.join(any, " OR ")?,
        })
    }

    /// `(a) op (b) …`; one part alone stands bare, since DynamoDB refuses
    /// redundant parentheses (`((a))`) once its parent wraps it.
    fn join(&mut self, parts: &[Condition], op: &str) -> Option<String> {
        let mut parts: Vec<String> = parts.iter().filter_map(|c| self.condition(c)).collect();
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(
                parts
                    .iter()
                    .map(|c| format!("({c})"))
                    .collect::<Vec<_>>()
                    .join(op),
            ),
        }
    }

    /// An update expression: `SET … ADD … REMOVE …`.
    pub fn update(&mut self, actions: &[UpdateAction]) -> String {
        let (mut set, mut add, mut remove) = (Vec::new(), Vec::new(), Vec::new());
        for action in actions {
            match action {
                UpdateAction::Set(n, v) => {
                    set.push(format!("{} = {}", self.name(n), self.value(ddb(v))))
                }
                UpdateAction::Add(n, by) => add.push(format!(
                    "{} {}",
                    self.name(n),
                    self.value(DdbValue::N(by.to_string()))
                )),
                UpdateAction::Remove(n) => remove.push(self.name(n)),
            }
        }
        let mut clauses = Vec::new();
        if !set.is_empty() {
            clauses.push(format!("SET {}", set.join(", ")));
        }
        if !add.is_empty() {
            clauses.push(format!("ADD {}", add.join(", ")));
        }
        if !remove.is_empty() {
            clauses.push(format!("REMOVE {}", remove.join(", ")));
        }
        clauses.join(" ")
    }

    /// The `KeyConditionExpression` of a query on the table or a GSI.
    pub fn key_condition(&mut self, q: &Query) -> String {
        let (pk, sk) = match q.index {
            None => (PK, SK),
            Some(i) => (i.pk_attr(), i.sk_attr()),
        };
        let mut out = format!(
            "{} = {}",
            self.name(pk),
            self.value(DdbValue::S(q.partition.clone()))
        );
        if let Some(cond) = &q.sort {
            let s = |v: &String| DdbValue::S(v.clone());
            let sk_name = self.name(sk);
            let clause = match cond {
                SortCondition::Eq(v) => format!("{sk_name} = {}", self.value(s(v))),
                SortCondition::Lt(v) => format!("{sk_name} < {}", self.value(s(v))),
                SortCondition::Le(v) => format!("{sk_name} <= {}", self.value(s(v))),
                SortCondition::Gt(v) => format!("{sk_name} > {}", self.value(s(v))),
                SortCondition::Ge(v) => format!("{sk_name} >= {}", self.value(s(v))),
                SortCondition::Between(a, b) => format!(
                    "{sk_name} BETWEEN {} AND {}",
                    self.value(s(a)),
                    self.value(s(b))
                ),
                SortCondition::BeginsWith(p) => {
                    format!("begins_with({sk_name}, {})", self.value(s(p)))
                }
            };
            out.push_str(" AND ");
            out.push_str(&clause);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::store::{n, s, Index};

    #[test]
    fn conditions_use_placeholders_only() {
        let mut e = Expr::default();
        let c = Condition::And(vec![
            Condition::item_exists(),
            Condition::Or(vec![
                Condition::eq("status", s("active")),
                Condition::eq("status", s("paused")),
            ]),
            Condition::Cmp("version".into(), CmpOp::Ge, n(3)),
        ]);
        let text = e.condition(&c).unwrap();
        assert_eq!(
            text,
            "(attribute_exists(#n0)) AND ((#n1 = :v0) OR (#n1 = :v1)) AND (#n2 >= :v2)"
        );
        assert_eq!(e.names().unwrap().len(), 3);
        assert_eq!(e.values().unwrap().len(), 3);
        assert_eq!(Expr::default().condition(&Condition::And(vec![])), None);
        // One alternative alone: no parentheses of its own (DynamoDB refuses `((a))`).
        let mut e = Expr::default();
        let one = Condition::And(vec![
            Condition::item_exists(),
            Condition::Or(vec![Condition::eq("lease_token", s("t"))]),
        ]);
        assert_eq!(
            e.condition(&one).unwrap(),
            "(attribute_exists(#n0)) AND (#n1 = :v0)"
        );
    }

    #[test]
    fn updates_group_clauses() {
        let mut e = Expr::default();
        let text = e.update(&[
            UpdateAction::Set("name".into(), s("x")),
            UpdateAction::Add("value".into(), 1),
            UpdateAction::Remove("GSI4PK".into()),
            UpdateAction::Set("status".into(), s("y")),
        ]);
        assert_eq!(text, "SET #n0 = :v0, #n3 = :v2 ADD #n1 :v1 REMOVE #n2");
    }

    #[test]
    fn key_conditions_name_the_index_keys() {
        let mut e = Expr::default();
        let mut q = Query::new(Some(Index::Gsi2), "CONTEXT#x");
        q.sort = Some(SortCondition::BeginsWith("LOG#".into()));
        assert_eq!(e.key_condition(&q), "#n0 = :v0 AND begins_with(#n1, :v1)");
        assert_eq!(
            e.names().unwrap().get("#n1").map(String::as_str),
            Some("GSI2SK")
        );
    }
}
