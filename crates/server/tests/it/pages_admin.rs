//! The administrators' and oversight's pages over real HTTP, signed in as a browser would
//! be (a session cookie after password and second factor): who the policy lets in, forms
//! re-shown with their problems, the membership import's row errors, and a refusal showing
//! up on oversight's list.

use crate::api::client;
use crate::backend::{self, TestStore};
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket::accounts::{Accounts, NewAccount, totp};
use docket::service::Docket;
use docket_domain::account::{ACCOUNTS_STREAM, AccountEvent, Username};
use docket_domain::ids::PersonId;
use docket_domain::role::Role;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// A multipart form as a browser sends one for the import: the token and a CSV file.
async fn upload(admin: &Browser, path: &str, csrf: &str, csv: &str) -> reqwest::Response {
    admin
        .upload(
            path,
            &[("csrf", csrf), ("pasted", "")],
            "file",
            "members.csv",
            csv.as_bytes(),
        )
        .await
}

/// A staff account with a second factor, signed in over the API's session endpoint (the
/// same session cookie pages use).
async fn sign_in(d: &Docket, base: &str, name: &str, roles: &[Role]) -> Browser {
    let username = Username::parse(name).expect("username");
    let accounts = Accounts::new(d.clone());
    let now = Timestamp::now();
    accounts
        .create(
            NewAccount {
                username: username.clone(),
                person: PersonId::parse(name).expect("person"),
                display_name: format!("Test {name}"),
                roles: roles.iter().copied().collect(),
                member: None,
                password: PASSWORD.into(),
            },
            &PersonId::parse("admin.setup").expect("id"),
            now,
        )
        .await
        .expect("created");
    let secret = totp::new_secret();
    let code = totp::code_at(&secret, now).expect("code");
    accounts
        .enrol_second_factor(&username, &secret, &code, now)
        .await
        .expect("enrolled");
    // The enrolment used this step's code; the app's next one signs in.
    let next = totp::code_at(&secret, now + jiff::SignedDuration::from_secs(30)).expect("code");
    let http = client();
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": name, "password": PASSWORD, "code": next}))
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), StatusCode::OK, "{name} signs in");
    let cookie = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("docket_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_string();
    let started: Value = res.json().await.expect("json");
    Browser {
        http,
        base: base.to_string(),
        cookie,
        csrf: started["csrf_token"].as_str().expect("csrf").to_string(),
    }
}

async fn last_account_event(d: &Docket) -> (AccountEvent, String) {
    let events = d
        .store
        .stream_events(ACCOUNTS_STREAM)
        .await
        .expect("events");
    let e = events.last().expect("an event");
    (
        serde_json::from_str(&e.payload).expect("account event"),
        e.actor.clone(),
    )
}

both_backends!(administrators_manage_accounts_through_the_pages);

