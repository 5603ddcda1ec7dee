//! TEMPORARY STUB — replaced by the real calendar module.
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkingDays(pub u32);
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar { holidays: std::collections::BTreeSet<Date> }
impl Calendar {
    pub fn england_and_wales() -> Calendar { Calendar { holidays: Default::default() } }
    pub fn is_working_day(&self, d: Date) -> bool { !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.holidays.contains(&d) }
    pub fn add_working_days(&self, mut d: Date, n: WorkingDays) -> Date { let mut k = 0; while k < n.0 { d = d.tomorrow().unwrap(); if self.is_working_day(d) { k += 1; } } d }
    pub fn working_days_between(&self, a: Date, b: Date) -> i64 { let (lo, hi, s) = if a <= b { (a, b, 1) } else { (b, a, -1) }; let mut d = lo; let mut n = 0; while d < hi { d = d.tomorrow().unwrap(); if self.is_working_day(d) { n += 1; } } n * s }
}
