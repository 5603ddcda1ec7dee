//! The checks `decide` makes, one function per rule, so the command match reads as the
//! process and each rule can be found by name.

use super::Context;
use crate::case::Case;
use crate::charge::Charge;
use crate::command::{Command, Complainant, Party};
use crate::draw::DrawInput;
use crate::event::CaseEvent;
use crate::function::Function;
use crate::ids::PersonId;
use crate::rule::{Rule, Violation};
use crate::rulebook::RuleBook;
use crate::sanction::SanctionChoice;
use crate::stage::Stage;
use jiff::civil::Date;

pub(super) fn wrong_stage(cmd: &Command, stage: Stage, allowed: &[Stage]) -> Violation {
    let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
    Violation::new(
        Rule::StageOrder,
        format!(
            "{} is not allowed when a case is at stage {stage}; the process allows it only at: {}",
            cmd.name(),
            allowed.join(", ")
        ),
    )
}

pub(super) fn require_stage(
    cmd: &Command,
    case: &Case,
    allowed: &[Stage],
) -> Result<(), Violation> {
    if allowed.contains(&case.stage) {
        Ok(())
    } else {
        Err(wrong_stage(cmd, case.stage, allowed))
    }
}

pub(super) fn require_open(cmd: &Command, case: &Case) -> Result<(), Violation> {
    if case.is_open() {
        Ok(())
    } else {
        Err(Violation::new(
            Rule::StageOrder,
            format!(
                "{} is only possible while a case is open; this case closed at stage {}",
                cmd.name(),
                case.stage
            ),
        ))
    }
}

pub(super) fn require_holder(
    case: &Case,
    actor: &PersonId,
    f: Function,
    what: &str,
) -> Result<(), Violation> {
    if case.functions.holds(actor, f) {
        Ok(())
    } else {
        Err(Violation::new(
            Rule::AssignedPersonOnly,
            format!("only {what} may do this, and {actor} is not"),
        ))
    }
}

/// Checks a panel: the right size, no one twice, nobody with another function in the case.
pub(super) fn check_panel(
    case: &Case,
    panel: &[PersonId],
    size: u8,
    f: Function,
) -> Result<(), Violation> {
    let name = if f == Function::AppealPanel {
        "an appeal panel"
    } else {
        "a hearing panel"
    };
    if panel.len() != usize::from(size) {
        return Err(Violation::new(
            Rule::PanelSize,
            format!(
                "the rule book requires {name} of {size}; {} were named",
                panel.len()
            ),
        ));
    }
    for (i, p) in panel.iter().enumerate() {
        if panel[..i].contains(p) {
            return Err(Violation::new(
                Rule::PanelSize,
                format!("{p} is named twice on {name}"),
            ));
        }
        case.check_assignable(p, f)?;
    }
    Ok(())
}

/// A panel said to be drawn must be exactly the panel its recorded draw gives, from a draw
/// that passed over everyone who has declared a conflict in the case, so the record proves
/// how the panel was chosen.
pub(super) fn check_draw(
    case: &Case,
    panel: &[PersonId],
    draw: Option<&DrawInput>,
    f: Function,
    today: Date,
) -> Result<(), Violation> {
    let Some(input) = draw else { return Ok(()) };
    if input.function != f {
        return Err(Violation::invalid(
            "draw",
            format!(
                "the draw was for {}, not {}",
                input.function.as_str(),
                f.as_str()
            ),
        ));
    }
    if input.on > today {
        return Err(Violation::invalid(
            "draw",
            format!("the draw is dated {}, after today", input.on),
        ));
    }
    let left_out: Vec<String> = case
        .conflicted()
        .difference(&input.conflicted)
        .map(|p| p.to_string())
        .collect();
    if !left_out.is_empty() {
        return Err(Violation::new(
            Rule::PanelDrawMismatch,
            format!(
                "the draw did not pass over the declared conflicts of {}",
                left_out.join(", ")
            ),
        ));
    }
    let drawn = crate::draw::draw(input, &case.functions)?.drawn;
    if drawn != panel {
        let names = |ps: &[PersonId]| {
            ps.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Violation::new(
            Rule::PanelDrawMismatch,
            format!(
                "the panel named ({}) is not the one its recorded draw gives ({})",
                names(panel),
                names(&drawn)
            ),
        ));
    }
    Ok(())
}

pub(super) fn check_category(rules: &RuleBook, code: &str) -> Result<(), Violation> {
    if rules.category(code).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = rules.categories.iter().map(|c| c.code.as_str()).collect();
    Err(Violation::new(
        Rule::UnknownCategory,
        format!(
            "'{code}' is not a complaint category in the rule book (categories: {})",
            known.join(", ")
        ),
    ))
}

