//! A case being walked through the real domain with a simulated clock: every command goes
//! through `Docket::prepare`, so the demo can only contain histories the rules allow.

use crate::service::Docket;
use docket_domain::Stage;
use docket_domain::calendar::WorkingDays;
use docket_domain::case::{Case, day_of};
use docket_domain::command::Command;
use docket_domain::ids::{PersonId, Text};
use docket_domain::measure::MeasureKind;
use docket_domain::store::Append;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub fn text(s: &str) -> Text {
    Text::parse(s).expect("demo text is never blank")
}

pub struct Sim<'a> {
    pub docket: &'a Docket,
    pub case: Option<Case>,
    pub now: Timestamp,
    pub appends: Vec<Append>,
    pub rng: ChaCha8Rng,
    /// Review dates draw from their own generator, so shifting a case's start date (which
    /// changes how many reviews fall inside it) leaves every other draw unchanged.
    pub review_rng: ChaCha8Rng,
    /// Who reviews interim measures when they fall due.
    pub reviewer: PersonId,
    /// Reviews stop after this day: the demo's neglected measures go overdue.
    pub reviews_until: Option<Date>,
}

impl<'a> Sim<'a> {
    pub fn today(&self) -> Date {
        day_of(self.now)
    }

    pub fn case(&self) -> &Case {
        self.case
            .as_ref()
            .expect("the walk starts with a complaint")
    }

    pub fn stage(&self) -> Stage {
        self.case
            .as_ref()
            .map(|c| c.stage)
            .unwrap_or(Stage::Received)
    }

    pub fn step(&mut self, actor: &PersonId, cmd: Command) -> anyhow::Result<()> {
        let (case, append) = self
            .docket
            .prepare(self.case.as_ref(), &cmd, actor, self.now)
            .map_err(|e| anyhow::anyhow!("demo step {} at {}: {e}", cmd.name(), self.now))?;
        self.case = Some(case);
        self.appends.push(append);
        Ok(())
    }

    pub fn working_days_ahead(&self, n: u32) -> Date {
        self.docket
            .calendar
            .add_working_days(self.today(), WorkingDays(n))
    }

    /// Moves the clock on by `days` calendar days to a working-hours time, reviewing any
    /// interim measure that falls due on the way (unless reviews have been neglected).
    pub fn wait(&mut self, days: i64) -> anyhow::Result<()> {
        let target = self.now.checked_add((days * 24).hours())?;
        loop {
            let due = self.case.as_ref().and_then(|c| {
                c.active_measures()
                    .map(|m| (m.number, m.review_date))
                    .min_by_key(|m| m.1)
            });
            let Some((number, review)) = due else { break };
            if self.reviews_until.is_some_and(|u| review > u) {
                break;
            }
            let review_at = review
                .saturating_sub(2.days())
                .to_zoned(jiff::tz::TimeZone::UTC)?
                .timestamp()
                .checked_add(11.hours())?;
            if review_at >= target || review_at <= self.now {
                break;
            }
            self.now = review_at;
            let ahead = self.review_rng.random_range(35..=55);
            let next = self.working_days_ahead(ahead);
            let reviewer = self.reviewer.clone();
            let kind = match self
                .case()
                .measures
                .iter()
                .find(|m| m.number == number)
                .map(|m| &m.kind)
            {
                Some(MeasureKind::WhipWithdrawal { .. }) => "the whip withdrawal",
                _ => "the suspension",
            };
            self.step(
                &reviewer,
                Command::ReviewMeasure {
                    measure: number,
                    reasons: text(&format!(
                        "Reviewed {kind}: the case is still in progress and the reasons for the measure still apply."
                    )),
                    next_review: Some(next),
                },
            )?;
        }
        // Staff act on working days: a step that would land on a weekend or bank holiday
        // waits for the next working day.
        let mut day = day_of(target);
        let mut at = target;
        while !self.docket.calendar.is_working_day(day) {
            day = day.tomorrow()?;
            at = at.checked_add(24.hours())?;
        }
        self.now = at.max(self.now);
        Ok(())
    }

    /// Waits until the appeal window has closed, plus a few days for the office to act.
    pub fn wait_out_appeal_window(&mut self) -> anyhow::Result<()> {
        let deadline = self.case().appeal_deadline.unwrap_or(self.today());
        let days = (deadline - self.today()).get_days() as i64 + self.rng.random_range(1..=5);
        self.wait(days.max(1))
    }

    pub fn wait_between(&mut self, lo: i64, hi: i64) -> anyhow::Result<()> {
        let d = self.rng.random_range(lo..=hi);
        self.wait(d)
    }

    /// Lifts every active measure: closing a case never leaves a member suspended by accident.
    pub fn lift_all(&mut self, why: &str) -> anyhow::Result<()> {
        let active: Vec<u32> = self.case().active_measures().map(|m| m.number).collect();
        let reviewer = self.reviewer.clone();
        for number in active {
            self.step(
                &reviewer,
                Command::LiftMeasure {
                    measure: number,
                    reasons: text(why),
                },
            )?;
        }
        Ok(())
    }

    /// Schedules a hearing before the Constitutional Committee.
    pub fn schedule_hearing(
        &mut self,
        officer: &PersonId,
        panel: &[PersonId],
        date: Date,
    ) -> anyhow::Result<()> {
        self.step(
            officer,
            Command::ScheduleHearing {
                draw: None,
                panel: panel.to_vec(),
                date,
                venue: text("Constitutional Committee, head office"),
            },
        )
    }

    pub fn pick<'b, T>(&mut self, xs: &'b [T]) -> &'b T {
        &xs[self.rng.random_range(0..xs.len())]
    }

    /// `n` distinct people from `pool`, none of them in `exclude`.
    pub fn draw(&mut self, pool: &[PersonId], n: usize, exclude: &[PersonId]) -> Vec<PersonId> {
        let mut out: Vec<PersonId> = Vec::with_capacity(n);
        while out.len() < n {
            let p = self.pick(pool).clone();
            if !out.contains(&p) && !exclude.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}
