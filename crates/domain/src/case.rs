//! A case's state, folded from its events by `apply`. The state holds everything `decide`
//! needs to judge the next command, and nothing that isn't derived from events.

use crate::charge::{Charge, Finding};
use crate::clock::Pause;
use crate::command::{Complainant, Party, Respondent, ReviewVerdict};
use crate::contact::Contact;
use crate::event::CaseEvent;
use crate::evidence::Evidence;
use crate::function::{Function, Functions};
use crate::ids::{CaseId, PersonId, Text};
use crate::measure::{LeaderInstruction, Measure, MeasureReview};
use crate::notice::IssuedNotice;
use crate::rule::{Rule, Violation};
use crate::sanction::SanctionChoice;
use crate::stage::Stage;
use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};

/// The organisation's day for a moment in time. Docket counts days in UTC: the domain has no
/// time-zone database (that would be I/O), and a day's shift around midnight never moves a
/// clock by more than one working day.
pub fn day_of(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hearing {
    pub date: Date,
    pub venue: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Decision {
    pub decided_at: Timestamp,
    pub findings: Vec<Finding>,
    pub sanction: Option<SanctionChoice>,
    /// Set once an independent reviewer verified it.
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Appeal {
    pub lodged_at: Timestamp,
    pub grounds: Text,
    pub upheld: Option<bool>,
    pub reasons: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageChange {
    pub stage: Stage,
    pub at: Timestamp,
    pub by: PersonId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    /// Number of events applied; the optimistic-concurrency token.
    pub version: u64,
    pub stage: Stage,
    pub stage_entered: Timestamp,
    pub received_at: Timestamp,
    pub complainant: Complainant,
    pub respondent: Respondent,
    pub category: String,
    pub conduct_date: Date,
    pub summary: Text,
    pub narrative: Text,
    pub assessment: Option<Text>,
    pub functions: Functions,
    pub charges: Vec<Charge>,
    pub hearing: Option<Hearing>,
    pub decision: Option<Decision>,
    pub review_vetoes: u32,
    pub appeal_deadline: Option<Date>,
    pub appeal: Option<Appeal>,
    /// The sanction in force once the case is final (after any appeal).
    pub final_sanction: Option<SanctionChoice>,
    pub sanction_live: Option<(Date, Option<Date>)>,
    pub measures: Vec<Measure>,
    pub leader_instructions: Vec<LeaderInstruction>,
    pub contacts: Vec<(Timestamp, PersonId, Contact)>,
    /// Conflicts of interest declared in this case: these people may not act on it.
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Whether the respondent has been told who complained (see `DiscloseComplainantIdentity`).
    #[serde(default)]
    pub complainant_identity_disclosed: bool,
    /// The respondent's submissions, oldest first.
    #[serde(default)]
    pub responses: Vec<(Timestamp, Text)>,
    /// The companion the respondent last named, if any.
    #[serde(default)]
    pub companion: Option<Text>,
    /// Correspondence between staff and the parties, oldest first.
    #[serde(default)]
    pub messages: Vec<Message>,
    /// Evidence files, in order of arrival (item n is at index n - 1).
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// Every time the stage clock was stopped, oldest first; the last may still be running.
    #[serde(default)]
    pub pauses: Vec<Pause>,
    /// The investigation's terms of reference, once one is opened.
    #[serde(default)]
    pub investigation_terms: Option<Text>,
    /// Every notice issued on the case, in order (notice n is at index n - 1).
    #[serde(default)]
    pub notices: Vec<IssuedNotice>,
    /// The keys of what the schedule has done on the case (see `schedule::key`).
    #[serde(default)]
    pub scheduled: Vec<String>,
    /// What the schedule escalated to oversight, and when: metadata, not content.
    #[serde(default)]
    pub escalations: Vec<crate::schedule::Escalation>,
    /// Reasons recorded when the case closed or changed course (dismissal, NFA, withdrawal…).
    pub closing_reasons: Option<Text>,
    pub merged_into: Option<CaseId>,
    pub resigned_at_stage: Option<Stage>,
    pub history: Vec<StageChange>,
}

/// One message in a case's correspondence with a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub at: Timestamp,
    pub by: PersonId,
    /// The party the conversation is with: only that party (and staff) read it.
    pub party: Party,
    /// Whether the party wrote it (true) or staff wrote to them (false).
    pub from_party: bool,
    pub body: Text,
}

/// A declared conflict of interest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Conflict {
    pub person: PersonId,
    pub interest: Text,
    pub declared_at: Timestamp,
    pub recorded_by: PersonId,
}

/// An event that cannot follow the state it was applied to: the stored log is corrupt or was
/// written by a newer version of the rules. Replays stop rather than guess.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {kind} cannot be applied to {state}")]
pub struct ReplayError {
    pub kind: String,
    pub state: String,
}

impl Case {
    /// The declaration that bars `person` from this case, if any.
    pub fn conflict_of(&self, person: &PersonId) -> Option<&Conflict> {
        self.conflicts.iter().find(|c| &c.person == person)
    }

    /// Everyone barred by a declared conflict (what a panel draw passes over).
    pub fn conflicted(&self) -> std::collections::BTreeSet<PersonId> {
        self.conflicts.iter().map(|c| c.person.clone()).collect()
    }

    /// Refuses to give `person` the function `wanted`: not if they declared a conflict, nor
    /// if they already hold a different function in the case.
    pub fn check_assignable(&self, person: &PersonId, wanted: Function) -> Result<(), Violation> {
        if let Some(c) = self.conflict_of(person) {
            return Err(Violation::new(
                Rule::ConflictOfInterest,
                format!(
                    "{person} may not be {} in this case: they declared a conflict of interest on {}",
                    wanted.as_str().replace('_', " "),
                    day_of(c.declared_at)
                ),
            ));
        }
        self.functions.check(person, wanted)
    }

    pub fn is_open(&self) -> bool {
        self.stage.is_open()
    }

    /// The stage clock's current pause, if it is stopped.
    pub fn paused(&self) -> Option<&Pause> {
        self.pauses.last().filter(|p| p.until.is_none())
    }

    pub fn active_measures(&self) -> impl Iterator<Item = &Measure> {
        self.measures.iter().filter(|m| m.is_active())
    }

    fn enter(&mut self, stage: Stage, at: Timestamp, by: &PersonId) {
        self.stage = stage;
        self.stage_entered = at;
        self.history.push(StageChange {
            stage,
            at,
            by: by.clone(),
        });
    }

    fn measure_mut(&mut self, number: u32) -> Option<&mut Measure> {
        self.measures.iter_mut().find(|m| m.number == number)
    }
}

/// Folds one event into the state. `at` and `actor` come from the event's envelope.
pub fn apply(
    state: Option<Case>,
    event: &CaseEvent,
    at: Timestamp,
    actor: &PersonId,
) -> Result<Case, ReplayError> {
    match (state, event) {
        (None, CaseEvent::ComplaintReceived { .. }) => Case::opened(event, at, actor),
        (None, _) => Err(ReplayError {
            kind: event.kind(),
            state: "no case".into(),
        }),
        (Some(mut c), _) => {
            c.fold(event, at, actor)?;
            Ok(c)
        }
    }
}

impl Case {
    /// Empties the words no later event reads and no figure uses: notices' bodies, the
    /// correspondence, the complaint's own words. Computing figures from the raw log keeps
    /// every case folded in memory at once, and these are most of each case's size. A case
    /// shed of them folds on exactly as before (the fold only appends to them or finds
    /// entries by number); it is not for showing to anyone.
    pub fn shed_texts(&mut self) {
        let shed = |t: &mut Text| {
            if t.as_str() != "-" {
                *t = Text::parse("-").unwrap_or_else(|_| t.clone());
            }
        };
        for n in &mut self.notices {
            n.subject = String::new();
            n.text = String::new();
            n.html = String::new();
        }
        for m in &mut self.messages {
            shed(&mut m.body);
        }
        for (_, r) in &mut self.responses {
            shed(r);
        }
        shed(&mut self.summary);
        shed(&mut self.narrative);
    }

    fn opened(event: &CaseEvent, at: Timestamp, actor: &PersonId) -> Result<Case, ReplayError> {
        let CaseEvent::ComplaintReceived {
            id,
            complainant,
            respondent,
            category,
            conduct_date,
            summary,
            narrative,
        } = event
        else {
            return Err(ReplayError {
                kind: event.kind(),
                state: "no case".into(),
            });
        };
        Ok(Case {
            id: id.clone(),
            version: 1,
            stage: Stage::Received,
            stage_entered: at,
            received_at: at,
            complainant: complainant.clone(),
            respondent: respondent.clone(),
            category: category.clone(),
            conduct_date: *conduct_date,
            summary: summary.clone(),
            narrative: narrative.clone(),
            assessment: None,
            functions: Functions::default(),
            charges: vec![],
            hearing: None,
            decision: None,
            review_vetoes: 0,
            appeal_deadline: None,
            appeal: None,
            final_sanction: None,
            sanction_live: None,
            measures: vec![],
            leader_instructions: vec![],
            contacts: vec![],
            conflicts: vec![],
            complainant_identity_disclosed: false,
            responses: vec![],
            companion: None,
            messages: vec![],
            evidence: vec![],
            pauses: vec![],
            investigation_terms: None,
            notices: vec![],
            scheduled: vec![],
            escalations: vec![],
            closing_reasons: None,
            merged_into: None,
            resigned_at_stage: None,
            history: vec![StageChange {
                stage: Stage::Received,
                at,
                by: actor.clone(),
            }],
        })
    }

    fn fold(
        &mut self,
        event: &CaseEvent,
        at: Timestamp,
        actor: &PersonId,
    ) -> Result<(), ReplayError> {
        let mismatch = |c: &Case| ReplayError {
            kind: event.kind(),
            state: format!("a case at stage {}", c.stage),
        };
        let c = self;
        c.version += 1;
        match event {
            CaseEvent::ComplaintReceived { .. } => return Err(mismatch(c)),
            CaseEvent::Acknowledged => c.enter(Stage::Acknowledged, at, actor),
            CaseEvent::Assessed {
                category,
                assessment,
            } => {
                c.category = category.clone();
                c.assessment = Some(assessment.clone());
                c.enter(Stage::Assessed, at, actor);
            }
            CaseEvent::Dismissed { reasons } => {
                c.closing_reasons = Some(reasons.clone());
                c.enter(Stage::Dismissed, at, actor);
            }
            CaseEvent::InformalResolutionStarted { .. } => {
                c.enter(Stage::InformalResolution, at, actor)
            }
            CaseEvent::ResolvedInformally { outcome } => {
                c.closing_reasons = Some(outcome.clone());
                c.enter(Stage::Resolved, at, actor);
            }
            CaseEvent::Escalated {
                investigator,
                reasons: terms,
            }
            | CaseEvent::InvestigationOpened {
                investigator,
                terms,
            } => {
                c.investigation_terms = Some(terms.clone());
                c.functions
                    .assign(investigator.clone(), Function::Investigator);
                c.enter(Stage::Investigation, at, actor);
            }
            CaseEvent::DraftReportSubmitted { .. } => c.enter(Stage::DraftReport, at, actor),
            CaseEvent::AccuracyCheckStarted => c.enter(Stage::AccuracyCheck, at, actor),
            CaseEvent::NoFurtherActionDecided {
                decided_by,
                reasons,
            } => {
                c.functions
                    .assign(decided_by.clone(), Function::ChargingDecision);
                c.closing_reasons = Some(reasons.clone());
                c.enter(Stage::NoFurtherAction, at, actor);
            }
            CaseEvent::Charged {
                decided_by,
                charges,
            } => {
                c.functions
                    .assign(decided_by.clone(), Function::ChargingDecision);
                c.charges = charges.clone();
                c.enter(Stage::Charged, at, actor);
            }
            CaseEvent::HearingScheduled {
                panel, date, venue, ..
            } => {
                for p in panel {
                    c.functions.assign(p.clone(), Function::HearingPanel);
                }
                c.hearing = Some(Hearing {
                    date: *date,
                    venue: venue.clone(),
                });
                c.enter(Stage::Hearing, at, actor);
            }
            CaseEvent::DecisionRecorded { findings, sanction } => {
                c.decision = Some(Decision {
                    decided_at: at,
                    findings: findings.clone(),
                    sanction: sanction.clone(),
                    verified: false,
                });
                c.enter(Stage::Decided, at, actor);
            }
            CaseEvent::IndependentReviewRequested { reviewer, .. } => {
                c.functions
                    .assign(reviewer.clone(), Function::IndependentReviewer);
                c.enter(Stage::IndependentReview, at, actor);
            }
            CaseEvent::ReviewRecorded { verdict, .. } => match verdict {
                ReviewVerdict::Verify => {
                    if let Some(d) = c.decision.as_mut() {
                        d.verified = true;
                    }
                    c.enter(Stage::Decided, at, actor);
                }
                ReviewVerdict::Veto => {
                    // A veto sends the charges to a new panel: the old panel stays on record so
                    // none of its members can sit again.
                    c.functions
                        .reassign_all(Function::HearingPanel, Function::VetoedPanel);
                    c.decision = None;
                    c.hearing = None;
                    c.review_vetoes += 1;
                    c.enter(Stage::Charged, at, actor);
                }
            },
            CaseEvent::OutcomeNotified { appeal_deadline } => {
                c.appeal_deadline = Some(*appeal_deadline);
                c.enter(Stage::AppealWindow, at, actor);
            }
            CaseEvent::AppealLodged { grounds } => {
                c.appeal = Some(Appeal {
                    lodged_at: at,
                    grounds: grounds.clone(),
                    upheld: None,
                    reasons: None,
                });
                c.enter(Stage::Appeal, at, actor);
            }
            CaseEvent::AppealPanelConvened { panel, .. } => {
                for p in panel {
                    c.functions.assign(p.clone(), Function::AppealPanel);
                }
            }
            CaseEvent::AppealDecided {
                upheld,
                reasons,
                final_sanction,
            } => {
                if let Some(a) = c.appeal.as_mut() {
                    a.upheld = Some(*upheld);
                    a.reasons = Some(reasons.clone());
                }
                c.final_sanction = final_sanction.clone();
                c.enter(Stage::Final, at, actor);
            }
            CaseEvent::Finalised => {
                c.final_sanction = c.decision.as_ref().and_then(|d| d.sanction.clone());
                c.enter(Stage::Final, at, actor);
            }
            CaseEvent::SanctionActivated {
                live_from,
                live_until,
            } => {
                c.sanction_live = Some((*live_from, *live_until));
                c.enter(Stage::SanctionLive, at, actor);
            }
            CaseEvent::SanctionExpired => c.enter(Stage::SanctionExpired, at, actor),
            CaseEvent::Withdrawn { reasons } => {
                c.closing_reasons = Some(reasons.clone());
                c.enter(Stage::Withdrawn, at, actor);
            }
            CaseEvent::Merged { into, reasons } => {
                c.merged_into = Some(into.clone());
                c.closing_reasons = Some(reasons.clone());
                c.enter(Stage::Merged, at, actor);
            }
            CaseEvent::RespondentResigned { stage_reached, .. } => {
                c.resigned_at_stage = Some(*stage_reached);
                c.enter(Stage::RespondentResigned, at, actor);
            }
            CaseEvent::Reopened { stage, .. } => {
                c.resigned_at_stage = None;
                c.enter(*stage, at, actor);
            }
            CaseEvent::MeasureImposed {
                number,
                kind,
                reasons,
                review_date,
            } => {
                if let crate::measure::MeasureKind::WhipWithdrawal { instruction } = kind
                    && let Some(i) = c
                        .leader_instructions
                        .iter_mut()
                        .find(|i| i.number == *instruction)
                {
                    i.used = true;
                }
                c.measures.push(Measure {
                    number: *number,
                    kind: kind.clone(),
                    reasons: reasons.clone(),
                    imposed_at: at,
                    imposed_by: actor.clone(),
                    review_date: *review_date,
                    reviews: vec![],
                    lifted: None,
                });
            }
            CaseEvent::LeaderInstructionRecorded {
                number,
                instruction,
            } => c.leader_instructions.push(LeaderInstruction {
                number: *number,
                by: actor.clone(),
                at,
                instruction: instruction.clone(),
                used: false,
            }),
            CaseEvent::MeasureReviewed {
                number,
                reasons,
                next_review,
            } => {
                let by = actor.clone();
                let Some(m) = c.measure_mut(*number) else {
                    return Err(mismatch(c));
                };
                m.reviews.push(MeasureReview {
                    at,
                    by,
                    reasons: reasons.clone(),
                    next_review: *next_review,
                });
                m.review_date = *next_review;
            }
            CaseEvent::MeasureLifted { number, reasons } => {
                let Some(m) = c.measure_mut(*number) else {
                    return Err(mismatch(c));
                };
                m.lifted = Some((at, reasons.clone()));
            }
            CaseEvent::ContactRecorded { contact } => {
                c.contacts.push((at, actor.clone(), contact.clone()))
            }
            CaseEvent::ConflictDeclared { person, interest } => c.conflicts.push(Conflict {
                person: person.clone(),
                interest: interest.clone(),
                declared_at: at,
                recorded_by: actor.clone(),
            }),
            CaseEvent::ComplainantIdentityDisclosed { .. } => {
                c.complainant_identity_disclosed = true
            }
            CaseEvent::ResponseSubmitted {
                response,
                companion,
            } => {
                c.responses.push((at, response.clone()));
                if companion.is_some() {
                    c.companion = companion.clone();
                }
            }
            CaseEvent::MessageSent { to, body } => c.messages.push(Message {
                at,
                by: actor.clone(),
                party: *to,
                from_party: false,
                body: body.clone(),
            }),
            CaseEvent::ComplainantReplied { body } | CaseEvent::RespondentReplied { body } => {
                let party = match event {
                    CaseEvent::ComplainantReplied { .. } => Party::Complainant,
                    _ => Party::Respondent,
                };
                c.messages.push(Message {
                    at,
                    by: actor.clone(),
                    party,
                    from_party: true,
                    body: body.clone(),
                })
            }
            CaseEvent::EvidenceAdded { item } => c.evidence.push(Evidence {
                item: item.clone(),
                added_at: at,
                added_by: actor.clone(),
                disclosed_to: Vec::new(),
                copies: Vec::new(),
            }),
            CaseEvent::NoticeIssued {
                number,
                kind,
                to,
                subject,
                text,
                html,
                sha256,
            } => c.notices.push(IssuedNotice {
                number: *number,
                kind: *kind,
                to: *to,
                subject: subject.clone(),
                text: text.clone(),
                html: html.clone(),
                sha256: sha256.clone(),
                issued_at: at,
                issued_by: actor.clone(),
                deliveries: Vec::new(),
            }),
            CaseEvent::NoticeDelivery {
                number,
                outcome,
                reason,
                attempts,
            } => {
                let notice = c
                    .notices
                    .iter_mut()
                    .find(|n| n.number == *number)
                    .ok_or_else(|| ReplayError {
                        kind: event.kind(),
                        state: format!("there is no notice {number}"),
                    })?;
                notice.deliveries.push(crate::notice::Delivery {
                    outcome: *outcome,
                    at,
                    reason: reason.clone(),
                    attempts: *attempts,
                });
            }
            CaseEvent::StageDueSoon { .. }
            | CaseEvent::StageOverdue { .. }
            | CaseEvent::MeasureUnreviewed { .. }
            | CaseEvent::UpdateDue { .. } => {
                if let Some(key) = crate::schedule::key(event) {
                    c.scheduled.push(key);
                }
                if let Some(what) = crate::schedule::escalation(event) {
                    c.escalations.push(crate::schedule::Escalation { at, what });
                }
            }
            CaseEvent::ClockPaused { reasons } => c.pauses.push(Pause {
                from: at,
                until: None,
                reasons: reasons.clone(),
                by: actor.clone(),
            }),
            CaseEvent::ClockResumed => match c.pauses.last_mut() {
                Some(p) if p.until.is_none() => p.until = Some(at),
                _ => return Err(mismatch(c)),
            },
            CaseEvent::EvidenceDisclosed { item, to, copy, .. } => {
                if let Some(e) = c.evidence.iter_mut().find(|e| e.item.number == *item) {
                    e.disclosed_to.push(*to);
                    if let Some(copy) = copy {
                        e.copies.push((*to, copy.clone()));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Replays a whole stream from the beginning.
pub fn replay<'a>(
    events: impl IntoIterator<Item = (&'a CaseEvent, Timestamp, &'a PersonId)>,
) -> Result<Option<Case>, ReplayError> {
    let mut state = None;
    for (e, at, actor) in events {
        state = Some(apply(state, e, at, actor)?);
    }
    Ok(state)
}