async fn administrators_manage_accounts_through_the_pages(t: TestStore) {
    let d = support::docket(&t);
    let (base, _stop) = support::serve(d.clone()).await;
    let admin = sign_in(&d, &base, "admin.pages", &[Role::Administrator]).await;
    let officer = sign_in(&d, &base, "officer.pages", &[Role::CaseOfficer]).await;

    // Not an administrator: refused by the policy, as a page, for every admin page.
    for path in [
        "/admin",
        "/admin/users",
        "/admin/users/new",
        "/admin/members/import",
    ] {
        let (status, html) = officer.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("<html"), "{path} answers with a page");
    }
    let res = officer
        .post(
            "/admin/users/officer.pages/roles",
            &[("csrf", &officer.csrf), ("role_administrator", "on")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "nobody grants themselves a role"
    );
    assert_eq!(
        d.store
            .account(&Username::parse("officer.pages").expect("u"))
            .await
            .expect("read")
            .expect("account")
            .roles,
        [Role::CaseOfficer].into_iter().collect()
    );

    let (status, html) = admin.get("/admin/users?role=case_officer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("officer.pages") && !html.contains(">admin.pages<"),
        "filtered by role"
    );
    let (status, html) = admin.get("/admin/users?role=chief&page=zero").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a bad filter is named, not a failure"
    );
    assert!(html.contains("role=\"alert\""), "{html}");

    // Bad input: shown again with what was typed and each problem beside its field.
    let res = admin
        .post(
            "/admin/users/new",
            &[
                ("csrf", &admin.csrf),
                ("username", "Not A Username"),
                ("name", "Sam Jones"),
                ("member", "PA-1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("value=\"Not A Username\""), "username kept");
    assert!(html.contains("value=\"Sam Jones\""), "name kept");
    assert!(html.contains("id=\"username-problem\""), "{html}");
    assert!(html.contains("id=\"member-problem\""), "{html}");
    assert!(html.contains("Choose at least one role"), "{html}");

    // A forged token changes nothing.
    let fields = [
        ("username", "officer.sam-jones"),
        ("name", "Sam Jones"),
        ("role_case_officer", "on"),
    ];
    let mut forged = fields.to_vec();
    forged.push(("csrf", "forged"));
    let res = admin.post("/admin/users/new", &forged).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let sam = Username::parse("officer.sam-jones").expect("u");
    assert!(d.store.account(&sam).await.expect("read").is_none());

    let mut good = fields.to_vec();
    good.push(("csrf", &admin.csrf));
    let res = admin.post("/admin/users/new", &good).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("Temporary password")
    );
    let (event, actor) = last_account_event(&d).await;
    assert!(
        matches!(event, AccountEvent::AccountCreated { .. }),
        "{event:?}"
    );
    assert_eq!(
        actor, "admin.pages",
        "recorded as done by the administrator"
    );
    let res = admin.post("/admin/users/new", &good).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a second submit is refused, not a second account"
    );
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("already an account")
    );

    // Roles, then the second factor (reason and confirmation required).
    let res = admin
        .post(
            "/admin/users/officer.sam-jones/roles",
            &[
                ("csrf", &admin.csrf),
                ("role_case_officer", "on"),
                ("role_investigator", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION],
        "/admin/users/officer.sam-jones?done=roles"
    );
    let (_, html) = admin.get("/admin/users/officer.sam-jones?done=roles").await;
    assert!(html.contains("The roles were changed"), "{html}");
    assert!(matches!(
        last_account_event(&d).await.0,
        AccountEvent::RolesChanged { .. }
    ));

    let res = admin
        .post(
            "/admin/users/officer.pages/second-factor",
            &[("csrf", &admin.csrf), ("reset_reason", "Lost phone")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not confirmed"
    );
    let html = res.text().await.expect("html");
    assert!(html.contains("id=\"confirm-problem\"") && html.contains(">Lost phone</textarea>"));
    let res = admin
        .post(
            "/admin/users/officer.pages/second-factor",
            &[
                ("csrf", &admin.csrf),
                ("reset_reason", "Lost phone"),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (event, _) = last_account_event(&d).await;
    assert_eq!(
        event,
        AccountEvent::SecondFactorReset {
            username: Username::parse("officer.pages").expect("u"),
            reason: Some(docket_domain::ids::Text::parse("Lost phone").expect("t")),
        }
    );
    let (status, _) = officer.get("/home").await;
    assert_ne!(status, StatusCode::OK, "the reset signed the officer out");

    // Disabling needs a reason, and an administrator cannot disable themselves.
    let res = admin
        .post(
            "/admin/users/admin.pages/disable",
            &[("csrf", &admin.csrf), ("reason", "testing")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = admin
        .post(
            "/admin/users/officer.sam-jones/disable",
            &[("csrf", &admin.csrf), ("reason", " ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = admin
        .post(
            "/admin/users/officer.sam-jones/disable",
            &[("csrf", &admin.csrf), ("reason", "Left the staff")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        d.store
            .account(&sam)
            .await
            .expect("read")
            .expect("a")
            .disabled
    );

    // The rule book, with clause 2.1.8 and its versions.
    let (status, html) = admin.get("/admin/rulebook").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("2.1.8") && html.contains("In force"),
        "{html}"
    );
}

both_backends!(a_membership_import_with_bad_rows_imports_nothing);

async fn a_membership_import_with_bad_rows_imports_nothing(t: TestStore) {
    let d = support::docket(&t);
    let (base, _stop) = support::serve(d.clone()).await;
    let admin = sign_in(&d, &base, "admin.import", &[Role::Administrator]).await;
    let before = d.store.member_count().await.expect("count");

    let bad = "membership_number,name,joined_on,status\n\
               PB1,Ann Able,2020-01-01,active\n\
               PB2,Bob Baker,31/01/2020,active\n\
               PB3,,2021-02-02,\n";
    let res = upload(&admin, "/admin/members/import", &admin.csrf, bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.expect("html");
    assert!(html.contains("Nothing was imported"), "{html}");
    assert!(
        html.contains("<th scope=\"row\">3</th><td>joined_on</td>"),
        "line 3's date is named: {html}"
    );
    assert!(
        html.contains("<th scope=\"row\">4</th><td>name</td>"),
        "{html}"
    );
    assert_eq!(d.store.member_count().await.expect("count"), before);

    let res = upload(&admin, "/admin/members/import", "forged", bad).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let good =
        "membership_number,name,joined_on\nPB1,Ann Able,2020-01-01\nPB2,Bob Baker,2020-01-31\n";
    let res = upload(&admin, "/admin/members/import", &admin.csrf, good).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/admin/members/import?imported=2");
    assert_eq!(d.store.member_count().await.expect("count"), before + 2);
    let (_, html) = admin.get("/admin/members/import?imported=2").await;
    assert!(html.contains("Imported 2 members."), "{html}");
}

/// Oversight on the demo's cases: an officeholder's attempt to open a case is refused, and
/// shows on oversight's list of refusals and in the contact register; who else may open
/// these pages is the policy's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversight_sees_a_refused_attempt_and_others_are_refused() {
    let t = backend::sqlite().await;
    let signer = docket_tlog::Signer::from_seed("docket/pages-test", [9; 32]).expect("signer");
    let d = support::docket(&t).with_log_signer(signer);
    let case = support::demo_case_at(&d, docket_domain::Stage::Investigation).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let oversight = sign_in(&d, &base, "oversight.pages", &[Role::Oversight]).await;
    let leader = sign_in(&d, &base, "leader.pages", &[Role::Officeholder]).await;
    let panel = sign_in(&d, &base, "panel.pages", &[Role::PanelMember]).await;
    let officer = sign_in(&d, &base, "officer.oversight-pages", &[Role::CaseOfficer]).await;

    let res = leader
        .http
        .get(format!("{base}/api/v1/cases/{}/file", case.id))
        .header(COOKIE, &leader.cookie)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Officeholders see published statistics only; a panel member outside any case nothing.
    for (who, path) in [
        (&leader, "/oversight"),
        (&leader, "/oversight/denials"),
        (&leader, "/oversight/contacts"),
        (&panel, "/oversight/denials"),
        (&panel, "/oversight/checkpoints"),
        (&panel, "/oversight/verify"),
    ] {
        let (status, _) = who.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // Case officers read metadata under the default policy, so these pages are theirs too.
    let (status, _) = officer.get("/oversight/denials").await;
    assert_eq!(status, StatusCode::OK);

    let (status, html) = oversight.get("/oversight/denials").await;
    assert_eq!(status, StatusCode::OK);
    let rows: Vec<&str> = html.split("</tr>").collect();
    let on_case: Vec<&&str> = rows
        .iter()
        .filter(|r| r.contains(case.id.as_str()))
        .collect();
    assert!(
        on_case.len() == 1
            && on_case[0].contains("view case content")
            && on_case[0].contains("officeholders-never-read-content")
            && on_case[0].contains("leader.pages"),
        "the officeholder's attempt on the case is listed: {on_case:?}"
    );
    let newest = rows.iter().position(|r| r.contains("panel.pages"));
    assert!(
        newest < rows.iter().position(|r| r.contains(case.id.as_str())),
        "newest first: the pages refused later come before it"
    );

    let (status, html) = oversight.get("/oversight/contacts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(case.id.as_str()), "{html}");

    let (status, html) = oversight.get("/oversight").await;
    assert_eq!(status, StatusCode::OK);
    let open = d
        .store
        .list_cases(&docket_domain::store::CaseFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .expect("list")
        .len();
    assert!(
        html.contains(&format!("<dt>Open cases</dt><dd>{open}</dd>")),
        "the real count of open cases ({open}): {html}"
    );

    d.sign_checkpoint().await.expect("signed");
    let (status, html) = oversight.get("/oversight/checkpoints").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("verifies with the log&#39;s key") || html.contains("verifies with the log")
    );
    let res = oversight
        .post("/oversight/verify", &[("csrf", &oversight.csrf)])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("html").contains("the log verifies"));
}
