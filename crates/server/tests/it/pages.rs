//! The staff pages over real HTTP: the queues, the case page and its command forms (bad input
//! re-shown with what was typed, refusals naming the rule, the CSRF token required), what a
//! role without content access gets, and the security headers on every page.

use crate::backend::TestStore;
use crate::both_backends;
use crate::support;
use docket::accounts::token::new_session_id;
use docket_domain::Stage;
use docket_domain::account::{SessionRecord, Username};
use docket_domain::role::Role;
use docket_domain::view::views_stream;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::COOKIE;

/// A signed-in browser: its session cookie and the session's CSRF token.
pub struct Browser {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    pub http: reqwest::Client,
}

impl Browser {
    /// An account with `roles` and a session for it with the second factor done, as after
    /// signing in (the sign-in forms themselves are tested in `api`).
    pub async fn signed_in(
        d: &docket::service::Docket,
        base: &str,
        name: &str,
        roles: &[Role],
    ) -> Browser {
        Browser::signed_in_member(d, base, name, roles, None).await
    }

    /// As `signed_in`, for an account linked to membership number `member` (a party).
    pub async fn signed_in_member(
        d: &docket::service::Docket,
        base: &str,
        name: &str,
        roles: &[Role],
        member: Option<&str>,
    ) -> Browser {
        support::member_token(d, name, roles, member.map(String::from)).await;
        let (cookie, id_hash) = new_session_id();
        let csrf = docket::accounts::token::new_csrf_token();
        let now = Timestamp::now();
        d.store
            .put_session(SessionRecord {
                id_hash,
                username: Some(Username::parse(name).expect("username")),
                receipt_for: None,
                csrf_token: csrf.clone(),
                second_factor_done: true,
                created_at: now,
                expires_at: now + SignedDuration::from_hours(1),
                last_seen: now,
            })
            .await
            .expect("session");
        Browser {
            base: base.to_string(),
            cookie: format!("docket_session={cookie}"),
            csrf,
            http: crate::api::client(),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("get");
        let status = res.status();
        (status, res.text().await.expect("html"))
    }

    /// A GET as it came, headers and all (downloads).
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .expect("get")
    }

    /// Posts a multipart form as a browser sends a file: `fields`, then the file as
    /// `file_field`.
    pub async fn upload(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> reqwest::Response {
        use reqwest::multipart::{Form, Part};
        let mut form = Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let file = Part::bytes(bytes.to_vec()).file_name(file_name.to_string());
        self.http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .multipart(form.part(file_field.to_string(), file))
            .send()
            .await
            .expect("upload")
    }

    /// Posts a form; the response as it came (redirects are not followed).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookie)
            .form(fields)
            .send()
            .await
            .expect("post")
    }
}

