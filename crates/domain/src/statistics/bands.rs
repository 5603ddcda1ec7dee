//! Bands for distributions: how long open cases and interim measures have run (the ageing
//! report's bands, `crate::ageing::Band`, in calendar months as people speak of them), and how
//! long cases took to reach an outcome (in working days, as the rule book counts). Fixed
//! bands, so successive reports compare cell by cell.

use crate::ageing::Band;
use serde::{Deserialize, Serialize};

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
pub struct BandCount {
    pub label: String,
    pub count: u64,
}

/// The outcome band for a case that took `days` working days.
pub fn outcome_band(days: i64) -> usize {
    OUTCOME
        .iter()
        .position(|(_, bound)| days <= *bound)
        .unwrap_or(OUTCOME.len() - 1)
}

/// Counts per outcome band, labelled.
pub fn by_outcome(counts: &[u64; OUTCOME.len()]) -> Vec<BandCount> {
    OUTCOME
        .iter()
        .zip(counts)
        .map(|((label, _), count)| BandCount {
            label: (*label).to_string(),
            count: *count,
        })
        .collect()
}

/// Counts per age band (in `Band::ALL` order), labelled.
pub fn by_age(counts: &[u64; Band::ALL.len()]) -> Vec<BandCount> {
    Band::ALL
        .iter()
        .zip(counts)
        .map(|(band, count)| BandCount {
            label: band.label().to_string(),
            count: *count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_bands_include_their_bound() {
        assert_eq!(outcome_band(0), 0);
        assert_eq!(outcome_band(20), 0);
        assert_eq!(outcome_band(21), 1);
        assert_eq!(outcome_band(250), 3);
        assert_eq!(outcome_band(251), 4);
    }
}
