//! The transparency report for a period: the statistics engine's figures
//! (`docket_domain::statistics`) over every case as the raw log makes it, protected for small
//! numbers, with the membership figure the open share is of and the signed checkpoint that
//! covers the period, so anyone can later check that no event in it was changed.

use crate::service::{Docket, ServiceError};
use docket_domain::statistics::suppression::{Shown, Table, protect};
use docket_domain::statistics::{Bucket, CaseFacts, Figures, Spread};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;

const FUNNEL: &str = "funnel: where complaints are now";
const OUTCOMES: &str = "final outcomes by sanction";

/// Counts below this are published as "fewer than" it.
pub const THRESHOLD: u64 = 5;

/// A reporting period: a quarter ("2026Q3"), a year ("2026"), or two dates
/// ("2024-01-01..2026-12-31"), inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    pub label: String,
    pub from: Date,
    pub to: Date,
}

impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Period, String> {
        let s = s.trim();
        let bad = || {
            format!(
                "'{s}' is not a period: give a quarter like 2026Q3, a year like 2026, or dates like 2024-01-01..2026-12-31"
            )
        };
        if let Some((a, b)) = s.split_once("..") {
            let from: Date = a.parse().map_err(|_| bad())?;
            let to: Date = b.parse().map_err(|_| bad())?;
            if to < from {
                return Err(format!("the period {s} ends before it starts"));
            }
            return Ok(Period {
                label: s.to_string(),
                from,
                to,
            });
        }
        let (year, quarter) = match s.split_once(['Q', 'q']) {
            Some((y, q)) => (y, Some(q.parse::<i8>().map_err(|_| bad())?)),
            None => (s, None),
        };
        let year: i16 = year.parse().map_err(|_| bad())?;
        let (first, months) = match quarter {
            Some(q @ 1..=4) => ((q - 1) * 3 + 1, 3),
            Some(_) => return Err(bad()),
            None => (1, 12),
        };
        let from = Date::new(year, first, 1).map_err(|_| bad())?;
        let to = from
            .checked_add(months.months())
            .and_then(|d| d.checked_sub(1.day()))
            .map_err(|_| bad())?;
        Ok(Period {
            label: s.to_uppercase(),
            from,
            to,
        })
    }
}

impl Period {
    /// Every complaint received up to `today`.
    pub fn to_date(today: Date) -> Period {
        Period {
            label: "to date".into(),
            from: Date::new(1900, 1, 1).unwrap_or(Date::MIN),
            to: today,
        }
    }
}

/// Reports made recently, by period, so a public page viewed often does not read the whole
/// log each time. A report is at most `Cache::FRESH` old.
#[derive(Debug, Default)]
pub struct Cache {
    made: std::sync::Mutex<
        std::collections::HashMap<Period, (std::time::Instant, std::sync::Arc<Report>)>,
    >,
}

impl Cache {
    pub const FRESH: std::time::Duration = std::time::Duration::from_secs(300);

    fn get(&self, p: &Period) -> Option<std::sync::Arc<Report>> {
        let made = self.made.lock().ok()?;
        made.get(p)
            .filter(|(at, _)| at.elapsed() < Cache::FRESH)
            .map(|(_, r)| r.clone())
    }

    fn put(&self, p: Period, r: std::sync::Arc<Report>) {
        if let Ok(mut made) = self.made.lock() {
            made.retain(|_, (at, _)| at.elapsed() < Cache::FRESH);
            if made.len() < 32 {
                made.insert(p, (std::time::Instant::now(), r));
            }
        }
    }
}

/// What a comparison needs of a release published before: its period and its tables, as
/// its JSON gives them.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Previous {
    pub period: PreviousPeriod,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct PreviousPeriod {
    pub from: Date,
    pub to: Date,
}

