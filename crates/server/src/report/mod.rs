//! The transparency report for a period: the statistics engine's figures
//! (`docket_domain::statistics`) over every case as the raw log makes it, protected for small
//! numbers, with the membership figure the open share is of and the signed checkpoint that
//! covers the period, so anyone can later check that no event in it was changed.

mod period;
mod previous;
mod render;

pub use period::{Cache, Period};
pub use previous::{Previous, PreviousPeriod, against_previous};
pub use render::Charts;

use crate::service::{Docket, ServiceError};
use docket_domain::statistics::bands::BandCount;
use docket_domain::statistics::suppression::{Shown, Table, protect};
use docket_domain::statistics::{Bucket, Figures, Spread};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use std::collections::BTreeMap;

const FUNNEL: &str = "funnel: where complaints are now";
const OUTCOMES: &str = "final outcomes by sanction";
const OUTCOME_TIMES: &str = "closed complaints by working days to outcome";
const AGEING: &str = "open complaints by time since received";

/// Counts below this are published as "fewer than" it.
pub const THRESHOLD: u64 = 5;

/// The membership the open share is of, and when it was counted.
#[derive(Debug, Clone, Serialize)]
pub struct Membership {
    pub members: u64,
    pub counted_on: Date,
}

/// A time figure as published: withheld when fewer than the threshold cases make it.
#[derive(Debug, Clone, Serialize)]
pub struct TimeFigure {
    pub name: String,
    pub cases: Shown,
    pub median_working_days: Option<i64>,
    pub p90_working_days: Option<i64>,
}

/// The signed checkpoint that covers the period: the first whose tree holds every event
/// dated within it.
#[derive(Debug, Clone, Serialize)]
pub struct CoveringCheckpoint {
    pub tree_size: u64,
    pub note: String,
}

/// The report as published. Its JSON form is described by `docs/report.schema.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub organisation: String,
    pub period: Period,
    pub generated_at: Timestamp,
    pub threshold: u64,
    pub received: Shown,
    /// Complaints that ended in expulsion (or another sanction ending membership) or the
    /// respondent's resignation.
    pub expelled_or_resigned: Shown,
    pub open: Shown,
    /// Open complaints past their stage's due date at the end of the period.
    pub overdue: Shown,
    pub membership: Membership,
    /// "0.018% of 500,000 members".
    pub open_share: String,
    pub measures_active: Shown,
    pub tables: Vec<Table>,
    pub times: Vec<TimeFigure>,
    pub notes: Vec<String>,
    pub methodology: Vec<&'static str>,
    pub checkpoint: Option<CoveringCheckpoint>,
    /// How many events the figures were computed from.
    pub events: u64,
}

const METHODOLOGY: [&str; 8] = [
    "Every figure is computed from each case's history as the event log records it, cut at the end of the period; `docket report --verify-from-log` recomputes them from the raw events and fails if any differs.",
    "A complaint counts in the period if it was received in it; it is placed in exactly one bucket of the funnel by the stage it had reached at the end of the period, so the buckets add up to the complaints received.",
    "\"Reached\" counts every complaint that ever entered a bucket; along investigation, charge, decision and final outcome each is reached by no more than the one before it.",
    "Resignations while a case was open are counted apart from outcomes; \"expelled or resigned\" adds them to sanctions that end membership.",
    "Times are in working days (weekends and the organisation's bank holidays excluded), as median and 90th percentile (nearest rank), and leave out stopped clocks' pauses.",
    "A complaint is overdue if, at the end of the period, its stage had a time limit that had passed, counted as the stage clock counts it: in working days from entering the stage (from the hearing itself for a decision), leaving out pauses, with no due date while the clock was stopped; the appeal window is due on its last day.",
    "Ages are whole calendar months from receipt (for open complaints) or from imposition (for interim measures) to the end of the period; time to outcome is in working days, in fixed bands so that successive reports compare band by band.",
    "Counts from 1 up to the threshold are published as \"fewer than\" it; where a table's total is published and would reveal one such count, another cell is withheld with it.",
];

