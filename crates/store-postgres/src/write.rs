//! The single writer task: group commit on one dedicated connection.
//!
//! Unlike the SQLite store this does not wrap each job in a savepoint. Holding the
//! `log_head` lock makes the version check exact, so conflicts are decided in memory before
//! anything is written; the batch's rows then go out as a few multi-row statements. A
//! savepoint per job would cost a round trip each and, past 64 in one transaction, overflow
//! PostgreSQL's subtransaction cache and slow every other session's snapshots. Should a
//! write fail anyway (bad data the version check cannot foresee), the batch is rolled back
//! and its jobs retried one transaction each, so that job still fails alone.

use crate::credentials;
use crate::one_call::{OneCall, append_in_one_call, landed};
use crate::rows::{EventRow, insert_events, upsert_cases, upsert_members};
use crate::{Job, db_err};
use docket_domain::member::Member;
use docket_domain::store::codec::format_ts;
use docket_domain::store::{Append, Appended, ReadModelChange, StoreError, StoredCheckpoint};
use docket_domain::summary::CaseSummary;
use docket_tlog::Hash;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// More appends than this wait for the next transaction, so one huge batch cannot hold up
/// acknowledgements for everyone queued behind it.
const MAX_BATCH: usize = 512;
/// How long the writer waits for a new connection before failing the jobs in hand, so an
/// unreachable server is reported rather than waited on for minutes of TCP retries.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

type Outcome = Result<Vec<Appended>, StoreError>;
type Reply = oneshot::Sender<Outcome>;

/// The writer's connection, replaced after any failure that may have broken it, so a
/// database restart costs the jobs in flight but not the writer.
struct Writer {
    opts: PgConnectOptions,
    conn: Option<PgConnection>,
}

impl Writer {
    async fn conn(&mut self) -> Result<&mut PgConnection, StoreError> {
        if self.conn.is_none() {
            let conn =
                tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&self.opts))
                    .await
                    .map_err(|_| {
                        StoreError::Unavailable("connecting to the database timed out".into())
                    })?
                    .map_err(db_err)?;
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Unavailable("no connection to the database".into()))
    }

    /// Leaves no transaction open after `e`: rolls back, or gives up the connection if the
    /// server is gone or the rollback fails.
    async fn recover(&mut self, e: &StoreError) {
        let keep = match (&mut self.conn, e) {
            (Some(_), StoreError::Unavailable(_)) | (None, _) => false,
            (Some(conn), _) => exec(conn, "ROLLBACK").await.is_ok(),
        };
        if !keep {
            // Closing politely could wait on a dead socket; dropping it is enough.
            self.conn = None;
        }
    }

    /// Runs `work` (which opens a transaction and leaves it open) and commits it. A lost
    /// connection before COMMIT is retried once on a new one: nothing can have been
    /// committed, and a connection that died while idle (server restart, failover, a proxy's
    /// idle timeout) should not cost the first command after it. A failure during COMMIT is
    /// not retried, since the transaction may or may not have landed.
    async fn transact(&mut self, work: Work<'_>) -> Result<Done, StoreError> {
        let mut retried = false;
        loop {
            let e = match self.conn().await {
                Ok(conn) => match work.run(conn).await {
                    Ok(done) => match exec(conn, "COMMIT").await {
                        Ok(()) => return Ok(done),
                        Err(e) => {
                            self.recover(&e).await;
                            return Err(e);
                        }
                    },
                    Err(e) => e,
                },
                Err(e) => e,
            };
            self.recover(&e).await;
            if retried || !matches!(e, StoreError::Unavailable(_)) {
                return Err(e);
            }
            retried = true;
        }
    }
}

/// What one transaction does. (An enum rather than a closure: async closures borrowing the
/// connection do not yet prove their futures `Send` for `tokio::spawn`.)
#[derive(Clone, Copy)]
enum Work<'a> {
    Append(&'a [&'a [Append]]),
    Replace(&'a [CaseSummary], &'a [Member]),
    Erase(u64, &'a Append),
    Checkpoint(&'a StoredCheckpoint),
}

/// What a committed [`Work`] returns.
enum Done {
    /// One outcome per job.
    Appends(Vec<Outcome>),
    Erased(Appended),
    /// Whether the checkpoint was new.
    Kept(bool),
    Replaced,
}

impl Work<'_> {
    async fn run(self, conn: &mut PgConnection) -> Result<Done, StoreError> {
        match self {
            Work::Append(jobs) => write_batch(conn, jobs).await.map(Done::Appends),
            Work::Replace(cases, members) => {
                replace_read_models(conn, cases, members).await?;
                Ok(Done::Replaced)
            }
            Work::Erase(seq, record) => erase(conn, seq, record).await.map(Done::Erased),
            Work::Checkpoint(c) => keep_checkpoint(conn, c).await.map(Done::Kept),
        }
    }
}

