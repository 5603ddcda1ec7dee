//! `decide`: judges a command against the case's state and the rule book, and either returns
//! the events that record it or refuses, naming the rule broken. Pure: time, actor and rules
//! all come in as arguments.

use crate::calendar::Calendar;
use crate::case::{Case, day_of};
use crate::command::{Command, Complainant, Party};
use crate::event::CaseEvent;
use crate::function::Function;
use crate::ids::PersonId;
use crate::measure::{MeasureKind, check_review_date};
use crate::rule::{Rule, Violation};
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::Timestamp;
use jiff::civil::Date;

/// Everything a decision depends on besides the case: who asks, when, under which rules.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub actor: &'a PersonId,
    pub now: Timestamp,
    pub rules: &'a RuleBook,
    pub calendar: &'a Calendar,
}

impl Context<'_> {
    pub fn today(&self) -> Date {
        day_of(self.now)
    }
}

mod checks;

use checks::*;

/// Decides a command. `state` is None only for a case that does not exist yet.
pub fn decide(
    state: Option<&Case>,
    cmd: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, Violation> {
    let case = match (state, cmd) {
        (None, Command::ReceiveComplaint { .. }) => return receive(cmd, ctx),
        (None, _) => {
            return Err(Violation::new(
                Rule::StageOrder,
                format!("{} needs an existing case", cmd.name()),
            ));
        }
        (Some(c), _) => c,
    };
    // Declaring is the one thing a conflicted person may still do.
    if !matches!(cmd, Command::DeclareConflict { .. })
        && let Some(c) = case.conflict_of(ctx.actor)
    {
        return Err(Violation::new(
            Rule::ConflictOfInterest,
            format!(
                "{} declared a conflict of interest in this case on {}, so may not act on it (asked to {})",
                ctx.actor,
                day_of(c.declared_at),
                cmd.name()
            ),
        ));
    }
    let today = ctx.today();
    let event = match cmd {
        Command::ReceiveComplaint { .. } => {
            return Err(Violation::new(
                Rule::CaseAlreadyExists,
                format!("a case with reference {} already exists", case.id),
            ));
        }
        Command::Acknowledge => {
            require_stage(cmd, case, &[Stage::Received])?;
            CaseEvent::Acknowledged
        }
        Command::Assess {
            category,
            assessment,
        } => {
            require_stage(cmd, case, &[Stage::Acknowledged])?;
            let category = category.clone().unwrap_or_else(|| case.category.clone());
            check_category(ctx.rules, &category)?;
            CaseEvent::Assessed {
                category,
                assessment: assessment.clone(),
            }
        }
        Command::Dismiss { reasons } => {
            require_stage(cmd, case, &[Stage::Assessed])?;
            CaseEvent::Dismissed {
                reasons: reasons.clone(),
            }
        }
        Command::StartInformalResolution { reasons } => {
            require_stage(cmd, case, &[Stage::Assessed])?;
            CaseEvent::InformalResolutionStarted {
                reasons: reasons.clone(),
            }
        }
        Command::ResolveInformally { outcome } => {
            require_stage(cmd, case, &[Stage::InformalResolution])?;
            CaseEvent::ResolvedInformally {
                outcome: outcome.clone(),
            }
        }
        Command::Escalate {
            reasons,
            investigator,
        } => {
            require_stage(cmd, case, &[Stage::InformalResolution])?;
            case.check_assignable(investigator, Function::Investigator)?;
            CaseEvent::Escalated {
                reasons: reasons.clone(),
                investigator: investigator.clone(),
            }
        }
        Command::OpenInvestigation {
            investigator,
            terms,
        } => {
            require_stage(cmd, case, &[Stage::Assessed])?;
            case.check_assignable(investigator, Function::Investigator)?;
            CaseEvent::InvestigationOpened {
                investigator: investigator.clone(),
                terms: terms.clone(),
            }
        }
        Command::SubmitDraftReport { summary } => {
            require_stage(cmd, case, &[Stage::Investigation])?;
            require_holder(
                case,
                ctx.actor,
                Function::Investigator,
                "the case's investigator",
            )?;
            CaseEvent::DraftReportSubmitted {
                summary: summary.clone(),
            }
        }
        Command::StartAccuracyCheck => {
            require_stage(cmd, case, &[Stage::DraftReport])?;
            CaseEvent::AccuracyCheckStarted
        }
        Command::DecideNoFurtherAction { reasons } => {
            require_stage(cmd, case, &[Stage::AccuracyCheck])?;
            case.check_assignable(ctx.actor, Function::ChargingDecision)?;
            CaseEvent::NoFurtherActionDecided {
                decided_by: ctx.actor.clone(),
                reasons: reasons.clone(),
            }
        }
        Command::Charge { charges } => {
            require_stage(cmd, case, &[Stage::AccuracyCheck])?;
            case.check_assignable(ctx.actor, Function::ChargingDecision)?;
            CaseEvent::Charged {
                decided_by: ctx.actor.clone(),
                charges: lay_charges(charges, ctx)?,
            }
        }
        Command::ScheduleHearing {
            panel,
            date,
            venue,
            draw,
        } => {
            require_stage(cmd, case, &[Stage::Charged])?;
            // A draw is checked first: if the panel is not its draw's, that is the news.
            check_draw(case, panel, draw.as_ref(), Function::HearingPanel, today)?;
            check_panel(
                case,
                panel,
                ctx.rules.panels.hearing,
                Function::HearingPanel,
            )?;
            if *date < today {
                return Err(Violation::invalid(
                    "date",
                    format!("the hearing date {date} is in the past"),
                ));
            }
            CaseEvent::HearingScheduled {
                panel: panel.clone(),
                date: *date,
                venue: venue.clone(),
                draw: draw.clone(),
            }
        }
        Command::RecordDecision { findings, sanction } => {
            require_stage(cmd, case, &[Stage::Hearing])?;
            require_holder(
                case,
                ctx.actor,
                Function::HearingPanel,
                "a member of the hearing panel",
            )?;
            if let Some(h) = &case.hearing
                && h.date > today
            {
                return Err(Violation::new(
                    Rule::HearingNotYetHeld,
                    format!(
                        "the hearing is set for {}; a decision can only follow it",
                        h.date
                    ),
                ));
            }
            check_findings(case, findings)?;
            check_sanction(sanction, findings.iter().any(|f| f.proven), ctx)?;
            CaseEvent::DecisionRecorded {
                findings: findings.clone(),
                sanction: sanction.clone(),
            }
        }
        Command::RequestIndependentReview { reviewer, draw } => {
            require_stage(cmd, case, &[Stage::Decided])?;
            check_draw(
                case,
                std::slice::from_ref(reviewer),
                draw.as_ref(),
                Function::IndependentReviewer,
                today,
            )?;
            if case.decision.as_ref().is_some_and(|d| d.verified) {
                return Err(Violation::new(
                    Rule::StageOrder,
                    "this decision has already been verified by an independent reviewer",
                ));
            }
            case.check_assignable(reviewer, Function::IndependentReviewer)?;
            if let Some(existing) = case.functions.holder(Function::IndependentReviewer)
                && existing != reviewer
            {
                return Err(Violation::new(
                    Rule::SeparationOfFunctions,
                    format!("the case already has an independent reviewer ({existing})"),
                ));
            }
            CaseEvent::IndependentReviewRequested {
                reviewer: reviewer.clone(),
                draw: draw.clone(),
            }
        }
        Command::RecordReview { verdict, reasons } => {
            require_stage(cmd, case, &[Stage::IndependentReview])?;
            require_holder(
                case,
                ctx.actor,
                Function::IndependentReviewer,
                "the case's independent reviewer",
            )?;
            CaseEvent::ReviewRecorded {
                verdict: *verdict,
                reasons: reasons.clone(),
            }
        }
        Command::NotifyOutcome => {
            require_stage(cmd, case, &[Stage::Decided])?;
            let needs_review = ctx
                .rules
                .category(&case.category)
                .is_some_and(|c| c.independent_review);
            if needs_review && !case.decision.as_ref().is_some_and(|d| d.verified) {
                return Err(Violation::new(
                    Rule::IndependentReviewRequired,
                    format!(
                        "decisions in the category '{}' need an independent reviewer's verification before the outcome is issued",
                        case.category
                    ),
                ));
            }
            let window = ctx
                .rules
                .time_limits
                .for_stage(Stage::AppealWindow)
                .unwrap_or(crate::calendar::WorkingDays(0));
            CaseEvent::OutcomeNotified {
                appeal_deadline: ctx.calendar.add_working_days(today, window),
            }
        }
        Command::LodgeAppeal { grounds } => {
            require_stage(cmd, case, &[Stage::AppealWindow])?;
            if let Some(deadline) = case.appeal_deadline
                && today > deadline
            {
                return Err(Violation::new(
                    Rule::AppealWindowClosed,
                    format!(
                        "the appeal window closed on {deadline} ({} working days after the outcome notice); an appeal can no longer be lodged",
                        ctx.rules
                            .time_limits
                            .for_stage(Stage::AppealWindow)
                            .map(|w| w.0)
                            .unwrap_or(0)
                    ),
                ));
            }
            CaseEvent::AppealLodged {
                grounds: grounds.clone(),
            }
        }
        Command::ConveneAppealPanel { panel, draw } => {
            require_stage(cmd, case, &[Stage::Appeal])?;
            if !case.functions.members(Function::AppealPanel).is_empty() {
                return Err(Violation::new(
                    Rule::StageOrder,
                    "an appeal panel has already been convened for this appeal",
                ));
            }
            check_draw(case, panel, draw.as_ref(), Function::AppealPanel, today)?;
            check_panel(case, panel, ctx.rules.panels.appeal, Function::AppealPanel)?;
            CaseEvent::AppealPanelConvened {
                panel: panel.clone(),
                draw: draw.clone(),
            }
        }
        Command::DecideAppeal {
            upheld,
            reasons,
            substitute_sanction,
        } => {
            require_stage(cmd, case, &[Stage::Appeal])?;
            require_holder(
                case,
                ctx.actor,
                Function::AppealPanel,
                "a member of the appeal panel",
            )?;
            let original = case.decision.as_ref().and_then(|d| d.sanction.clone());
            let final_sanction = if *upheld {
                if let Some(s) = substitute_sanction {
                    s.validate(ctx.rules, today)?;
                }
                substitute_sanction.clone()
            } else {
                if substitute_sanction.is_some() {
                    return Err(Violation::invalid(
                        "substitute_sanction",
                        "a dismissed appeal leaves the original sanction in place",
                    ));
                }
                original
            };
            CaseEvent::AppealDecided {
                upheld: *upheld,
                reasons: reasons.clone(),
                final_sanction,
            }
        }
        Command::Finalise => {
            require_stage(cmd, case, &[Stage::AppealWindow])?;
            if let Some(deadline) = case.appeal_deadline
                && today <= deadline
            {
                return Err(Violation::new(
                    Rule::AppealWindowOpen,
                    format!(
                        "the appeal window is open until {deadline}; the case can be made final after that"
                    ),
                ));
            }
            CaseEvent::Finalised
        }
        Command::ActivateSanction => {
            require_stage(cmd, case, &[Stage::Final])?;
            let Some(choice) = case
                .final_sanction
                .as_ref()
                .filter(|s| !s.is_no_further_action())
            else {
                return Err(Violation::new(
                    Rule::NoSanctionToActivate,
                    "the final outcome has no sanction to put into effect",
                ));
            };
            let kind = choice.kind(ctx.rules)?;
            CaseEvent::SanctionActivated {
                live_from: today,
                live_until: choice.live_until(kind, today),
            }
        }
        Command::ExpireSanction => {
            require_stage(cmd, case, &[Stage::SanctionLive])?;
            match case.sanction_live {
                Some((_, Some(until))) if until <= today => CaseEvent::SanctionExpired,
                Some((_, Some(until))) => {
                    return Err(Violation::new(
                        Rule::SanctionStillLive,
                        format!("the sanction is live until {until}"),
                    ));
                }
                _ => {
                    return Err(Violation::new(
                        Rule::SanctionStillLive,
                        "this sanction has no end date, so it does not expire",
                    ));
                }
            }
        }
        Command::Withdraw { reasons } => {
            require_open(cmd, case)?;
            CaseEvent::Withdrawn {
                reasons: reasons.clone(),
            }
        }
        Command::Merge { into, reasons } => {
            require_open(cmd, case)?;
            if *into == case.id {
                return Err(Violation::new(
                    Rule::CaseMergedIntoItself,
                    "a case cannot be merged into itself",
                ));
            }
            CaseEvent::Merged {
                into: into.clone(),
                reasons: reasons.clone(),
            }
        }
        Command::RecordResignation { note } => {
            require_open(cmd, case)?;
            CaseEvent::RespondentResigned {
                stage_reached: case.stage,
                note: note.clone(),
            }
        }
        Command::Reopen { reasons } => {
            require_stage(cmd, case, &[Stage::RespondentResigned])?;
            CaseEvent::Reopened {
                stage: case.resigned_at_stage.unwrap_or(Stage::Received),
                reasons: reasons.clone(),
            }
        }
        Command::ImposeSuspension {
            scope,
            reasons,
            review_date,
        } => {
            require_open(cmd, case)?;
            if scope.is_empty() {
                return Err(Violation::invalid(
                    "scope",
                    "name at least one right the suspension removes",
                ));
            }
            if case
                .active_measures()
                .any(|m| matches!(m.kind, MeasureKind::AdministrativeSuspension { .. }))
            {
                return Err(Violation::new(
                    Rule::MeasureAlreadyActive,
                    "an administrative suspension is already in force on this case; review it instead",
                ));
            }
            let review_date = check_review_date(*review_date, today, ctx.rules, ctx.calendar)?;
            let mut scope = scope.clone();
            scope.dedup();
            CaseEvent::MeasureImposed {
                number: next_measure(case),
                kind: MeasureKind::AdministrativeSuspension { scope },
                reasons: reasons.clone(),
                review_date,
            }
        }
        Command::RecordLeaderInstruction { instruction } => {
            require_open(cmd, case)?;
            require_elected(case)?;
            CaseEvent::LeaderInstructionRecorded {
                number: case.leader_instructions.len() as u32 + 1,
                instruction: instruction.clone(),
            }
        }
        Command::WithdrawWhip {
            instruction,
            reasons,
            review_date,
        } => {
            require_open(cmd, case)?;
            require_elected(case)?;
            if case
                .active_measures()
                .any(|m| matches!(m.kind, MeasureKind::WhipWithdrawal { .. }))
            {
                return Err(Violation::new(
                    Rule::MeasureAlreadyActive,
                    "the whip is already withdrawn on this case; review that measure instead",
                ));
            }
            let number = whip_instruction(case, *instruction, ctx)?;
            let review_date = check_review_date(*review_date, today, ctx.rules, ctx.calendar)?;
            CaseEvent::MeasureImposed {
                number: next_measure(case),
                kind: MeasureKind::WhipWithdrawal {
                    instruction: number,
                },
                reasons: reasons.clone(),
                review_date,
            }
        }
        Command::ReviewMeasure {
            measure,
            reasons,
            next_review,
        } => {
            require_open(cmd, case)?;
            active_measure(case, *measure)?;
            let next_review = check_review_date(*next_review, today, ctx.rules, ctx.calendar)?;
            CaseEvent::MeasureReviewed {
                number: *measure,
                reasons: reasons.clone(),
                next_review,
            }
        }
        Command::LiftMeasure { measure, reasons } => {
            // Lifting stays possible after closure: a case must never leave a measure behind.
            active_measure(case, *measure)?;
            CaseEvent::MeasureLifted {
                number: *measure,
                reasons: reasons.clone(),
            }
        }
        Command::RecordContact { contact } => {
            if contact.occurred_on > today {
                return Err(Violation::invalid(
                    "occurred_on",
                    format!("the contact date {} is in the future", contact.occurred_on),
                ));
            }
            CaseEvent::ContactRecorded {
                contact: contact.clone(),
            }
        }
        Command::DeclareConflict { person, interest } => {
            if case.conflict_of(person).is_some() {
                return Err(Violation::invalid(
                    "person",
                    format!("{person} has already declared a conflict in this case"),
                ));
            }
            CaseEvent::ConflictDeclared {
                person: person.clone(),
                interest: interest.clone(),
            }
        }
        Command::DiscloseComplainantIdentity { reasons } => {
            if matches!(case.complainant, Complainant::Anonymous) {
                return Err(Violation::new(
                    Rule::AnonymousComplainant,
                    "the complaint was made anonymously, so there is no complainant identity to disclose",
                ));
            }
            if case.complainant_identity_disclosed {
                return Err(Violation::new(
                    Rule::AlreadyDisclosed,
                    "the complainant's identity has already been disclosed to the respondent",
                ));
            }
            CaseEvent::ComplainantIdentityDisclosed {
                reasons: reasons.clone(),
            }
        }
        Command::SubmitResponse {
            response,
            companion,
        } => {
            // The respondent answers once told of the complaint, until the case closes.
            let answerable: Vec<Stage> = Stage::ALL
                .into_iter()
                .filter(|s| s.is_open() && *s != Stage::Received)
                .collect();
            require_stage(cmd, case, &answerable)?;
            CaseEvent::ResponseSubmitted {
                response: response.clone(),
                companion: companion.clone(),
            }
        }
        Command::SendMessage { to, body } => {
            if *to == Party::Complainant
                && matches!(case.complainant, Complainant::ThirdParty { .. })
            {
                return Err(Violation::new(
                    Rule::ThirdPartyAcknowledgedOnly,
                    "the complaint came from a third party, who is acknowledged but not kept informed, so there is no complainant to write to",
                ));
            }
            CaseEvent::MessageSent {
                to: *to,
                body: body.clone(),
            }
        }
        Command::ComplainantReply { body } => {
            require_open(cmd, case)?;
            CaseEvent::ComplainantReplied { body: body.clone() }
        }
        Command::RespondentReply { body } => {
            require_open(cmd, case)?;
            CaseEvent::RespondentReplied { body: body.clone() }
        }
        Command::AddEvidence {
            sha256,
            filename,
            media_type,
            size,
            redaction_of,
        } => {
            require_open(cmd, case)?;
            let mut item = new_evidence(case, sha256, filename, media_type, *size)?;
            if let Some(r) = redaction_of {
                redactable(case, r.original)?;
                item.redaction_of = Some(r.clone());
            }
            CaseEvent::EvidenceAdded { item }
        }
        Command::PauseClock { reasons } => {
            require_open(cmd, case)?;
            pausable(case)?;
            CaseEvent::ClockPaused {
                reasons: reasons.clone(),
            }
        }
        Command::ResumeClock => {
            if case.paused().is_none() {
                return Err(Violation::new(
                    Rule::ClockNotPaused,
                    "the stage clock is running: only a stopped clock can be restarted",
                ));
            }
            CaseEvent::ClockResumed
        }
        Command::DiscloseEvidence {
            item,
            to,
            reasons,
            copy,
        } => {
            require_open(cmd, case)?;
            disclosure(case, *item, *to)?;
            CaseEvent::EvidenceDisclosed {
                item: *item,
                to: *to,
                reasons: reasons.clone(),
                copy: copy.clone(),
            }
        }
    };
    Ok(vec![event])
}
