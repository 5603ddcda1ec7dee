//! The policy matrix (docs/POLICY-MATRIX.md) checked against the running server over HTTP:
//! every principal × every action on a closed demo case that went through every function,
//! each principal signed in with its own API token.

use crate::backend;
use crate::support;
use docket::accounts::Accounts;
use docket::service::ServiceError;
use docket_domain::Command;
use docket_domain::account::{Scope, Username};
use docket_domain::case::Case;
use docket_domain::command::Complainant;
use docket_domain::function::Function;
use docket_domain::ids::{PersonId, Text};
use docket_domain::role::{Principal, Role};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The matrix as written in the docs: principal → action → allowed.
fn matrix() -> (Vec<String>, Vec<(String, Vec<bool>)>) {
    let doc = include_str!("../../../../docs/POLICY-MATRIX.md");
    let table = doc
        .split("## The matrix")
        .nth(1)
        .expect("the doc has a matrix section");
    let mut rows = table.lines().filter(|l| l.starts_with('|'));
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = cells(rows.next().expect("header"));
    assert_eq!(header[0], "principal");
    let actions = header[1..].to_vec();
    let mut out = Vec::new();
    for line in rows.skip(1) {
        let c = cells(line);
        assert_eq!(
            c.len(),
            actions.len() + 1,
            "row has a cell per action: {line}"
        );
        let allowed = c[1..]
            .iter()
            .map(|v| match v.as_str() {
                "✓" => true,
                "✗" => false,
                other => panic!("cell '{other}' in row {line}"),
            })
            .collect();
        out.push((c[0].clone(), allowed));
    }
    (actions, out)
}

/// A closed case that went through every function, with a member as complainant.
fn fixture(cases: &[Case]) -> &Case {
    cases
        .iter()
        .find(|c| {
            let f = &c.functions;
            !c.is_open()
                && matches!(c.complainant, Complainant::Member { .. })
                && [
                    Function::Investigator,
                    Function::ChargingDecision,
                    Function::HearingPanel,
                    Function::IndependentReviewer,
                    Function::AppealPanel,
                ]
                .iter()
                .all(|x| f.holder(*x).is_some())
                && f.members(Function::VetoedPanel).is_empty()
        })
        .expect("the demo has a closed case that went through every function")
}

struct Setup {
    accounts: Accounts,
    admin: PersonId,
    now: Timestamp,
}

impl Setup {
    async fn token_of_person(&self, person: &PersonId) -> String {
        let account = self
            .accounts
            .docket
            .store
            .account_by_person(person)
            .await
            .expect("store")
            .unwrap_or_else(|| panic!("the demo has an account for {person}"));
        self.token(&account.username).await
    }

    async fn token(&self, username: &Username) -> String {
        let scopes = BTreeSet::from([Scope::Read, Scope::Write]);
        let (_, token) = self
            .accounts
            .issue_token(username, scopes, "policy matrix", &self.admin, self.now)
            .await
            .expect("token issued");
        token
    }
}

fn first_with_role<'a>(
    accounts: &'a [docket_domain::account::Account],
    role: Role,
    f: &Case,
) -> &'a docket_domain::account::Account {
    accounts
        .iter()
        .find(|a| {
            a.roles.contains(&role)
                && !f.functions.holders.iter().any(|(p, _)| *p == a.person)
                && f.conflict_of(&a.person).is_none()
        })
        .unwrap_or_else(|| panic!("the demo has a {role} with no function in the case"))
}

