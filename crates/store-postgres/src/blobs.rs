//! Evidence blobs (migrations/0005). Written on the pool for operational writes, not the
//! log's writer: a file is stored before the command that records it, and must not hold up
//! the log while it is sent.

use crate::db_err;
use docket_domain::store::StoreError;
use sqlx::PgPool;

pub(crate) async fn put_blob(pool: &PgPool, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
    let size = i64::try_from(bytes.len())
        .map_err(|_| StoreError::Other("a file too large to store".into()))?;
    // DO NOTHING: a blob, once stored, is never overwritten by an upload.
    sqlx::query(
        "INSERT INTO evidence_blobs (sha256, size, bytes) VALUES ($1, $2, $3)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(size)
    .bind(bytes)
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn blob(pool: &PgPool, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
    sqlx::query_scalar("SELECT bytes FROM evidence_blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(pool)
        .await
        .map_err(db_err)
}
