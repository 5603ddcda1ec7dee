//! Evidence files. Sealed files (migrations/0010): chunks, rows and keys written on the
//! pool for operational writes, not the log's writer, since a file is stored before the
//! command that records it and must not hold up the log while it arrives. Unsealed blobs
//! (migrations/0005) are what an earlier version kept, read once at start to be sealed.

use crate::db_err;
use docket_domain::ids::CaseId;
use docket_domain::store::{SealedCounts, SealedFile, StoreError, WrappedKey};
use sqlx::{PgPool, Row};

pub(crate) async fn put_chunk(
    pool: &PgPool,
    upload: &str,
    n: u32,
    bytes: &[u8],
) -> Result<(), StoreError> {
    docket_domain::store::sealed::check_upload(upload)?;
    sqlx::query("INSERT INTO evidence_chunks (upload, n, bytes) VALUES ($1, $2, $3)")
        .bind(upload)
        .bind(i32::try_from(n).map_err(|_| StoreError::Other("too many chunks".into()))?)
        .bind(bytes)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn sweep(pool: &PgPool, before: jiff::Timestamp) -> Result<u64, StoreError> {
    // An upload's age is its newest chunk's: one still being written is never cut short.
    let swept: i64 = sqlx::query_scalar(
        "WITH stale AS (
             SELECT c.upload FROM evidence_chunks c
             WHERE NOT EXISTS (SELECT 1 FROM evidence_files f WHERE f.upload = c.upload)
             GROUP BY c.upload HAVING MAX(c.written_at) < $1
         ), gone AS (
             DELETE FROM evidence_chunks WHERE upload IN (SELECT upload FROM stale) RETURNING upload
         )
         SELECT COUNT(DISTINCT upload) FROM gone",
    )
    .bind(before.as_second())
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    Ok(swept as u64)
}

pub(crate) async fn chunk(
    pool: &PgPool,
    upload: &str,
    n: u32,
) -> Result<Option<Vec<u8>>, StoreError> {
    sqlx::query_scalar("SELECT bytes FROM evidence_chunks WHERE upload = $1 AND n = $2")
        .bind(upload)
        .bind(i32::try_from(n).unwrap_or(i32::MAX))
        .fetch_optional(pool)
        .await
        .map_err(db_err)
}

pub(crate) async fn seal_file(pool: &PgPool, f: &SealedFile) -> Result<bool, StoreError> {
    let written = sqlx::query(
        "INSERT INTO evidence_files (case_id, sha256, size, media_type, upload, chunks, nonce)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (case_id, sha256) DO NOTHING",
    )
    .bind(f.case.as_str())
    .bind(&f.sha256)
    .bind(i64::try_from(f.size).unwrap_or(i64::MAX))
    .bind(&f.media_type)
    .bind(&f.upload)
    .bind(i32::try_from(f.chunks).unwrap_or(i32::MAX))
    .bind(&f.nonce)
    .execute(pool)
    .await
    .map_err(db_err)?
    .rows_affected()
        == 1;
    if !written {
        drop_chunks(pool, &f.upload).await?;
    }
    Ok(written)
}

