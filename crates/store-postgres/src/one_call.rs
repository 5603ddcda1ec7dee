//! The one-round-trip append: a whole group-commit batch as a single call of the
//! `docket_append` function (migrations/0002), which runs as its own transaction.
//!
//! The transaction path in `write.rs` remains for what this does not cover: membership
//! imports, credentials (accounts, tokens, receipts), very large batches, and batches in which some job's version is stale (that path
//! decides conflicts job by job).

use crate::db_err;
use docket_domain::store::codec::{CaseRow, assignment_rows, format_ts};
use docket_domain::store::{Append, Appended, ReadModelChange, Salt, StoreError};
use docket_tlog::Hash;
use sqlx::PgConnection;
use std::collections::HashMap;

const MAX_EVENTS: usize = 4_096;
const MAX_BYTES: usize = 16 << 20;

type Outcome = Result<Vec<Appended>, StoreError>;

/// A batch laid out as the function's array arguments.
#[derive(Debug, Default)]
pub(crate) struct OneCall {
    check_streams: Vec<String>,
    check_versions: Vec<i64>,
    ev_stream: Vec<String>,
    ev_version: Vec<i64>,
    ev_kind: Vec<String>,
    ev_actor: Vec<String>,
    ev_at: Vec<String>,
    ev_payload: Vec<String>,
    ev_salt: Vec<Salt>,
    /// Each event's leaf hash, computed here from the very values bound for its row.
    ev_leaf: Vec<Hash>,
    cases: Vec<CaseRow>,
    a_case: Vec<String>,
    a_person: Vec<String>,
    a_function: Vec<String>,
    a_pos: Vec<i32>,
    /// Per job, per append: (index of its first event in the batch, events, version after).
    plan: Vec<Vec<(u64, u64, u64)>>,
}

impl OneCall {
    /// None when the batch must take the transaction path.
    pub(crate) fn prepare(jobs: &[&[Append]]) -> Option<OneCall> {
        let mut call = OneCall::default();
        let mut versions: HashMap<&str, u64> = HashMap::new();
        let mut summaries: HashMap<String, usize> = HashMap::new();
        let mut final_summaries = Vec::new();
        let mut bytes = 0;
        for job in jobs {
            let mut plan = Vec::with_capacity(job.len());
            for a in *job {
                match versions.get(a.stream.as_str()) {
                    // A later command in the batch must follow on from the earlier one.
                    Some(v) if *v != a.expected_version => return None,
                    Some(_) => {}
                    None => {
                        call.check_streams.push(a.stream.clone());
                        call.check_versions.push(a.expected_version as i64);
                    }
                }
                // The outbox is written on the transaction path, like credentials.
                if !a.outbox.is_empty() {
                    return None;
                }
                let after = a.expected_version + a.events.len() as u64;
                versions.insert(&a.stream, after);
                plan.push((call.ev_stream.len() as u64, a.events.len() as u64, after));
                let at = format_ts(a.at);
                for (i, e) in a.events.iter().enumerate() {
                    bytes += e.payload.len();
                    let version = a.expected_version + i as u64 + 1;
                    call.ev_stream.push(a.stream.clone());
                    call.ev_version.push(version as i64);
                    call.ev_kind.push(e.kind.clone());
                    call.ev_actor.push(a.actor.as_str().to_owned());
                    let leaf = a.entry(i, &at).leaf_hash();
                    call.ev_at.push(at.clone());
                    call.ev_payload.push(e.payload.clone());
                    call.ev_salt.push(e.salt);
                    call.ev_leaf.push(leaf);
                }
                match &a.read_model {
                    ReadModelChange::None => {}
                    // Credentials and membership imports are rare: they take the
                    // transaction path rather than widen the function's arguments.
                    ReadModelChange::Members(_)
                    | ReadModelChange::Account(_)
                    | ReadModelChange::Token(_)
                    | ReadModelChange::CaseWithReceipt(..) => return None,
                    ReadModelChange::Case(s) => match summaries.get(s.id.as_str()) {
                        Some(i) => final_summaries[*i] = s,
                        None => {
                            summaries.insert(s.id.to_string(), final_summaries.len());
                            final_summaries.push(s);
                        }
                    },
                }
            }
            call.plan.push(plan);
        }
        if call.ev_stream.is_empty() || call.ev_stream.len() > MAX_EVENTS || bytes > MAX_BYTES {
            return None;
        }
        for s in final_summaries {
            let row = CaseRow::from_summary(s);
            for (pos, (person, function)) in assignment_rows(s).into_iter().enumerate() {
                call.a_case.push(row.id.clone());
                call.a_person.push(person);
                call.a_function.push(function);
                call.a_pos.push(pos as i32);
            }
            call.cases.push(row);
        }
        Some(call)
    }

    /// Every job's acknowledgement, given the log head the call started from.
    pub(crate) fn results(&self, head: i64) -> Vec<Outcome> {
        let base = head as u64 + 1;
        self.plan
            .iter()
            .map(|job| {
                Ok(job
                    .iter()
                    .map(|(first, n, version)| Appended {
                        first_seq: base + first,
                        last_seq: base + first + n - 1,
                        version: *version,
                    })
                    .collect())
            })
            .collect()
    }
}

/// Some(head the batch was appended after), or None if a version was stale (nothing written).
pub(crate) async fn append_in_one_call(
    conn: &mut PgConnection,
    call: &OneCall,
) -> Result<Option<i64>, StoreError> {
    let c = &call.cases;
    let head: i64 = sqlx::query_scalar(
        "SELECT docket_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)",
    )
    .bind(&call.check_streams)
    .bind(&call.check_versions)
    .bind(&call.ev_stream)
    .bind(&call.ev_version)
    .bind(&call.ev_kind)
    .bind(&call.ev_actor)
    .bind(&call.ev_at)
    .bind(&call.ev_payload)
    .bind(&call.ev_salt)
    .bind(&call.ev_leaf)
    .bind(c.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.stage.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.category.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.received_on.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.stage_entered_on.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.respondent.as_str()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.stage_due.as_deref()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.review_due.as_deref()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.open).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.active_measures).collect::<Vec<_>>())
    .bind(&call.a_case)
    .bind(&call.a_person)
    .bind(&call.a_function)
    .bind(&call.a_pos)
    .bind(c.iter().map(|r| r.title.as_deref()).collect::<Vec<_>>())
    .bind(c.iter().map(|r| r.facts.as_deref()).collect::<Vec<_>>())
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok((head >= 0).then_some(head))
}

/// After a connection failed mid-call: did the call commit? It is all or nothing, so its
/// first event, byte for byte (its random salt included), is there exactly when everything
/// is. Some(head) if it landed.
pub(crate) async fn landed(
    conn: &mut PgConnection,
    call: &OneCall,
) -> Result<Option<i64>, StoreError> {
    let seq: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM events WHERE stream = $1 AND version = $2 AND kind = $3 AND actor = $4 AND recorded_at = $5 AND payload = $6 AND salt = $7",
    )
    .bind(&call.ev_stream[0])
    .bind(call.ev_version[0])
    .bind(&call.ev_kind[0])
    .bind(&call.ev_actor[0])
    .bind(&call.ev_at[0])
    .bind(&call.ev_payload[0])
    .bind(call.ev_salt[0])
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(seq.map(|s| s - 1))
}
