//! Queries over read-only connections, so a bug here can never write: the read models over
//! sqlx's pool, and events over rusqlite (see `reader`).

use crate::db_err;
use crate::write::sqlite_err;
use docket_domain::Stage;
use docket_domain::function::Function;
use docket_domain::ids::{MembershipNumber, PersonId};
use docket_domain::member::Member;
use docket_domain::store::codec::{CaseRow, MemberRow, format_date, parse_assignment, parse_ts};
use docket_domain::store::{CaseFilter, ReadModelDump, StoreError, StoredEvent};
use docket_domain::summary::CaseSummary;
use rusqlite::Connection;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::HashMap;

// Event reads, on a read-only rusqlite connection (see `reader`).

pub(crate) fn head(conn: &Connection) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")
        .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
        .map(|h| h as u64)
        .map_err(sqlite_err)
}

pub(crate) fn stream_version(conn: &Connection, stream: &str) -> Result<u64, StoreError> {
    conn.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?1")
        .and_then(|mut s| s.query_row([stream], |r| r.get::<_, i64>(0)))
        .map(|v| v as u64)
        .map_err(sqlite_err)
}

const EVENT_COLUMNS: &str = "seq, stream, version, kind, actor, recorded_at, payload, salt, erased";

fn events(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_err)?;
    let mut rows = stmt.query(args).map_err(sqlite_err)?;
    let mut events = Vec::new();
    while let Some(r) = rows.next().map_err(sqlite_err)? {
        // The time is parsed where it lies, not copied into a String first: a scan of the
        // whole log reads tens of millions of them.
        let at = r
            .get_ref(5)
            .and_then(|v| v.as_str().map_err(Into::into))
            .map_err(sqlite_err)?;
        events.push(StoredEvent {
            seq: r.get::<_, i64>(0).map_err(sqlite_err)? as u64,
            stream: r.get(1).map_err(sqlite_err)?,
            version: r.get::<_, i64>(2).map_err(sqlite_err)? as u64,
            kind: r.get(3).map_err(sqlite_err)?,
            actor: r.get(4).map_err(sqlite_err)?,
            at: parse_ts(at)?,
            payload: r.get(6).map_err(sqlite_err)?,
            salt: r.get(7).map_err(sqlite_err)?,
            erased: r.get(8).map_err(sqlite_err)?,
        });
    }
    Ok(events)
}

pub(crate) fn stream_events(
    conn: &Connection,
    stream: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE stream = ?1 ORDER BY version");
    events(conn, &sql, [stream])
}

pub(crate) fn events_after(
    conn: &Connection,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    events(
        conn,
        &sql,
        rusqlite::params![after as i64, i64::from(limit)],
    )
}

pub(crate) fn events_after_in(
    conn: &Connection,
    after: u64,
    limit: u32,
    prefix: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    // A range on the name rather than LIKE: SQLite compares text bytewise here, so the
    // names from `prefix` up to (not including) its successor are exactly those it starts.
    let (from, to) = docket_domain::store::prefix_range(prefix);
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?1 AND stream >= ?3 AND stream < ?4 ORDER BY seq LIMIT ?2"
    );
    events(
        conn,
        &sql,
        rusqlite::params![after as i64, i64::from(limit), from, to],
    )
}

fn case_row(row: &sqlx::sqlite::SqliteRow) -> Result<CaseRow, StoreError> {
    Ok(CaseRow {
        id: row.try_get("id").map_err(db_err)?,
        stage: row.try_get("stage").map_err(db_err)?,
        category: row.try_get("category").map_err(db_err)?,
        received_on: row.try_get("received_on").map_err(db_err)?,
        stage_entered_on: row.try_get("stage_entered_on").map_err(db_err)?,
        respondent: row.try_get("respondent").map_err(db_err)?,
        stage_due: row.try_get("stage_due").map_err(db_err)?,
        review_due: row.try_get("review_due").map_err(db_err)?,
        open: row.try_get("open").map_err(db_err)?,
        active_measures: row.try_get("active_measures").map_err(db_err)?,
        title: row.try_get("title").map_err(db_err)?,
        // Only the reads that need the facts select them.
        facts: row.try_get::<Option<String>, _>("facts").unwrap_or(None),
    })
}

const CASE_COLUMNS: &str = "c.id, c.stage, c.category, c.received_on, c.stage_entered_on, c.respondent, c.stage_due, c.review_due, c.open, c.active_measures, c.title";

pub(crate) async fn list_cases(
    pool: &SqlitePool,
    filter: &CaseFilter,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT ");
    q.push(CASE_COLUMNS).push(" FROM cases c WHERE 1 = 1");
    if filter.open_only {
        q.push(" AND c.open = 1");
    }
    if let Some(day) = filter.overdue_on {
        let d = format_date(day);
        q.push(" AND ((c.stage_due IS NOT NULL AND c.stage_due < ")
            .push_bind(d.clone())
            .push(") OR (c.review_due IS NOT NULL AND c.review_due < ")
            .push_bind(d)
            .push("))");
    }
    if let Some(stage) = filter.stage {
        q.push(" AND c.stage = ").push_bind(stage.as_str());
    }
    if let Some(p) = &filter.assignee {
        q.push(" AND c.id IN (SELECT case_id FROM assignments WHERE person = ")
            .push_bind(p.to_string())
            .push(")");
    }
    q.push(" ORDER BY c.received_on, c.id");
    if let Some(limit) = filter.limit {
        q.push(" LIMIT ").push_bind(i64::from(limit));
    }
    // One read transaction: the cases and their assignments come from the same snapshot.
    let mut tx = pool.begin().await.map_err(db_err)?;
    let rows = q.build().fetch_all(&mut *tx).await.map_err(db_err)?;
    let cases: Vec<CaseRow> = rows.iter().map(case_row).collect::<Result<_, _>>()?;
    let mut assignments: HashMap<String, Vec<(PersonId, Function)>> = HashMap::new();
    for chunk in cases.chunks(500) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT case_id, person, function FROM assignments WHERE case_id IN (",
        );
        let mut ids = q.separated(", ");
        for c in chunk {
            ids.push_bind(c.id.clone());
        }
        q.push(") ORDER BY case_id, rowid");
        let rows: Vec<(String, String, String)> = q
            .build_query_as()
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        for (case_id, person, function) in rows {
            assignments
                .entry(case_id)
                .or_default()
                .push(parse_assignment(&person, &function)?);
        }
    }
    tx.commit().await.map_err(db_err)?;
    cases
        .into_iter()
        .map(|row| {
            let a = assignments.remove(&row.id).unwrap_or_default();
            row.into_summary(a)
        })
        .collect()
}