fn shown(n: u64) -> Shown {
    docket_domain::statistics::suppression::shown(n, THRESHOLD)
}

fn time(name: &str, s: Option<Spread>) -> TimeFigure {
    let enough = s.filter(|s| s.count >= THRESHOLD);
    TimeFigure {
        name: name.to_string(),
        cases: shown(s.map_or(0, |s| s.count)),
        median_working_days: enough.map(|s| s.median),
        p90_working_days: enough.map(|s| s.p90),
    }
}

/// Counts keyed by bucket (`Bucket::as_str`), in the funnel's order and under its labels,
/// every bucket shown so that a zero is published as a zero.
fn by_bucket(counts: &BTreeMap<String, u64>) -> Vec<(String, u64)> {
    Bucket::ALL
        .iter()
        .filter(|b| b.is_open())
        .map(|b| {
            let n = counts.get(b.as_str()).copied().unwrap_or(0);
            (b.label().to_string(), n)
        })
        .collect()
}

/// Each figure that differs between the read models' and the log's, named, with both
/// values.
pub fn differences(from_models: &Figures, from_log: &Figures) -> Vec<String> {
    if from_models == from_log {
        return Vec::new();
    }
    let a = serde_json::to_value(from_models).unwrap_or_default();
    let b = serde_json::to_value(from_log).unwrap_or_default();
    match (a, b) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, v)| format!("{k}: read models say {v}, the log says {}", b[k]))
            .collect(),
        _ => vec!["the figures differ".to_string()],
    }
}

impl Docket {
    /// The figures for `period` from the raw log (every case folded from its events, not the
    /// read models), and how many events they came from.
    pub async fn figures_from_log(
        &self,
        period: &Period,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Figures, u64), ServiceError> {
        let (facts, events, _) = self
            .facts_from_log(progress, crate::fold::RESIDENT_CASES)
            .await?;
        let figures = Figures::compute(&facts, period.from, period.to, &self.calendar, &self.rules);
        Ok((figures, events))
    }

    /// The figures for `period` from the read models (each case's facts row).
    pub async fn figures(&self, period: &Period) -> Result<Figures, ServiceError> {
        let facts = self.store.case_facts().await?;
        Ok(Figures::compute(
            &facts,
            period.from,
            period.to,
            &self.calendar,
            &self.rules,
        ))
    }

