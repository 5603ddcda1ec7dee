//! The default authorisation policy on real cases: every forbid rule, and who the permits
//! let in. Cases are walked through `decide` and `apply` by the harness, then described to
//! the policy with `CaseFacts::of`.

use super::*;
use docket_domain::policy::{Action, CaseFacts, Decision, Policy, Resource};
use docket_domain::role::{Principal, Role};
use std::sync::OnceLock;

pub(crate) fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| match Policy::default_policy() {
        Ok(p) => p,
        Err(e) => panic!("the default policy loads: {e}"),
    })
}

pub(crate) fn staff(person: &str, roles: &[Role]) -> Principal {
    Principal::new(p(person), roles.iter().copied())
}

/// A portal user who is a member.
pub(crate) fn member(number: &str, roles: &[Role]) -> Principal {
    let mut who = Principal::new(p(&format!("member.{number}")), roles.iter().copied());
    who.member = Some(MembershipNumber::parse(number).expect("number"));
    who
}

pub(crate) fn ask_about(facts: &CaseFacts, who: &Principal, action: Action) -> Decision {
    policy().authorize(who, action, &Resource::Case(facts))
}

fn ask(h: &Harness, who: &Principal, action: Action) -> Decision {
    ask_about(&CaseFacts::of(h.case()), who, action)
}

fn ask_org(who: &Principal, action: Action) -> Decision {
    policy().authorize(who, action, &Resource::Organisation)
}

#[track_caller]
pub(crate) fn assert_allowed(d: &Decision) {
    assert!(d.allowed, "expected allowed: {}", d.reason);
    assert!(!d.policies.is_empty() && d.reason.starts_with("permitted by policy "));
}

/// Denied, with `id` among the deciding forbids and named in the reason.
#[track_caller]
pub(crate) fn assert_forbidden_by(d: &Decision, id: &str) {
    assert!(!d.allowed, "expected {id} to forbid it, but: {}", d.reason);
    assert!(
        d.policies.iter().any(|p| p == id),
        "{id} not in {:?}",
        d.policies
    );
    assert!(d.reason.starts_with("forbidden by policy "), "{}", d.reason);
    assert!(d.reason.contains(id), "{}", d.reason);
}

#[track_caller]
fn assert_not_permitted(d: &Decision, words: &str) {
    assert!(!d.allowed, "expected no permit, but: {}", d.reason);
    assert!(d.policies.is_empty(), "{:?}", d.policies);
    assert_eq!(d.reason, words);
}

const CONTENT: [Action; 6] = [
    Action::ViewCaseContent,
    Action::ViewComplaint,
    Action::ViewAllegations,
    Action::ViewComplainantIdentity,
    Action::ViewResponse,
    Action::ViewDeclarations,
];

#[test]
fn officeholders_and_administrators_never_read_content_whatever_else_they_are_granted() {
    let h = case_at(Stage::Investigation, "bullying");
    let office = staff(
        "leaders-office.zoe",
        &[Role::Officeholder, Role::CaseOfficer],
    );
    for a in CONTENT {
        let d = ask(&h, &office, a);
        assert_forbidden_by(&d, "officeholders-never-read-content");
        assert_eq!(
            d.reason,
            "forbidden by policy officeholders-never-read-content: officeholders and administrators never read case content"
        );
    }
    // The case officer grant still works for what is not content.
    assert_allowed(&ask(&h, &office, Action::ViewCaseMetadata));
    let admin = staff("admin.usman", &[Role::Administrator, Role::DisputesPanel]);
    assert_forbidden_by(
        &ask(&h, &admin, Action::ViewCaseContent),
        "officeholders-never-read-content",
    );
}

#[test]
fn officeholders_see_statistics_and_take_whip_measures_only() {
    let h = case_at(Stage::Investigation, "bullying");
    let leader = staff("leader.vera", &[Role::Officeholder]);
    assert_allowed(&ask_org(&leader, Action::ViewStatistics));
    assert_allowed(&ask(&h, &leader, Action::RecordLeaderInstruction));
    assert_allowed(&ask(&h, &leader, Action::WithdrawWhip));
    assert_not_permitted(
        &ask_org(&leader, Action::ListCases),
        "no policy permits an officeholder to list_cases",
    );
    assert_not_permitted(
        &ask(&h, &leader, Action::ImposeSuspension),
        "no policy permits an officeholder to impose_suspension",
    );
    let offered = policy().allowed_actions(&leader, &Resource::Case(&CaseFacts::of(h.case())));
    assert_eq!(
        offered,
        [
            Action::RecordLeaderInstruction,
            Action::WithdrawWhip,
            Action::DeclareConflict
        ]
    );
}

