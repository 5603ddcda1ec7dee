//! Redacted copies, the copies parties are given, and the hearing bundle, over HTTP on both
//! stores: a redaction is a second item that never changes the first and is disclosed in
//! its place; a respondent's copy of a photo has its GPS position taken out, with the
//! copy's hash in the log and on the charge sheet; the bundle is one ZIP whose index names
//! who downloaded it, and each download is in the log.

use crate::backend::TestStore;
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket::evidence::contents::Check;
use docket::evidence::sha256_hex;
use docket::service::{Docket, ServiceError};
use docket_domain::Command;
use docket_domain::command::Party;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::notice::NoticeKind;
use docket_domain::role::{Principal, Role};
use docket_domain::rule::Rule;
use docket_domain::view::views_stream;
use jiff::Timestamp;
use reqwest::StatusCode;
use std::io::Read;

const STATEMENT: &str = "Statement of Jane Complainant, 1 High Street: he shouted at me.\n";
const REDACTED: &str = "Statement of [name and address withheld]: he shouted at me.\n";

/// A JPEG whose EXIF holds a GPS position, and a comment naming where it was taken.
fn photo() -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    // One IFD entry: the GPS IFD pointer (0x8825), LONG, pointing just past this IFD.
    tiff.extend_from_slice(&[1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0]);
    tiff.extend_from_slice(b"GPS 51.5007N 0.1246W home");
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut jpeg = b"\xff\xd8".to_vec();
    let mut segment = |marker: u8, body: &[u8]| {
        jpeg.extend_from_slice(&[0xff, marker]);
        jpeg.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        jpeg.extend_from_slice(body);
    };
    segment(0xe0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    segment(0xe1, &app1);
    segment(0xfe, b"taken at Jane's house");
    segment(0xda, &[1, 1, 0, 0, 0x3f, 0]);
    jpeg.extend_from_slice(&[0x12, 0x34, 0x56, 0xff, 0xd9]);
    jpeg
}

async fn case_with_officer(d: &Docket, seed: u64) -> (CaseId, Principal) {
    let id = CaseId::from_random(seed);
    let officer = Principal::new(
        PersonId::parse("officer.bundle").expect("id"),
        [Role::CaseOfficer],
    );
    let now = Timestamp::now();
    d.execute(
        &id,
        support::anonymous_complaint(id.clone()),
        &officer.person,
        now,
    )
    .await
    .expect("received");
    d.execute(&id, Command::Acknowledge, &officer.person, now)
        .await
        .expect("acknowledged");
    (id, officer)
}

/// A case holding the statement (item 1) and the photo (item 2).
async fn statement_and_photo(d: &Docket, seed: u64) -> (CaseId, Principal) {
    let (id, officer) = case_with_officer(d, seed).await;
    let now = Timestamp::now();
    d.add_evidence(&id, "statement.txt", STATEMENT.as_bytes(), &officer, now)
        .await
        .expect("added");
    d.add_evidence(&id, "photo.jpg", &photo(), &officer, now)
        .await
        .expect("added");
    (id, officer)
}

fn disclose(item: u32) -> Command {
    Command::DiscloseEvidence {
        item,
        to: Party::Respondent,
        reasons: Text::parse("The respondent must be able to answer it.").expect("text"),
        copy: None,
    }
}

