//! The membership list, filtered and paged, over the read pool.

use crate::db_err;
use crate::read::member_row;
use docket_domain::store::{MemberFilter, MemberPage, StoreError};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// A prefix's length as `substr` takes it (int4; the edge keeps prefixes short).
fn chars(prefix: &str) -> i32 {
    i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX)
}

/// Appends `filter`'s conditions, so the count and the page select exactly the same members.
fn push_filter(q: &mut QueryBuilder<Postgres>, filter: &MemberFilter) {
    q.push(" WHERE TRUE");
    if let Some(status) = filter.status {
        q.push(" AND status = ").push_bind(status.as_str());
    }
    if let Some(region) = &filter.region {
        q.push(" AND region = ").push_bind(region.as_str());
    }
    match filter.elected {
        Some(true) => {
            q.push(" AND elected_office IS NOT NULL");
        }
        Some(false) => {
            q.push(" AND elected_office IS NULL");
        }
        None => {}
    }
    if let Some(prefix) = &filter.number_prefix {
        // The range lets the primary key's index find the first match (numbers are letters
        // and digits, which all sort before '~' in the "C" collation); the substr keeps the
        // answer exact whatever the prefix holds.
        q.push(" AND number >= ")
            .push_bind(prefix.as_str())
            .push(" AND number < ")
            .push_bind(format!("{prefix}~"))
            .push(" AND substr(number, 1, ")
            .push_bind(chars(prefix))
            .push(") = ")
            .push_bind(prefix.as_str());
    }
    if let Some(prefix) = &filter.name_prefix {
        // Not LIKE: a name prefix may hold '%' or '_'. lower() under the "C" collation folds
        // ASCII only, as SQLite's does, so both stores match the same names; the collation
        // is named here so that holds even if the column's ever changes.
        q.push(" AND lower(substr(name, 1, ")
            .push_bind(chars(prefix))
            .push(r#") COLLATE "C") = "#)
            .push_bind(prefix.to_ascii_lowercase());
    }
}

pub(crate) async fn list_members(
    pool: &PgPool,
    filter: &MemberFilter,
) -> Result<MemberPage, StoreError> {
    let mut count: QueryBuilder<Postgres> = QueryBuilder::new("SELECT COUNT(*) FROM members");
    push_filter(&mut count, filter);
    let mut page: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT number, name, joined_on, status, elected_office, region, email FROM members",
    );
    push_filter(&mut page, filter);
    page.push(" ORDER BY number LIMIT ")
        .push_bind(i64::from(filter.limit))
        .push(" OFFSET ")
        .push_bind(i64::try_from(filter.offset).unwrap_or(i64::MAX));
    // One repeatable-read snapshot, so the total is counted in the state the page comes from.
    let mut tx = pool.begin().await.map_err(db_err)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    let total: i64 = count
        .build_query_scalar()
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
    let rows = page.build().fetch_all(&mut *tx).await.map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    let members = rows
        .iter()
        .map(|r| member_row(r)?.into_member())
        .collect::<Result<_, _>>()?;
    Ok(MemberPage {
        members,
        total: total as u64,
    })
}
