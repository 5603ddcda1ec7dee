//! Every rule that forbids a command, each refusal naming it.

use super::*;
use docket_domain::calendar::WorkingDays;

fn schedule(panel: &[&str], date: Date) -> Command {
    Command::ScheduleHearing {
        draw: None,
        panel: panel.iter().map(|s| p(s)).collect(),
        date,
        venue: t("Head office"),
    }
}

#[test]
fn steps_out_of_order_name_the_stage() {
    let mut h = case_at(Stage::Received, "bullying");
    let today = h.today();
    h.refused(
        "officer",
        schedule(&["p1", "p2", "p3"], today),
        Rule::StageOrder,
        "stage received",
    );
    h.refused(
        "officer",
        Command::Dismiss { reasons: t("x") },
        Rule::StageOrder,
        "only at: assessed",
    );
    h.refused("officer", Command::Finalise, Rule::StageOrder, "finalise");
}

#[test]
fn closed_cases_take_no_side_exit_or_measure() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("out of scope"),
        },
    );
    h.refused(
        "officer",
        Command::Withdraw { reasons: t("x") },
        Rule::StageOrder,
        "closed at stage dismissed",
    );
    let review = h.calendar.add_working_days(h.today(), WorkingDays(5));
    h.refused(
        "x",
        Command::ImposeSuspension {
            scope: vec![Right::Vote],
            reasons: t("r"),
            review_date: Some(review),
        },
        Rule::StageOrder,
        "open",
    );
}

#[test]
fn a_complaint_needs_a_known_category_and_a_past_conduct_date() {
    let mut h = Harness::new();
    h.refused(
        "officer",
        complaint("gossip", false),
        Rule::UnknownCategory,
        "'gossip' is not a complaint category",
    );
    let mut c = complaint("bullying", false);
    if let Command::ReceiveComplaint { conduct_date, .. } = &mut c {
        *conduct_date = date(2027, 1, 1);
    }
    h.refused("officer", c, Rule::ConductDateInFuture, "in the future");
    h.run("officer", complaint("bullying", false));
    h.refused(
        "officer",
        complaint("bullying", false),
        Rule::CaseAlreadyExists,
        "already exists",
    );
}

#[test]
fn commands_other_than_intake_need_a_case() {
    let mut h = Harness::new();
    h.refused(
        "officer",
        Command::Acknowledge,
        Rule::StageOrder,
        "needs an existing case",
    );
}

#[test]
fn a_hearing_panel_member_may_not_be_the_investigator() {
    let mut h = case_at(Stage::Charged, "bullying");
    let today = h.today();
    h.refused(
        "officer",
        schedule(&["p1", "ivy", "p3"], today),
        Rule::SeparationOfFunctions,
        "a hearing panel member may not be the case's investigator",
    );
    h.refused(
        "officer",
        schedule(&["p1", "cd", "p3"], today),
        Rule::SeparationOfFunctions,
        "a hearing panel member may not be the person who took the charging decision",
    );
}

#[test]
fn the_investigator_may_not_take_the_charging_decision() {
    let mut h = case_at(Stage::AccuracyCheck, "bullying");
    h.refused(
        "ivy",
        Command::Charge {
            charges: vec![charge_218()],
        },
        Rule::SeparationOfFunctions,
        "the charging decision-maker may not be the case's investigator",
    );
    h.refused(
        "ivy",
        Command::DecideNoFurtherAction { reasons: t("x") },
        Rule::SeparationOfFunctions,
        "investigator",
    );
}

#[test]
fn the_reviewer_and_appeal_panel_are_independent_of_earlier_functions() {
    let mut h = case_at(Stage::Decided, "antisemitism");
    h.refused(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("p2"),
            draw: None,
        },
        Rule::SeparationOfFunctions,
        "the independent reviewer may not be a member of the hearing panel",
    );
    h.refused(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("ivy"),
            draw: None,
        },
        Rule::SeparationOfFunctions,
        "investigator",
    );
    h.run(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("rev"),
            draw: None,
        },
    );
    h.run(
        "rev",
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: t("fair"),
        },
    );
    notify_and_open_window(&mut h);
    h.run(
        "respondent",
        Command::LodgeAppeal {
            grounds: t("unfair"),
        },
    );
    h.refused(
        "officer",
        Command::ConveneAppealPanel {
            draw: None,
            panel: vec![p("a1"), p("p1"), p("a3")],
        },
        Rule::SeparationOfFunctions,
        "an appeal panel member may not be a member of the hearing panel",
    );
    h.refused(
        "officer",
        Command::ConveneAppealPanel {
            draw: None,
            panel: vec![p("a1"), p("rev"), p("a3")],
        },
        Rule::SeparationOfFunctions,
        "the case's independent reviewer",
    );
}

