//! Working-day arithmetic. Rule-book time limits are counted in working days, so every
//! deadline in the system goes through this calendar.
//!
//! Dates are turned into plain day numbers so whole weeks can be skipped arithmetically;
//! only the handful of holidays inside a range are ever visited, which keeps a deadline
//! years away as cheap as one next week.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

use jiff::civil::Date;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use toml::de::{DeTable, DeValue};

/// A count of working days (rule-book time limits are expressed in these).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct WorkingDays(pub u32);

/// A problem in a calendar data file, located so an administrator can find it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("calendar{}: {field}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct CalendarError {
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl From<TomlProblem> for CalendarError {
    fn from(p: TomlProblem) -> Self {
        CalendarError {
            line: p.line,
            field: p.field,
            message: p.message,
        }
    }
}

/// Weekends are always off; `holidays` are the extra days off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    name: String,
    holidays: BTreeSet<Date>,
    /// The day numbers of the holidays that fall Monday to Friday, ascending: what counting
    /// working days needs, searched without turning day numbers back into dates.
    weekday_holidays: Vec<i64>,
}

fn weekday_numbers(holidays: &BTreeSet<Date>) -> Vec<i64> {
    holidays
        .iter()
        .map(|d| day_number(*d))
        .filter(|n| is_weekday(*n))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    name: String,
    #[serde(default)]
    holiday: Vec<HolidayEntry>,
}

// The holiday's name is only there for the person maintaining the file; the calendar
// needs nothing but the date.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    #[serde(deserialize_with = "de_date")]
    date: Date,
    name: String,
}

static ENGLAND_AND_WALES: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::from_toml(include_str!("../data/bank-holidays-england-wales.toml"))
        .expect("the embedded England and Wales calendar is valid (checked by a unit test)")
});

impl Calendar {
    pub fn new(name: impl Into<String>, holidays: impl IntoIterator<Item = Date>) -> Calendar {
        let holidays = holidays.into_iter().collect();
        Calendar {
            name: name.into(),
            weekday_holidays: weekday_numbers(&holidays),
            holidays,
        }
    }

    /// England and Wales bank holidays 2023–2028 from the embedded data file, weekends off.
    pub fn england_and_wales() -> Calendar {
        ENGLAND_AND_WALES.clone()
    }