async fn api_get(base: &str, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

both_backends!(a_redaction_is_a_second_item_and_never_changes_the_first);
async fn a_redaction_is_a_second_item_and_never_changes_the_first(t: TestStore) {
    let d = support::docket(&t);
    let (id, officer) = case_with_officer(&d, 81).await;
    let now = Timestamp::now();
    d.add_evidence(&id, "statement.txt", STATEMENT.as_bytes(), &officer, now)
        .await
        .expect("original added");
    let before = d
        .load_case(&id)
        .await
        .expect("load")
        .expect("case")
        .evidence;
    let (base, _stop) = support::serve(d.clone()).await;
    let token = support::token(&d, "officer.redact", &[Role::CaseOfficer]).await;
    let post = |query: &'static str| {
        let (base, token, id) = (base.clone(), token.clone(), id.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/cases/{id}/evidence?{query}"))
                .bearer_auth(token)
                .body(REDACTED)
                .send()
                .await
                .expect("request")
        }
    };

    // A redaction without its reasons is refused, saying so, and nothing is added.
    let res = post("filename=statement-redacted.txt&redacts=1").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "RFC 9457"
    );
    let problem = res.text().await.expect("body");
    assert!(problem.contains("what was taken out"), "{problem}");
    // Nor is a redaction of an item the case does not have.
    let res = post("filename=r.txt&redacts=9&reasons=names%20out").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = res.text().await.expect("body");
    assert!(
        problem.contains("no evidence item 9 to redact"),
        "{problem}"
    );
    assert_eq!(
        d.load_case(&id)
            .await
            .expect("load")
            .expect("case")
            .evidence,
        before
    );

    let res = post(
        "filename=statement-redacted.txt&redacts=1&reasons=The%20complainant%27s%20name%20and%20address%20taken%20out",
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let item: serde_json::Value = res.json().await.expect("json");
    assert_eq!(item["number"], 2);
    assert_eq!(item["redaction_of"]["original"], 1);
    assert_eq!(item["sha256"], sha256_hex(REDACTED.as_bytes()).as_str());

    // The first item is as it was, in the case and in the store.
    let case = d.load_case(&id).await.expect("load").expect("case");
    assert_eq!(case.evidence.len(), 2);
    assert_eq!(case.evidence[0], before[0]);
    let checks = d.verify_evidence(&id).await.expect("verify");
    assert!(
        checks.iter().all(|(_, c)| *c == Check::Intact),
        "{checks:?}"
    );
    let original = d
        .open_evidence(&id, 1, &officer, now)
        .await
        .expect("open")
        .whole()
        .await
        .expect("whole");
    assert_eq!(original, STATEMENT.as_bytes());

    // The original is not disclosed once it has a redacted copy: the copy is.
    let err = d
        .execute_as(&id, disclose(1), &officer, now)
        .await
        .expect_err("the original stays");
    assert!(
        matches!(&err, ServiceError::Rule(v) if v.rule == Rule::RedactedOriginal && v.message.contains("item 2")),
        "{err}"
    );
    d.execute_as(&id, disclose(2), &officer, now)
        .await
        .expect("the copy is disclosed");

    // The respondent gets the copy, and the original is refused, the refusal recorded.
    let respondent = support::member_token(
        &d,
        "member.redact",
        &[Role::Respondent],
        Some("PA0000001".into()),
    )
    .await;
    let res = api_get(&base, &respondent, &format!("/cases/{id}/evidence/2")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.bytes().await.expect("body").as_ref(),
        REDACTED.as_bytes()
    );
    let res = api_get(&base, &respondent, &format!("/cases/{id}/evidence/1")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = res.text().await.expect("body");
    assert!(!body.contains("Jane"), "{body}");
    let refused = d
        .store
        .stream_events(&views_stream(&id))
        .await
        .expect("views")
        .into_iter()
        .any(|e| e.kind == "access_denied" && e.actor == "member.redact");
    assert!(refused, "the refusal is an event");

    // The case page shows the link both ways.
    let browser = Browser::signed_in(&d, &base, "officer.page", &[Role::CaseOfficer]).await;
    let (_, page) = browser.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Redacted copy of item 1"), "{page}");
    assert!(page.contains("Redacted copy: item 2"), "{page}");
    // The disclosure form says the same before an item is picked.
    assert!(
        page.contains("has a redacted copy, item 2: disclose that instead"),
        "{page}"
    );
    assert!(page.contains("redacted copy of item 1"), "{page}");
}

both_backends!(a_respondents_copy_of_a_photo_has_its_gps_position_taken_out);
async fn a_respondents_copy_of_a_photo_has_its_gps_position_taken_out(t: TestStore) {
    let d = support::docket(&t);
    let (id, officer) = case_with_officer(&d, 82).await;
    let now = Timestamp::now();
    let photo = photo();
    d.add_evidence(&id, "photo.jpg", &photo, &officer, now)
        .await
        .expect("added");
    d.execute_as(&id, disclose(1), &officer, now)
        .await
        .expect("disclosed");
    let case = d.load_case(&id).await.expect("load").expect("case");
    let copy = case.evidence[0]
        .copy_for(Party::Respondent)
        .expect("a copy is recorded")
        .clone();
    assert!(copy.removed.iter().any(|r| r.contains("GPS")), "{copy:?}");
    assert_ne!(copy.sha256, case.evidence[0].item.sha256);

    let (base, _stop) = support::serve(d.clone()).await;
    let respondent = support::member_token(
        &d,
        "member.photo",
        &[Role::Respondent],
        Some("PA0000001".into()),
    )
    .await;
    let res = api_get(&base, &respondent, &format!("/cases/{id}/evidence/1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-length"],
        copy.size.to_string().as_str()
    );
    let given = res.bytes().await.expect("body");
    assert_eq!(sha256_hex(&given), copy.sha256, "the copy the log recorded");
    let text = String::from_utf8_lossy(&given);
    assert!(!text.contains("GPS") && !text.contains("Exif") && !text.contains("Jane"));
    assert!(
        given.ends_with(&[0x12, 0x34, 0x56, 0xff, 0xd9]),
        "the image is kept"
    );

    // Staff still get the file as it arrived.
    let staff = support::token(&d, "officer.photo", &[Role::CaseOfficer]).await;
    let res = api_get(&base, &staff, &format!("/cases/{id}/evidence/1")).await;
    assert_eq!(res.bytes().await.expect("body").as_ref(), photo.as_slice());

    // The charge sheet names the copy's hash and the original's.
    let sheet = d
        .issue_notice(&case, NoticeKind::ChargeSheet, Party::Respondent, now)
        .expect("rendered");
    let docket_domain::event::CaseEvent::NoticeIssued { text, html, .. } = sheet else {
        panic!("a notice");
    };
    for body in [&text, &html] {
        assert!(body.contains(&copy.sha256), "{body}");
        assert!(body.contains(&case.evidence[0].item.sha256), "{body}");
        assert!(body.contains("taken out"), "{body}");
    }
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).expect("entry");
            let mut out = Vec::new();
            f.read_to_end(&mut out).expect("read, CRC checked");
            (f.name().expect("a name").to_string(), out)
        })
        .collect()
}

