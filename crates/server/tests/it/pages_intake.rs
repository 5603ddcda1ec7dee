//! Evidence sent with a public complaint, and the staff home's search over case titles, over
//! real HTTP on both stores.

use crate::backend::TestStore;
use crate::both_backends;
use crate::pages::Browser as Staff;
use crate::pages_portal::{Browser, complaint_form, hidden, members};
use crate::support;
use docket_domain::Command;
use docket_domain::command::{Complainant, Respondent};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId, Text};
use docket_domain::role::Role;
use docket_domain::store::{CaseFilter, case_stream};
use docket_domain::view::views_stream;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR screenshot of the group chat";
const LETTER: &str = "Dear secretary, I write about the meeting of 3 June.";

/// The complaint form as a browser sends it with files: the fields, then each file.
fn multipart(fields: &[(String, String)], files: &[(&str, &[u8])]) -> Form {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.clone(), v.clone());
    }
    for (name, bytes) in files {
        form = form.part(
            "evidence",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        );
    }
    form
}

fn sha(bytes: &[u8]) -> String {
    docket::evidence::sha256_hex(bytes)
}

both_backends!(a_complaint_brings_its_evidence_and_a_form_sent_back_keeps_the_files);
async fn a_complaint_brings_its_evidence_and_a_form_sent_back_keeps_the_files(t: TestStore) {
    let d = support::docket(&t).with_evidence_limit(4096);
    members(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    let form = b.get("/complain").await;
    assert!(form.html.contains("enctype=\"multipart/form-data\""));
    assert!(form.html.contains("Up to 5 files of at most 4 KiB each"));
    let (csrf, key) = (hidden(&form.html, "csrf"), hidden(&form.html, "key"));
    let mut fields = complaint_form(&csrf, &key, "member");
    fields.push(("member_number".into(), "PA0000001".into()));
    fields.push(("member_name".into(), "Member One".into()));
    // A problem in a field, a program passed off as a picture, a file over the limit.
    fields.retain(|(k, _)| k != "summary");
    fields.push(("summary".into(), String::new()));
    let too_big = vec![b'a'; 5000];
    let files: [(&str, &[u8]); 4] = [
        ("chat.png", PNG),
        ("letter.txt", LETTER.as_bytes()),
        ("photo.png", b"MZ\x90\x00\x03\x00\x00\x00 a Windows program"),
        ("long.txt", &too_big),
    ];
    let req = b
        .http
        .post(format!("{base}/complain"))
        .multipart(multipart(&fields, &files));
    let again = b.page(req).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.html
    );
    assert!(
        again.html.contains("Enter a one-line summary"),
        "{}",
        again.html
    );
    assert!(again.html.contains("Member One"), "typed values are kept");
    assert!(
        again
            .html
            .contains("photo.png: this kind of file is not accepted as evidence"),
        "{}",
        again.html
    );
    assert!(
        again
            .html
            .contains("long.txt: the file is over the limit of 4 KiB")
    );
    assert!(again.html.contains("Files already attached"));
    assert!(again.html.contains("chat.png") && again.html.contains("letter.txt"));
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    assert!(
        listed.is_empty(),
        "nothing is received from a form with problems"
    );
    assert_eq!(d.store.sealed_counts().await.expect("counts").files, 0);

    // Sent again with the summary, no files chosen, and the letter removed: the complaint
    // arrives with the screenshot it held, in one go.
    let csrf = hidden(&again.html, "csrf");
    let mut fields: Vec<(String, String)> = fields
        .into_iter()
        .filter(|(k, _)| k != "summary" && k != "csrf")
        .collect();
    fields.push(("csrf".into(), csrf));
    fields.push(("summary".into(), "Abusive messages in the group".into()));
    fields.push(("remove".into(), sha(LETTER.as_bytes())));
    let req = b
        .http
        .post(format!("{base}/complain"))
        .multipart(multipart(&fields, &[("", b"")]));
    let done = b.page(req).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(
        done.html.contains("One evidence file was received with it"),
        "{}",
        done.html
    );
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    let case = d
        .load_case(&listed[0].id)
        .await
        .expect("load")
        .expect("case");
    assert_eq!(case.evidence.len(), 1);
    let item = &case.evidence[0].item;
    assert_eq!(
        (
            item.filename.as_str(),
            item.media_type.as_str(),
            item.sha256.as_str()
        ),
        ("chat.png", "image/png", sha(PNG).as_str())
    );
    assert_eq!(stored(&d, &case.id, PNG).await.as_deref(), Some(PNG));
    assert_eq!(stored(&d, &case.id, LETTER.as_bytes()).await, None);
    // The complaint and its evidence are one append: the stream's first two events.
    let events = d
        .store
        .stream_events(&case_stream(&case.id))
        .await
        .expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["complaint_received", "evidence_added"]);
    assert_eq!(events[0].seq + 1, events[1].seq);
    assert!(events[1].payload.contains(&sha(PNG)));
}