pub(crate) async fn stage_counts(pool: &SqlitePool) -> Result<Vec<(Stage, u64)>, StoreError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT stage, COUNT(*) FROM cases GROUP BY stage")
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
    let mut out = Vec::new();
    for (s, n) in rows {
        let stage = Stage::parse(&s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown stage '{s}' in cases")))?;
        out.push((stage, n as u64));
    }
    out.sort();
    Ok(out)
}

pub(crate) fn member_row(row: &sqlx::sqlite::SqliteRow) -> Result<MemberRow, StoreError> {
    Ok(MemberRow {
        number: row.try_get("number").map_err(db_err)?,
        name: row.try_get("name").map_err(db_err)?,
        joined_on: row.try_get("joined_on").map_err(db_err)?,
        status: row.try_get("status").map_err(db_err)?,
        elected_office: row.try_get("elected_office").map_err(db_err)?,
        region: row.try_get("region").map_err(db_err)?,
        email: row.try_get("email").map_err(db_err)?,
    })
}

pub(crate) async fn member(
    pool: &SqlitePool,
    number: &MembershipNumber,
) -> Result<Option<Member>, StoreError> {
    let row = sqlx::query(
        "SELECT number, name, joined_on, status, elected_office, region, email FROM members WHERE number = ?",
    )
    .bind(number.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.map(|r| member_row(&r)?.into_member()).transpose()
}

pub(crate) async fn untitled_cases(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE title IS NULL OR facts IS NULL")
            .fetch_one(pool)
            .await
            .map_err(db_err)?;
    Ok(n as u64)
}

pub(crate) async fn member_count(pool: &SqlitePool) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(n as u64)
}

pub(crate) async fn dump(pool: &SqlitePool) -> Result<ReadModelDump, StoreError> {
    let mut out = ReadModelDump::default();
    // One snapshot for all three tables, so a dump taken during writes is still consistent.
    let mut tx = pool.begin().await.map_err(db_err)?;
    let rows = sqlx::query(
        "SELECT id, stage, category, received_on, stage_entered_on, respondent, stage_due, review_due, open, active_measures, title, facts FROM cases ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    for r in &rows {
        out.cases.push(case_row(r)?.dump_line());
    }
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT case_id, person, function FROM assignments ORDER BY case_id, person, function",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    out.assignments = rows.into_iter().map(|r| format!("{r:?}")).collect();
    let rows = sqlx::query(
        "SELECT number, name, joined_on, status, elected_office, region, email FROM members ORDER BY number",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err)?;
    for r in &rows {
        out.members.push(format!("{:?}", member_row(r)?));
    }
    tx.commit().await.map_err(db_err)?;
    Ok(out)
}

/// Every case's statistical facts (see `codec::facts_of_row`), in no particular order.
///
/// The rows are read in two halves by rowid, each on its own read connection on the
/// blocking pool: decoding a million facts costs more than reading them, and both halves'
/// decoding then runs at once.
pub(crate) async fn case_facts(
    readers: &crate::reader::Readers,
) -> Result<Vec<docket_domain::statistics::CaseFacts>, StoreError> {
    let last: i64 = readers.inline(|c| {
        c.query_row("SELECT COALESCE(MAX(rowid), 0) FROM cases", [], |r| {
            r.get(0)
        })
        .map_err(sqlite_err)
    })?;
    let middle = last / 2;
    let (low, high) = tokio::try_join!(
        readers.scan(move |c| facts_between(c, (i64::MIN, middle), middle)),
        readers.scan(move |c| facts_between(c, (middle + 1, i64::MAX), last - middle)),
    )?;
    let mut all = low;
    all.reserve_exact(high.len());
    all.extend(high);
    Ok(all)
}

/// The facts of the rows whose rowid is in `from..=to`, about `expect` of them.
fn facts_between(
    c: &rusqlite::Connection,
    (from, to): (i64, i64),
    expect: i64,
) -> Result<Vec<docket_domain::statistics::CaseFacts>, StoreError> {
    let mut stmt = c
        .prepare_cached("SELECT id, facts FROM cases WHERE rowid BETWEEN ?1 AND ?2")
        .map_err(sqlite_err)?;
    let mut rows = stmt.query((from, to)).map_err(sqlite_err)?;
    // Growing a million-row vector by doubling would copy it each time.
    let mut out = Vec::with_capacity(usize::try_from(expect.clamp(0, 1 << 22)).unwrap_or(0));
    while let Some(row) = rows.next().map_err(sqlite_err)? {
        let id = row
            .get_ref(0)
            .and_then(|v| Ok(v.as_str()?))
            .map_err(sqlite_err)?;
        let facts = row
            .get_ref(1)
            .and_then(|v| Ok(v.as_str_or_null()?))
            .map_err(sqlite_err)?;
        out.push(docket_domain::store::codec::facts_of_row(id, facts)?);
    }
    Ok(out)
}