pub(super) fn check_sanction(
    choice: &Option<SanctionChoice>,
    any_proven: bool,
    ctx: &Context<'_>,
) -> Result<(), Violation> {
    match choice {
        Some(s) => {
            s.validate(ctx.rules, ctx.today())?;
            if !any_proven && !s.is_no_further_action() {
                return Err(Violation::new(
                    Rule::SanctionNeedsProvenCharge,
                    "a sanction may only follow a charge found proven; no charge was",
                ));
            }
            Ok(())
        }
        None if any_proven => Err(Violation::new(
            Rule::SanctionRequired,
            "a charge was found proven, so the decision must choose a sanction from the menu (\"no_further_action\" is on it)",
        )),
        None => Ok(()),
    }
}

pub(super) fn receive(cmd: &Command, ctx: &Context<'_>) -> Result<Vec<CaseEvent>, Violation> {
    let Command::ReceiveComplaint {
        id,
        complainant,
        respondent,
        category,
        conduct_date,
        summary,
        narrative,
    } = cmd
    else {
        return Err(Violation::invalid("command", "expected a complaint"));
    };
    check_category(ctx.rules, category)?;
    if *conduct_date > ctx.today() {
        return Err(Violation::new(
            Rule::ConductDateInFuture,
            format!("the conduct date {conduct_date} is in the future"),
        ));
    }
    Ok(vec![CaseEvent::ComplaintReceived {
        id: id.clone(),
        complainant: complainant.clone(),
        respondent: respondent.clone(),
        category: category.clone(),
        conduct_date: *conduct_date,
        summary: summary.clone(),
        narrative: narrative.clone(),
    }])
}

pub(super) fn lay_charges(
    drafts: &[crate::charge::ChargeDraft],
    ctx: &Context<'_>,
) -> Result<Vec<Charge>, Violation> {
    if drafts.is_empty() {
        return Err(Violation::invalid("charges", "lay at least one charge"));
    }
    drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let n = i as u32 + 1;
            if d.conduct_date > ctx.today() {
                return Err(Violation::new(
                    Rule::ConductDateInFuture,
                    format!("charge {n}: the conduct date {} is in the future", d.conduct_date),
                ));
            }
            if ctx.rules.clause(&d.clause).is_none() {
                return Err(Violation::new(
                    Rule::UnknownClause,
                    format!("charge {n}: the rule book has no clause {}", d.clause),
                ));
            }
            let Some((_, version)) = ctx.rules.clause_as_worded(&d.clause, d.conduct_date) else {
                return Err(Violation::new(
                    Rule::ClauseNotInForce,
                    format!(
                        "charge {n}: clause {} was not in force on {}, the date of the conduct; a charge must cite the rule as it stood then",
                        d.clause, d.conduct_date
                    ),
                ));
            };
            Ok(Charge {
                number: n,
                clause: d.clause.clone(),
                clause_version: version.version,
                clause_text: version.text.clone(),
                conduct_date: d.conduct_date,
                particulars: d.particulars.clone(),
                evidence: d.evidence.clone(),
            })
        })
        .collect()
}

pub(super) fn check_findings(
    case: &Case,
    findings: &[crate::charge::Finding],
) -> Result<(), Violation> {
    for charge in &case.charges {
        let n = findings
            .iter()
            .filter(|f| f.charge == charge.number)
            .count();
        if n != 1 {
            return Err(Violation::new(
                Rule::FindingPerCharge,
                format!(
                    "the decision needs exactly one finding for charge {} (under clause {}); it has {n}",
                    charge.number, charge.clause
                ),
            ));
        }
    }
    if let Some(f) = findings
        .iter()
        .find(|f| !case.charges.iter().any(|c| c.number == f.charge))
    {
        return Err(Violation::new(
            Rule::FindingPerCharge,
            format!("there is no charge {} on this case", f.charge),
        ));
    }
    Ok(())
}

pub(super) fn next_measure(case: &Case) -> u32 {
    case.measures.len() as u32 + 1
}

pub(super) fn require_elected(case: &Case) -> Result<(), Violation> {
    if case.respondent.elected_office.is_some() {
        Ok(())
    } else {
        Err(Violation::new(
            Rule::WhipOnlyForElectedRepresentatives,
            format!(
                "{} holds no elected office, so there is no whip to withdraw",
                case.respondent.name
            ),
        ))
    }
}