both_backends!(an_anonymous_complaint_brings_its_evidence_with_its_receipt);
async fn an_anonymous_complaint_brings_its_evidence_with_its_receipt(t: TestStore) {
    let d = support::docket(&t);
    members(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    let form = b.get("/complain").await;
    let fields = complaint_form(
        &hidden(&form.html, "csrf"),
        &hidden(&form.html, "key"),
        "anonymous",
    );
    let req = b
        .http
        .post(format!("{base}/complain"))
        .multipart(multipart(&fields, &[("letter.txt", LETTER.as_bytes())]));
    let done = b.page(req).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains("receipt-code"), "{}", done.html);
    assert!(done.html.contains("One evidence file was received with it"));
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    let case = d
        .load_case(&listed[0].id)
        .await
        .expect("load")
        .expect("case");
    assert_eq!(case.complainant, Complainant::Anonymous);
    assert_eq!(case.evidence.len(), 1);
    assert_eq!(
        stored(&d, &case.id, LETTER.as_bytes()).await.as_deref(),
        Some(LETTER.as_bytes())
    );
}

/// The file a case holds with the same hash as `bytes`, opened, if it holds one.
async fn stored(d: &docket::service::Docket, case: &CaseId, bytes: &[u8]) -> Option<Vec<u8>> {
    let number = d
        .load_case(case)
        .await
        .expect("load")?
        .evidence
        .iter()
        .find(|e| e.item.sha256 == sha(bytes))?
        .item
        .number;
    let officer = docket_domain::role::Principal::new(
        PersonId::parse("officer.check").expect("id"),
        [Role::CaseOfficer],
    );
    let contents = d
        .open_evidence(case, number, &officer, Timestamp::now())
        .await
        .expect("opens");
    Some(contents.whole().await.expect("intact"))
}

async fn receive(d: &docket::service::Docket, bits: u64, summary: &str) -> CaseId {
    let id = CaseId::from_random(bits);
    let t = |s: &str| Text::parse(s).expect("text");
    let cmd = Command::ReceiveComplaint {
        id: id.clone(),
        complainant: Complainant::Anonymous,
        respondent: Respondent {
            member: MembershipNumber::parse("PA0000002").expect("number"),
            name: "Member Two".into(),
            elected_office: None,
        },
        category: "bullying".into(),
        conduct_date: support::today(),
        summary: t(summary),
        narrative: t("What happened, at length."),
    };
    let officer = PersonId::parse("officer.test").expect("id");
    d.execute(&id, cmd, &officer, Timestamp::now())
        .await
        .expect("received");
    id
}

