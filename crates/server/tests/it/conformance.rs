//! The store conformance suite: every test runs against both backends through the `Store`
//! trait alone, so SQLite and PostgreSQL are held to one contract.

mod accounts;
mod blobs;
mod members;
mod outbox;
mod scan;

use crate::backend::{
    self, ACTOR, TestStore, append, conflict, event, member, second_handle, simple, ts,
    with_members,
};
use crate::both_backends;
use docket_domain::Stage;
use docket_domain::function::Function;
use docket_domain::ids::{CaseId, MembershipNumber, PersonId};
use docket_domain::member::{Member, MemberStatus};
use docket_domain::store::codec::format_ts;
use docket_domain::store::{
    Appended, CaseFilter, MEMBERS_STREAM, ReadModelChange, Store, StoredEvent, case_stream,
};
use docket_domain::summary::CaseSummary;
use jiff::Unit;
use jiff::civil::{Date, date};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

fn summary(
    n: u64,
    stage: Stage,
    received_on: Date,
    due: (Option<Date>, Option<Date>),
    assignments: &[(&str, Function)],
) -> CaseSummary {
    CaseSummary {
        id: CaseId::from_random(n),
        stage,
        category: "conduct — \"harassment\"".into(),
        received_on,
        stage_entered_on: received_on,
        respondent: MembershipNumber::parse("PA0001").expect("respondent"),
        stage_due: due.0,
        review_due: due.1,
        open: stage.is_open(),
        active_measures: 0,
        assignments: assignments
            .iter()
            .map(|(p, f)| (PersonId::parse(p).expect("person"), *f))
            .collect(),
        title: format!("Case {n}: «abuse» in the \"group\" chat; it's 100% real"),
        facts: None,
    }
}

/// Writes `s` as its case's next event, with the summary as the read-model change.
async fn put_case(store: &dyn Store, s: &CaseSummary) {
    let stream = case_stream(&s.id);
    let version = store.stream_version(&stream).await.expect("version");
    let mut a = simple(&stream, version, 1);
    a.read_model = ReadModelChange::Case(s.clone());
    store.append(a).await.expect("appending a case");
}

async fn all_events(store: &dyn Store) -> Vec<StoredEvent> {
    let mut out: Vec<StoredEvent> = Vec::new();
    loop {
        let after = out.last().map_or(0, |e| e.seq);
        let page = store.events_after(after, 97).await.expect("events_after");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// The log is exactly seqs 1..=n, and every stream's versions count up from 1 in seq order.
async fn assert_linear_log(store: &dyn Store, n: u64) {
    assert_eq!(store.head().await, Ok(n));
    let events = all_events(store).await;
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=n).collect::<Vec<_>>(), "the log must be gapless");
    let mut versions: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for e in &events {
        versions.entry(&e.stream).or_default().push(e.version);
    }
    for (stream, v) in versions {
        let want: Vec<u64> = (1..=v.len() as u64).collect();
        assert_eq!(v, want, "versions of {stream}");
    }
}

