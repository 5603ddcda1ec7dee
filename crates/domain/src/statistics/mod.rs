//! Statistics for a period, computed from case facts alone: a funnel in which every
//! complaint received is in exactly one current bucket, outcomes by sanction, category and
//! clause, resignations under investigation counted apart, interim measures and their ages,
//! and the time each stage took. Pure: the server gathers the facts (from read models, or
//! by folding the raw events) and publishes what this computes, with small numbers
//! protected by [`suppression`].

pub mod bands;
mod days;
mod figures;
pub mod suppression;

pub use figures::Figures;

use crate::calendar::Calendar;
use crate::case::{Case, day_of};
use crate::ids::CaseId;
use crate::rulebook::RuleBook;
use crate::stage::Stage;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What statistics need of one case: no names and no content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub id: CaseId,
    pub category: String,
    #[serde(deserialize_with = "days::one")]
    pub received_on: Date,
    /// Every stage the case entered, in order, with the day it entered it (the first is
    /// `Received` on `received_on`).
    #[serde(deserialize_with = "days::path")]
    pub path: Vec<(Stage, Date)>,
    /// The final sanction's menu code, once the case is final.
    pub sanction: Option<String>,
    /// The clauses charged, once charged, each once.
    pub clauses: Vec<String>,
    /// Interim measures: the day imposed, and the day lifted if they were.
    #[serde(deserialize_with = "days::spans")]
    pub measures: Vec<(Date, Option<Date>)>,
    /// Times the stage clock was stopped: the day it stopped, and the day it restarted if
    /// it did. With the two dates below, enough to tell when a stage was due.
    #[serde(default, deserialize_with = "days::spans")]
    pub pauses: Vec<(Date, Option<Date>)>,
    /// The hearing's date, once one is set: a decision is due a set time after it.
    #[serde(default, deserialize_with = "days::optional")]
    pub hearing_on: Option<Date>,
    /// The last day to appeal, once a decision opened the window.
    #[serde(default, deserialize_with = "days::optional")]
    pub appeal_deadline: Option<Date>,
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
            pauses: case
                .pauses
                .iter()
                .map(|p| (day_of(p.from), p.until.map(day_of)))
                .collect(),
            hearing_on: case.hearing.as_ref().map(|h| h.date),
            appeal_deadline: case.appeal_deadline,
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
        let reached = |stage: Stage| path.iter().any(|(s, _)| *s == stage);
        let (heard, window) = (reached(Stage::Hearing), reached(Stage::AppealWindow));
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
            pauses: cut_spans(&self.pauses, day),
            hearing_on: self.hearing_on.filter(|_| heard),
            appeal_deadline: self.appeal_deadline.filter(|_| window),
        })
    }

    /// When the stage the case was in at the end of `day` was due, as the stage clock
    /// (`clock::stage_due`) had it then: None if it was closed, unclocked or paused.
    pub fn due_as_at(&self, day: Date, rules: &RuleBook, calendar: &Calendar) -> Option<Date> {
        let (stage, entered) = *self.path.iter().rfind(|(_, d)| *d <= day)?;
        if !stage.is_open() {
            return None;
        }
        if stage == Stage::AppealWindow {
            return self.appeal_deadline;
        }
        let pauses = cut_spans(&self.pauses, day);
        if pauses.last().is_some_and(|(_, until)| until.is_none()) {
            return None;
        }
        let limit = rules.time_limits.for_stage(stage)?;
        let start = match (stage, self.hearing_on) {
            (Stage::Hearing, Some(on)) => on,
            _ => entered,
        };
        let stopped: Vec<(Date, Date)> = pauses
            .iter()
            .filter_map(|(from, until)| until.map(|u| (*from, u)))
            .collect();
        Some(crate::clock::due_with_pauses(
            calendar, start, limit, &stopped,
        ))
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

/// Spans (start, end if ended) as they stood at the end of `day`: those started by then,
/// with ends after it not yet known.
fn cut_spans(spans: &[(Date, Option<Date>)], day: Date) -> Vec<(Date, Option<Date>)> {
    spans
        .iter()
        .filter(|(from, _)| *from <= day)
        .map(|(from, until)| (*from, until.filter(|u| *u <= day)))
        .collect()
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

    /// Whether a case can be open in this bucket (some stage in it is open).
    pub fn is_open(self) -> bool {
        Stage::ALL
            .iter()
            .any(|s| s.is_open() && Bucket::of(*s) == self)
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
        // Two selections rather than a sort: a large organisation's report takes spreads
        // of millions of stage times.
        let n = xs.len();
        let mut rank = |p: usize| {
            *xs.select_nth_unstable(n.saturating_mul(p).div_ceil(100).clamp(1, n) - 1)
                .1
        };
        let median = rank(50);
        let p90 = rank(90);
        Some(Spread {
            count: n as u64,
            median,
            p90,
        })
    }
}

#[cfg(test)]
mod tests;