#[test]
fn a_vetoed_panel_may_not_sit_again() {
    let mut h = case_at(Stage::Decided, "antisemitism");
    h.run(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("rev"),
            draw: None,
        },
    );
    h.run(
        "rev",
        Command::RecordReview {
            verdict: ReviewVerdict::Veto,
            reasons: t("unfair"),
        },
    );
    let today = h.today();
    h.refused(
        "officer",
        schedule(&["p1", "p5", "p6"], today),
        Rule::SeparationOfFunctions,
        "vetoed",
    );
}

#[test]
fn only_the_holder_of_a_function_acts_in_it() {
    let mut h = case_at(Stage::Investigation, "bullying");
    h.refused(
        "officer",
        Command::SubmitDraftReport { summary: t("x") },
        Rule::AssignedPersonOnly,
        "only the case's investigator",
    );
    let mut h = case_at(Stage::Hearing, "bullying");
    h.refused(
        "officer",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(warning()),
        },
        Rule::AssignedPersonOnly,
        "hearing panel",
    );
    let mut h = case_at(Stage::Decided, "antisemitism");
    h.run(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("rev"),
            draw: None,
        },
    );
    h.refused(
        "p1",
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: t("x"),
        },
        Rule::AssignedPersonOnly,
        "independent reviewer",
    );
}

#[test]
fn panels_have_the_rule_book_size_and_no_one_twice() {
    let mut h = case_at(Stage::Charged, "bullying");
    let today = h.today();
    h.refused(
        "officer",
        schedule(&["p1", "p2"], today),
        Rule::PanelSize,
        "a hearing panel of 3; 2 were named",
    );
    h.refused(
        "officer",
        schedule(&["p1", "p1", "p2"], today),
        Rule::PanelSize,
        "named twice",
    );
    let yesterday = today.yesterday().expect("date");
    h.refused(
        "officer",
        schedule(&["p1", "p2", "p3"], yesterday),
        Rule::InvalidInput,
        "in the past",
    );
}

#[test]
fn a_charge_must_cite_a_clause_in_force_on_the_conduct_date() {
    let mut h = case_at(Stage::AccuracyCheck, "bullying");
    let before = ChargeDraft {
        conduct_date: date(2014, 6, 1),
        ..charge_218()
    };
    h.refused(
        "cd",
        Command::Charge {
            charges: vec![before],
        },
        Rule::ClauseNotInForce,
        "was not in force on 2014-06-01",
    );
    let unknown = ChargeDraft {
        clause: ClauseRef::parse("9.9.9").expect("c"),
        ..charge_218()
    };
    h.refused(
        "cd",
        Command::Charge {
            charges: vec![unknown],
        },
        Rule::UnknownClause,
        "no clause 9.9.9",
    );
    h.refused(
        "cd",
        Command::Charge { charges: vec![] },
        Rule::InvalidInput,
        "at least one charge",
    );
}

#[test]
fn a_decision_has_exactly_one_finding_per_charge() {
    let mut h = case_at(Stage::Hearing, "bullying");
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: vec![],
            sanction: None,
        },
        Rule::FindingPerCharge,
        "exactly one finding for charge 1",
    );
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: vec![proven(1), proven(1)],
            sanction: Some(warning()),
        },
        Rule::FindingPerCharge,
        "it has 2",
    );
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: vec![proven(1), proven(2)],
            sanction: Some(warning()),
        },
        Rule::FindingPerCharge,
        "no charge 2",
    );
}

#[test]
fn sanctions_come_from_the_menu_with_valid_terms() {
    let mut h = case_at(Stage::Hearing, "bullying");
    let f = || vec![proven(1)];
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(sanction("public_flogging")),
        },
        Rule::SanctionNotInMenu,
        "not on the rule book's sanctions menu",
    );
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: None,
        },
        Rule::SanctionRequired,
        "must choose a sanction",
    );
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(sanction("fixed_term_suspension")),
        },
        Rule::SanctionTerm,
        "needs a term",
    );
    let mut long = sanction("fixed_term_suspension");
    long.term_months = Some(99);
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(long),
        },
        Rule::SanctionTerm,
        "1 to 24 months",
    );
    let mut w = warning();
    w.term_months = Some(3);
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(w),
        },
        Rule::SanctionTerm,
        "does not take a term",
    );
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(sanction("expulsion")),
        },
        Rule::ReapplyDate,
        "needs a date from which the person may reapply",
    );
    let mut early = sanction("expulsion");
    early.reapply_from = Some(docket_domain::sanction::add_months(h.today(), 12));
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(early),
        },
        Rule::ReapplyDate,
        "earlier than the rule book allows",
    );
    let mut w = warning();
    w.reapply_from = Some(h.today());
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: f(),
            sanction: Some(w),
        },
        Rule::ReapplyDate,
        "takes no reapply date",
    );
    let not_proven = Finding {
        proven: false,
        ..proven(1)
    };
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: vec![not_proven],
            sanction: Some(warning()),
        },
        Rule::SanctionNeedsProvenCharge,
        "only follow a charge found proven",
    );
}

