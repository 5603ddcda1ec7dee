//! Ageing: how long open cases and interim measures in force have been running, in the bands
//! inquiries ask about (0–3, 3–6, 6–12, 12–24 and over 24 months). A member suspended for
//! years "pending investigation" is a row in the last band, named, not an anecdote.

use jiff::civil::Date;
use serde::Serialize;

/// Whole calendar months from `from` to `to` (0 if `to` is earlier): 2026-01-31 to
/// 2026-02-28 is 0 months, to 2026-03-31 is 2. Counted from the dates' fields, not through
/// date arithmetic: the transparency report bands every open case and measure of a large
/// organisation.
pub fn months_between(from: Date, to: Date) -> i64 {
    let index = |d: Date| i64::from(d.year()) * 12 + i64::from(d.month());
    let whole = index(to) - index(from) - i64::from(to.day() < from.day());
    whole.max(0)
}

/// An age band, in whole calendar months since the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Band {
    #[serde(rename = "0-3")]
    UpTo3,
    #[serde(rename = "3-6")]
    UpTo6,
    #[serde(rename = "6-12")]
    UpTo12,
    #[serde(rename = "12-24")]
    UpTo24,
    #[serde(rename = "24+")]
    Over24,
}

impl Band {
    pub const ALL: [Band; 5] = [
        Band::UpTo3,
        Band::UpTo6,
        Band::UpTo12,
        Band::UpTo24,
        Band::Over24,
    ];

    /// The band of something that started on `from`, seen on `today`: under 3 whole months
    /// is 0–3, 3 up to 6 is 3–6, and so on; 24 whole months or more is 24+.
    pub fn of(from: Date, today: Date) -> Band {
        match months_between(from, today) {
            m if m < 3 => Band::UpTo3,
            m if m < 6 => Band::UpTo6,
            m if m < 12 => Band::UpTo12,
            m if m < 24 => Band::UpTo24,
            _ => Band::Over24,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Band::UpTo3 => "0–3 months",
            Band::UpTo6 => "3–6 months",
            Band::UpTo12 => "6–12 months",
            Band::UpTo24 => "12–24 months",
            Band::Over24 => "24+ months",
        }
    }
}

/// Counts per band, in `Band::ALL` order, and what fell in each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Bands<T> {
    pub bands: Vec<(Band, Vec<T>)>,
}

impl<T> Bands<T> {
    /// Sorts `items` (each with its start date) into bands as of `today`, oldest first
    /// within a band.
    pub fn of(items: impl IntoIterator<Item = (Date, T)>, today: Date) -> Bands<T> {
        let mut dated: Vec<(Date, T)> = items.into_iter().collect();
        dated.sort_by_key(|(d, _)| *d);
        let mut bands: Vec<(Band, Vec<T>)> = Band::ALL.iter().map(|b| (*b, Vec::new())).collect();
        for (from, item) in dated {
            let band = Band::of(from, today);
            if let Some((_, list)) = bands.iter_mut().find(|(b, _)| *b == band) {
                list.push(item);
            }
        }
        Bands { bands }
    }

    pub fn count(&self, band: Band) -> usize {
        self.bands
            .iter()
            .find(|(b, _)| *b == band)
            .map_or(0, |(_, l)| l.len())
    }

    pub fn total(&self) -> usize {
        self.bands.iter().map(|(_, l)| l.len()).sum()
    }

    pub fn items(&self, band: Band) -> &[T] {
        self.bands
            .iter()
            .find(|(b, _)| *b == band)
            .map_or(&[], |(_, l)| l.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn bands_start_at_whole_months() {
        let today = date(2026, 12, 6);
        assert_eq!(Band::of(date(2026, 9, 7), today), Band::UpTo3);
        assert_eq!(Band::of(date(2026, 9, 6), today), Band::UpTo6);
        assert_eq!(Band::of(date(2026, 6, 6), today), Band::UpTo12);
        assert_eq!(Band::of(date(2025, 12, 7), today), Band::UpTo12);
        assert_eq!(Band::of(date(2025, 12, 6), today), Band::UpTo24);
        assert_eq!(Band::of(date(2024, 12, 7), today), Band::UpTo24);
        assert_eq!(Band::of(date(2024, 12, 6), today), Band::Over24);
        assert_eq!(Band::of(today, today), Band::UpTo3);
    }

    #[test]
    fn months_are_counted_as_jiff_counts_whole_months() {
        assert_eq!(months_between(date(2026, 1, 31), date(2026, 2, 28)), 0);
        assert_eq!(months_between(date(2026, 1, 31), date(2026, 3, 31)), 2);
        assert_eq!(months_between(date(2026, 5, 1), date(2026, 4, 1)), 0);
        // Every pair of days over two years, against jiff's own count.
        let start = date(2024, 1, 1);
        for a in (0..800).step_by(7) {
            for b in (0..800).step_by(5) {
                let from = start.checked_add(jiff::Span::new().days(a)).expect("day");
                let to = start.checked_add(jiff::Span::new().days(b)).expect("day");
                let jiff = to
                    .since((jiff::Unit::Month, from))
                    .map(|s| i64::from(s.get_months()))
                    .expect("months");
                assert_eq!(months_between(from, to), jiff.max(0), "{from} to {to}");
            }
        }
    }

    #[test]
    fn items_fall_in_one_band_each_oldest_first() {
        let today = date(2026, 12, 6);
        let b = Bands::of(
            [
                (date(2026, 11, 1), "new"),
                (date(2023, 12, 20), "oldest"),
                (date(2024, 6, 1), "old"),
                (date(2026, 1, 1), "year"),
            ],
            today,
        );
        assert_eq!(b.total(), 4);
        assert_eq!(b.items(Band::Over24), ["oldest", "old"]);
        assert_eq!(b.count(Band::UpTo24), 0);
        assert_eq!(b.items(Band::UpTo12), ["year"]);
        assert_eq!(b.items(Band::UpTo3), ["new"]);
        let json = serde_json::to_value(&b).expect("json");
        assert_eq!(json["bands"][4][0], "24+");
    }
}
