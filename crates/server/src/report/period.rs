//! Reporting periods, and the reports made recently for them.

use super::Report;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

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
    /// The period a form or query asked for: every complaint to date when it is empty (or
    /// says "to date"), else a quarter, a year or two dates.
    pub fn asked(s: &str, today: Date) -> Result<Period, String> {
        match s.trim() {
            "" | "to date" => Ok(Period::to_date(today)),
            s => s.parse(),
        }
    }

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

    pub(super) fn get(&self, p: &Period) -> Option<std::sync::Arc<Report>> {
        let made = self.made.lock().ok()?;
        made.get(p)
            .filter(|(at, _)| at.elapsed() < Cache::FRESH)
            .map(|(_, r)| r.clone())
    }

    pub(super) fn put(&self, p: Period, r: std::sync::Arc<Report>) {
        if let Ok(mut made) = self.made.lock() {
            made.retain(|_, (at, _)| at.elapsed() < Cache::FRESH);
            if made.len() < 32 {
                made.insert(p, (std::time::Instant::now(), r));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

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