both_backends!(append_round_trip);
async fn append_round_trip(t: TestStore) {
    let s = &*t.store;
    assert_eq!(s.head().await, Ok(0));
    assert_eq!(s.events_after(0, 10).await, Ok(vec![]));
    let big = format!("{{\"text\":\"{}\"}}", "ab\u{e9}\u{1F600}".repeat(25_000));
    assert!(big.len() > 200_000);
    let payloads = [
        r#"{"name":"Zoë Ångström","note":"naïve café — 你好 🚀"}"#.to_string(),
        r#"{"quote":"she said \"no\" and 'maybe'","path":"C:\\temp\\x"}"#.to_string(),
        "{\"lines\":\"one\ntwo\r\nthree\ttab\"}\n".to_string(),
        "  {\"spacing\" :  1 ,\"escaped\":\"\\u0000\\n\"}  ".to_string(),
        big,
    ];
    let at1 = ts("2026-03-01T09:30:15.123456789Z");
    let at2 = ts("2026-03-02T00:00:00Z");
    let (a, b) = ("case/DK-0000-0001", "case/DK-0000-0002");

    let mut first = append(
        a,
        0,
        vec![event("opened", &payloads[0]), event("noted", &payloads[1])],
    );
    first.at = at1;
    assert_eq!(
        s.append(first).await,
        Ok(Appended {
            first_seq: 1,
            last_seq: 2,
            version: 2
        })
    );
    let second = append(b, 0, vec![event("opened", &payloads[2])]);
    assert_eq!(
        s.append(second).await,
        Ok(Appended {
            first_seq: 3,
            last_seq: 3,
            version: 1
        })
    );
    let mut third = append(
        a,
        2,
        vec![event("noted", &payloads[3]), event("big", &payloads[4])],
    );
    third.at = at2;
    assert_eq!(
        s.append(third).await,
        Ok(Appended {
            first_seq: 4,
            last_seq: 5,
            version: 4
        })
    );
    assert_eq!(s.head().await, Ok(5));

    let events = s.stream_events(a).await.expect("stream_events");
    let got: Vec<(u64, u64, &str, &str)> = events
        .iter()
        .map(|e| (e.seq, e.version, e.kind.as_str(), e.payload.as_str()))
        .collect();
    let want = vec![
        (1, 1, "opened", payloads[0].as_str()),
        (2, 2, "noted", payloads[1].as_str()),
        (4, 3, "noted", payloads[3].as_str()),
        (5, 4, "big", payloads[4].as_str()),
    ];
    assert_eq!(got, want, "payloads must come back byte for byte");
    assert!(events.iter().all(|e| e.actor == ACTOR && e.stream == a));
    let rounded = at1.round(Unit::Microsecond).expect("round");
    assert_eq!(events[0].at, rounded);
    assert_eq!(format_ts(events[0].at), "2026-03-01T09:30:15.123457Z");
    assert_eq!(events[3].at, at2);
    assert_eq!(s.stream_events(b).await.expect("b")[0].payload, payloads[2]);
    assert_eq!(s.stream_events("case/none").await, Ok(vec![]));

    let mut paged = Vec::new();
    for after in [0, 2, 4, 5, 99] {
        let page = s.events_after(after, 2).await.expect("page");
        paged.push(page.iter().map(|e| e.seq).collect::<Vec<_>>());
    }
    assert_eq!(paged, vec![vec![1, 2], vec![3, 4], vec![5], vec![], vec![]]);
    let everything = s.events_after(0, 100).await.expect("all");
    assert_eq!(everything.len(), 5);
    assert_eq!(everything[2].stream, b);
    assert_eq!(everything[4], events[3]);
    assert_linear_log(s, 5).await;
}

both_backends!(optimistic_concurrency);
async fn optimistic_concurrency(t: TestStore) {
    let s = &*t.store;
    s.append(simple("s", 0, 2)).await.expect("first append");
    assert_eq!(s.append(simple("s", 0, 1)).await, Err(conflict("s", 0, 2)));
    assert_eq!(s.append(simple("s", 5, 1)).await, Err(conflict("s", 5, 2)));
    assert_eq!(
        s.append(simple("new", 3, 1)).await,
        Err(conflict("new", 3, 0))
    );
    let stale = with_members(simple("s", 1, 1), vec![member("C1", "Refused")]);
    assert_eq!(s.append(stale).await, Err(conflict("s", 1, 2)));
    assert_eq!(s.head().await, Ok(2), "a refused append writes nothing");
    assert_eq!(s.stream_events("s").await.expect("s").len(), 2);
    assert_eq!(s.stream_events("new").await, Ok(vec![]));
    assert_eq!(s.member_count().await, Ok(0));
    assert_eq!(
        s.append(simple("s", 2, 1)).await,
        Ok(Appended {
            first_seq: 3,
            last_seq: 3,
            version: 3
        })
    );
    assert_linear_log(s, 3).await;
}

both_backends!(append_all_is_all_or_nothing);
async fn append_all_is_all_or_nothing(t: TestStore) {
    let s = &*t.store;
    s.append(simple("existing", 0, 1)).await.expect("seed");
    let doomed = vec![
        with_members(simple("a", 0, 2), vec![member("M1", "Never")]),
        simple("b", 0, 1),
        simple("existing", 0, 1),
        simple("c", 0, 1),
    ];
    assert_eq!(s.append_all(doomed).await, Err(conflict("existing", 0, 1)));
    assert_eq!(s.head().await, Ok(1));
    for stream in ["a", "b", "c"] {
        assert_eq!(s.stream_events(stream).await, Ok(vec![]), "{stream}");
    }
    assert_eq!(s.member_count().await, Ok(0));

    let ok = vec![simple("a", 0, 2), simple("a", 2, 1), simple("b", 0, 1)];
    assert_eq!(
        s.append_all(ok).await,
        Ok(vec![
            Appended {
                first_seq: 2,
                last_seq: 3,
                version: 2
            },
            Appended {
                first_seq: 4,
                last_seq: 4,
                version: 3
            },
            Appended {
                first_seq: 5,
                last_seq: 5,
                version: 1
            },
        ])
    );
    assert_eq!(s.append_all(vec![]).await, Ok(vec![]));
    assert_linear_log(s, 5).await;
}

