//! Putting a request to the policy and saying, in a sentence, what decided it.

use super::entities::Resource;
use super::{Action, Policy, load};
use crate::role::{Principal, Role};
use cedar_policy::{
    AuthorizationError, Context, Decision as CedarDecision, Entities, Entity, PolicySet, Request,
    Response,
};

/// The outcome of one authorisation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The ids of the policies that determined it: the permits that allowed it, the forbids
    /// that refused it, or the policies that failed to evaluate (a refusal). Empty when
    /// nothing permitted it, or the request could not be put to the policy.
    pub policies: Vec<String>,
    /// A sentence a person understands, naming the deciding policies.
    pub reason: String,
}

impl Decision {
    fn denied(reason: String) -> Decision {
        Decision {
            allowed: false,
            policies: vec![],
            reason,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Case,
    Organisation,
}

/// A principal and a resource described to the policy once, ready for any number of
/// decisions (see [`Policy::prepare`]).
#[derive(Debug)]
pub struct Prepared<'p> {
    policy: &'p Policy,
    /// How reasons refer to the principal ("a case_officer").
    who: String,
    user: Result<Entity, String>,
    target: Result<(Entity, Kind), String>,
}

impl<'p> Prepared<'p> {
    pub(super) fn new(policy: &'p Policy, who: &Principal, resource: &Resource<'_>) -> Self {
        let names = &policy.names;
        let target = match resource {
            Resource::Case(facts) => names.case(facts).map(|e| (e, Kind::Case)),
            Resource::Organisation => Ok((names.organisation().clone(), Kind::Organisation)),
        };
        Prepared {
            policy,
            who: describe(who),
            user: names.user(who),
            target,
        }
    }

    /// Whether `action` may be asked of this kind of resource at all (a case, or the
    /// organisation as a whole).
    pub fn applies_to(&self, action: Action) -> bool {
        let entry = self.policy.names.action(action);
        match &self.target {
            Ok((_, Kind::Case)) => entry.on_case,
            Ok((_, Kind::Organisation)) => entry.on_organisation,
            Err(_) => false,
        }
    }

    /// Decides one action. Never panics; see [`Policy::authorize`].
    pub fn authorize(&self, action: Action) -> Decision {
        self.decide(action).unwrap_or_else(Decision::denied)
    }

    fn decide(&self, action: Action) -> Result<Decision, String> {
        let policy = self.policy;
        let entry = policy.names.action(action);
        // The principal's problem, if both have one, is the one to tell.
        self.user.as_ref().map_err(Clone::clone)?;
        let (_, kind) = self.target.as_ref().map_err(Clone::clone)?;
        match kind {
            Kind::Case if !entry.on_case => {
                return Err(format!(
                    "{action} is asked of the organisation as a whole, not of one case"
                ));
            }
            Kind::Organisation if !entry.on_organisation => {
                return Err(format!(
                    "{action} is asked of one case, not of the organisation as a whole"
                ));
            }
            _ => {}
        }
        let (request, entities) = self.request(action)?;
        let response =
            policy
                .authorizer
                .is_authorized(&request, &policy.by_action[action.index()], &entities);
        // Cedar skips a policy that fails to evaluate; a skipped forbid must not let a request
        // through, so any error refuses.
        let (mut failed, mut problems) = (vec![], vec![]);
        for e in response.diagnostics().errors() {
            let AuthorizationError::PolicyEvaluationError(e) = e;
            failed.push(e.policy_id().to_string());
            problems.push(e.to_string());
        }
        if !failed.is_empty() {
            return Ok(Decision {
                allowed: false,
                policies: failed,
                reason: format!(
                    "refused because the policy could not be evaluated: {}",
                    problems.join("; ")
                ),
            });
        }
        Ok(self.explained(action, &response))
    }

    /// The refusal of `action` by those of `forbids` that hold, if any holds; `None` too if
    /// any fails to evaluate, which proves nothing.
    pub(super) fn refused_by(&self, action: Action, forbids: &PolicySet) -> Option<Decision> {
        let (request, entities) = self.request(action).ok()?;
        let response = self
            .policy
            .authorizer
            .is_authorized(&request, forbids, &entities);
        if response.diagnostics().errors().next().is_some()
            || response.diagnostics().reason().next().is_none()
        {
            return None;
        }
        let decision = self.explained(action, &response);
        (!decision.allowed).then_some(decision)
    }

    fn request(&self, action: Action) -> Result<(Request, Entities), String> {
        let entry = self.policy.names.action(action);
        let user = self.user.as_ref().map_err(Clone::clone)?;
        let (target, _) = self.target.as_ref().map_err(Clone::clone)?;
        let request = Request::new(
            user.uid(),
            entry.uid.clone(),
            target.uid(),
            Context::empty(),
            None,
        )
        .map_err(|e| format!("the request could not be put to the policy: {e}"))?;
        let entities =
            Entities::from_entities([user.clone(), target.clone(), entry.entity.clone()], None)
                .map_err(|e| format!("the request could not be put to the policy: {e}"))?;
        Ok((request, entities))
    }

    /// The decision `response` gives, naming the policies that made it.
    fn explained(&self, action: Action, response: &Response) -> Decision {
        let policy = self.policy;
        let mut deciding: Vec<&load::About> = response
            .diagnostics()
            .reason()
            .filter_map(|id| policy.about.get(id))
            .collect();
        deciding.sort_by_key(|a| a.order);
        let allowed = response.decision() == CedarDecision::Allow;
        let reason = if deciding.is_empty() {
            format!("no policy permits {} to {action}", self.who)
        } else {
            let verb = if allowed { "permitted" } else { "forbidden" };
            let parts: Vec<String> = deciding
                .iter()
                .map(|a| format!("policy {}: {}", a.id, a.reason))
                .collect();
            format!("{verb} by {}", parts.join("; and by "))
        };
        Decision {
            allowed,
            policies: deciding.into_iter().map(|a| a.id.clone()).collect(),
            reason,
        }
    }
}

/// "a case_officer", "an investigator", "someone with the roles case_officer and officeholder".
fn describe(who: &Principal) -> String {
    let roles: Vec<Role> = who.roles.iter().copied().collect();
    match roles.as_slice() {
        [] => String::from("someone with no role"),
        [Role::Oversight] => String::from("oversight"),
        [r] => {
            let name = r.as_str();
            let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            format!("{article} {name}")
        }
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(|r| r.as_str()).collect();
            format!(
                "someone with the roles {} and {}",
                init.join(", "),
                last.as_str()
            )
        }
    }
}
