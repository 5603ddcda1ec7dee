//! Who someone is to the organisation (DESIGN.md, "Roles"), and the principal a request acts
//! as. Roles say what a person may do in general; what they may do on one case also depends
//! on the functions they hold there and what they declared (see `policy`).

use crate::ids::{CaseId, MembershipNumber, PersonId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Intake and triage; runs cases through the process.
    CaseOfficer,
    Investigator,
    /// The executive disputes panel: charging decisions and interim measures.
    DisputesPanel,
    /// A member of the pool hearing panels are drawn from.
    PanelMember,
    IndependentReviewer,
    AppealPanelMember,
    /// Metadata, the audit trail and statistics; never content.
    Oversight,
    /// Users and configuration; never content.
    Administrator,
    /// The leader's office, whips, elected officers: published statistics only.
    Officeholder,
    /// A portal user who made a complaint.
    Complainant,
    /// A portal user a complaint is about.
    Respondent,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::CaseOfficer,
        Role::Investigator,
        Role::DisputesPanel,
        Role::PanelMember,
        Role::IndependentReviewer,
        Role::AppealPanelMember,
        Role::Oversight,
        Role::Administrator,
        Role::Officeholder,
        Role::Complainant,
        Role::Respondent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CaseOfficer => "case_officer",
            Role::Investigator => "investigator",
            Role::DisputesPanel => "disputes_panel",
            Role::PanelMember => "panel_member",
            Role::IndependentReviewer => "independent_reviewer",
            Role::AppealPanelMember => "appeal_panel_member",
            Role::Oversight => "oversight",
            Role::Administrator => "administrator",
            Role::Officeholder => "officeholder",
            Role::Complainant => "complainant",
            Role::Respondent => "respondent",
        }
    }

    pub fn parse(s: &str) -> Result<Role, String> {
        let t = s.trim().replace(['-', ' '], "_").to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == t)
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("'{s}' is not a role: use one of {}", names.join(", "))
            })
    }

    /// Staff roles must sign in with a second factor; portal users need not.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Complainant | Role::Respondent)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who a request acts as, once signed in: the person, their roles, and for portal users the
/// membership record or the anonymous complaint they are linked to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    pub person: PersonId,
    pub roles: BTreeSet<Role>,
    /// A portal user's (or staff member's) own membership number, if they are a member.
    pub member: Option<MembershipNumber>,
    /// An anonymous complainant following up with a receipt code: the one case they may see.
    pub receipt_for: Option<CaseId>,
}

impl Principal {
    pub fn new(person: PersonId, roles: impl IntoIterator<Item = Role>) -> Principal {
        Principal {
            person,
            roles: roles.into_iter().collect(),
            member: None,
            receipt_for: None,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_staff(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_bad_names_are_explained() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            let json = serde_json::to_string(&r).expect("serialises");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert_eq!(Role::parse("Case Officer"), Ok(Role::CaseOfficer));
        let err = Role::parse("boss").expect_err("not a role");
        assert!(err.contains("case_officer"), "{err}");
        assert!(!Role::Complainant.is_staff() && Role::Officeholder.is_staff());
    }
}