both_backends!(concurrent_appends_on_distinct_streams);
async fn concurrent_appends_on_distinct_streams(t: TestStore) {
    let mut tasks = JoinSet::new();
    for task in 0..64 {
        let s = t.store.clone();
        tasks.spawn(async move {
            let mut seqs = Vec::new();
            for v in 0..20 {
                let done = s.append(simple(&format!("conc/{task}"), v, 1)).await;
                let done = done.expect("append on a stream nobody else writes");
                assert_eq!(done.version, v + 1);
                seqs.push(done.first_seq);
            }
            seqs
        });
    }
    let mut seqs: Vec<u64> = tasks.join_all().await.into_iter().flatten().collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=1280).collect::<Vec<_>>());
    assert_linear_log(&*t.store, 1280).await;
    assert_eq!(t.store.stream_events("conc/63").await.expect("s").len(), 20);
}

both_backends!(racing_on_one_stream_lets_one_win);
async fn racing_on_one_stream_lets_one_win(t: TestStore) {
    let barrier = Arc::new(Barrier::new(16));
    let mut tasks = JoinSet::new();
    for _ in 0..16 {
        let (s, barrier) = (t.store.clone(), barrier.clone());
        tasks.spawn(async move {
            barrier.wait().await;
            s.append(simple("contested", 0, 1)).await
        });
    }
    let results = tasks.join_all().await;
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{results:?}");
    let conflicts = results
        .iter()
        .filter(|r| **r == Err(conflict("contested", 0, 1)))
        .count();
    assert_eq!(conflicts, 15, "{results:?}");
    assert_linear_log(&*t.store, 1).await;
}

both_backends!(two_instances_share_one_sequence);
async fn two_instances_share_one_sequence(t: TestStore) {
    let other = second_handle(&t).await;
    let mut tasks = JoinSet::new();
    for (h, store) in [t.store.clone(), other.clone()].into_iter().enumerate() {
        for task in 0..32 {
            let s = store.clone();
            tasks.spawn(async move {
                let mut seqs = Vec::new();
                for v in 0..5 {
                    let done = s.append(simple(&format!("h{h}/{task}"), v, 1)).await;
                    seqs.push(done.expect("append").first_seq);
                }
                seqs
            });
        }
    }
    let seqs: Vec<u64> = tasks.join_all().await.into_iter().flatten().collect();
    let unique: HashSet<u64> = seqs.iter().copied().collect();
    assert_eq!(unique.len(), seqs.len(), "no seq may be handed out twice");
    assert_linear_log(&*t.store, 320).await;
    assert_linear_log(&*other, 320).await;
}

