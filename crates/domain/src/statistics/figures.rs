//! The figures for a period: a tally over every case, kept in parts that merge, so that a
//! large organisation's cases can be counted on every core and the parts added up.

use super::bands::{self, BandCount};
use super::{Bucket, CaseFacts, FunnelRow, Spread};
use crate::ageing::Band;
use crate::calendar::Calendar;
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Every figure for complaints received from `from` to `to` (inclusive), as they stood at the
/// end of `to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub from: Date,
    pub to: Date,
    pub received: u64,
    pub funnel: Vec<FunnelRow>,
    /// Final outcomes by sanction code ("none" where the charges were not proven).
    pub by_sanction: BTreeMap<String, u64>,
    /// Cases received, by category.
    pub by_category: BTreeMap<String, u64>,
    /// Cases charged, by each clause charged (a case charged under two clauses counts under
    /// both).
    pub by_clause: BTreeMap<String, u64>,
    /// Respondents who resigned while their case was open, by the bucket they resigned in.
    pub resigned_by_stage: BTreeMap<String, u64>,
    /// Complaints that ended in expulsion or the respondent's resignation.
    pub expelled_or_resigned: u64,
    pub open: u64,
    /// Open cases past their stage's due date at the end of the period, and by bucket.
    pub overdue: u64,
    pub overdue_by_stage: BTreeMap<String, u64>,
    /// Open cases by time since they were received (`ageing::Band`).
    pub open_ageing: Vec<BandCount>,
    /// Interim measures in force at the end of the period, their ages in working days, and
    /// their ages in bands (`ageing::Band`).
    pub measures_active: u64,
    pub measure_age: Option<Spread>,
    pub measure_ageing: Vec<BandCount>,
    /// Working days spent in each bucket by the cases that left it in the period's history.
    pub time_in_stage: BTreeMap<String, Spread>,
    /// Working days from receipt to the case closing, for cases that closed, and in bands
    /// (`bands::OUTCOME`).
    pub time_to_outcome: Option<Spread>,
    pub outcome_times: Vec<BandCount>,
}

/// Counts of one part of the cases, keyed by names borrowed from them.
#[derive(Default)]
struct Tally<'a> {
    received: u64,
    expelled_or_resigned: u64,
    open: u64,
    overdue: u64,
    now_in: [u64; Bucket::ALL.len()],
    reached: [u64; Bucket::ALL.len()],
    by_sanction: HashMap<&'a str, u64>,
    by_category: HashMap<&'a str, u64>,
    by_clause: HashMap<&'a str, u64>,
    resigned_by_stage: HashMap<&'a str, u64>,
    overdue_by_stage: HashMap<&'a str, u64>,
    open_ageing: [u64; Band::ALL.len()],
    measure_ageing: [u64; Band::ALL.len()],
    outcome_times: [u64; bands::OUTCOME.len()],
    stage_days: [Vec<i64>; Bucket::ALL.len()],
    to_outcome: Vec<i64>,
    measure_ages: Vec<i64>,
}

/// What every case of a period is counted against.
struct Frame<'a> {
    from: Date,
    to: Date,
    calendar: &'a Calendar,
    rules: &'a RuleBook,
    /// Sanction codes that end membership.
    ending: Vec<&'a str>,
}

fn add_counts<'a>(into: &mut HashMap<&'a str, u64>, from: HashMap<&'a str, u64>) {
    for (k, v) in from {
        *into.entry(k).or_default() += v;
    }
}

