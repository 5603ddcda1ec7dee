//! Evidence files over HTTP on both stores: hashed into the log on arrival, served back only
//! through the gate as attachments, refused when of the wrong kind or too large, and refused
//! when the stored bytes no longer match the log.

use crate::backend::TestStore;
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket::evidence::sha256_hex;
use docket::service::{Docket, ServiceError};
use docket_domain::Command;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::role::Role;
use docket_domain::rule::Rule;
use docket_domain::store::case_stream;
use docket_domain::view::views_stream;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};

/// The start of a PNG image: enough for its type to be told.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

const STATEMENT: &str =
    "Witness statement of A. Person.\nI saw what happened — and wrote it down.\n";

/// A freshly received case, without the demo's members or history.
async fn received(d: &Docket) -> CaseId {
    let id = CaseId::from_random(42);
    let officer = PersonId::parse("officer.intake").expect("id");
    d.execute(
        &id,
        support::anonymous_complaint(id.clone()),
        &officer,
        Timestamp::now(),
    )
    .await
    .expect("received");
    id
}

/// Posts `bytes` as the evidence form does, with `csrf` as the form's token.
async fn upload(
    b: &Browser,
    id: &CaseId,
    name: &str,
    bytes: &[u8],
    csrf: &str,
) -> reqwest::Response {
    b.upload(
        &format!("/cases/{id}/evidence"),
        &[("csrf", csrf)],
        "file",
        name,
        bytes,
    )
    .await
}

async fn download(b: &Browser, id: &CaseId, n: u32) -> reqwest::Response {
    b.fetch(&format!("/cases/{id}/evidence/{n}")).await
}

async fn evidence_events(d: &Docket, id: &CaseId) -> Vec<serde_json::Value> {
    d.store
        .stream_events(&case_stream(id))
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == "evidence_added")
        .map(|e| serde_json::from_str(&e.payload).expect("json"))
        .collect()
}

both_backends!(an_upload_is_hashed_into_the_log_and_served_back_as_an_attachment);
async fn an_upload_is_hashed_into_the_log_and_served_back_as_an_attachment(t: TestStore) {
    let d = support::docket(&t);
    let id = received(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.x", &[Role::CaseOfficer]).await;

    let (status, page) = officer.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(page.contains("No evidence files."));

    let res = upload(
        &officer,
        &id,
        "C:\\statements\\witness \"A\".txt",
        STATEMENT.as_bytes(),
        &officer.csrf,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/cases/{id}?done=add_evidence")
    );
    let hash = sha256_hex(STATEMENT.as_bytes());
    let events = evidence_events(&d, &id).await;
    assert_eq!(events.len(), 1);
    let item = &events[0]["item"];
    assert_eq!(item["sha256"], hash.as_str());
    assert_eq!(item["number"], 1);
    assert_eq!(item["filename"], "witness \"A\".txt");
    assert_eq!(item["media_type"], "text/plain");
    assert_eq!(item["size"], STATEMENT.len());

    let (_, page) = officer.get(&format!("/cases/{id}?done=add_evidence")).await;
    assert!(page.contains("Evidence added"), "{page}");
    assert!(page.contains(&hash));
    assert!(page.contains(&format!("/cases/{id}/evidence/1")));

    let res = download(&officer, &id, 1).await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h[CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(h[CACHE_CONTROL], "no-store");
    let disposition = h[CONTENT_DISPOSITION].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\"witness _A_.txt\""),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.expect("body"), STATEMENT.as_bytes());
    let views = d
        .store
        .stream_events(&views_stream(&id))
        .await
        .expect("views");
    assert!(views.iter().any(|e| e.kind == "case_viewed"
        && e.payload.contains("\"part\":\"evidence\"")
        && e.actor.as_str() == "officer.x"));

    // The same file again is the same evidence, not a second item.
    let res = upload(
        &officer,
        &id,
        "again.txt",
        STATEMENT.as_bytes(),
        &officer.csrf,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .expect("page")
            .contains("already evidence item 1")
    );
    assert_eq!(evidence_events(&d, &id).await.len(), 1);
    assert_eq!(
        download(&officer, &id, 2).await.status(),
        StatusCode::NOT_FOUND
    );
}