    /// Recomputes the figures from the raw events and compares them with the read models':
    /// Ok with the number of case events read if they agree, else the figures that differ.
    pub async fn verify_figures(
        &self,
        period: &Period,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Result<u64, Vec<String>>, ServiceError> {
        let from_models = self.figures(period).await?;
        let (from_log, events) = self.figures_from_log(period, progress).await?;
        let differ = differences(&from_models, &from_log);
        Ok(if differ.is_empty() {
            Ok(events)
        } else {
            Err(differ)
        })
    }

    /// The highest sequence number of an event dated before `end`, found by bisection over
    /// the log (events are recorded in time order, so a few point reads find it).
    async fn last_seq_before(&self, end: Timestamp) -> Result<u64, ServiceError> {
        let (mut lo, mut hi) = (0u64, self.store.head().await?);
        while lo < hi {
            let mid = lo + (hi - lo).div_ceil(2);
            let at = self
                .store
                .events_after(mid - 1, 1)
                .await?
                .first()
                .map(|e| e.at);
            match at {
                Some(at) if at < end => lo = mid,
                _ => hi = mid - 1,
            }
        }
        Ok(lo)
    }

    /// The report for `period`, made at most `Cache::FRESH` ago: what the public statistics
    /// page and officeholders' home show.
    pub async fn published_report(
        &self,
        period: &Period,
    ) -> Result<std::sync::Arc<Report>, ServiceError> {
        if let Some(r) = self.report_cache.get(period) {
            return Ok(r);
        }
        let r = std::sync::Arc::new(self.report(period).await?);
        self.report_cache.put(period.clone(), r.clone());
        Ok(r)
    }

    /// The transparency report for `period`, from the read models.
    pub async fn report(&self, period: &Period) -> Result<Report, ServiceError> {
        let f = self.figures(period).await?;
        let events = self.store.head().await?;
        let end = period
            .to
            .checked_add(1.day())
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
            .map(|z| z.timestamp())
            .map_err(|e| ServiceError::Corrupt(format!("the period's end: {e}")))?;
        let marked = self.last_seq_before(end).await?;
        let members = self.store.member_count().await?;
        let mut notes = Vec::new();
        let mut tables = Vec::new();
        let mut add = |name: &str, cells: Vec<(String, u64)>, total: Option<u64>| {
            let (t, n) = protect(name, &cells, total, false, THRESHOLD);
            notes.extend(n);
            tables.push(t);
        };
        add(
            FUNNEL,
            f.funnel
                .iter()
                .map(|r| (r.bucket.label().to_string(), r.now))
                .collect(),
            Some(f.received),
        );
        add(
            "funnel: complaints that reached each step",
            Bucket::ALL
                .iter()
                .map(|b| (b.label().to_string(), f.row(*b).reached))
                .collect(),
            None,
        );
        let map = |m: &BTreeMap<String, u64>| m.iter().map(|(k, v)| (k.clone(), *v)).collect();
        let bands = |b: &[BandCount]| b.iter().map(|b| (b.label.clone(), b.count)).collect();
        add(
            OUTCOMES,
            map(&f.by_sanction),
            Some(f.row(Bucket::Final).now),
        );
        add(
            "complaints by category",
            map(&f.by_category),
            Some(f.received),
        );
        add("charged cases by rule clause", map(&f.by_clause), None);
        add(
            "resignations under investigation, by step",
            map(&f.resigned_by_stage),
            Some(f.row(Bucket::RespondentResigned).now),
        );
        add(
            "open complaints past their stage's due date, by step",
            by_bucket(&f.overdue_by_stage),
            Some(f.overdue),
        );
        add(AGEING, bands(&f.open_ageing), Some(f.open));
        add(
            "interim measures in force by time since imposed",
            bands(&f.measure_ageing),
            Some(f.measures_active),
        );
        add(
            OUTCOME_TIMES,
            bands(&f.outcome_times),
            Some(f.received - f.open),
        );
        let mut times = vec![
            time("received to outcome", f.time_to_outcome),
            time("interim measures in force: age", f.measure_age),
        ];
        times.extend(
            f.time_in_stage
                .iter()
                .map(|(b, s)| time(&format!("time in {}", b.replace('_', " ")), Some(*s))),
        );
        let checkpoint = self
            .store
            .checkpoints_after(marked.saturating_sub(1), 1)
            .await?
            .into_iter()
            .next()
            .map(|c| CoveringCheckpoint {
                tree_size: c.size,
                note: c.note,
            });
        if checkpoint.is_none() {
            notes.push(
                "No signed checkpoint covers the period yet: a running server signs one shortly after each change.".into(),
            );
        }
        Ok(Report {
            schema: "https://docket.example/schemas/report/1",
            organisation: self.rules.organisation.clone(),
            period: period.clone(),
            generated_at: Timestamp::now(),
            threshold: THRESHOLD,
            received: shown(f.received),
            expelled_or_resigned: shown(f.expelled_or_resigned),
            open: shown(f.open),
            overdue: shown(f.overdue),
            membership: Membership {
                members,
                counted_on: docket_domain::case::day_of(Timestamp::now()),
            },
            open_share: crate::figures::share_of_membership(f.open, members),
            measures_active: shown(f.measures_active),
            tables,
            times,
            notes,
            methodology: METHODOLOGY.to_vec(),
            checkpoint,
            events,
        })
    }
}
