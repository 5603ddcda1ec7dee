//! The durable outbox: every notice to a party with an email address is queued in the
//! store in the same transaction as the event that issued it, then sent by whichever
//! server claims it, retried with backoff while the mail server is down, and settled (sent,
//! failed after its retries, or bounced) by an event on the case in the same transaction as
//! the row. Nothing leaves the queue except by an outcome recorded on the case.

pub mod cli;
pub mod mail;

use crate::service::{Docket, ServiceError};
use docket_domain::case::Case;
use docket_domain::command::{Complainant, Party};
use docket_domain::event::CaseEvent;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::notice::DeliveryOutcome;
use docket_domain::store::{
    Append, OutboxChange, OutboxCounts, OutboxFilter, OutboxMessage, OutboxRow, OutboxState,
    StoreError,
};
use jiff::{SignedDuration, Timestamp};
use mail::{Email, Letter, SendError};

/// Attempts before a message is given up on as failed: with the backoff below, about six
/// hours of a mail server that will not answer.
pub const MAX_ATTEMPTS: u32 = 12;
/// How long a claimed message is held by the server that claimed it.
pub const LEASE: SignedDuration = SignedDuration::from_mins(5);
/// A queued message older than this means the outbox is stalled.
pub const STALLED_AFTER: SignedDuration = SignedDuration::from_mins(15);
/// Messages claimed at a time: few enough that, should every one of them hit the SMTP
/// timeout (60 s), the batch is done before its lease runs out and another server may
/// claim (and send again) what this one still holds.
const BATCH: u32 = 4;

/// The actor of what the outbox records.
pub fn outbox_actor() -> PersonId {
    PersonId::parse("docket:outbox").expect("constant id")
}

/// The wait before attempt `attempts + 1`, after `attempts` failures: 30 s, doubling, at
/// most an hour.
pub fn backoff(attempts: u32) -> SignedDuration {
    let secs = 30u64.saturating_mul(1u64 << attempts.saturating_sub(1).min(16));
    SignedDuration::from_secs(secs.min(3600) as i64)
}

/// How a message settled, as recorded on its case and its row.
#[derive(Debug, Clone)]
struct Settled {
    outcome: DeliveryOutcome,
    attempts: u32,
    reason: Option<String>,
    /// For a message queued again: the address to use now.
    address: Option<String>,
}

/// What one pass of the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub bounced: usize,
}

/// The outbox at a glance, and whether it is stalled and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Health {
    pub counts: OutboxCounts,
    /// Where mail goes; None if this server has no mail transport.
    pub transport: Option<String>,
    /// Why the outbox needs attention, in words; empty when all is well.
    pub problems: Vec<String>,
    /// The messages that need attention: waiting past `STALLED_AFTER`, failed, bounced.
    pub stuck: Vec<Stuck>,
}

/// A message that needs attention, without its address: what oversight and the status
/// command show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stuck {
    pub case: CaseId,
    pub notice: u32,
    pub to: Party,
    pub state: OutboxState,
    pub attempts: u32,
    pub queued_at: Timestamp,
    pub last_error: Option<String>,
}

impl Stuck {
    fn of(r: OutboxRow) -> Stuck {
        Stuck {
            case: r.message.case,
            notice: r.message.notice,
            to: r.message.to,
            state: r.state,
            attempts: r.attempts,
            queued_at: r.queued_at,
            last_error: r.last_error,
        }
    }
}

impl Health {
    pub fn stalled(&self) -> bool {
        !self.problems.is_empty()
    }
}

impl Docket {
    /// The email address on record for a party to `case`, if any.
    async fn address_of(&self, case: &Case, to: Party) -> Result<Option<String>, ServiceError> {
        let number = match (to, &case.complainant) {
            (Party::Respondent, _) => &case.respondent.member,
            (Party::Complainant, Complainant::Member { number, .. }) => number,
            (Party::Complainant, Complainant::ThirdParty { email, .. }) => {
                return Ok(email.clone().filter(|e| !e.trim().is_empty()));
            }
            (Party::Complainant, Complainant::Anonymous) => return Ok(None),
        };
        Ok(self
            .store
            .member(number)
            .await?
            .and_then(|m| m.email)
            .filter(|e| !e.trim().is_empty()))
    }

    /// Queues, in `append`, every notice it issues to a party with an email address. A party
    /// without one (an anonymous complainant, a member with no address) reads it in the
    /// portal, where every notice is in any case.
    pub async fn queue_notices(
        &self,
        case: &Case,
        append: &mut Append,
    ) -> Result<(), ServiceError> {
        for e in &append.events {
            if e.kind != "notice_issued" {
                continue;
            }
            let Ok(CaseEvent::NoticeIssued { number, to, .. }) = serde_json::from_str(&e.payload)
            else {
                continue;
            };
            if let Some(address) = self.address_of(case, to).await? {
                append.outbox.push(OutboxChange::Queue(OutboxMessage {
                    case: case.id.clone(),
                    notice: number,
                    to,
                    address,
                }));
            }
        }
        Ok(())
    }

