//! The demo organisation: the published figures and the four stories, from the data.

use crate::backend;
use crate::support::{all_cases, docket, today};
use docket::demo::{MEMBERS, generate};
use docket_domain::Stage;
use docket_domain::case::Case;
use docket_domain::measure::MeasureKind;
use docket_domain::store::CaseFilter;

fn respondent_is(c: &Case, number: &str) -> bool {
    c.respondent.member.as_str() == number
}

fn expelled_or_left(c: &Case) -> bool {
    let expelled = matches!(
        c.stage,
        Stage::Final | Stage::SanctionLive | Stage::SanctionExpired
    ) && c
        .final_sanction
        .as_ref()
        .is_some_and(|s| s.code == "expulsion");
    expelled || c.stage == Stage::RespondentResigned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_the_published_figures_and_the_four_stories() {
    let t = backend::sqlite().await;
    let d = docket(&t);
    let today = today();
    generate(&d, today, MEMBERS, false).await.expect("demo");

    assert_eq!(d.store.member_count().await.expect("count"), 500_000);
    let cases = all_cases(&d).await;
    assert!(
        (290..=310).contains(&cases.len()),
        "{} complaints",
        cases.len()
    );
    let open = cases.iter().filter(|c| c.is_open()).count();
    assert_eq!(open, 90, "exactly 90 open today");
    let gone = cases.iter().filter(|c| expelled_or_left(c)).count();
    let share = gone as f64 / cases.len() as f64;
    assert!(
        (0.45..=0.55).contains(&share),
        "{gone} of {} ended in expulsion or leaving",
        cases.len()
    );

    // Story 1: the activist, expelled on two proven 2.1.8 charges, with the contact recorded.
    let activist = cases
        .iter()
        .find(|c| respondent_is(c, "PA0000102"))
        .expect("story 1");
    assert_eq!(activist.stage, Stage::SanctionLive);
    assert_eq!(activist.charges.len(), 2);
    assert!(
        activist
            .charges
            .iter()
            .all(|ch| ch.clause.as_str() == "2.1.8")
    );
    let decision = activist.decision.as_ref().expect("decision");
    assert!(decision.findings.iter().all(|f| f.proven));
    assert_eq!(
        activist.final_sanction.as_ref().map(|s| s.code.as_str()),
        Some("expulsion")
    );
    assert!(activist.contacts.iter().any(|(_, _, c)| {
        c.organisation
            .as_ref()
            .is_some_and(|o| o.as_str() == "Leader's office")
    }));
    let heard = activist.hearing.as_ref().expect("hearing").date;
    let received = docket_domain::case::day_of(activist.received_at);
    assert!(
        (heard - received).get_days() > 600,
        "heard nearly two years later"
    );

    // Story 2: the MP, open, suspended, whip withdrawn by the chief whip on the leader's instruction.
    let mp = cases
        .iter()
        .find(|c| respondent_is(c, "PA0000104"))
        .expect("story 2");
    assert!(mp.is_open());
    assert_eq!(mp.stage, Stage::Investigation);
    let whip = mp
        .measures
        .iter()
        .find(|m| matches!(m.kind, MeasureKind::WhipWithdrawal { .. }))
        .expect("whip");
    assert_eq!(whip.imposed_by.as_str(), "chief-whip.wes-robinson");
    assert_eq!(mp.leader_instructions[0].by.as_str(), "leader.vera-thomas");
    assert!(
        mp.measures.iter().any(
            |m| matches!(m.kind, MeasureKind::AdministrativeSuspension { .. }) && m.is_active()
        )
    );

    // Story 3: the former mayor, suspended for a year by a hearing, then resigned before the second.
    let mayor: Vec<&Case> = cases
        .iter()
        .filter(|c| respondent_is(c, "PA0000105"))
        .collect();
    assert_eq!(mayor.len(), 2);
    assert!(mayor.iter().any(|c| {
        c.final_sanction
            .as_ref()
            .is_some_and(|s| s.code == "fixed_term_suspension" && s.term_months == Some(12))
    }));
    assert!(mayor.iter().any(
        |c| c.stage == Stage::RespondentResigned && c.resigned_at_stage == Some(Stage::Hearing)
    ));

    // Story 4: suspended nearly three years ago, charged, no hearing: overdue on every clock.
    let waiting = cases
        .iter()
        .find(|c| respondent_is(c, "PA0000106"))
        .expect("story 4");
    assert_eq!(waiting.stage, Stage::Charged);
    assert!(waiting.hearing.is_none());
    assert!((today - docket_domain::case::day_of(waiting.received_at)).get_days() > 900);
    let overdue = d
        .store
        .list_cases(&CaseFilter {
            open_only: true,
            overdue_on: Some(today),
            ..CaseFilter::default()
        })
        .await
        .expect("list");
    let row = overdue
        .iter()
        .find(|s| s.id == waiting.id)
        .expect("story 4 is in the overdue list");
    assert!(row.stage_overdue(today) && row.review_overdue(today));

    // ...in the ageing report's 24+ months band, with its suspension unreviewed...
    let ageing = d.ageing(today).await.expect("ageing");
    let band = docket_domain::ageing::Band::Over24;
    assert!(
        ageing
            .cases
            .items(band)
            .iter()
            .any(|c| c.reference == waiting.id.as_str())
    );
    assert!(
        ageing
            .measures
            .items(band)
            .iter()
            .any(|m| m.reference == waiting.id.as_str() && m.unreviewed)
    );
    assert_eq!(ageing.cases.total(), 90, "every open case is in one band");

    // ...escalated by the schedule's first pass, stage and suspension alike...
    let pass = d.run_schedule(jiff::Timestamp::now()).await.expect("pass");
    assert!(pass.cases > 0);
    let escalated = d.load_case(&waiting.id).await.expect("load").expect("case");
    let said: Vec<&str> = escalated
        .escalations
        .iter()
        .map(|e| e.what.as_str())
        .collect();
    assert!(
        said.iter().any(|w| w.starts_with("stage charged overdue")),
        "{said:?}"
    );
    assert!(
        said.iter()
            .any(|w| w.starts_with("interim measure 1 unreviewed")),
        "{said:?}"
    );
    assert_eq!(
        d.run_schedule(jiff::Timestamp::now())
            .await
            .expect("pass")
            .events,
        0
    );

    // ...and overdue, in red, on a case officer's home page.
    let (base, _stop) = crate::support::serve(d.clone()).await;
    let officer = crate::pages::Browser::signed_in(
        &d,
        &base,
        "officer.ageing",
        &[docket_domain::role::Role::CaseOfficer],
    )
    .await;
    let (_, home) = officer.get("/home?overdue=on&open=on").await;
    let at = home
        .find(&format!(">{}</a>", waiting.id))
        .expect("story 4 on the home page");
    let row_end = home[at..].find("</tr>").expect("row end") + at;
    assert!(
        home[at..row_end].contains("clock-overdue"),
        "{}",
        &home[at..row_end]
    );

    // Rebuilding the read models from the log gives back exactly the live state.
    let before = d.store.dump_read_models().await.expect("dump");
    let report = d.rebuild(&|_| {}).await.expect("rebuild");
    assert_eq!(report.members, 500_000);
    assert_eq!(d.store.dump_read_models().await.expect("dump"), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_day_gives_the_same_demo() {
    let (a, b) = (backend::sqlite().await, backend::sqlite().await);
    let day = jiff::civil::date(2026, 11, 22);
    for t in [&a, &b] {
        generate(&docket(t), day, 2_000, false).await.expect("demo");
    }
    let events = |t: &backend::TestStore| {
        let store = t.store.clone();
        async move {
            let mut out = Vec::new();
            let mut after = 0;
            loop {
                let page = store.events_after(after, 10_000).await.expect("events");
                let Some(last) = page.last() else { break out };
                after = last.seq;
                out.extend(
                    page.into_iter()
                        .map(|e| (e.seq, e.stream, e.version, e.kind, e.actor, e.at, e.payload)),
                );
            }
        }
    };
    let (ea, eb) = (events(&a).await, events(&b).await);
    assert!(ea.len() > 3_000);
    assert!(ea == eb, "two generations on the same day differ");
}

crate::both_backends!(every_demo_person_can_sign_in_with_two_factors);
async fn every_demo_person_can_sign_in_with_two_factors(t: backend::TestStore) {
    use docket::accounts::{Accounts, totp};
    use docket::demo::{Staff, accounts};
    use docket_domain::role::Role;
    let d = docket(&t);
    let staff = Staff::new();
    let now = jiff::Timestamp::now();
    let n = accounts::create(&d, &staff, now).await.expect("accounts");
    assert_eq!(n, 64);
    let all = d.store.accounts().await.expect("accounts");
    assert_eq!(all.len(), 64);
    assert!(
        all.iter()
            .all(|a| a.second_factor_enrolled() && !a.disabled)
    );
    let roles_of = |person: &str| {
        all.iter()
            .find(|a| a.person.as_str() == person)
            .map(|a| a.roles.iter().copied().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("{person} has an account"))
    };
    assert_eq!(roles_of("officer.amara-osei"), [Role::CaseOfficer]);
    assert_eq!(
        roles_of(staff.panel_pool[7].as_str()),
        [Role::PanelMember, Role::AppealPanelMember]
    );
    assert_eq!(roles_of("chief-whip.wes-robinson"), [Role::Officeholder]);
    assert_eq!(roles_of("admin.usman-khan"), [Role::Administrator]);
    assert_eq!(roles_of("oversight.tess-wright"), [Role::Oversight]);

    let a = Accounts::new(d.clone());
    let who = a
        .authenticate_password(
            "officer.amara-osei",
            "demo-password-officer.amara-osei",
            now,
        )
        .await
        .expect("the banner's password signs in");
    let secret = accounts::totp_secret(&who.username);
    let code = totp::code_at(&secret, now).expect("code");
    a.verify_second_factor(&who.username, &code, now)
        .await
        .expect("and the banner's secret gives the second factor");
    let events = d.store.stream_events("accounts").await.expect("events");
    assert_eq!(events.len(), 128, "created and enrolled, each");
    assert!(events.iter().all(|e| !e.payload.contains(&secret)));
}