#[test]
fn oversight_sees_metadata_never_content() {
    let h = case_at(Stage::Charged, "bullying");
    let o = staff("oversight.tess", &[Role::Oversight]);
    for a in [
        Action::ListCases,
        Action::ViewStatistics,
        Action::ViewAuditTrail,
    ] {
        assert_allowed(&ask_org(&o, a));
    }
    for a in [
        Action::ViewCaseMetadata,
        Action::ViewAuditTrail,
        Action::ViewContactRegister,
    ] {
        assert_allowed(&ask(&h, &o, a));
    }
    for a in CONTENT {
        assert_forbidden_by(&ask(&h, &o, a), "oversight-never-reads-content");
    }
    // Even an oversight member who is also a case officer.
    let both = staff("oversight.tess", &[Role::Oversight, Role::CaseOfficer]);
    assert_forbidden_by(
        &ask(&h, &both, Action::ViewCaseContent),
        "oversight-never-reads-content",
    );
    assert_not_permitted(
        &ask(&h, &o, Action::Acknowledge),
        "no policy permits oversight to acknowledge",
    );
}

#[test]
fn a_conflicted_person_may_not_act_or_read_but_may_declare() {
    let mut h = case_at(Stage::AccuracyCheck, "bullying");
    let officer = staff("officer", &[Role::CaseOfficer]);
    let other = staff("officer2", &[Role::CaseOfficer]);
    let cd = staff("cd", &[Role::DisputesPanel]);
    assert_allowed(&ask(&h, &officer, Action::ViewCaseContent));
    h.run(
        "officer",
        Command::DeclareConflict {
            person: p("officer"),
            interest: t("the respondent is my brother-in-law"),
        },
    );
    h.run(
        "cd",
        Command::DeclareConflict {
            person: p("cd"),
            interest: t("I campaigned with the complainant"),
        },
    );
    for a in [
        Action::ViewCaseContent,
        Action::ViewCaseMetadata,
        Action::ScheduleHearing,
        Action::RecordContact,
        Action::ViewAuditTrail,
    ] {
        assert_forbidden_by(&ask(&h, &officer, a), "conflicted-never-act");
    }
    for a in [
        Action::Charge,
        Action::ImposeSuspension,
        Action::ViewCaseContent,
    ] {
        assert_forbidden_by(&ask(&h, &cd, a), "conflicted-never-act");
    }
    assert_allowed(&ask(&h, &officer, Action::DeclareConflict));
    assert_allowed(&ask(&h, &other, Action::ViewCaseContent));
    assert_allowed(&ask(&h, &other, Action::ScheduleHearing));
}

#[test]
fn only_the_case_s_investigator_investigates() {
    let h = case_at(Stage::Investigation, "bullying");
    let ivy = staff("ivy", &[Role::Investigator]);
    let ian = staff("ian", &[Role::Investigator]);
    let officer = staff("officer", &[Role::CaseOfficer]);
    assert_allowed(&ask(&h, &ivy, Action::SubmitDraftReport));
    assert_allowed(&ask(&h, &ivy, Action::ViewCaseContent));
    for who in [&ian, &officer] {
        assert_forbidden_by(
            &ask(&h, who, Action::StartAccuracyCheck),
            "only-the-investigator-investigates",
        );
    }
    // Another investigator has no business reading the case either.
    assert_not_permitted(
        &ask(&h, &ian, Action::ViewCaseContent),
        "no policy permits an investigator to view_case_content",
    );
}

