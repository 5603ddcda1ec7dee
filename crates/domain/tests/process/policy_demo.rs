//! The default policy allows everything the demo organisation does (crates/server's demo:
//! stories.rs and walk.rs), each demo person holding the obvious role: case officers
//! CaseOfficer, investigators Investigator, the disputes panel DisputesPanel, the panel pool
//! PanelMember and AppealPanelMember, reviewers IndependentReviewer, the leader, chief whip
//! and leader's office Officeholder, oversight Oversight, the administrator Administrator,
//! and a respondent their own member account. Every step is authorised, then decided.

use super::policy::{assert_allowed, policy};
use super::*;
use docket_domain::calendar::WorkingDays;
use docket_domain::policy::{Action, CaseFacts, Resource};
use docket_domain::role::{Principal, Role};

const OFFICER: &str = "officer.amara-osei";
const INVESTIGATOR: &str = "investigator.eilidh-ward";
const DISPUTES: &str = "disputes.jack-evans";
const PANEL: [&str; 3] = [
    "panel.aisha-clarke",
    "panel.imran-jones",
    "panel.rosa-walker",
];
const APPEAL: [&str; 3] = ["panel.ben-ahmed", "panel.grace-lloyd", "panel.owen-price"];
const REVIEWER: &str = "reviewer.niamh-murphy";
const LEADER: &str = "leader.vera-thomas";
const CHIEF_WHIP: &str = "chief-whip.wes-robinson";
const OVERSIGHT: &str = "oversight.tess-wright";
const ADMIN: &str = "admin.usman-khan";
const RESPONDENT: &str = "member.PA200";

/// The demo person's account, by the prefix of their id.
fn account(actor: &str) -> Principal {
    let (prefix, rest) = actor.split_once('.').expect("demo ids have a prefix");
    let roles: &[Role] = match prefix {
        "officer" => &[Role::CaseOfficer],
        "investigator" => &[Role::Investigator],
        "disputes" => &[Role::DisputesPanel],
        "panel" => &[Role::PanelMember, Role::AppealPanelMember],
        "reviewer" => &[Role::IndependentReviewer],
        "leader" | "chief-whip" | "leaders-office" => &[Role::Officeholder],
        "oversight" => &[Role::Oversight],
        "admin" => &[Role::Administrator],
        "member" => &[Role::Respondent],
        other => panic!("no demo role for {other}"),
    };
    let mut who = Principal::new(p(actor), roles.iter().copied());
    if prefix == "member" {
        who.member = Some(MembershipNumber::parse(rest).expect("number"));
    }
    who
}

/// A harness whose every step is first put to the policy as the demo actor.
struct Demo {
    h: Harness,
}

impl Demo {
    fn new() -> Demo {
        Demo { h: Harness::new() }
    }

    fn step(&mut self, actor: &str, cmd: Command) {
        let action = Action::of(&cmd);
        let who = account(actor);
        let d = match &self.h.case {
            Some(case) if action != Action::ReceiveComplaint => {
                policy().authorize(&who, action, &Resource::Case(&CaseFacts::of(case)))
            }
            _ => policy().authorize(&who, action, &Resource::Organisation),
        };
        assert!(
            d.allowed,
            "{actor} may {action} in the demo, but: {}",
            d.reason
        );
        self.h.run(actor, cmd);
    }

    /// Reads of the case the demo's pages make.
    fn reads(&self, actor: &str, actions: &[Action]) {
        let facts = CaseFacts::of(self.h.case());
        for a in actions {
            let d = policy().authorize(&account(actor), *a, &Resource::Case(&facts));
            assert!(d.allowed, "{actor} may {a}, but: {}", d.reason);
        }
    }

    fn working_days(&self, n: u32) -> Date {
        self.h
            .calendar
            .add_working_days(self.h.today(), WorkingDays(n))
    }

    fn wait(&mut self, days: i64) {
        self.h.advance_days(days);
    }

    fn intake(&mut self, category: &str, elected: bool) {
        self.step(OFFICER, complaint(category, elected));
        self.wait(2);
        self.step(OFFICER, Command::Acknowledge);
        self.wait(6);
        self.step(
            OFFICER,
            Command::Assess {
                category: None,
                assessment: t("Within scope."),
            },
        );
    }

