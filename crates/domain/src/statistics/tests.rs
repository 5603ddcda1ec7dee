use super::*;
use crate::calendar::Calendar;
use crate::rulebook::RuleBook;
use jiff::ToSpan;
use jiff::civil::date;
use proptest::prelude::*;

/// Where a case may go from each stage: the process's transitions, coarsely (what the
/// statistics rely on is the order of the main path and that every case is somewhere).
fn next(stage: Stage) -> &'static [Stage] {
    use Stage::*;
    match stage {
        Received => &[Acknowledged, Withdrawn],
        Acknowledged => &[Assessed, Withdrawn, Merged],
        Assessed => &[
            Dismissed,
            InformalResolution,
            Investigation,
            Withdrawn,
            RespondentResigned,
        ],
        InformalResolution => &[Resolved, Investigation],
        Investigation => &[DraftReport, RespondentResigned, Withdrawn],
        DraftReport => &[AccuracyCheck, RespondentResigned],
        AccuracyCheck => &[NoFurtherAction, Charged, RespondentResigned],
        Charged => &[Hearing, RespondentResigned],
        Hearing => &[Decided, RespondentResigned],
        Decided => &[AppealWindow, IndependentReview],
        IndependentReview => &[AppealWindow],
        AppealWindow => &[Appeal, Final],
        Appeal => &[Final],
        Final => &[SanctionLive],
        SanctionLive => &[SanctionExpired],
        _ => &[],
    }
}

fn walk(id: u64, start: Date, choices: &[(u8, u8)], sanctions: &[&str]) -> CaseFacts {
    let mut path = vec![(Stage::Received, start)];
    let mut day = start;
    for (pick, gap) in choices {
        let options = next(path.last().expect("path").0);
        if options.is_empty() {
            break;
        }
        day = day.checked_add((i64::from(*gap) + 1).days()).expect("day");
        path.push((options[*pick as usize % options.len()], day));
    }
    let charged = path.iter().any(|(s, _)| *s == Stage::Charged);
    CaseFacts {
        id: CaseId::from_random(id),
        category: ["bullying", "online_abuse", "other_conduct"][id as usize % 3].into(),
        received_on: start,
        sanction: path
            .iter()
            .any(|(s, _)| Bucket::of(*s) == Bucket::Final)
            .then(|| sanctions[id as usize % sanctions.len()].to_string()),
        clauses: if charged {
            vec!["2.1.8".into()]
        } else {
            Vec::new()
        },
        measures: if charged {
            vec![(start, None)]
        } else {
            Vec::new()
        },
        // A clock stopped for a while in some cases, and still stopped in a few.
        pauses: match id % 5 {
            0 => vec![(start, start.checked_add(10.days()).ok())],
            1 => vec![(start.checked_add(3.days()).expect("day"), None)],
            _ => Vec::new(),
        },
        hearing_on: path
            .iter()
            .find(|(s, _)| *s == Stage::Hearing)
            .map(|(_, d)| *d),
        appeal_deadline: path
            .iter()
            .find(|(s, _)| *s == Stage::AppealWindow)
            .and_then(|(_, d)| d.checked_add(14.days()).ok()),
        path,
    }
}

