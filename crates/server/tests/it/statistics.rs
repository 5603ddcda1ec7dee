//! The published statistics over HTTP on both stores: the public page and its JSON need no
//! login and show no small number; a bad period is named; the status page protects its
//! stage counts; officeholders see the same figures as the public.

use crate::backend::TestStore;
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket_domain::role::Role;
use reqwest::StatusCode;

/// Every exact count in a published JSON report, wherever it is.
fn counts(v: &serde_json::Value, out: &mut Vec<u64>) {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("shown").and_then(|s| s.as_str()) == Some("count") {
                out.extend(o.get("count").and_then(|c| c.as_u64()));
            }
            o.values().for_each(|x| counts(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| counts(x, out)),
        _ => {}
    }
}

both_backends!(the_public_statistics_show_the_report_with_small_numbers_protected);
async fn the_public_statistics_show_the_report_with_small_numbers_protected(t: TestStore) {
    let d = support::docket(&t);
    let cases = support::small_demo(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let http = reqwest::Client::new();

    let res = http
        .get(format!("{base}/statistics.json"))
        .send()
        .await
        .expect("json");
    assert_eq!(res.status(), StatusCode::OK);
    let report: serde_json::Value = res.json().await.expect("report");
    assert_eq!(report["received"]["count"].as_u64(), Some(cases as u64));
    let mut shown = Vec::new();
    counts(&report, &mut shown);
    assert!(!shown.is_empty());
    assert!(
        shown.iter().all(|n| *n == 0 || *n >= 5),
        "no count from 1 to 4 is published: {shown:?}"
    );
    assert!(report.to_string().contains("fewer_than"));

    let res = http
        .get(format!("{base}/statistics"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("html");
    assert_eq!(
        page.matches("<svg").count(),
        5,
        "funnel, outcomes, time to outcome, ageing and median times"
    );
    assert!(page.contains("Every complaint received up to"));
    assert!(page.contains(&format!("<dd>{cases}</dd>")));

    // A period that is not one: the page says so beside the field, with the input kept.
    let res = http
        .get(format!("{base}/statistics?period=last%20summer"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.expect("html");
    assert!(
        page.contains("&#39;last summer&#39; is not a period"),
        "{page}"
    );
    assert!(page.contains("value=\"last summer\""));
    let res = http
        .get(format!("{base}/statistics.json?period=2026Q9"))
        .send()
        .await
        .expect("json");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "RFC 9457"
    );
    let problem: serde_json::Value = res.json().await.expect("problem");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("2026Q9")),
        "{problem}"
    );

    // The status page's stage table shows no count from 1 to 4.
    let status = http.get(&base).send().await.expect("status");
    let status = status.text().await.expect("html");
    let stages = status
        .split("id=\"stages\"")
        .nth(1)
        .expect("the stage table");
    for n in 1..5 {
        assert!(!stages.contains(&format!("<td>{n}</td>")), "{stages}");
    }

    // Officeholders see the same figures.
    let leader = Browser::signed_in(&d, &base, "leader.statistics", &[Role::Officeholder]).await;
    let (status, home) = leader.get("/home").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains(&format!("<dt>Complaints received</dt><dd>{cases}</dd>")),
        "{home}"
    );
    assert!(home.contains(report["open_share"].as_str().expect("share")));
}

both_backends!(figures_from_read_models_equal_figures_from_raw_events_and_a_difference_is_named);
async fn figures_from_read_models_equal_figures_from_raw_events_and_a_difference_is_named(
    t: TestStore,
) {
    let d = support::docket(&t);
    support::small_demo(&d).await;
    let today = support::today();
    // Every period shape over the demo's three years agrees, read model against raw log.
    let mut periods: Vec<docket::report::Period> = vec![docket::report::Period::to_date(today)];
    for p in [
        "2024",
        "2025",
        "2026",
        "2025Q2",
        "2026Q3",
        "2024-06-01..2025-06-30",
    ] {
        periods.push(p.parse().expect("period"));
    }
    for p in &periods {
        let checked = d.verify_figures(p, &|_| {}).await.expect("verify");
        assert!(checked.is_ok(), "{}: {checked:?}", p.label);
    }
    // A read-model row altered behind Docket's back: the figure it changes is named.
    crate::tamper::tamper(
        &t,
        "UPDATE cases SET facts = replace(facts, '\"sanction\":\"expulsion\"', '\"sanction\":\"warning\"') \
         WHERE id = (SELECT id FROM cases WHERE facts LIKE '%\"sanction\":\"expulsion\"%' ORDER BY id LIMIT 1)",
    )
    .await;
    let differ = d
        .verify_figures(&periods[0], &|_| {})
        .await
        .expect("verify")
        .expect_err("the figures differ");
    assert!(
        differ.iter().any(|x| x.starts_with("by_sanction:")),
        "{differ:?}"
    );
}

both_backends!(random_histories_reconcile_between_read_models_and_raw_events);
/// Property: for caseloads generated at random (a new seed each run, named on failure) and
/// walked through the real domain into the store, the figures from the read models equal
/// those recomputed from the raw events over random periods, the funnel adds up, and the
/// overdue count the facts reconstruct from the stage clock is the read models' own.
async fn random_histories_reconcile_between_read_models_and_raw_events(t: TestStore) {
    use docket::report::Period;
    use docket_domain::statistics::Bucket;
    use jiff::ToSpan;
    use rand::{Rng, SeedableRng};
    let seed: u64 = rand::random();
    let d = support::docket(&t);
    let today = support::today();
    let cases = docket::demo::generate_random(&d, today, 2_000, seed, 80)
        .await
        .expect("generates");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let start = today.checked_sub(1_100.days()).expect("start");
    let mut periods = vec![Period::to_date(today)];
    for i in 0..6 {
        let from = start
            .checked_add(rng.random_range(0..1_100i64).days())
            .expect("from");
        let to = from
            .checked_add(rng.random_range(0..500i64).days())
            .expect("to")
            .min(today);
        periods.push(Period {
            label: format!("random period {i}"),
            from,
            to,
        });
    }
    for p in &periods {
        let checked = d.verify_figures(p, &|_| {}).await.expect("verify");
        assert!(checked.is_ok(), "seed {seed}, {p:?}: {checked:?}");
        let f = d.figures(p).await.expect("figures");
        assert_eq!(
            f.funnel.iter().map(|r| r.now).sum::<u64>(),
            f.received,
            "seed {seed}, {p:?}"
        );
        for w in Bucket::MAIN_PATH.windows(2) {
            assert!(f.row(w[0]).reached >= f.row(w[1]).reached, "seed {seed}");
        }
    }
    let all = d.figures(&periods[0]).await.expect("figures");
    assert_eq!(all.received, cases as u64, "seed {seed}");
    // Folded keeping only four cases whole at a time, cases are retired to their facts and
    // revived from the log when their next event comes: the facts must not change.
    let mut from_models = d.store.case_facts().await.expect("facts");
    let (mut from_log, _, revived) = d.facts_from_log(&|_| {}, 4).await.expect("fold");
    from_models.sort_by(|a, b| a.id.cmp(&b.id));
    from_log.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(revived > 0, "seed {seed}: no case was revived");
    assert_eq!(from_log, from_models, "seed {seed}");
    let overdue = d
        .store
        .list_cases(&docket_domain::store::CaseFilter::default())
        .await
        .expect("list")
        .iter()
        .filter(|s| s.stage_due.is_some_and(|due| due < today))
        .count() as u64;
    assert_eq!(all.overdue, overdue, "seed {seed}");
}

both_backends!(oversight_reads_the_report_downloads_it_and_recomputes_it_from_the_log);
async fn oversight_reads_the_report_downloads_it_and_recomputes_it_from_the_log(t: TestStore) {
    let d = support::docket(&t);
    let cases = support::small_demo(&d).await;
    let (base, _stop) = support::serve(d.clone()).await;
    let oversight = Browser::signed_in(&d, &base, "oversight.report", &[Role::Oversight]).await;

    let (status, page) = oversight.get("/oversight").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/oversight/report\""));
    let (status, page) = oversight.get("/oversight/report?period=2024").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page.matches("<svg").count(), 5, "the charts");
    assert!(page.contains("chart-outcome-times") && page.contains("chart-ageing"));
    assert!(
        page.contains("Open and past their stage's due date"),
        "{page}"
    );

    // The CSV is the report's own.
    let res = oversight.fetch("/oversight/report.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let csv = res.text().await.expect("csv");
    let report = d
        .published_report(&docket::report::Period::to_date(support::today()))
        .await
        .expect("report");
    assert_eq!(csv, report.csv());
    assert!(csv.contains(&format!("headline,received,{cases}")), "{csv}");
    assert!(csv.contains("open complaints by time since received,0–3 months,"));

    // A period that is not one is named, with what was typed kept.
    let (status, page) = oversight.get("/oversight/report?period=2026Q7").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("value=\"2026Q7\"") && page.contains("is not a period"));

    // Recomputing from the raw log agrees; without the form's token nothing runs.
    let res = oversight
        .post(
            "/oversight/report/recompute",
            &[("csrf", oversight.csrf.as_str()), ("period", "2025")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.expect("html");
    assert!(page.contains("Every figure agrees with the"), "{page}");
    let res = oversight
        .post("/oversight/report/recompute", &[("period", "2025")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Officeholders may read the report but not run the recomputation; panel members
    // neither.
    let leader = Browser::signed_in(&d, &base, "leader.report", &[Role::Officeholder]).await;
    assert_eq!(leader.get("/oversight/report").await.0, StatusCode::OK);
    let res = leader
        .post(
            "/oversight/report/recompute",
            &[("csrf", leader.csrf.as_str()), ("period", "2025")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let panel = Browser::signed_in(&d, &base, "panel.report", &[Role::PanelMember]).await;
    assert_eq!(
        panel.get("/oversight/report").await.0,
        StatusCode::FORBIDDEN
    );
}
