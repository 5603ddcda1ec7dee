//! The single writer: a dedicated OS thread holding one rusqlite connection. It practises
//! group commit: every job waiting in the queue goes into one transaction, each inside its
//! own savepoint so a conflicting job fails alone, and all of them are acknowledged after the
//! one fsync of COMMIT.
//!
//! Why a thread and rusqlite rather than the async pool: a command is about eight small
//! statements, and through an async driver each one is a round trip to a worker thread. Here
//! each is a cached prepared statement run in place, so one writer costs little more than the
//! fsync a bare one-row transaction pays.

use crate::Job;
use crate::credentials;
use crate::tree::{Edge, add_leaf};
use docket_domain::member::Member;
use docket_domain::store::codec::{CaseRow, MemberRow, assignment_rows, format_ts};
use docket_domain::store::{Append, Appended, ReadModelChange, StoreError, StoredCheckpoint};
use docket_domain::summary::CaseSummary;
use rusqlite::{Connection, ErrorCode, TransactionBehavior, params};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// More appends than this wait for the next transaction, so one huge batch cannot hold up
/// acknowledgements for everyone queued behind it.
const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<Vec<Appended>, StoreError>>;
/// A job's appends, whether they go at their streams' heads, and where its answer goes.
type Queued = (Vec<Append>, bool, Reply);

/// Commits and commands written, for `docket bench` to report the average group size.
static COMMITS: AtomicU64 = AtomicU64::new(0);
static COMMANDS: AtomicU64 = AtomicU64::new(0);

/// (transactions committed, commands in them) since the process started.
pub fn group_commit_stats() -> (u64, u64) {
    (
        COMMITS.load(Ordering::Relaxed),
        COMMANDS.load(Ordering::Relaxed),
    )
}

pub(crate) fn sqlite_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) =>
        {
            StoreError::Unavailable(format!("the database is locked by another process: {e}"))
        }
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                ErrorCode::CannotOpen | ErrorCode::DiskFull | ErrorCode::SystemIoFailure
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

/// Opens the writer's connection with the durability settings every commit relies on.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(sqlite_err)?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sqlite_err)?;
    // WAL with synchronous=FULL: COMMIT returns only after the WAL is fsynced.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sqlite_err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite_err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(sqlite_err)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

pub(crate) fn spawn(conn: Connection, rx: mpsc::Receiver<Job>) -> Result<(), StoreError> {
    std::thread::Builder::new()
        .name("docket-sqlite-writer".into())
        .spawn(move || run(conn, rx))
        .map(|_| ())
        .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))
}

/// A case's summary row and its (person, function) assignments, as the writer last wrote them.
type CaseRows = (CaseRow, Vec<(String, String)>);

/// What the writer knows of the store from its own commits: each stream's version and each
/// case's summary row. It saves a read per command, and is dropped the moment `PRAGMA
/// data_version` shows that another connection (a CLI command, another process) committed.
#[derive(Default)]
struct Known {
    data_version: i64,
    versions: HashMap<String, u64>,
    rows: HashMap<String, CaseRows>,
    edge: Edge,
}

/// Past this many entries the cache starts again rather than grow without bound.
const KNOWN_LIMIT: usize = 200_000;

impl Known {
    fn clear(&mut self) {
        self.versions.clear();
        self.rows.clear();
        self.edge.clear();
    }

    fn learn(&mut self, learned: Learned) {
        self.versions.extend(learned.versions);
        self.rows.extend(learned.rows);
        self.edge = learned.edge;
    }

    /// Called inside the write transaction, so nobody else can commit until we do.
    fn revalidate(&mut self, conn: &Connection) -> Result<(), StoreError> {
        let v: i64 = conn
            .prepare_cached("PRAGMA data_version")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(sqlite_err)?;
        if v != self.data_version || self.versions.len() + self.rows.len() > KNOWN_LIMIT {
            self.clear();
            self.data_version = v;
        }
        Ok(())
    }
}

