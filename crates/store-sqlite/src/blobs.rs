//! Evidence files. Sealed files (migrations/0009): each upload's chunks in a file of its
//! own in the folder beside the database, written in order and synced before the file's
//! row is written on the writer's connection; keys and rows read with point readers.
//! Unsealed blobs (migrations/0004) are what an earlier version kept, read once at start
//! to be sealed.

use crate::write::sqlite_err;
use docket_domain::ids::CaseId;
use docket_domain::store::sealed::SEALED_CHUNK;
use docket_domain::store::{SealedCounts, SealedFile, StoreError, WrappedKey};
use rusqlite::{Connection, OptionalExtension, params};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Where an upload's chunks are kept. Upload names are made by the server (random hex);
/// anything else is refused, so a name can never reach outside the folder.
pub(crate) fn upload_path(dir: &Path, upload: &str) -> Result<PathBuf, StoreError> {
    docket_domain::store::sealed::check_upload(upload)?;
    Ok(dir.join(upload))
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Unavailable(format!("cannot {what} {}: {e}", path.display()))
}

pub(crate) fn put_chunk(dir: &Path, upload: &str, n: u32, bytes: &[u8]) -> Result<(), StoreError> {
    if bytes.len() > SEALED_CHUNK {
        return Err(StoreError::Other(
            "a chunk longer than a sealed chunk".into(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| io_err("create", dir, e))?;
    let path = upload_path(dir, upload)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err("write", &path, e))?;
    file.write_all_at(bytes, u64::from(n) * SEALED_CHUNK as u64)
        .map_err(|e| io_err("write", &path, e))
}

pub(crate) fn chunk(dir: &Path, upload: &str, n: u32) -> Result<Option<Vec<u8>>, StoreError> {
    let path = upload_path(dir, upload)?;
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("read", &path, e)),
    };
    let start = u64::from(n) * SEALED_CHUNK as u64;
    let len = file.metadata().map_err(|e| io_err("read", &path, e))?.len();
    if start >= len {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(SEALED_CHUNK.min((len - start) as usize));
    file.seek(SeekFrom::Start(start))
        .and_then(|_| file.take(SEALED_CHUNK as u64).read_to_end(&mut bytes))
        .map_err(|e| io_err("read", &path, e))?;
    Ok(Some(bytes))
}

/// Syncs the upload's chunks and its folder, so the row written next never names bytes a
/// crash could lose.
pub(crate) fn sync_upload(dir: &Path, upload: &str) -> Result<(), StoreError> {
    let path = upload_path(dir, upload)?;
    std::fs::File::open(&path)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_err("sync", &path, e))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err("sync", dir, e))
}

pub(crate) fn remove_upload(dir: &Path, upload: &str) -> Result<(), StoreError> {
    let path = upload_path(dir, upload)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("remove", &path, e)),
    }
}

/// Removes the upload files in `dir` no row names, last written before `before`.
pub(crate) fn sweep(
    conn: &Connection,
    dir: &Path,
    before: std::time::SystemTime,
) -> Result<u64, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err("list", dir, e)),
    };
    let mut named = conn
        .prepare_cached("SELECT 1 FROM evidence_files WHERE upload = ?1")
        .map_err(sqlite_err)?;
    let mut swept = 0;
    for entry in entries {
        let entry = entry.map_err(|e| io_err("list", dir, e))?;
        let Some(upload) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        // Only names an upload could have: anything else in the folder is not ours to drop.
        if docket_domain::store::sealed::check_upload(&upload).is_err() {
            continue;
        }
        let written = entry
            .metadata()
            .and_then(|m| m.modified())
            .map_err(|e| io_err("read", &entry.path(), e))?;
        if written >= before || named.exists(params![upload]).map_err(sqlite_err)? {
            continue;
        }
        remove_upload(dir, &upload)?;
        swept += 1;
    }
    Ok(swept)
}

/// Writes the file's row unless its case holds that hash already; true if written.
pub(crate) fn insert_file(conn: &mut Connection, f: &SealedFile) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "INSERT INTO evidence_files (case_id, sha256, size, media_type, upload, chunks, nonce)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (case_id, sha256) DO NOTHING",
    )
    .and_then(|mut s| {
        s.execute(params![
            f.case.as_str(),
            f.sha256,
            i64::try_from(f.size).unwrap_or(i64::MAX),
            f.media_type,
            f.upload,
            f.chunks,
            f.nonce
        ])
    })
    .map(|n| n == 1)
    .map_err(sqlite_err)
}

pub(crate) fn delete_file(conn: &mut Connection, upload: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM evidence_files WHERE upload = ?1")
        .and_then(|mut s| s.execute([upload]))
        .map(|_| ())
        .map_err(sqlite_err)
}

