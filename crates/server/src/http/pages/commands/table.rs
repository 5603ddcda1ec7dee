//! The form of every command: its fields, labels and hints, and when it applies.

use super::spec::{Field, Input, Spec, field};
use docket_domain::case::Case;
use docket_domain::policy::Action;
use docket_domain::role::Role;
use docket_domain::rulebook::RuleBook;

fn reasons() -> Field {
    field("reasons", "Reasons", Input::LongText, true)
        .hint("Recorded in the case's log and shown to those entitled to see it.")
}

fn always(_: &Case) -> bool {
    true
}

fn none(_: &Case, _: &RuleBook) -> Vec<Field> {
    Vec::new()
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).into(), (*b).into()))
        .collect()
}

fn measures(case: &Case) -> Vec<(String, String)> {
    case.active_measures()
        .map(|m| {
            (
                m.number.to_string(),
                format!("Measure {} (review due {})", m.number, m.review_date),
            )
        })
        .collect()
}

fn evidence_items(case: &Case) -> Vec<(String, String)> {
    case.evidence
        .iter()
        .map(|e| {
            let to: Vec<&str> = e.disclosed_to.iter().map(|p| p.as_str()).collect();
            let mut shown = if to.is_empty() {
                String::from("not disclosed")
            } else {
                format!("disclosed to the {}", to.join(" and the "))
            };
            // The rules refuse to disclose an original that has a redacted copy; say so
            // before the officer picks it.
            let copy = case
                .evidence
                .iter()
                .find(|c| c.original() == Some(e.item.number));
            if let Some(copy) = copy {
                shown.push_str(&format!(
                    "; has a redacted copy, item {}: disclose that instead",
                    copy.item.number
                ));
            } else if let Some(original) = e.original() {
                shown.push_str(&format!("; redacted copy of item {original}"));
            }
            (
                e.item.number.to_string(),
                format!("{}. {} ({shown})", e.item.number, e.item.filename),
            )
        })
        .collect()
}

fn has_measures(case: &Case) -> bool {
    case.active_measures().next().is_some()
}

fn sanctions(rules: &RuleBook) -> Vec<(String, String)> {
    rules
        .sanctions
        .iter()
        .map(|s| (s.code.clone(), s.name.clone()))
        .collect()
}

/// The sanction fields under `prefix` (`sanction`, `substitute_sanction`): a sanction from
/// the menu with its term or rejoin date and the factors weighed.
fn sanction_fields(prefix: &str, rules: &RuleBook) -> Vec<Field> {
    let g = prefix.to_string();
    vec![
        field(
            &format!("{prefix}.code"),
            "Sanction",
            Input::Select(sanctions(rules)),
            false,
        )
        .hint("From the rule book's menu. Leave empty when no charge is proven.")
        .group(g.clone()),
        field(
            &format!("{prefix}.term_months"),
            "Term in months",
            Input::Number,
            false,
        )
        .hint("For sanctions whose term the panel chooses.")
        .group(g.clone()),
        field(
            &format!("{prefix}.reapply_from"),
            "May apply to rejoin from",
            Input::Date,
            false,
        )
        .hint("For sanctions that end membership.")
        .group(g.clone()),
        field(
            &format!("{prefix}.aggravating"),
            "Aggravating factors",
            Input::Lines,
            false,
        )
        .hint("One per line.")
        .group(g.clone()),
        field(
            &format!("{prefix}.mitigating"),
            "Mitigating factors",
            Input::Lines,
            false,
        )
        .hint("One per line.")
        .group(g),
    ]
}

fn charge_rows(case: &Case, rules: &RuleBook) -> Vec<Field> {
    let clauses: Vec<(String, String)> = rules
        .clauses
        .iter()
        .map(|c| {
            (
                c.id.as_str().to_string(),
                format!("{} {}", c.id.as_str(), c.title),
            )
        })
        .collect();
    let mut out = Vec::new();
    for i in 0..3 {
        let g = format!("charges.{i}");
        let n = i + 1;
        out.push(
            field(
                &format!("{g}.clause"),
                &format!("Charge {n}: rule-book clause"),
                Input::Select(clauses.clone()),
                i == 0,
            )
            .hint(if i == 0 {
                "The clause as worded on the conduct date is quoted on the charge."
            } else {
                "Leave empty for no further charge."
            })
            .group(g.clone()),
        );
        out.push(
            field(
                &format!("{g}.conduct_date"),
                &format!("Charge {n}: date of the conduct"),
                Input::Date,
                i == 0,
            )
            .default(case.conduct_date.to_string())
            .group(g.clone()),
        );
        out.push(
            field(
                &format!("{g}.particulars"),
                &format!("Charge {n}: particulars"),
                Input::LongText,
                i == 0,
            )
            .group(g.clone()),
        );
        out.push(
            field(
                &format!("{g}.evidence"),
                &format!("Charge {n}: evidence"),
                Input::Lines,
                false,
            )
            .hint("One item per line.")
            .group(g),
        );
    }
    out
}

