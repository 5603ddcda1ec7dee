//! The JSON API: its OpenAPI document, bad input as problem documents, sign-in, sessions,
//! CSRF, the second factor and lockout, all over real HTTP.

use crate::backend;
use crate::support;
use docket::accounts::{Accounts, NewAccount, totp};
use docket_domain::account::{Scope, Username};
use docket_domain::ids::PersonId;
use docket_domain::role::Role;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PASSWORD: &str = "correct horse battery staple";

/// The committed OpenAPI document is what the code generates; run with
/// DOCKET_UPDATE_SNAPSHOTS=1 to rewrite it after changing the API.
#[test]
fn the_openapi_snapshot_is_current() {
    let generated = docket::http::api::openapi_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    if std::env::var_os("DOCKET_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &generated).expect("write snapshot");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the API the code generates; run DOCKET_UPDATE_SNAPSHOTS=1 cargo test -p docket --test it openapi and review the diff"
    );
    let doc: Value = serde_json::from_str(&generated).expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/cases",
        "/api/v1/cases/{reference}/commands",
        "/api/v1/cases/{reference}/file",
        "/api/v1/cases/{reference}/decision",
        "/api/v1/members",
        "/api/v1/session",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
}

async fn staff(d: &docket::service::Docket, name: &str, roles: &[Role]) -> Username {
    let username = Username::parse(name).expect("username");
    Accounts::new(d.clone())
        .create(
            NewAccount {
                username: username.clone(),
                person: PersonId::parse(name).expect("person"),
                display_name: name.into(),
                roles: roles.iter().copied().collect(),
                member: None,
                password: PASSWORD.into(),
            },
            &PersonId::parse("admin.test").expect("id"),
            Timestamp::now(),
        )
        .await
        .expect("created");
    username
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn cookies_of(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect()
}

fn cookie_value(set: &[String], name: &str) -> Option<String> {
    set.iter().find_map(|c| {
        c.split(';')
            .next()
            .and_then(|kv| kv.split_once('='))
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} field in {html}"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

pub async fn problem(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    assert_eq!(
        res.headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "errors are problem documents"
    );
    (status, res.json().await.expect("problem json"))
}

#[tokio::test]
async fn bad_input_gets_a_problem_document_and_loses_nothing() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, docket_domain::Stage::Investigation).await;
    let user = staff(&d, "officer.api-test", &[Role::CaseOfficer]).await;
    let (_, token) = Accounts::new(d.clone())
        .issue_token(
            &user,
            BTreeSet::from([Scope::Read, Scope::Write]),
            "test",
            &PersonId::parse("admin.test").expect("id"),
            Timestamp::now(),
        )
        .await
        .expect("token");
    let before = d.store.head().await.expect("head");
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();
    let url = format!("{base}/api/v1/cases/{}/commands", case.id);
    let post = |body: &'static str| {
        http.post(&url)
            .bearer_auth(&token)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
    };

    let (s, p) = problem(post("{not json").send().await.expect("send")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not valid JSON"),
        "{p}"
    );

    let (s, p) = problem(
        post(r#"{"command":"record_contact","contact":{"who":"A","channel":"pigeon","occurred_on":"2026-01-01","summary":"x"}}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["field"], "contact", "{p}");
    assert!(p["detail"].as_str().unwrap_or("").contains("pigeon"), "{p}");

    let (s, p) = problem(
        post(r#"{"command":"acknowledge","sneaky":true}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p["detail"].as_str().unwrap_or("").contains("sneaky"), "{p}");

    let (s, p) = problem(
        post(r#"{"command":"launch_rocket"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");

    let big = format!(
        r#"{{"command":"withdraw","reasons":"{}"}}"#,
        "x".repeat(docket::http::api::extract::MAX_BODY)
    );
    let res = http
        .post(&url)
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json")
        .body(big)
        .send()
        .await
        .expect("send");
    let (s, _) = problem(res).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);

    let res = http
        .post(&url)
        .bearer_auth(&token)
        .body(r#"{"command":"acknowledge"}"#)
        .send()
        .await
        .expect("send");
    assert_eq!(problem(res).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A command the process refuses names the rule.
    let (s, p) = problem(
        post(r#"{"command":"acknowledge"}"#)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["rule"], "stage_order", "{p}");

    // No credentials, a bad token, a bad reference, an unknown address.
    let res = http
        .get(format!("{base}/api/v1/cases"))
        .send()
        .await
        .expect("send");
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED);
    let res = http
        .get(format!("{base}/api/v1/cases"))
        .bearer_auth("docket_nope_nope")
        .send()
        .await
        .expect("send");
    assert_eq!(problem(res).await.0, StatusCode::UNAUTHORIZED);
    let res = http
        .get(format!("{base}/api/v1/cases/not-a-ref/file"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(problem(res).await.0, StatusCode::NOT_FOUND);
    let res = http
        .delete(format!("{base}/api/v1/cases"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(problem(res).await.0, StatusCode::METHOD_NOT_ALLOWED);

    // None of that wrote anything but the views and the refusals' reads.
    let events = d.store.events_after(before, 1000).await.expect("events");
    assert!(
        events.iter().all(|e| e.stream.starts_with("views/")),
        "bad input changed nothing: {:?}",
        events.iter().map(|e| &e.kind).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn sign_in_needs_csrf_and_a_second_factor_and_cookies_are_flagged() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, docket_domain::Stage::Investigation).await;
    let user = staff(&d, "officer.session-test", &[Role::CaseOfficer]).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();

    let form = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("form");
    let set = cookies_of(&form);
    let pre = cookie_value(&set, "docket_csrf").expect("pre-session CSRF cookie");
    let html = form.text().await.expect("html");
    let csrf = hidden(&html, "csrf");
    let fields = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("username", user.to_string()),
            ("password", PASSWORD.to_string()),
        ]
    };

    // Missing and forged tokens: refused, the form shown again with the username kept.
    for sent in ["", "forged-token-forged-token-forged-token"] {
        let res = http
            .post(format!("{base}/login"))
            .header(COOKIE, format!("docket_csrf={pre}"))
            .form(&fields(sent))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(cookie_value(&cookies_of(&res), "docket_session").is_none());
        let page = res.text().await.expect("html");
        assert!(page.contains("security token"), "{page}");
        assert!(page.contains(&format!("value=\"{user}\"")), "input kept");
    }

    // The right token: signed in, but a staff member without a second factor must enrol.
    let res = http
        .post(format!("{base}/login"))
        .header(COOKIE, format!("docket_csrf={pre}"))
        .header("x-forwarded-proto", "https")
        .form(&fields(&csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/account/second-factor");
    let set = cookies_of(&res);
    let session_cookie = set
        .iter()
        .find(|c| c.starts_with("docket_session="))
        .expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session_cookie.contains(flag), "{flag} in {session_cookie}");
    }
    let session = cookie_value(&set, "docket_session").expect("session");
    let jar = format!("docket_session={session}");

    // Until the second factor is enrolled the API refuses the session.
    let res = http
        .get(format!("{base}/api/v1/cases"))
        .header(COOKIE, &jar)
        .send()
        .await
        .expect("get");
    let (s, p) = problem(res).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        p["detail"].as_str().unwrap_or("").contains("second factor"),
        "{p}"
    );

    // Enrolment: a QR code as SVG, the key, and a form guarded by the session's CSRF token.
    let page = http
        .get(format!("{base}/account/second-factor"))
        .header(COOKIE, &jar)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(page.contains("<svg"), "the QR code is inline SVG");
    let secret = hidden(&page, "secret");
    let session_csrf = hidden(&page, "csrf");
    let code = totp::code_at(&secret, Timestamp::now()).expect("code");
    let res = http
        .post(format!("{base}/account/second-factor"))
        .header(COOKIE, &jar)
        .form(&[
            ("csrf", "wrong"),
            ("secret", secret.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a forged token is refused"
    );
    let res = http
        .post(format!("{base}/account/second-factor"))
        .header(COOKIE, &jar)
        .form(&[
            ("csrf", session_csrf.as_str()),
            ("secret", secret.as_str()),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("html");
    assert!(page.contains("recovery codes"), "{page}");

    // Now the session works, and changes through it need the CSRF header.
    let res = http
        .get(format!("{base}/api/v1/cases"))
        .header(COOKIE, &jar)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let url = format!("{base}/api/v1/cases/{}/commands", case.id);
    let body = json!({"command": "acknowledge"});
    let res = http
        .post(&url)
        .header(COOKIE, &jar)
        .json(&body)
        .send()
        .await
        .expect("post");
    let (s, p) = problem(res).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(p["title"].as_str().unwrap_or("").contains("CSRF"), "{p}");
    let res = http
        .post(&url)
        .header(COOKIE, &jar)
        .header("x-csrf-token", &session_csrf)
        .json(&body)
        .send()
        .await
        .expect("post");
    assert_eq!(
        problem(res).await.0,
        StatusCode::UNPROCESSABLE_ENTITY,
        "through the CSRF check and the policy to the process, which refuses (wrong stage)"
    );

    // Staff sign in with a code from now on.
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": user.to_string(), "password": PASSWORD}))
        .send()
        .await
        .expect("post");
    let (s, p) = problem(res).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(p["detail"].as_str().unwrap_or("").contains("code"), "{p}");
    // Not the code that proved the enrolment: each code signs in once. The app's next code
    // (within the one-step window either side) is accepted.
    let code = totp::code_at(
        &secret,
        Timestamp::now() + jiff::SignedDuration::from_secs(30),
    )
    .expect("code");
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": user.to_string(), "password": PASSWORD, "code": code}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::OK);
    let started: Value = res.json().await.expect("json");
    assert_eq!(started["second_factor_done"], true);
}

#[tokio::test]
async fn a_locked_out_sign_in_says_when_to_retry() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let user = staff(&d, "officer.lockout-test", &[Role::CaseOfficer]).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let http = client();
    let attempt = |password: &'static str| {
        http.post(format!("{base}/api/v1/session"))
            .json(&json!({"username": user.to_string(), "password": password}))
            .send()
    };
    let mut last = Value::Null;
    for _ in 0..docket::accounts::MAX_FAILURES {
        let (s, p) = problem(attempt("not the password at all").await.expect("send")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        last = p;
    }
    let detail = last["detail"].as_str().unwrap_or("").to_string();
    assert!(
        detail.contains("try again after") && detail.contains("UTC"),
        "{detail}"
    );
    // Locked: even the right password is refused, with the time to come back.
    let (s, p) = problem(attempt(PASSWORD).await.expect("send")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or("")
            .contains("try again after"),
        "{p}"
    );
}
