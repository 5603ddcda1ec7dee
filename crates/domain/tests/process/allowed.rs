//! Every transition the default process allows.

use super::*;

#[test]
fn intake_to_dismissal() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("no breach of the rules is alleged"),
        },
    );
    assert_eq!(h.stage(), Stage::Dismissed);
    assert!(!h.case().is_open());
    assert_eq!(
        h.case().history.iter().map(|c| c.stage).collect::<Vec<_>>(),
        vec![
            Stage::Received,
            Stage::Acknowledged,
            Stage::Assessed,
            Stage::Dismissed
        ]
    );
}

#[test]
fn assessment_can_reclassify_the_category() {
    let mut h = case_at(Stage::Acknowledged, "bullying");
    h.run(
        "officer",
        Command::Assess {
            category: Some("online_abuse".into()),
            assessment: t("it happened online"),
        },
    );
    assert_eq!(h.case().category, "online_abuse");
}

#[test]
fn informal_resolution_resolves() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::StartInformalResolution {
            reasons: t("both parties agree to mediation"),
        },
    );
    assert_eq!(h.stage(), Stage::InformalResolution);
    h.run(
        "officer",
        Command::ResolveInformally {
            outcome: t("apology accepted"),
        },
    );
    assert_eq!(h.stage(), Stage::Resolved);
}

#[test]
fn informal_resolution_escalates_to_investigation() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::StartInformalResolution {
            reasons: t("mediation"),
        },
    );
    h.run(
        "officer",
        Command::Escalate {
            reasons: t("mediation failed"),
            investigator: p("ivy"),
        },
    );
    assert_eq!(h.stage(), Stage::Investigation);
    assert_eq!(
        h.case()
            .functions
            .holder(docket_domain::function::Function::Investigator),
        Some(&p("ivy"))
    );
}

#[test]
fn investigation_ends_in_no_further_action() {
    let mut h = case_at(Stage::AccuracyCheck, "bullying");
    h.run(
        "cd",
        Command::DecideNoFurtherAction {
            reasons: t("the evidence does not support a charge"),
        },
    );
    assert_eq!(h.stage(), Stage::NoFurtherAction);
    assert!(h.case().closing_reasons.is_some());
}

#[test]
fn charges_freeze_the_clause_as_worded_on_the_conduct_date() {
    let mut h = case_at(Stage::AccuracyCheck, "bullying");
    let clause = ClauseRef::parse("2.1.4").expect("clause");
    let early = ChargeDraft {
        clause: clause.clone(),
        conduct_date: date(2025, 1, 10),
        ..charge_218()
    };
    let late = ChargeDraft {
        clause: clause.clone(),
        conduct_date: date(2025, 6, 10),
        ..charge_218()
    };
    h.run(
        "cd",
        Command::Charge {
            charges: vec![early, late],
        },
    );
    let charges = &h.case().charges;
    assert_eq!((charges[0].number, charges[0].clause_version), (1, 1));
    assert_eq!((charges[1].number, charges[1].clause_version), (2, 2));
    assert_ne!(charges[0].clause_text, charges[1].clause_text);
    let v1 = h
        .rules
        .clause_as_worded(&clause, date(2025, 1, 10))
        .expect("v1")
        .1
        .text
        .clone();
    assert_eq!(charges[0].clause_text, v1);
}

#[test]
fn full_path_through_review_appeal_and_sanction_expiry() {
    let mut h = case_at(Stage::Decided, "antisemitism");
    h.run(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("rev"),
            draw: None,
        },
    );
    assert_eq!(h.stage(), Stage::IndependentReview);
    h.run(
        "rev",
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: t("the process was fair"),
        },
    );
    assert_eq!(h.stage(), Stage::Decided);
    assert!(h.case().decision.as_ref().is_some_and(|d| d.verified));
    notify_and_open_window(&mut h);
    h.advance_days(7);
    h.run(
        "respondent",
        Command::LodgeAppeal {
            grounds: t("the panel ignored my evidence"),
        },
    );
    assert_eq!(h.stage(), Stage::Appeal);
    h.run(
        "officer",
        Command::ConveneAppealPanel {
            draw: None,
            panel: vec![p("a1"), p("a2"), p("a3")],
        },
    );
    h.run(
        "a1",
        Command::DecideAppeal {
            upheld: false,
            reasons: t("no error in the decision"),
            substitute_sanction: None,
        },
    );
    assert_eq!(h.stage(), Stage::Final);
    assert_eq!(
        h.case().final_sanction.as_ref().map(|s| s.code.as_str()),
        Some("warning")
    );
    h.run("officer", Command::ActivateSanction);
    assert_eq!(h.stage(), Stage::SanctionLive);
    let (from, until) = h.case().sanction_live.expect("live");
    assert_eq!(until, Some(docket_domain::sanction::add_months(from, 6)));
    h.advance_days(190);
    h.run("officer", Command::ExpireSanction);
    assert_eq!(h.stage(), Stage::SanctionExpired);
}

