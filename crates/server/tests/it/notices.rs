//! Notices: a case walked from complaint to appeal issues each notice the process owes, in
//! the same append as the step that owes it; every template's text and HTML is compared with
//! its golden file (`DOCKET_UPDATE_SNAPSHOTS=1` rewrites them, for review in the diff); the
//! PDF is a well-formed document carrying the case reference.

use crate::backend::{self, TestStore};
use crate::both_backends;
use crate::support;
use docket::notice::{NoticeContext, NoticeTemplates, to_pdf};
use docket::service::Docket;
use docket_domain::Command;
use docket_domain::case::Case;
use docket_domain::charge::{ChargeDraft, Finding};
use docket_domain::command::Party;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::measure::Right;
use docket_domain::notice::NoticeKind;
use docket_domain::rulebook::ClauseRef;
use docket_domain::sanction::SanctionChoice;
use docket_domain::store::case_stream;
use jiff::Timestamp;
use jiff::civil::date;

fn t(s: &str) -> Text {
    Text::parse(s).expect("text")
}

fn p(s: &str) -> PersonId {
    PersonId::parse(s).expect("person")
}

/// A case from complaint to a dismissed appeal, at fixed times, so its notices are the same
/// on every run.
async fn walked(d: &Docket) -> Case {
    let id = CaseId::from_random(0x5eed);
    let mut at: Timestamp = "2026-03-02T10:00:00Z".parse().expect("ts");
    let steps: Vec<(&str, Command)> = vec![
        (
            "officer",
            support::member_complaint(
                id.clone(),
                date(2026, 1, 15),
                "Shouting at the treasurer (“you’re useless”) at a branch meeting",
                "At the branch meeting on 15 January the respondent shouted at the treasurer.",
            ),
        ),
        ("officer", Command::Acknowledge),
        (
            "officer",
            Command::Assess {
                category: None,
                assessment: t("The conduct alleged would breach clause 2.1.8 if proven."),
            },
        ),
        (
            "officer",
            Command::OpenInvestigation {
                investigator: p("ivy"),
                terms: t("Establish what was said at the meeting, and to whom."),
            },
        ),
        (
            "disputes",
            Command::ImposeSuspension {
                scope: vec![Right::HoldOffice, Right::StandForSelection],
                reasons: t("Risk of repetition at branch meetings while the case is open."),
                review_date: Some(date(2026, 5, 29)),
            },
        ),
        (
            "ivy",
            Command::SubmitDraftReport {
                summary: t("Two witnesses confirm the remarks."),
            },
        ),
        ("ivy", Command::StartAccuracyCheck),
        (
            "cd",
            Command::Charge {
                charges: vec![ChargeDraft {
                    clause: ClauseRef::parse("2.1.8").expect("clause"),
                    conduct_date: date(2026, 1, 15),
                    particulars: t("Shouted abuse at the branch treasurer on 15 January 2026."),
                    evidence: vec![t("Statements of two witnesses")],
                }],
            },
        ),
        (
            "officer",
            Command::ScheduleHearing {
                draw: None,
                panel: vec![p("p1"), p("p2"), p("p3")],
                date: date(2026, 4, 30),
                venue: t("Head office, Room 2"),
            },
        ),
        (
            "p1",
            Command::RecordDecision {
                findings: vec![Finding {
                    charge: 1,
                    proven: true,
                    reasons: t(
                        "Both witnesses heard the remarks; the respondent accepts raising his voice.",
                    ),
                    evidence_relied_on: vec![t("Statements of two witnesses")],
                }],
                sanction: Some(SanctionChoice {
                    code: "warning".into(),
                    term_months: None,
                    reapply_from: None,
                    aggravating: vec![],
                    mitigating: vec![t("No previous complaints")],
                }),
            },
        ),
        ("officer", Command::NotifyOutcome),
        (
            "member.pa200",
            Command::LodgeAppeal {
                grounds: t("The panel did not hear my witness."),
            },
        ),
        (
            "officer",
            Command::ConveneAppealPanel {
                panel: vec![p("a1"), p("a2"), p("a3")],
                draw: None,
            },
        ),
        (
            "a1",
            Command::DecideAppeal {
                upheld: false,
                reasons: t("The witness's statement was before the panel and was weighed."),
                substitute_sanction: None,
            },
        ),
    ];
    for (actor, cmd) in steps {
        d.execute(&id, cmd, &p(actor), at).await.expect("step");
        at = at
            .checked_add(jiff::SignedDuration::from_hours(24 * 7))
            .expect("ts");
    }
    d.load_case(&id).await.expect("load").expect("case")
}

