//! Bands for distributions: how long open cases and interim measures have run (in calendar
//! months, as people speak of them), and how long cases took to reach an outcome (in working
//! days, as the rule book counts). Fixed bands, so successive reports compare cell by cell.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Ageing bands: a case or measure falls in the first whose bound (in whole calendar months
/// since it began) it has not reached.
pub const AGE: [(&str, i64); 5] = [
    ("under 3 months", 3),
    ("3 to 6 months", 6),
    ("6 to 12 months", 12),
    ("1 to 2 years", 24),
    ("2 years or more", i64::MAX),
];

/// Time-to-outcome bands: a case falls in the first whose bound (working days, inclusive)
/// it did not exceed.
pub const OUTCOME: [(&str, i64); 5] = [
    ("up to 20 working days", 20),
    ("21 to 60 working days", 60),
    ("61 to 125 working days", 125),
    ("126 to 250 working days", 250),
    ("more than 250 working days", i64::MAX),
];

/// One band of a distribution and how many fall in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub label: String,
    pub count: u64,
}

/// Whole calendar months from `from` to `to` (0 if `to` is earlier): 2026-01-31 to
/// 2026-02-28 is 0 months, to 2026-03-31 is 2.
pub fn months_between(from: Date, to: Date) -> i64 {
    let index = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month());
    let whole = index(to) - index(from) - i64::from(to.day() < from.day());
    whole.max(0)
}

/// The age band for something begun on `from`, as at `to`.
pub fn age_band(from: Date, to: Date) -> usize {
    let months = months_between(from, to);
    AGE.iter()
        .position(|(_, bound)| months < *bound)
        .unwrap_or(AGE.len() - 1)
}

/// The outcome band for a case that took `days` working days.
pub fn outcome_band(days: i64) -> usize {
    OUTCOME
        .iter()
        .position(|(_, bound)| days <= *bound)
        .unwrap_or(OUTCOME.len() - 1)
}

/// Counts per band, labelled.
pub fn labelled(bands: &[(&str, i64)], counts: &[u64]) -> Vec<Band> {
    bands
        .iter()
        .zip(counts)
        .map(|((label, _), count)| Band {
            label: (*label).to_string(),
            count: *count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn months_are_whole_calendar_months() {
        assert_eq!(months_between(date(2026, 1, 31), date(2026, 2, 28)), 0);
        assert_eq!(months_between(date(2026, 1, 31), date(2026, 3, 31)), 2);
        assert_eq!(months_between(date(2026, 1, 15), date(2026, 4, 14)), 2);
        assert_eq!(months_between(date(2026, 1, 15), date(2026, 4, 15)), 3);
        assert_eq!(months_between(date(2026, 5, 1), date(2026, 4, 1)), 0);
        assert_eq!(age_band(date(2026, 1, 15), date(2026, 4, 14)), 0);
        assert_eq!(age_band(date(2026, 1, 15), date(2026, 4, 15)), 1);
        assert_eq!(age_band(date(2023, 1, 1), date(2026, 1, 1)), 4);
    }

    #[test]
    fn outcome_bands_include_their_bound() {
        assert_eq!(outcome_band(0), 0);
        assert_eq!(outcome_band(20), 0);
        assert_eq!(outcome_band(21), 1);
        assert_eq!(outcome_band(250), 3);
        assert_eq!(outcome_band(251), 4);
    }
}