both_backends!(read_models);
async fn read_models(t: TestStore) {
    use Function::*;
    let s = &*t.store;
    let a = summary(
        1,
        Stage::Investigation,
        date(2026, 1, 5),
        (Some(date(2026, 2, 1)), None),
        &[("alice", Investigator)],
    );
    let b = summary(
        2,
        Stage::Hearing,
        date(2026, 1, 10),
        (Some(date(2026, 3, 1)), Some(date(2026, 1, 20))),
        &[("bob", HearingPanel), ("carol", HearingPanel)],
    );
    let c = summary(
        3,
        Stage::Dismissed,
        date(2026, 1, 1),
        (None, None),
        &[("alice", ChargingDecision)],
    );
    let d = summary(
        4,
        Stage::Investigation,
        date(2026, 1, 7),
        (Some(date(2026, 4, 1)), None),
        &[],
    );
    for x in [&a, &b, &c, &d] {
        put_case(s, x).await;
    }
    let list = async |f: CaseFilter| s.list_cases(&f).await.expect("list_cases");
    let all = CaseFilter::default();
    assert_eq!(
        list(all.clone()).await,
        vec![c.clone(), a.clone(), d.clone(), b.clone()]
    );
    let open = CaseFilter {
        open_only: true,
        ..all.clone()
    };
    assert_eq!(
        list(open.clone()).await,
        vec![a.clone(), d.clone(), b.clone()]
    );
    let overdue = |day| CaseFilter {
        overdue_on: Some(day),
        ..all.clone()
    };
    assert_eq!(
        list(overdue(date(2026, 2, 15))).await,
        vec![a.clone(), b.clone()]
    );
    assert_eq!(
        list(overdue(date(2026, 2, 1))).await,
        vec![b.clone()],
        "due today is not overdue"
    );
    assert_eq!(list(overdue(date(2026, 1, 20))).await, vec![]);
    let stage = CaseFilter {
        stage: Some(Stage::Investigation),
        ..all.clone()
    };
    assert_eq!(list(stage).await, vec![a.clone(), d.clone()]);
    let by = |p: &str| CaseFilter {
        assignee: Some(PersonId::parse(p).expect("p")),
        ..all.clone()
    };
    assert_eq!(list(by("alice")).await, vec![c.clone(), a.clone()]);
    assert_eq!(list(by("carol")).await, vec![b.clone()]);
    assert_eq!(list(by("nobody")).await, vec![]);
    let limited = CaseFilter {
        limit: Some(2),
        ..all.clone()
    };
    assert_eq!(list(limited).await, vec![c.clone(), a.clone()]);
    let combined = CaseFilter {
        open_only: true,
        ..by("alice")
    };
    assert_eq!(list(combined).await, vec![a.clone()]);
    let mut counts = vec![
        (Stage::Investigation, 2),
        (Stage::Hearing, 1),
        (Stage::Dismissed, 1),
    ];
    counts.sort();
    assert_eq!(s.stage_counts().await, Ok(counts));
    assert_eq!(s.stream_version(&case_stream(&a.id)).await, Ok(1));
    assert_eq!(
        s.stream_version(&case_stream(&CaseId::from_random(99)))
            .await,
        Ok(0)
    );

    // A later upsert replaces the row and every assignment, keeping the summary's order.
    let mut a2 = a.clone();
    a2.stage = Stage::DraftReport;
    a2.review_due = Some(date(2026, 5, 1));
    a2.active_measures = 2;
    a2.assignments = vec![
        (PersonId::parse("zed").expect("p"), Investigator),
        (PersonId::parse("amy").expect("p"), ChargingDecision),
    ];
    put_case(s, &a2).await;
    assert_eq!(s.stream_version(&case_stream(&a.id)).await, Ok(2));
    assert_eq!(list(by("alice")).await, vec![c.clone()]);
    assert_eq!(list(by("amy")).await, vec![a2.clone()]);
    assert_eq!(list(all).await, vec![c, a2, d, b]);

    let (m1, m2, m3) = (
        member("pa0001", "Ann"),
        member("PA0002", "Bo"),
        member("PA0003", "Cy"),
    );
    s.append(with_members(
        simple(MEMBERS_STREAM, 0, 1),
        vec![m1.clone(), m2.clone(), m3],
    ))
    .await
    .expect("import");
    assert_eq!(s.member(&m1.number).await, Ok(Some(m1.clone())));
    assert_eq!(s.member_count().await, Ok(3));
    let unknown = MembershipNumber::parse("ZZ9").expect("n");
    assert_eq!(s.member(&unknown).await, Ok(None));
    let mut m2b = m2.clone();
    m2b.status = MemberStatus::Lapsed;
    m2b.elected_office = Some("Councillor".into());
    m2b.region = Some("North — \"Ørsted\"".into());
    let (m4, m4b) = (member("PA0004", "First"), member("PA0004", "Last wins"));
    let update = vec![m2b.clone(), m4, m4b.clone()];
    s.append(with_members(simple(MEMBERS_STREAM, 1, 1), update))
        .await
        .expect("update");
    assert_eq!(s.member_count().await, Ok(4));
    assert_eq!(s.member(&m2.number).await, Ok(Some(m2b)));
    assert_eq!(s.member(&m4b.number).await, Ok(Some(m4b)));
    let many: Vec<Member> = (0..2500)
        .map(|i| member(&format!("BULK{i}"), "Bulk"))
        .collect();
    s.append(with_members(simple(MEMBERS_STREAM, 2, 1), many))
        .await
        .expect("bulk");
    assert_eq!(s.member_count().await, Ok(2504));
    assert_eq!(s.member(&m1.number).await, Ok(Some(m1)));
}

