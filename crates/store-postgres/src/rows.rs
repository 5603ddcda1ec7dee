//! Multi-row writes. A round trip to the server costs more than the rows it carries, so the
//! writer sends each table's rows for a whole batch in a few statements.
//!
//! PostgreSQL refuses an `ON CONFLICT DO UPDATE` that touches one row twice in one
//! statement, so upserts are first reduced to the last row per key, which is also what
//! applying them one by one would leave behind.

use crate::db_err;
use docket_domain::member::Member;
use docket_domain::store::codec::{CaseRow, MemberRow, assignment_rows};
use docket_domain::store::{Entry, StoreError};
use docket_domain::summary::CaseSummary;

use sqlx::{PgConnection, Postgres, QueryBuilder};
use std::collections::HashMap;
use std::hash::Hash;

/// Far below the protocol's 65,535 bind parameters however wide the table.
const MAX_PARAMS: usize = 8_000;
/// Events are also cut by size, so a batch of large payloads goes as several moderate
/// messages rather than one huge one.
const MAX_EVENT_BYTES: usize = 8 << 20;

/// One row of `events`, borrowing from the append it came from.
#[derive(Debug)]
pub(crate) struct EventRow<'a> {
    pub seq: i64,
    pub stream: &'a str,
    pub version: i64,
    pub kind: &'a str,
    pub actor: &'a str,
    pub recorded_at: &'a str,
    pub payload: &'a str,
    pub salt: &'a [u8],
}

impl EventRow<'_> {
    /// The row's leaf hash, from exactly the fields written.
    pub fn leaf_hash(&self) -> docket_tlog::Hash {
        Entry {
            stream: self.stream.as_bytes(),
            version: self.version as u64,
            kind: self.kind.as_bytes(),
            actor: self.actor.as_bytes(),
            recorded_at: self.recorded_at.as_bytes(),
            salt: self.salt,
            payload: self.payload.as_bytes(),
        }
        .leaf_hash()
    }
}

/// Keeps the last item per key, at the position of its key's first occurrence.
pub(crate) fn last_per_key<T, K: Eq + Hash>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    let mut at: HashMap<K, usize> = HashMap::new();
    for item in items {
        let k = key(&item);
        match at.get(&k) {
            Some(&i) => out[i] = item,
            None => {
                at.insert(k, out.len());
                out.push(item);
            }
        }
    }
    out
}