    /// Parses a calendar data file (`name = "…"` then `[[holiday]]` tables with `date` and
    /// `name`). Errors name the line and the field, e.g. `holiday[3].date`.
    pub fn from_toml(src: &str) -> Result<Calendar, CalendarError> {
        let (file, doc): (CalendarFile, _) = TomlDoc::parse(src)?;
        if file.name.trim().is_empty() {
            return Err(doc.problem("name", "the calendar needs a name").into());
        }
        let mut holidays = BTreeSet::new();
        for (i, h) in file.holiday.iter().enumerate() {
            if h.name.trim().is_empty() {
                let msg = "give the holiday a name so the list can be checked by eye";
                return Err(doc.problem(format!("holiday[{i}].name"), msg).into());
            }
            // A repeated date is almost always a copy-and-paste slip that hides a missing
            // holiday, so it is refused rather than silently merged.
            if !holidays.insert(h.date) {
                let msg = format!("{} is listed more than once", h.date);
                return Err(doc.problem(format!("holiday[{i}].date"), msg).into());
            }
        }
        Ok(Calendar {
            name: file.name,
            weekday_holidays: weekday_numbers(&holidays),
            holidays,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn holidays(&self) -> impl Iterator<Item = Date> + '_ {
        self.holidays.iter().copied()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        is_weekday(day_number(d)) && !self.holidays.contains(&d)
    }

    /// The date `n` working days after `d`: the first working day strictly after `d` is 1.
    /// `n = 0` returns `d`. Saturates at the last date jiff can represent.
    pub fn add_working_days(&self, d: Date, n: WorkingDays) -> Date {
        if n.0 == 0 {
            return d;
        }
        let start = day_number(d);
        let base = weekdays_upto(start) + i64::from(n.0);
        let last = day_number(Date::MAX);
        // Each pass lands on the n-th weekday plus the holidays seen so far; the holiday
        // count only grows, so this settles on the smallest fixed point, which is the
        // answer (and never a holiday, or one fewer holiday would also have fitted).
        let mut seen = 0;
        loop {
            let target = nth_weekday(base + seen);
            if target > last {
                return Date::MAX;
            }
            let now = self.weekday_holidays(start, target);
            if now == seen {
                return date_from_number(target);
            }
            seen = now;
        }
    }

    /// Working days in the half-open interval (from, to]; negative (minus the count in
    /// (to, from]) when `to < from`; 0 when equal.
    pub fn working_days_between(&self, from: Date, to: Date) -> i64 {
        let (a, b) = (day_number(from), day_number(to));
        if a <= b {
            self.working_days_in(a, b)
        } else {
            -self.working_days_in(b, a)
        }
    }

    /// Working days in (a, b] for day numbers a <= b.
    fn working_days_in(&self, a: i64, b: i64) -> i64 {
        weekdays_upto(b) - weekdays_upto(a) - self.weekday_holidays(a, b)
    }

    /// Holidays in (a, b] that fall Monday to Friday; a holiday on a weekend costs nothing
    /// extra, so counting it would double-count the day off.
    fn weekday_holidays(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let after = |n: i64| self.weekday_holidays.partition_point(|h| *h <= n);
        (after(b) - after(a)) as i64
    }
}

// Day numbers count from 1970-01-01 (day 0, a Thursday). Shifting by 3 makes multiples of
// seven land on Mondays, which is what the week-skipping formulas below assume.
const MONDAY_SHIFT: i64 = 3;

fn is_weekday(day: i64) -> bool {
    (day + MONDAY_SHIFT).rem_euclid(7) < 5
}

/// Weekdays from an arbitrary fixed Monday up to and including `day`: a running total whose
/// differences count weekdays in a range without visiting the days.
fn weekdays_upto(day: i64) -> i64 {
    let m = day + MONDAY_SHIFT;
    5 * m.div_euclid(7) + (m.rem_euclid(7) + 1).min(5)
}

/// The inverse of `weekdays_upto`: the earliest day whose running total reaches `k`.
fn nth_weekday(k: i64) -> i64 {
    let k = k - 1;
    7 * k.div_euclid(5) + k.rem_euclid(5) - MONDAY_SHIFT
}

// Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic
// without going through jiff's spans, which are slower and fallible.
fn day_number(d: Date) -> i64 {
    let (y, m, dd) = (
        i64::from(d.year()),
        i64::from(d.month()),
        i64::from(d.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn date_from_number(n: i64) -> Date {
    let n = n.clamp(day_number(Date::MIN), day_number(Date::MAX)) + 719_468;
    let era = n.div_euclid(146_097);
    let doe = n - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // The clamp above keeps every component in range, so the fallback is unreachable; it
    // exists so a future slip saturates instead of panicking.
    let (y, m, d) = (i16::try_from(y), i8::try_from(m), i8::try_from(d));
    match (y, m, d) {
        (Ok(y), Ok(m), Ok(d)) => Date::new(y, m, d).unwrap_or(Date::MAX),
        _ => Date::MAX,
    }
}

// ---------------------------------------------------------------------------------------
// Loading TOML data files, shared with the rule book. Every problem carries the line and
// the field path, because the person fixing it is an administrator with a text editor.

/// A located problem, wrapped in `CalendarError` or `RuleBookError` by the loader.
#[derive(Debug)]
pub(crate) struct TomlProblem {
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

/// The parsed document kept beside the typed value, so that checks made on the typed
/// value can still point at a line.
pub(crate) struct TomlDoc<'a> {
    src: &'a str,
    root: toml::Spanned<DeTable<'a>>,
}

impl<'a> TomlDoc<'a> {
    pub(crate) fn parse<T: DeserializeOwned>(src: &'a str) -> Result<(T, Self), TomlProblem> {
        let root = DeTable::parse(src).map_err(|e| syntax_problem(src, &e))?;
        let doc = TomlDoc { src, root };
        let value = toml::from_str(src).map_err(|e| doc.type_problem(&e))?;
        Ok((value, doc))
    }

    pub(crate) fn problem(&self, field: impl Into<String>, msg: impl Into<String>) -> TomlProblem {
        let field = field.into();
        let line = self.line_of(&field);
        TomlProblem {
            line,
            field,
            message: msg.into(),
        }
    }

    /// The line of a path like `clauses[2].versions[1].text`, or of its deepest existing
    /// ancestor when the field is absent: a missing field is added next to its table.
    pub(crate) fn line_of(&self, path: &str) -> Option<usize> {
        let mut span = None;
        let mut table = self.root.get_ref();
        'segments: for seg in path.split('.') {
            let (key, indices) = seg.split_once('[').unwrap_or((seg, ""));
            let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == key) else {
                break;
            };
            span = Some(k.span());
            let mut value = v.get_ref();
            for idx in indices
                .split_terminator(']')
                .map(|i| i.trim_start_matches('[').parse::<usize>())
            {
                let el = match (value, idx) {
                    (DeValue::Array(a), Ok(i)) => a.get(i),
                    _ => None,
                };
                let Some(el) = el else { break 'segments };
                span = Some(el.span());
                value = el.get_ref();
            }
            let DeValue::Table(t) = value else { break };
            table = t;
        }
        span.map(|s| line_at(self.src, s.start))
    }

    fn type_problem(&self, e: &toml::de::Error) -> TomlProblem {
        let message = e.message().to_owned();
        // A span over the whole document (a missing top-level field) points at no line in
        // particular, and "line 1" would only mislead.
        let span = e.span().filter(|s| *s != self.root.span());
        let path = span
            .as_ref()
            .and_then(|s| path_at(self.root.get_ref(), s.start, ""));
        let line = span
            .filter(|_| path.is_some())
            .map(|s| line_at(self.src, s.start));
        // "missing field" points at the table that lacks it; naming the field says what
        // to add.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next());
        let field = match (path, missing) {
            (Some(p), Some(m)) => format!("{p}.{m}"),
            (None, Some(m)) => m.to_owned(),
            (Some(p), None) => p,
            (None, None) => "(document)".to_owned(),
        };
        TomlProblem {
            line,
            field,
            message,
        }
    }
}

/// The deepest key or array element whose span covers `offset`. Every table is searched,
/// not just covering ones, because a `[table]` header's span is the header alone.
fn path_at(table: &DeTable<'_>, offset: usize, prefix: &str) -> Option<String> {
    let covers = |s: std::ops::Range<usize>| s.start <= offset && (offset < s.end || s.is_empty());
    table.iter().find_map(|(k, v)| {
        let here = if prefix.is_empty() {
            k.get_ref().to_string()
        } else {
            format!("{prefix}.{}", k.get_ref())
        };
        let deeper = match v.get_ref() {
            DeValue::Table(t) => path_at(t, offset, &here),
            DeValue::Array(a) => a.iter().enumerate().find_map(|(i, el)| {
                let at = format!("{here}[{i}]");
                let inner = match el.get_ref() {
                    DeValue::Table(t) => path_at(t, offset, &at),
                    _ => None,
                };
                inner.or_else(|| covers(el.span()).then_some(at))
            }),
            _ => None,
        };
        deeper.or_else(|| (covers(k.span()) || covers(v.span())).then_some(here))
    })
}

fn line_at(src: &str, offset: usize) -> usize {
    src.bytes().take(offset).filter(|&b| b == b'\n').count() + 1
}

fn syntax_problem(src: &str, e: &toml::de::Error) -> TomlProblem {
    let offset = e.span().map_or(src.len(), |s| s.start).min(src.len());
    let line = line_at(src, offset);
    let line_start = src
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let column = src
        .get(line_start..offset)
        .map_or(1, |s| s.chars().count() + 1);
    let message = format!("{} (column {column})", e.message());
    TomlProblem {
        line: Some(line),
        field: textual_path(src, line - 1),
        message,
    }
}

/// A best-effort field path for a line the parser could not read, worked out from the
/// table headers above it, since a broken document has no structure to walk.
fn textual_path(src: &str, line_idx: usize) -> String {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut table = String::new();
    let mut in_string = false;
    for (i, raw) in src.lines().enumerate() {
        let line = raw.trim();
        let header = (!in_string && line.starts_with('[')).then(|| {
            line.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
        });
        if i == line_idx {
            let key = line.split_once('=').map(|(k, _)| k.trim());
            let key = key.filter(|k| !in_string && !k.is_empty() && !k.contains([' ', '"']));
            return match (header, key) {
                (Some(h), _) => h.trim().to_owned(),
                (None, Some(k)) if !table.is_empty() => format!("{table}.{k}"),
                (None, Some(k)) => k.to_owned(),
                (None, None) if !table.is_empty() => table,
                (None, None) => "(document)".to_owned(),
            };
        }
        if let Some(h) = header {
            let names: Vec<&str> = h.split('.').map(str::trim).collect();
            table.clear();
            for (j, name) in names.iter().enumerate() {
                if !table.is_empty() {
                    table.push('.');
                }
                table.push_str(name);
                // Arrays of tables are numbered in order of appearance under their parent.
                if line.starts_with("[[") && j + 1 == names.len() {
                    let n = seen.entry(table.clone()).or_insert(0);
                    table.push_str(&format!("[{n}]"));
                    *n += 1;
                } else if let Some(n) = seen.get(&table) {
                    table.push_str(&format!("[{}]", n.saturating_sub(1)));
                }
            }
        }
        if (line.matches("\"\"\"").count() + line.matches("'''").count()) % 2 == 1 {
            in_string = !in_string;
        }
    }
    table
}

/// Reads a date from a TOML date (`2025-05-22`, which jiff's serde support does not
/// understand) or from a string (JSON, or a quoted date in TOML).
pub(crate) fn de_date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    d.deserialize_any(DateVisitor)
}

/// The optional form of `de_date`; JSON's null is `None`.
pub(crate) fn de_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "de_date")] Date);
    Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
}