/// Compares tables for `period` with a previous release. Where the previous release's
/// period starts on the same day and ends earlier, each of its tables is contained in this
/// one's, so a cell that grew by a small number would reveal the complaints added in
/// between: such cells are withheld (see `suppression::against_previous`). Returns the notes.
pub fn against_previous(period: &Period, tables: &mut [Table], previous: &Previous) -> Vec<String> {
    let nested = previous.period.from == period.from && previous.period.to < period.to;
    if !nested {
        return Vec::new();
    }
    let as_cumulative = |t: &Table| Table {
        cumulative: true,
        ..t.clone()
    };
    let before: Vec<Table> = previous.tables.iter().map(as_cumulative).collect();
    let mut now: Vec<Table> = tables.iter().map(as_cumulative).collect();
    let notes =
        docket_domain::statistics::suppression::against_previous(&mut now, &before, THRESHOLD);
    for (t, n) in tables.iter_mut().zip(now) {
        t.cells = n.cells;
    }
    notes
}

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

const METHODOLOGY: [&str; 6] = [
    "Every figure is computed from each case's history as the event log records it, cut at the end of the period; `docket report --verify-from-log` recomputes them from the raw events and fails if any differs.",
    "A complaint counts in the period if it was received in it; it is placed in exactly one bucket of the funnel by the stage it had reached at the end of the period, so the buckets add up to the complaints received.",
    "\"Reached\" counts every complaint that ever entered a bucket; along investigation, charge, decision and final outcome each is reached by no more than the one before it.",
    "Resignations while a case was open are counted apart from outcomes; \"expelled or resigned\" adds them to sanctions that end membership.",
    "Times are in working days (weekends and the organisation's bank holidays excluded), as median and 90th percentile (nearest rank), and leave out stopped clocks' pauses.",
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

impl Docket {
    /// The figures for `period` from the raw log (every case folded from its events, not the
    /// read models), and how many events they came from.
    pub async fn figures_from_log(
        &self,
        period: &Period,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Figures, u64), ServiceError> {
        let folded = self.fold_log(progress).await?;
        let facts: Vec<CaseFacts> = folded.cases.values().map(CaseFacts::of).collect();
        let figures = Figures::compute(&facts, period.from, period.to, &self.calendar, &self.rules);
        Ok((figures, folded.events))
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
    /// Ok with the number of events read if they agree, else the figures that differ.
    pub async fn verify_figures(
        &self,
        period: &Period,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Result<u64, Vec<String>>, ServiceError> {
        let from_models = self.figures(period).await?;
        let (from_log, events) = self.figures_from_log(period, progress).await?;
        if from_models == from_log {
            return Ok(Ok(events));
        }
        let a = serde_json::to_value(&from_models).unwrap_or_default();
        let b = serde_json::to_value(&from_log).unwrap_or_default();
        let differ = match (a, b) {
            (serde_json::Value::Object(a), serde_json::Value::Object(b)) => a
                .iter()
                .filter(|(k, v)| b.get(*k) != Some(*v))
                .map(|(k, v)| format!("{k}: read models say {v}, the log says {}", b[k]))
                .collect(),
            _ => vec!["the figures differ".to_string()],
        };
        Ok(Err(differ))
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
        let map = |m: &std::collections::BTreeMap<String, u64>| {
            m.iter().map(|(k, v)| (k.clone(), *v)).collect::<Vec<_>>()
        };
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

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    r: &'a Report,
    funnel_svg: String,
    outcomes_svg: String,
    times_svg: String,
}

impl Report {
    /// The funnel, outcomes and times charts, as SVG.
    pub fn charts(&self) -> (String, String, String) {
        let rows = |name: &str| -> Vec<(String, Shown)> {
            self.tables
                .iter()
                .find(|t| t.name == name)
                .map(|t| t.cells.iter().map(|c| (c.label.clone(), c.shown)).collect())
                .unwrap_or_default()
        };
        let times: Vec<(String, Shown)> = self
            .times
            .iter()
            .map(|t| {
                let shown = t
                    .median_working_days
                    .map_or(Shown::Withheld, |m| Shown::Count {
                        count: m.max(0) as u64,
                    });
                (t.name.clone(), shown)
            })
            .collect();
        (
            crate::chart::bars(
                "chart-funnel",
                "Complaints by where they are now",
                &rows(FUNNEL),
            ),
            crate::chart::bars(
                "chart-outcomes",
                "Final outcomes by sanction",
                &rows(OUTCOMES),
            ),
            crate::chart::bars("chart-times", "Median working days, by measure", &times),
        )
    }

    /// Withholds what this report and `previous` together would reveal, and says so.
    pub fn compare_with(&mut self, previous: &Previous) {
        let notes = against_previous(&self.period, &mut self.tables, previous);
        self.notes.extend(notes);
    }

    /// The report as one self-contained HTML page, with its charts inline as SVG.
    pub fn html(&self) -> Result<String, askama::Error> {
        use askama::Template;
        let (funnel_svg, outcomes_svg, times_svg) = self.charts();
        ReportPage {
            r: self,
            funnel_svg,
            outcomes_svg,
            times_svg,
        }
        .render()
    }

    /// Every table as CSV rows: table, cell, shown value.
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["table", "cell", "value"]);
        for (name, value) in [
            ("headline", ("received", self.received)),
            (
                "headline",
                ("expelled or resigned", self.expelled_or_resigned),
            ),
            ("headline", ("open", self.open)),
            (
                "headline",
                ("interim measures in force", self.measures_active),
            ),
        ] {
            let _ = w.write_record([name, value.0, &value.1.text()]);
        }
        for t in &self.tables {
            for c in &t.cells {
                let _ = w.write_record([t.name.as_str(), c.label.as_str(), &c.shown.text()]);
            }
            if let Some(total) = t.total {
                let _ = w.write_record([t.name.as_str(), "total", &total.text()]);
            }
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn table(cells: &[(&str, u64)]) -> Table {
        let cells: Vec<(String, u64)> = cells.iter().map(|(l, n)| (l.to_string(), *n)).collect();
        protect("complaints by category", &cells, None, false, THRESHOLD).0
    }

    #[test]
    fn a_release_nested_in_the_next_cannot_give_a_small_change_away() {
        let previous = Previous {
            period: PreviousPeriod {
                from: date(2026, 1, 1),
                to: date(2026, 6, 30),
            },
            tables: vec![table(&[("bullying", 40), ("racism", 12)])],
        };
        let year: Period = "2026".parse().expect("year");
        let mut tables = vec![table(&[("bullying", 52), ("racism", 14)])];
        let notes = against_previous(&year, &mut tables, &previous);
        assert_eq!(tables[0].cells[0].shown, Shown::Count { count: 52 });
        assert_eq!(tables[0].cells[1].shown, Shown::Withheld);
        assert_eq!(notes.len(), 1, "{notes:?}");
        // A release for another stretch of time shares no complaints with it: nothing to hide.
        let q3: Period = "2026Q3".parse().expect("quarter");
        let mut tables = vec![table(&[("bullying", 52), ("racism", 14)])];
        assert!(against_previous(&q3, &mut tables, &previous).is_empty());
        assert_eq!(tables[0].cells[1].shown, Shown::Count { count: 14 });
    }

    #[test]
    fn periods_are_quarters_years_or_ranges() {
        let q: Period = "2026Q3".parse().expect("quarter");
        assert_eq!((q.from, q.to), (date(2026, 7, 1), date(2026, 9, 30)));
        let y: Period = "2025".parse().expect("year");
        assert_eq!((y.from, y.to), (date(2025, 1, 1), date(2025, 12, 31)));
        let r: Period = "2024-01-01..2026-12-31".parse().expect("range");
        assert_eq!((r.from, r.to), (date(2024, 1, 1), date(2026, 12, 31)));
        for bad in ["2026Q5", "last year", "2026-02-01..2026-01-01"] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
    }
}