#[test]
fn separation_of_functions_between_investigation_charging_and_judging() {
    let h = case_at(Stage::AccuracyCheck, "bullying");
    // The investigator also sits on the disputes panel: they may not charge their own case.
    let ivy = staff("ivy", &[Role::Investigator, Role::DisputesPanel]);
    let d = ask(&h, &ivy, Action::Charge);
    assert_forbidden_by(&d, "separation-charging");
    assert!(d.reason.contains("separation of functions"), "{}", d.reason);
    assert_forbidden_by(
        &ask(&h, &ivy, Action::DecideNoFurtherAction),
        "separation-charging",
    );
    // The domain never gives one person two functions; the policy holds on its own anyway.
    let mut facts = CaseFacts::of(h.case());
    facts.charging.push(p("ivy"));
    assert_forbidden_by(
        &ask_about(&facts, &ivy, Action::SubmitDraftReport),
        "separation-investigation",
    );
}

#[test]
fn separation_of_functions_between_hearing_review_and_appeal() {
    let mut h = case_at(Stage::Decided, "antisemitism");
    h.run(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("rev"),
            draw: None,
        },
    );
    let facts = CaseFacts::of(h.case());
    let rev = staff("rev", &[Role::IndependentReviewer, Role::PanelMember]);
    assert_allowed(&ask_about(&facts, &rev, Action::RecordReview));
    // A reviewer put on the hearing panel may not decide, nor a panel member review.
    let mut both = facts.clone();
    both.hearing_panel.push(p("rev"));
    assert_forbidden_by(
        &ask_about(&both, &rev, Action::RecordDecision),
        "separation-hearing",
    );
    assert_forbidden_by(
        &ask_about(&both, &rev, Action::RecordReview),
        "separation-review",
    );
    // A veto moves the hearing panel to the vetoed panel; none of them may decide again,
    // nor sit on the appeal.
    h.run(
        "rev",
        Command::RecordReview {
            verdict: ReviewVerdict::Veto,
            reasons: t("the panel did not consider the evidence of the second witness"),
        },
    );
    let mut facts = CaseFacts::of(h.case());
    assert_eq!(facts.vetoed_panel, [p("p1"), p("p2"), p("p3")]);
    let p1 = staff("p1", &[Role::PanelMember, Role::AppealPanelMember]);
    facts.hearing_panel.push(p("p1"));
    facts.appeal_panel.push(p("p1"));
    assert_forbidden_by(
        &ask_about(&facts, &p1, Action::RecordDecision),
        "separation-hearing",
    );
    assert_forbidden_by(
        &ask_about(&facts, &p1, Action::DecideAppeal),
        "separation-appeal",
    );
    // The charging decision-maker may not hear the appeal either.
    let cd = staff("cd", &[Role::AppealPanelMember]);
    let mut facts = CaseFacts::of(h.case());
    facts.appeal_panel.push(p("cd"));
    assert_forbidden_by(
        &ask_about(&facts, &cd, Action::DecideAppeal),
        "separation-appeal",
    );
}

#[test]
fn the_complainant_follows_their_complaint_but_never_sees_the_response() {
    let mut h = case_at(Stage::Investigation, "bullying");
    h.run(
        "member.PA200",
        Command::SubmitResponse {
            response: t("I deny it"),
            companion: None,
        },
    );
    let ann = member("PA100", &[Role::Complainant]);
    assert_allowed(&ask(&h, &ann, Action::ViewComplaint));
    assert_forbidden_by(
        &ask(&h, &ann, Action::ViewResponse),
        "complainant-never-sees-response",
    );
    assert_forbidden_by(
        &ask(&h, &ann, Action::ViewCaseContent),
        "parties-act-only-as-parties",
    );
    assert_not_permitted(
        &ask(&h, &ann, Action::ViewAllegations),
        "no policy permits a complainant to view_allegations",
    );
    // A complainant who is also a case officer is still only a party to their own case.
    let staff_ann = member("PA100", &[Role::Complainant, Role::CaseOfficer]);
    assert_forbidden_by(
        &ask(&h, &staff_ann, Action::ViewResponse),
        "complainant-never-sees-response",
    );
    assert_forbidden_by(
        &ask(&h, &staff_ann, Action::ScheduleHearing),
        "parties-act-only-as-parties",
    );
    // Another member sees nothing of it.
    let stranger = member("PA999", &[Role::Complainant]);
    assert!(!ask(&h, &stranger, Action::ViewComplaint).allowed);
}

