//! The API's member list over real HTTP on the demo data: who may read it, what it holds,
//! and how bad queries are refused.

use crate::api::{client, problem};
use crate::backend;
use crate::support;
use docket_domain::role::Role;
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