/// Cache entries a job would add, applied only once its savepoint is released.
#[derive(Default)]
struct Learned {
    versions: Vec<(String, u64)>,
    rows: Vec<(String, CaseRows)>,
    /// The tree's edge after the job's leaves.
    edge: Edge,
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Job>) {
    let mut known = Known::default();
    let mut pending: Option<Job> = None;
    loop {
        let job = match pending.take() {
            Some(j) => j,
            None => match rx.blocking_recv() {
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
                known.clear();
                let _ = reply.send(replace_read_models(&mut conn, &cases, &members));
            }
            Job::Checkpoint { checkpoint, reply } => {
                let _ = reply.send(keep_checkpoint(&conn, &checkpoint));
            }
            // Touches no table the cache describes.
            Job::Exec(op) => (op.0)(&mut conn),
            Job::Erase { seq, record, reply } => {
                let result = erase(&mut conn, seq, &record, &mut known);
                if result.is_err() {
                    known.clear();
                }
                let _ = reply.send(result);
            }
            Job::Append {
                appends,
                at_head,
                reply,
            } => {
                let mut size = appends.len();
                let mut batch = vec![(appends, at_head, reply)];
                while size < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Job::Append {
                            appends,
                            at_head,
                            reply,
                        }) => {
                            size += appends.len();
                            batch.push((appends, at_head, reply));
                        }
                        Ok(other) => {
                            pending = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                match write_batch(&mut conn, &mut batch, &mut known) {
                    Ok(results) => {
                        for ((_, _, reply), result) in batch.into_iter().zip(results) {
                            let _ = reply.send(result);
                        }
                    }
                    Err(e) => {
                        known.clear();
                        for (_, _, reply) in batch {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// Writes every job of the batch in one transaction. The outer error means nothing was
/// committed; an inner error means that job alone was not written.
///
/// Jobs are first written without savepoints: each job's stream versions are checked before
/// it writes anything, so a conflict costs nothing to undo. A savepoint per job would copy
/// every page the job touches into SQLite's sub-journal, which at 64 writers was a third of
/// the writer thread's time. Only if a write fails for any other reason is the batch rolled
/// back and written again with a savepoint around each job, so that job fails alone.
fn write_batch(
    conn: &mut Connection,
    batch: &mut [Queued],
    known: &mut Known,
) -> Result<Vec<Result<Vec<Appended>, StoreError>>, StoreError> {
    let results = match write_checked(conn, batch, known)? {
        Some(results) => results,
        None => {
            known.clear();
            write_in_savepoints(conn, batch, known)?
        }
    };
    COMMITS.fetch_add(1, Ordering::Relaxed);
    COMMANDS.fetch_add(batch.len() as u64, Ordering::Relaxed);
    Ok(results)
}

/// Starts the batch's transaction. IMMEDIATE takes the write lock now, so the head read
/// next cannot move under us even if another process (a CLI command) shares the file.
fn begin<'c>(
    conn: &'c mut Connection,
    known: &mut Known,
) -> Result<(rusqlite::Transaction<'c>, u64), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_err)?;
    known.revalidate(&tx)?;
    let head: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(sqlite_err)?;
    Ok((tx, head as u64 + 1))
}

/// The fast path: `None` when a job failed other than by a version conflict, and nothing
/// was committed.
#[allow(clippy::type_complexity)]
fn write_checked(
    conn: &mut Connection,
    batch: &mut [Queued],
    known: &mut Known,
) -> Result<Option<Vec<Result<Vec<Appended>, StoreError>>>, StoreError> {
    let (tx, mut next) = begin(conn, known)?;
    let mut results = Vec::with_capacity(batch.len());
    for (appends, at_head, _) in batch.iter_mut() {
        if *at_head {
            to_head(&tx, appends, known)?;
        }
        let mut learned = match check_job(&tx, appends, known) {
            Ok(learned) => learned,
            Err(conflict) => {
                results.push(Err(conflict));
                continue;
            }
        };
        match write_job(&tx, appends, &mut next, known, &mut learned) {
            Ok(done) => {
                known.learn(learned);
                results.push(Ok(done));
            }
            // Dropping the transaction rolls the whole batch back.
            Err(_) => return Ok(None),
        }
    }
    tx.commit().map_err(sqlite_err)?;
    Ok(Some(results))
}

/// The careful path: each job inside its own savepoint, so any failure is that job's alone.
fn write_in_savepoints(
    conn: &mut Connection,
    batch: &mut [Queued],
    known: &mut Known,
) -> Result<Vec<Result<Vec<Appended>, StoreError>>, StoreError> {
    let (mut tx, mut next) = begin(conn, known)?;
    let mut results = Vec::with_capacity(batch.len());
    for (appends, at_head, _) in batch.iter_mut() {
        if *at_head {
            to_head(&tx, appends, known)?;
        }
        let mut learned = match check_job(&tx, appends, known) {
            Ok(learned) => learned,
            Err(conflict) => {
                results.push(Err(conflict));
                continue;
            }
        };
        let sp = tx.savepoint().map_err(sqlite_err)?;
        let mut job_next = next;
        match write_job(&sp, appends, &mut job_next, known, &mut learned) {
            Ok(done) => {
                sp.commit().map_err(sqlite_err)?;
                next = job_next;
                known.learn(learned);
                results.push(Ok(done));
            }
            // Dropping the savepoint rolls this job back and releases it.
            Err(e) => results.push(Err(e)),
        }
    }
    tx.commit().map_err(sqlite_err)?;
    Ok(results)
}

/// The version a stream is at: what this job appended to it already, else what the
/// writer knows, else the store's.
fn current_version(
    conn: &Connection,
    stream: &str,
    job: &[(String, u64)],
    known: &Known,
) -> Result<u64, StoreError> {
    if let Some(v) = job
        .iter()
        .rev()
        .find(|(s, _)| s == stream)
        .map(|(_, v)| *v)
        .or_else(|| known.versions.get(stream).copied())
    {
        return Ok(v);
    }
    conn.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
        .and_then(|mut s| s.query_row([stream], |r| r.get::<_, i64>(0)))
        .map(|v| v as u64)
        .map_err(sqlite_err)
}

/// Points each of a job's appends at its stream's head, as it is inside this transaction
/// (earlier jobs of the batch included), so an append whose place does not matter cannot
/// conflict.
fn to_head(conn: &Connection, appends: &mut [Append], known: &Known) -> Result<(), StoreError> {
    let mut versions: Vec<(String, u64)> = Vec::with_capacity(appends.len());
    for a in appends {
        a.expected_version = current_version(conn, &a.stream, &versions, known)?;
        versions.push((a.stream.clone(), a.expected_version + a.events.len() as u64));
    }
    Ok(())
}

/// Checks that every append of a job is at the version it expects, before the job writes
/// anything, so a conflict needs nothing undone. What the job will teach the cache starts
/// from the versions it leaves its streams at.
fn check_job(conn: &Connection, appends: &[Append], known: &Known) -> Result<Learned, StoreError> {
    let mut versions = Vec::with_capacity(appends.len());
    for a in appends {
        // A job may append to the same stream twice: its own earlier append comes first.
        let current = current_version(conn, &a.stream, &versions, known)?;
        if current != a.expected_version {
            return Err(conflict(a, current));
        }
        versions.push((a.stream.clone(), a.expected_version + a.events.len() as u64));
    }
    Ok(Learned {
        versions,
        rows: Vec::new(),
        edge: known.edge.clone(),
    })
}

fn conflict(a: &Append, actual: u64) -> StoreError {
    StoreError::Conflict {
        stream: a.stream.clone(),
        expected: a.expected_version,
        actual,
    }
}

/// Writes a job whose versions [`check_job`] accepted: its events, their leaves and tree
/// nodes, and its read-model rows.
fn write_job(
    conn: &Connection,
    appends: &[Append],
    next: &mut u64,
    known: &Known,
    learned: &mut Learned,
) -> Result<Vec<Appended>, StoreError> {
    let mut done = Vec::with_capacity(appends.len());
    for a in appends {
        let first = *next;
        let at = format_ts(a.at);
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO events (seq, stream, version, kind, actor, recorded_at, payload, salt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(sqlite_err)?;
        for (i, e) in a.events.iter().enumerate() {
            let version = a.expected_version + i as u64 + 1;
            insert
                .execute(params![
                    *next as i64,
                    a.stream,
                    version as i64,
                    e.kind,
                    a.actor.as_str(),
                    at,
                    e.payload,
                    &e.salt[..]
                ])
                .map_err(sqlite_err)?;
            // The leaf is computed here from exactly what was written, never taken on trust.
            let leaf = a.entry(i, &at).leaf_hash();
            add_leaf(conn, &mut learned.edge, *next - 1, leaf)?;
            *next += 1;
        }
        match &a.read_model {
            ReadModelChange::None => {}
            ReadModelChange::Case(summary) => upsert_case(conn, summary, known, learned)?,
            ReadModelChange::CaseWithReceipt(summary, receipt) => {
                upsert_case(conn, summary, known, learned)?;
                credentials::upsert_receipt(conn, receipt)?;
            }
            ReadModelChange::Members(members) => upsert_members(conn, members)?,
            ReadModelChange::Account(account) => credentials::upsert_account(conn, account)?,
            ReadModelChange::Token(token) => credentials::upsert_token(conn, token)?,
        }
        crate::outbox::apply(conn, a.at, &a.outbox)?;
        let version = a.expected_version + a.events.len() as u64;
        done.push(Appended {
            first_seq: first,
            last_seq: (*next).saturating_sub(1),
            version,
        });
    }
    Ok(done)
}

fn keep_checkpoint(conn: &Connection, c: &StoredCheckpoint) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "INSERT INTO checkpoints (size, note) VALUES (?1, ?2) ON CONFLICT (size) DO NOTHING",
    )
    .and_then(|mut s| s.execute(params![c.size as i64, c.note]))
    .map(|n| n == 1)
    .map_err(sqlite_err)
}

/// Erases one event's payload and appends the erasure's record, in one transaction.
fn erase(
    conn: &mut Connection,
    seq: u64,
    record: &Append,
    known: &mut Known,
) -> Result<Appended, StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_err)?;
    known.revalidate(&tx)?;
    let changed = tx
        .prepare_cached("UPDATE events SET payload = '', erased = 1 WHERE seq = ?1 AND erased = 0")
        .and_then(|mut s| s.execute([seq as i64]))
        .map_err(sqlite_err)?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!(
            "event {seq} (or its payload is erased already)"
        )));
    }
    let head: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(sqlite_err)?;
    let mut next = head as u64 + 1;
    let mut learned = check_job(&tx, std::slice::from_ref(record), known)?;
    let mut done = write_job(
        &tx,
        std::slice::from_ref(record),
        &mut next,
        known,
        &mut learned,
    )?;
    tx.commit().map_err(sqlite_err)?;
    known.learn(learned);
    done.pop()
        .ok_or_else(|| StoreError::Other("the erasure wrote no record".into()))
}

