//! Reading a policy's conditions in Cedar's JSON form, for the readings that answer a
//! question about every case at once (`blanket`, `reach`).

use cedar_policy::{EntityId, EntityUid, Policy};
use serde_json::Value;

/// The bodies of `policy`'s conditions of `kind` (`when` or `unless`); `None` if the
/// policy's text cannot be read.
pub(super) fn conditions(policy: &Policy, kind: &str) -> Option<Vec<Value>> {
    let json = policy.to_json().ok()?;
    let all = json.get("conditions")?.as_array()?;
    Some(
        all.iter()
            .filter(|c| c.get("kind").and_then(Value::as_str) == Some(kind))
            .filter_map(|c| c.get("body").cloned())
            .collect(),
    )
}

/// An expression's operator and its argument: every expression is an object of one key.
pub(super) fn operator(expr: &Value) -> Option<(&str, &Value)> {
    let object = expr.as_object().filter(|o| o.len() == 1)?;
    object.iter().next().map(|(op, arg)| (op.as_str(), arg))
}

/// Whether the expression is the variable `name` (`principal`, `resource`).
pub(super) fn is_var(expr: &Value, name: &str) -> bool {
    expr.get("Var").and_then(Value::as_str) == Some(name)
}

/// The entities an entity literal, or a set of them, names; `None` for anything else.
pub(super) fn entity_literals(expr: &Value) -> Option<Vec<EntityUid>> {
    let one = |v: &Value| -> Option<EntityUid> {
        let entity = v.get("Value")?.get("__entity")?;
        let (kind, id) = (entity.get("type")?.as_str()?, entity.get("id")?.as_str()?);
        Some(EntityUid::from_type_name_and_id(
            kind.parse().ok()?,
            EntityId::new(id),
        ))
    };
    match expr.get("Set") {
        Some(items) => items.as_array()?.iter().map(one).collect(),
        None => one(expr).map(|uid| vec![uid]),
    }
}
