//! The single writer task: group commit with a savepoint per job.

use crate::{Job, db_err};
use docket_domain::member::Member;
use docket_domain::store::codec::{CaseRow, MemberRow, assignment_rows, format_ts};
use docket_domain::store::{Append, Appended, ReadModelChange, StoreError};
use docket_domain::summary::CaseSummary;
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

/// More appends than this wait for the next transaction, so one huge batch cannot hold up
/// acknowledgements for everyone queued behind it.
const MAX_BATCH: usize = 512;
/// Rows per multi-row INSERT; well under SQLite's bound-parameter limit.
const ROWS_PER_INSERT: usize = 500;

type Reply = oneshot::Sender<Result<Vec<Appended>, StoreError>>;

pub(crate) async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Job>) {
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
                let _ = reply.send(replace_read_models(&mut conn, cases, members).await);
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
                commit_batch(&mut conn, batch).await;
            }
        }
    }
    let _ = conn.close().await;
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql).execute(&mut *conn).await.map_err(db_err)?;
    Ok(())
}

async fn commit_batch(conn: &mut SqliteConnection, batch: Vec<(Vec<Append>, Reply)>) {
    let outcome = write_batch(conn, &batch).await;
    match outcome {
        Ok(results) => {
            for ((_, reply), result) in batch.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            let _ = exec(conn, "ROLLBACK").await;
            for (_, reply) in batch {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

/// Writes every job of the batch in one transaction. The outer error means nothing was
/// committed; an inner error means that job alone was rolled back to its savepoint.
async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &[(Vec<Append>, Reply)],
) -> Result<Vec<Result<Vec<Appended>, StoreError>>, StoreError> {
    // IMMEDIATE takes the write lock now, so the head we read cannot move under us even if
    // another process (a CLI command) shares the file.
    exec(conn, "BEGIN IMMEDIATE").await?;
    let head: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM events")
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    let mut next = head as u64 + 1;
    let mut results = Vec::with_capacity(batch.len());
    for (appends, _) in batch {
        exec(conn, "SAVEPOINT job").await?;
        let mut job_next = next;
        match write_job(conn, appends, &mut job_next).await {
            Ok(done) => {
                exec(conn, "RELEASE job").await?;
                next = job_next;
                results.push(Ok(done));
            }
            Err(e) => {
                exec(conn, "ROLLBACK TO job").await?;
                exec(conn, "RELEASE job").await?;
                results.push(Err(e));
            }
        }
    }
    exec(conn, "COMMIT").await?;
    Ok(results)
}

async fn write_job(
    conn: &mut SqliteConnection,
    appends: &[Append],
    next: &mut u64,
) -> Result<Vec<Appended>, StoreError> {
    let mut done = Vec::with_capacity(appends.len());
    for a in appends {
        let current: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?")
                .bind(&a.stream)
                .fetch_one(&mut *conn)
                .await
                .map_err(db_err)?;
        if current as u64 != a.expected_version {
            return Err(StoreError::Conflict {
                stream: a.stream.clone(),
                expected: a.expected_version,
                actual: current as u64,
            });
        }
        let first = *next;
        let at = format_ts(a.at);
        for (i, e) in a.events.iter().enumerate() {
            sqlx::query(
                "INSERT INTO events (seq, stream, version, kind, actor, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(*next as i64)
            .bind(&a.stream)
            .bind((a.expected_version + i as u64 + 1) as i64)
            .bind(&e.kind)
            .bind(a.actor.as_str())
            .bind(&at)
            .bind(&e.payload)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
            *next += 1;
        }
        match &a.read_model {
            ReadModelChange::None => {}
            ReadModelChange::Case { summary, state } => upsert_case(conn, summary, state).await?,
            ReadModelChange::Members(members) => upsert_members(conn, members).await?,
        }
        done.push(Appended {
            first_seq: first,
            last_seq: *next - 1,
            version: a.expected_version + a.events.len() as u64,
        });
    }
    Ok(done)
}

async fn upsert_case(
    conn: &mut SqliteConnection,
    summary: &CaseSummary,
    state: &str,
) -> Result<(), StoreError> {
    let r = CaseRow::from_summary(summary);
    sqlx::query(
        "INSERT INTO cases (id, version, stage, category, received_on, stage_entered_on, respondent, stage_due, review_due, open, active_measures, state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, stage = excluded.stage,
           category = excluded.category, received_on = excluded.received_on,
           stage_entered_on = excluded.stage_entered_on, respondent = excluded.respondent,
           stage_due = excluded.stage_due, review_due = excluded.review_due, open = excluded.open,
           active_measures = excluded.active_measures, state = excluded.state",
    )
    .bind(&r.id)
    .bind(r.version)
    .bind(&r.stage)
    .bind(&r.category)
    .bind(&r.received_on)
    .bind(&r.stage_entered_on)
    .bind(&r.respondent)
    .bind(&r.stage_due)
    .bind(&r.review_due)
    .bind(r.open)
    .bind(r.active_measures)
    .bind(state)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    sqlx::query("DELETE FROM assignments WHERE case_id = ?")
        .bind(&r.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let rows = assignment_rows(summary);
    if !rows.is_empty() {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO assignments (case_id, person, function) ");
        q.push_values(rows, |mut b, (person, function)| {
            b.push_bind(r.id.clone())
                .push_bind(person)
                .push_bind(function);
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

async fn upsert_members(conn: &mut SqliteConnection, members: &[Member]) -> Result<(), StoreError> {
    for chunk in members.chunks(ROWS_PER_INSERT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO members (number, name, joined_on, status, elected_office, region) ",
        );
        q.push_values(chunk.iter().map(MemberRow::from_member), |mut b, m| {
            b.push_bind(m.number)
                .push_bind(m.name)
                .push_bind(m.joined_on)
                .push_bind(m.status)
                .push_bind(m.elected_office)
                .push_bind(m.region);
        });
        q.push(
            " ON CONFLICT (number) DO UPDATE SET name = excluded.name, joined_on = excluded.joined_on,
              status = excluded.status, elected_office = excluded.elected_office, region = excluded.region",
        );
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

async fn replace_read_models(
    conn: &mut SqliteConnection,
    cases: Vec<(CaseSummary, String)>,
    members: Vec<Member>,
) -> Result<(), StoreError> {
    let result = async {
        exec(conn, "BEGIN IMMEDIATE").await?;
        exec(conn, "DELETE FROM assignments").await?;
        exec(conn, "DELETE FROM cases").await?;
        exec(conn, "DELETE FROM members").await?;
        for (summary, state) in &cases {
            upsert_case(conn, summary, state).await?;
        }
        upsert_members(conn, &members).await?;
        exec(conn, "COMMIT").await
    }
    .await;
    if result.is_err() {
        let _ = exec(conn, "ROLLBACK").await;
    }
    result
}
