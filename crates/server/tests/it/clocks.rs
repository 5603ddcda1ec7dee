//! The stage clock stopped and restarted from the case page, over HTTP on both stores: the
//! reasons are shown to those who may read the case, oversight sees only that and since when
//! it stopped, and a stopped case is never in the overdue list.

use crate::backend::TestStore;
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket_domain::Stage;
use docket_domain::case::day_of;
use docket_domain::role::Role;
use docket_domain::store::CaseFilter;
use reqwest::StatusCode;

const WHY: &str = "The police have asked us to wait while they investigate.";

both_backends!(a_stopped_clock_is_shown_with_its_reasons_and_never_overdue);
async fn a_stopped_clock_is_shown_with_its_reasons_and_never_overdue(t: TestStore) {
    let d = support::docket(&t);
    let case = support::demo_case_at(&d, Stage::Investigation).await;
    let id = case.id.clone();
    let (base, _stop) = support::serve(d.clone()).await;
    let officer = Browser::signed_in(&d, &base, "officer.clock", &[Role::CaseOfficer]).await;
    let (_, page) = officer.get(&format!("/cases/{id}")).await;
    assert!(page.contains("/commands/pause_clock") && !page.contains("/commands/resume_clock"));

    let res = officer
        .post(
            &format!("/cases/{id}/commands/pause_clock"),
            &[("csrf", &officer.csrf), ("reasons", WHY)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = officer.get(&format!("/cases/{id}")).await;
    let today = day_of(jiff::Timestamp::now());
    assert!(
        page.contains(&format!(
            "Stage clock stopped since {today} by officer.clock: {WHY}"
        )),
        "{page}"
    );
    assert!(page.contains("/commands/resume_clock") && !page.contains("/commands/pause_clock"));

    // The read model has no due date for it: it is in no overdue list, whatever the date.
    let far = today.checked_add(jiff::Span::new().years(5)).expect("date");
    let overdue = d
        .store
        .list_cases(&CaseFilter {
            overdue_on: Some(far),
            ..CaseFilter::default()
        })
        .await
        .expect("list");
    let row = overdue.iter().find(|c| c.id == id);
    assert!(row.is_none_or(|r| r.stage_due.is_none() && r.review_due.is_some()));

    let oversight = Browser::signed_in(&d, &base, "oversight.clock", &[Role::Oversight]).await;
    let (status, meta) = oversight.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(meta.contains(&format!(
        "Stage clock stopped since {today} by officer.clock"
    )));
    assert!(!meta.contains(WHY), "the reasons are content");

    let res = officer
        .post(
            &format!("/cases/{id}/commands/resume_clock"),
            &[("csrf", &officer.csrf)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = d.load_case(&id).await.expect("load").expect("case");
    assert!(after.paused().is_none() && after.pauses.len() == 1);
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    let row = listed.iter().find(|c| c.id == id).expect("row");
    assert!(row.stage_due.is_some(), "running again, so due again");
}
