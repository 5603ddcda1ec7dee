//! The report as people read it: one HTML page with its charts inline as SVG, and CSV.

use super::{AGEING, FUNNEL, OUTCOME_TIMES, OUTCOMES, Report};
use docket_domain::statistics::suppression::Shown;

/// The report's charts, as SVG: each drawn from a protected table, so a chart never shows
/// what its table withholds.
#[derive(Debug, Clone)]
pub struct Charts {
    pub funnel: String,
    pub outcomes: String,
    /// How long closed cases took, in bands: the distribution, not only its median.
    pub outcome_times: String,
    /// Open cases by how long they have been open.
    pub ageing: String,
    /// Median working days, by measure.
    pub times: String,
}

#[derive(askama::Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    r: &'a Report,
    charts: Charts,
}

impl Report {
    fn rows(&self, name: &str) -> Vec<(String, Shown)> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.cells.iter().map(|c| (c.label.clone(), c.shown)).collect())
            .unwrap_or_default()
    }

    pub fn charts(&self) -> Charts {
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
        let bars = crate::chart::bars;
        Charts {
            funnel: bars(
                "chart-funnel",
                "Complaints by where they are now",
                &self.rows(FUNNEL),
            ),
            outcomes: bars(
                "chart-outcomes",
                "Final outcomes by sanction",
                &self.rows(OUTCOMES),
            ),
            outcome_times: bars(
                "chart-outcome-times",
                "Closed complaints by working days from receipt to outcome",
                &self.rows(OUTCOME_TIMES),
            ),
            ageing: bars(
                "chart-ageing",
                "Open complaints by time since they were received",
                &self.rows(AGEING),
            ),
            times: bars("chart-times", "Median working days, by measure", &times),
        }
    }

    /// The report as one self-contained HTML page, with its charts inline as SVG.
    pub fn html(&self) -> Result<String, askama::Error> {
        use askama::Template;
        ReportPage {
            r: self,
            charts: self.charts(),
        }
        .render()
    }

    /// The headline figures, as the CSV and the page name them.
    pub fn headline(&self) -> [(&'static str, Shown); 5] {
        [
            ("received", self.received),
            ("expelled or resigned", self.expelled_or_resigned),
            ("open", self.open),
            ("overdue", self.overdue),
            ("interim measures in force", self.measures_active),
        ]
    }

    /// Every table as CSV rows: table, cell, shown value.
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["table", "cell", "value"]);
        for (name, value) in self.headline() {
            let _ = w.write_record(["headline", name, &value.text()]);
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