fn history() -> impl Strategy<Value = Vec<CaseFacts>> {
    prop::collection::vec(
        (
            0u16..800,
            prop::collection::vec((any::<u8>(), 0u8..40), 0..14),
        ),
        0..60,
    )
    .prop_map(|cases| {
        cases
            .into_iter()
            .enumerate()
            .map(|(i, (offset, choices))| {
                let start = date(2024, 1, 1)
                    .checked_add(i64::from(offset).days())
                    .expect("start");
                walk(i as u64, start, &choices, &["expulsion", "warning", "none"])
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn the_funnel_adds_up_and_its_steps_reconcile(cases in history(), from_days in 0i64..400, len in 0i64..800) {
        let calendar = Calendar::england_and_wales();
        let rules = RuleBook::default_rules();
        let from = date(2024, 1, 1).checked_add(from_days.days()).expect("from");
        let to = from.checked_add(len.days()).expect("to");
        let f = Figures::compute(&cases, from, to, &calendar, &rules);
        let expected = cases.iter().filter(|c| c.received_on >= from && c.received_on <= to).count() as u64;
        prop_assert_eq!(f.received, expected);
        // Every complaint is in exactly one bucket.
        prop_assert_eq!(f.funnel.iter().map(|r| r.now).sum::<u64>(), f.received);
        for r in &f.funnel {
            prop_assert!(r.reached >= r.now, "{:?}", r);
            prop_assert!(r.reached <= f.received);
        }
        // Along the main path each step is reached by no more than the step before it, and
        // what reached a step either is there now or went on to a later one.
        for w in Bucket::MAIN_PATH.windows(2) {
            prop_assert!(f.row(w[0]).reached >= f.row(w[1]).reached, "{:?}", f.funnel);
        }
        prop_assert_eq!(f.row(Bucket::Intake).reached, f.received);
        let cut: Vec<CaseFacts> = cases.iter().filter(|c| c.received_on >= from).filter_map(|c| c.as_at(to)).collect();
        let open = cut.iter().filter(|c| c.is_open()).count() as u64;
        prop_assert_eq!(f.open, open);
        // Final outcomes by sanction account for every final case.
        prop_assert_eq!(f.by_sanction.values().sum::<u64>(), f.row(Bucket::Final).now);
        prop_assert_eq!(f.by_category.values().sum::<u64>(), f.received);
        prop_assert_eq!(f.resigned_by_stage.values().sum::<u64>(), f.row(Bucket::RespondentResigned).now);
        // Distributions account for every case they describe.
        let total = |bands: &[bands::BandCount]| bands.iter().map(|b| b.count).sum::<u64>();
        prop_assert_eq!(total(&f.open_ageing), f.open);
        prop_assert_eq!(total(&f.outcome_times), f.received - f.open);
        prop_assert_eq!(total(&f.measure_ageing), f.measures_active);
        prop_assert_eq!(f.time_to_outcome.map_or(0, |s| s.count), f.received - f.open);
        prop_assert!(f.overdue <= f.open);
        prop_assert_eq!(f.overdue_by_stage.values().sum::<u64>(), f.overdue);
        // Computing over the whole histories gives what computing over each case as it
        // stood at the period's end gives: the borrowed cut is `as_at`.
        prop_assert_eq!(&Figures::compute(&cut, from, to, &calendar, &rules), &f);
    }

    #[test]
    fn protected_tables_never_show_a_small_count(counts in prop::collection::vec(0u64..30, 1..12), with_total in any::<bool>()) {
        let cells: Vec<(String, u64)> = counts.iter().enumerate().map(|(i, n)| (format!("c{i}"), *n)).collect();
        let total = with_total.then(|| counts.iter().sum());
        let (t, _) = suppression::protect("t", &cells, total, false, 5);
        prop_assert!(!suppression::leaks(std::slice::from_ref(&t), 5));
        // With a total shown, no single hidden cell can be recovered from it.
        if t.total.and_then(|s| s.exact()).is_some() {
            let hidden_nonzero = cells.iter().zip(&t.cells).filter(|((_, n), c)| *n > 0 && c.shown.exact().is_none()).count();
            prop_assert_ne!(hidden_nonzero, 1, "{:?}", t);
        }
    }
}

#[test]
fn a_stage_is_overdue_by_the_clock_as_it_stood() {
    let rules = RuleBook::default_rules();
    let calendar = Calendar::england_and_wales();
    let limit = i64::from(
        rules
            .time_limits
            .for_stage(Stage::Investigation)
            .expect("clocked")
            .0,
    );
    let mut c = walk(
        2,
        date(2025, 1, 6),
        &[(0, 0), (0, 0), (2, 5)],
        &["expulsion"],
    );
    assert_eq!(c.stage(), Stage::Investigation);
    let entered = c.path.last().expect("path").1;
    let due = c.due_as_at(entered, &rules, &calendar).expect("clocked");
    assert_eq!(calendar.working_days_between(entered, due), limit);
    // Stopping the clock for ten working days moves the due date by ten.
    let monday = date(2025, 1, 20);
    c.pauses = vec![(monday, Some(date(2025, 2, 3)))];
    let later = c
        .due_as_at(date(2025, 6, 1), &rules, &calendar)
        .expect("running");
    assert_eq!(calendar.working_days_between(due, later), 10);
    // While it was stopped there was no due date, so nothing was overdue.
    assert_eq!(c.due_as_at(date(2025, 1, 25), &rules, &calendar), None);
    // Before the case reached the stage, the stage before was what was due.
    assert_ne!(
        c.due_as_at(date(2025, 1, 6), &rules, &calendar),
        Some(later)
    );
}

#[test]
fn a_case_is_cut_at_the_period_end() {
    let c = walk(
        1,
        date(2025, 1, 6),
        &[(0, 0), (0, 0), (2, 5), (0, 5), (0, 5), (1, 5)],
        &["expulsion"],
    );
    assert_eq!(c.stage(), Stage::Charged);
    let early = c.as_at(date(2025, 1, 10)).expect("received by then");
    assert_eq!(Bucket::of(early.stage()), Bucket::Intake);
    assert!(early.clauses.is_empty(), "not charged yet");
    assert!(c.as_at(date(2025, 1, 5)).is_none(), "not yet received");
}

#[test]
fn spreads_are_nearest_rank() {
    let s = Spread::of((1..=10).collect()).expect("spread");
    assert_eq!((s.count, s.median, s.p90), (10, 5, 9));
    assert_eq!(Spread::of(vec![7]).map(|s| (s.median, s.p90)), Some((7, 7)));
    assert_eq!(Spread::of(Vec::new()), None);
}