#[test]
fn an_anonymous_complainant_follows_only_the_case_their_receipt_is_for() {
    let h = case_at(Stage::Acknowledged, "bullying");
    let mut anon = staff("receipt.7KQ2", &[Role::Complainant]);
    anon.receipt_for = Some(h.case().id.clone());
    assert_allowed(&ask(&h, &anon, Action::ViewComplaint));
    assert_forbidden_by(
        &ask(&h, &anon, Action::ViewResponse),
        "complainant-never-sees-response",
    );
    anon.receipt_for = Some(CaseId::from_random(99));
    assert_not_permitted(
        &ask(&h, &anon, Action::ViewComplaint),
        "no policy permits a complainant to view_complaint",
    );
}

#[test]
fn the_respondent_answers_and_learns_who_complained_only_once_disclosed() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let bob = member("PA200", &[Role::Respondent]);
    for a in [
        Action::ViewAllegations,
        Action::SubmitResponse,
        Action::ViewResponse,
        Action::LodgeAppeal,
    ] {
        assert_allowed(&ask(&h, &bob, a));
    }
    assert_forbidden_by(
        &ask(&h, &bob, Action::ViewComplainantIdentity),
        "respondent-sees-complainant-only-once-disclosed",
    );
    assert_forbidden_by(
        &ask(&h, &bob, Action::ViewCaseContent),
        "parties-act-only-as-parties",
    );
    assert_not_permitted(
        &ask(&h, &bob, Action::ViewComplaint),
        "no policy permits a respondent to view_complaint",
    );
    // Only a case officer discloses.
    let officer = staff("officer", &[Role::CaseOfficer]);
    assert_allowed(&ask(&h, &officer, Action::DiscloseComplainantIdentity));
    for who in [&bob, &staff("ivy", &[Role::Investigator])] {
        assert!(!ask(&h, who, Action::DiscloseComplainantIdentity).allowed);
    }
    h.run(
        "officer",
        Command::DiscloseComplainantIdentity {
            reasons: t("the respondent cannot answer without knowing who was present"),
        },
    );
    let d = ask(&h, &bob, Action::ViewComplainantIdentity);
    assert_allowed(&d);
    assert_eq!(d.policies, ["respondent-answers-own-case"]);
    // Another member is not the respondent.
    let carl = member("PA300", &[Role::Respondent]);
    assert!(!ask(&h, &carl, Action::ViewAllegations).allowed);
}

#[test]
fn function_holders_read_only_their_own_cases() {
    let mut h = case_at(Stage::Hearing, "antisemitism");
    let p1 = staff("p1", &[Role::PanelMember]);
    let p9 = staff("p9", &[Role::PanelMember]);
    assert_allowed(&ask(&h, &p1, Action::ViewCaseContent));
    assert_allowed(&ask(&h, &p1, Action::ViewResponse));
    assert!(!ask(&h, &p9, Action::ViewCaseContent).allowed);
    // Holding the function without the role gives nothing.
    let p1_without = staff("p1", &[]);
    assert!(!ask(&h, &p1_without, Action::ViewCaseContent).allowed);
    h.run(
        "p1",
        Command::RecordDecision {
            findings: vec![proven(1)],
            sanction: Some(warning()),
        },
    );
    h.run(
        "officer",
        Command::RequestIndependentReview {
            reviewer: p("rev"),
            draw: None,
        },
    );
    let rev = staff("rev", &[Role::IndependentReviewer]);
    assert_allowed(&ask(&h, &rev, Action::ViewCaseContent));
    assert!(
        !ask(
            &h,
            &staff("rev2", &[Role::IndependentReviewer]),
            Action::ViewCaseContent
        )
        .allowed
    );
    // The disputes panel reads any case.
    assert_allowed(&ask(
        &h,
        &staff("jack", &[Role::DisputesPanel]),
        Action::ViewCaseContent,
    ));
}

#[test]
fn administrators_manage_users_and_members_but_not_cases() {
    let admin = staff("admin.usman", &[Role::Administrator]);
    for a in [
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewMembers,
        Action::ImportMembers,
        Action::ViewStatistics,
    ] {
        assert_allowed(&ask_org(&admin, a));
    }
    assert_not_permitted(
        &ask_org(&admin, Action::ListCases),
        "no policy permits an administrator to list_cases",
    );
    let officer = staff("officer", &[Role::CaseOfficer]);
    assert_allowed(&ask_org(&officer, Action::ViewMembers));
    assert!(!ask_org(&officer, Action::ManageUsers).allowed);
}

