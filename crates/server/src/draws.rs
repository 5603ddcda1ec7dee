//! Random draws for hearing panels, appeal panels and the independent reviewer. The service
//! chooses the pool (every enabled account holding the role the function is drawn from, with
//! their standing from the membership list) and the seed (from the operating system); the
//! domain ranks and passes over conflicts, other functions and the ineligible. The inputs
//! come back to be recorded with the command that appoints the people drawn, so anyone can
//! re-run the draw; every draw made is also logged, so drawing again until a result suits
//! someone shows.

use crate::access::Target;
use crate::service::{Docket, ServiceError, encode};
use docket_domain::Command;
use docket_domain::case::day_of;
use docket_domain::draw::{Candidate, Draw, DrawInput, Eligibility, Standing, draw};
use docket_domain::function::Function;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::member::MemberStatus;
use docket_domain::policy::Action;
use docket_domain::role::{Principal, Role};
use docket_domain::view::{ViewEvent, views_stream};
use docket_domain::{Rule, Violation};
use jiff::Timestamp;

/// The role a function's people are drawn from, the command that appoints them, and the
/// default number.
fn drawn_from(docket: &Docket, f: Function) -> Result<(Role, Action, usize), Violation> {
    let panels = &docket.rules.panels;
    match f {
        Function::HearingPanel => Ok((
            Role::PanelMember,
            Action::ScheduleHearing,
            panels.hearing as usize,
        )),
        Function::AppealPanel => Ok((
            Role::AppealPanelMember,
            Action::ConveneAppealPanel,
            panels.appeal as usize,
        )),
        Function::IndependentReviewer => Ok((
            Role::IndependentReviewer,
            Action::RequestIndependentReview,
            1,
        )),
        other => Err(Violation::invalid(
            "function",
            format!(
                "{} is appointed, not drawn: draws are for hearing_panel, appeal_panel and independent_reviewer",
                other.as_str()
            ),
        )),
    }
}

/// A draw as the case's log holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub at: Timestamp,
    pub seed: String,
    pub drawn: Vec<PersonId>,
}

impl Docket {
    /// Every draw for `function` logged on the case, oldest first.
    pub async fn draws_logged(
        &self,
        case_id: &CaseId,
        function: Function,
    ) -> Result<Vec<Logged>, ServiceError> {
        let mut out = Vec::new();
        for e in self.store.stream_events(&views_stream(case_id)).await? {
            if e.kind != "panel_drawn" || e.erased {
                continue;
            }
            let event: ViewEvent = serde_json::from_str(&e.payload)
                .map_err(|err| ServiceError::Corrupt(format!("event {}: {err}", e.seq)))?;
            if let ViewEvent::PanelDrawn {
                function: f,
                drawn,
                seed,
                ..
            } = event
                && f == function
            {
                out.push(Logged {
                    at: e.at,
                    seed,
                    drawn,
                });
            }
        }
        Ok(out)
    }

    /// Refuses an appointment that names a draw unless it is the latest draw logged for the
    /// case and function, with the people it drew: a draw made up by the caller (a chosen
    /// seed or pool), or an earlier draw picked over a later one, is not a random draw.
    pub(crate) async fn check_drawn(
        &self,
        case_id: &CaseId,
        cmd: &Command,
    ) -> Result<(), ServiceError> {
        let (input, appointed) = match cmd {
            Command::ScheduleHearing {
                panel,
                draw: Some(input),
                ..
            }
            | Command::ConveneAppealPanel {
                panel,
                draw: Some(input),
            } => (input, panel.clone()),
            Command::RequestIndependentReview {
                reviewer,
                draw: Some(input),
            } => (input, vec![reviewer.clone()]),
            _ => return Ok(()),
        };
        let latest = self.draws_logged(case_id, input.function).await?.pop();
        let refuse = |why: String| -> Result<(), ServiceError> {
            Err(Violation::new(Rule::PanelDrawNotLatest, why).into())
        };
        match latest {
            None => refuse(format!(
                "no {} has been drawn for this case: draw one (POST /api/v1/cases/{case_id}/draws) and send that draw back",
                input.function.as_str()
            )),
            Some(l) if l.seed != crate::hex::encode(&input.seed) => refuse(format!(
                "this is not the latest {} draw logged for the case (that one was made at {}): appoint from the latest draw",
                input.function.as_str(),
                l.at
            )),
            Some(l) if l.drawn != appointed => refuse(format!(
                "the people appointed are not those the latest {} draw chose ({})",
                input.function.as_str(),
                l.drawn
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Some(_) => Ok(()),
        }
    }

    /// Makes a draw for `function` on a case, as `who` (who must be allowed to appoint what
    /// is drawn). `size` defaults to the rule book's panel size (one reviewer). Drawing again
    /// for a function already drawn needs a `reason`, recorded with the draw.
    pub async fn draw_for(
        &self,
        case_id: &CaseId,
        function: Function,
        size: Option<usize>,
        reason: Option<Text>,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(DrawInput, Draw), ServiceError> {
        let (role, action, default_size) = drawn_from(self, function)?;
        let case = self
            .load_case(case_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(case_id.clone()))?;
        self.authorize(who, action, Target::Case(&case), now)
            .await?;
        let earlier = self.draws_logged(case_id, function).await?;
        if let (Some(last), None) = (earlier.last(), &reason) {
            return Err(Violation::new(
                Rule::RedrawNeedsReason,
                format!(
                    "a {} has been drawn for this case {} time(s) already, last at {}; drawing again needs a reason, which is recorded with the draw",
                    function.as_str(),
                    earlier.len(),
                    last.at
                ),
            )
            .into());
        }
        let size = size.unwrap_or(default_size);
        if !(1..=15).contains(&size) {
            return Err(Violation::invalid("size", "a draw is for 1 to 15 people").into());
        }
        let mut pool = Vec::new();
        for account in self.store.accounts().await? {
            if account.disabled || !account.roles.contains(&role) {
                continue;
            }
            let standing = match &account.member {
                None => Standing::Never,
                Some(n) => match self.store.member(n).await? {
                    Some(m) if m.status == MemberStatus::Active => {
                        Standing::Member { since: m.joined_on }
                    }
                    // The list keeps no date of leaving: count them as leaving today, which
                    // is the cautious reading for "not a member within N years".
                    Some(_) => Standing::Former { left: day_of(now) },
                    None => Standing::Never,
                },
            };
            pool.push(Candidate {
                person: account.person,
                standing,
            });
        }
        pool.sort_by(|a, b| a.person.cmp(&b.person));
        let eligibility = match function {
            Function::IndependentReviewer => self.rules.panels.reviewer_eligibility,
            _ => Eligibility::default(),
        };
        let input = DrawInput {
            function,
            size,
            seed: rand::random(),
            on: day_of(now),
            pool,
            eligibility,
            conflicted: case.conflicted(),
        };
        let made = draw(&input, &case.functions).map_err(|v| {
            if v.rule == Rule::PanelPoolTooSmall {
                Violation::new(
                    v.rule,
                    format!("{} (accounts with the role {role})", v.message),
                )
            } else {
                v
            }
        })?;
        let event = encode(&ViewEvent::PanelDrawn {
            case: case.id.clone(),
            function,
            drawn: made.drawn.clone(),
            seed: crate::hex::encode(&input.seed),
            reason,
        })?;
        self.append_at_head(&views_stream(&case.id), event, &who.person, now, None)
            .await?;
        Ok((input, made))
    }
}