/// Writes a case's read-model row, touching only what changed. Many commands (a contact
/// recorded, a report submitted) leave the summary as it was; rewriting it anyway, and its
/// indexes and assignment rows, would dirty pages that every commit then has to fsync.
fn upsert_case(
    conn: &Connection,
    summary: &CaseSummary,
    known: &Known,
    learned: &mut Learned,
) -> Result<(), StoreError> {
    let r = CaseRow::from_summary(summary);
    let wanted = assignment_rows(summary);
    let remembered = learned
        .rows
        .iter()
        .rev()
        .find(|(id, _)| *id == r.id)
        .map(|(_, v)| v.clone())
        .or_else(|| known.rows.get(&r.id).cloned());
    let current = match remembered {
        Some(v) => Some(v),
        None => read_case_row(conn, &r.id)?,
    };
    let (row_same, assignments_same) = match &current {
        Some((row, assignments)) => (*row == r, *assignments == wanted),
        None => (false, wanted.is_empty()),
    };
    if !row_same {
        conn.prepare_cached(
            "INSERT INTO cases (id, stage, category, received_on, stage_entered_on, respondent, stage_due, review_due, open, active_measures, title, facts)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, category = excluded.category,
               received_on = excluded.received_on, stage_entered_on = excluded.stage_entered_on,
               respondent = excluded.respondent, stage_due = excluded.stage_due,
               review_due = excluded.review_due, open = excluded.open,
               active_measures = excluded.active_measures, title = excluded.title,
               facts = excluded.facts",
        )
        .and_then(|mut s| {
            s.execute(params![
                r.id, r.stage, r.category, r.received_on, r.stage_entered_on, r.respondent,
                r.stage_due, r.review_due, r.open, r.active_measures, r.title, r.facts
            ])
        })
        .map_err(sqlite_err)?;
    }
    if !assignments_same {
        conn.prepare_cached("DELETE FROM assignments WHERE case_id = ?1")
            .and_then(|mut s| s.execute([&r.id]))
            .map_err(sqlite_err)?;
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO assignments (case_id, person, function) VALUES (?1, ?2, ?3)",
            )
            .map_err(sqlite_err)?;
        for (person, function) in &wanted {
            insert
                .execute(params![r.id, person, function])
                .map_err(sqlite_err)?;
        }
    }
    learned.rows.push((r.id.clone(), (r, wanted)));
    Ok(())
}