#[test]
fn each_party_writes_only_on_their_own_side_and_officers_write_to_either() {
    use docket_domain::command::Party;
    let mut h = case_at(Stage::Investigation, "bullying");
    let ann = member("PA100", &[Role::Complainant]);
    let bob = member("PA200", &[Role::Respondent]);
    let officer = staff("officer", &[Role::CaseOfficer]);
    let mut anon = staff("receipt.7KQ2", &[Role::Complainant]);
    anon.receipt_for = Some(h.case().id.clone());
    assert_allowed(&ask(&h, &officer, Action::SendMessage));
    assert_allowed(&ask(&h, &ann, Action::ComplainantReply));
    assert_allowed(&ask(&h, &anon, Action::ComplainantReply));
    assert_allowed(&ask(&h, &bob, Action::RespondentReply));
    // Neither party may speak for the other, nor write as staff.
    assert_not_permitted(
        &ask(&h, &ann, Action::RespondentReply),
        "no policy permits a complainant to respondent_reply",
    );
    assert_not_permitted(
        &ask(&h, &bob, Action::ComplainantReply),
        "no policy permits a respondent to complainant_reply",
    );
    assert!(!ask(&h, &bob, Action::SendMessage).allowed);
    let stranger = member("PA999", &[Role::Complainant]);
    assert!(!ask(&h, &stranger, Action::ComplainantReply).allowed);
    let officeholder = staff("leaders-office.zoe", &[Role::Officeholder]);
    assert!(!ask(&h, &officeholder, Action::SendMessage).allowed);

    // Each message is kept on the side of the party it is with.
    h.run(
        "officer",
        Command::SendMessage {
            to: Party::Respondent,
            body: t("Please send your response by Friday."),
        },
    );
    h.run(
        "member.PA200",
        Command::RespondentReply { body: t("I will.") },
    );
    h.run(
        "officer",
        Command::SendMessage {
            to: Party::Complainant,
            body: t("We have opened an investigation."),
        },
    );
    h.run(
        "member.PA100",
        Command::ComplainantReply {
            body: t("Thank you."),
        },
    );
    let sides: Vec<(Party, bool)> = h
        .case()
        .messages
        .iter()
        .map(|m| (m.party, m.from_party))
        .collect();
    assert_eq!(
        sides,
        [
            (Party::Respondent, false),
            (Party::Respondent, true),
            (Party::Complainant, false),
            (Party::Complainant, true),
        ]
    );
    assert_eq!(h.case().messages[1].by, p("member.PA200"));
}

#[test]
fn third_parties_get_no_messages_and_closed_cases_take_no_replies() {
    use docket_domain::command::Party;
    let mut h = Harness::new();
    let mut cmd = complaint("bullying", false);
    if let Command::ReceiveComplaint { complainant, .. } = &mut cmd {
        *complainant = Complainant::ThirdParty {
            name: "A Journalist".into(),
            organisation: Some("The Paper".into()),
            email: None,
        };
    }
    h.run("officer", cmd);
    h.refused(
        "officer",
        Command::SendMessage {
            to: Party::Complainant,
            body: t("hello"),
        },
        Rule::ThirdPartyAcknowledgedOnly,
        "third party",
    );
    h.run(
        "officer",
        Command::SendMessage {
            to: Party::Respondent,
            body: t("A complaint has been made about you."),
        },
    );
    h.run(
        "officer",
        Command::Withdraw {
            reasons: t("withdrawn"),
        },
    );
    h.refused(
        "member.PA200",
        Command::RespondentReply { body: t("late") },
        Rule::StageOrder,
        "closed",
    );
}

#[test]
fn a_response_may_name_a_companion_and_old_commands_still_parse() {
    let mut h = case_at(Stage::Investigation, "bullying");
    let old: Command =
        serde_json::from_str(r#"{"command":"submit_response","response":"I deny it"}"#)
            .expect("a response without a companion parses");
    h.run("member.PA200", old);
    assert_eq!(h.case().companion, None);
    h.run(
        "member.PA200",
        Command::SubmitResponse {
            response: t("More detail."),
            companion: Some(t("Chris Friend (union representative)")),
        },
    );
    assert_eq!(
        h.case().companion.as_ref().map(|c| c.as_str()),
        Some("Chris Friend (union representative)")
    );
    assert_eq!(h.case().responses.len(), 2);
}
