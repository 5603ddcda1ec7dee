//! Which cases a permit can reach for someone, read off the policy's text: "people holding
//! a function in a case read that case" can allow an investigator only the cases whose
//! `investigators` set holds them. A search uses this to narrow its candidates to those
//! cases before it puts each to the gate, instead of loading and refusing thousands of
//! others (`Policy::reach`).
//!
//! The reading is deliberately one-sided: it may say a permit reaches more than it does, never
//! less. Whatever it cannot read (a condition on anything else, a scope it does not know)
//! counts as reaching every case. Each case it leaves in is still decided by the whole
//! policy, forbids included, so the narrowing can only save work, never let anything
//! through. A `when` condition is read as follows, `R(e)` being "e holds only where the
//! principal is in one of the case's people sets S":
//!
//! - `resource.ATTR.contains(principal)`: S = {ATTR}, for a set of people the case has;
//! - `principal in Role::"r"` (or a set of roles): never true if the principal lacks every
//!   one (S = {}), otherwise says nothing;
//! - `false`: S = {};
//! - `a && b`: whichever side has an S (both true means either's holds);
//! - `a || b`: the union, if both sides have one;
//! - anything else says nothing.
//!
//! `unless` conditions only take away, so they are not read.

use super::entities::CaseFacts;
use super::expr::{conditions, entity_literals, is_var, operator};
use cedar_policy::{Effect, EntityUid, PolicySet, PrincipalConstraint};
use serde_json::Value;
use std::collections::BTreeSet;

/// The cases the permits for one action can reach for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// No permit can allow it on any case.
    Nowhere,
    /// Only cases where the person is in one of these people sets (by the policy's
    /// attribute names, those of [`CaseFacts::people_sets`]).
    Holding(BTreeSet<&'static str>),
    /// Possibly any case: each must be asked about.
    Anywhere,
}

/// The permits for one action as far as the reading follows them, read once when the
/// policy loads: a search asks for a reach every time, and reading the policy's text
/// costs far more than walking this.
#[derive(Debug)]
pub(super) struct Permits(Vec<Permit>);

#[derive(Debug)]
struct Permit {
    scope: PrincipalConstraint,
    /// Its `when` conditions as read (see the module comment).
    when: Vec<Need>,
}

/// A condition as far as it is read.
#[derive(Debug)]
enum Need {
    /// `resource.SET.contains(principal)`.
    Holds(&'static str),
    /// `principal in` these roles.
    InRoles(Vec<EntityUid>),
    /// `false`.
    Never,
    And(Box<Need>, Box<Need>),
    Or(Box<Need>, Box<Need>),
    /// Anything else.
    Unread,
}

impl Permits {
    /// The permits of `slice` (its forbids play no part in a reach).
    pub(super) fn of(slice: &PolicySet) -> Permits {
        let permits = slice
            .policies()
            .filter(|p| p.effect() == Effect::Permit)
            .map(|p| Permit {
                scope: p.principal_constraint(),
                // A permit whose text cannot be read counts as holding unconditionally.
                when: conditions(p, "when")
                    .map(|bodies| bodies.iter().map(read).collect())
                    .unwrap_or_default(),
            })
            .collect();
        Permits(permits)
    }

