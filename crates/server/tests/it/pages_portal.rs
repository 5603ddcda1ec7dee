//! Public intake and the parties' portal over real HTTP, as a browser without JavaScript
//! uses them: forms with their hidden tokens, cookies, redirects.

use crate::backend::TestStore;
use crate::both_backends;
use crate::support;
use docket::accounts::{Accounts, NewAccount};
use docket::service::Docket;
use docket_domain::Command;
use docket_domain::account::Username;
use docket_domain::command::{Complainant, Party, Respondent};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId, Text};
use docket_domain::member::{Member, MemberStatus};
use docket_domain::role::Role;
use docket_domain::store::CaseFilter;
use jiff::Timestamp;
use jiff::civil::date;
use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use std::collections::BTreeMap;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
pub(crate) struct Browser {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    cookies: BTreeMap<String, String>,
}

pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) html: String,
}

impl Browser {
    pub(crate) fn new(base: &str) -> Browser {
        Browser {
            http: crate::api::client(),
            base: base.to_string(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn page(&mut self, req: reqwest::RequestBuilder) -> Page {
        let res = req
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("send");
        for c in res.get_all_cookies() {
            let (pair, rest) = c.split_once(';').unwrap_or((&c, ""));
            let (k, v) = pair.split_once('=').expect("name=value");
            if rest.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = res.status();
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        Page {
            status,
            location,
            html: res.text().await.expect("body"),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.page(req).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.page(req).await
    }

    /// Signs a portal account in with the sign-in form.
    async fn sign_in(&mut self, username: &str) {
        let form = self.get("/login").await;
        let csrf = hidden(&form.html, "csrf");
        let done = self
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", username),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    }
}

trait AllCookies {
    fn get_all_cookies(&self) -> Vec<String>;
}

impl AllCookies for reqwest::Response {
    fn get_all_cookies(&self) -> Vec<String> {
        self.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(String::from))
            .collect()
    }
}

const PASSWORD: &str = "correct horse battery staple";

/// The value of the form field `name` in a page (hidden tokens, kept values).
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\""))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at..];
    let v = rest.find("value=\"").expect("a value") + 7;
    let end = rest[v..].find('"').expect("closing quote");
    rest[v..v + end].to_string()
}

/// The text of the element with `id`.
fn by_id(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[at + id.len() + 6..];
    rest[..rest.find('<').expect("end")].to_string()
}

fn number(s: &str) -> MembershipNumber {
    MembershipNumber::parse(s).expect("number")
}

pub(crate) async fn members(d: &Docket) {
    let people = ["PA0000001", "PA0000002", "PA0000003", "PA0000004"]
        .into_iter()
        .map(|n| Member {
            number: number(n),
            name: format!("Member {n}"),
            joined_on: date(2020, 1, 1),
            status: MemberStatus::Active,
            elected_office: None,
            region: None,
            email: None,
        })
        .collect();
    d.import_members(
        people,
        "test",
        &PersonId::parse("admin.test").expect("id"),
        Timestamp::now(),
    )
    .await
    .expect("members imported");
}

async fn portal_account(d: &Docket, name: &str, role: Role, member: &str) {
    Accounts::new(d.clone())
        .create(
            NewAccount {
                username: Username::parse(name).expect("username"),
                person: PersonId::parse(name).expect("person"),
                display_name: name.to_string(),
                roles: [role].into_iter().collect(),
                member: Some(number(member)),
                password: PASSWORD.into(),
            },
            &PersonId::parse("admin.test").expect("id"),
            Timestamp::now(),
        )
        .await
        .expect("account created");
}

/// A case under investigation, complained of by `complainant` about `respondent`.
async fn case_under_investigation(
    d: &Docket,
    bits: u64,
    complainant: Complainant,
    respondent: &str,
) -> CaseId {
    let id = CaseId::from_random(bits);
    let officer = PersonId::parse("officer.test").expect("id");
    let now = Timestamp::now();
    let t = |s: &str| Text::parse(s).expect("text");
    for cmd in [
        Command::ReceiveComplaint {
            id: id.clone(),
            complainant,
            respondent: Respondent {
                member: number(respondent),
                name: format!("Member {respondent}"),
                elected_office: None,
            },
            category: "bullying".into(),
            conduct_date: support::today(),
            summary: t("Hostile emails to the branch secretary"),
            narrative: t("Months of hostile emails."),
        },
        Command::Acknowledge,
        Command::Assess {
            category: None,
            assessment: t("In scope."),
        },
        Command::OpenInvestigation {
            investigator: PersonId::parse("investigator.test").expect("id"),
            terms: t("Establish what was sent."),
        },
    ] {
        d.execute(&id, cmd, &officer, now).await.expect("step");
    }
    id
}

pub(crate) fn complaint_form(csrf: &str, key: &str, who: &str) -> Vec<(String, String)> {
    [
        ("csrf", csrf),
        ("key", key),
        ("who", who),
        ("respondent_number", "PA0000002"),
        ("respondent_name", "Member Two"),
        ("summary", "Abusive messages in the branch group"),
        (
            "narrative",
            "On the evening of the meeting he posted insults.",
        ),
        ("conduct_date", "2025-06-01"),
        ("category", "bullying"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

pub(crate) fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

both_backends!(intake_re_shows_bad_input_with_values_kept_and_problems_by_their_fields);
async fn intake_re_shows_bad_input_with_values_kept_and_problems_by_their_fields(t: TestStore) {
    let d = support::docket(&t);
    members(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    let form = b.get("/complain").await;
    assert_eq!(form.status, StatusCode::OK);
    let (csrf, key) = (hidden(&form.html, "csrf"), hidden(&form.html, "key"));
    let mut sent = complaint_form(&csrf, &key, "member");
    sent.extend([
        ("member_number".into(), "PA0009999".into()),
        ("member_name".into(), "Ann <Example>".into()),
    ]);
    for (k, v) in sent.iter_mut() {
        match k.as_str() {
            "respondent_number" => *v = "not a number!".into(),
            "conduct_date" => *v = "2999-01-01".into(),
            "narrative" => *v = "   ".into(),
            _ => {}
        }
    }
    let again = b.post("/complain", &pairs(&sent)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &again.html;
    for (field, words) in [
        (
            "member_number",
            "There is no member with the number PA0009999",
        ),
        ("respondent_number", "letters and digits only"),
        ("conduct_date", "in the future"),
        ("narrative", "Enter what happened"),
    ] {
        let problem = by_id(html, &format!("{field}-problem"));
        assert!(problem.contains(words), "{field}: {problem}");
        assert!(
            html.contains(&format!(
                "aria-describedby=\"{field}-hint {field}-problem\""
            )) || html.contains(&format!("aria-describedby=\"{field}-problem\"")),
            "{field} is described by its problem"
        );
    }
    // Typed values come back, escaped; the summary has no problem.
    let name = hidden(html, "member_name");
    assert!(name.starts_with("Ann &") && !name.contains('<'), "{name}");
    assert_eq!(hidden(html, "respondent_number"), "not a number!");
    assert_eq!(hidden(html, "conduct_date"), "2999-01-01");
    assert_eq!(hidden(html, "key"), key, "the same form, so the same case");
    assert!(!html.contains("id=\"summary-problem\""));
    assert!(html.contains("value=\"bullying\" selected"));
    assert!(html.contains("role=\"alert\""));
    // Without the pre-session cookie the form is refused, and shown again.
    let mut stranger = Browser::new(&base);
    let forged = stranger.post("/complain", &pairs(&sent)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.html.contains("security token"));
    let cases = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    assert!(cases.is_empty(), "nothing was received");
}

both_backends!(a_form_sent_twice_opens_one_case_and_shows_the_same_receipt);
async fn a_form_sent_twice_opens_one_case_and_shows_the_same_receipt(t: TestStore) {
    let d = support::docket(&t);
    members(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    let form = b.get("/complain").await;
    let sent = complaint_form(
        &hidden(&form.html, "csrf"),
        &hidden(&form.html, "key"),
        "anonymous",
    );
    let (first, second) = tokio::join!(
        Browser {
            http: crate::api::client(),
            base: base.clone(),
            cookies: b.cookies.clone(),
        }
        .post_owned("/complain", sent.clone()),
        Browser {
            http: crate::api::client(),
            base: base.clone(),
            cookies: b.cookies.clone(),
        }
        .post_owned("/complain", sent.clone()),
    );
    for p in [&first, &second] {
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    }
    let shown = |p: &Page| {
        (
            by_id(&p.html, "reference"),
            by_id(&p.html, "receipt-code"),
            by_id(&p.html, "passphrase"),
        )
    };
    assert_eq!(shown(&first), shown(&second));
    let third = b.post("/complain", &pairs(&sent)).await;
    assert_eq!(shown(&third), shown(&first));
    let cases = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].id.to_string(), shown(&first).0);
    // The same key from another browser names the case but shows no receipt.
    let mut other = Browser::new(&base);
    let theirs = other.get("/complain").await;
    let mut stolen = sent.clone();
    stolen[0].1 = hidden(&theirs.html, "csrf");
    let replay = other.post("/complain", &pairs(&stolen)).await;
    assert_eq!(by_id(&replay.html, "reference"), shown(&first).0);
    assert!(!replay.html.contains("receipt-code"));
    assert!(replay.html.contains("cannot be shown again"));
}

impl Browser {
    async fn post_owned(mut self, path: &str, form: Vec<(String, String)>) -> Page {
        self.post(path, &pairs(&form)).await
    }
}

both_backends!(an_anonymous_complainant_follows_up_with_the_receipt_and_replies);
async fn an_anonymous_complainant_follows_up_with_the_receipt_and_replies(t: TestStore) {
    let d = support::docket(&t);
    members(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    let form = b.get("/complain").await;
    let sent = complaint_form(
        &hidden(&form.html, "csrf"),
        &hidden(&form.html, "key"),
        "anonymous",
    );
    let done = b.post("/complain", &pairs(&sent)).await;
    let reference = by_id(&done.html, "reference");
    let (code, passphrase) = (
        by_id(&done.html, "receipt-code"),
        by_id(&done.html, "passphrase"),
    );
    let id = CaseId::parse(&reference).expect("reference");
    let officer = PersonId::parse("officer.test").expect("id");
    for (to, body) in [
        (Party::Complainant, "We have received your complaint."),
        (Party::Respondent, "PRIVATE NOTE TO THE RESPONDENT"),
    ] {
        let body = Text::parse(body).expect("text");
        d.execute(
            &id,
            Command::SendMessage { to, body },
            &officer,
            Timestamp::now(),
        )
        .await
        .expect("sent");
    }

    let mut later = Browser::new(&base);
    let follow = later.get("/follow-up").await;
    let signed = later
        .post(
            "/follow-up",
            &[
                ("csrf", &hidden(&follow.html, "csrf")),
                ("receipt", &code),
                ("passphrase", &passphrase),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let to = signed.location.expect("redirect");
    assert_eq!(to, format!("/portal/complaint/{reference}"));
    let page = later.get(&to).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Abusive messages in the branch group"));
    assert!(page.html.contains("The complaint was received."));
    assert!(page.html.contains("We have received your complaint."));
    assert!(!page.html.contains("PRIVATE NOTE"), "only their side");
    let csrf = hidden(&page.html, "csrf");
    let empty = later
        .post(&format!("{to}/reply"), &[("csrf", &csrf), ("body", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(by_id(&empty.html, "body-problem").contains("Enter your message"));
    let replied = later
        .post(
            &format!("{to}/reply"),
            &[("csrf", &csrf), ("body", "Thank you.")],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    let page = later.get(&format!("{to}?done=reply")).await;
    assert!(page.html.contains("Thank you."));
    assert!(page.html.contains("Your message has been sent"));
    let case = d.load_case(&id).await.expect("load").expect("case");
    assert_eq!(case.messages.len(), 3);
    // Nor may the receipt open the respondent's view of its own case.
    let theirs = later.get(&format!("/portal/case/{reference}")).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
}

both_backends!(a_respondent_answers_their_own_case_and_cannot_open_another);
async fn a_respondent_answers_their_own_case_and_cannot_open_another(t: TestStore) {
    let d = support::docket(&t);
    members(&d).await;
    let mine = case_under_investigation(&d, 11, Complainant::Anonymous, "PA0000002").await;
    let other = case_under_investigation(&d, 12, Complainant::Anonymous, "PA0000003").await;
    portal_account(&d, "portal.bob", Role::Respondent, "PA0000002").await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    b.sign_in("portal.bob").await;
    let list = b.get("/portal").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.html.contains(&format!("/portal/case/{mine}")));
    assert!(!list.html.contains(other.as_str()));
    let refused = b.get(&format!("/portal/case/{other}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.html.contains("<main"),
        "a page, not a problem document"
    );
    let page = b.get(&format!("/portal/case/{mine}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Hostile emails to the branch secretary"));
    assert!(page.html.contains("Not disclosed to you"));
    assert!(
        !page.html.contains("id=\"grounds\""),
        "no appeal before an outcome"
    );
    let csrf = hidden(&page.html, "csrf");
    let path = format!("/portal/case/{mine}/respond");
    let empty = b
        .post(
            &path,
            &[("csrf", &csrf), ("response", ""), ("companion", "Chris")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(hidden(&empty.html, "companion"), "Chris");
    let sent = b
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("response", "I deny sending them."),
                ("companion", "Chris Friend, union representative"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let case = d.load_case(&mine).await.expect("load").expect("case");
    assert_eq!(case.responses.len(), 1);
    assert_eq!(
        case.companion.as_ref().map(|c| c.as_str()),
        Some("Chris Friend, union representative")
    );
    let forged = b.post(&path, &[("csrf", "wrong"), ("response", "x")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let theirs = b
        .post(
            &format!("/portal/case/{other}/respond"),
            &[("csrf", &csrf), ("response", "Not mine.")],
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
}

both_backends!(a_complainant_never_sees_the_respondent_s_response);
async fn a_complainant_never_sees_the_respondent_s_response(t: TestStore) {
    let d = support::docket(&t);
    members(&d).await;
    let ann = Complainant::Member {
        number: number("PA0000001"),
        name: "Member PA0000001".into(),
    };
    let id = case_under_investigation(&d, 21, ann, "PA0000002").await;
    let respondent = PersonId::parse("portal.bob").expect("id");
    d.execute(
        &id,
        Command::SubmitResponse {
            response: Text::parse("THE RESPONDENT'S SECRET ANSWER").expect("text"),
            companion: None,
        },
        &respondent,
        Timestamp::now(),
    )
    .await
    .expect("responded");
    portal_account(&d, "portal.ann", Role::Complainant, "PA0000001").await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    b.sign_in("portal.ann").await;
    let list = b.get("/portal").await;
    assert!(list.html.contains(&format!("/portal/complaint/{id}")));
    let page = b.get(&format!("/portal/complaint/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("An investigation was opened."));
    assert!(!page.html.contains("SECRET ANSWER"));
    let allegations = b.get(&format!("/portal/case/{id}")).await;
    assert_eq!(allegations.status, StatusCode::FORBIDDEN);
    assert!(!allegations.html.contains("SECRET ANSWER"));
}

#[tokio::test]
async fn the_demo_portal_accounts_are_a_respondent_who_may_respond_and_a_member_complainant() {
    use docket::demo::accounts::{PORTAL_COMPLAINANT, PORTAL_RESPONDENT, create_portal};
    let t = crate::backend::sqlite().await;
    let d = support::docket(&t);
    support::small_demo(&d).await;
    assert_eq!(create_portal(&d, Timestamp::now()).await.expect("made"), 2);
    assert_eq!(create_portal(&d, Timestamp::now()).await.expect("again"), 0);
    let account = |name: &str| {
        let d = d.clone();
        let name = Username::parse(name).expect("username");
        async move {
            d.store
                .account(&name)
                .await
                .expect("store")
                .expect("account")
        }
    };
    let respondent = account(PORTAL_RESPONDENT).await;
    let complainant = account(PORTAL_COMPLAINANT).await;
    assert!(!respondent.needs_second_factor() && !complainant.needs_second_factor());
    let cases = support::all_cases(&d).await;
    assert!(
        cases
            .iter()
            .any(|c| c.stage == docket_domain::Stage::Investigation
                && Some(&c.respondent.member) == respondent.member.as_ref())
    );
    assert!(cases.iter().any(|c| c.is_open()
        && matches!(&c.complainant, Complainant::Member { number, .. }
            if Some(number) == complainant.member.as_ref())));
}
