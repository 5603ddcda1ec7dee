//! Statistics for a period, computed from case facts alone: a funnel in which every
//! complaint received is in exactly one current bucket, outcomes by sanction, category and
//! clause, resignations under investigation counted apart, interim measures and their ages,
//! and the time each stage took. Pure: the server gathers the facts (from read models, or
//! by folding the raw events) and publishes what this computes, with small numbers
//! protected by [`suppression`].

pub mod suppression;

use crate::calendar::Calendar;
use crate::case::{Case, day_of};
use crate::ids::CaseId;
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What statistics need of one case: no names and no content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub id: CaseId,
    pub category: String,
    pub received_on: Date,
    /// Every stage the case entered, in order, with the day it entered it (the first is
    /// `Received` on `received_on`).
    pub path: Vec<(Stage, Date)>,
    /// The final sanction's menu code, once the case is final.
    pub sanction: Option<String>,
    /// The clauses charged, once charged, each once.
    pub clauses: Vec<String>,
    /// Interim measures: the day imposed, and the day lifted if they were.
    pub measures: Vec<(Date, Option<Date>)>,
}

impl CaseFacts {
    pub fn of(case: &Case) -> CaseFacts {
        let mut clauses: Vec<String> = case.charges.iter().map(|c| c.clause.to_string()).collect();
        clauses.sort();
        clauses.dedup();
        let received_on = day_of(case.received_at);
        let mut path = vec![(Stage::Received, received_on)];
        path.extend(
            case.history
                .iter()
                .filter(|h| h.stage != Stage::Received)
                .map(|h| (h.stage, day_of(h.at))),
        );
        CaseFacts {
            id: case.id.clone(),
            category: case.category.clone(),
            received_on,
            path,
            sanction: case.final_sanction.as_ref().map(|s| s.code.clone()),
            clauses,
            measures: case
                .measures
                .iter()
                .map(|m| {
                    (
                        day_of(m.imposed_at),
                        m.lifted.as_ref().map(|(at, _)| day_of(*at)),
                    )
                })
                .collect(),
        }
    }

    /// The case as it stood at the end of `day`: the stages entered by then. None if it had
    /// not been received.
    pub fn as_at(&self, day: Date) -> Option<CaseFacts> {
        if self.received_on > day {
            return None;
        }
        let path: Vec<(Stage, Date)> = self
            .path
            .iter()
            .filter(|(_, d)| *d <= day)
            .cloned()
            .collect();
        let reached_final = path.iter().any(|(s, _)| Bucket::of(*s) == Bucket::Final);
        let charged = path.iter().any(|(s, _)| Bucket::of(*s) == Bucket::Charged);
        Some(CaseFacts {
            id: self.id.clone(),
            category: self.category.clone(),
            received_on: self.received_on,
            path,
            sanction: self.sanction.clone().filter(|_| reached_final),
            clauses: if charged {
                self.clauses.clone()
            } else {
                Vec::new()
            },
            measures: self
                .measures
                .iter()
                .filter(|(imposed, _)| *imposed <= day)
                .map(|(imposed, lifted)| (*imposed, lifted.filter(|l| *l <= day)))
                .collect(),
        })
    }

    pub fn stage(&self) -> Stage {
        self.path.last().map(|(s, _)| *s).unwrap_or(Stage::Received)
    }

    pub fn reached(&self, bucket: Bucket) -> bool {
        self.path.iter().any(|(s, _)| Bucket::of(*s) == bucket)
    }

    pub fn is_open(&self) -> bool {
        self.stage().is_open()
    }
}

/// Where a complaint stands, coarser than its stage: the funnel's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// Received, acknowledged or assessed: not yet routed.
    Intake,
    Dismissed,
    /// Closed by staff without a finding: withdrawn by the complainant, or merged into
    /// another case.
    WithdrawnOrMerged,
    Informal,
    Investigation,
    NoFurtherAction,
    /// The respondent resigned while the case was open: counted apart from outcomes.
    RespondentResigned,
    Charged,
    Decided,
    Appealed,
    Final,
}