fn unexpected(what: &str) -> StoreError {
    StoreError::Other(format!("the writer returned no {what}"))
}

pub(crate) async fn run(opts: PgConnectOptions, conn: PgConnection, mut rx: mpsc::Receiver<Job>) {
    let mut writer = Writer {
        opts,
        conn: Some(conn),
    };
    let mut pending: Option<Job> = None;
    loop {
        let job = match pending.take() {
            Some(j) => j,
            None => match rx.recv().await {
                Some(j) => j,
                None => break,
            },
        };
        match job {
            Job::ReplaceReadModels {
                cases,
                members,
                reply,
            } => {
                let result = writer
                    .transact(Work::Replace(&cases, &members))
                    .await
                    .map(|_| ());
                let _ = reply.send(result);
            }
            Job::Erase { seq, record, reply } => {
                let result = match writer.transact(Work::Erase(seq, &record)).await {
                    Ok(Done::Erased(done)) => Ok(done),
                    Ok(_) => Err(unexpected("erasure")),
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            Job::Checkpoint { checkpoint, reply } => {
                let result = match writer.transact(Work::Checkpoint(&checkpoint)).await {
                    Ok(Done::Kept(kept)) => Ok(kept),
                    Ok(_) => Err(unexpected("checkpoint")),
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
            Job::Append { appends, reply } => {
                let mut size = appends.len();
                let mut batch = vec![(appends, reply)];
                while size < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Job::Append { appends, reply }) => {
                            size += appends.len();
                            batch.push((appends, reply));
                        }
                        Ok(other) => {
                            pending = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_batch(&mut writer, batch).await;
            }
        }
    }
    if let Some(conn) = writer.conn.take() {
        let _ = conn.close().await;
    }
}

async fn exec(conn: &mut PgConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql).execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

/// The usual path: the whole batch in one call of `docket_append`. None means "use the
/// transaction path": the batch does not fit the call, or some job's version is stale.
async fn try_one_call(writer: &mut Writer, jobs: &[&[Append]]) -> Option<Vec<Outcome>> {
    let call = OneCall::prepare(jobs)?;
    let conn = match writer.conn().await {
        Ok(c) => c,
        Err(_) => return None,
    };
    match append_in_one_call(conn, &call).await {
        Ok(Some(head)) => return Some(call.results(head)),
        Ok(None) => return None,
        Err(e) => writer.recover(&e).await,
    }
    // The call is all or nothing, but the connection failed before we heard which: look.
    let conn = writer.conn().await.ok()?;
    match landed(conn, &call).await {
        Ok(Some(head)) => Some(call.results(head)),
        _ => None,
    }
}

async fn commit_batch(writer: &mut Writer, batch: Vec<(Vec<Append>, Reply)>) {
    let jobs: Vec<&[Append]> = batch.iter().map(|(a, _)| a.as_slice()).collect();
    if let Some(results) = try_one_call(writer, &jobs).await {
        for ((_, reply), result) in batch.into_iter().zip(results) {
            let _ = reply.send(result);
        }
        return;
    }
    let outcome = writer.transact(Work::Append(&jobs)).await;
    match outcome {
        Ok(Done::Appends(results)) => {
            for ((_, reply), result) in batch.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        Err(e) if batch.len() > 1 && !matches!(e, StoreError::Unavailable(_)) => {
            for (appends, reply) in batch {
                let job = [appends.as_slice()];
                let result = match writer.transact(Work::Append(&job)).await {
                    Ok(Done::Appends(mut r)) => r.pop().unwrap_or_else(|| Ok(vec![])),
                    Ok(_) => Err(unexpected("appends")),
                    Err(e) => Err(e),
                };
                let _ = reply.send(result);
            }
        }
        Ok(_) => {
            for (_, reply) in batch {
                let _ = reply.send(Err(unexpected("appends")));
            }
        }
        Err(e) => {
            for (_, reply) in batch {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

/// Opens the transaction and takes the log lock in one round trip: from here until COMMIT
/// no other transaction, in this process or another, can hand out sequence numbers or change
/// a stream's version. Statements after this one see every commit made before the lock.
async fn begin_and_lock_head(conn: &mut PgConnection) -> Result<u64, StoreError> {
    use sqlx::Row;
    let rows = sqlx::raw_sql("BEGIN; SELECT seq FROM log_head WHERE id = 1 FOR UPDATE")
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let head: i64 = rows
        .first()
        .ok_or_else(|| StoreError::Corrupt("log_head has no row".into()))?
        .try_get(0)
        .map_err(db_err)?;
    Ok(head as u64)
}

/// The current version of each stream, in one round trip; each lookup is one probe of the
/// (stream, version) index rather than a scan of the stream.
async fn stream_versions(
    conn: &mut PgConnection,
    jobs: &[&[Append]],
) -> Result<HashMap<String, u64>, StoreError> {
    let mut streams: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.iter().map(|a| a.stream.as_str()))
        .collect();
    streams.sort_unstable();
    streams.dedup();
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT s.stream, COALESCE((SELECT MAX(e.version) FROM events e WHERE e.stream = s.stream), 0)
         FROM UNNEST($1::text[]) AS s(stream)",
    )
    .bind(&streams)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(rows.into_iter().map(|(s, v)| (s, v as u64)).collect())
}

/// Checks one job's expected versions against `versions` (which already include the
/// batch's earlier jobs) and, if all match, advances them and `next` past its events.
fn plan_job(
    appends: &[Append],
    versions: &mut HashMap<String, u64>,
    next: &mut u64,
) -> Result<Vec<Appended>, StoreError> {
    let mut after: HashMap<&str, u64> = HashMap::new();
    let mut seq = *next;
    let mut done = Vec::with_capacity(appends.len());
    for a in appends {
        let current = after
            .get(a.stream.as_str())
            .or_else(|| versions.get(&a.stream))
            .copied()
            .unwrap_or(0);
        if current != a.expected_version {
            return Err(StoreError::Conflict {
                stream: a.stream.clone(),
                expected: a.expected_version,
                actual: current,
            });
        }
        let version = a.expected_version + a.events.len() as u64;
        after.insert(&a.stream, version);
        done.push(Appended {
            first_seq: seq,
            last_seq: seq + a.events.len() as u64 - 1,
            version,
        });
        seq += a.events.len() as u64;
    }
    for (stream, version) in after {
        versions.insert(stream.to_string(), version);
    }
    *next = seq;
    Ok(done)
}

/// Writes the batch in a transaction the caller commits. The outer error means nothing may
/// be committed; an inner error is a job refused for a version conflict, having written
/// nothing.
async fn write_batch(
    conn: &mut PgConnection,
    jobs: &[&[Append]],
) -> Result<Vec<Outcome>, StoreError> {
    let head = begin_and_lock_head(conn).await?;
    write_locked(conn, head, jobs).await
}

/// [`write_batch`] once the log lock is held and the head read.
async fn write_locked(
    conn: &mut PgConnection,
    head: u64,
    jobs: &[&[Append]],
) -> Result<Vec<Outcome>, StoreError> {
    let mut versions = stream_versions(conn, jobs).await?;
    let mut next = head + 1;
    let mut results = Vec::with_capacity(jobs.len());
    let mut accepted: Vec<&Append> = Vec::new();
    for appends in jobs {
        let planned = plan_job(appends, &mut versions, &mut next);
        if planned.is_ok() {
            accepted.extend(appends.iter());
        }
        results.push(planned);
    }
    if accepted.is_empty() {
        return Ok(results);
    }
    let stamps: Vec<String> = accepted.iter().map(|a| format_ts(a.at)).collect();
    let mut events = Vec::new();
    let mut seq = head + 1;
    for (a, at) in accepted.iter().zip(&stamps) {
        for (i, e) in a.events.iter().enumerate() {
            events.push(EventRow {
                seq: seq as i64,
                stream: &a.stream,
                version: (a.expected_version + i as u64 + 1) as i64,
                kind: &e.kind,
                actor: a.actor.as_str(),
                recorded_at: at,
                payload: &e.payload,
                salt: &e.salt,
            });
            seq += 1;
        }
    }
    let mut cases = Vec::new();
    let mut members = Vec::new();
    let (mut accounts, mut tokens, mut receipts) = (Vec::new(), Vec::new(), Vec::new());
    let mut outbox = Vec::new();
    for a in &accepted {
        outbox.extend(a.outbox.iter().map(|c| (a.at, c)));
        match &a.read_model {
            ReadModelChange::None => {}
            ReadModelChange::Case(summary) => cases.push(summary),
            ReadModelChange::CaseWithReceipt(summary, receipt) => {
                cases.push(summary);
                receipts.push(&**receipt);
            }
            ReadModelChange::Members(m) => members.extend(m.iter()),
            ReadModelChange::Account(account) => accounts.push(&**account),
            ReadModelChange::Token(token) => tokens.push(token),
        }
    }
    insert_events(conn, &events).await?;
    let leaves: Vec<Hash> = events.iter().map(EventRow::leaf_hash).collect();
    add_leaves(conn, head, &leaves).await?;
    upsert_cases(conn, cases).await?;
    upsert_members(conn, members).await?;
    // Accounts before tokens: a token names its account.
    credentials::upsert_accounts(conn, accounts).await?;
    credentials::upsert_tokens(conn, tokens).await?;
    credentials::upsert_receipts(conn, receipts).await?;
    crate::outbox::apply(conn, outbox).await?;
    sqlx::query("UPDATE log_head SET seq = $1 WHERE id = 1")
        .bind((next - 1) as i64)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(results)
}

/// Empties and refills the read models. Credentials (accounts, tokens, receipts, sessions)
/// are not read models and are left alone: see `ReadModelChange`.
async fn replace_read_models(
    conn: &mut PgConnection,
    cases: &[CaseSummary],
    members: &[Member],
) -> Result<(), StoreError> {
    // Serialises with appends from every process, so none lands half-replaced.
    begin_and_lock_head(conn).await?;
    exec(conn, "DELETE FROM assignments").await?;
    exec(conn, "DELETE FROM cases").await?;
    exec(conn, "DELETE FROM members").await?;
    upsert_cases(conn, cases.iter().collect()).await?;
    upsert_members(conn, members.iter().collect()).await
}

/// Stores the leaves of the events just inserted from seq `head + 1` on, and the subtrees
/// they complete, with the same SQL function `docket_append` uses.
async fn add_leaves(conn: &mut PgConnection, head: u64, leaves: &[Hash]) -> Result<(), StoreError> {
    if leaves.is_empty() {
        return Ok(());
    }
    sqlx::query("SELECT docket_tree_add($1, $2)")
        .bind(head as i64)
        .bind(leaves)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Erases event `seq`'s payload and appends `record` in one transaction. The log lock comes
/// first, as in every writer, so the record's seq follows the head without a gap. A refused
/// record (a stale version) fails the whole transaction, so the erasure is rolled back too.
async fn erase(conn: &mut PgConnection, seq: u64, record: &Append) -> Result<Appended, StoreError> {
    let head = begin_and_lock_head(conn).await?;
    let changed =
        sqlx::query("UPDATE events SET payload = '', erased = true WHERE seq = $1 AND NOT erased")
            .bind(i64::try_from(seq).unwrap_or(i64::MAX))
            .execute(&mut *conn)
            .await
            .map_err(db_err)?
            .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!(
            "event {seq} (or its payload is erased already)"
        )));
    }
    write_locked(conn, head, &[std::slice::from_ref(record)])
        .await?
        .pop()
        .ok_or_else(|| unexpected("erasure"))??
        .pop()
        .ok_or_else(|| unexpected("erasure"))
}

async fn keep_checkpoint(
    conn: &mut PgConnection,
    c: &StoredCheckpoint,
) -> Result<bool, StoreError> {
    let size = i64::try_from(c.size)
        .map_err(|_| StoreError::Other(format!("checkpoint size {} is too large", c.size)))?;
    exec(conn, "BEGIN").await?;
    let inserted = sqlx::query(
        "INSERT INTO checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO NOTHING",
    )
    .bind(size)
    .bind(&c.note)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?
    .rows_affected();
    Ok(inserted == 1)
}