/// The chief whip acts only on the leader's recorded, still unused instruction, and the two
/// are different people: the record must show who asked and who acted.
pub(super) fn whip_instruction(
    case: &Case,
    given: Option<u32>,
    ctx: &Context<'_>,
) -> Result<u32, Violation> {
    let needed = ctx.rules.interim_measures.whip_requires_leader_instruction;
    let found = match given {
        Some(n) => case.leader_instructions.iter().find(|i| i.number == n),
        None => case.leader_instructions.iter().rev().find(|i| !i.used),
    };
    match found {
        Some(i) if i.used => Err(Violation::new(
            Rule::WhipNeedsLeaderInstruction,
            format!(
                "the leader's instruction {} has already been acted on",
                i.number
            ),
        )),
        Some(i) if i.by == *ctx.actor => Err(Violation::new(
            Rule::WhipNeedsLeaderInstruction,
            "the whip must be withdrawn by the chief whip, not by the person who gave the instruction",
        )),
        Some(i) => Ok(i.number),
        None if !needed => Ok(0),
        None => Err(Violation::new(
            Rule::WhipNeedsLeaderInstruction,
            "the chief whip may withdraw the whip only on the leader's recorded instruction; record the instruction first (rule book: interim_measures.whip_requires_leader_instruction)",
        )),
    }
}

pub(super) fn active_measure(case: &Case, number: u32) -> Result<(), Violation> {
    match case.measures.iter().find(|m| m.number == number) {
        None => Err(Violation::new(
            Rule::UnknownMeasure,
            format!("this case has no interim measure {number}"),
        )),
        Some(m) if !m.is_active() => Err(Violation::new(
            Rule::MeasureNotActive,
            format!("interim measure {number} has already been lifted"),
        )),
        Some(_) => Ok(()),
    }
}

/// The next evidence item, unless the file is malformed or already on the case.
/// The stage clock may be stopped: it is running, and the stage is not the appeal window,
/// whose deadline is the respondent's right and not the organisation's to extend.
pub(super) fn pausable(case: &Case) -> Result<(), Violation> {
    if let Some(p) = case.paused() {
        return Err(Violation::new(
            Rule::ClockAlreadyPaused,
            format!(
                "the stage clock has been stopped since {} ({}); restart it before stopping it again",
                crate::case::day_of(p.from),
                p.reasons
            ),
        ));
    }
    if case.stage == Stage::AppealWindow {
        return Err(Violation::new(
            Rule::ClockNotPausable,
            "the appeal window's deadline is the respondent's, set when the outcome was notified: it cannot be stopped",
        ));
    }
    Ok(())
}

/// Evidence item `item` may be disclosed to `to`: it exists, has not been already, and the
/// party is one the case keeps informed.
pub(super) fn disclosure(case: &Case, item: u32, to: Party) -> Result<(), Violation> {
    let Some(e) = case.evidence.iter().find(|e| e.item.number == item) else {
        return Err(Violation::new(
            Rule::UnknownEvidence,
            format!(
                "this case has no evidence item {item} (it has {})",
                case.evidence.len()
            ),
        ));
    };
    if e.disclosed_to(to) {
        return Err(Violation::new(
            Rule::EvidenceAlreadyDisclosed,
            format!(
                "evidence item {item} ({}) has already been disclosed to the {}",
                e.item.filename,
                to.as_str()
            ),
        ));
    }
    // The copy was made so that the original need not go out: a party gets the copy.
    if let Some(copy) = case.evidence.iter().find(|c| c.original() == Some(item)) {
        return Err(Violation::new(
            Rule::RedactedOriginal,
            format!(
                "evidence item {item} ({}) has a redacted copy, item {} ({}): disclose the copy; the original stays with those who may see the whole file",
                e.item.filename, copy.item.number, copy.item.filename
            ),
        ));
    }
    if to == Party::Complainant && matches!(case.complainant, Complainant::ThirdParty { .. }) {
        return Err(Violation::new(
            Rule::ThirdPartyAcknowledgedOnly,
            "the complaint came from a third party, who is acknowledged but not kept informed, so there is no complainant to disclose evidence to",
        ));
    }
    Ok(())
}

pub(super) fn new_evidence(
    case: &Case,
    sha256: &str,
    filename: &str,
    media_type: &str,
    size: u64,
) -> Result<crate::evidence::EvidenceItem, Violation> {
    crate::evidence::check(sha256, filename, media_type, size)?;
    if let Some(e) = case.evidence.iter().find(|e| e.item.sha256 == sha256) {
        return Err(Violation::new(
            Rule::DuplicateEvidence,
            format!(
                "this file is already evidence item {} on this case ({})",
                e.item.number, e.item.filename
            ),
        ));
    }
    Ok(crate::evidence::EvidenceItem {
        number: case.evidence.len() as u32 + 1,
        sha256: sha256.to_string(),
        filename: filename.to_string(),
        media_type: media_type.to_string(),
        size,
        redaction_of: None,
    })
}

/// A redacted copy is made of an item the case has.
pub(super) fn redactable(case: &Case, original: u32) -> Result<(), Violation> {
    if case.evidence.iter().any(|e| e.item.number == original) {
        return Ok(());
    }
    Err(Violation::new(
        Rule::UnknownEvidence,
        format!(
            "this case has no evidence item {original} to redact (it has {})",
            case.evidence.len()
        ),
    ))
}