both_backends!(the_staff_home_searches_titles_only_where_the_searcher_may_read);
async fn the_staff_home_searches_titles_only_where_the_searcher_may_read(t: TestStore) {
    let d = support::docket(&t);
    let raffle = receive(&d, 11, "Heckled the treasurer over the raffle tickets").await;
    let other = receive(&d, 12, "Abusive posts in the branch group").await;
    let (base, _stop) = support::serve(d.clone()).await;
    let title_views = |actor: &'static str, id: CaseId| {
        let d = d.clone();
        async move {
            d.store
                .stream_events(&views_stream(&id))
                .await
                .expect("views")
                .iter()
                .filter(|e| e.actor == actor && e.payload.contains("\"title\""))
                .count()
        }
    };

    let officer = Staff::signed_in(&d, &base, "officer.search", &[Role::CaseOfficer]).await;
    let (status, page) = officer.get("/home?q=RAFFLE+treasurer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(raffle.as_str()), "{page}");
    assert!(page.contains("Heckled the treasurer over the raffle tickets"));
    assert!(!page.contains(other.as_str()));
    assert!(page.contains("1 case<"), "{page}");
    assert_eq!(
        title_views("officer.search", raffle.clone()).await,
        1,
        "recorded"
    );
    // Without a search, no title is shown or read.
    let (_, page) = officer.get("/home").await;
    assert!(page.contains(raffle.as_str()) && !page.contains("raffle tickets"));
    assert_eq!(title_views("officer.search", raffle.clone()).await, 1);

    // Oversight may list cases but not read them: no hit, no count, nothing recorded.
    let oversight = Staff::signed_in(&d, &base, "oversight.search", &[Role::Oversight]).await;
    let (status, page) = oversight.get("/home?q=raffle").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains(raffle.as_str()) && page.contains("0 cases<"),
        "{page}"
    );
    assert_eq!(title_views("oversight.search", raffle.clone()).await, 0);
    let refusals = d
        .store
        .stream_events(&views_stream(&raffle))
        .await
        .expect("views");
    assert!(!refusals.iter().any(|e| e.actor == "oversight.search"));
    // A reference is metadata: found, without its title.
    let (_, page) = oversight.get(&format!("/home?q={raffle}")).await;
    assert!(page.contains(raffle.as_str()) && !page.contains("raffle tickets"));
}

both_backends!(a_broad_title_search_records_only_the_titles_it_shows);
async fn a_broad_title_search_records_only_the_titles_it_shows(t: TestStore) {
    let d = support::docket(&t);
    let mut ids = Vec::new();
    for n in 0..60u64 {
        ids.push(receive(&d, 1000 + n, "Leaflets left in the wrong ward").await);
    }
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Staff::signed_in(&d, &base, "officer.broad", &[Role::CaseOfficer]).await;
    let (status, page) = officer.get("/home?q=leaflets").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("60 cases"), "every match is counted");
    let mut recorded = 0;
    for id in &ids {
        recorded += d
            .store
            .stream_events(&views_stream(id))
            .await
            .expect("views")
            .iter()
            .filter(|e| e.actor == "officer.broad" && e.payload.contains("\"title\""))
            .count();
    }
    assert_eq!(recorded, 50, "one page of titles shown, one view each");
}

both_backends!(a_third_party_gives_an_address_and_is_emailed_the_acknowledgement_only);
async fn a_third_party_gives_an_address_and_is_emailed_the_acknowledgement_only(t: TestStore) {
    let mailer = std::sync::Arc::new(docket::outbox::mail::MemoryMailer::default());
    let d = support::docket(&t).with_mailer(
        mailer.clone(),
        "Casework <casework@party.example>".parse().expect("from"),
    );
    members(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let mut b = Browser::new(&base);
    let form = b.get("/complain").await;
    let mut fields = complaint_form(
        &hidden(&form.html, "csrf"),
        &hidden(&form.html, "key"),
        "third_party",
    );
    fields.push(("third_name".into(), "Jo Reporter".into()));
    fields.push(("third_email".into(), "jo at the paper".into()));
    let req = b
        .http
        .post(format!("{base}/complain"))
        .multipart(multipart(&fields, &[]));
    let back = b.page(req).await;
    assert_eq!(
        back.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        back.html
    );
    assert!(
        back.html
            .contains("Give an email address like name@example.org")
    );
    assert!(
        back.html.contains("value=\"jo at the paper\""),
        "kept as typed"
    );

    let fields: Vec<(String, String)> = fields
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "third_email" => (k, "jo@paper.example".into()),
            "csrf" => (k, hidden(&back.html, "csrf")),
            "key" => (k, hidden(&back.html, "key")),
            _ => (k, v),
        })
        .collect();
    let req = b
        .http
        .post(format!("{base}/complain"))
        .multipart(multipart(&fields, &[]));
    let done = b.page(req).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    let id = listed[0].id.clone();
    // Acknowledged by staff: that notice is queued for the address given, and sent.
    d.execute(
        &id,
        Command::Acknowledge,
        &PersonId::parse("officer.intake").expect("id"),
        Timestamp::now(),
    )
    .await
    .expect("acknowledged");
    let pass = d.run_outbox(Timestamp::now()).await.expect("pass");
    assert_eq!(pass.sent, 1);
    let sent = mailer.sent.lock().expect("sent").clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "jo@paper.example");
    assert!(sent[0].1.contains(id.as_str()));
}