fn golden(name: &str, got: &str) {
    let path = format!("{}/tests/golden/notices/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("DOCKET_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, got).expect("writing a golden file");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}; run with DOCKET_UPDATE_SNAPSHOTS=1"));
    assert_eq!(got, want, "{name} differs from its golden file");
}

both_backends!(each_step_issues_the_notices_it_owes_in_its_own_append);
async fn each_step_issues_the_notices_it_owes_in_its_own_append(t: TestStore) {
    let d = support::docket(&t);
    let case = walked(&d).await;
    let issued: Vec<(NoticeKind, Party)> = case.notices.iter().map(|n| (n.kind, n.to)).collect();
    assert_eq!(
        issued,
        [
            (NoticeKind::Acknowledgement, Party::Complainant),
            (NoticeKind::NoticeOfInvestigation, Party::Respondent),
            (NoticeKind::InterimMeasure, Party::Respondent),
            (NoticeKind::ChargeSheet, Party::Respondent),
            (NoticeKind::HearingNotice, Party::Respondent),
            (NoticeKind::OutcomeLetter, Party::Respondent),
            (NoticeKind::OutcomeLetter, Party::Complainant),
            (NoticeKind::AppealOutcome, Party::Respondent),
            (NoticeKind::AppealOutcome, Party::Complainant),
        ]
    );
    // Each notice is in its step's append: the event right after the one that owed it, at
    // the same time, and its hash is the SHA-256 of the HTML kept in the log.
    let events = d
        .store
        .stream_events(&case_stream(&case.id))
        .await
        .expect("events");
    for (i, e) in events.iter().enumerate() {
        if e.kind != "notice_issued" {
            continue;
        }
        let owed_by = events[..i]
            .iter()
            .rev()
            .find(|x| x.kind != "notice_issued")
            .expect("a step");
        assert_eq!(e.at, owed_by.at, "{} came with {}", e.payload, owed_by.kind);
        let v: serde_json::Value = serde_json::from_str(&e.payload).expect("json");
        let html = v["html"].as_str().expect("html");
        assert_eq!(v["sha256"], docket::evidence::sha256_hex(html.as_bytes()));
    }
    for n in &case.notices {
        let to = n.to.as_str();
        golden(
            &format!("{}.{to}.txt", n.kind.as_str()),
            &format!("Subject: {}\n\n{}", n.subject, n.text),
        );
        golden(&format!("{}.{to}.html", n.kind.as_str()), &n.html);
    }
    // The update letter is sent on a schedule rather than by a step: rendered directly.
    let update = d
        .notices
        .render(
            NoticeKind::Update,
            Party::Complainant,
            &case,
            &d.rules,
            &d.calendar,
            date(2026, 6, 1),
        )
        .expect("update");
    golden(
        "update.complainant.txt",
        &format!("Subject: {}\n\n{}", update.subject, update.text),
    );
    golden("update.complainant.html", &update.html);
}

#[test]
fn the_respondent_is_not_told_who_complained_until_it_is_disclosed() {
    let templates = NoticeTemplates::shipped();
    let mut ctx = NoticeContext::sample();
    ctx.complainant = "Not disclosed at this stage".into();
    let r = templates
        .render_context(NoticeKind::NoticeOfInvestigation, &ctx)
        .expect("rendered");
    assert!(
        r.text
            .contains("Who complained: Not disclosed at this stage")
    );
    assert!(r.html.contains("This is not a finding"));
    // HTML is escaped, text is not.
    ctx.allegation = "<script>alert(1)</script> & more".into();
    let r = templates
        .render_context(NoticeKind::NoticeOfInvestigation, &ctx)
        .expect("rendered");
    assert!(r.html.contains("&lt;script&gt;") && !r.html.contains("<script>"));
    assert!(r.text.contains("<script>alert(1)</script> & more"));
}

#[test]
fn an_organisation_s_template_replaces_the_shipped_one_and_a_broken_one_is_named() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("acknowledgement.txt"),
        "Subject: We have your complaint {{ reference }}\n\nThank you, {{ recipient_name }}.\n",
    )
    .expect("write");
    let templates = NoticeTemplates::load(Some(dir.path())).expect("loads");
    assert_eq!(templates.replaced, ["acknowledgement.txt"]);
    let r = templates
        .render_context(NoticeKind::Acknowledgement, &NoticeContext::sample())
        .expect("rendered");
    assert_eq!(r.subject, "We have your complaint DK-0000-0000");
    assert_eq!(r.text.trim(), "Thank you, A Member.");

    std::fs::write(
        dir.path().join("charge_sheet.html"),
        "{% for c in charges %}",
    )
    .expect("write");
    let e = NoticeTemplates::load(Some(dir.path())).expect_err("refused");
    assert!(e.contains("charge_sheet.html"), "{e}");
    std::fs::remove_file(dir.path().join("charge_sheet.html")).expect("rm");
    std::fs::write(dir.path().join("letter.txt"), "x").expect("write");
    let e = NoticeTemplates::load(Some(dir.path())).expect_err("refused");
    assert!(e.contains("no notice template called letter.txt"), "{e}");
}