#[test]
fn a_decision_follows_the_hearing() {
    let mut h = case_at(Stage::Charged, "bullying");
    let later = h.calendar.add_working_days(h.today(), WorkingDays(10));
    h.run("officer", schedule(&["p1", "p2", "p3"], later));
    h.refused(
        "p1",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(warning()),
        },
        Rule::HearingNotYetHeld,
        "a decision can only follow it",
    );
}

#[test]
fn review_categories_need_verification_before_the_outcome() {
    let mut h = case_at(Stage::Decided, "antisemitism");
    h.refused(
        "officer",
        Command::NotifyOutcome,
        Rule::IndependentReviewRequired,
        "'antisemitism' need an independent reviewer's verification",
    );
}

#[test]
fn no_appeal_after_the_window() {
    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    let deadline = h.case().appeal_deadline.expect("deadline");
    h.refused(
        "officer",
        Command::Finalise,
        Rule::AppealWindowOpen,
        &format!("open until {deadline}"),
    );
    h.advance_days(35);
    h.refused(
        "respondent",
        Command::LodgeAppeal { grounds: t("late") },
        Rule::AppealWindowClosed,
        &format!("closed on {deadline}"),
    );
}

#[test]
fn an_appeal_is_decided_by_its_panel_only() {
    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    h.run(
        "respondent",
        Command::LodgeAppeal {
            grounds: t("unfair"),
        },
    );
    h.refused(
        "a1",
        Command::DecideAppeal {
            upheld: false,
            reasons: t("x"),
            substitute_sanction: None,
        },
        Rule::AssignedPersonOnly,
        "appeal panel",
    );
    h.run(
        "officer",
        Command::ConveneAppealPanel {
            draw: None,
            panel: vec![p("a1"), p("a2"), p("a3")],
        },
    );
    h.refused(
        "officer",
        Command::ConveneAppealPanel {
            draw: None,
            panel: vec![p("a4"), p("a5"), p("a6")],
        },
        Rule::StageOrder,
        "already been convened",
    );
    h.refused(
        "a1",
        Command::DecideAppeal {
            upheld: false,
            reasons: t("x"),
            substitute_sanction: Some(warning()),
        },
        Rule::InvalidInput,
        "original sanction",
    );
}

#[test]
fn interim_measures_need_a_review_date_within_the_interval() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let today = h.today();
    let suspend = |d: Option<Date>| Command::ImposeSuspension {
        scope: vec![Right::AttendMeetings],
        reasons: t("risk"),
        review_date: d,
    };
    h.refused(
        "panel_chair",
        suspend(None),
        Rule::ReviewDateRequired,
        "needs a review date",
    );
    h.refused(
        "panel_chair",
        suspend(Some(today)),
        Rule::ReviewDateInPast,
        "must be after today",
    );
    let too_late = h.calendar.add_working_days(today, WorkingDays(61));
    h.refused(
        "panel_chair",
        suspend(Some(too_late)),
        Rule::ReviewDateTooLate,
        "more than 60 working days",
    );
    h.refused(
        "panel_chair",
        Command::ImposeSuspension {
            scope: vec![],
            reasons: t("risk"),
            review_date: Some(too_late),
        },
        Rule::InvalidInput,
        "at least one right",
    );
    let ok = h.calendar.add_working_days(today, WorkingDays(60));
    h.run("panel_chair", suspend(Some(ok)));
    h.refused(
        "panel_chair",
        suspend(Some(ok)),
        Rule::MeasureAlreadyActive,
        "already in force",
    );
    h.refused(
        "panel_chair",
        Command::ReviewMeasure {
            measure: 1,
            reasons: t("continue"),
            next_review: None,
        },
        Rule::ReviewDateRequired,
        "review date",
    );
    h.refused(
        "panel_chair",
        Command::LiftMeasure {
            measure: 2,
            reasons: t("x"),
        },
        Rule::UnknownMeasure,
        "no interim measure 2",
    );
    h.run(
        "panel_chair",
        Command::LiftMeasure {
            measure: 1,
            reasons: t("done"),
        },
    );
    h.refused(
        "panel_chair",
        Command::LiftMeasure {
            measure: 1,
            reasons: t("again"),
        },
        Rule::MeasureNotActive,
        "already been lifted",
    );
}

