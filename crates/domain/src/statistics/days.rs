//! Dates in stored case facts, read without a general date parser. They are written as
//! `YYYY-MM-DD` (jiff's form), and a report over a large organisation reads millions of
//! them: that form is read by hand, anything else by jiff.

use crate::stage::Stage;
use jiff::civil::Date;
use serde::de::{Deserializer, Error, Unexpected, Visitor};
use serde::{Deserialize, Serialize};

/// A date as facts store it.
#[derive(Serialize)]
#[serde(transparent)]
pub(super) struct Day(Date);

fn parse(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return s.parse().ok();
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0i16, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i16::from(c - b'0'))
        })
    };
    let month = i8::try_from(number(&b[5..7])?).ok()?;
    let day = i8::try_from(number(&b[8..10])?).ok()?;
    Date::new(number(&b[0..4])?, month, day).ok()
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        struct Expect;
        impl Visitor<'_> for Expect {
            type Value = Day;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a date as YYYY-MM-DD")
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Day, E> {
                parse(s)
                    .map(Day)
                    .ok_or_else(|| E::invalid_value(Unexpected::Str(s), &self))
            }
        }
        d.deserialize_str(Expect)
    }
}

pub(super) fn one<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    Day::deserialize(d).map(|x| x.0)
}

pub(super) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    Option::<Day>::deserialize(d).map(|o| o.map(|x| x.0))
}

pub(super) fn path<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Stage, Date)>, D::Error> {
    let v = Vec::<(Stage, Day)>::deserialize(d)?;
    Ok(v.into_iter().map(|(s, x)| (s, x.0)).collect())
}

pub(super) fn spans<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(Date, Option<Date>)>, D::Error> {
    let v = Vec::<(Day, Option<Day>)>::deserialize(d)?;
    Ok(v.into_iter().map(|(a, b)| (a.0, b.map(|x| x.0))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn stored_dates_read_as_jiff_reads_them() {
        for d in [date(2026, 12, 7), date(1999, 1, 31), date(2024, 2, 29)] {
            assert_eq!(parse(&d.to_string()), Some(d));
        }
        assert_eq!(parse("2026-02-30"), None);
        assert_eq!(parse("2026-1x-01"), None);
        assert_eq!(
            parse("+002026-12-07"),
            Some(date(2026, 12, 7)),
            "jiff's other forms"
        );
        assert!(serde_json::from_str::<Day>("\"today\"").is_err());
    }
}
