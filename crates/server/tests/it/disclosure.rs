//! Evidence disclosed to a party, over HTTP on both stores: a case officer discloses an item
//! with reasons, the respondent's portal lists exactly the items disclosed to them with their
//! hashes and serves those as attachments, and anything else is refused and the refusal is
//! in the log.

use crate::backend::TestStore;
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket::evidence::{NOT_DISCLOSED, sha256_hex};
use docket_domain::command::Party;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::role::Role;
use docket_domain::view::views_stream;
use docket_domain::{Command, Stage};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, LOCATION};

/// A PNG laid out as one (an image header, the post as its data, an end), as disclosure
/// reads it to take out any metadata before the respondent gets it.
const SCREENSHOT: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\0\0\0\0\
    \0\0\0\x17IDATthe post as it appeared\0\0\0\0\0\0\0\0IEND\xaeB`\x82";
const NOTE: &str = "Investigator's note: the complainant's address is 1 High Street.";

both_backends!(a_party_sees_the_evidence_disclosed_to_them_and_no_other);
async fn a_party_sees_the_evidence_disclosed_to_them_and_no_other(t: TestStore) {
    let d = support::docket(&t);
    let id = CaseId::from_random(7);
    let now = Timestamp::now();
    let officer_id = PersonId::parse("officer.disclose").expect("id");
    d.execute(
        &id,
        support::anonymous_complaint(id.clone()),
        &officer_id,
        now,
    )
    .await
    .expect("received");
    d.execute(&id, Command::Acknowledge, &officer_id, now)
        .await
        .expect("acknowledged");
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.disclose", &[Role::CaseOfficer]).await;
    for (name, bytes) in [("post.png", SCREENSHOT), ("note.txt", NOTE.as_bytes())] {
        let res = officer
            .upload(
                &format!("/cases/{id}/evidence"),
                &[("csrf", &officer.csrf)],
                "file",
                name,
                bytes,
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    // The officer discloses the screenshot to the respondent through the case page's form.
    let (status, form) = officer
        .get(&format!("/cases/{id}/commands/disclose_evidence"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("1. post.png (not disclosed)"), "{form}");
    let res = officer
        .post(
            &format!("/cases/{id}/commands/disclose_evidence"),
            &[
                ("csrf", &officer.csrf),
                ("item", "1"),
                ("to", "respondent"),
                (
                    "reasons",
                    "The respondent must see the post the allegation rests on.",
                ),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(
        res.headers()[LOCATION].to_str().expect("location"),
        format!("/cases/{id}?done=disclose_evidence")
    );
    let case = d.load_case(&id).await.expect("load").expect("case");
    assert_eq!(case.evidence[0].disclosed_to, [Party::Respondent]);
    assert!(case.evidence[1].disclosed_to.is_empty());
    let (_, page) = officer.get(&format!("/cases/{id}")).await;
    assert!(page.contains("<td>the respondent</td>") && page.contains("<td>nobody</td>"));

    // The respondent's portal lists the screenshot with its hash, and nothing else.
    let respondent = Browser::signed_in_member(
        &d,
        &base,
        "member.respondent",
        &[Role::Respondent],
        Some("PA0000001"),
    )
    .await;
    let (status, portal) = respondent.get(&format!("/portal/case/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{portal}");
    assert!(portal.contains("Evidence disclosed to you"));
    assert!(portal.contains(&sha256_hex(SCREENSHOT)) && portal.contains("post.png"));
    assert!(!portal.contains("note.txt") && !portal.contains(&sha256_hex(NOTE.as_bytes())));
    let res = respondent.fetch(&format!("/portal/evidence/{id}/1")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()[CONTENT_DISPOSITION]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(disposition.starts_with("attachment; filename=\"post.png\""));
    assert_eq!(res.bytes().await.expect("body").as_ref(), SCREENSHOT);

    // The note was not disclosed: refused on the portal route and the staff route alike,
    // in the same words as an item that does not exist, and each refusal is in the log.
    let denied_before = denials(&d, &id, "member.respondent").await;
    for path in [
        format!("/portal/evidence/{id}/2"),
        format!("/portal/evidence/{id}/9"),
        format!("/cases/{id}/evidence/2"),
    ] {
        let res = respondent.fetch(&path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        let body = res.text().await.expect("body");
        assert!(!body.contains(NOTE), "{path}");
    }
    let (status, body) = respondent.get(&format!("/portal/evidence/{id}/2")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("has not been disclosed to you"), "{body}");
    let denied = denials(&d, &id, "member.respondent").await;
    assert_eq!(denied.len(), denied_before.len() + 4);
    assert!(
        denied.iter().any(|p| p.contains(NOT_DISCLOSED)),
        "{denied:?}"
    );

    // Disclosure is to one party at a time: the note disclosed to the complainant is still
    // not the respondent's.
    let stage = d.load_case(&id).await.expect("load").expect("case").stage;
    assert_eq!(stage, Stage::Acknowledged);
    d.execute(
        &id,
        Command::DiscloseEvidence {
            item: 2,
            to: Party::Complainant,
            reasons: Text::parse("The complainant asked for the note.").expect("text"),
            copy: None,
        },
        &officer_id,
        now,
    )
    .await
    .expect("disclosed");
    let case = d.load_case(&id).await.expect("load").expect("case");
    assert_eq!(case.evidence[1].disclosed_to, [Party::Complainant]);
    let res = respondent.fetch(&format!("/portal/evidence/{id}/2")).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "still not the respondent's"
    );
}

/// The payloads of the refusals `actor` met on the case.
async fn denials(d: &docket::service::Docket, id: &CaseId, actor: &str) -> Vec<String> {
    d.store
        .stream_events(&views_stream(id))
        .await
        .expect("views")
        .into_iter()
        .filter(|e| e.kind == "access_denied" && e.actor == actor)
        .map(|e| e.payload)
        .collect()
}