#[tokio::test]
async fn the_pdf_of_a_notice_is_a_document_with_the_reference() {
    let t = backend::sqlite().await;
    let d = support::docket(&t);
    let case = walked(&d).await;
    let sheet = case
        .notices
        .iter()
        .find(|n| n.kind == NoticeKind::ChargeSheet)
        .expect("a charge sheet");
    let pdf = to_pdf(&sheet.subject, &sheet.text);
    assert!(pdf.starts_with(b"%PDF-1.4") && pdf.ends_with(b"%%EOF\n"));
    let reference = case.id.to_string();
    assert!(
        pdf.windows(reference.len())
            .any(|w| w == reference.as_bytes()),
        "the reference is in the PDF's text"
    );
    assert_eq!(
        to_pdf(&sheet.subject, &sheet.text),
        pdf,
        "the same notice, the same bytes"
    );
    // Where poppler is installed it must read the PDF back. CI installs it, and there its
    // absence is a failure rather than a silent skip.
    let have_poppler = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    assert!(
        have_poppler || std::env::var_os("CI").is_none(),
        "CI must have pdftotext (poppler-utils) to read the notice PDF back"
    );
    if let Ok(out) = std::process::Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().expect("stdin").write_all(&pdf)?;
            child.wait_with_output()
        })
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(&reference), "{text}");
    }
}

both_backends!(staff_read_every_notice_and_each_party_only_their_own);
async fn staff_read_every_notice_and_each_party_only_their_own(t: TestStore) {
    use crate::pages::Browser;
    use docket_domain::role::Role;
    use docket_domain::view::views_stream;
    use reqwest::StatusCode;
    let d = support::docket(&t);
    let case = walked(&d).await;
    let id = case.id.clone();
    let (base, _stop) = support::serve(d.clone()).await;
    let number = |kind: NoticeKind, to: Party| {
        case.notices
            .iter()
            .find(|n| n.kind == kind && n.to == to)
            .map(|n| n.number)
            .expect("issued")
    };
    let sheet = number(NoticeKind::ChargeSheet, Party::Respondent);
    let ack = number(NoticeKind::Acknowledgement, Party::Complainant);

    let officer = Browser::signed_in(&d, &base, "officer.notices", &[Role::CaseOfficer]).await;
    let (status, page) = officer.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("/cases/{id}/notices/{sheet}.pdf")),
        "{page}"
    );
    // The timeline names each notice by its subject.
    assert!(
        page.contains(&format!("<li>subject: Charge sheet {id}</li>")),
        "{page}"
    );
    let (status, html) = officer.get(&format!("/cases/{id}/notices/{sheet}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Charge sheet") && html.contains("Shouted abuse at the branch treasurer")
    );
    let res = officer
        .fetch(&format!("/cases/{id}/notices/{sheet}.pdf"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment")
    );
    assert!(res.bytes().await.expect("pdf").starts_with(b"%PDF-1.4"));
    let (status, _) = officer.get(&format!("/cases/{id}/notices/99")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let respondent = Browser::signed_in_member(
        &d,
        &base,
        "member.pa200",
        &[Role::Respondent],
        Some("PA200"),
    )
    .await;
    let (status, portal) = respondent.get(&format!("/portal/case/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{portal}");
    assert!(portal.contains(&format!("/portal/notices/{id}/{sheet}.pdf")));
    assert!(
        !portal.contains(&format!("/portal/notices/{id}/{ack}\"")),
        "not the complainant's"
    );
    let (status, html) = respondent
        .get(&format!("/portal/notices/{id}/{sheet}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Dear Bob Example"));
    let (status, html) = respondent.get(&format!("/portal/notices/{id}/{ack}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("was not sent to you"), "{html}");
    let refused = d
        .store
        .stream_events(&views_stream(&id))
        .await
        .expect("views");
    assert!(refused.iter().any(|e| e.kind == "access_denied"
        && e.actor == "member.pa200"
        && e.payload.contains(docket::notice::NOT_THEIRS)));

    let complainant = Browser::signed_in_member(
        &d,
        &base,
        "member.pa100",
        &[Role::Complainant],
        Some("PA100"),
    )
    .await;
    let (status, portal) = complainant.get(&format!("/portal/complaint/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{portal}");
    assert!(portal.contains(&format!("/portal/notices/{id}/{ack}")));
    let (status, _) = complainant
        .get(&format!("/portal/notices/{id}/{sheet}"))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the charge sheet is the respondent's"
    );
}