    /// Queues the append's notices, appends it, and wakes the sender if it queued any.
    pub async fn commit_case(
        &self,
        case: &Case,
        mut append: Append,
    ) -> Result<docket_domain::store::Appended, ServiceError> {
        self.queue_notices(case, &mut append).await?;
        let queued = !append.outbox.is_empty();
        let done = self.append(append).await?;
        if queued {
            self.outbox_wake.notify_one();
        }
        Ok(done)
    }

    /// Records what became of a message: the event on its case and the row's new state,
    /// in one transaction. A concurrent change to the case is met by reloading it.
    async fn settle(
        &self,
        row: &OutboxRow,
        settled: &Settled,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let Settled {
            outcome,
            attempts,
            reason,
            address,
        } = settled.clone();
        let state = match outcome {
            DeliveryOutcome::Sent => OutboxState::Sent,
            DeliveryOutcome::Failed => OutboxState::Failed,
            DeliveryOutcome::Bounced => OutboxState::Bounced,
            DeliveryOutcome::Requeued => OutboxState::Queued,
        };
        let event = CaseEvent::NoticeDelivery {
            number: row.message.notice,
            outcome,
            reason: reason.clone(),
            attempts,
        };
        let mut tries = 0;
        loop {
            let case = self
                .load_case(&row.message.case)
                .await?
                .ok_or_else(|| ServiceError::NotFound(row.message.case.clone()))?;
            let (_, mut append) =
                self.prepare_events(Some(&case), std::slice::from_ref(&event), actor, now)?;
            append.outbox.push(OutboxChange::Settle {
                id: row.id,
                state,
                attempts,
                error: reason.clone(),
                at: now,
                address: address.clone(),
            });
            match self.append(append).await {
                Ok(_) => return Ok(()),
                Err(StoreError::Conflict { .. }) if tries < 10 => tries += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Tries one claimed message.
    async fn deliver(
        &self,
        mailer: &dyn mail::Mailer,
        row: &OutboxRow,
        now: Timestamp,
    ) -> Result<Option<DeliveryOutcome>, ServiceError> {
        let attempts = row.attempts + 1;
        let case = self.load_case(&row.message.case).await?;
        let notice = case
            .as_ref()
            .and_then(|c| c.notices.iter().find(|n| n.number == row.message.notice));
        let sent = match notice {
            // Its case or its text is gone (erased): there is nothing to send, and saying so
            // is better than retrying for ever.
            None => Err(SendError::Permanent(
                "the notice is no longer held on the case".into(),
            )),
            Some(n) => {
                let letter = Letter {
                    case: row.message.case.as_str(),
                    notice: n.number,
                    to: &row.message.address,
                    subject: &n.subject,
                    text: &n.text,
                    html: &n.html,
                };
                match Email::build(&self.mail_from, &letter) {
                    Ok(email) => mailer.send(&email).await,
                    Err(e) => Err(e),
                }
            }
        };
        let (outcome, reason) = match sent {
            Ok(()) => (DeliveryOutcome::Sent, None),
            Err(SendError::Permanent(r)) => {
                let r = mail::without_addresses(&r);
                if case.is_none() {
                    // No case to record it on: the row alone says why.
                    self.store
                        .outbox_retry_later(row.id, attempts, far_future(), &r)
                        .await?;
                    return Ok(None);
                }
                (DeliveryOutcome::Bounced, Some(r))
            }
            Err(SendError::Transient(r)) if attempts >= MAX_ATTEMPTS => (
                DeliveryOutcome::Failed,
                Some(format!(
                    "gave up after {attempts} attempts: {}",
                    mail::without_addresses(&r)
                )),
            ),
            Err(SendError::Transient(r)) => {
                let next = now + backoff(attempts);
                self.store
                    .outbox_retry_later(row.id, attempts, next, &mail::without_addresses(&r))
                    .await?;
                return Ok(None);
            }
        };
        let settled = Settled {
            outcome,
            attempts,
            reason,
            address: None,
        };
        self.settle(row, &settled, &outbox_actor(), now).await?;
        Ok(Some(outcome))
    }

    /// One pass of the outbox as of `now`: claims what is due, a batch at a time, and tries
    /// each. Without a mail transport nothing is claimed and the queue waits (and shows as
    /// stalled once it has waited long).
    pub async fn run_outbox(&self, now: Timestamp) -> Result<Pass, ServiceError> {
        let mut pass = Pass::default();
        let Some(mailer) = self.mailer.clone() else {
            return Ok(pass);
        };
        loop {
            let claimed = self.store.claim_outbox(now, LEASE, BATCH).await?;
            if claimed.is_empty() {
                return Ok(pass);
            }
            for row in &claimed {
                match self.deliver(mailer.as_ref(), row, now).await {
                    Ok(Some(DeliveryOutcome::Sent)) => pass.sent += 1,
                    Ok(Some(DeliveryOutcome::Failed)) => pass.failed += 1,
                    Ok(Some(DeliveryOutcome::Bounced)) => pass.bounced += 1,
                    Ok(_) => pass.retrying += 1,
                    // Left claimed: the lease runs out and a later pass tries it again.
                    Err(e) => {
                        tracing::warn!(case = %row.message.case, notice = row.message.notice, error = %e, "a notice could not be delivered or recorded");
                        pass.retrying += 1;
                    }
                }
            }
        }
    }

    /// Puts failed and bounced messages back in the queue (all of them, or one case's), to
    /// the address on record now (so a corrected address is used), each with an event on
    /// its case saying who did it. A party with no address left is skipped. Returns how
    /// many were queued.
    pub async fn requeue(
        &self,
        case: Option<&CaseId>,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<usize, ServiceError> {
        let rows = self
            .store
            .outbox_rows(&OutboxFilter {
                case: case.cloned(),
                states: vec![OutboxState::Failed, OutboxState::Bounced],
                limit: u32::MAX,
            })
            .await?;
        let mut queued = 0;
        for row in &rows {
            let Some(case) = self.load_case(&row.message.case).await? else {
                continue;
            };
            let Some(address) = self.address_of(&case, row.message.to).await? else {
                continue;
            };
            let settled = Settled {
                outcome: DeliveryOutcome::Requeued,
                attempts: 0,
                reason: Some(format!("queued again by {actor}")),
                address: Some(address),
            };
            self.settle(row, &settled, actor, now).await?;
            queued += 1;
        }
        if queued > 0 {
            self.outbox_wake.notify_one();
        }
        Ok(queued)
    }

    /// The outbox's counts and whether it is stalled: a message waiting longer than
    /// `STALLED_AFTER`, any failed or bounced, or (for a serving process, which knows its
    /// own transport) a queue with no transport to empty it.
    pub async fn outbox_health(
        &self,
        now: Timestamp,
        serving: bool,
    ) -> Result<Health, ServiceError> {
        let counts = self.store.outbox_counts().await?;
        let transport = self.mailer.as_ref().map(|m| m.describe());
        let mut problems = Vec::new();
        let waited = counts
            .oldest_queued
            .map(|t| now.duration_since(t))
            .filter(|w| *w > STALLED_AFTER);
        if let Some(w) = waited {
            problems.push(format!(
                "{} queued, the oldest for {}{}",
                counts.queued,
                crate::figures::span_words(w),
                if counts.retrying > 0 {
                    format!("; {} failing and being retried", counts.retrying)
                } else {
                    String::new()
                }
            ));
        }
        if serving && counts.queued > 0 && transport.is_none() {
            problems.push("this server has no mail transport (set --smtp-url)".into());
        }
        if counts.failed > 0 {
            problems.push(format!(
                "{} failed after every retry (`docket outbox retry` queues them again)",
                counts.failed
            ));
        }
        if counts.bounced > 0 {
            problems.push(format!(
                "{} bounced: check the addresses on the membership list",
                counts.bounced
            ));
        }
        let mut stuck = self
            .store
            .outbox_rows(&OutboxFilter {
                case: None,
                states: vec![OutboxState::Failed, OutboxState::Bounced],
                limit: 100,
            })
            .await?;
        if waited.is_some() {
            let queued = self
                .store
                .outbox_rows(&OutboxFilter {
                    case: None,
                    states: vec![OutboxState::Queued],
                    limit: 100,
                })
                .await?;
            stuck.extend(
                queued
                    .into_iter()
                    .filter(|r| now.duration_since(r.queued_at) > STALLED_AFTER),
            );
        }
        Ok(Health {
            counts,
            transport,
            problems,
            stuck: stuck.into_iter().map(Stuck::of).collect(),
        })
    }
}

/// A retry time that never comes: for a row with nothing left to send and no case to
/// record that on. It stays queued, and so in view, rather than vanish.
fn far_future() -> Timestamp {
    "9999-01-01T00:00:00Z".parse().unwrap_or(Timestamp::MAX)
}

/// Sends what is due now and whenever a notice is queued, and otherwise every 30 seconds
/// (a retry's backoff is its own clock, checked each time).
pub async fn run_sender(docket: Docket) {
    loop {
        match docket.run_outbox(Timestamp::now()).await {
            Ok(p) if p.sent + p.failed + p.bounced > 0 => tracing::info!(
                sent = p.sent,
                failed = p.failed,
                bounced = p.bounced,
                retrying = p.retrying,
                "the outbox delivered notices"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "the outbox's pass failed; the next pass retries")
            }
        }
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(30),
            docket.outbox_wake.notified(),
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(u32::MAX).as_secs(), 3600);
    }
}