    fn investigate(&mut self) {
        self.step(
            OFFICER,
            Command::OpenInvestigation {
                investigator: p(INVESTIGATOR),
                terms: t("What was said and done."),
            },
        );
        self.wait(40);
        self.step(
            INVESTIGATOR,
            Command::SubmitDraftReport {
                summary: t("Draft report with the evidence gathered."),
            },
        );
        self.wait(7);
        self.step(INVESTIGATOR, Command::StartAccuracyCheck);
        self.wait(14);
    }

    fn suspend(&mut self) {
        let review = self.working_days(55);
        self.step(
            DISPUTES,
            Command::ImposeSuspension {
                scope: vec![Right::AttendMeetings, Right::HoldOffice],
                reasons: t("Pending investigation; this is not a finding."),
                review_date: Some(review),
            },
        );
    }

    fn charge_and_decide(&mut self) {
        self.step(
            DISPUTES,
            Command::Charge {
                charges: vec![charge_218()],
            },
        );
        let today = self.h.today();
        self.step(
            OFFICER,
            Command::ScheduleHearing {
                draw: None,
                panel: PANEL.iter().map(|s| p(s)).collect(),
                date: today,
                venue: t("Constitutional Committee, head office"),
            },
        );
        self.reads(PANEL[1], &[Action::ViewCaseContent, Action::ViewResponse]);
        self.step(
            PANEL[0],
            Command::RecordDecision {
                findings: vec![proven(1)],
                sanction: Some(warning()),
            },
        );
    }
}

#[test]
fn story_one_the_activist_expelled_after_review() {
    let mut d = Demo::new();
    d.intake("antisemitism", false);
    d.investigate_with_suspension();
    d.charge_and_decide();
    let today = d.h.today();
    d.step(
        OFFICER,
        Command::RecordContact {
            contact: Contact {
                who: t("A member of staff in the leader's office"),
                organisation: Some(t("Leader's office")),
                channel: Channel::Phone,
                occurred_on: today,
                summary: t("Called about the hearing venue."),
            },
        },
    );
    d.step(
        OFFICER,
        Command::RequestIndependentReview {
            reviewer: p(REVIEWER),
            draw: None,
        },
    );
    d.reads(REVIEWER, &[Action::ViewCaseContent]);
    d.step(
        REVIEWER,
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: t("The hearing was fair."),
        },
    );
    d.step(OFFICER, Command::NotifyOutcome);
    d.wait(40);
    d.step(OFFICER, Command::Finalise);
    d.step(
        DISPUTES,
        Command::LiftMeasure {
            measure: 1,
            reasons: t("Superseded by the sanction."),
        },
    );
    d.step(OFFICER, Command::ActivateSanction);
    d.wait(190);
    d.step(OFFICER, Command::ExpireSanction);
    assert_eq!(d.h.stage(), Stage::SanctionExpired);
    d.reads(
        OFFICER,
        &[
            Action::ViewCaseContent,
            Action::ViewAuditTrail,
            Action::ViewContactRegister,
            Action::ViewDeclarations,
        ],
    );
    d.reads(DISPUTES, &[Action::ViewCaseContent]);
    d.reads(
        OVERSIGHT,
        &[
            Action::ViewCaseMetadata,
            Action::ViewAuditTrail,
            Action::ViewContactRegister,
        ],
    );
}

impl Demo {
    fn investigate_with_suspension(&mut self) {
        self.step(
            OFFICER,
            Command::OpenInvestigation {
                investigator: p(INVESTIGATOR),
                terms: t("The conduct at the launch."),
            },
        );
        self.reads(INVESTIGATOR, &[Action::ViewCaseContent]);
        self.wait(2);
        self.suspend();
        self.wait(40);
        let next = self.working_days(45);
        self.step(
            DISPUTES,
            Command::ReviewMeasure {
                measure: 1,
                reasons: t("The reasons for the measure still apply."),
                next_review: Some(next),
            },
        );
        self.step(
            INVESTIGATOR,
            Command::SubmitDraftReport {
                summary: t("Draft report."),
            },
        );
        self.step(INVESTIGATOR, Command::StartAccuracyCheck);
        self.wait(14);
    }
}