#[test]
fn categories_without_review_go_straight_to_the_appeal_window() {
    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    let deadline = h.case().appeal_deadline.expect("deadline");
    assert_eq!(h.calendar.working_days_between(h.today(), deadline), 20);
}

#[test]
fn the_case_is_final_once_the_appeal_window_has_passed() {
    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    h.advance_days(40);
    h.run("officer", Command::Finalise);
    assert_eq!(h.stage(), Stage::Final);
    assert_eq!(
        h.case().final_sanction.as_ref().map(|s| s.code.as_str()),
        Some("warning")
    );
}

#[test]
fn an_upheld_appeal_replaces_or_quashes_the_sanction() {
    let mut h = case_at(Stage::Decided, "bullying");
    notify_and_open_window(&mut h);
    h.run(
        "respondent",
        Command::LodgeAppeal {
            grounds: t("too harsh"),
        },
    );
    h.run(
        "officer",
        Command::ConveneAppealPanel {
            draw: None,
            panel: vec![p("a1"), p("a2"), p("a3")],
        },
    );
    h.run(
        "a2",
        Command::DecideAppeal {
            upheld: true,
            reasons: t("a reminder suffices"),
            substitute_sanction: Some(sanction("reminder_of_conduct")),
        },
    );
    assert_eq!(
        h.case().final_sanction.as_ref().map(|s| s.code.as_str()),
        Some("reminder_of_conduct")
    );
    assert_eq!(h.case().appeal.as_ref().and_then(|a| a.upheld), Some(true));
}

#[test]
fn a_veto_sends_the_charges_to_a_new_panel() {
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
            reasons: t("the panel did not hear the respondent"),
        },
    );
    assert_eq!(h.stage(), Stage::Charged);
    assert!(h.case().decision.is_none());
    let date = h.today();
    h.run(
        "officer",
        Command::ScheduleHearing {
            draw: None,
            panel: vec![p("p4"), p("p5"), p("p6")],
            date,
            venue: t("Head office"),
        },
    );
    assert_eq!(h.stage(), Stage::Hearing);
}

#[test]
fn expulsion_needs_and_keeps_a_reapply_date() {
    let mut h = case_at(Stage::Hearing, "bullying");
    let reapply = docket_domain::sanction::add_months(h.today(), 60);
    let mut s = sanction("expulsion");
    s.reapply_from = Some(reapply);
    s.aggravating = vec![t("repeated conduct")];
    h.run(
        "p2",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(s),
        },
    );
    notify_and_open_window(&mut h);
    h.advance_days(40);
    h.run("officer", Command::Finalise);
    h.run("officer", Command::ActivateSanction);
    assert_eq!(h.case().sanction_live.map(|l| l.1), Some(Some(reapply)));
}

#[test]
fn a_fixed_term_suspension_runs_for_the_chosen_term() {
    let mut h = case_at(Stage::Hearing, "bullying");
    let mut s = sanction("fixed_term_suspension");
    s.term_months = Some(12);
    h.run(
        "p3",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(s),
        },
    );
    notify_and_open_window(&mut h);
    h.advance_days(40);
    h.run("officer", Command::Finalise);
    h.run("officer", Command::ActivateSanction);
    let (from, until) = h.case().sanction_live.expect("live");
    assert_eq!(until, Some(docket_domain::sanction::add_months(from, 12)));
}

#[test]
fn not_proven_charges_need_no_sanction() {
    let mut h = case_at(Stage::Hearing, "bullying");
    let f = Finding {
        proven: false,
        ..proven(1)
    };
    h.run(
        "p1",
        Command::RecordDecision {
            findings: vec![f],
            sanction: None,
        },
    );
    assert_eq!(h.stage(), Stage::Decided);
}

