//! The one gate every command and every read passes: `Docket::authorize` asks the Cedar
//! policy, and a refusal is written to the log before it is returned, so an attempt by an
//! officeholder to open a case is as visible to oversight as a decision on it.
//!
//! Requests by officeholders about a named case are also written into that case's contact
//! register, whether the policy allows them or not: the register is where political contact
//! with a case is meant to show (DESIGN.md).

use crate::decisions::Asked;
use crate::service::{Docket, ServiceError, encode};
use docket_domain::Command;
use docket_domain::case::{Case, day_of};
use docket_domain::contact::{Channel, Contact};
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::policy::{Action, CaseFacts, Decision, Prepared, Resource};
use docket_domain::role::{Principal, Role};
use docket_domain::store::StoreError;
use docket_domain::view::CasePart;
use docket_domain::view::{DENIALS_STREAM, ViewEvent, views_stream};
use jiff::Timestamp;

/// A refused request, as the caller is told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    pub action: Action,
    pub reason: String,
    pub policies: Vec<String>,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// What a request is about.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Organisation,
    Case(&'a Case),
}

impl Docket {
    /// Allows or refuses `action` by `who` on `target`. A refusal is recorded (on the case's
    /// views stream, or the organisation's denials stream) before `Denied` is returned.
    pub async fn authorize(
        &self,
        who: &Principal,
        action: Action,
        target: Target<'_>,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let decision = self.asking(who, target).decide(action);
        self.enforce(who, action, target, decision, now).await
    }

    /// Whether `who` may do each of `actions` on `target`, asked without recording anything:
    /// for deciding what a page offers (a form, a link). Doing it still passes `authorize`.
    pub fn may(&self, who: &Principal, target: Target<'_>, actions: &[Action]) -> Vec<bool> {
        let mut asking = self.asking(who, target);
        actions.iter().map(|a| asking.decide(*a).allowed).collect()
    }

    fn asking<'d, 't>(&'d self, who: &'t Principal, target: Target<'t>) -> Asking<'d, 't> {
        Asking {
            docket: self,
            who,
            target,
            described: None,
        }
    }

    /// Acts on a decision: writes an officeholder's request into the case's contact
    /// register, and records a refusal before returning it.
    async fn enforce(
        &self,
        who: &Principal,
        action: Action,
        target: Target<'_>,
        decision: Decision,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        if let Target::Case(case) = target
            && who.has(Role::Officeholder)
        {
            self.register_officeholder_request(who, action, case, decision.allowed, now)
                .await?;
        }
        if decision.allowed {
            return Ok(());
        }
        let case = match target {
            Target::Case(c) => Some(c.id.clone()),
            Target::Organisation => None,
        };
        let stream = case
            .as_ref()
            .map(views_stream)
            .unwrap_or_else(|| DENIALS_STREAM.to_string());
        let event = encode(&ViewEvent::AccessDenied {
            case,
            action: action.as_str().to_string(),
            policies: decision.policies.clone(),
        })?;
        self.append_at_head(&stream, event, &who.person, now, None)
            .await?;
        Err(ServiceError::Denied(Denial {
            action,
            reason: decision.reason,
            policies: decision.policies,
        }))
    }

    /// Refuses `who` `action` on `case` for a rule the service checks itself (a party asking
    /// for something that is not theirs), recorded as the policy's refusals are, under
    /// `policy`; the error to return.
    pub(crate) async fn refuse_recorded(
        &self,
        who: &Principal,
        action: Action,
        case: &Case,
        policy: &str,
        reason: String,
        now: Timestamp,
    ) -> ServiceError {
        let refusal = Decision {
            allowed: false,
            policies: vec![policy.to_string()],
            reason,
        };
        match self
            .enforce(who, action, Target::Case(case), refusal, now)
            .await
        {
            Err(e) => e,
            Ok(()) => ServiceError::Corrupt("a refusal was let through".into()),
        }
    }

