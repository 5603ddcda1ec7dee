//! Separation of functions inside one case (DESIGN.md): the investigator, the person who
//! takes the charging decision, the hearing panel, the independent reviewer and the appeal
//! panel must all be different people, so nobody judges their own work.

use crate::ids::PersonId;
use crate::rule::{Rule, Violation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    Investigator,
    ChargingDecision,
    HearingPanel,
    /// A panel whose decision an independent reviewer vetoed: its members may not sit again.
    VetoedPanel,
    IndependentReviewer,
    AppealPanel,
}

impl Function {
    /// How the function reads as the subject of a sentence.
    fn as_subject(self) -> &'static str {
        match self {
            Function::Investigator => "the investigator",
            Function::ChargingDecision => "the charging decision-maker",
            Function::HearingPanel => "a hearing panel member",
            Function::VetoedPanel => "a member of a vetoed panel",
            Function::IndependentReviewer => "the independent reviewer",
            Function::AppealPanel => "an appeal panel member",
        }
    }

    /// How the function reads as what someone already is on the case.
    fn as_held(self) -> &'static str {
        match self {
            Function::Investigator => "the case's investigator",
            Function::ChargingDecision => "the person who took the charging decision",
            Function::HearingPanel => "a member of the hearing panel",
            Function::VetoedPanel => "a member of the panel whose decision was vetoed",
            Function::IndependentReviewer => "the case's independent reviewer",
            Function::AppealPanel => "a member of the appeal panel",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Function::Investigator => "investigator",
            Function::ChargingDecision => "charging_decision",
            Function::HearingPanel => "hearing_panel",
            Function::VetoedPanel => "vetoed_panel",
            Function::IndependentReviewer => "independent_reviewer",
            Function::AppealPanel => "appeal_panel",
        }
    }
}

/// Who holds which function in a case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Functions {
    pub holders: Vec<(PersonId, Function)>,
}

impl Functions {
    pub fn holder(&self, f: Function) -> Option<&PersonId> {
        self.holders.iter().find(|(_, g)| *g == f).map(|(p, _)| p)
    }

    pub fn members(&self, f: Function) -> Vec<&PersonId> {
        self.holders
            .iter()
            .filter(|(_, g)| *g == f)
            .map(|(p, _)| p)
            .collect()
    }

    pub fn holds(&self, person: &PersonId, f: Function) -> bool {
        self.holders.iter().any(|(p, g)| p == person && *g == f)
    }

    /// Refuses to give `person` the function `wanted` if they already hold a different one.
    pub fn check(&self, person: &PersonId, wanted: Function) -> Result<(), Violation> {
        for (p, held) in &self.holders {
            if p == person && *held != wanted {
                return Err(Violation::new(
                    Rule::SeparationOfFunctions,
                    format!(
                        "{} may not be {} ({person} already is)",
                        wanted.as_subject(),
                        held.as_held()
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn assign(&mut self, person: PersonId, f: Function) {
        if !self.holds(&person, f) {
            self.holders.push((person, f));
        }
    }

    /// Moves every holder of `from` to `to` (a vetoed hearing panel keeps its members on record).
    pub fn reassign_all(&mut self, from: Function, to: Function) {
        for (_, g) in self.holders.iter_mut() {
            if *g == from {
                *g = to;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PersonId {
        PersonId::parse(s).expect("valid id")
    }

    #[test]
    fn message_names_both_functions() {
        let mut f = Functions::default();
        f.assign(p("ivy"), Function::Investigator);
        let err = f.check(&p("ivy"), Function::HearingPanel).unwrap_err();
        assert_eq!(err.rule, Rule::SeparationOfFunctions);
        assert!(
            err.message
                .starts_with("a hearing panel member may not be the case's investigator"),
            "{}",
            err.message
        );
        assert!(f.check(&p("ivy"), Function::Investigator).is_ok());
        assert!(f.check(&p("other"), Function::HearingPanel).is_ok());
    }
}
