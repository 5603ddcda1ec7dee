//! Small figures shown to people, computed one way everywhere.

use docket_domain::calendar::Calendar;
use docket_domain::summary::CaseSummary;
use jiff::civil::Date;

/// "90 of 500,000 members (0.018%)": the share to three decimal places of a percent, as
/// organisations quote it, with the membership it is a share of.
pub fn share_of_membership(open: u64, members: u64) -> String {
    if members == 0 {
        return String::from("no members imported");
    }
    let pct = open as f64 * 100.0 / members as f64;
    format!(
        "{}% of {} members",
        trim(format!("{pct:.3}")),
        thousands(members)
    )
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The case list as a fixed-width table; overdue clocks say by how many working days.
pub fn case_table(cases: &[CaseSummary], today: Date, calendar: &Calendar) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<13} {:<20} {:<18} {:<10} {:<10} {:<10} {:<10} NOTES",
        "REFERENCE", "STAGE", "CATEGORY", "RECEIVED", "IN STAGE", "DUE", "REVIEW"
    );
    for c in cases {
        let mut notes = Vec::new();
        if let Some(due) = c.stage_due.filter(|_| c.open && c.stage_overdue(today)) {
            // A deadline that fell on Friday is overdue on Sunday, though no working day
            // has yet been lost.
            match calendar.working_days_between(due, today) {
                n if n > 0 => notes.push(format!("OVERDUE since {due} ({n} working days)")),
                _ => notes.push(format!("OVERDUE since {due}")),
            }
        }
        if c.review_overdue(today) {
            notes.push("MEASURE REVIEW OVERDUE".to_string());
        }
        let d = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{:<13} {:<20} {:<18} {:<10} {:<10} {:<10} {:<10} {}",
            c.id.as_str(),
            c.stage.to_string(),
            c.category,
            c.received_on.to_string(),
            c.stage_entered_on.to_string(),
            d(c.stage_due),
            d(c.review_due),
            notes.join("; ")
        );
    }
    out
}

/// All cases and open cases, from the counts by stage.
pub fn totals(stages: &[(docket_domain::Stage, u64)]) -> (u64, u64) {
    let all = stages.iter().map(|(_, n)| n).sum();
    let open = stages
        .iter()
        .filter(|(s, _)| s.is_open())
        .map(|(_, n)| n)
        .sum();
    (all, open)
}

/// The published headline: cases by stage, all cases, open cases and the membership they
/// are a share of, read once from the read models for every page and answer that shows it.
#[derive(Debug, Clone)]
pub struct Headline {
    pub stages: Vec<(docket_domain::Stage, u64)>,
    pub members: u64,
    pub cases: u64,
    pub open: u64,
}

impl Headline {
    pub async fn read(
        store: &dyn docket_domain::store::Store,
    ) -> Result<Headline, docket_domain::store::StoreError> {
        let stages = store.stage_counts().await?;
        let members = store.member_count().await?;
        let (cases, open) = totals(&stages);
        Ok(Headline {
            stages,
            members,
            cases,
            open,
        })
    }

    /// "0.018% of 500,000 members".
    pub fn open_share(&self) -> String {
        share_of_membership(self.open, self.members)
    }
}

/// A wait in the largest whole unit that fits: "40 seconds", "12 minutes", "3 hours",
/// "2 days".
pub fn span_words(d: jiff::SignedDuration) -> String {
    let s = d.as_secs().max(0);
    let (n, unit) = match s {
        0..60 => (s, "second"),
        60..3600 => (s / 60, "minute"),
        3600..86_400 => (s / 3600, "hour"),
        _ => (s / 86_400, "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_said_in_their_largest_whole_unit() {
        let w = |s| span_words(jiff::SignedDuration::from_secs(s));
        assert_eq!(w(1), "1 second");
        assert_eq!(w(20 * 60), "20 minutes");
        assert_eq!(w(3 * 3600 + 5), "3 hours");
        assert_eq!(w(86_400), "1 day");
    }

    #[test]
    fn the_published_figure() {
        assert_eq!(
            share_of_membership(90, 500_000),
            "0.018% of 500,000 members"
        );
        assert_eq!(share_of_membership(0, 10), "0% of 10 members");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