fn read_case_row(conn: &Connection, id: &str) -> Result<Option<CaseRows>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT id, stage, category, received_on, stage_entered_on, respondent, stage_due, review_due, open, active_measures, title, facts FROM cases WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.query_row([id], |row| {
                Ok(CaseRow {
                    id: row.get(0)?,
                    stage: row.get(1)?,
                    category: row.get(2)?,
                    received_on: row.get(3)?,
                    stage_entered_on: row.get(4)?,
                    respondent: row.get(5)?,
                    stage_due: row.get(6)?,
                    review_due: row.get(7)?,
                    open: row.get(8)?,
                    active_measures: row.get(9)?,
                    title: row.get(10)?,
                    facts: row.get(11)?,
                })
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
        })
        .map_err(sqlite_err)?;
    let Some(row) = row else { return Ok(None) };
    let assignments = conn
        .prepare_cached(
            "SELECT person, function FROM assignments WHERE case_id = ?1 ORDER BY rowid",
        )
        .and_then(|mut s| {
            s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(sqlite_err)?;
    Ok(Some((row, assignments)))
}

fn upsert_members(conn: &Connection, members: &[Member]) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO members (number, name, joined_on, status, elected_office, region, email) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (number) DO UPDATE SET name = excluded.name, joined_on = excluded.joined_on,
               status = excluded.status, elected_office = excluded.elected_office, region = excluded.region,
               email = excluded.email",
        )
        .map_err(sqlite_err)?;
    for m in members.iter().map(MemberRow::from_member) {
        stmt.execute(params![
            m.number,
            m.name,
            m.joined_on,
            m.status,
            m.elected_office,
            m.region,
            m.email
        ])
        .map_err(sqlite_err)?;
    }
    Ok(())
}

/// Empties and refills the read models. Credentials (accounts, tokens, receipts, sessions)
/// are not read models and are left alone: see `ReadModelChange`.
fn replace_read_models(
    conn: &mut Connection,
    cases: &[CaseSummary],
    members: &[Member],
) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_err)?;
    tx.execute_batch("DELETE FROM assignments; DELETE FROM cases; DELETE FROM members;")
        .map_err(sqlite_err)?;
    let empty = Known::default();
    for summary in cases {
        upsert_case(&tx, summary, &empty, &mut Learned::default())?;
    }
    upsert_members(&tx, members)?;
    tx.commit().map_err(sqlite_err)
}