#[test]
fn side_exits_from_any_open_stage() {
    for stage in [
        Stage::Received,
        Stage::Investigation,
        Stage::Charged,
        Stage::Hearing,
    ] {
        let mut h = case_at(stage, "bullying");
        h.run(
            "officer",
            Command::Withdraw {
                reasons: t("the complainant withdrew"),
            },
        );
        assert_eq!(h.stage(), Stage::Withdrawn);

        let mut h = case_at(stage, "bullying");
        h.run(
            "officer",
            Command::Merge {
                into: CaseId::from_random(7),
                reasons: t("same incident"),
            },
        );
        assert_eq!(h.stage(), Stage::Merged);
        assert_eq!(h.case().merged_into, Some(CaseId::from_random(7)));
    }
}

#[test]
fn a_resigned_respondent_reopens_at_the_stage_reached() {
    let mut h = case_at(Stage::Charged, "bullying");
    h.run(
        "officer",
        Command::RecordResignation {
            note: Some(t("resigned by letter")),
        },
    );
    assert_eq!(h.stage(), Stage::RespondentResigned);
    assert_eq!(h.case().resigned_at_stage, Some(Stage::Charged));
    h.run(
        "officer",
        Command::Reopen {
            reasons: t("applied to rejoin"),
        },
    );
    assert_eq!(h.stage(), Stage::Charged);
}

#[test]
fn suspension_is_imposed_reviewed_and_lifted() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let review = h
        .calendar
        .add_working_days(h.today(), docket_domain::calendar::WorkingDays(60));
    h.run(
        "panel_chair",
        Command::ImposeSuspension {
            scope: vec![Right::AttendMeetings, Right::StandForSelection],
            reasons: t("risk to other members"),
            review_date: Some(review),
        },
    );
    let m = &h.case().measures[0];
    assert!(matches!(
        m.kind,
        MeasureKind::AdministrativeSuspension { .. }
    ));
    assert!(!m.is_overdue(h.today()));
    assert!(m.is_overdue(review.tomorrow().expect("date")));
    h.advance_days(30);
    let next = h
        .calendar
        .add_working_days(h.today(), docket_domain::calendar::WorkingDays(30));
    h.run(
        "panel_chair",
        Command::ReviewMeasure {
            measure: 1,
            reasons: t("investigation continues"),
            next_review: Some(next),
        },
    );
    assert_eq!(h.case().measures[0].review_date, next);
    h.run(
        "panel_chair",
        Command::LiftMeasure {
            measure: 1,
            reasons: t("no longer needed"),
        },
    );
    assert!(!h.case().measures[0].is_active());
}

#[test]
fn whip_is_withdrawn_on_the_leaders_recorded_instruction() {
    let mut h = case_at(Stage::Investigation, "antisemitism");
    h.run(
        "leader",
        Command::RecordLeaderInstruction {
            instruction: t("withdraw the whip pending investigation"),
        },
    );
    let review = h
        .calendar
        .add_working_days(h.today(), docket_domain::calendar::WorkingDays(20));
    h.run(
        "chief_whip",
        Command::WithdrawWhip {
            instruction: None,
            reasons: t("on the leader's instruction"),
            review_date: Some(review),
        },
    );
    let m = &h.case().measures[0];
    assert_eq!(m.kind, MeasureKind::WhipWithdrawal { instruction: 1 });
    assert_eq!(m.imposed_by, p("chief_whip"));
    assert!(h.case().leader_instructions[0].used);
}

#[test]
fn contacts_are_recorded_even_on_closed_cases() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("out of scope"),
        },
    );
    let contact = Contact {
        who: t("A. Adviser"),
        organisation: Some(t("Leader's office")),
        channel: Channel::Phone,
        occurred_on: h.today(),
        summary: t("asked when the case would be closed"),
    };
    h.run("officer", Command::RecordContact { contact });
    assert_eq!(h.case().contacts.len(), 1);
}

#[test]
fn a_measure_can_be_lifted_after_the_case_closes() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let review = h
        .calendar
        .add_working_days(h.today(), docket_domain::calendar::WorkingDays(10));
    h.run(
        "panel_chair",
        Command::ImposeSuspension {
            scope: vec![Right::Vote],
            reasons: t("risk"),
            review_date: Some(review),
        },
    );
    h.run(
        "officer",
        Command::Withdraw {
            reasons: t("withdrawn"),
        },
    );
    h.run(
        "panel_chair",
        Command::LiftMeasure {
            measure: 1,
            reasons: t("case closed"),
        },
    );
    assert_eq!(h.case().active_measures().count(), 0);
}