both_backends!(the_hearing_bundle_is_one_zip_marked_for_whoever_downloads_it);
async fn the_hearing_bundle_is_one_zip_marked_for_whoever_downloads_it(t: TestStore) {
    let d = support::docket(&t);
    let (id, officer) = statement_and_photo(&d, 83).await;
    let now = Timestamp::now();
    d.execute_as(&id, disclose(2), &officer, now)
        .await
        .expect("disclosed");
    let (base, _stop) = support::serve(d.clone()).await;
    let token = support::token(&d, "officer.zip", &[Role::CaseOfficer]).await;

    let res = api_get(&base, &token, &format!("/cases/{id}/bundle")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    let entries = unzip(&res.bytes().await.expect("body"));
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "index.html",
            "SHA256SUMS",
            "evidence/001-statement.txt",
            "evidence/002-photo.jpg"
        ]
    );
    assert_eq!(entries[2].1, STATEMENT.as_bytes());
    assert_eq!(
        entries[3].1,
        photo(),
        "the panel gets the file as it arrived"
    );
    let index = String::from_utf8(entries[0].1.clone()).expect("utf-8");
    assert!(index.contains("Prepared for officer.zip"), "{index}");
    for (_, bytes) in &entries[2..] {
        assert!(index.contains(&sha256_hex(bytes)), "{index}");
    }
    assert!(index.contains("the respondent") && index.contains("nobody"));
    let sums = String::from_utf8(entries[1].1.clone()).expect("utf-8");
    assert!(sums.contains(&format!(
        "{}  evidence/001-statement.txt",
        sha256_hex(STATEMENT.as_bytes())
    )));

    // The download is in the log, with the id on the index and the index's hash.
    let downloads = d.bundle_downloads(&id).await.expect("downloads");
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].by, "officer.zip");
    assert!(index.contains(&downloads[0].bundle));
    assert!(disposition.contains(&downloads[0].bundle), "{disposition}");
    assert_eq!(downloads[0].index_sha256, sha256_hex(index.as_bytes()));
    assert_eq!(downloads[0].items, 2);

    // Someone who may not see the case's evidence gets no bundle, and nothing is recorded
    // as a download.
    let officeholder = support::token(&d, "officeholder.zip", &[Role::Officeholder]).await;
    let res = api_get(&base, &officeholder, &format!("/cases/{id}/bundle")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(d.bundle_downloads(&id).await.expect("downloads").len(), 1);

    // The bundle page lists the items with their hashes and the download.
    let browser = Browser::signed_in(&d, &base, "officer.zip2", &[Role::CaseOfficer]).await;
    let (status, page) = browser.get(&format!("/cases/{id}/bundle")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&sha256_hex(STATEMENT.as_bytes())), "{page}");
    assert!(page.contains(&downloads[0].bundle), "{page}");
    let res = browser.fetch(&format!("/cases/{id}/bundle.zip")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let entries = unzip(&res.bytes().await.expect("body"));
    let index = String::from_utf8(entries[0].1.clone()).expect("utf-8");
    assert!(index.contains("Prepared for officer.zip2"), "{index}");
    let downloads = d.bundle_downloads(&id).await.expect("downloads");
    assert_eq!(downloads.len(), 2);
    assert_ne!(downloads[0].bundle, downloads[1].bundle, "each its own id");

    // A file altered in the store breaks the download off: no complete archive goes out.
    let upload = d
        .store
        .sealed_file(&id, &sha256_hex(STATEMENT.as_bytes()))
        .await
        .expect("read")
        .expect("stored")
        .upload;
    crate::tamper::flip_stored_byte(&t, &upload, 5).await;
    let res = api_get(&base, &token, &format!("/cases/{id}/bundle")).await;
    let complete = match res.bytes().await {
        Ok(bytes) => zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).is_ok(),
        Err(_) => false,
    };
    assert!(!complete, "the download does not complete");
}