#[test]
fn story_two_the_mp_suspended_and_the_whip_withdrawn_on_instruction() {
    let mut d = Demo::new();
    d.intake("antisemitism", true);
    d.step(
        OFFICER,
        Command::OpenInvestigation {
            investigator: p(INVESTIGATOR),
            terms: t("Whether the remarks form a pattern."),
        },
    );
    let today = d.h.today();
    d.step(
        OFFICER,
        Command::RecordContact {
            contact: Contact {
                who: t("A senior party figure"),
                organisation: Some(t("Shadow cabinet")),
                channel: Channel::Phone,
                occurred_on: today,
                summary: t("Urged an immediate suspension."),
            },
        },
    );
    d.suspend();
    d.step(
        LEADER,
        Command::RecordLeaderInstruction {
            instruction: t("I instruct the chief whip to withdraw the whip."),
        },
    );
    let review = d.working_days(40);
    d.step(
        CHIEF_WHIP,
        Command::WithdrawWhip {
            instruction: None,
            reasons: t("On the leader's recorded instruction."),
            review_date: Some(review),
        },
    );
    d.wait(30);
    let next = d.working_days(40);
    d.step(
        DISPUTES,
        Command::ReviewMeasure {
            measure: 2,
            reasons: t("Reviewed the whip withdrawal."),
            next_review: Some(next),
        },
    );
    // Story three's ending: measures lifted, then the resignation recorded.
    for m in [1, 2] {
        d.step(
            DISPUTES,
            Command::LiftMeasure {
                measure: m,
                reasons: t("Membership ended: the respondent resigned."),
            },
        );
    }
    d.step(
        OFFICER,
        Command::RecordResignation {
            note: Some(t("Resigned by letter.")),
        },
    );
    assert_eq!(d.h.stage(), Stage::RespondentResigned);
}

#[test]
fn the_generic_walk_s_endings() {
    // Dismissed.
    let mut d = Demo::new();
    d.intake("bullying", false);
    d.step(
        OFFICER,
        Command::Dismiss {
            reasons: t("No breach alleged."),
        },
    );
    // Resolved informally.
    let mut d = Demo::new();
    d.intake("bullying", false);
    d.step(
        OFFICER,
        Command::StartInformalResolution {
            reasons: t("Both parties agreed."),
        },
    );
    d.step(
        OFFICER,
        Command::ResolveInformally {
            outcome: t("Apology accepted."),
        },
    );
    // No further action.
    let mut d = Demo::new();
    d.intake("bullying", false);
    d.investigate();
    d.step(
        DISPUTES,
        Command::DecideNoFurtherAction {
            reasons: t("The evidence does not show a breach."),
        },
    );
    // Withdrawn.
    let mut d = Demo::new();
    d.intake("bullying", false);
    d.step(
        OFFICER,
        Command::Withdraw {
            reasons: t("The complainant withdrew."),
        },
    );
}

#[test]
fn the_generic_walk_s_appeal() {
    let mut d = Demo::new();
    d.intake("bullying", false);
    d.step(
        RESPONDENT,
        Command::SubmitResponse {
            response: t("I deny the allegation."),
            companion: None,
        },
    );
    d.step(
        OFFICER,
        Command::DiscloseComplainantIdentity {
            reasons: t("Needed to answer the allegation."),
        },
    );
    d.reads(
        RESPONDENT,
        &[Action::ViewAllegations, Action::ViewComplainantIdentity],
    );
    d.investigate();
    d.charge_and_decide();
    d.step(OFFICER, Command::NotifyOutcome);
    d.wait(7);
    d.step(
        RESPONDENT,
        Command::LodgeAppeal {
            grounds: t("The sanction is disproportionate."),
        },
    );
    d.step(
        OFFICER,
        Command::ConveneAppealPanel {
            draw: None,
            panel: APPEAL.iter().map(|s| p(s)).collect(),
        },
    );
    d.reads(APPEAL[2], &[Action::ViewCaseContent]);
    d.step(
        APPEAL[0],
        Command::DecideAppeal {
            upheld: false,
            reasons: t("No error in the decision."),
            substitute_sanction: None,
        },
    );
    d.step(OFFICER, Command::ActivateSanction);
    assert_eq!(d.h.stage(), Stage::SanctionLive);
}

