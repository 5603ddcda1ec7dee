//! Small-number protection: a published count below the threshold could point at a person
//! ("one complaint about a councillor in the North region"), so it is shown as "fewer than
//! N". Where a table's total is published, one hidden cell could be recovered by subtraction,
//! so a second cell is hidden with it. And a release compared with the one before it must not
//! give a hidden count away by difference: a cell whose change since the previous release is
//! itself a small number is hidden too, and the notes say so.

use serde::{Deserialize, Serialize};

/// How a count is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Shown {
    Count {
        count: u64,
    },
    /// Below the threshold (and above zero).
    FewerThan {
        threshold: u64,
    },
    /// Hidden although not small itself: it would reveal a small one (by the table's total,
    /// or by difference from the previous release).
    Withheld,
}

impl Shown {
    pub fn text(self) -> String {
        match self {
            Shown::Count { count } => count.to_string(),
            Shown::FewerThan { threshold } => format!("fewer than {threshold}"),
            Shown::Withheld => "withheld".into(),
        }
    }

    pub fn exact(self) -> Option<u64> {
        match self {
            Shown::Count { count } => Some(count),
            _ => None,
        }
    }
}

/// One labelled count as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub label: String,
    #[serde(flatten)]
    pub shown: Shown,
}

/// One count as published: below the threshold (and above zero) as "fewer than", else
/// exactly. The single rule every published count goes through.
pub fn shown(n: u64, threshold: u64) -> Shown {
    if n > 0 && n < threshold {
        Shown::FewerThan { threshold }
    } else {
        Shown::Count { count: n }
    }
}

/// A table as published: labelled cells and, if it has one, its total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub cells: Vec<Cell>,
    pub total: Option<Shown>,
    /// Whether the table counts everything since a fixed start (so a later release contains
    /// an earlier one and differences between them mean something).
    pub cumulative: bool,
}

/// Publishes `cells` (label, true count) with counts in 1..threshold shown as "fewer than",
/// and, if `total` is published, one more cell withheld wherever exactly one is hidden (the
/// smallest other non-zero cell), so the total cannot give it away. Returns the table and a
/// note for each cell withheld.
pub fn protect(
    name: &str,
    cells: &[(String, u64)],
    total: Option<u64>,
    cumulative: bool,
    threshold: u64,
) -> (Table, Vec<String>) {
    let mut published: Vec<Cell> = cells
        .iter()
        .map(|(l, n)| Cell {
            label: l.clone(),
            shown: shown(*n, threshold),
        })
        .collect();
    let mut notes = Vec::new();
    let hidden = published
        .iter()
        .filter(|c| c.shown.exact().is_none())
        .count();
    if total.is_some() && hidden == 1 {
        let partner = cells
            .iter()
            .enumerate()
            .filter(|(i, (_, n))| *n > 0 && published[*i].shown.exact().is_some())
            .min_by_key(|(_, (_, n))| *n)
            .map(|(i, _)| i);
        if let Some(i) = partner {
            published[i].shown = Shown::Withheld;
            notes.push(format!(
                "{name}: \"{}\" is withheld so that the total cannot reveal a count below {threshold}.",
                published[i].label
            ));
        }
    }
    let total = total.map(|t| shown(t, threshold));
    (
        Table {
            name: name.to_string(),
            cells: published,
            total,
            cumulative,
        },
        notes,
    )
}

/// Compares a release's tables with the previous release's. Where a cumulative table's cell
/// is shown exactly in both and has grown by a small number (1..threshold), the two releases
/// together reveal a small count (the cases added in between), so the cell is withheld in the
/// new release. Returns a note for each.
pub fn against_previous(tables: &mut [Table], previous: &[Table], threshold: u64) -> Vec<String> {
    let mut notes = Vec::new();
    for t in tables.iter_mut().filter(|t| t.cumulative) {
        let Some(before) = previous.iter().find(|p| p.name == t.name) else {
            continue;
        };
        for cell in t.cells.iter_mut() {
            let label = &cell.label;
            let was = before
                .cells
                .iter()
                .find(|c| c.label == *label)
                .and_then(|c| c.shown.exact());
            let (Some(was), Some(n)) = (was, cell.shown.exact()) else {
                continue;
            };
            let grew = n.abs_diff(was);
            if grew > 0 && grew < threshold {
                cell.shown = Shown::Withheld;
                notes.push(format!(
                    "{}: \"{label}\" is withheld: compared with the previous release it would reveal a change of fewer than {threshold}.",
                    t.name
                ));
            }
        }
    }
    notes
}

/// Whether any cell below the threshold shows as a number: what the tests and the report's
/// own check assert never happens.
pub fn leaks(tables: &[Table], threshold: u64) -> bool {
    tables.iter().any(|t| {
        t.cells
            .iter()
            .map(|c| c.shown)
            .chain(t.total)
            .any(|s| s.exact().is_some_and(|n| n > 0 && n < threshold))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(xs: &[(&str, u64)]) -> Vec<(String, u64)> {
        xs.iter().map(|(l, n)| (l.to_string(), *n)).collect()
    }

    #[test]
    fn small_counts_are_shown_as_fewer_than_the_threshold() {
        let (t, notes) = protect(
            "by region",
            &cells(&[("North", 12), ("South", 3), ("East", 0), ("West", 2)]),
            None,
            false,
            5,
        );
        assert_eq!(
            t.cells.iter().map(|c| c.shown.text()).collect::<Vec<_>>(),
            vec!["12", "fewer than 5", "0", "fewer than 5"]
        );
        assert!(notes.is_empty());
        assert!(!leaks(&[t], 5));
    }

    #[test]
    fn a_lone_hidden_cell_beside_a_total_takes_a_partner_with_it() {
        let (t, notes) = protect(
            "by sanction",
            &cells(&[
                ("expulsion", 40),
                ("warning", 2),
                ("suspension", 9),
                ("none", 20),
            ]),
            Some(71),
            false,
            5,
        );
        let shown: Vec<String> = t.cells.iter().map(|c| c.shown.text()).collect();
        assert_eq!(shown, vec!["40", "fewer than 5", "withheld", "20"]);
        assert_eq!(t.total, Some(Shown::Count { count: 71 }));
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("suspension"), "{notes:?}");
        // 71 − 40 − 20 = 11 is the two hidden cells together: neither is recoverable.
    }

    #[test]
    fn two_releases_that_would_reveal_a_small_change_are_caught() {
        let (q2, _) = protect(
            "received to date",
            &cells(&[("bullying", 40), ("racism", 12)]),
            None,
            true,
            5,
        );
        let (mut q3, _) = protect(
            "received to date",
            &cells(&[("bullying", 52), ("racism", 14)]),
            None,
            true,
            5,
        );
        // 14 − 12 = 2: the two releases together say two racism complaints arrived in Q3.
        let mut tables = vec![q3.clone()];
        let notes = against_previous(&mut tables, std::slice::from_ref(&q2), 5);
        q3 = tables.remove(0);
        assert_eq!(q3.cells[0].shown, Shown::Count { count: 52 });
        assert_eq!(q3.cells[1].shown, Shown::Withheld);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("racism"));
        // Non-cumulative tables (one period each) are not compared.
        let (mut period, _) = protect(
            "received in period",
            &cells(&[("racism", 14)]),
            None,
            false,
            5,
        );
        period.name = q2.name.clone();
        let mut tables = vec![period];
        assert!(against_previous(&mut tables, &[q2], 5).is_empty());
    }
}
