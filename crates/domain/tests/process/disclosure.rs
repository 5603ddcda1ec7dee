//! The respondent's side of the file: their submissions, and the complainant's identity,
//! disclosed to them only by a recorded decision and never for an anonymous complaint; and
//! evidence, disclosed item by item to a party with reasons.

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

fn add_file(h: &mut Harness, fill: char) {
    h.run(
        "officer",
        Command::AddEvidence {
            sha256: fill.to_string().repeat(64),
            filename: format!("{fill}.txt"),
            media_type: "text/plain".into(),
            size: 10,
            redaction_of: None,
        },
    );
}

fn disclose(item: u32, to: Party) -> Command {
    Command::DiscloseEvidence {
        item,
        to,
        reasons: t("the respondent must be able to answer the screenshot relied on"),
        copy: None,
    }
}

#[test]
fn evidence_is_disclosed_item_by_item_to_each_party_once() {
    let mut h = case_at(Stage::Investigation, "bullying");
    add_file(&mut h, 'a');
    add_file(&mut h, 'b');
    assert!(h.case().evidence.iter().all(|e| e.disclosed_to.is_empty()));
    h.run("officer", disclose(2, Party::Respondent));
    let e = &h.case().evidence;
    assert!(!e[0].disclosed_to(Party::Respondent), "only the item named");
    assert!(e[1].disclosed_to(Party::Respondent));
    assert!(
        !e[1].disclosed_to(Party::Complainant),
        "only to the party named"
    );
    h.refused(
        "officer",
        disclose(2, Party::Respondent),
        Rule::EvidenceAlreadyDisclosed,
        "already been disclosed to the respondent",
    );
    h.run("officer", disclose(2, Party::Complainant));
    assert_eq!(
        h.case().evidence[1].disclosed_to,
        [Party::Respondent, Party::Complainant]
    );
    h.refused(
        "officer",
        disclose(3, Party::Respondent),
        Rule::UnknownEvidence,
        "no evidence item 3 (it has 2)",
    );
}

#[test]
fn a_third_party_reporter_is_disclosed_nothing() {
    let mut h = Harness::new();
    let mut c = complaint("bullying", false);
    if let Command::ReceiveComplaint { complainant, .. } = &mut c {
        *complainant = Complainant::ThirdParty {
            name: "Jo Reporter".into(),
            organisation: None,
            email: None,
        };
    }
    h.run("officer", c);
    add_file(&mut h, 'c');
    h.refused(
        "officer",
        disclose(1, Party::Complainant),
        Rule::ThirdPartyAcknowledgedOnly,
        "no complainant to disclose evidence to",
    );
    h.run("officer", disclose(1, Party::Respondent));
}

#[test]
fn a_closed_case_discloses_nothing_more() {
    let mut h = case_at(Stage::Assessed, "bullying");
    add_file(&mut h, 'd');
    h.run(
        "officer",
        Command::Dismiss {
            reasons: t("no breach of the rules is alleged"),
        },
    );
    h.refused(
        "officer",
        disclose(1, Party::Respondent),
        Rule::StageOrder,
        "at stage dismissed",
    );
}

fn redaction(fill: char, original: u32) -> Command {
    Command::AddEvidence {
        sha256: fill.to_string().repeat(64),
        filename: format!("{fill}-redacted.txt"),
        media_type: "text/plain".into(),
        size: 9,
        redaction_of: Some(docket_domain::evidence::Redaction {
            original,
            reasons: t("the complainant's name and address taken out"),
        }),
    }
}

#[test]
fn a_redaction_is_a_second_item_and_the_original_is_not_disclosed_once_it_has_one() {
    let mut h = case_at(Stage::Investigation, "bullying");
    add_file(&mut h, 'a');
    let original = h.case().evidence[0].clone();
    h.run("officer", redaction('b', 1));
    let e = &h.case().evidence;
    assert_eq!(e.len(), 2, "a new item, not a change to the first");
    assert_eq!(e[0], original, "the original is untouched");
    assert_eq!(e[1].item.number, 2);
    assert_eq!(e[1].original(), Some(1));
    h.refused(
        "officer",
        disclose(1, Party::Respondent),
        Rule::RedactedOriginal,
        "has a redacted copy, item 2",
    );
    h.run("officer", disclose(2, Party::Respondent));
    h.refused(
        "officer",
        redaction('c', 7),
        Rule::UnknownEvidence,
        "no evidence item 7 to redact",
    );
    h.refused(
        "officer",
        redaction('a', 1),
        Rule::DuplicateEvidence,
        "already evidence item 1",
    );
}
