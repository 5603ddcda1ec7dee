//! The ageing report: open cases by how long ago they were received, and interim measures in
//! force by how long ago they were imposed, in the bands of `docket_domain::ageing`. From the
//! case summaries (metadata only) and, for measures, the few cases holding one.

use crate::service::{Docket, ServiceError};
use docket_domain::ageing::{Band, Bands};
use docket_domain::case::day_of;
use jiff::civil::Date;
use serde::Serialize;
use std::fmt::Write;

/// An open case as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AgedCase {
    pub reference: String,
    pub stage: String,
    pub received_on: Date,
    pub overdue: bool,
}

/// An interim measure in force as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AgedMeasure {
    pub reference: String,
    pub measure: u32,
    pub imposed_on: Date,
    pub review_date: Date,
    /// Past its review date with no new decision.
    pub unreviewed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ageing {
    pub today: Date,
    pub cases: Bands<AgedCase>,
    pub measures: Bands<AgedMeasure>,
}

impl Docket {
    /// The ageing of open cases and measures in force as of `today`.
    pub async fn ageing(&self, today: Date) -> Result<Ageing, ServiceError> {
        let open = self.open_cases().await?;
        let cases = Bands::of(
            open.iter().map(|c| {
                (
                    c.received_on,
                    AgedCase {
                        reference: c.id.to_string(),
                        stage: c.stage.to_string(),
                        received_on: c.received_on,
                        overdue: c.is_overdue(today),
                    },
                )
            }),
            today,
        );
        // Only the cases the summaries say hold a measure are folded.
        let mut measures = Vec::new();
        for s in open.iter().filter(|c| c.active_measures > 0) {
            let Some(case) = self.load_case(&s.id).await? else {
                continue;
            };
            for m in case.active_measures() {
                let imposed_on = day_of(m.imposed_at);
                measures.push((
                    imposed_on,
                    AgedMeasure {
                        reference: case.id.to_string(),
                        measure: m.number,
                        imposed_on,
                        review_date: m.review_date,
                        unreviewed: m.is_overdue(today),
                    },
                ));
            }
        }
        Ok(Ageing {
            today,
            cases,
            measures: Bands::of(measures, today),
        })
    }
}

impl Ageing {
    /// The report as text: a bar per band, then the cases and measures of the oldest band by
    /// reference, since those are the ones someone has to answer for.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let bars = |out: &mut String, title: &str, counts: Vec<(Band, usize)>| {
            let total: usize = counts.iter().map(|(_, n)| n).sum();
            let most = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
            let _ = writeln!(out, "{title} ({total}):");
            for (band, n) in counts {
                let width = (n * 40).div_ceil(most);
                let _ = writeln!(out, "  {:<13} {n:>6}  {}", band.label(), "#".repeat(width));
            }
        };
        let counts =
            |f: &dyn Fn(Band) -> usize| Band::ALL.iter().map(|b| (*b, f(*b))).collect::<Vec<_>>();
        let _ = writeln!(out, "Ageing on {}", self.today);
        bars(
            &mut out,
            "Open cases by time since received",
            counts(&|b| self.cases.count(b)),
        );
        bars(
            &mut out,
            "Interim measures in force by time since imposed",
            counts(&|b| self.measures.count(b)),
        );
        let oldest = self.cases.items(Band::Over24);
        if !oldest.is_empty() {
            let _ = writeln!(out, "Open for 24 months or more:");
            for c in oldest {
                let _ = writeln!(
                    out,
                    "  {}  received {}  at {}{}",
                    c.reference,
                    c.received_on,
                    c.stage,
                    if c.overdue { "  OVERDUE" } else { "" }
                );
            }
        }
        let oldest = self.measures.items(Band::Over24);
        if !oldest.is_empty() {
            let _ = writeln!(out, "Measures in force for 24 months or more:");
            for m in oldest {
                let _ = writeln!(
                    out,
                    "  {} measure {}  imposed {}  review {}{}",
                    m.reference,
                    m.measure,
                    m.imposed_on,
                    m.review_date,
                    if m.unreviewed { "  UNREVIEWED" } else { "" }
                );
            }
        }
        out
    }

    /// The two distributions as one SVG bar chart: self-contained, no scripts or styles
    /// (the pages' CSP allows neither inline), readable without colour.
    pub fn svg(&self) -> String {
        let (w, row, left, top) = (560usize, 22usize, 110usize, 30usize);
        let series = [
            ("Open cases", &self.cases as &dyn Counted, "#1d4f91"),
            (
                "Measures in force",
                &self.measures as &dyn Counted,
                "#b35900",
            ),
        ];
        let most = series
            .iter()
            .flat_map(|(_, s, _)| Band::ALL.iter().map(|b| s.counted(*b)))
            .max()
            .unwrap_or(0)
            .max(1);
        let h = top + Band::ALL.len() * row * 2 + 20;
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-labelledby=\"ageing-title\"><title id=\"ageing-title\">Open cases and interim measures in force by age band</title>"
        );
        for (i, (name, _, colour)) in series.iter().enumerate() {
            let x = left + i * 180;
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"16\" font-size=\"12\" font-family=\"sans-serif\">{name}</text>",
                x + 16
            );
        }
        let span = w - left - 60;
        for (bi, band) in Band::ALL.iter().enumerate() {
            let y = top + bi * row * 2;
            let _ = write!(
                svg,
                "<text x=\"0\" y=\"{}\" font-size=\"12\" font-family=\"sans-serif\">{}</text>",
                y + row,
                band.label()
            );
            for (si, (_, s, colour)) in series.iter().enumerate() {
                let n = s.counted(*band);
                let len = n * span / most;
                let yy = y + si * row;
                let _ = write!(
                    svg,
                    "<rect x=\"{left}\" y=\"{}\" width=\"{len}\" height=\"{}\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" font-family=\"sans-serif\">{n}</text>",
                    yy + 2,
                    row - 6,
                    left + len + 4,
                    yy + row - 8
                );
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// A band's count, whatever is counted.
trait Counted {
    fn counted(&self, band: Band) -> usize;
}

impl<T> Counted for Bands<T> {
    fn counted(&self, band: Band) -> usize {
        self.count(band)
    }
}