fn decision_fields(case: &Case, rules: &RuleBook) -> Vec<Field> {
    let mut out = Vec::new();
    for (i, c) in case.charges.iter().enumerate() {
        let g = format!("findings.{i}");
        let n = c.number;
        out.push(
            field(
                &format!("{g}.charge"),
                &format!("Charge {n}"),
                Input::Hidden,
                true,
            )
            .default(n.to_string())
            .group(g.clone()),
        );
        out.push(
            field(
                &format!("{g}.proven"),
                &format!("Charge {n} (clause {}): is it proven?", c.clause.as_str()),
                Input::YesNo,
                true,
            )
            .group(g.clone()),
        );
        out.push(
            field(
                &format!("{g}.reasons"),
                &format!("Charge {n}: reasons for the finding"),
                Input::LongText,
                true,
            )
            .group(g.clone()),
        );
        out.push(
            field(
                &format!("{g}.evidence_relied_on"),
                &format!("Charge {n}: evidence relied on"),
                Input::Lines,
                false,
            )
            .hint("One item per line.")
            .group(g),
        );
    }
    out.extend(sanction_fields("sanction", rules));
    out
}

macro_rules! spec {
    ($command:literal, $label:literal, $help:literal, $action:ident, $make:expr) => {
        spec!($command, $label, $help, $action, $make, always)
    };
    ($command:literal, $label:literal, $help:literal, $action:ident, $make:expr, $applies:expr) => {
        Spec {
            command: $command,
            label: $label,
            help: $help,
            action: Action::$action,
            make: $make,
            applies: $applies,
        }
    };
}

