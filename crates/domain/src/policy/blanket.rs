//! Forbids that refuse an action whatever the case: those whose verdict depends on who asks
//! alone, such as "officeholders never read case content". A search puts every candidate
//! case to the gate; for someone such a forbid refuses, every answer is no, so the question
//! can be asked once instead (`Policy::refuses_every_case`).
//!
//! A forbid qualifies only if nothing in it can see the resource: its scope leaves the
//! resource open, and each condition is built from `principal in <entity>` tests (one entity
//! or a set of them), `true` and `false`, joined by `&&`, `||` and `!`. Such a condition reads
//! nothing but the principal's own entity, which is the same in a request about any case
//! (the request holds the principal, the action and the one target, and the principal's
//! ancestors are its roles). So a forbid that holds in one request holds in every request
//! about every case, and a forbid refuses whatever any permit says. Anything else, however
//! harmless, disqualifies a forbid: the check is meant to be read at a glance, not to be
//! clever, and a forbid it leaves out only means the cases are asked about one by one.

use super::expr::{conditions, entity_literals, is_var, operator};
use cedar_policy::{Effect, ResourceConstraint};
use serde_json::Value;

/// Whether `policy` is a forbid whose verdict cannot depend on the resource (see above).
pub(super) fn is_blanket_forbid(policy: &cedar_policy::Policy) -> bool {
    if policy.effect() != Effect::Forbid || policy.resource_constraint() != ResourceConstraint::Any
    {
        return false;
    }
    let read = |kind| conditions(policy, kind).is_some_and(|c| c.iter().all(principal_only));
    read("when") && read("unless")
}

/// Whether the expression (Cedar's JSON form) reads nothing but the principal's ancestors.
fn principal_only(expr: &Value) -> bool {
    let Some((op, arg)) = operator(expr) else {
        return false;
    };
    let part = |name: &str| arg.get(name).is_some_and(principal_only);
    match op {
        "Value" => arg.is_boolean(),
        "!" => part("arg"),
        "&&" | "||" => part("left") && part("right"),
        "in" => {
            arg.get("left").is_some_and(|l| is_var(l, "principal"))
                && arg.get("right").and_then(entity_literals).is_some()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_blanket_forbid;
    use std::str::FromStr;

    fn blanket(text: &str) -> bool {
        let policy = cedar_policy::Policy::from_str(text).expect("a policy");
        is_blanket_forbid(&policy)
    }

    #[test]
    fn only_forbids_that_read_nothing_but_the_principals_roles_qualify() {
        assert!(blanket(
            r#"forbid (principal, action, resource) when { principal in Role::"a" || principal in Role::"b" };"#
        ));
        assert!(blanket(
            r#"forbid (principal in Role::"a", action == Action::"x", resource);"#
        ));
        assert!(blanket(
            r#"forbid (principal, action, resource) when { principal in [Role::"a", Role::"b"] } unless { principal in Role::"c" && !true };"#
        ));
        for not in [
            r#"permit (principal in Role::"a", action, resource);"#,
            r#"forbid (principal, action, resource is Case);"#,
            r#"forbid (principal, action, resource in Organisation::"o");"#,
            r#"forbid (principal, action, resource) when { resource.open };"#,
            r#"forbid (principal, action, resource) when { principal in Role::"a" && resource.open };"#,
            r#"forbid (principal, action, resource) when { principal.member == "PA1" };"#,
            r#"forbid (principal, action, resource) when { principal in resource };"#,
            r#"forbid (principal, action, resource) when { Role::"a" in principal };"#,
            r#"forbid (principal, action, resource) when { context.x };"#,
            r#"forbid (principal, action, resource) when { principal in Role::"a" } unless { resource has open };"#,
        ] {
            assert!(!blanket(not), "{not}");
        }
    }
}