struct DateVisitor;

impl<'de> de::Visitor<'de> for DateVisitor {
    type Value = Date;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a date such as 2025-05-22")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Date, E> {
        s.parse()
            .map_err(|e| E::custom(format!("\"{s}\" is not a valid date: {e}")))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
        let dt = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => self.visit_str(&d.to_string()),
            _ => Err(de::Error::custom(format!(
                "{dt} is not a plain date; write it like 2025-05-22"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn ew() -> Calendar {
        Calendar::england_and_wales()
    }

    /// Working days strictly after `d`, found one day at a time.
    fn naive_working_days_after(cal: &Calendar, d: Date) -> impl Iterator<Item = Date> + '_ {
        d.series(1.day()).skip(1).filter(|x| cal.is_working_day(*x))
    }

    fn naive_add(cal: &Calendar, d: Date, n: u32) -> Date {
        let nth = usize::try_from(n).expect("small").checked_sub(1);
        nth.map_or(d, |k| {
            naive_working_days_after(cal, d).nth(k).expect("in range")
        })
    }

    fn naive_between(cal: &Calendar, from: Date, to: Date) -> i64 {
        let (lo, hi, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let count = naive_working_days_after(cal, lo)
            .take_while(|x| *x <= hi)
            .count();
        sign * i64::try_from(count).expect("small")
    }

    #[test]
    fn embedded_calendar_covers_2023_to_2028_on_weekdays_only() {
        let cal = ew();
        assert_eq!(cal.name(), "England and Wales");
        for year in 2023..=2028 {
            let n = cal.holidays().filter(|d| d.year() == year).count();
            assert_eq!(n, if year == 2023 { 9 } else { 8 }, "{year}");
        }
        for d in cal.holidays() {
            assert!(
                d.weekday().to_monday_zero_offset() < 5,
                "{d} is a {:?}",
                d.weekday()
            );
        }
    }

    #[test]
    fn easter_2026() {
        let cal = ew();
        let add = |d, n| cal.add_working_days(d, WorkingDays(n));
        assert!(!cal.is_working_day(date(2026, 4, 3))); // Good Friday
        assert!(!cal.is_working_day(date(2026, 4, 4))); // Saturday
        // From the Thursday before Good Friday: Friday 3rd and Monday 6th are off.
        let thu = date(2026, 4, 2);
        assert_eq!(add(thu, 1), date(2026, 4, 7));
        assert_eq!(add(thu, 5), date(2026, 4, 13));
        assert_eq!(cal.working_days_between(thu, date(2026, 4, 7)), 1);
        assert_eq!(cal.working_days_between(date(2026, 4, 7), thu), -1);
        // Starting on the holiday itself still counts from the next working day.
        assert_eq!(add(date(2026, 4, 3), 1), date(2026, 4, 7));
        assert_eq!(add(date(2026, 4, 4), 0), date(2026, 4, 4));
    }

    #[test]
    fn christmas_2026() {
        let cal = ew();
        let add = |d, n| cal.add_working_days(d, WorkingDays(n));
        // Christmas is a Friday, so Boxing Day's substitute is Monday 28th; New Year's Day
        // is the Friday after.
        let thu = date(2026, 12, 24);
        assert_eq!(add(thu, 1), date(2026, 12, 29));
        assert_eq!(add(thu, 3), date(2026, 12, 31));
        assert_eq!(add(thu, 4), date(2027, 1, 4));
        assert_eq!(cal.working_days_between(thu, date(2027, 1, 4)), 4);
        assert_eq!(
            cal.working_days_between(date(2026, 12, 25), date(2026, 12, 28)),
            0
        );
        assert_eq!(cal.working_days_between(thu, thu), 0);
    }

    #[test]
    fn saturates_at_the_ends_of_time() {
        let cal = Calendar::new("weekends only", []);
        assert_eq!(cal.add_working_days(Date::MAX, WorkingDays(1)), Date::MAX);
        let far = cal.add_working_days(date(9999, 12, 1), WorkingDays(u32::MAX));
        assert_eq!(far, Date::MAX);
        let span = cal.working_days_between(Date::MIN, Date::MAX);
        assert_eq!(span, -cal.working_days_between(Date::MAX, Date::MIN));
        assert!(span > 5_000_000);
    }

    #[test]
    fn weekend_holidays_are_not_counted_twice() {
        let cal = Calendar::new("x", [date(2026, 4, 4)]); // a Saturday
        let fri = date(2026, 4, 3);
        assert_eq!(cal.working_days_between(fri, date(2026, 4, 6)), 1);
        assert_eq!(cal.add_working_days(fri, WorkingDays(1)), date(2026, 4, 6));
    }

    #[test]
    fn day_numbers_agree_with_jiff() {
        let start = date(1599, 12, 25);
        for (i, d) in (0..).zip(start.series(1.day()).take(200_000)) {
            assert_eq!(day_number(d), day_number(start) + i);
            assert_eq!(date_from_number(day_number(d)), d);
        }
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        assert_eq!(date_from_number(day_number(Date::MIN)), Date::MIN);
        assert_eq!(date_from_number(i64::MAX), Date::MAX);
    }

    #[test]
    fn from_toml_rejects_bad_files_with_line_and_field() {
        let head = "name = \"T\"\n[[holiday]]\ndate = 2026-01-01\nname = \"A\"\n";
        let cases = [
            (
                "[[holiday]]\ndate = 2026-01-01\nname = \"B\"\n",
                Some(6),
                "holiday[1].date",
            ),
            (
                "[[holiday]]\ndate = 2026-02-30\nname = \"B\"\n",
                Some(6),
                "holiday[1].date",
            ),
            (
                "[[holiday]]\ndate = 2026-01-02\nnmae = \"B\"\n",
                Some(7),
                "holiday[1].nmae",
            ),
            (
                "[[holiday]]\ndate = 2026-01-02\nname = \" \"\n",
                Some(7),
                "holiday[1].name",
            ),
        ];
        for (tail, line, field) in cases {
            let e = Calendar::from_toml(&format!("{head}{tail}")).expect_err(tail);
            assert_eq!((e.line, e.field.as_str()), (line, field), "{e}");
        }
        let e = Calendar::from_toml("name = \"\"\n").expect_err("empty name");
        assert_eq!(
            e.to_string(),
            "calendar line 1: name: the calendar needs a name"
        );
    }

    fn any_date() -> impl Strategy<Value = Date> {
        let (lo, hi) = (day_number(date(2023, 1, 1)), day_number(date(2029, 12, 31)));
        (lo..=hi).prop_map(date_from_number)
    }

    proptest! {
        #[test]
        fn between_inverts_add(d in any_date(), n in 0u32..400) {
            let cal = ew();
            let end = cal.add_working_days(d, WorkingDays(n));
            prop_assert_eq!(cal.working_days_between(d, end), i64::from(n));
            prop_assert!(n == 0 || cal.is_working_day(end));
        }

        #[test]
        fn add_is_monotonic(d in any_date(), n in 0u32..400) {
            let cal = ew();
            let a = cal.add_working_days(d, WorkingDays(n));
            prop_assert!(a < cal.add_working_days(d, WorkingDays(n + 1)));
        }

        #[test]
        fn between_is_antisymmetric_and_additive(a in any_date(), b in any_date(), c in any_date()) {
            let cal = ew();
            let between = |x, y| cal.working_days_between(x, y);
            prop_assert_eq!(between(a, b), -between(b, a));
            prop_assert_eq!(between(a, c), between(a, b) + between(b, c));
        }

        #[test]
        fn fast_equals_naive(d in any_date(), e in any_date(), n in 0u32..400) {
            let cal = ew();
            prop_assert_eq!(cal.add_working_days(d, WorkingDays(n)), naive_add(&cal, d, n));
            prop_assert_eq!(cal.working_days_between(d, e), naive_between(&cal, d, e));
        }
    }
}