static SPECS: [Spec; 38] = [
    spec!(
        "acknowledge",
        "Acknowledge the complaint",
        "Tells the complainant the complaint was received.",
        Acknowledge,
        none
    ),
    spec!(
        "assess",
        "Assess the complaint",
        "Records the assessment and, if needed, a better category.",
        Assess,
        |_, r| vec![
            field(
                "category",
                "Category",
                Input::Select(
                    r.categories
                        .iter()
                        .map(|c| (c.code.clone(), c.name.clone()))
                        .collect()
                ),
                false
            )
            .hint("Leave as it is to keep the category given at intake."),
            field("assessment", "Assessment", Input::LongText, true),
        ]
    ),
    spec!(
        "dismiss",
        "Dismiss the complaint",
        "Closes the case without investigation.",
        Dismiss,
        |_, _| vec![reasons()]
    ),
    spec!(
        "start_informal_resolution",
        "Start informal resolution",
        "",
        StartInformalResolution,
        |_, _| vec![reasons()]
    ),
    spec!(
        "resolve_informally",
        "Record an informal resolution",
        "",
        ResolveInformally,
        |_, _| vec![field("outcome", "Outcome agreed", Input::LongText, true)]
    ),
    spec!(
        "escalate",
        "Escalate to an investigation",
        "",
        Escalate,
        |_, _| vec![
            reasons(),
            field(
                "investigator",
                "Investigator",
                Input::Person(Role::Investigator),
                true
            ),
        ]
    ),
    spec!(
        "open_investigation",
        "Open an investigation",
        "Appoints the investigator and sets the terms of reference.",
        OpenInvestigation,
        |_, _| vec![
            field(
                "investigator",
                "Investigator",
                Input::Person(Role::Investigator),
                true
            ),
            field("terms", "Terms of reference", Input::LongText, true),
        ]
    ),
    spec!(
        "submit_draft_report",
        "Submit the draft report",
        "",
        SubmitDraftReport,
        |_, _| vec![field(
            "summary",
            "Summary of the findings",
            Input::LongText,
            true
        )]
    ),
    spec!(
        "start_accuracy_check",
        "Send the report for its accuracy check",
        "The parties may correct matters of fact.",
        StartAccuracyCheck,
        none
    ),
    spec!(
        "decide_no_further_action",
        "Decide no further action",
        "",
        DecideNoFurtherAction,
        |_, _| vec![reasons()]
    ),
    spec!(
        "charge",
        "Lay charges",
        "Each charge cites a rule-book clause.",
        Charge,
        charge_rows
    ),
    spec!(
        "schedule_hearing",
        "Schedule the hearing",
        "",
        ScheduleHearing,
        |_, r| vec![
            field(
                "panel",
                "Panel member",
                Input::People(Role::PanelMember, r.panels.hearing as usize),
                true
            ),
            field("date", "Hearing date", Input::Date, true),
            field("venue", "Venue", Input::Text, true),
        ]
    ),
    spec!(
        "record_decision",
        "Record the panel's decision",
        "A finding with reasons for every charge, and a sanction from the menu if any is proven.",
        RecordDecision,
        decision_fields
    ),
    spec!(
        "request_independent_review",
        "Request an independent review",
        "",
        RequestIndependentReview,
        |_, _| vec![field(
            "reviewer",
            "Independent reviewer",
            Input::Person(Role::IndependentReviewer),
            true
        ),]
    ),
    spec!(
        "record_review",
        "Record the review",
        "",
        RecordReview,
        |_, _| vec![
            field(
                "verdict",
                "Verdict",
                Input::Select(options(&[
                    ("verify", "Verify the decision"),
                    ("veto", "Veto the decision")
                ])),
                true
            ),
            reasons(),
        ]
    ),
    spec!(
        "notify_outcome",
        "Notify the outcome",
        "Starts the appeal window.",
        NotifyOutcome,
        none
    ),
    spec!(
        "lodge_appeal",
        "Lodge an appeal",
        "",
        LodgeAppeal,
        |_, _| vec![field("grounds", "Grounds of appeal", Input::LongText, true)]
    ),
    spec!(
        "convene_appeal_panel",
        "Convene the appeal panel",
        "",
        ConveneAppealPanel,
        |_, r| vec![field(
            "panel",
            "Appeal panel member",
            Input::People(Role::AppealPanelMember, r.panels.appeal as usize),
            true
        ),]
    ),
    spec!(
        "decide_appeal",
        "Decide the appeal",
        "",
        DecideAppeal,
        |_, r| {
            let mut f = vec![
                field("upheld", "Is the appeal upheld?", Input::YesNo, true),
                reasons(),
            ];
            f.extend(
                sanction_fields("substitute_sanction", r)
                    .into_iter()
                    .map(|mut x| {
                        x.label = format!("Substitute: {}", x.label.to_lowercase());
                        x
                    }),
            );
            f
        }
    ),
    spec!("finalise", "Finalise the case", "", Finalise, none),
    spec!(
        "activate_sanction",
        "Put the sanction into effect",
        "",
        ActivateSanction,
        none
    ),
    spec!(
        "expire_sanction",
        "Record that the sanction has expired",
        "",
        ExpireSanction,
        none
    ),
    spec!("withdraw", "Withdraw the case", "", Withdraw, |_, _| vec![
        reasons()
    ]),
    spec!("merge", "Merge into another case", "", Merge, |_, _| vec![
        field(
            "into",
            "Reference of the case to merge into",
            Input::Text,
            true
        ),
        reasons(),
    ]),
    spec!(
        "record_resignation",
        "Record the respondent's resignation",
        "",
        RecordResignation,
        |_, _| vec![field("note", "Note", Input::LongText, false)]
    ),
    spec!("reopen", "Reopen the case", "", Reopen, |_, _| vec![
        reasons()
    ]),
    spec!(
        "impose_suspension",
        "Impose an administrative suspension",
        "An interim measure, not a finding. It must be reviewed by its review date.",
        ImposeSuspension,
        |_, _| vec![
            field(
                "scope",
                "Rights suspended",
                Input::Checks(options(&[
                    ("attend_meetings", "Attending meetings"),
                    ("vote", "Voting"),
                    ("hold_office", "Holding office"),
                    ("stand_for_selection", "Standing for selection"),
                    (
                        "represent_the_organisation",
                        "Representing the organisation"
                    ),
                ])),
                true
            ),
            reasons(),
            field("review_date", "Review date", Input::Date, false)
                .hint("Leave empty for the longest the rule book allows."),
        ]
    ),
    spec!(
        "record_leader_instruction",
        "Record the leader's instruction",
        "",
        RecordLeaderInstruction,
        |_, _| vec![field("instruction", "Instruction", Input::LongText, true)]
    ),
    spec!(
        "withdraw_whip",
        "Withdraw the whip",
        "",
        WithdrawWhip,
        |_, _| vec![
            field(
                "instruction",
                "Leader's instruction number",
                Input::Number,
                false
            ),
            reasons(),
            field("review_date", "Review date", Input::Date, false),
        ]
    ),
    spec!(
        "review_measure",
        "Review an interim measure",
        "Continues the measure with a new review date.",
        ReviewMeasure,
        |c, _| vec![
            field("measure", "Measure", Input::Numbered(measures(c)), true),
            reasons(),
            field("next_review", "Next review date", Input::Date, false),
        ],
        has_measures
    ),
    spec!(
        "lift_measure",
        "Lift an interim measure",
        "",
        LiftMeasure,
        |c, _| vec![
            field("measure", "Measure", Input::Numbered(measures(c)), true),
            reasons(),
        ],
        has_measures
    ),
    spec!(
        "record_contact",
        "Record a contact about the case",
        "Any contact from someone outside the case's roles.",
        RecordContact,
        |_, _| vec![
            field("contact.who", "Who made contact", Input::Text, true),
            field(
                "contact.organisation",
                "Their organisation or office",
                Input::Text,
                false
            ),
            field(
                "contact.channel",
                "How",
                Input::Select(options(&[
                    ("phone", "Phone"),
                    ("email", "Email"),
                    ("letter", "Letter"),
                    ("in_person", "In person"),
                    ("message", "Message"),
                    ("other", "Other"),
                ])),
                true
            ),
            field("contact.occurred_on", "When", Input::Date, true).default(super::today()),
            field(
                "contact.summary",
                "What was said or asked",
                Input::LongText,
                true
            ),
        ]
    ),
    spec!(
        "declare_conflict",
        "Declare a conflict of interest",
        "Whoever declares a conflict may not act on the case afterwards.",
        DeclareConflict,
        |_, _| vec![
            field(
                "person",
                "Person with the conflict (a person id)",
                Input::Text,
                true
            ),
            field("interest", "The interest", Input::LongText, true),
        ]
    ),
    spec!(
        "send_message",
        "Write to a party",
        "The complainant or the respondent sees it on their portal page and may reply.",
        SendMessage,
        |_, _| vec![
            field(
                "to",
                "To",
                Input::Select(options(&[
                    ("complainant", "The complainant"),
                    ("respondent", "The respondent"),
                ])),
                true
            ),
            field("body", "Message", Input::LongText, true),
        ]
    ),
    spec!(
        "disclose_evidence",
        "Disclose an evidence item to a party",
        "The party then sees the file and its SHA-256 in their portal. Nothing reaches a party unless it is disclosed here, with reasons.",
        DiscloseEvidence,
        |c, _| vec![
            field(
                "item",
                "Evidence item",
                Input::Numbered(evidence_items(c)),
                true
            ),
            field(
                "to",
                "To",
                Input::Select(options(&[
                    ("respondent", "The respondent"),
                    ("complainant", "The complainant"),
                ])),
                true
            ),
            reasons(),
        ],
        |c| !c.evidence.is_empty()
    ),
    spec!(
        "pause_clock",
        "Stop the stage clock",
        "For a reason outside the process's control, such as the respondent's illness or a police investigation. The working days it stays stopped do not count; interim measures' review dates do not move.",
        PauseClock,
        |_, _| vec![reasons()],
        |c| c.paused().is_none() && c.stage != docket_domain::Stage::AppealWindow
    ),
    spec!(
        "resume_clock",
        "Restart the stage clock",
        "The stage's due date moves on by the working days the clock was stopped.",
        ResumeClock,
        none,
        |c| c.paused().is_some()
    ),
    spec!(
        "disclose_complainant_identity",
        "Disclose the complainant's identity to the respondent",
        "",
        DiscloseComplainantIdentity,
        |_, _| vec![reasons()]
    ),
];

pub fn specs() -> &'static [Spec] {
    &SPECS
}
