//! The application service on both stores: rebuild equals live state, concurrent commands on
//! one case never lose an update, refusals write nothing.

use crate::backend::{self, TestStore};
use crate::both_backends;
use crate::support::{demo_case_at, docket, small_demo};
use docket::service::ServiceError;
use docket_domain::Command;
use docket_domain::Rule;
use docket_domain::ids::{PersonId, Text};
use docket_domain::store::{CaseFilter, StoreError};

async fn rebuild_equals_live_state(t: TestStore) {
    let d = docket(&t);
    let cases = small_demo(&d).await;
    assert_eq!(cases, 300);
    let before = d.store.dump_read_models().await.expect("dump");
    assert_eq!(before.cases.len(), 300);
    assert!(!before.assignments.is_empty());
    let report = d.rebuild(&|_| {}).await.expect("rebuild");
    assert_eq!(report.cases, 300);
    assert_eq!(d.store.dump_read_models().await.expect("dump"), before);
}
both_backends!(rebuild_equals_live_state, rebuild_equals_live_state);

/// A store whose case rows were written before titles were kept (titles NULL, as the
/// migration leaves them) is rebuilt, and only then: afterwards every title is back.
async fn read_models_without_titles_are_rebuilt_with_them(t: TestStore) {
    let d = docket(&t);
    small_demo(&d).await;
    assert_eq!(d.store.untitled_cases().await.expect("count"), 0);
    assert_eq!(d.refresh_read_models(&|_| {}).await.expect("refresh"), None);
    let before = d.store.dump_read_models().await.expect("dump");
    crate::tamper::tamper(&t, "UPDATE cases SET title = NULL").await;
    assert_eq!(d.store.untitled_cases().await.expect("count"), 300);
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    assert!(listed.iter().all(|c| c.title.is_empty()));
    let report = d.refresh_read_models(&|_| {}).await.expect("refresh");
    assert_eq!(report.map(|r| r.cases), Some(300));
    assert_eq!(d.store.untitled_cases().await.expect("count"), 0);
    assert_eq!(d.store.dump_read_models().await.expect("dump"), before);
    let listed = d
        .store
        .list_cases(&CaseFilter::default())
        .await
        .expect("list");
    assert!(listed.iter().all(|c| !c.title.is_empty()));
    // So are rows from before the statistical facts were kept: figures are refused until then.
    crate::tamper::tamper(&t, "UPDATE cases SET facts = NULL").await;
    assert_eq!(d.store.untitled_cases().await.expect("count"), 300);
    let refused = d.store.case_facts().await.expect_err("no facts");
    assert!(refused.to_string().contains("docket rebuild"), "{refused}");
    let report = d.refresh_read_models(&|_| {}).await.expect("refresh");
    assert_eq!(report.map(|r| r.cases), Some(300));
    assert_eq!(d.store.dump_read_models().await.expect("dump"), before);
    assert_eq!(d.store.case_facts().await.expect("facts").len(), 300);
}
both_backends!(
    read_models_without_titles_are_rebuilt_with_them,
    read_models_without_titles_are_rebuilt_with_them
);

