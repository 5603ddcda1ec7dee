//! Evidence blobs (migrations/0004): written on the writer's connection like other
//! operational state, read with a point reader.

use crate::write::sqlite_err;
use docket_domain::store::StoreError;
use rusqlite::{Connection, OptionalExtension, params};

pub(crate) fn put_blob(
    conn: &mut Connection,
    sha256: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    let size = i64::try_from(bytes.len())
        .map_err(|_| StoreError::Other("a file too large to store".into()))?;
    // DO NOTHING, not REPLACE: a blob, once stored, is never overwritten by an upload.
    conn.prepare_cached(
        "INSERT INTO evidence_blobs (sha256, size, bytes) VALUES (?1, ?2, ?3)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .and_then(|mut s| s.execute(params![sha256, size, bytes]))
    .map(|_| ())
    .map_err(sqlite_err)
}

pub(crate) fn blob(conn: &Connection, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
    conn.prepare_cached("SELECT bytes FROM evidence_blobs WHERE sha256 = ?1")
        .and_then(|mut s| s.query_row([sha256], |r| r.get(0)).optional())
        .map_err(sqlite_err)
}