async fn a_command_form_keeps_what_was_typed_and_names_each_problem(t: TestStore) {
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, Stage::Acknowledged).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.pages-test", &[Role::CaseOfficer]).await;
    let path = format!("/cases/{}", case.id);

    let (status, page) = officer.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"cmd-assess\""), "assessing is offered");
    assert!(
        !page.contains("id=\"cmd-acknowledge\""),
        "acknowledging again is not"
    );
    assert!(
        !page.contains("id=\"cmd-charge\""),
        "a case officer does not charge"
    );
    // Every part the page showed is recorded as read, by this officer.
    let views = d
        .store
        .stream_events(&views_stream(&case.id))
        .await
        .expect("views");
    for part in ["\"file\"", "\"contact_register\"", "\"declarations\""] {
        assert!(
            views
                .iter()
                .any(|e| e.actor == "officer.pages-test" && e.payload.contains(part)),
            "a view of {part} is recorded"
        );
    }

    // No assessment written, and a category the rule book does not have.
    let res = officer
        .post(
            &format!("{path}/commands/assess"),
            &[
                ("csrf", &officer.csrf),
                ("category", "made_up"),
                ("assessment", "  "),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.expect("html");
    assert!(page.contains("Enter assessment."), "{page}");
    assert!(page.contains("aria-invalid=\"true\""));
    // The refused process step names its rule and keeps the text typed.
    let res = officer
        .post(
            &format!("{path}/commands/assess"),
            &[
                ("csrf", &officer.csrf),
                ("category", "made_up"),
                ("assessment", "Looks in scope <b>really</b>"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.expect("html");
    assert!(page.contains("Nothing was changed"), "{page}");
    assert!(page.contains("made_up"), "the category is named");
    assert!(
        page.contains("Looks in scope") && !page.contains("<b>really"),
        "typed text kept, escaped"
    );
    // A form without its CSRF token changes nothing.
    let res = officer
        .post(
            &format!("{path}/commands/assess"),
            &[("assessment", "In scope.")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let unchanged = d.load_case(&case.id).await.expect("load").expect("case");
    assert_eq!(
        unchanged.version, case.version,
        "no bad form changed the case"
    );

    // The right form: done, and a reload of the result does not submit it again.
    let res = officer
        .post(
            &format!("{path}/commands/assess"),
            &[
                ("csrf", &officer.csrf),
                ("category", ""),
                ("assessment", "In scope: conduct at a meeting."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(to, format!("{path}?done=assess"));
    let (_, page) = officer.get(&to).await;
    assert!(page.contains("Done: assess the complaint"), "{page}");
    assert!(page.contains("In scope: conduct at a meeting."));
    let after = d.load_case(&case.id).await.expect("load").expect("case");
    assert_eq!(after.stage, Stage::Assessed);
}
both_backends!(
    a_command_form_keeps_what_was_typed_and_names_each_problem,
    a_command_form_keeps_what_was_typed_and_names_each_problem
);

async fn roles_without_content_get_metadata_or_a_recorded_refusal(t: TestStore) {
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, Stage::Investigation).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let path = format!("/cases/{}", case.id);

    let oversight = Browser::signed_in(&d, &base, "oversight.pages-test", &[Role::Oversight]).await;
    let (status, page) = oversight.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("metadata only"), "{page}");
    assert!(
        !page.contains(&case.narrative.to_string()),
        "no content for oversight"
    );

    let leader = Browser::signed_in(&d, &base, "leader.pages-test", &[Role::Officeholder]).await;
    let (status, page) = leader.get("/home").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Published figures"), "{page}");
    assert!(
        !page.contains(case.id.as_str()),
        "officeholders see no case list"
    );
    let (status, page) = leader.get(&path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("officeholders-never-read-content"), "{page}");
    assert!(!page.contains(&case.narrative.to_string()));
    let refusals = d
        .store
        .stream_events(&views_stream(&case.id))
        .await
        .expect("views");
    assert!(
        refusals
            .iter()
            .any(|e| e.kind == "access_denied" && e.actor == "leader.pages-test"),
        "the refusal is in the log"
    );
    // And a command form is not even shown to someone who may not use it.
    let (status, _) = leader.get(&format!("{path}/commands/dismiss")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
both_backends!(
    roles_without_content_get_metadata_or_a_recorded_refusal,
    roles_without_content_get_metadata_or_a_recorded_refusal
);

#[tokio::test]
async fn pages_carry_the_security_headers_and_a_session_is_needed() {
    let t = crate::backend::sqlite().await;
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, Stage::Investigation).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.headers-test", &[Role::CaseOfficer]).await;
    for path in [
        "/home",
        &format!("/cases/{}", case.id),
        &format!("/cases/{}/verify", case.id),
        "/home?stage=nonsense&person=%20",
    ] {
        let res = officer
            .http
            .get(format!("{base}{path}"))
            .header(COOKIE, &officer.cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-store");
    }
    // Without a session: to the sign-in page, not an error.
    let res = crate::api::client()
        .get(format!("{base}/home"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");
    // A reference that is not one: a page saying so, not a 500.
    let (status, page) = officer.get("/cases/not-a-reference").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("No such case"));
}
