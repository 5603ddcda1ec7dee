//! Helpers shared by the integration tests: a Docket on a test store, the demo, dumps.

use crate::backend::TestStore;
use docket::service::Docket;
use docket_domain::calendar::Calendar;
use docket_domain::case::{Case, day_of};
use docket_domain::rulebook::RuleBook;
use docket_domain::store::CaseFilter;

pub fn docket(t: &TestStore) -> Docket {
    Docket::new(
        t.store.clone(),
        RuleBook::default_rules(),
        Calendar::england_and_wales(),
    )
    // One key for every Docket a test makes, as a restarted server keeps its key file.
    .with_evidence_key(docket::evidence::vault::OrgKey::from_bytes([42; 32]))
}

/// Serves `d` on a loopback port: its base URL, and the sender that stops it.
pub async fn serve(d: Docket) -> (String, tokio::sync::oneshot::Sender<()>) {
    let app = docket::http::Application::build(d, "127.0.0.1:0")
        .await
        .expect("bind");
    let addr = app.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop)
}

pub fn today() -> jiff::civil::Date {
    day_of(jiff::Timestamp::now())
}

/// The demo's history with a smaller membership list, for tests that need every kind of case
/// but not half a million members.
pub async fn small_demo(d: &Docket) -> usize {
    docket::demo::generate(d, today(), 20_000, false)
        .await
        .expect("demo generates")
}

pub async fn all_cases(d: &Docket) -> Vec<Case> {
    let mut out = Vec::new();
    for s in d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list")
    {
        out.push(
            d.load_case(&s.id)
                .await
                .expect("load")
                .expect("case exists"),
        );
    }
    out
}

/// The small demo, and one of its cases at `stage`.
pub async fn demo_case_at(d: &Docket, stage: docket_domain::Stage) -> Case {
    small_demo(d).await;
    all_cases(d)
        .await
        .into_iter()
        .find(|c| c.stage == stage)
        .unwrap_or_else(|| panic!("the demo has a case at {stage}"))
}

/// A new account with these roles and a read-write API token for it.
pub async fn token(d: &Docket, name: &str, roles: &[docket_domain::role::Role]) -> String {
    member_token(d, name, roles, None).await
}

/// As [`token`], for an account linked to a membership number (portal users).
pub async fn member_token(
    d: &Docket,
    name: &str,
    roles: &[docket_domain::role::Role],
    member: Option<String>,
) -> String {
    use docket::accounts::{Accounts, NewAccount};
    use docket_domain::account::{Scope, Username};
    use docket_domain::ids::PersonId;
    let username = Username::parse(name).expect("username");
    let admin = PersonId::parse("admin.test").expect("id");
    let now = jiff::Timestamp::now();
    let accounts = Accounts::new(d.clone());
    accounts
        .create(
            NewAccount {
                username: username.clone(),
                person: PersonId::parse(name).expect("person"),
                display_name: name.to_string(),
                roles: roles.iter().copied().collect(),
                member: member
                    .map(|m| docket_domain::ids::MembershipNumber::parse(&m).expect("number")),
                password: "correct horse battery staple".into(),
            },
            &admin,
            now,
        )
        .await
        .expect("account created");
    let scopes = [Scope::Read, Scope::Write].into_iter().collect();
    accounts
        .issue_token(&username, scopes, "test", &admin, now)
        .await
        .expect("token issued")
        .1
}

/// Ann Example's complaint about Bob Example (`member_complaint`), received and
/// acknowledged by `officer` at `at` as case `id`.
pub async fn acknowledged_complaint(
    d: &Docket,
    id: &docket_domain::ids::CaseId,
    officer: &docket_domain::ids::PersonId,
    at: jiff::Timestamp,
) {
    let complaint = member_complaint(
        id.clone(),
        jiff::civil::date(2026, 2, 1),
        "Remarks at a meeting",
        "What was said.",
    );
    d.execute(id, complaint, officer, at)
        .await
        .expect("received");
    d.execute(id, docket_domain::Command::Acknowledge, officer, at)
        .await
        .expect("acknowledged");
}

/// Takes received case `id` through acknowledgement and assessment into an investigation by
/// `investigator`, each step by `officer.intake`.
pub async fn open_investigation(
    d: &Docket,
    id: &docket_domain::ids::CaseId,
    investigator: &docket_domain::ids::PersonId,
) {
    use docket_domain::{Command, ids::Text};
    let officer = docket_domain::ids::PersonId::parse("officer.intake").expect("id");
    let text = |s: &str| Text::parse(s).expect("text");
    for cmd in [
        Command::Acknowledge,
        Command::Assess {
            category: None,
            assessment: text("Worth investigating."),
        },
        Command::OpenInvestigation {
            investigator: investigator.clone(),
            terms: text("Find out what happened."),
        },
    ] {
        d.execute(id, cmd, &officer, jiff::Timestamp::now())
            .await
            .expect("the case moves on");
    }
}

/// Ann Example (member PA100) complains about Bob Example (member PA200).
pub fn member_complaint(
    id: docket_domain::ids::CaseId,
    conduct_date: jiff::civil::Date,
    summary: &str,
    narrative: &str,
) -> docket_domain::Command {
    use docket_domain::command::{Complainant, Respondent};
    use docket_domain::ids::{MembershipNumber, Text};
    docket_domain::Command::ReceiveComplaint {
        id,
        complainant: Complainant::Member {
            number: MembershipNumber::parse("PA100").expect("number"),
            name: "Ann Example".into(),
        },
        respondent: Respondent {
            member: MembershipNumber::parse("PA200").expect("number"),
            name: "Bob Example".into(),
            elected_office: None,
        },
        category: "bullying".into(),
        conduct_date,
        summary: Text::parse(summary).expect("text"),
        narrative: Text::parse(narrative).expect("text"),
    }
}

/// An anonymous complaint about member PA0000001, received as case `id`.
pub fn anonymous_complaint(id: docket_domain::ids::CaseId) -> docket_domain::Command {
    use docket_domain::command::{Complainant, Respondent};
    use docket_domain::ids::{MembershipNumber, Text};
    docket_domain::Command::ReceiveComplaint {
        id,
        complainant: Complainant::Anonymous,
        respondent: Respondent {
            member: MembershipNumber::parse("PA0000001").expect("number"),
            name: "A Member".into(),
            elected_office: None,
        },
        category: "bullying".into(),
        conduct_date: today(),
        summary: Text::parse("A complaint.").expect("text"),
        narrative: Text::parse("What happened.").expect("text"),
    }
}

/// A freshly received case, built by the domain alone (no store), for checks of the policy.
pub fn any_case() -> Case {
    use docket_domain::ids::{CaseId, PersonId};
    use docket_domain::{Context, apply, decide};
    let rules = RuleBook::default_rules();
    let calendar = Calendar::england_and_wales();
    let actor = PersonId::parse("officer.x").expect("id");
    let now = jiff::Timestamp::now();
    let cmd = anonymous_complaint(CaseId::from_random(1));
    let ctx = Context {
        actor: &actor,
        now,
        rules: &rules,
        calendar: &calendar,
    };
    let events = decide(None, &cmd, &ctx).expect("received");
    events
        .iter()
        .try_fold(None, |s, e| apply(s, e, now, &actor).map(Some))
        .expect("applies")
        .expect("a case")
}
