//! The entities a decision is about, built in Rust from the domain's own types rather than
//! parsed from JSON, so a decision costs microseconds: the signed-in `User` (with a parent
//! `Role` entity per role), the `Case` (from [`CaseFacts`]) or the `Organisation`.

use super::action::Action;
use crate::case::Case;
use crate::command::Complainant;
use crate::function::Function;
use crate::ids::{CaseId, MembershipNumber, PersonId};
use crate::role::{Principal, Role};
use crate::stage::Stage;
use cedar_policy::{
    ActionConstraint, Entity, EntityId, EntityTypeName, EntityUid, RestrictedExpression, Schema,
};
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// What the policy knows about a case: who holds which function in it, who declared a
/// conflict, who the parties are, and whether the respondent may know who complained.
/// Nothing of the case's content. Built once per case state with [`CaseFacts::of`]; the
/// fields are public so callers (and benchmarks) can also build facts directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub id: CaseId,
    pub stage: Stage,
    pub category: String,
    pub open: bool,
    pub investigators: Vec<PersonId>,
    /// Whoever took the charging decision (to charge, or to take no further action).
    pub charging: Vec<PersonId>,
    pub hearing_panel: Vec<PersonId>,
    /// Members of a hearing panel whose decision an independent reviewer vetoed.
    pub vetoed_panel: Vec<PersonId>,
    pub reviewers: Vec<PersonId>,
    pub appeal_panel: Vec<PersonId>,
    /// Everyone who declared a conflict of interest in the case.
    pub conflicted: Vec<PersonId>,
    /// The complainant's membership number, when the complainant is a member.
    pub complainant_member: Option<MembershipNumber>,
    pub respondent_member: MembershipNumber,
    pub complainant_identity_disclosed: bool,
    /// The respondent held elected office when complained about.
    pub respondent_elected: bool,
    /// The outcome is final: no appeal is pending or still possible.
    pub outcome_final: bool,
}

impl CaseFacts {
    /// The names the policy knows the case's sets of people by, in [`CaseFacts::people_sets`]
    /// order.
    pub const PEOPLE_SETS: [&'static str; 7] = [
        "investigators",
        "charging",
        "hearing_panel",
        "vetoed_panel",
        "reviewers",
        "appeal_panel",
        "conflicted",
    ];

    /// Each set of people the case has, by the name the policy knows it by.
    pub fn people_sets(&self) -> [(&'static str, &[PersonId]); 7] {
        let [a, b, c, d, e, f, g] = CaseFacts::PEOPLE_SETS;
        [
            (a, &self.investigators),
            (b, &self.charging),
            (c, &self.hearing_panel),
            (d, &self.vetoed_panel),
            (e, &self.reviewers),
            (f, &self.appeal_panel),
            (g, &self.conflicted),
        ]
    }

    pub fn of(case: &Case) -> CaseFacts {
        let holders = |f: Function| -> Vec<PersonId> {
            case.functions.members(f).into_iter().cloned().collect()
        };
        CaseFacts {
            id: case.id.clone(),
            stage: case.stage,
            category: case.category.clone(),
            open: case.is_open(),
            investigators: holders(Function::Investigator),
            charging: holders(Function::ChargingDecision),
            hearing_panel: holders(Function::HearingPanel),
            vetoed_panel: holders(Function::VetoedPanel),
            reviewers: holders(Function::IndependentReviewer),
            appeal_panel: holders(Function::AppealPanel),
            conflicted: case.conflicts.iter().map(|c| c.person.clone()).collect(),
            complainant_member: match &case.complainant {
                Complainant::Member { number, .. } => Some(number.clone()),
                Complainant::ThirdParty { .. } | Complainant::Anonymous => None,
            },
            respondent_member: case.respondent.member.clone(),
            complainant_identity_disclosed: case.complainant_identity_disclosed,
            respondent_elected: case.respondent.elected_office.is_some(),
            outcome_final: matches!(
                case.stage,
                Stage::Final | Stage::SanctionLive | Stage::SanctionExpired
            ),
        }
    }
}

/// What a request is asked of: one case, or the organisation as a whole (lists, statistics,
/// users, the membership list, and receiving a complaint, which has no case yet).
#[derive(Debug, Clone, Copy)]
pub enum Resource<'a> {
    Case(&'a CaseFacts),
    Organisation,
}

/// One action as the schema declares it: its entity (carrying every group it is in) and the
/// kinds of resource it may be asked of.
#[derive(Debug)]
pub(super) struct ActionEntry {
    pub uid: EntityUid,
    pub entity: Entity,
    /// The action itself and every group it is in, directly or not.
    pub within: Vec<EntityUid>,
    pub on_case: bool,
    pub on_organisation: bool,
}

/// Type names and entities looked up once when the policy loads, so a decision parses
/// nothing.
#[derive(Debug)]
pub(super) struct Names {
    user: EntityTypeName,
    case: EntityTypeName,
    organisation: Entity,
    roles: Vec<EntityUid>,
    actions: Vec<ActionEntry>,
}

impl ActionEntry {
    /// Whether a policy with this action scope can ever apply to this action.
    pub fn in_scope(&self, scope: &ActionConstraint) -> bool {
        match scope {
            ActionConstraint::Any => true,
            ActionConstraint::Eq(a) => self.uid == *a,
            ActionConstraint::In(groups) => groups.iter().any(|g| self.within.contains(g)),
        }
    }
}

pub(super) const ORGANISATION_ID: &str = "docket";

fn type_name(schema: &Schema, name: &str) -> Result<EntityTypeName, String> {
    let t = EntityTypeName::from_str(name).map_err(|e| e.to_string())?;
    if schema.entity_types().any(|d| *d == t) {
        Ok(t)
    } else {
        Err(format!(
            "the schema does not declare the entity type {name}, which Docket builds"
        ))
    }
}

impl Names {
    pub fn new(schema: &Schema) -> Result<Names, String> {
        let user = type_name(schema, "User")?;
        let case = type_name(schema, "Case")?;
        let org = type_name(schema, "Organisation")?;
        let role = type_name(schema, "Role")?;
        let action = EntityTypeName::from_str("Action").map_err(|e| e.to_string())?;
        let declared = schema.action_entities().map_err(|e| e.to_string())?;
        let envs: Vec<_> = schema.request_envs().collect();
        let mut actions = Vec::with_capacity(Action::ALL.len());
        for a in Action::ALL {
            let uid = EntityUid::from_type_name_and_id(action.clone(), EntityId::new(a.as_str()));
            let entity = declared.get(&uid).cloned().ok_or_else(|| {
                format!("the schema does not declare the action {a}, which Docket asks about")
            })?;
            let on = |t: &EntityTypeName| {
                envs.iter()
                    .any(|e| *e.action() == uid && e.resource() == t && *e.principal() == user)
            };
            let (on_case, on_organisation) = (on(&case), on(&org));
            let mut within = vec![uid.clone()];
            if let Some(groups) = declared.ancestors(&uid) {
                within.extend(groups.cloned());
            }
            if !on_case && !on_organisation {
                return Err(format!(
                    "the schema's action {a} applies neither to a User asking about a Case nor about the Organisation"
                ));
            }
            actions.push(ActionEntry {
                uid,
                entity,
                within,
                on_case,
                on_organisation,
            });
        }
        let roles = Role::ALL
            .iter()
            .map(|r| EntityUid::from_type_name_and_id(role.clone(), EntityId::new(r.as_str())))
            .collect();
        let organisation = Entity::new_no_attrs(
            EntityUid::from_type_name_and_id(org, EntityId::new(ORGANISATION_ID)),
            HashSet::new(),
        );
        Ok(Names {
            user,
            case,
            organisation,
            roles,
            actions,
        })
    }