    /// The reach for the principal whose entity is `user` with the parents `roles`.
    pub(super) fn reach(&self, user: &EntityUid, roles: &[EntityUid]) -> Reach {
        let mut holding = BTreeSet::new();
        for permit in self.0.iter().filter(|p| may_apply(&p.scope, user, roles)) {
            let needs = permit
                .when
                .iter()
                .filter_map(|need| holds_only(need, roles))
                .min_by_key(BTreeSet::len);
            match needs {
                Some(sets) => holding.extend(sets),
                None => return Reach::Anywhere,
            }
        }
        if holding.is_empty() {
            Reach::Nowhere
        } else {
            Reach::Holding(holding)
        }
    }
}

/// Whether a principal scope can admit this principal; unread scopes can.
fn may_apply(scope: &PrincipalConstraint, user: &EntityUid, roles: &[EntityUid]) -> bool {
    match scope {
        PrincipalConstraint::In(e) | PrincipalConstraint::IsIn(_, e) => {
            e == user || roles.contains(e) || !is_role(e)
        }
        PrincipalConstraint::Eq(e) => e == user,
        PrincipalConstraint::Any | PrincipalConstraint::Is(_) => true,
    }
}

fn is_role(e: &EntityUid) -> bool {
    let kind = e.type_name();
    kind.basename() == "Role" && kind.namespace_components().next().is_none()
}

/// An expression in Cedar's JSON form, as far as it is read.
fn read(expr: &Value) -> Need {
    let Some((op, arg)) = operator(expr) else {
        return Need::Unread;
    };
    let side = |name: &str| Box::new(arg.get(name).map_or(Need::Unread, read));
    match op {
        "Value" if arg.as_bool() == Some(false) => Need::Never,
        "&&" => Need::And(side("left"), side("right")),
        "||" => Need::Or(side("left"), side("right")),
        "contains" if arg.get("right").is_some_and(|r| is_var(r, "principal")) => arg
            .get("left")
            .and_then(|left| left.get("."))
            .filter(|access| access.get("left").is_some_and(|r| is_var(r, "resource")))
            .and_then(|access| access.get("attr")?.as_str())
            .and_then(|attr| CaseFacts::PEOPLE_SETS.into_iter().find(|k| *k == attr))
            .map_or(Need::Unread, Need::Holds),
        "in" if arg.get("left").is_some_and(|l| is_var(l, "principal")) => arg
            .get("right")
            .and_then(entity_literals)
            .filter(|named| named.iter().all(is_role))
            .map_or(Need::Unread, Need::InRoles),
        _ => Need::Unread,
    }
}

/// S for a condition (see the module comment): the people sets one of which the principal
/// must be in for it to hold; `None` when it does not say.
fn holds_only(need: &Need, roles: &[EntityUid]) -> Option<BTreeSet<&'static str>> {
    match need {
        Need::Holds(set) => Some(BTreeSet::from([*set])),
        Need::InRoles(named) => (!named.iter().any(|r| roles.contains(r))).then(BTreeSet::new),
        Need::Never => Some(BTreeSet::new()),
        Need::And(a, b) => match (holds_only(a, roles), holds_only(b, roles)) {
            (Some(a), Some(b)) => Some(if a.len() <= b.len() { a } else { b }),
            (a, b) => a.or(b),
        },
        Need::Or(a, b) => {
            let (mut a, b) = (holds_only(a, roles)?, holds_only(b, roles)?);
            a.extend(b);
            Some(a)
        }
        Need::Unread => None,
    }
}

#[cfg(test)]
mod tests {
    use super::Reach;
    use crate::ids::PersonId;
    use crate::policy::tests::{facts, person};
    use crate::policy::{Action, CaseFacts, DEFAULT_SCHEMA, Policy, Resource};
    use crate::role::{Principal, Role};
    use crate::stage::Stage;
    use std::collections::BTreeSet;

    /// An organisation's own permits: one the reading cannot follow (`resource.open`), one
    /// it can (`charging`).
    const ORGANISATION: &str = r#"
@id("org-reviewers-read-open-cases")
@reason("here reviewers read every open case")
permit (principal in Role::"independent_reviewer", action in Action::"read_content", resource is Case)
when { resource.open };

@id("org-charging-reads")
@reason("here whoever charged reads the case")
permit (principal, action in Action::"read_content", resource is Case)
when { resource.charging.contains(principal) && resource.open }
unless { resource.outcome_final };
"#;