/// The request an action makes: method, path, body.
fn request(action: &str, f: &Case) -> (reqwest::Method, String, Option<Value>) {
    let r = &f.id;
    let get = |p: String| (reqwest::Method::GET, p, None);
    let cmd = |body: Value| {
        (
            reqwest::Method::POST,
            format!("/api/v1/cases/{r}/commands"),
            Some(body),
        )
    };
    let today = support::today().to_string();
    match action {
        "list_cases" => get("/api/v1/cases".into()),
        "view_case_metadata" => get(format!("/api/v1/cases/{r}")),
        "view_case_content" => get(format!("/api/v1/cases/{r}/file")),
        "view_complaint" => get(format!("/api/v1/cases/{r}/complaint")),
        "view_allegations" => get(format!("/api/v1/cases/{r}/allegations")),
        "view_audit_trail" => get(format!("/api/v1/cases/{r}/audit")),
        "view_contact_register" => get(format!("/api/v1/cases/{r}/contacts")),
        "view_declarations" => get(format!("/api/v1/cases/{r}/declarations")),
        "view_outcome_notice" => get(format!("/api/v1/cases/{r}/outcome-notice")),
        "view_statistics" => get("/api/v1/statistics".into()),
        "view_users" => get("/api/v1/users".into()),
        // The small demo imports the first 20,000 members only.
        "view_members" => get("/api/v1/members/PA0000001".into()),
        "acknowledge" => cmd(json!({"command": "acknowledge"})),
        "charge" => cmd(json!({"command": "charge", "charges": [{
            "clause": "2.1.8", "conduct_date": f.conduct_date.to_string(),
            "particulars": "Particulars for the matrix test."}]})),
        "record_decision" => cmd(json!({"command": "record_decision", "findings": [{
            "charge": 1, "proven": false, "reasons": "Reasons for the matrix test."}]})),
        "record_review" => cmd(json!({"command": "record_review", "verdict": "verify",
            "reasons": "Reasons for the matrix test."})),
        "decide_appeal" => cmd(json!({"command": "decide_appeal", "upheld": false,
            "reasons": "Reasons for the matrix test."})),
        "submit_draft_report" => cmd(json!({"command": "submit_draft_report",
            "summary": "A summary for the matrix test."})),
        "record_contact" => cmd(json!({"command": "record_contact", "contact": {
            "who": "A caller", "channel": "phone", "occurred_on": today,
            "summary": "Asked how the case was going."}})),
        "submit_response" => cmd(json!({"command": "submit_response",
            "response": "My answer to the allegations."})),
        "lodge_appeal" => cmd(json!({"command": "lodge_appeal", "grounds": "Grounds."})),
        "impose_suspension" => cmd(json!({"command": "impose_suspension",
            "scope": ["vote"], "reasons": "Reasons for the matrix test."})),
        "withdraw_whip" => cmd(json!({"command": "withdraw_whip",
            "reasons": "Reasons for the matrix test."})),
        "send_message" => cmd(json!({"command": "send_message", "to": "respondent",
            "body": "A message for the matrix test."})),
        "complainant_reply" => cmd(json!({"command": "complainant_reply",
            "body": "A reply for the matrix test."})),
        "respondent_reply" => cmd(json!({"command": "respondent_reply",
            "body": "A reply for the matrix test."})),
        "add_evidence" => cmd(json!({"command": "add_evidence", "sha256": "0".repeat(64),
            "filename": "matrix.txt", "media_type": "text/plain", "size": 1})),
        "disclose_evidence" => cmd(json!({"command": "disclose_evidence", "item": 1,
            "to": "respondent", "reasons": "Disclosed for the matrix test."})),
        "pause_clock" => cmd(json!({"command": "pause_clock",
            "reasons": "Stopped for the matrix test."})),
        "resume_clock" => cmd(json!({"command": "resume_clock"})),
        other => panic!("the matrix names an action the test cannot make: {other}"),
    }
}

