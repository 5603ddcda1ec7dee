//! Comparing a release with one published before it, so that the two together cannot give
//! away a cell that either withheld.

use super::{Period, Report, THRESHOLD};
use docket_domain::statistics::suppression::Table;
use jiff::civil::Date;

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

impl Report {
    /// Withholds what this report and `previous` together would reveal, and says so.
    pub fn compare_with(&mut self, previous: &Previous) {
        let notes = against_previous(&self.period, &mut self.tables, previous);
        self.notes.extend(notes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_domain::statistics::suppression::{Shown, protect};
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
}