#[test]
fn whip_withdrawal_needs_the_leaders_instruction() {
    let mut h = case_at(Stage::Investigation, "antisemitism");
    let review = h.calendar.add_working_days(h.today(), WorkingDays(20));
    let withdraw = || Command::WithdrawWhip {
        instruction: None,
        reasons: t("pattern of behaviour"),
        review_date: Some(review),
    };
    h.refused(
        "chief_whip",
        withdraw(),
        Rule::WhipNeedsLeaderInstruction,
        "only on the leader's recorded instruction",
    );
    h.run(
        "leader",
        Command::RecordLeaderInstruction {
            instruction: t("withdraw the whip"),
        },
    );
    h.refused(
        "leader",
        withdraw(),
        Rule::WhipNeedsLeaderInstruction,
        "not by the person who gave the instruction",
    );
    h.run("chief_whip", withdraw());
    h.refused(
        "chief_whip",
        withdraw(),
        Rule::MeasureAlreadyActive,
        "already withdrawn",
    );
    h.run(
        "chief_whip",
        Command::LiftMeasure {
            measure: 1,
            reasons: t("restored"),
        },
    );
    h.refused(
        "chief_whip",
        Command::WithdrawWhip {
            instruction: Some(1),
            reasons: t("again"),
            review_date: Some(review),
        },
        Rule::WhipNeedsLeaderInstruction,
        "already been acted on",
    );
}

#[test]
fn the_whip_can_only_be_withdrawn_from_an_elected_representative() {
    let mut h = Harness::new();
    h.run("officer", complaint("bullying", false));
    h.refused(
        "leader",
        Command::RecordLeaderInstruction {
            instruction: t("withdraw"),
        },
        Rule::WhipOnlyForElectedRepresentatives,
        "holds no elected office",
    );
}

#[test]
fn sanctions_activate_and_expire_only_when_due() {
    let mut h = case_at(Stage::Hearing, "bullying");
    h.run(
        "p1",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(sanction("no_further_action")),
        },
    );
    notify_and_open_window(&mut h);
    h.advance_days(40);
    h.run("officer", Command::Finalise);
    h.refused(
        "officer",
        Command::ActivateSanction,
        Rule::NoSanctionToActivate,
        "no sanction",
    );

    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    h.advance_days(40);
    h.run("officer", Command::Finalise);
    h.run("officer", Command::ActivateSanction);
    h.refused(
        "officer",
        Command::ExpireSanction,
        Rule::SanctionStillLive,
        "live until",
    );

    let mut h = case_at(Stage::Hearing, "bullying");
    h.run(
        "p1",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(sanction("removal_from_office")),
        },
    );
    notify_and_open_window(&mut h);
    h.advance_days(40);
    h.run("officer", Command::Finalise);
    h.run("officer", Command::ActivateSanction);
    h.refused(
        "officer",
        Command::ExpireSanction,
        Rule::SanctionStillLive,
        "no end date",
    );
}

#[test]
fn a_case_cannot_merge_into_itself() {
    let mut h = case_at(Stage::Received, "bullying");
    let own = h.case().id.clone();
    h.refused(
        "officer",
        Command::Merge {
            into: own,
            reasons: t("x"),
        },
        Rule::CaseMergedIntoItself,
        "into itself",
    );
}

#[test]
fn contacts_cannot_be_dated_in_the_future() {
    let mut h = case_at(Stage::Received, "bullying");
    let contact = Contact {
        who: t("Reporter"),
        organisation: None,
        channel: Channel::Email,
        occurred_on: date(2027, 1, 1),
        summary: t("asked for comment"),
    };
    h.refused(
        "officer",
        Command::RecordContact { contact },
        Rule::InvalidInput,
        "in the future",
    );
}

#[test]
fn reasons_cannot_be_blank() {
    assert!(Text::parse("  \n ").is_err());
    let json = r#"{"command":"dismiss","reasons":"   "}"#;
    assert!(
        serde_json::from_str::<Command>(json).is_err(),
        "blank reasons are refused at the edge"
    );
}