async fn drop_chunks(pool: &PgPool, upload: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM evidence_chunks WHERE upload = $1")
        .bind(upload)
        .execute(pool)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn drop_upload(pool: &PgPool, upload: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM evidence_files WHERE upload = $1")
        .bind(upload)
        .execute(pool)
        .await
        .map_err(db_err)?;
    drop_chunks(pool, upload).await
}

pub(crate) async fn sealed_file(
    pool: &PgPool,
    case: &CaseId,
    sha256: &str,
) -> Result<Option<SealedFile>, StoreError> {
    let row = sqlx::query(
        "SELECT size, media_type, upload, chunks, nonce FROM evidence_files
         WHERE case_id = $1 AND sha256 = $2",
    )
    .bind(case.as_str())
    .bind(sha256)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.map(|r| {
        Ok(SealedFile {
            case: case.clone(),
            sha256: sha256.to_string(),
            size: r.try_get::<i64, _>(0).map_err(db_err)?.max(0) as u64,
            media_type: r.try_get(1).map_err(db_err)?,
            upload: r.try_get(2).map_err(db_err)?,
            chunks: r.try_get::<i32, _>(3).map_err(db_err)?.max(0) as u32,
            nonce: r.try_get(4).map_err(db_err)?,
        })
    })
    .transpose()
}

fn key_of(r: &sqlx::postgres::PgRow) -> Result<WrappedKey, StoreError> {
    let case: String = r.try_get(0).map_err(db_err)?;
    Ok(WrappedKey {
        case: CaseId::parse(&case).map_err(|e| StoreError::Other(format!("evidence key: {e}")))?,
        key_id: r.try_get(1).map_err(db_err)?,
        wrapped: r.try_get(2).map_err(db_err)?,
    })
}

pub(crate) async fn case_key(
    pool: &PgPool,
    case: &CaseId,
) -> Result<Option<WrappedKey>, StoreError> {
    sqlx::query("SELECT case_id, key_id, wrapped FROM evidence_keys WHERE case_id = $1")
        .bind(case.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db_err)?
        .as_ref()
        .map(key_of)
        .transpose()
}

pub(crate) async fn put_case_key(
    pool: &PgPool,
    key: &WrappedKey,
) -> Result<WrappedKey, StoreError> {
    sqlx::query(
        "INSERT INTO evidence_keys (case_id, key_id, wrapped) VALUES ($1, $2, $3)
         ON CONFLICT (case_id) DO NOTHING",
    )
    .bind(key.case.as_str())
    .bind(&key.key_id)
    .bind(&key.wrapped)
    .execute(pool)
    .await
    .map_err(db_err)?;
    case_key(pool, &key.case)
        .await?
        .ok_or_else(|| StoreError::Other("an evidence key written but not found".into()))
}

pub(crate) async fn case_keys(pool: &PgPool) -> Result<Vec<WrappedKey>, StoreError> {
    keys_where(
        pool,
        "SELECT case_id, key_id, wrapped FROM evidence_keys ORDER BY case_id",
    )
    .await
}

/// The wrapped keys a query of (case, key id, wrapped) rows returns.
async fn keys_where(pool: &PgPool, sql: &'static str) -> Result<Vec<WrappedKey>, StoreError> {
    sqlx::query(sql)
        .fetch_all(pool)
        .await
        .map_err(db_err)?
        .iter()
        .map(key_of)
        .collect()
}

pub(crate) async fn key_samples(pool: &PgPool) -> Result<Vec<WrappedKey>, StoreError> {
    keys_where(
        pool,
        "SELECT DISTINCT ON (key_id) case_id, key_id, wrapped FROM evidence_keys ORDER BY key_id, case_id",
    )
    .await
}

pub(crate) async fn rewrap(pool: &PgPool, keys: &[WrappedKey]) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err)?;
    for k in keys {
        sqlx::query("UPDATE evidence_keys SET key_id = $2, wrapped = $3 WHERE case_id = $1")
            .bind(k.case.as_str())
            .bind(&k.key_id)
            .bind(&k.wrapped)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)
}

pub(crate) async fn counts(pool: &PgPool) -> Result<SealedCounts, StoreError> {
    let r = sqlx::query(
        "SELECT (SELECT count(*) FROM evidence_files), (SELECT count(*) FROM evidence_keys),
                (SELECT count(*) FROM evidence_blobs)",
    )
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    let n = |i: usize| {
        r.try_get::<i64, _>(i)
            .map(|n| n.max(0) as u64)
            .map_err(db_err)
    };
    Ok(SealedCounts {
        files: n(0)?,
        keys: n(1)?,
        legacy: n(2)?,
    })
}

pub(crate) async fn legacy_blob(
    pool: &PgPool,
    sha256: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    sqlx::query_scalar("SELECT bytes FROM evidence_blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(pool)
        .await
        .map_err(db_err)
}

pub(crate) async fn drop_legacy(pool: &PgPool) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM evidence_blobs")
        .execute(pool)
        .await
        .map_err(db_err)?
        .rows_affected())
}
