//! The schedule over a real store, with the clock under the test's control: what time makes
//! due is recorded once, whether a pass runs twice, two servers run it at the same moment on
//! one database, or a server restarts; the update letters it owes go out as notices.

use crate::backend::{TestStore, second_handle};
use crate::both_backends;
use crate::support;
use docket::service::Docket;
use docket_domain::command::Party;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::notice::NoticeKind;
use docket_domain::store::case_stream;
use jiff::{SignedDuration, Timestamp};

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

async fn kinds(d: &Docket, id: &CaseId, kind: &str) -> usize {
    d.store
        .stream_events(&case_stream(id))
        .await
        .expect("events")
        .iter()
        .filter(|e| e.kind == kind)
        .count()
}

both_backends!(what_time_makes_due_is_recorded_once_however_many_servers_run_it);
async fn what_time_makes_due_is_recorded_once_however_many_servers_run_it(t: TestStore) {
    let d = support::docket(&t);
    let id = CaseId::from_random(0xc10c);
    let t0: Timestamp = "2026-03-02T09:00:00Z".parse().expect("ts");
    let officer = PersonId::parse("officer.schedule").expect("id");
    support::acknowledged_complaint(&d, &id, &officer, t0).await;
    assert_eq!(
        d.run_schedule(t0).await.expect("pass").events,
        0,
        "nothing due yet"
    );

    // Six weeks on: the assessment (10 working days) is overdue, and the complainant, told
    // nothing for over a month, is owed an update letter.
    let t1 = t0 + days(42);
    let pass = d.run_schedule(t1).await.expect("pass");
    assert_eq!(pass.cases, 1);
    assert_eq!(kinds(&d, &id, "stage_overdue").await, 1);
    assert_eq!(kinds(&d, &id, "update_due").await, 1);
    let case = d.load_case(&id).await.expect("load").expect("case");
    let update = case.notices.last().expect("a notice");
    assert_eq!(
        (update.kind, update.to),
        (NoticeKind::Update, Party::Complainant)
    );
    assert!(
        update.text.contains("Where it has got to"),
        "{}",
        update.text
    );
    assert!(
        !case.notices.iter().any(|n| n.to == Party::Respondent),
        "the respondent has not been told of the complaint, so is owed no update"
    );
    assert_eq!(
        d.run_schedule(t1).await.expect("pass").events,
        0,
        "the same pass again does nothing"
    );

    // A month later two servers run the schedule at the same moment: one update, not two.
    let t2 = t1 + days(35);
    let other = Docket::new(
        second_handle(&t).await,
        d.rules.as_ref().clone(),
        d.calendar.as_ref().clone(),
    );
    let (a, b) = tokio::join!(d.run_schedule(t2), other.run_schedule(t2));
    let (a, b) = (a.expect("first server"), b.expect("second server"));
    assert_eq!(a.cases + b.cases, 1, "one of them did it: {a:?} {b:?}");
    assert_eq!(kinds(&d, &id, "update_due").await, 2);
    assert_eq!(kinds(&d, &id, "stage_overdue").await, 1, "escalated once");

    // After a restart (a new server with nothing in memory) nothing is done again.
    let restarted = Docket::new(
        second_handle(&t).await,
        d.rules.as_ref().clone(),
        d.calendar.as_ref().clone(),
    );
    assert_eq!(restarted.run_schedule(t2).await.expect("pass").events, 0);
    let updates = d
        .load_case(&id)
        .await
        .expect("load")
        .expect("case")
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::Update)
        .count();
    assert_eq!(updates, 2);

    // Oversight sees the escalation on its dashboard.
    let (base, _stop) = support::serve(d.clone()).await;
    let oversight = crate::pages::Browser::signed_in(
        &d,
        &base,
        "oversight.schedule",
        &[docket_domain::role::Role::Oversight],
    )
    .await;
    let officer = crate::pages::Browser::signed_in(
        &d,
        &base,
        "officer.schedule",
        &[docket_domain::role::Role::CaseOfficer],
    )
    .await;
    let (_, case_page) = officer.get(&format!("/cases/{id}")).await;
    assert!(
        case_page.contains("stage overdue") && case_page.contains("<li>due: 2026-03-16</li>"),
        "the timeline shows the escalation and the date it was due"
    );
    // So does the role case officers answer to (the rule book's `escalate_to`), at the top
    // of its home page; the officer's own home has no such section.
    let manager = crate::pages::Browser::signed_in(
        &d,
        &base,
        "panel.schedule",
        &[docket_domain::role::Role::DisputesPanel],
    )
    .await;
    let (_, home) = manager.get("/home").await;
    let escalated = home
        .split("id=\"escalated\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("an escalated section");
    assert!(
        escalated.contains("Escalated to the disputes panel") && escalated.contains(id.as_str()),
        "{escalated}"
    );
    let (_, officer_home) = officer.get("/home").await;
    assert!(!officer_home.contains("id=\"escalated\""));
    let (_, page) = oversight.get("/oversight").await;
    let section = page
        .split("id=\"escalations\"")
        .nth(1)
        .expect("an escalations section");
    assert!(
        section.contains(id.as_str())
            && section.contains("stage acknowledged overdue (it was due on 2026-03-16)"),
        "{section}"
    );
}

both_backends!(two_server_processes_running_the_schedule_at_once_record_it_once);
async fn two_server_processes_running_the_schedule_at_once_record_it_once(t: TestStore) {
    let d = support::docket(&t);
    let id = CaseId::from_random(0xc10d);
    let t0: Timestamp = "2026-03-02T09:00:00Z".parse().expect("ts");
    let officer = PersonId::parse("officer.schedule").expect("id");
    support::acknowledged_complaint(&d, &id, &officer, t0).await;
    let at = (t0 + days(42)).to_string();
    let location = match t.backend {
        crate::backend::Backend::Sqlite => ["--data", t.url.as_str()],
        crate::backend::Backend::Postgres => ["--database-url", t.url.as_str()],
    };
    let run = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["schedule", "--at", &at])
            .args(location)
            .output()
    };
    let (a, b) = tokio::join!(run(), run());
    for out in [a.expect("first process"), b.expect("second process")] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(kinds(&d, &id, "stage_overdue").await, 1, "escalated once");
    assert_eq!(kinds(&d, &id, "update_due").await, 1, "one update letter");
    let case = d.load_case(&id).await.expect("load").expect("case");
    assert_eq!(
        case.notices
            .iter()
            .filter(|n| n.kind == NoticeKind::Update)
            .count(),
        1
    );
}