    fn holding(sets: &[&'static str]) -> Reach {
        Reach::Holding(sets.iter().copied().collect())
    }

    fn policy(extra: Option<&str>) -> Policy {
        let extra: Vec<(&str, &str)> = extra.map(|t| ("org.cedar", t)).into_iter().collect();
        Policy::from_sources(DEFAULT_SCHEMA, &extra).expect("the policy loads")
    }

    /// A case in which "who" is in exactly the sets named.
    fn case_with(who: &PersonId, sets: &[&str]) -> CaseFacts {
        // Every flag a permit may test set, so the parties' and officeholders' permits
        // have something to allow.
        let mut f = CaseFacts {
            stage: Stage::Hearing,
            investigators: vec![person("someone-else")],
            complainant_identity_disclosed: true,
            respondent_elected: true,
            outcome_final: true,
            ..facts()
        };
        for set in sets {
            let slot = match *set {
                "investigators" => &mut f.investigators,
                "charging" => &mut f.charging,
                "hearing_panel" => &mut f.hearing_panel,
                "vetoed_panel" => &mut f.vetoed_panel,
                "reviewers" => &mut f.reviewers,
                "appeal_panel" => &mut f.appeal_panel,
                _ => &mut f.conflicted,
            };
            slot.push(who.clone());
        }
        f
    }

    #[test]
    fn the_default_policy_lets_function_holders_read_only_the_cases_they_hold_a_function_in() {
        let p = policy(None);
        let read = Action::ViewCaseContent;
        let reach = |roles: &[Role]| p.reach(&Principal::new(person("ivy"), roles.to_vec()), read);
        assert_eq!(reach(&[Role::CaseOfficer]), Reach::Anywhere);
        assert_eq!(reach(&[Role::DisputesPanel]), Reach::Anywhere);
        assert_eq!(reach(&[Role::Investigator]), holding(&["investigators"]));
        assert_eq!(reach(&[Role::PanelMember]), holding(&["hearing_panel"]));
        assert_eq!(
            reach(&[Role::Investigator, Role::AppealPanelMember]),
            holding(&["appeal_panel", "investigators"])
        );
        assert_eq!(
            reach(&[Role::Investigator, Role::CaseOfficer]),
            Reach::Anywhere
        );
        for nobody in [
            &[][..],
            &[Role::Respondent],
            &[Role::Complainant],
            &[Role::Officeholder],
            &[Role::Oversight],
        ] {
            assert_eq!(reach(nobody), Reach::Nowhere, "{nobody:?}");
        }
        // Recording a contact is allowed to anyone working on the case, whatever their role.
        assert_eq!(
            p.reach(
                &Principal::new(person("ivy"), [Role::PanelMember]),
                Action::RecordContact
            ),
            holding(&[
                "appeal_panel",
                "charging",
                "hearing_panel",
                "investigators",
                "reviewers"
            ])
        );
    }

    /// The one property that matters: whatever the policy allows on a case, the reach
    /// includes that case. Every case action, every role alone and in pairs, and the asker in
    /// each people set in turn (and in none).
    #[test]
    fn nothing_the_policy_allows_is_outside_the_reach() {
        for p in [policy(None), policy(Some(ORGANISATION))] {
            let who = person("who");
            let mut placements: Vec<Vec<&str>> = vec![vec![]];
            placements.extend(CaseFacts::PEOPLE_SETS.iter().map(|s| vec![*s]));
            let mut principals = Vec::new();
            for (i, a) in Role::ALL.iter().enumerate() {
                for b in &Role::ALL[i..] {
                    principals.push(Principal::new(who.clone(), [*a, *b]));
                }
            }
            let mut allowed = 0;
            for asker in &principals {
                for action in Action::ALL.iter().copied() {
                    let reach = p.reach(asker, action);
                    for sets in &placements {
                        let facts = case_with(&who, sets);
                        if !p.authorize(asker, action, &Resource::Case(&facts)).allowed {
                            continue;
                        }
                        allowed += 1;
                        let inside = match &reach {
                            Reach::Anywhere => true,
                            Reach::Nowhere => false,
                            Reach::Holding(within) => sets.iter().any(|s| within.contains(s)),
                        };
                        assert!(inside, "{asker:?} {action} in {sets:?}: {reach:?}");
                    }
                }
            }
            assert!(allowed > 1_000, "{allowed}");
        }
    }

    #[test]
    fn an_organisation_s_permit_that_reads_other_facts_reaches_every_case() {
        let p = policy(Some(ORGANISATION));
        let read = Action::ViewCaseContent;
        let reviewer = Principal::new(person("rev"), [Role::IndependentReviewer]);
        assert_eq!(p.reach(&reviewer, read), Reach::Anywhere);
        let panel = Principal::new(person("p1"), [Role::PanelMember]);
        assert_eq!(
            p.reach(&panel, read),
            holding(&["charging", "hearing_panel"])
        );
        let none: BTreeSet<&str> = BTreeSet::new();
        assert_ne!(p.reach(&panel, read), Reach::Holding(none));
    }
}