/// Writes two cases (one of them twice) and a membership list through appends and returns
/// the resulting read-model contents.
async fn seed(s: &dyn Store) -> (Vec<CaseSummary>, Vec<Member>) {
    use Function::*;
    let a = summary(
        7,
        Stage::Charged,
        date(2026, 2, 3),
        (Some(date(2026, 3, 3)), None),
        &[("x", Investigator)],
    );
    let mut a2 = a.clone();
    a2.assignments
        .push((PersonId::parse("y").expect("p"), ChargingDecision));
    let b = summary(8, Stage::Received, date(2026, 2, 4), (None, None), &[]);
    for x in [&a, &a2, &b] {
        put_case(s, x).await;
    }
    let members = vec![member("R1", "Rae"), member("R2", "Sol")];
    s.append(with_members(simple(MEMBERS_STREAM, 0, 1), members.clone()))
        .await
        .expect("m");
    (vec![a2.clone(), b.clone()], members)
}

both_backends!(replace_read_models_matches_appends);
async fn replace_read_models_matches_appends(t: TestStore) {
    let s = &*t.store;
    let (cases, members) = seed(s).await;
    let through_appends = s.dump_read_models().await.expect("dump");
    assert_eq!(through_appends.cases.len(), 2);
    assert_eq!(through_appends.assignments.len(), 2);
    assert_eq!(through_appends.members.len(), 2);
    let head = s.head().await;

    let (kept_case, kept_member) = (cases[1].clone(), members[1].clone());
    s.replace_read_models(vec![kept_case.clone()], vec![kept_member.clone()])
        .await
        .expect("replace with a subset");
    let dump = s.dump_read_models().await.expect("dump");
    assert_eq!(
        (dump.cases.len(), dump.assignments.len(), dump.members.len()),
        (1, 0, 1)
    );
    assert_eq!(
        s.list_cases(&CaseFilter::default()).await,
        Ok(vec![kept_case])
    );
    assert_eq!(s.member(&members[0].number).await, Ok(None));
    assert_eq!(s.member_count().await, Ok(1));

    s.replace_read_models(cases.clone(), members.clone())
        .await
        .expect("replace all");
    assert_eq!(s.dump_read_models().await, Ok(through_appends));
    assert_eq!(
        s.list_cases(&CaseFilter::default())
            .await
            .expect("list")
            .len(),
        2
    );
    assert_eq!(
        s.head().await,
        head,
        "replacing read models leaves the log alone"
    );

    s.replace_read_models(vec![], vec![])
        .await
        .expect("replace with nothing");
    assert_eq!(s.dump_read_models().await, Ok(Default::default()));
}

/// Both backends turn the same appends into the same read-model dump.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dumps_agree_across_backends() {
    let Some(pg) = backend::postgres().await else {
        return;
    };
    let lite = backend::sqlite().await;
    seed(&*pg.store).await;
    seed(&*lite.store).await;
    let dump = pg.store.dump_read_models().await.expect("pg dump");
    assert_eq!(Ok(dump), lite.store.dump_read_models().await);
    assert_eq!(all_events(&*pg.store).await, all_events(&*lite.store).await);
}

both_backends!(a_conflict_fails_alone_in_a_batch);
async fn a_conflict_fails_alone_in_a_batch(t: TestStore) {
    let barrier = Arc::new(Barrier::new(50));
    let mut tasks = JoinSet::new();
    for i in 0..50u64 {
        let (s, barrier) = (t.store.clone(), barrier.clone());
        tasks.spawn(async move {
            let expected = if i % 5 == 4 { 3 } else { 0 };
            let a = simple(&format!("mixed/{i}"), expected, 2);
            let a = with_members(a, vec![member(&format!("MX{i}"), "Batch")]);
            barrier.wait().await;
            (i, s.append(a).await)
        });
    }
    let mut seqs = Vec::new();
    for (i, result) in tasks.join_all().await {
        if i % 5 == 4 {
            assert_eq!(result, Err(conflict(&format!("mixed/{i}"), 3, 0)));
        } else {
            let done = result.expect("a correct append must not fail with its neighbours");
            assert_eq!((done.last_seq - done.first_seq, done.version), (1, 2));
            seqs.extend([done.first_seq, done.last_seq]);
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=80).collect::<Vec<_>>());
    assert_linear_log(&*t.store, 80).await;
    let s = &*t.store;
    assert_eq!(s.member_count().await, Ok(40));
    let refused = MembershipNumber::parse("MX4").expect("n");
    assert_eq!(s.member(&refused).await, Ok(None));
    assert_eq!(s.stream_events("mixed/4").await, Ok(vec![]));
}