    /// Writes an officeholder's request about `case` into its contact register. It is
    /// recorded by the system, not the officeholder, so neither a conflict declaration nor
    /// the case's stage can stop it being written down.
    async fn register_officeholder_request(
        &self,
        who: &Principal,
        action: Action,
        case: &Case,
        allowed: bool,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let outcome = if allowed { "allowed" } else { "refused" };
        let contact = Contact {
            who: text(who.person.as_str())?,
            organisation: Some(text("Officeholder (recorded automatically)")?),
            channel: Channel::Other,
            occurred_on: day_of(now),
            summary: text(&format!(
                "Asked Docket to {} on this case; the request was {outcome} by the policy.",
                action.as_str().replace('_', " ")
            ))?,
        };
        let cmd = Command::RecordContact { contact };
        let mut tries = 0;
        let mut state = Some(case.clone());
        loop {
            let (_, append) = self.prepare(state.as_ref(), &cmd, &system_actor(), now)?;
            match self.append(append).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) if tries < 20 => {
                    tries += 1;
                    state = self.load_case(&case.id).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// The actor of what Docket records by itself.
pub fn system_actor() -> PersonId {
    PersonId::parse("docket:system").expect("constant id")
}

fn text(s: &str) -> Result<Text, ServiceError> {
    Text::parse(s).map_err(|e| ServiceError::Corrupt(e.to_string()))
}

/// The read action that opening `part` of a case file asks for.
pub fn read_action(part: CasePart) -> Action {
    match part {
        CasePart::File => Action::ViewCaseContent,
        CasePart::AuditTrail => Action::ViewAuditTrail,
        CasePart::Metadata => Action::ViewCaseMetadata,
        CasePart::Complaint => Action::ViewComplaint,
        CasePart::Allegations => Action::ViewAllegations,
        CasePart::ContactRegister => Action::ViewContactRegister,
        CasePart::Declarations => Action::ViewDeclarations,
        CasePart::OutcomeNotice => Action::ViewOutcomeNotice,
        CasePart::Evidence => Action::ViewEvidence,
        CasePart::Title => Action::ViewCaseContent,
    }
}

impl Docket {
    /// Runs `cmd` as `who`, after the gate. Intake is asked of the organisation, everything
    /// else of the case it names.
    pub async fn execute_as(
        &self,
        case_id: &CaseId,
        cmd: Command,
        who: &Principal,
        now: Timestamp,
    ) -> Result<Case, ServiceError> {
        let state = self.load_case(case_id).await?;
        let target = match (&state, &cmd) {
            (_, Command::ReceiveComplaint { .. }) => Target::Organisation,
            (Some(case), _) => Target::Case(case),
            (None, _) => return Err(ServiceError::NotFound(case_id.clone())),
        };
        self.authorize(who, Action::of(&cmd), target, now).await?;
        self.check_drawn(case_id, &cmd).await?;
        // An officeholder's request was just written into the case's contact register, so
        // the case has moved on from the state loaded above.
        let state = if who.has(Role::Officeholder) && state.is_some() {
            self.load_case(case_id).await?
        } else {
            state
        };
        let (mut case, mut append) = self.prepare(state.as_ref(), &cmd, &who.person, now)?;
        // Only once the rules pass is a disclosed file opened to make the party's copy.
        let cmd = if matches!(cmd, Command::DiscloseEvidence { .. }) {
            let cmd = self.with_party_copy(state.as_ref(), cmd).await?;
            (case, append) = self.prepare(state.as_ref(), &cmd, &who.person, now)?;
            cmd
        } else {
            cmd
        };
        // After the process rules, so a closed case says so rather than that no file came.
        self.check_evidence_stored(Some(case_id), &cmd).await?;
        self.commit_case(&case, append).await?;
        Ok(case)
    }

    /// Opens `part` of a case as `who`: the gate first, then the view is recorded, then the
    /// case is returned. Nobody reads a case without it showing.
    pub async fn open_case(
        &self,
        id: &CaseId,
        who: &Principal,
        part: CasePart,
        now: Timestamp,
    ) -> Result<Case, ServiceError> {
        Ok(self.open_case_asking(id, who, part, &[], now).await?.0)
    }

    /// `open_case`, also saying whether `who` may do each of `also` on the case, asked
    /// without recording anything: for leaving out parts of an answer (the complainant's
    /// identity) that were not asked for. The case is described to the policy once for all.
    pub async fn open_case_asking(
        &self,
        id: &CaseId,
        who: &Principal,
        part: CasePart,
        also: &[Action],
        now: Timestamp,
    ) -> Result<(Case, Vec<bool>), ServiceError> {
        let case = self
            .load_case(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(id.clone()))?;
        let target = Target::Case(&case);
        let (decision, answers) = {
            let mut asking = self.asking(who, target);
            let decision = asking.decide(read_action(part));
            let answers: Vec<bool> = also.iter().map(|a| asking.decide(*a).allowed).collect();
            (decision, answers)
        };
        self.enforce(who, read_action(part), target, decision, now)
            .await?;
        self.record_view(id, &who.person, part, now).await?;
        Ok((case, answers))
    }
}

/// Decisions about one principal and target: each taken from those kept when it can be, and
/// otherwise put to the policy, with the principal and target described to it at most once.
struct Asking<'d, 't> {
    docket: &'d Docket,
    who: &'t Principal,
    target: Target<'t>,
    described: Option<Prepared<'d>>,
}

impl Asking<'_, '_> {
    fn decide(&mut self, action: Action) -> Decision {
        let asked = match self.target {
            Target::Case(case) => Some(Asked {
                who: self.who.clone(),
                action,
                case: case.id.clone(),
                version: case.version,
            }),
            Target::Organisation => None,
        };
        if let Some(kept) = asked.as_ref().and_then(|a| self.docket.decisions.get(a)) {
            return kept;
        }
        let (policy, who, target) = (&self.docket.policy, self.who, self.target);
        let described = self.described.get_or_insert_with(|| match target {
            Target::Organisation => policy.prepare(who, &Resource::Organisation),
            Target::Case(case) => policy.prepare(who, &Resource::Case(&CaseFacts::of(case))),
        });
        let decision = described.authorize(action);
        if let Some(asked) = asked {
            self.docket.decisions.keep(asked, &decision);
        }
        decision
    }
}
