//! The API's member list and the parts of a case file, over real HTTP on the demo data: who
//! may read them, what they hold, how bad queries are refused, and that every read of a
//! case part is recorded as a view.

use crate::api::{client, problem};
use crate::backend;
use crate::support;
use docket_domain::case::Case;
use docket_domain::function::Function;
use docket_domain::role::Role;
use docket_domain::view::views_stream;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn get(http: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    http.get(url).bearer_auth(token).send().await.expect("send")
}

async fn ok(http: &reqwest::Client, url: &str, token: &str) -> Value {
    let res = get(http, url, token).await;
    assert_eq!(res.status(), StatusCode::OK, "{url}");
    res.json().await.expect("json")
}

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| m["number"].as_str().expect("number").to_string())
        .collect()
}

#[tokio::test]
async fn a_case_officer_pages_through_members_and_others_are_refused() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    support::small_demo(&d).await;
    let officer = support::token(&d, "officer.members-api", &[Role::CaseOfficer]).await;
    let admin = support::token(&d, "admin.members-api", &[Role::Administrator]).await;
    let oversight = support::token(&d, "oversight.members-api", &[Role::Oversight]).await;
    let whip = support::token(&d, "whip.members-api", &[Role::Officeholder]).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();
    let members = format!("{base}/api/v1/members");

    // No filter: the first page of everyone, 50 by default.
    let all = ok(&http, &members, &officer).await;
    assert_eq!(all["total"], d.store.member_count().await.expect("count"));
    assert_eq!(
        (all["page"].clone(), all["per_page"].clone()),
        (json!(1), json!(50))
    );
    assert_eq!(numbers(&all).first().map(String::as_str), Some("PA0000001"));
    assert_eq!(numbers(&all).len(), 50);

    // Members PA0000100–PA0000199 in two pages; the prefix's case does not matter.
    let first = ok(
        &http,
        &format!("{members}?number=pa00001&per_page=60"),
        &officer,
    )
    .await;
    let second = ok(
        &http,
        &format!("{members}?number=PA00001&per_page=60&page=2"),
        &officer,
    )
    .await;
    assert_eq!(
        (first["total"].clone(), second["total"].clone()),
        (json!(100), json!(100))
    );
    let (a, b) = (numbers(&first), numbers(&second));
    assert_eq!((a.len(), b.len()), (60, 40));
    let walked: Vec<String> = a.into_iter().chain(b).collect();
    let expected: Vec<String> = (100..200).map(|i| format!("PA{i:07}")).collect();
    assert_eq!(
        walked, expected,
        "both pages together: each member once, in order"
    );
    let past = ok(
        &http,
        &format!("{members}?number=PA00001&per_page=60&page=3"),
        &officer,
    )
    .await;
    assert_eq!(
        (numbers(&past).len(), past["total"].clone()),
        (0, json!(100))
    );

    // Filters: elected representatives, a name, a status; an administrator may list too.
    let elected = ok(
        &http,
        &format!("{members}?elected=true&per_page=200"),
        &admin,
    )
    .await;
    let elected_numbers = numbers(&elected);
    for n in ["PA0000103", "PA0000104", "PA0000105"] {
        assert!(elected_numbers.contains(&n.to_string()), "{n} in {elected}");
    }
    assert!(
        elected["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["elected_office"].is_string())
    );
    let ruth = ok(&http, &format!("{members}?name=ruth%20ADLER"), &officer).await;
    assert_eq!(numbers(&ruth), ["PA0000103"]);
    assert_eq!(ruth["items"][0]["name"], "Ruth Adler");
    let lapsed = ok(
        &http,
        &format!("{members}?status=lapsed&per_page=5"),
        &officer,
    )
    .await;
    assert!(lapsed["total"].as_u64().expect("total") > 0);
    assert!(
        lapsed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["status"] == "lapsed")
    );

    // Bad values are 400 problem documents naming the parameter.
    for (query, field) in [
        ("per_page=500", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("number=PA-1", "number"),
    ] {
        let (status, p) = problem(get(&http, &format!("{members}?{query}"), &officer).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {p}");
        assert_eq!(p["field"], field, "{query}: {p}");
    }
    let long = "x".repeat(101);
    let (status, p) = problem(get(&http, &format!("{members}?name={long}"), &officer).await).await;
    assert_eq!(
        (status, p["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("name"))
    );
    // A parameter the list does not know, or a value of the wrong kind, is refused as for
    // every query (ApiQuery): a 400 that says what was wrong.
    for (query, word) in [("colour=red", "colour"), ("status=asleep", "asleep")] {
        let (status, p) = problem(get(&http, &format!("{members}?{query}"), &officer).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {p}");
        assert!(
            p["detail"].as_str().unwrap_or("").contains(word),
            "{query}: {p}"
        );
    }

    // Oversight and officeholders may not see the membership list (view_members), and each
    // refusal is kept in the log.
    let denials_before = d
        .store
        .stream_events("denials")
        .await
        .expect("denials")
        .len();
    for token in [&oversight, &whip] {
        let (status, p) = problem(get(&http, &members, token).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{p}");
        assert!(p["policy"].is_array(), "{p}");
    }
    let denials = d.store.stream_events("denials").await.expect("denials");
    let refused: Vec<&str> = denials[denials_before..]
        .iter()
        .filter(|e| e.kind == "access_denied" && e.payload.contains("view_members"))
        .map(|e| e.actor.as_str())
        .collect();
    assert_eq!(refused, ["oversight.members-api", "whip.members-api"]);
}

/// A closed case that had a hearing, a decision and an appeal; one with interim measures;
/// one just received.
fn cases_to_read(cases: &[Case]) -> (&Case, &Case, &Case) {
    let full = cases
        .iter()
        .find(|c| {
            !c.charges.is_empty()
                && c.hearing.is_some()
                && c.decision.is_some()
                && c.appeal.is_some()
                && !c.functions.members(Function::AppealPanel).is_empty()
        })
        .expect("the demo has a case that went to appeal");
    let measured = cases
        .iter()
        .find(|c| c.measures.len() > 1 || c.measures.iter().any(|m| !m.reviews.is_empty()))
        .or_else(|| cases.iter().find(|c| !c.measures.is_empty()))
        .expect("the demo has a case with interim measures");
    let fresh = cases
        .iter()
        .find(|c| c.stage == docket_domain::Stage::Received && c.measures.is_empty())
        .expect("the demo has a case just received");
    (full, measured, fresh)
}

fn people(case: &Case, f: Function) -> Value {
    json!(case.functions.members(f))
}

#[tokio::test]
async fn each_part_of_a_case_is_served_to_staff_and_each_read_is_recorded() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    support::small_demo(&d).await;
    let cases = support::all_cases(&d).await;
    let (full, measured, fresh) = cases_to_read(&cases);
    let officer = support::token(&d, "officer.parts-api", &[Role::CaseOfficer]).await;
    let oversight = support::token(&d, "oversight.parts-api", &[Role::Oversight]).await;
    let whip = support::token(&d, "whip.parts-api", &[Role::Officeholder]).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();
    let part = |c: &Case, p: &str| format!("{base}/api/v1/cases/{}/{p}", c.id);

    let before = d.store.head().await.expect("head");
    assert_eq!(
        ok(&http, &part(full, "charges"), &officer).await,
        json!(full.charges)
    );
    let hearing = ok(&http, &part(full, "hearing"), &officer).await;
    assert_eq!(hearing["reference"], full.id.as_str());
    assert_eq!(hearing["hearing"], json!(full.hearing));
    assert_eq!(hearing["panel"], people(full, Function::HearingPanel));
    let decision = ok(&http, &part(full, "decision"), &officer).await;
    assert_eq!(decision["decision"], json!(full.decision));
    assert!(
        decision["decision"]["findings"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "a finding per charge: {decision}"
    );
    assert_eq!(decision["final_sanction"], json!(full.final_sanction));
    assert_eq!(decision["review_vetoes"], full.review_vetoes);
    let appeal = ok(&http, &part(full, "appeal"), &officer).await;
    assert_eq!(appeal["appeal"], json!(full.appeal));
    assert_eq!(appeal["appeal_deadline"], json!(full.appeal_deadline));
    assert_eq!(appeal["panel"], people(full, Function::AppealPanel));
    assert_eq!(appeal["stage"], json!(full.stage));

    // Interim measures: each as the case holds it, with what its review date means today.
    let today = support::today();
    let measures = ok(&http, &part(measured, "measures"), &officer).await;
    let measures = measures.as_array().expect("a list");
    assert_eq!(measures.len(), measured.measures.len());
    for (got, m) in measures.iter().zip(&measured.measures) {
        let mut got = got.clone();
        let extra = got.as_object_mut().expect("object");
        assert_eq!(extra.remove("active"), Some(json!(m.is_active())));
        assert_eq!(extra.remove("overdue"), Some(json!(m.is_overdue(today))));
        assert_eq!(
            got,
            json!(m),
            "the measure itself, review date and reviews included"
        );
    }

    // A case that has reached none of these parts: 200 with nothing in them, not 404.
    assert_eq!(
        ok(&http, &part(fresh, "charges"), &officer).await,
        json!([])
    );
    assert_eq!(
        ok(&http, &part(fresh, "measures"), &officer).await,
        json!([])
    );
    let hearing = ok(&http, &part(fresh, "hearing"), &officer).await;
    assert_eq!(
        (hearing["hearing"].clone(), hearing["panel"].clone()),
        (Value::Null, json!([]))
    );
    let decision = ok(&http, &part(fresh, "decision"), &officer).await;
    assert_eq!(decision["decision"], Value::Null);
    assert_eq!(decision["final_sanction"], Value::Null);
    assert_eq!(decision["sanction_in_force"], Value::Null);
    let appeal = ok(&http, &part(fresh, "appeal"), &officer).await;
    assert_eq!(
        (appeal["appeal"].clone(), appeal["appeal_deadline"].clone()),
        (Value::Null, Value::Null)
    );

    // Every read was recorded on the case's views stream as a view of its file, by the officer.
    let events = d.store.events_after(before, 1000).await.expect("events");
    let views = |c: &Case| {
        events
            .iter()
            .filter(|e| e.stream == views_stream(&c.id) && e.kind == "case_viewed")
            .inspect(|e| {
                assert_eq!(e.actor, "officer.parts-api");
                assert!(e.payload.contains("\"part\":\"file\""), "{}", e.payload);
            })
            .count()
    };
    // (The case with measures may be the one that went to appeal.)
    let asked = |c: &Case| -> usize {
        [(full, 4), (measured, 1), (fresh, 5)]
            .iter()
            .filter(|(x, _)| x.id == c.id)
            .map(|(_, n)| n)
            .sum()
    };
    for c in [full, measured, fresh] {
        assert_eq!(views(c), asked(c), "views of {}", c.id);
    }

    // Oversight and officeholders may not read case content, part by part either.
    for p in ["charges", "measures", "hearing", "decision", "appeal"] {
        for token in [&oversight, &whip] {
            let (status, body) = problem(get(&http, &part(full, p), token).await).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{p}: {body}");
        }
    }
    let nowhere = docket_domain::ids::CaseId::from_random(1);
    assert!(cases.iter().all(|c| c.id != nowhere));
    let missing = format!("{base}/api/v1/cases/{nowhere}/decision");
    assert_eq!(
        problem(get(&http, &missing, &officer).await).await.0,
        StatusCode::NOT_FOUND
    );
}

/// Officeholders are sent the final outcome of a case about an elected representative, and
/// see that notice: who, which charges were proved under which clauses, the sanction. Never
/// the reasons, particulars, evidence or complainant; not before the outcome is final; not
/// for anyone else's case. Each request is in the case's contact register, allowed or not.
#[tokio::test]
async fn officeholders_see_the_outcome_notices_the_rules_send_them_and_nothing_more() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    support::small_demo(&d).await;
    let cases = support::all_cases(&d).await;
    let is_final = |c: &Case| {
        matches!(
            c.stage,
            docket_domain::Stage::Final
                | docket_domain::Stage::SanctionLive
                | docket_domain::Stage::SanctionExpired
        )
    };
    let elected_final = cases
        .iter()
        .find(|c| c.respondent.elected_office.is_some() && is_final(c) && !c.charges.is_empty())
        .expect("the demo has a final case about an elected representative");
    let elected_open = cases
        .iter()
        .find(|c| c.respondent.elected_office.is_some() && c.is_open())
        .expect("the demo has an open case about an elected representative");
    let other_final = cases
        .iter()
        .find(|c| c.respondent.elected_office.is_none() && is_final(c))
        .expect("the demo has a final case about someone else");
    let whip = support::token(&d, "whip.outcomes", &[Role::Officeholder]).await;
    let mistaken = support::token(
        &d,
        "whip.outcomes-mistaken",
        &[Role::Officeholder, Role::CaseOfficer],
    )
    .await;
    let officer = support::token(&d, "officer.outcomes", &[Role::CaseOfficer]).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();
    let notice = |c: &Case| format!("{base}/api/v1/cases/{}/outcome-notice", c.id);

    let sent = ok(&http, &notice(elected_final), &whip).await;
    assert_eq!(sent["reference"], elected_final.id.as_str());
    assert_eq!(sent["respondent"], json!(elected_final.respondent));
    let charges = sent["outcome"]["charges"].as_array().expect("charges");
    assert_eq!(charges.len(), elected_final.charges.len());
    for (shown, charge) in charges.iter().zip(&elected_final.charges) {
        assert_eq!(shown["clause"], charge.clause.to_string());
        let proven = elected_final
            .decision
            .as_ref()
            .and_then(|d| d.findings.iter().find(|f| f.charge == charge.number))
            .is_some_and(|f| f.proven);
        assert_eq!(shown["proven"], proven);
    }
    assert_eq!(
        sent["outcome"]["sanction"]["code"],
        json!(elected_final.final_sanction.as_ref().map(|s| &s.code))
    );
    let text = sent.to_string();
    for secret in [
        "reasons",
        "particulars",
        "evidence",
        "complainant",
        "narrative",
        "aggravating",
        "mitigating",
    ] {
        assert!(!text.contains(secret), "the notice has no {secret}: {text}");
    }

    // Not before the outcome is final, not for a case about someone without elected office,
    // and a staff role granted by mistake does not widen it.
    for (case, token) in [
        (elected_open, &whip),
        (other_final, &whip),
        (other_final, &mistaken),
    ] {
        let res = get(&http, &notice(case), token).await;
        let (status, body) = problem(res).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", case.id);
        assert!(
            body["policy"].to_string().contains("officeholders"),
            "refused by an officeholder rule: {body}"
        );
    }
    // Case officers see every notice, final or not (null until it is).
    assert!(ok(&http, &notice(other_final), &officer).await["outcome"].is_object());
    assert!(ok(&http, &notice(elected_open), &officer).await["outcome"].is_null());

    // Every officeholder request is in that case's contact register, allowed or refused.
    for (case, expected) in [(elected_final, 1), (elected_open, 1), (other_final, 2)] {
        let after = d.load_case(&case.id).await.expect("load").expect("case");
        let recorded = after
            .contacts
            .iter()
            .filter(|(_, by, c)| {
                by.as_str() == "docket:system" && c.who.as_str().starts_with("whip.outcomes")
            })
            .count();
        assert_eq!(recorded, expected, "{}", case.id);
    }
}

/// The accounts list: filtered by role and state, paged, never a secret, and refused to all
/// but administrators.
#[tokio::test]
async fn administrators_page_through_accounts_filtered_by_role() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let admin = support::token(&d, "admin.users-api", &[Role::Administrator]).await;
    let officer = support::token(&d, "officer.users-api", &[Role::CaseOfficer]).await;
    for i in 0..5 {
        support::token(&d, &format!("panel.users-api-{i}"), &[Role::PanelMember]).await;
    }
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();
    let users = |q: &str| format!("{base}/api/v1/users{q}");

    let all = ok(&http, &users(""), &admin).await;
    assert_eq!(all["total"], 7);
    let text = all.to_string();
    for secret in ["password", "totp", "recovery", "secret_hash"] {
        assert!(!text.contains(secret), "no {secret} in {text}");
    }
    let first = ok(&http, &users("?role=panel_member&per_page=3"), &admin).await;
    let second = ok(
        &http,
        &users("?role=panel_member&per_page=3&page=2"),
        &admin,
    )
    .await;
    assert_eq!(
        (first["total"].clone(), second["total"].clone()),
        (json!(5), json!(5))
    );
    let names = |p: &Value| -> Vec<String> {
        p["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["username"].as_str().expect("username").to_string())
            .collect()
    };
    let mut both = names(&first);
    both.extend(names(&second));
    assert_eq!(
        both,
        (0..5)
            .map(|i| format!("panel.users-api-{i}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        ok(&http, &users("?disabled=true"), &admin).await["total"],
        0
    );

    for (q, field) in [("?per_page=0", "per_page"), ("?page=0", "page")] {
        let (status, body) = problem(get(&http, &users(q), &admin).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["field"], field, "{body}");
    }
    for q in ["?role=emperor", "?colour=red"] {
        let (status, body) = problem(get(&http, &users(q), &admin).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
    }
    let (status, _) = problem(get(&http, &users(""), &officer).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