#[test]
fn organisation_wide_work() {
    let org = Resource::Organisation;
    for (actor, a) in [
        (OFFICER, Action::ListCases),
        (OFFICER, Action::ViewMembers),
        (DISPUTES, Action::ListCases),
        (OVERSIGHT, Action::ListCases),
        (OVERSIGHT, Action::ViewStatistics),
        (LEADER, Action::ViewStatistics),
        (ADMIN, Action::ImportMembers),
        (ADMIN, Action::ManageUsers),
    ] {
        assert_allowed(&policy().authorize(&account(actor), a, &org));
    }
}

#[test]
fn every_command_has_its_action_named_as_the_api_names_it() {
    let today = date(2026, 3, 2);
    let contact = Contact {
        who: t("x"),
        organisation: None,
        channel: Channel::Email,
        occurred_on: today,
        summary: t("x"),
    };
    let all = vec![
        complaint("bullying", false),
        Command::Acknowledge,
        Command::Assess {
            category: None,
            assessment: t("x"),
        },
        Command::Dismiss { reasons: t("x") },
        Command::StartInformalResolution { reasons: t("x") },
        Command::ResolveInformally { outcome: t("x") },
        Command::Escalate {
            reasons: t("x"),
            investigator: p("i"),
        },
        Command::OpenInvestigation {
            investigator: p("i"),
            terms: t("x"),
        },
        Command::SubmitDraftReport { summary: t("x") },
        Command::StartAccuracyCheck,
        Command::DecideNoFurtherAction { reasons: t("x") },
        Command::Charge {
            charges: vec![charge_218()],
        },
        Command::ScheduleHearing {
            panel: vec![],
            date: today,
            venue: t("x"),
            draw: None,
        },
        Command::RecordDecision {
            findings: vec![],
            sanction: None,
        },
        Command::RequestIndependentReview {
            reviewer: p("r"),
            draw: None,
        },
        Command::RecordReview {
            verdict: ReviewVerdict::Verify,
            reasons: t("x"),
        },
        Command::NotifyOutcome,
        Command::LodgeAppeal { grounds: t("x") },
        Command::ConveneAppealPanel {
            panel: vec![],
            draw: None,
        },
        Command::DecideAppeal {
            upheld: true,
            reasons: t("x"),
            substitute_sanction: None,
        },
        Command::Finalise,
        Command::ActivateSanction,
        Command::ExpireSanction,
        Command::Withdraw { reasons: t("x") },
        Command::Merge {
            into: CaseId::from_random(1),
            reasons: t("x"),
        },
        Command::RecordResignation { note: None },
        Command::Reopen { reasons: t("x") },
        Command::ImposeSuspension {
            scope: vec![Right::Vote],
            reasons: t("x"),
            review_date: None,
        },
        Command::RecordLeaderInstruction {
            instruction: t("x"),
        },
        Command::WithdrawWhip {
            instruction: None,
            reasons: t("x"),
            review_date: None,
        },
        Command::ReviewMeasure {
            measure: 1,
            reasons: t("x"),
            next_review: None,
        },
        Command::LiftMeasure {
            measure: 1,
            reasons: t("x"),
        },
        Command::RecordContact { contact },
        Command::DeclareConflict {
            person: p("x"),
            interest: t("x"),
        },
        Command::DiscloseComplainantIdentity { reasons: t("x") },
        Command::SubmitResponse {
            response: t("x"),
            companion: Some(t("A friend")),
        },
        Command::SendMessage {
            to: docket_domain::command::Party::Respondent,
            body: t("x"),
        },
        Command::ComplainantReply { body: t("x") },
        Command::RespondentReply { body: t("x") },
        Command::AddEvidence {
            sha256: "0".repeat(64),
            filename: "x.txt".into(),
            media_type: "text/plain".into(),
            size: 1,
            redaction_of: None,
        },
        Command::DiscloseEvidence {
            item: 1,
            to: docket_domain::command::Party::Respondent,
            reasons: t("x"),
            copy: None,
        },
        Command::PauseClock { reasons: t("x") },
        Command::ResumeClock,
    ];
    let mut seen = vec![];
    for cmd in &all {
        let json = serde_json::to_value(cmd).expect("serialises");
        let action = Action::of(cmd);
        assert_eq!(json["command"].as_str(), Some(action.as_str()));
        assert!(action.is_command());
        seen.push(action);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        Action::ALL.iter().filter(|a| a.is_command()).count()
    );
}