impl Bucket {
    pub const ALL: [Bucket; 11] = [
        Bucket::Intake,
        Bucket::Dismissed,
        Bucket::WithdrawnOrMerged,
        Bucket::Informal,
        Bucket::Investigation,
        Bucket::NoFurtherAction,
        Bucket::RespondentResigned,
        Bucket::Charged,
        Bucket::Decided,
        Bucket::Appealed,
        Bucket::Final,
    ];

    /// The steps a complaint passes on the way to a final decision, in order: a case that
    /// reached one reached every one before it.
    pub const MAIN_PATH: [Bucket; 4] = [
        Bucket::Investigation,
        Bucket::Charged,
        Bucket::Decided,
        Bucket::Final,
    ];

    pub fn of(stage: Stage) -> Bucket {
        use Stage::*;
        match stage {
            Received | Acknowledged | Assessed => Bucket::Intake,
            Dismissed => Bucket::Dismissed,
            Withdrawn | Merged => Bucket::WithdrawnOrMerged,
            InformalResolution | Resolved => Bucket::Informal,
            Investigation | DraftReport | AccuracyCheck => Bucket::Investigation,
            NoFurtherAction => Bucket::NoFurtherAction,
            RespondentResigned => Bucket::RespondentResigned,
            Charged | Hearing => Bucket::Charged,
            Decided | IndependentReview | AppealWindow => Bucket::Decided,
            Appeal => Bucket::Appealed,
            Final | SanctionLive | SanctionExpired => Bucket::Final,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Intake => "intake",
            Bucket::Dismissed => "dismissed",
            Bucket::WithdrawnOrMerged => "withdrawn_or_merged",
            Bucket::Informal => "informal",
            Bucket::Investigation => "investigation",
            Bucket::NoFurtherAction => "no_further_action",
            Bucket::RespondentResigned => "respondent_resigned",
            Bucket::Charged => "charged",
            Bucket::Decided => "decided",
            Bucket::Appealed => "appealed",
            Bucket::Final => "final",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bucket::Intake => "Awaiting assessment",
            Bucket::Dismissed => "Dismissed",
            Bucket::WithdrawnOrMerged => "Withdrawn or merged",
            Bucket::Informal => "Informal resolution",
            Bucket::Investigation => "Under investigation",
            Bucket::NoFurtherAction => "No further action",
            Bucket::RespondentResigned => "Respondent resigned",
            Bucket::Charged => "Charged",
            Bucket::Decided => "Decided",
            Bucket::Appealed => "Appealed",
            Bucket::Final => "Final",
        }
    }
}

/// One row of the funnel: how many complaints are in the bucket now, and how many ever
/// reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunnelRow {
    pub bucket: Bucket,
    pub now: u64,
    pub reached: u64,
}

/// Median and 90th percentile, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub count: u64,
    pub median: i64,
    pub p90: i64,
}

impl Spread {
    /// Nearest-rank percentiles of `xs`; None if it is empty.
    pub fn of(mut xs: Vec<i64>) -> Option<Spread> {
        if xs.is_empty() {
            return None;
        }
        xs.sort_unstable();
        let rank = |p: usize| xs[((xs.len() * p).div_ceil(100)).clamp(1, xs.len()) - 1];
        Some(Spread {
            count: xs.len() as u64,
            median: rank(50),
            p90: rank(90),
        })
    }
}

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
    /// Interim measures in force at the end of the period, and their ages in working days.
    pub measures_active: u64,
    pub measure_age: Option<Spread>,
    /// Working days spent in each bucket by the cases that left it in the period's history.
    pub time_in_stage: BTreeMap<String, Spread>,
    /// Working days from receipt to the case closing, for cases that closed.
    pub time_to_outcome: Option<Spread>,
}