async fn concurrent_commands_on_one_case_never_lose_an_update(t: TestStore) {
    let d = docket(&t);
    small_demo(&d).await;
    let open = d
        .store
        .list_cases(&CaseFilter {
            open_only: true,
            ..CaseFilter::default()
        })
        .await
        .expect("list");
    let target = open.first().expect("an open case").id.clone();
    let before = d.load_case(&target).await.expect("load").expect("case");
    let officer = PersonId::parse("officer.amara-osei").expect("id");
    let now = jiff::Timestamp::now();
    let note = move |i: usize| Command::RecordContact {
        contact: docket_domain::contact::Contact {
            who: Text::parse(&format!("Caller {i}")).expect("t"),
            organisation: None,
            channel: docket_domain::contact::Channel::Phone,
            occurred_on: docket_domain::case::day_of(now),
            summary: Text::parse("asked about progress").expect("t"),
        },
    };
    // Every task read the same version; the store must let exactly one through.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (d, before, officer) = (d.clone(), before.clone(), officer.clone());
        tasks.push(tokio::spawn(async move {
            let (_, append) = d
                .prepare(Some(&before), &note(i), &officer, now)
                .expect("allowed");
            d.store.append(append).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.expect("join") {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict {
                expected, actual, ..
            }) => {
                assert_eq!((expected, actual), (before.version, before.version + 1));
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one concurrent writer wins");
    let after = d.load_case(&target).await.expect("load").expect("case");
    assert_eq!(after.contacts.len(), before.contacts.len() + 1);
    // Through `execute`, a later writer reloads and succeeds.
    d.execute(&target, note(99), &officer, now)
        .await
        .expect("execute after reload");
}
both_backends!(
    concurrent_commands_on_one_case_never_lose_an_update,
    concurrent_commands_on_one_case_never_lose_an_update
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_command_names_its_rule_and_writes_nothing() {
    let t = backend::sqlite().await;
    let d = docket(&t);
    let charged = demo_case_at(&d, docket_domain::Stage::Charged).await;
    let head = d.store.head().await.expect("head");
    let investigator = docket_domain::function::Function::Investigator;
    let ivy = charged
        .functions
        .holder(investigator)
        .expect("investigator")
        .clone();
    let err = d
        .execute(
            &charged.id,
            Command::ScheduleHearing {
                draw: None,
                panel: vec![
                    ivy,
                    PersonId::parse("p2").expect("id"),
                    PersonId::parse("p3").expect("id"),
                ],
                date: docket_domain::case::day_of(jiff::Timestamp::now()),
                venue: Text::parse("Head office").expect("t"),
            },
            &PersonId::parse("officer.amara-osei").expect("id"),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap_err();
    match err {
        ServiceError::Rule(v) => {
            assert_eq!(v.rule, Rule::SeparationOfFunctions);
            assert!(
                v.message.contains("may not be the case's investigator"),
                "{}",
                v.message
            );
        }
        other => panic!("expected a rule violation, got {other}"),
    }
    assert_eq!(
        d.store.head().await.expect("head"),
        head,
        "nothing was written"
    );
    let missing = docket_domain::ids::CaseId::from_random(1);
    assert!(matches!(
        d.execute(
            &missing,
            Command::Acknowledge,
            &PersonId::parse("x").expect("id"),
            jiff::Timestamp::now()
        )
        .await,
        Err(ServiceError::NotFound(_))
    ));
}

/// A declared conflict is an event like any other: it is stored, replayed with the case, and
/// from then on the declared person's commands on the case are refused, writing nothing.
async fn a_declared_conflict_bars_the_person_from_the_case(t: TestStore) {
    let d = docket(&t);
    let case = demo_case_at(&d, docket_domain::Stage::Received).await;
    let officer = PersonId::parse("officer.amara-osei").expect("id");
    let now = jiff::Timestamp::now();
    d.execute(
        &case.id,
        Command::DeclareConflict {
            person: officer.clone(),
            interest: Text::parse("the respondent is my neighbour").expect("t"),
        },
        &officer,
        now,
    )
    .await
    .expect("declared");
    let reloaded = d.load_case(&case.id).await.expect("load").expect("case");
    assert_eq!(
        reloaded.conflicted().into_iter().collect::<Vec<_>>(),
        vec![officer.clone()]
    );
    let head = d.store.head().await.expect("head");
    match d
        .execute(&case.id, Command::Acknowledge, &officer, now)
        .await
    {
        Err(ServiceError::Rule(v)) => assert_eq!(v.rule, Rule::ConflictOfInterest, "{v}"),
        other => panic!("expected a conflict refusal, got {other:?}"),
    }
    assert_eq!(
        d.store.head().await.expect("head"),
        head,
        "nothing was written"
    );
    // Someone else may.
    d.execute(
        &case.id,
        Command::Acknowledge,
        &PersonId::parse("officer.other").expect("id"),
        now,
    )
    .await
    .expect("acknowledged");
}
both_backends!(
    a_declared_conflict_bars_the_person_from_the_case,
    a_declared_conflict_bars_the_person_from_the_case
);