#[tokio::test]
async fn the_policy_matrix_holds_over_http() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    support::small_demo(&d).await;
    let now = Timestamp::now();
    docket::demo::accounts::create(&d, &docket::demo::people::Staff::new(), now)
        .await
        .expect("demo accounts");
    let cases = support::all_cases(&d).await;
    let f = fixture(&cases).clone();
    let all = d.store.accounts().await.expect("accounts");
    let admin = first_with_role(&all, Role::Administrator, &f)
        .person
        .clone();
    let s = Setup {
        accounts: Accounts::new(d.clone()),
        admin,
        now,
    };

    let holder = |x: Function| f.functions.holder(x).expect("holder").clone();
    let only_on = |x: Function| {
        f.functions
            .members(x)
            .into_iter()
            .find(|p| f.functions.holders.iter().filter(|(q, _)| q == *p).count() == 1)
            .expect("a member holding only this function")
            .clone()
    };
    let officers: Vec<_> = all
        .iter()
        .filter(|a| a.roles.contains(&Role::CaseOfficer))
        .collect();
    let conflicted = officers[1];
    d.execute_as(
        &f.id,
        Command::DeclareConflict {
            person: conflicted.person.clone(),
            interest: Text::parse("Knows the respondent well.").expect("text"),
        },
        &conflicted.principal(),
        now,
    )
    .await
    .expect("the conflict is declared");
    let f = d.load_case(&f.id).await.expect("load").expect("case");
    let other_complainant = cases
        .iter()
        .find_map(|c| match &c.complainant {
            Complainant::Member { number, .. }
                if c.id != f.id
                    && *number != f.respondent.member
                    && Some(number) != member_of(&f).as_ref() =>
            {
                Some(number.to_string())
            }
            _ => None,
        })
        .expect("another case with a member complainant");

    let mut tokens: BTreeMap<&str, String> = BTreeMap::new();
    tokens.insert("case_officer", s.token(&officers[0].username).await);
    tokens.insert(
        "case_officer·conflicted",
        s.token(&conflicted.username).await,
    );
    tokens.insert(
        "investigator@F",
        s.token_of_person(&holder(Function::Investigator)).await,
    );
    tokens.insert(
        "investigator",
        s.token(&first_with_role(&all, Role::Investigator, &f).username)
            .await,
    );
    tokens.insert(
        "disputes@F",
        s.token_of_person(&holder(Function::ChargingDecision)).await,
    );
    tokens.insert(
        "panel@F",
        s.token_of_person(&only_on(Function::HearingPanel)).await,
    );
    tokens.insert(
        "panel",
        s.token(&first_with_role(&all, Role::PanelMember, &f).username)
            .await,
    );
    tokens.insert(
        "reviewer@F",
        s.token_of_person(&holder(Function::IndependentReviewer))
            .await,
    );
    tokens.insert(
        "appeal@F",
        s.token_of_person(&only_on(Function::AppealPanel)).await,
    );
    tokens.insert(
        "oversight",
        s.token(&first_with_role(&all, Role::Oversight, &f).username)
            .await,
    );
    tokens.insert(
        "administrator",
        s.token(&first_with_role(&all, Role::Administrator, &f).username)
            .await,
    );
    let leaders_office = all
        .iter()
        .find(|a| a.person.as_str().starts_with("leaders-office."))
        .expect("the leader's office has an account");
    tokens.insert("officeholder", s.token(&leaders_office.username).await);
    tokens.insert(
        "officeholder+case_officer",
        support::member_token(
            &d,
            "office.mistaken-grant",
            &[Role::Officeholder, Role::CaseOfficer],
            None,
        )
        .await,
    );
    tokens.insert(
        "complainant@F",
        support::member_token(
            &d,
            "portal.complainant-f",
            &[Role::Complainant],
            member_of(&f).map(|m| m.to_string()),
        )
        .await,
    );
    tokens.insert(
        "complainant",
        support::member_token(
            &d,
            "portal.complainant-other",
            &[Role::Complainant],
            Some(other_complainant),
        )
        .await,
    );
    tokens.insert(
        "respondent@F",
        support::member_token(
            &d,
            "portal.respondent-f",
            &[Role::Respondent],
            Some(f.respondent.member.to_string()),
        )
        .await,
    );

    let (base, _stop) = support::serve(d.clone()).await;
    let http = reqwest::Client::new();
    let (actions, rows) = matrix();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (principal, allowed) in &rows {
        let token = tokens
            .get(principal.as_str())
            .unwrap_or_else(|| panic!("no account for the matrix's principal {principal}"));
        for (action, allow) in actions.iter().zip(allowed) {
            let (method, path, body) = request(action, &f);
            let mut req = http
                .request(method, format!("{base}{path}"))
                .bearer_auth(token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let res = req.send().await.expect("request");
            let status = res.status().as_u16();
            let ctype = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let text = res.text().await.expect("body");
            checked += 1;
            let ok = if *allow {
                (200..300).contains(&status) || status == 422
            } else {
                status == 403
                    && ctype == "application/problem+json"
                    && serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v.get("policy").cloned())
                        .is_some()
            };
            if !ok {
                wrong.push(format!(
                    "{principal} {action}: expected {}, got {status} {text}",
                    if *allow { "allowed" } else { "denied" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} cells disagree with docs/POLICY-MATRIX.md:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(checked, rows.len() * actions.len());

    // Every refusal on F is in F's audit trail, by the person refused.
    let views = d
        .store
        .stream_events(&docket_domain::view::views_stream(&f.id))
        .await
        .expect("views");
    let denied: BTreeSet<(String, String)> = views
        .iter()
        .filter(|e| e.kind == "access_denied")
        .map(|e| {
            let v: Value = serde_json::from_str(&e.payload).expect("json");
            (
                e.actor.clone(),
                v["action"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        denied.contains(&(
            leaders_office.person.to_string(),
            "view_case_content".into()
        )),
        "the officeholder's attempt to open the case file is in its audit trail"
    );
    assert!(denied.contains(&("office.mistaken-grant".into(), "view_case_content".into())));

    // Every officeholder request about F went into F's contact register.
    let after = d.load_case(&f.id).await.expect("load").expect("case");
    let auto = after
        .contacts
        .iter()
        .filter(|(_, by, c)| {
            by.as_str() == "docket:system" && c.who.as_str() == leaders_office.person.as_str()
        })
        .count();
    let officeholder_case_requests = actions
        .iter()
        .filter(|a| {
            !matches!(
                a.as_str(),
                "list_cases" | "view_statistics" | "view_members" | "view_users"
            )
        })
        .count();
    assert_eq!(
        auto, officeholder_case_requests,
        "each officeholder request about the case is in its contact register"
    );
}

fn member_of(c: &Case) -> Option<docket_domain::ids::MembershipNumber> {
    match &c.complainant {
        Complainant::Member { number, .. } => Some(number.clone()),
        _ => None,
    }
}

/// The one test the issue names: a case officer role granted to an officeholder by mistake
/// does not let them read content (forbid wins), and the attempt shows in the audit trail.
#[tokio::test]
async fn an_officeholder_granted_case_officer_by_mistake_still_cannot_read() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, docket_domain::Stage::Investigation).await;
    let who = Principal::new(
        PersonId::parse("chief-whip.wes-robinson").expect("id"),
        [Role::Officeholder, Role::CaseOfficer],
    );
    let now = Timestamp::now();
    let refused = d
        .open_case(&case.id, &who, docket_domain::view::CasePart::File, now)
        .await
        .expect_err("forbid wins over the case officer permit");
    let msg = refused.to_string();
    assert!(
        msg.contains("officeholders and administrators never read case content"),
        "{msg}"
    );
    let viewer = Principal::new(
        PersonId::parse("oversight.tess-wright").expect("id"),
        [Role::Oversight],
    );
    let trail = d
        .audit(&case.id, &viewer, now)
        .await
        .expect("oversight audits");
    assert!(
        trail
            .entries
            .iter()
            .any(|e| e.kind == "access_denied" && e.actor == "chief-whip.wes-robinson"),
        "the attempt is in the case's audit trail"
    );
    assert!(
        trail
            .entries
            .iter()
            .any(|e| e.kind == "contact_recorded" && e.actor == "docket:system"),
        "and the officeholder's request is in its contact register"
    );
}

/// A person who declared a conflict is passed over by the draw, cannot be put on the panel
/// by hand, and cannot act; the draw recorded with the panel re-runs to the same panel.
#[tokio::test]
async fn a_conflicted_person_is_not_drawn_assigned_or_heard_and_the_draw_reruns() {
    use docket_domain::draw::{DrawInput, Exclusion, draw};
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, docket_domain::Stage::Charged).await;
    let now = Timestamp::now();
    docket::demo::accounts::create(&d, &docket::demo::people::Staff::new(), now)
        .await
        .expect("demo accounts");
    let all = d.store.accounts().await.expect("accounts");
    let officer = first_with_role(&all, Role::CaseOfficer, &case).principal();
    let pool: Vec<_> = all
        .iter()
        .filter(|a| a.roles.contains(&Role::PanelMember))
        .collect();
    let conflicted = pool[0].principal();
    d.execute_as(
        &case.id,
        Command::DeclareConflict {
            person: conflicted.person.clone(),
            interest: Text::parse("Sat on the respondent's branch committee.").expect("text"),
        },
        &conflicted,
        now,
    )
    .await
    .expect("declared");

    // Drawn: never the conflicted person, whatever the seed. Drawing again needs a reason.
    let mut first = None;
    let mut last = None;
    for i in 0..20 {
        let reason =
            (i > 0).then(|| Text::parse(&format!("Redraw {i} for the matrix test")).expect("text"));
        let (input, made) = d
            .draw_for(
                &case.id,
                Function::HearingPanel,
                None,
                reason,
                &officer,
                now,
            )
            .await
            .expect("drawn");
        if i == 0 {
            let again = d
                .draw_for(&case.id, Function::HearingPanel, None, None, &officer, now)
                .await
                .expect_err("a second draw without a reason");
            assert!(
                matches!(&again, ServiceError::Rule(v) if v.rule == docket_domain::Rule::RedrawNeedsReason),
                "{again}"
            );
            first = Some((input.clone(), made.clone()));
        }
        assert!(!made.drawn.contains(&conflicted.person));
        assert!(
            made.excluded
                .iter()
                .any(|(p, why)| *p == conflicted.person && *why == Exclusion::Conflict)
        );
        last = Some((input, made));
    }
    let (input, made) = last.expect("a draw");
    let (first_input, first_made) = first.expect("the first draw");

    // Assigned by hand: refused, naming the conflict.
    let mut by_hand = made.drawn.clone();
    by_hand[0] = conflicted.person.clone();
    let hearing = |panel: Vec<PersonId>, draw: Option<DrawInput>| Command::ScheduleHearing {
        panel,
        date: support::today() + jiff::Span::new().days(30),
        venue: Text::parse("Committee room 2").expect("text"),
        draw,
    };
    let refused = d
        .execute_as(&case.id, hearing(by_hand, None), &officer, now)
        .await
        .expect_err("a conflicted person cannot be put on the panel");
    assert!(refused.to_string().contains("conflict"), "{refused}");

    // Acting: refused by the policy.
    let acting = d
        .execute_as(
            &case.id,
            Command::RecordContact {
                contact: docket_domain::contact::Contact {
                    who: Text::parse("A member").expect("text"),
                    organisation: None,
                    channel: docket_domain::contact::Channel::Phone,
                    occurred_on: support::today(),
                    summary: Text::parse("Asked about the case.").expect("text"),
                },
            },
            &conflicted,
            now,
        )
        .await
        .expect_err("a conflicted person cannot act");
    assert!(
        acting.to_string().contains("conflict of interest"),
        "{acting}"
    );

    // Not an earlier draw, nor a draw made up with a chosen seed: only the latest logged one.
    let mut made_up = input.clone();
    made_up.seed[0] ^= 1;
    let made_up_panel = draw(
        &made_up,
        &d.load_case(&case.id)
            .await
            .expect("l")
            .expect("c")
            .functions,
    )
    .expect("the made-up draw runs")
    .drawn;
    for (panel, draw_input) in [
        (first_made.drawn.clone(), first_input),
        (made_up_panel, made_up),
    ] {
        let refused = d
            .execute_as(&case.id, hearing(panel, Some(draw_input)), &officer, now)
            .await
            .expect_err("only the latest logged draw appoints");
        assert!(
            matches!(&refused, ServiceError::Rule(v) if v.rule == docket_domain::Rule::PanelDrawNotLatest),
            "{refused}"
        );
    }

    // The drawn panel with its draw is accepted, and the recorded draw re-runs to it.
    d.execute_as(
        &case.id,
        hearing(made.drawn.clone(), Some(input)),
        &officer,
        now,
    )
    .await
    .expect("the drawn panel is scheduled");
    let events = d
        .store
        .stream_events(&docket_domain::store::case_stream(&case.id))
        .await
        .expect("events");
    let scheduled: Value = serde_json::from_str(
        &events
            .iter()
            .rev()
            .find(|e| e.kind == "hearing_scheduled")
            .expect("scheduled")
            .payload,
    )
    .expect("json");
    let recorded: DrawInput = serde_json::from_value(scheduled["draw"].clone()).expect("draw");
    let before = d.load_case(&case.id).await.expect("load").expect("case");
    let mut functions = before.functions.clone();
    functions
        .holders
        .retain(|(_, f)| *f != Function::HearingPanel);
    let rerun = draw(&recorded, &functions).expect("re-runs");
    assert_eq!(
        rerun.drawn, made.drawn,
        "the recorded seed gives the same panel"
    );
    assert_eq!(
        before
            .functions
            .members(Function::HearingPanel)
            .into_iter()
            .cloned()
            .collect::<Vec<_>>(),
        made.drawn
    );
    // Every draw made is in the case's log, so drawing until it suits shows.
    let draws = d
        .store
        .stream_events(&docket_domain::view::views_stream(&case.id))
        .await
        .expect("views")
        .into_iter()
        .filter(|e| e.kind == "panel_drawn")
        .count();
    assert_eq!(draws, 20);
}