pub(crate) async fn insert_events(
    conn: &mut PgConnection,
    rows: &[EventRow<'_>],
) -> Result<(), StoreError> {
    const COLUMNS: usize = 8;
    let mut start = 0;
    while start < rows.len() {
        let mut end = start;
        let mut bytes = 0;
        while end < rows.len()
            && (end - start + 1) * COLUMNS <= MAX_PARAMS
            && (end == start || bytes + rows[end].payload.len() <= MAX_EVENT_BYTES)
        {
            bytes += rows[end].payload.len();
            end += 1;
        }
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO events (seq, stream, version, kind, actor, recorded_at, payload, salt) ",
        );
        q.push_values(&rows[start..end], |mut b, r| {
            b.push_bind(r.seq)
                .push_bind(r.stream)
                .push_bind(r.version)
                .push_bind(r.kind)
                .push_bind(r.actor)
                .push_bind(r.recorded_at)
                .push_bind(r.payload)
                .push_bind(r.salt);
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;
        start = end;
    }
    Ok(())
}

/// Upserts the cases (the last entry per id wins) and replaces their assignments.
pub(crate) async fn upsert_cases(
    conn: &mut PgConnection,
    cases: Vec<&CaseSummary>,
) -> Result<(), StoreError> {
    let cases = last_per_key(cases, |s| s.id.clone());
    if cases.is_empty() {
        return Ok(());
    }
    let rows: Vec<CaseRow> = cases.iter().map(|s| CaseRow::from_summary(s)).collect();
    for chunk in rows.chunks(MAX_PARAMS / 12) {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO cases (id, stage, category, received_on, stage_entered_on, respondent, stage_due, review_due, open, active_measures, title, facts) ",
        );
        q.push_values(chunk, |mut b, r| {
            b.push_bind(&r.id)
                .push_bind(&r.stage)
                .push_bind(&r.category)
                .push_bind(&r.received_on)
                .push_bind(&r.stage_entered_on)
                .push_bind(&r.respondent)
                .push_bind(&r.stage_due)
                .push_bind(&r.review_due)
                .push_bind(r.open)
                .push_bind(r.active_measures)
                .push_bind(&r.title)
                .push_bind(&r.facts);
        });
        // Most commands leave the summary as it was: skip those rows rather than write
        // identical tuples (and their index entries) again.
        q.push(
            " ON CONFLICT (id) DO UPDATE SET stage = excluded.stage,
              category = excluded.category, received_on = excluded.received_on,
              stage_entered_on = excluded.stage_entered_on, respondent = excluded.respondent,
              stage_due = excluded.stage_due, review_due = excluded.review_due,
              open = excluded.open, active_measures = excluded.active_measures,
              title = excluded.title, facts = excluded.facts
              WHERE (cases.stage, cases.category, cases.received_on, cases.stage_entered_on,
                     cases.respondent, cases.stage_due, cases.review_due, cases.open,
                     cases.active_measures, cases.title, cases.facts)
                IS DISTINCT FROM
                    (excluded.stage, excluded.category, excluded.received_on,
                     excluded.stage_entered_on, excluded.respondent, excluded.stage_due,
                     excluded.review_due, excluded.open, excluded.active_measures,
                     excluded.title, excluded.facts)",
        );
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    sqlx::query("DELETE FROM assignments WHERE case_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let assignments: Vec<(&str, String, String, i32)> = cases
        .iter()
        .zip(&ids)
        .flat_map(|(s, id)| {
            assignment_rows(s)
                .into_iter()
                .enumerate()
                .map(move |(pos, (person, function))| (*id, person, function, pos as i32))
        })
        .collect();
    for chunk in assignments.chunks(MAX_PARAMS / 4) {
        let mut q: QueryBuilder<Postgres> =
            QueryBuilder::new("INSERT INTO assignments (case_id, person, function, pos) ");
        q.push_values(chunk, |mut b, (id, person, function, pos)| {
            b.push_bind(*id)
                .push_bind(person)
                .push_bind(function)
                .push_bind(*pos);
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

/// Adds or updates members by membership number; the last entry per number wins.
pub(crate) async fn upsert_members(
    conn: &mut PgConnection,
    members: Vec<&Member>,
) -> Result<(), StoreError> {
    let rows = last_per_key(members.into_iter().map(MemberRow::from_member), |m| {
        m.number.clone()
    });
    for chunk in rows.chunks(MAX_PARAMS / 7) {
        let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
            "INSERT INTO members (number, name, joined_on, status, elected_office, region, email) ",
        );
        q.push_values(chunk, |mut b, m| {
            b.push_bind(&m.number)
                .push_bind(&m.name)
                .push_bind(&m.joined_on)
                .push_bind(&m.status)
                .push_bind(&m.elected_office)
                .push_bind(&m.region)
                .push_bind(&m.email);
        });
        q.push(
            " ON CONFLICT (number) DO UPDATE SET name = excluded.name,
              joined_on = excluded.joined_on, status = excluded.status,
              elected_office = excluded.elected_office, region = excluded.region,
              email = excluded.email",
        );
        q.build().execute(&mut *conn).await.map_err(db_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::last_per_key;

    #[test]
    fn last_entry_per_key_wins_in_first_position() {
        let got = last_per_key([("a", 1), ("b", 2), ("a", 3)], |(k, _)| *k);
        assert_eq!(got, vec![("a", 3), ("b", 2)]);
    }
}
