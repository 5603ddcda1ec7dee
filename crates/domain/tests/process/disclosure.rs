//! The respondent's side of the file: their submissions, and the complainant's identity,
//! disclosed to them only by a recorded decision and never for an anonymous complaint.

use super::*;

#[test]
fn a_named_complainant_is_disclosed_once_with_reasons() {
    let mut h = case_at(Stage::Investigation, "bullying");
    assert!(!h.case().complainant_identity_disclosed);
    h.run(
        "officer",
        Command::DiscloseComplainantIdentity {
            reasons: t("the respondent cannot answer the allegation without knowing who made it"),
        },
    );
    assert!(h.case().complainant_identity_disclosed);
    h.refused(
        "officer",
        Command::DiscloseComplainantIdentity {
            reasons: t("again"),
        },
        Rule::AlreadyDisclosed,
        "already been disclosed",
    );
}

#[test]
fn an_anonymous_complaint_has_no_identity_to_disclose() {
    let mut h = Harness::new();
    let mut c = complaint("bullying", false);
    if let Command::ReceiveComplaint { complainant, .. } = &mut c {
        *complainant = Complainant::Anonymous;
    }
    h.run("officer", c);
    h.refused(
        "officer",
        Command::DiscloseComplainantIdentity {
            reasons: t("the respondent asked"),
        },
        Rule::AnonymousComplainant,
        "made anonymously",
    );
    assert!(!h.case().complainant_identity_disclosed);
}

#[test]
fn the_respondent_submits_responses_once_told_of_the_complaint() {
    let mut h = case_at(Stage::Received, "bullying");
    h.refused(
        "member.PA200",
        Command::SubmitResponse {
            response: t("I deny it"),
            companion: None,
        },
        Rule::StageOrder,
        "only at: acknowledged, assessed",
    );
    h.run("officer", Command::Acknowledge);
    h.run(
        "member.PA200",
        Command::SubmitResponse {
            response: t("I deny saying it"),
            companion: None,
        },
    );
    h.advance_days(3);
    h.run(
        "member.PA200",
        Command::SubmitResponse {
            response: t("A witness statement is attached"),
            companion: None,
        },
    );
    let responses = &h.case().responses;
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0].1.as_str(), "I deny saying it");
    assert!(
        responses[0].0 < responses[1].0,
        "kept in order with their times"
    );
    assert_eq!(h.stage(), Stage::Acknowledged, "a response moves no stage");
}

#[test]
fn a_closed_case_takes_no_response() {
    let mut h = case_at(Stage::Assessed, "bullying");
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("no breach of the rules is alleged"),
        },
    );
    h.refused(
        "member.PA200",
        Command::SubmitResponse {
            response: t("thank you"),
            companion: None,
        },
        Rule::StageOrder,
        "at stage dismissed",
    );
}

#[test]
fn old_case_state_without_the_new_fields_still_reads() {
    let h = case_at(Stage::Acknowledged, "bullying");
    let mut json = serde_json::to_value(h.case()).expect("serialises");
    let obj = json.as_object_mut().expect("object");
    obj.remove("complainant_identity_disclosed");
    obj.remove("responses");
    let back: Case = serde_json::from_value(json).expect("defaults apply");
    assert!(!back.complainant_identity_disclosed && back.responses.is_empty());
}