    pub fn action(&self, a: Action) -> &ActionEntry {
        &self.actions[a.index()]
    }

    pub fn organisation(&self) -> &Entity {
        &self.organisation
    }

    fn role(&self, r: Role) -> Option<&EntityUid> {
        Role::ALL
            .iter()
            .position(|x| *x == r)
            .and_then(|i| self.roles.get(i))
    }

    fn user_uid(&self, person: &PersonId) -> EntityUid {
        EntityUid::from_type_name_and_id(self.user.clone(), EntityId::new(person.as_str()))
    }

    fn case_uid(&self, id: &CaseId) -> EntityUid {
        EntityUid::from_type_name_and_id(self.case.clone(), EntityId::new(id.as_str()))
    }

    /// The principal's entity uid and its roles' (its parents), as [`Names::user`] builds them.
    pub fn uids_of(&self, p: &Principal) -> (EntityUid, Vec<EntityUid>) {
        let roles = p.roles.iter().filter_map(|r| self.role(*r).cloned());
        (self.user_uid(&p.person), roles.collect())
    }

    pub fn user(&self, p: &Principal) -> Result<Entity, String> {
        let mut attrs = HashMap::with_capacity(3);
        attrs.insert(
            "person".to_string(),
            RestrictedExpression::new_string(p.person.to_string()),
        );
        if let Some(m) = &p.member {
            attrs.insert(
                "member".to_string(),
                RestrictedExpression::new_string(m.to_string()),
            );
        }
        if let Some(c) = &p.receipt_for {
            attrs.insert(
                "receipt_for".to_string(),
                RestrictedExpression::new_entity_uid(self.case_uid(c)),
            );
        }
        let (uid, parents) = self.uids_of(p);
        Entity::new(uid, attrs, parents.into_iter().collect())
            .map_err(|e| format!("{} could not be described to the policy: {e}", p.person))
    }

    pub fn case(&self, f: &CaseFacts) -> Result<Entity, String> {
        let people = |ps: &[PersonId]| {
            RestrictedExpression::new_set(
                ps.iter()
                    .map(|p| RestrictedExpression::new_entity_uid(self.user_uid(p))),
            )
        };
        let mut attrs = HashMap::with_capacity(16);
        let mut put = |k: &str, v: RestrictedExpression| {
            attrs.insert(k.to_string(), v);
        };
        put(
            "stage",
            RestrictedExpression::new_string(f.stage.as_str().to_string()),
        );
        put(
            "category",
            RestrictedExpression::new_string(f.category.clone()),
        );
        put("open", RestrictedExpression::new_bool(f.open));
        for (name, set) in f.people_sets() {
            put(name, people(set));
        }
        if let Some(m) = &f.complainant_member {
            put(
                "complainant_member",
                RestrictedExpression::new_string(m.to_string()),
            );
        }
        put(
            "respondent_member",
            RestrictedExpression::new_string(f.respondent_member.to_string()),
        );
        put(
            "complainant_identity_disclosed",
            RestrictedExpression::new_bool(f.complainant_identity_disclosed),
        );
        put(
            "respondent_elected",
            RestrictedExpression::new_bool(f.respondent_elected),
        );
        put(
            "outcome_final",
            RestrictedExpression::new_bool(f.outcome_final),
        );
        Entity::new(self.case_uid(&f.id), attrs, HashSet::new())
            .map_err(|e| format!("case {} could not be described to the policy: {e}", f.id))
    }
}