both_backends!(refused_files_leave_nothing_behind);
async fn refused_files_leave_nothing_behind(t: TestStore) {
    let d = support::docket(&t).with_evidence_limit(1024);
    let id = received(&d).await;
    let version = d.store.stream_version(&case_stream(&id)).await.expect("v");
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.x", &[Role::CaseOfficer]).await;
    let random: Vec<u8> = (0..600u32).map(|i| (i * 7919 % 251) as u8).collect();
    let cases: [(&str, Vec<u8>, StatusCode, &str); 5] = [
        (
            "setup.exe",
            b"MZ\x90\0\x03\0\0\0".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not accepted as evidence; accepted are PDF",
        ),
        (
            "photo.jpg",
            random,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not accepted as evidence",
        ),
        (
            "empty.txt",
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file is empty",
        ),
        // Over the limit but inside the route's framing slack: refused by the check.
        (
            "big.txt",
            vec![b'a'; 5000],
            StatusCode::PAYLOAD_TOO_LARGE,
            "at most 1 KiB",
        ),
        // Over the route's body limit: refused before the body is parsed, still as a page.
        (
            "huge.txt",
            vec![b'a'; 300 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
            "too large",
        ),
    ];
    for (name, bytes, status, says) in cases {
        let res = upload(&officer, &id, name, &bytes, &officer.csrf).await;
        assert_eq!(res.status(), status, "{name}");
        assert!(
            res.headers()[CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with("text/html"),
            "{name}"
        );
        let page = res.text().await.expect("page");
        assert!(page.contains(says), "{name}: {page}");
    }
    // A form without this session's token changes nothing either.
    let res = upload(&officer, &id, "ok.txt", b"fine", "not-the-token").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        d.store.stream_version(&case_stream(&id)).await.expect("v"),
        version
    );

    // A command sent without an upload cannot put a hash in the log that no file backs.
    let who = docket_domain::role::Principal::new(
        PersonId::parse("officer.x").expect("id"),
        [Role::CaseOfficer],
    );
    let err = d
        .execute_as(
            &id,
            Command::AddEvidence {
                sha256: "ab".repeat(32),
                filename: "x.txt".into(),
                media_type: "text/plain".into(),
                size: 4,
                redaction_of: None,
            },
            &who,
            Timestamp::now(),
        )
        .await
        .expect_err("nothing was uploaded");
    assert!(
        matches!(&err, ServiceError::Rule(v) if v.rule == Rule::EvidenceNotUploaded),
        "{err}"
    );
    assert_eq!(
        d.store.stream_version(&case_stream(&id)).await.expect("v"),
        version
    );
}

both_backends!(content_is_refused_to_roles_without_it_and_the_refusal_recorded);
async fn content_is_refused_to_roles_without_it_and_the_refusal_recorded(t: TestStore) {
    let d = support::docket(&t);
    let id = received(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.x", &[Role::CaseOfficer]).await;
    let res = upload(&officer, &id, "s.txt", STATEMENT.as_bytes(), &officer.csrf).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for (name, role) in [
        ("auditor.x", Role::Oversight),
        ("leader.x", Role::Officeholder),
    ] {
        let b = Browser::signed_in(&d, &base, name, &[role]).await;
        let res = download(&b, &id, 1).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        let page = res.text().await.expect("page");
        assert!(!page.contains("Witness statement"), "{name}");
        // Nor may they upload.
        let res = upload(&b, &id, "x.txt", b"more", &b.csrf).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
        let views = d
            .store
            .stream_events(&views_stream(&id))
            .await
            .expect("views");
        for action in ["view_evidence", "add_evidence"] {
            assert!(
                views.iter().any(|e| e.kind == "access_denied"
                    && e.actor.as_str() == name
                    && e.payload.contains(action)),
                "{name} {action}"
            );
        }
    }
    assert_eq!(evidence_events(&d, &id).await.len(), 1);
}

/// The upload a case's stored file was written under.
async fn upload_of(d: &Docket, id: &CaseId, bytes: &[u8]) -> String {
    d.store
        .sealed_file(id, &sha256_hex(bytes))
        .await
        .expect("read")
        .expect("the file is stored")
        .upload
}

both_backends!(a_file_altered_in_the_store_is_refused_and_named_by_evidence_verify);
async fn a_file_altered_in_the_store_is_refused_and_named_by_evidence_verify(t: TestStore) {
    use docket::evidence::contents::Check;
    let d = support::docket(&t);
    let id = received(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.x", &[Role::CaseOfficer]).await;
    let res = upload(&officer, &id, "s.txt", STATEMENT.as_bytes(), &officer.csrf).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = upload(&officer, &id, "p.png", PNG, &officer.csrf).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let checks = d.verify_evidence(&id).await.expect("verify");
    assert_eq!(checks.len(), 2);
    assert!(
        checks.iter().all(|(_, c)| *c == Check::Intact),
        "{checks:?}"
    );

    // One bit of one byte changed, straight in the store.
    let upload_id = upload_of(&d, &id, STATEMENT.as_bytes()).await;
    crate::tamper::flip_stored_byte(&t, &upload_id, 5).await;
    let res = download(&officer, &id, 1).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let page = res.text().await.expect("page");
    assert!(
        page.contains("does not match the SHA-256 recorded in the log"),
        "{page}"
    );
    assert!(!page.contains("I saw"), "nothing of the file is served");
    let checks = d.verify_evidence(&id).await.expect("verify");
    assert!(
        matches!(&checks[0].1, Check::Altered(why) if why.contains("chunk 0")),
        "{checks:?}"
    );
    assert_eq!(checks[0].0.filename, "s.txt");
    assert_eq!(checks[1].1, Check::Intact, "the other file is untouched");
}

both_backends!(stored_evidence_is_sealed_and_never_its_plaintext);
async fn stored_evidence_is_sealed_and_never_its_plaintext(t: TestStore) {
    let d = support::docket(&t);
    let id = received(&d).await;
    let officer = docket_domain::role::Principal::new(
        PersonId::parse("officer.x").expect("id"),
        [Role::CaseOfficer],
    );
    d.add_evidence(
        &id,
        "s.txt",
        STATEMENT.as_bytes(),
        &officer,
        Timestamp::now(),
    )
    .await
    .expect("added");
    let stored =
        crate::tamper::stored_bytes(&t, &upload_of(&d, &id, STATEMENT.as_bytes()).await).await;
    assert_eq!(
        stored.len(),
        STATEMENT.len() + 16,
        "sealed: the text and its tag"
    );
    assert!(
        !stored.windows(9).any(|w| w == b"Witness s"),
        "the stored bytes hold no plaintext"
    );
    // The case's data key is kept wrapped, under the organisation key's id.
    let key = d.store.case_key(&id).await.expect("read").expect("a key");
    assert_eq!(key.key_id, d.evidence_key.as_ref().expect("key").id());
    // A server holding another key refuses to open it, naming both keys.
    let other =
        support::docket(&t).with_evidence_key(docket::evidence::vault::OrgKey::from_bytes([7; 32]));
    let err = other
        .check_evidence_key("test")
        .await
        .expect_err("another key is refused");
    assert!(err.to_string().contains(&key.key_id), "{err}");
    // And one holding none refuses to start at all.
    let mut none = support::docket(&t);
    none.evidence_key = None;
    let err = none
        .check_evidence_key("/nowhere/evidence.key")
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("no evidence key was found at /nowhere/evidence.key"),
        "{err}"
    );
}

both_backends!(large_files_stream_in_and_out_within_the_limits);
async fn large_files_stream_in_and_out_within_the_limits(t: TestStore) {
    let d = support::docket(&t).with_evidence_case_limit(20 * 1024 * 1024);
    let id = received(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.x", &[Role::CaseOfficer]).await;
    // Over the size opened whole (8 MiB), so it is streamed out; not a whole number of chunks.
    let mut video = b"\0\0\0\x18ftypmp42".to_vec();
    video.extend(
        (0..9 * 1024 * 1024 + 1234).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8),
    );
    let res = upload(&officer, &id, "meeting.mp4", &video, &officer.csrf).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = download(&officer, &id, 1).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "video/mp4");
    let body = res.bytes().await.expect("body");
    assert_eq!(sha256_hex(&body), sha256_hex(&video));
    let sealed = d
        .store
        .sealed_file(&id, &sha256_hex(&video))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(sealed.chunks, 10);

    // The case may hold 20 MiB: a second 12 MiB file is over what it has left, and is
    // refused with the case's limit named, leaving nothing behind.
    let big = vec![b'a'; 12 * 1024 * 1024];
    let res = upload(&officer, &id, "big.txt", &big, &officer.csrf).await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = res.text().await.expect("page");
    assert!(page.contains("This case already holds 9 MiB"), "{page}");
    assert_eq!(evidence_events(&d, &id).await.len(), 1);
    assert_eq!(
        d.store
            .sealed_file(&id, &sha256_hex(&big))
            .await
            .expect("read"),
        None
    );
    assert_eq!(d.store.sealed_counts().await.expect("counts").files, 1);
}

both_backends!(the_case_s_investigator_adds_evidence_and_no_other_investigator_does);
async fn the_case_s_investigator_adds_evidence_and_no_other_investigator_does(t: TestStore) {
    let d = support::docket(&t);
    let id = received(&d).await;
    let investigator = PersonId::parse("investigator.x").expect("id");
    support::open_investigation(&d, &id, &investigator).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let theirs = Browser::signed_in(&d, &base, "investigator.x", &[Role::Investigator]).await;
    let (_, page) = theirs.get(&format!("/cases/{id}")).await;
    assert!(page.contains("Upload evidence"), "{page}");
    let res = upload(&theirs, &id, "notes.txt", b"Interview notes.", &theirs.csrf).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let other = Browser::signed_in(&d, &base, "investigator.y", &[Role::Investigator]).await;
    let res = upload(&other, &id, "more.txt", b"Other notes.", &other.csrf).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        download(&other, &id, 1).await.status(),
        StatusCode::FORBIDDEN
    );
    let events = evidence_events(&d, &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["item"]["filename"], "notes.txt");
    // The refused file was never stored.
    assert_eq!(
        d.store
            .sealed_file(&id, &sha256_hex(b"Other notes."))
            .await
            .expect("read"),
        None
    );
    assert_eq!(d.store.sealed_counts().await.expect("counts").files, 1);
}