pub(crate) fn sealed_file(
    conn: &Connection,
    case: &CaseId,
    sha256: &str,
) -> Result<Option<SealedFile>, StoreError> {
    conn.prepare_cached(
        "SELECT size, media_type, upload, chunks, nonce FROM evidence_files
         WHERE case_id = ?1 AND sha256 = ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![case.as_str(), sha256], |r| {
            Ok(SealedFile {
                case: case.clone(),
                sha256: sha256.to_string(),
                size: r.get::<_, i64>(0)?.max(0) as u64,
                media_type: r.get(1)?,
                upload: r.get(2)?,
                chunks: r.get(3)?,
                nonce: r.get(4)?,
            })
        })
        .optional()
    })
    .map_err(sqlite_err)
}

fn key_of(case: &str, key_id: String, wrapped: Vec<u8>) -> Result<WrappedKey, StoreError> {
    Ok(WrappedKey {
        case: CaseId::parse(case).map_err(|e| StoreError::Other(format!("evidence key: {e}")))?,
        key_id,
        wrapped,
    })
}

pub(crate) fn case_key(conn: &Connection, case: &CaseId) -> Result<Option<WrappedKey>, StoreError> {
    let row: Option<(String, Vec<u8>)> = conn
        .prepare_cached("SELECT key_id, wrapped FROM evidence_keys WHERE case_id = ?1")
        .and_then(|mut s| {
            s.query_row([case.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(sqlite_err)?;
    row.map(|(id, w)| key_of(case.as_str(), id, w)).transpose()
}

pub(crate) fn put_case_key(
    conn: &mut Connection,
    key: &WrappedKey,
) -> Result<WrappedKey, StoreError> {
    conn.prepare_cached(
        "INSERT INTO evidence_keys (case_id, key_id, wrapped) VALUES (?1, ?2, ?3)
         ON CONFLICT (case_id) DO NOTHING",
    )
    .and_then(|mut s| s.execute(params![key.case.as_str(), key.key_id, key.wrapped]))
    .map_err(sqlite_err)?;
    case_key(conn, &key.case)?
        .ok_or_else(|| StoreError::Other("an evidence key written but not found".into()))
}

pub(crate) fn case_keys(conn: &Connection) -> Result<Vec<WrappedKey>, StoreError> {
    keys_where(
        conn,
        "SELECT case_id, key_id, wrapped FROM evidence_keys ORDER BY case_id",
    )
}

/// The wrapped keys a query of (case, key id, wrapped) rows returns.
fn keys_where(conn: &Connection, sql: &str) -> Result<Vec<WrappedKey>, StoreError> {
    let rows: Vec<(String, String, Vec<u8>)> = conn
        .prepare(sql)
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(sqlite_err)?;
    rows.into_iter()
        .map(|(c, id, w)| key_of(&c, id, w))
        .collect()
}

pub(crate) fn key_samples(conn: &Connection) -> Result<Vec<WrappedKey>, StoreError> {
    // SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum.
    keys_where(
        conn,
        "SELECT MIN(case_id), key_id, wrapped FROM evidence_keys GROUP BY key_id ORDER BY key_id",
    )
}

pub(crate) fn rewrap(conn: &mut Connection, keys: &[WrappedKey]) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(sqlite_err)?;
    {
        let mut s = tx
            .prepare("UPDATE evidence_keys SET key_id = ?2, wrapped = ?3 WHERE case_id = ?1")
            .map_err(sqlite_err)?;
        for k in keys {
            s.execute(params![k.case.as_str(), k.key_id, k.wrapped])
                .map_err(sqlite_err)?;
        }
    }
    tx.commit().map_err(sqlite_err)
}

pub(crate) fn counts(conn: &Connection) -> Result<SealedCounts, StoreError> {
    conn.query_row(
        "SELECT (SELECT count(*) FROM evidence_files), (SELECT count(*) FROM evidence_keys),
                (SELECT count(*) FROM evidence_blobs)",
        [],
        |r| {
            Ok(SealedCounts {
                files: r.get::<_, i64>(0)? as u64,
                keys: r.get::<_, i64>(1)? as u64,
                legacy: r.get::<_, i64>(2)? as u64,
            })
        },
    )
    .map_err(sqlite_err)
}

pub(crate) fn legacy_blob(conn: &Connection, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
    conn.prepare_cached("SELECT bytes FROM evidence_blobs WHERE sha256 = ?1")
        .and_then(|mut s| s.query_row([sha256], |r| r.get(0)).optional())
        .map_err(sqlite_err)
}

pub(crate) fn drop_legacy(conn: &mut Connection) -> Result<u64, StoreError> {
    conn.execute("DELETE FROM evidence_blobs", [])
        .map(|n| n as u64)
        .map_err(sqlite_err)
}