both_backends!(a_text_file_is_redacted_on_the_server_into_a_second_item);
async fn a_text_file_is_redacted_on_the_server_into_a_second_item(t: TestStore) {
    let d = support::docket(&t);
    let (id, officer) = statement_and_photo(&d, 84).await;
    let now = Timestamp::now();
    let (base, _stop) = support::serve(d.clone()).await;
    let browser = Browser::signed_in(&d, &base, "officer.text", &[Role::CaseOfficer]).await;
    let (_, page) = browser.get(&format!("/cases/{id}")).await;
    assert!(
        page.contains(&format!("/cases/{id}/evidence/1/redact")),
        "{page}"
    );
    assert!(
        !page.contains(&format!("/cases/{id}/evidence/2/redact")),
        "text only"
    );

    // Words that are not in the file: the form comes back with what was typed.
    let path = format!("/cases/{id}/evidence/1/redact");
    let res = browser
        .post(
            &path,
            &[
                ("csrf", &browser.csrf),
                ("terms", "Joe Bloggs"),
                ("reasons", "Names out before disclosure."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.expect("page");
    assert!(
        again.contains("None of these words or phrases appear in item 1"),
        "{again}"
    );
    assert!(
        again.contains(">Joe Bloggs</textarea>")
            && again.contains(">Names out before disclosure.</textarea>")
    );
    // No reasons: named beside the field.
    let res = browser
        .post(
            &path,
            &[("csrf", &browser.csrf), ("terms", "Jane"), ("reasons", " ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("page")
            .contains("Say why they are taken out")
    );
    assert_eq!(
        d.load_case(&id)
            .await
            .expect("load")
            .expect("case")
            .evidence
            .len(),
        2
    );

    let res = browser
        .post(
            &path,
            &[
                ("csrf", &browser.csrf),
                ("terms", "jane complainant\n1 High Street"),
                ("reasons", "The complainant's name and address taken out."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let case = d.load_case(&id).await.expect("load").expect("case");
    let copy = &case.evidence[2];
    assert_eq!(copy.item.filename, "statement-redacted.txt");
    assert_eq!(copy.original(), Some(1));
    let bytes = d
        .open_evidence(&id, 3, &officer, now)
        .await
        .expect("open")
        .whole()
        .await
        .expect("whole");
    assert_eq!(
        String::from_utf8(bytes).expect("utf-8"),
        "Statement of [redacted], [redacted]: he shouted at me.\n"
    );
    assert_eq!(
        d.verify_evidence(&id).await.expect("verify")[0].1,
        Check::Intact,
        "the original is untouched"
    );

    // Over the API; a photo is not redacted here, and says what to do instead.
    let token = support::token(&d, "officer.textapi", &[Role::CaseOfficer]).await;
    let post = |n: u32, body: serde_json::Value| {
        let (base, token, id) = (base.clone(), token.clone(), id.clone());
        async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/cases/{id}/evidence/{n}/redactions"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("request")
        }
    };
    let res = post(2, serde_json::json!({"terms": ["x"], "reasons": "r"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.expect("body").contains("not plain text"));
    let res = post(
        1,
        serde_json::json!({"terms": ["shouted"], "reasons": "Tone."}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let item: serde_json::Value = res.json().await.expect("json");
    assert_eq!(item["number"], 4);
    assert_eq!(item["redaction_of"]["original"], 1);
}