impl Figures {
    /// The figures for complaints received in `from..=to`, from `cases` (each case's whole
    /// facts; they are cut at `to` here). Sanctions that end membership (the rule book says
    /// which) count with resignations in the headline.
    pub fn compute(
        cases: &[CaseFacts],
        from: Date,
        to: Date,
        calendar: &Calendar,
        rules: &RuleBook,
    ) -> Figures {
        let ending: Vec<&str> = rules
            .sanctions
            .iter()
            .filter(|s| s.ends_membership)
            .map(|s| s.code.as_str())
            .collect();
        let cut: Vec<CaseFacts> = cases
            .iter()
            .filter(|c| c.received_on >= from)
            .filter_map(|c| c.as_at(to))
            .collect();
        let mut funnel: Vec<FunnelRow> = Bucket::ALL
            .iter()
            .map(|b| FunnelRow {
                bucket: *b,
                now: 0,
                reached: 0,
            })
            .collect();
        let mut f = Figures {
            from,
            to,
            received: cut.len() as u64,
            funnel: Vec::new(),
            by_sanction: BTreeMap::new(),
            by_category: BTreeMap::new(),
            by_clause: BTreeMap::new(),
            resigned_by_stage: BTreeMap::new(),
            expelled_or_resigned: 0,
            open: 0,
            measures_active: 0,
            measure_age: None,
            time_in_stage: BTreeMap::new(),
            time_to_outcome: None,
        };
        let mut stage_days: BTreeMap<Bucket, Vec<i64>> = BTreeMap::new();
        let mut to_outcome = Vec::new();
        let mut measure_ages = Vec::new();
        for c in &cut {
            let now = Bucket::of(c.stage());
            for row in funnel.iter_mut() {
                if row.bucket == now {
                    row.now += 1;
                }
                if c.reached(row.bucket) {
                    row.reached += 1;
                }
            }
            *f.by_category.entry(c.category.clone()).or_default() += 1;
            for clause in &c.clauses {
                *f.by_clause.entry(clause.clone()).or_default() += 1;
            }
            if now == Bucket::Final {
                let code = c.sanction.clone().unwrap_or_else(|| "none".into());
                if ending.contains(&code.as_str()) {
                    f.expelled_or_resigned += 1;
                }
                *f.by_sanction.entry(code).or_default() += 1;
            }
            if now == Bucket::RespondentResigned {
                f.expelled_or_resigned += 1;
                let before = c
                    .path
                    .iter()
                    .rev()
                    .map(|(s, _)| Bucket::of(*s))
                    .find(|b| *b != Bucket::RespondentResigned)
                    .unwrap_or(Bucket::Intake);
                *f.resigned_by_stage
                    .entry(before.as_str().into())
                    .or_default() += 1;
            }
            if c.is_open() {
                f.open += 1;
            } else if let Some((_, closed)) = c.path.last() {
                to_outcome.push(calendar.working_days_between(c.received_on, *closed));
            }
            for (imposed, lifted) in &c.measures {
                if lifted.is_none() {
                    f.measures_active += 1;
                    measure_ages.push(calendar.working_days_between(*imposed, to));
                }
            }
            // A bucket's time runs from entering it to entering the next bucket.
            let mut entered: Option<(Bucket, Date)> = None;
            for (s, d) in &c.path {
                let b = Bucket::of(*s);
                match entered {
                    Some((prev, since)) if prev != b => {
                        stage_days
                            .entry(prev)
                            .or_default()
                            .push(calendar.working_days_between(since, *d));
                        entered = Some((b, *d));
                    }
                    Some(_) => {}
                    None => entered = Some((b, *d)),
                }
            }
        }
        f.funnel = funnel;
        f.time_to_outcome = Spread::of(to_outcome);
        f.measure_age = Spread::of(measure_ages);
        f.time_in_stage = stage_days
            .into_iter()
            .filter_map(|(b, xs)| Spread::of(xs).map(|s| (b.as_str().to_string(), s)))
            .collect();
        f
    }

    pub fn row(&self, b: Bucket) -> &FunnelRow {
        // Every bucket has a row: `compute` makes one for each of `Bucket::ALL`.
        &self.funnel[Bucket::ALL.iter().position(|x| *x == b).unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests;