fn add_each<const N: usize>(into: &mut [u64; N], from: [u64; N]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

fn owned(m: HashMap<&str, u64>) -> BTreeMap<String, u64> {
    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

impl<'a> Tally<'a> {
    /// Counts one case, as it stood at the end of the period (the cut `CaseFacts::as_at`
    /// makes, taken here without copying the case).
    fn add(&mut self, c: &'a CaseFacts, f: &Frame<'_>) {
        let to = f.to;
        if c.received_on < f.from || c.received_on > to {
            return;
        }
        self.received += 1;
        let path = c.path.iter().filter(|(_, d)| *d <= to);
        let mut mask = 0u32;
        let mut last = (Stage::Received, c.received_on);
        for (s, d) in path.clone() {
            mask |= 1 << Bucket::of(*s) as u32;
            last = (*s, *d);
        }
        let now = Bucket::of(last.0);
        self.now_in[now as usize] += 1;
        for (b, n) in self.reached.iter_mut().enumerate() {
            *n += u64::from(mask & (1 << b) != 0);
        }
        *self.by_category.entry(&c.category).or_default() += 1;
        if mask & (1 << Bucket::Charged as u32) != 0 {
            for clause in &c.clauses {
                *self.by_clause.entry(clause).or_default() += 1;
            }
        }
        if now == Bucket::Final {
            let code = c.sanction.as_deref().unwrap_or("none");
            if f.ending.contains(&code) {
                self.expelled_or_resigned += 1;
            }
            *self.by_sanction.entry(code).or_default() += 1;
        }
        if now == Bucket::RespondentResigned {
            self.expelled_or_resigned += 1;
            let before = path
                .clone()
                .rev()
                .map(|(s, _)| Bucket::of(*s))
                .find(|b| *b != Bucket::RespondentResigned)
                .unwrap_or(Bucket::Intake);
            *self.resigned_by_stage.entry(before.as_str()).or_default() += 1;
        }
        if last.0.is_open() {
            self.open += 1;
            self.open_ageing[Band::of(c.received_on, to) as usize] += 1;
            if c.due_as_at(to, f.rules, f.calendar)
                .is_some_and(|due| due < to)
            {
                self.overdue += 1;
                *self.overdue_by_stage.entry(now.as_str()).or_default() += 1;
            }
        } else {
            let days = f.calendar.working_days_between(c.received_on, last.1);
            self.outcome_times[bands::outcome_band(days)] += 1;
            self.to_outcome.push(days);
        }
        for (imposed, lifted) in c.measures.iter().filter(|(i, _)| *i <= to) {
            if lifted.is_none_or(|l| l > to) {
                self.measure_ages
                    .push(f.calendar.working_days_between(*imposed, to));
                self.measure_ageing[Band::of(*imposed, to) as usize] += 1;
            }
        }
        // A bucket's time runs from entering it to entering the next bucket.
        let mut entered: Option<(Bucket, Date)> = None;
        for (s, d) in path {
            let b = Bucket::of(*s);
            match entered {
                Some((prev, since)) if prev != b => {
                    self.stage_days[prev as usize].push(f.calendar.working_days_between(since, *d));
                    entered = Some((b, *d));
                }
                Some(_) => {}
                None => entered = Some((b, *d)),
            }
        }
    }

    fn of(cases: &'a [CaseFacts], frame: &Frame<'_>) -> Tally<'a> {
        let mut t = Tally::default();
        for c in cases {
            t.add(c, frame);
        }
        t
    }

    fn merge(&mut self, other: Tally<'a>) {
        self.received += other.received;
        self.expelled_or_resigned += other.expelled_or_resigned;
        self.open += other.open;
        self.overdue += other.overdue;
        add_each(&mut self.now_in, other.now_in);
        add_each(&mut self.reached, other.reached);
        add_counts(&mut self.by_sanction, other.by_sanction);
        add_counts(&mut self.by_category, other.by_category);
        add_counts(&mut self.by_clause, other.by_clause);
        add_counts(&mut self.resigned_by_stage, other.resigned_by_stage);
        add_counts(&mut self.overdue_by_stage, other.overdue_by_stage);
        add_each(&mut self.open_ageing, other.open_ageing);
        add_each(&mut self.measure_ageing, other.measure_ageing);
        add_each(&mut self.outcome_times, other.outcome_times);
        for (a, b) in self.stage_days.iter_mut().zip(other.stage_days) {
            a.extend(b);
        }
        self.to_outcome.extend(other.to_outcome);
        self.measure_ages.extend(other.measure_ages);
    }

    fn figures(self, from: Date, to: Date) -> Figures {
        Figures {
            from,
            to,
            received: self.received,
            funnel: Bucket::ALL
                .iter()
                .map(|b| FunnelRow {
                    bucket: *b,
                    now: self.now_in[*b as usize],
                    reached: self.reached[*b as usize],
                })
                .collect(),
            by_sanction: owned(self.by_sanction),
            by_category: owned(self.by_category),
            by_clause: owned(self.by_clause),
            resigned_by_stage: owned(self.resigned_by_stage),
            expelled_or_resigned: self.expelled_or_resigned,
            open: self.open,
            overdue: self.overdue,
            overdue_by_stage: owned(self.overdue_by_stage),
            open_ageing: bands::by_age(&self.open_ageing),
            measures_active: self.measure_ages.len() as u64,
            measure_age: Spread::of(self.measure_ages),
            measure_ageing: bands::by_age(&self.measure_ageing),
            time_in_stage: Bucket::ALL
                .iter()
                .zip(self.stage_days)
                .filter_map(|(b, xs)| Spread::of(xs).map(|s| (b.as_str().to_string(), s)))
                .collect(),
            time_to_outcome: Spread::of(self.to_outcome),
            outcome_times: bands::by_outcome(&self.outcome_times),
        }
    }
}

/// Cases below this many are counted on one thread: starting threads would cost more.
const PARALLEL_FROM: usize = 50_000;

impl Figures {
    /// The figures for complaints received in `from..=to`, from `cases` (each case's whole
    /// facts, cut here at `to` as `CaseFacts::as_at` would). Sanctions that end membership
    /// (the rule book says which) count with resignations in the headline.
    ///
    /// A large organisation's cases are counted in parts, one per core, and the parts
    /// added up: every figure is a sum, or a spread over values gathered from every part.
    pub fn compute(
        cases: &[CaseFacts],
        from: Date,
        to: Date,
        calendar: &Calendar,
        rules: &RuleBook,
    ) -> Figures {
        let frame = Frame {
            from,
            to,
            calendar,
            rules,
            ending: rules
                .sanctions
                .iter()
                .filter(|s| s.ends_membership)
                .map(|s| s.code.as_str())
                .collect(),
        };
        let count = |part| Tally::of(part, &frame);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if cases.len() < PARALLEL_FROM || threads < 2 {
            return count(cases).figures(from, to);
        }
        let parts: Vec<Tally<'_>> = std::thread::scope(|scope| {
            let handles: Vec<_> = cases
                .chunks(cases.len().div_ceil(threads))
                .map(|part| scope.spawn(|| count(part)))
                .collect();
            handles
                .into_iter()
                // A part's thread only counts; should one panic, count its part here.
                .zip(cases.chunks(cases.len().div_ceil(threads)))
                .map(|(h, part)| h.join().unwrap_or_else(|_| count(part)))
                .collect()
        });
        let mut all = Tally::default();
        for part in parts {
            all.merge(part);
        }
        all.figures(from, to)
    }

    pub fn row(&self, b: Bucket) -> &FunnelRow {
        // Every bucket has a row: `compute` makes one for each of `Bucket::ALL`.
        &self.funnel[Bucket::ALL.iter().position(|x| *x == b).unwrap_or(0)]
    }
}
