//! The outbox: notices waiting to be emailed. A row is queued in the same transaction as the
//! event that issued its notice (see [`super::Append::outbox`]), so no notice can be issued
//! and then forgotten by a crash. The row is operational state, not a read model: it holds
//! the address (which the log does not), the attempts and the next retry. What finally
//! became of each message (sent, failed, bounced, queued again) is also an event on the
//! case, written in the same transaction as the row's settlement.

use crate::command::Party;
use crate::ids::CaseId;
use jiff::Timestamp;

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its first attempt or its next retry.
    Queued,
    Sent,
    /// Given up after its retries, with the last reason.
    Failed,
    /// Refused for good by the recipient's server.
    Bounced,
}

impl OutboxState {
    pub const ALL: [OutboxState; 4] = [
        OutboxState::Queued,
        OutboxState::Sent,
        OutboxState::Failed,
        OutboxState::Bounced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Bounced => "bounced",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxState> {
        OutboxState::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A notice to email: which, to whom, at which address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub case: CaseId,
    pub notice: u32,
    pub to: Party,
    pub address: String,
}

/// What an append does to the outbox, in its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxChange {
    /// A new message, due at once. Queuing the same (case, notice) twice changes nothing.
    Queue(OutboxMessage),
    /// A message reached `state`, with `attempts` made and the reason if it failed. Settling
    /// to `Queued` puts a failed or bounced message back, due at once, to `address` if one
    /// is given (the one on record now, say, after a bounce was corrected).
    Settle {
        id: u64,
        state: OutboxState,
        attempts: u32,
        error: Option<String>,
        at: Timestamp,
        address: Option<String>,
    },
}

/// One outbox row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: u64,
    pub message: OutboxMessage,
    pub state: OutboxState,
    pub attempts: u32,
    pub queued_at: Timestamp,
    /// When a queued message is next due.
    pub next_attempt_at: Timestamp,
    /// Whoever claimed it may send it until then; after that anyone may.
    pub claimed_until: Option<Timestamp>,
    pub last_error: Option<String>,
    /// When it was sent, given up on or bounced.
    pub settled_at: Option<Timestamp>,
}

/// Which rows [`super::Store::outbox_rows`] returns, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    pub case: Option<CaseId>,
    /// Only rows in these states (all, if empty).
    pub states: Vec<OutboxState>,
    pub limit: u32,
}

/// The whole outbox at a glance, for `docket outbox status` and oversight.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub queued: u64,
    pub sent: u64,
    pub failed: u64,
    pub bounced: u64,
    /// Queued messages that have failed at least once and wait for a retry.
    pub retrying: u64,
    /// When the longest-waiting queued message was queued.
    pub oldest_queued: Option<Timestamp>,
}

/// An outbox row's columns as both stores keep them (text times, text enums), and the one
/// place they are turned into an [`OutboxRow`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxColumns {
    pub id: i64,
    pub case_id: String,
    pub notice: i64,
    pub party: String,
    pub address: String,
    pub state: String,
    pub attempts: i64,
    pub queued_at: String,
    pub next_attempt_at: String,
    pub claimed_until: Option<String>,
    pub last_error: Option<String>,
    pub settled_at: Option<String>,
}

/// The column list every outbox query selects, in [`OutboxColumns`] order.
pub const OUTBOX_COLUMNS: &str = "id, case_id, notice, party, address, state, attempts, \
     queued_at, next_attempt_at, claimed_until, last_error, settled_at";

impl OutboxColumns {
    pub fn into_row(self) -> Result<OutboxRow, super::StoreError> {
        use super::codec::parse_ts;
        let corrupt = |what: &str, v: &str| {
            super::StoreError::Corrupt(format!("outbox row {}: {what} '{v}'", self.id))
        };
        let to = match self.party.as_str() {
            "complainant" => Party::Complainant,
            "respondent" => Party::Respondent,
            other => return Err(corrupt("party", other)),
        };
        Ok(OutboxRow {
            id: self.id as u64,
            message: OutboxMessage {
                case: CaseId::parse(&self.case_id).map_err(|_| corrupt("case", &self.case_id))?,
                notice: u32::try_from(self.notice)
                    .map_err(|_| corrupt("notice", &self.notice.to_string()))?,
                to,
                address: self.address.clone(),
            },
            state: OutboxState::parse(&self.state).ok_or_else(|| corrupt("state", &self.state))?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            queued_at: parse_ts(&self.queued_at)?,
            next_attempt_at: parse_ts(&self.next_attempt_at)?,
            claimed_until: self.claimed_until.as_deref().map(parse_ts).transpose()?,
            last_error: self.last_error.clone(),
            settled_at: self.settled_at.as_deref().map(parse_ts).transpose()?,
        })
    }
}

/// The counts from one `GROUP BY state` row each: (state, rows, rows with attempts,
/// earliest queued_at).
pub fn counts_from(
    groups: Vec<(String, i64, i64, Option<String>)>,
) -> Result<OutboxCounts, super::StoreError> {
    let mut c = OutboxCounts::default();
    for (state, n, tried, oldest) in groups {
        let n = n as u64;
        match OutboxState::parse(&state) {
            Some(OutboxState::Queued) => {
                c.queued = n;
                c.retrying = tried as u64;
                c.oldest_queued = oldest.as_deref().map(super::codec::parse_ts).transpose()?;
            }
            Some(OutboxState::Sent) => c.sent = n,
            Some(OutboxState::Failed) => c.failed = n,
            Some(OutboxState::Bounced) => c.bounced = n,
            None => {
                return Err(super::StoreError::Corrupt(format!(
                    "an outbox row in state '{state}'"
                )));
            }
        }
    }
    Ok(c)
}
