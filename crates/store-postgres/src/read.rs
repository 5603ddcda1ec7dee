//! Queries over the read pool (read-only sessions, so a bug here can never write).

use crate::db_err;
use docket_domain::Stage;
use docket_domain::ids::MembershipNumber;
use docket_domain::member::Member;
use docket_domain::store::codec::{CaseRow, MemberRow, format_date, parse_assignment, parse_ts};
use docket_domain::store::{CaseFilter, ReadModelDump, StoreError, StoredEvent};
use docket_domain::summary::CaseSummary;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

pub(crate) async fn head(pool: &PgPool) -> Result<u64, StoreError> {
    let h: i64 = sqlx::query_scalar("SELECT seq FROM log_head WHERE id = 1")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(h as u64)
}

fn event_from(row: &PgRow) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        seq: row.try_get::<i64, _>("seq").map_err(db_err)? as u64,
        stream: row.try_get("stream").map_err(db_err)?,
        version: row.try_get::<i64, _>("version").map_err(db_err)? as u64,
        kind: row.try_get("kind").map_err(db_err)?,
        actor: row.try_get("actor").map_err(db_err)?,
        at: parse_ts(&row.try_get::<String, _>("recorded_at").map_err(db_err)?)?,
        payload: row.try_get("payload").map_err(db_err)?,
        salt: row.try_get("salt").map_err(db_err)?,
        erased: row.try_get("erased").map_err(db_err)?,
    })
}

pub(crate) async fn stream_events(
    pool: &PgPool,
    stream: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, stream, version, kind, actor, recorded_at, payload, salt, erased FROM events WHERE stream = $1 ORDER BY version",
    )
    .bind(stream)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(event_from).collect()
}

pub(crate) async fn events_after(
    pool: &PgPool,
    after: u64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, stream, version, kind, actor, recorded_at, payload, salt, erased FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(i64::try_from(after).unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(event_from).collect()
}

pub(crate) async fn events_after_in(
    pool: &PgPool,
    after: u64,
    limit: u32,
    prefix: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    // starts_with, not a range: PostgreSQL orders text by the database's collation, which
    // need not be bytewise.
    let rows = sqlx::query(
        "SELECT seq, stream, version, kind, actor, recorded_at, payload, salt, erased FROM events WHERE seq > $1 AND starts_with(stream, $3) ORDER BY seq LIMIT $2",
    )
    .bind(i64::try_from(after).unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .bind(prefix)
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter().map(event_from).collect()
}

fn case_row(row: &PgRow) -> Result<CaseRow, StoreError> {
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

/// A case's assignments come back as two parallel arrays in the same statement, so the list
/// is one snapshot and one round trip whatever its length.
const CASE_COLUMNS: &str = "c.id, c.stage, c.category, c.received_on, c.stage_entered_on, c.respondent, c.stage_due, c.review_due, c.open, c.active_measures, c.title,
    ARRAY(SELECT a.person FROM assignments a WHERE a.case_id = c.id ORDER BY a.pos) AS persons,
    ARRAY(SELECT a.function FROM assignments a WHERE a.case_id = c.id ORDER BY a.pos) AS functions";

pub(crate) async fn list_cases(
    pool: &PgPool,
    filter: &CaseFilter,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new("SELECT ");
    q.push(CASE_COLUMNS).push(" FROM cases c WHERE TRUE");
    if filter.open_only {
        q.push(" AND c.open");
    }
    if let Some(day) = filter.overdue_on {
        let d = format_date(day);
        q.push(" AND (c.stage_due < ")
            .push_bind(d.clone())
            .push(" OR c.review_due < ")
            .push_bind(d)
            .push(")");
    }
    if let Some(stage) = filter.stage {
        q.push(" AND c.stage = ").push_bind(stage.as_str());
    }
    if let Some(p) = &filter.assignee {
        q.push(" AND c.id IN (SELECT case_id FROM assignments WHERE person = ")
            .push_bind(p.as_str())
            .push(")");
    }
    q.push(" ORDER BY c.received_on, c.id");
    if let Some(limit) = filter.limit {
        q.push(" LIMIT ").push_bind(i64::from(limit));
    }
    let rows = q.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let persons: Vec<String> = r.try_get("persons").map_err(db_err)?;
            let functions: Vec<String> = r.try_get("functions").map_err(db_err)?;
            let assignments = persons
                .iter()
                .zip(&functions)
                .map(|(p, f)| parse_assignment(p, f))
                .collect::<Result<Vec<_>, _>>()?;
            case_row(r)?.into_summary(assignments)
        })
        .collect()
}

pub(crate) async fn stage_counts(pool: &PgPool) -> Result<Vec<(Stage, u64)>, StoreError> {
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

pub(crate) fn member_row(row: &PgRow) -> Result<MemberRow, StoreError> {
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
    pool: &PgPool,
    number: &MembershipNumber,
) -> Result<Option<Member>, StoreError> {
    let row = sqlx::query(
        "SELECT number, name, joined_on, status, elected_office, region, email FROM members WHERE number = $1",
    )
    .bind(number.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.map(|r| member_row(&r)?.into_member()).transpose()
}

pub(crate) async fn untitled_cases(pool: &PgPool) -> Result<u64, StoreError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE title IS NULL OR facts IS NULL")
            .fetch_one(pool)
            .await
            .map_err(db_err)?;
    Ok(n as u64)
}

pub(crate) async fn member_count(pool: &PgPool) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    Ok(n as u64)
}

/// Reads all three tables in one repeatable-read transaction, so a dump taken while the
/// writer works is still one consistent state.
pub(crate) async fn dump(pool: &PgPool) -> Result<ReadModelDump, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let mut out = ReadModelDump::default();
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

/// Every case's statistical facts (see `codec::facts_of_row`).
pub(crate) async fn case_facts(
    pool: &PgPool,
) -> Result<Vec<docket_domain::statistics::CaseFacts>, StoreError> {
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, facts FROM cases ORDER BY id")
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
    rows.iter()
        .map(|(id, facts)| docket_domain::store::codec::facts_of_row(id, facts.as_deref()))
        .collect()
}
