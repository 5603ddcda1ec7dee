//! Who may do what: the Cedar authorisation policy that every command and every read passes
//! through, as `authorize(principal, action, resource)` (DESIGN.md, "Roles").
//!
//! The policy is text organisations can read and extend: `policy/docket.cedarschema` (the
//! entities and actions) and `policy/default.cedar` (the default rules), shipped inside the
//! binary. An organisation's own files are loaded after the default; a `forbid` in the
//! default ("officeholders and administrators never read case content", "nobody acts on a
//! case where they declared a conflict") wins over any `permit`, theirs included.
//!
//! The policy decides who may ask; the domain (`decide`) still checks what the process
//! allows. Both must say yes.

mod action;
mod blanket;
mod decision;
mod entities;
mod expr;
mod load;
mod reach;

pub use action::Action;
pub use decision::{Decision, Prepared};
pub use entities::{CaseFacts, Resource};
pub use load::{PolicyError, SCHEMA_FILE};
pub use reach::Reach;

use crate::role::Principal;
use cedar_policy::{Authorizer, PolicyId, PolicySet};
use std::collections::HashMap;
use std::fmt;

/// The shipped schema (Cedar's human-readable schema format).
pub const DEFAULT_SCHEMA: &str = include_str!("../../policy/docket.cedarschema");
/// The shipped default policy set.
pub const DEFAULT_POLICIES: &str = include_str!("../../policy/default.cedar");
/// The name errors and decisions give the default policy file.
pub const DEFAULT_POLICY_FILE: &str = "default.cedar";

/// A loaded, validated policy set, ready to decide requests. Cheap to share (`Send + Sync`);
/// build it once at start-up.
pub struct Policy {
    /// For each action (by `Action::index`), only the policies whose action scope can
    /// apply to it: the same decision as the whole set, for a fraction of the evaluation.
    by_action: Vec<PolicySet>,
    /// For each action, the forbids among `by_action`'s that cannot depend on the resource
    /// (see `blanket`).
    blanket: Vec<PolicySet>,
    /// For each action, its permits as `reach` reads them.
    permits: Vec<reach::Permits>,
    about: HashMap<PolicyId, load::About>,
    names: entities::Names,
    authorizer: Authorizer,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("policies", &self.ids())
            .finish_non_exhaustive()
    }
}

impl Policy {
    /// The shipped schema and default policies, nothing else.
    pub fn default_policy() -> Result<Policy, PolicyError> {
        Policy::from_sources(DEFAULT_SCHEMA, &[])
    }

    /// The default policies followed by an organisation's own files, each `(name, text)`, all
    /// validated (strict) against `schema` (normally [`DEFAULT_SCHEMA`]). The default is always
    /// loaded first, so its forbids cannot be left out. Refuses, naming the file and the
    /// problem, a file that does not parse, a policy without an `@id` or with one already
    /// used, a template, or a policy that does not fit the schema.
    pub fn from_sources(schema: &str, policies: &[(&str, &str)]) -> Result<Policy, PolicyError> {
        let schema = load::schema(schema)?;
        let names = entities::Names::new(&schema).map_err(|problem| PolicyError::Schema {
            file: SCHEMA_FILE.to_string(),
            problem,
        })?;
        let mut files = Vec::with_capacity(policies.len() + 1);
        files.push((DEFAULT_POLICY_FILE, DEFAULT_POLICIES));
        files.extend_from_slice(policies);
        let loaded = load::policies(&schema, &files)?;
        let mut by_action = Vec::with_capacity(Action::ALL.len());
        let mut blanket = Vec::with_capacity(Action::ALL.len());
        let mut permits = Vec::with_capacity(Action::ALL.len());
        for a in Action::ALL {
            let entry = names.action(*a);
            let relevant = loaded
                .set
                .policies()
                .filter(|p| entry.in_scope(&p.action_constraint()))
                .cloned();
            // Ids are unique in the whole set, so a subset of it cannot clash.
            let slice = PolicySet::from_policies(relevant).map_err(|e| PolicyError::Schema {
                file: SCHEMA_FILE.to_string(),
                problem: format!("the policies for {a} could not be gathered: {e}"),
            })?;
            let forbids = slice
                .policies()
                .filter(|p| blanket::is_blanket_forbid(p))
                .cloned();
            let forbids = PolicySet::from_policies(forbids).map_err(|e| PolicyError::Schema {
                file: SCHEMA_FILE.to_string(),
                problem: format!("the policies for {a} could not be gathered: {e}"),
            })?;
            permits.push(reach::Permits::of(&slice));
            by_action.push(slice);
            blanket.push(forbids);
        }
        Ok(Policy {
            by_action,
            blanket,
            permits,
            about: loaded.about,
            names,
            authorizer: Authorizer::new(),
        })
    }

    /// Every policy id, in load order.
    pub fn ids(&self) -> Vec<&str> {
        let mut all: Vec<&load::About> = self.about.values().collect();
        all.sort_by_key(|a| a.order);
        all.into_iter().map(|a| a.id.as_str()).collect()
    }

    /// The `@reason` of a policy, by id.
    pub fn reason_of(&self, id: &str) -> Option<&str> {
        self.about
            .get(&PolicyId::new(id))
            .map(|a| a.reason.as_str())
    }

    /// Decides whether `who` may do `action` to `resource`. Never panics: anything that stops
    /// the policy deciding (an action asked of the wrong kind of resource, an evaluation
    /// error in any policy) is a denial whose reason says what went wrong.
    pub fn authorize(&self, who: &Principal, action: Action, resource: &Resource<'_>) -> Decision {
        self.prepare(who, resource).authorize(action)
    }

    /// Describes `who` and `resource` to the policy once, for several decisions about the
    /// same pair (a case page asking which commands to offer). Building the entities is a
    /// good part of a decision's cost; this pays it once.
    pub fn prepare(&self, who: &Principal, resource: &Resource<'_>) -> Prepared<'_> {
        Prepared::new(self, who, resource)
    }

    /// A refusal of `action` to `who` that holds for every case whatever its facts, when a
    /// forbid that cannot depend on the case refuses it (see `blanket`): "officeholders and
    /// administrators never read case content", "oversight never reads content". `None`
    /// says nothing about any case: ask about each.
    pub fn refuses_every_case(&self, who: &Principal, action: Action) -> Option<Decision> {
        let forbids = &self.blanket[action.index()];
        if forbids.is_empty() {
            return None;
        }
        // The forbids read nothing of the resource, so any target will do.
        Prepared::new(self, who, &Resource::Organisation).refused_by(action, forbids)
    }

    /// The cases on which a permit for `action` can reach `who`, read off the policy's text
    /// (see `reach`): a search narrows its candidates to these before asking about each.
    /// Never narrower than the truth; every case it leaves in must still be asked about.
    pub fn reach(&self, who: &Principal, action: Action) -> Reach {
        let (user, roles) = self.names.uids_of(who);
        self.permits[action.index()].reach(&user, &roles)
    }

    /// Every action `who` may take on `resource`, in `Action::ALL` order.
    pub fn allowed_actions(&self, who: &Principal, resource: &Resource<'_>) -> Vec<Action> {
        let prepared = self.prepare(who, resource);
        Action::ALL
            .iter()
            .copied()
            .filter(|a| prepared.applies_to(*a) && prepared.authorize(*a).allowed)
            .collect()
    }
}

#[cfg(test)]
mod tests;
