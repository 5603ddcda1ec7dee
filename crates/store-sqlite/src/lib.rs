//! Docket's embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so
//! a commit is on disk before it is acknowledged.
//!
//! All writes go through one writer task that practises group commit: it takes every command
//! waiting in its queue, writes them in one transaction (each inside its own savepoint, so a
//! conflicting command fails alone) and pays for one fsync instead of one per command.
#![forbid(unsafe_code)]

mod blobs;
mod credentials;
mod log;
mod members;
mod outbox;
mod read;
mod reader;
mod tree;
mod write;

pub use write::group_commit_stats;

use docket_domain::account::{
    Account, ApiTokenRecord, Receipt, ReceiptCode, SessionRecord, SessionUpdate, Username,
};
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::store::codec::format_ts;
use docket_domain::store::{
    Append, Appended, CaseFilter, LeafCheck, LogEntry, MemberFilter, MemberPage, Node,
    OutboxCounts, OutboxFilter, OutboxRow, ReadModelDump, SealedCounts, SealedFile, Store,
    StoreError, StoredCheckpoint, StoredEvent, StoredLeaves, WrappedKey,
};
use docket_domain::{Stage, ids::MembershipNumber, member::Member, summary::CaseSummary};
use docket_tlog::Hash;
use jiff::{SignedDuration, Timestamp};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A unit of work for the writer: appends that succeed or fail together.
#[derive(Debug)]
enum Job {
    Append {
        appends: Vec<Append>,
        /// Each append goes at its stream's head, whatever it expected (`append_at_head`).
        at_head: bool,
        reply: oneshot::Sender<Result<Vec<Appended>, StoreError>>,
    },
    Erase {
        seq: u64,
        // Boxed: an append is several times larger than any other job.
        record: Box<Append>,
        reply: oneshot::Sender<Result<Appended, StoreError>>,
    },
    Checkpoint {
        checkpoint: StoredCheckpoint,
        reply: oneshot::Sender<Result<bool, StoreError>>,
    },
    ReplaceReadModels {
        cases: Vec<CaseSummary>,
        members: Vec<Member>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    /// Operational state (sessions, sign-in failures): one transaction of its own, run on
    /// the writer's connection, which answers through the reply it captured.
    Exec(Exec),
}

/// A closure for the writer to run with its connection.
struct Exec(Box<dyn FnOnce(&mut rusqlite::Connection) + Send>);

impl std::fmt::Debug for Exec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exec(..)")
    }
}

#[derive(Debug, Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    readers: reader::Readers,
    log: log::LogReader,
    jobs: mpsc::Sender<Job>,
    /// Where uploads' sealed chunks are kept: beside the database (`docket.evidence/`).
    evidence: std::path::PathBuf,
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another process held the write lock past the
    // busy timeout. That is the store being unavailable, not a fault in the request.
    let busy = matches!(&e, sqlx::Error::Database(d)
        if matches!(d.code().as_deref(), Some("5") | Some("6") | Some("517") | Some("262")));
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        _ if busy => StoreError::Unavailable(e.to_string()),
        other => StoreError::Other(other.to_string()),
    }
}

impl SqliteStore {
    /// Opens (creating if needed) `docket.db` in `dir` and brings its schema up to date.
    pub async fn open_dir(dir: &Path) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create data folder {}: {e}", dir.display()))
        })?;
        Self::open_file(&dir.join("docket.db")).await
    }

    pub async fn open_file(path: &Path) -> Result<SqliteStore, StoreError> {
        // A filename, not a URL: a folder named with `?` or `%` must still open.
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // Two processes opening a new database at once must not both create its tables: the
        // first to take this lock migrates, the other then finds the work done.
        let lock_path = path.with_extension("migrate-lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .and_then(|f| f.lock().map(|()| f))
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot lock {}: {e}", lock_path.display()))
            })?;
        let migrate = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await
            .map_err(db_err)?;
        MIGRATOR
            .run(&migrate)
            .await
            .map_err(|e| StoreError::Other(format!("migrating the database: {e}")))?;
        migrate.close().await;
        drop(lock);
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.read_only(true))
            .await
            .map_err(db_err)?;
        let conn = write::open(path)?;
        let (tx, rx) = mpsc::channel(4096);
        write::spawn(conn, rx)?;
        let readers = reader::Readers::new(path.to_path_buf());
        Ok(SqliteStore {
            read,
            log: log::LogReader::new(readers.clone()),
            readers,
            jobs: tx,
            evidence: path.with_extension("evidence"),
        })
    }

    /// Sends a job to the writer and waits for its answer.
    async fn ask<R>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<R, StoreError>>) -> Job,
    ) -> Result<R, StoreError> {
        let stopped = || StoreError::Unavailable("the store's writer has stopped".into());
        let (reply, rx) = oneshot::channel();
        self.jobs.send(job(reply)).await.map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    async fn submit(
        &self,
        appends: Vec<Append>,
        at_head: bool,
    ) -> Result<Vec<Appended>, StoreError> {
        self.ask(|reply| Job::Append {
            appends,
            at_head,
            reply,
        })
        .await
    }

    /// Runs `op` on the writer's connection and waits for its answer.
    async fn exec<R: Send + 'static>(
        &self,
        op: impl FnOnce(&mut rusqlite::Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.ask(|reply| {
            Job::Exec(Exec(Box::new(move |conn| {
                let _ = reply.send(op(conn));
            })))
        })
        .await
    }
}

/// Runs file work off the runtime.
async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, StoreError> + Send + 'static,
) -> Result<R, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Other(format!("file work stopped: {e}")))?
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn append(&self, append: Append) -> Result<Appended, StoreError> {
        let mut done = self.submit(vec![append], false).await?;
        done.pop()
            .ok_or_else(|| StoreError::Other("the writer returned no result".into()))
    }

    async fn append_all(&self, appends: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        if appends.is_empty() {
            return Ok(vec![]);
        }
        self.submit(appends, false).await
    }

    async fn append_at_head(&self, append: Append) -> Result<Appended, StoreError> {
        let mut done = self.submit(vec![append], true).await?;
        done.pop()
            .ok_or_else(|| StoreError::Other("the writer returned no result".into()))
    }

    async fn head(&self) -> Result<u64, StoreError> {
        self.readers.inline(read::head)
    }

    async fn stream_events(&self, stream: &str) -> Result<Vec<StoredEvent>, StoreError> {
        // Blocking, not inline: a case's own stream is a dozen events, but its views stream
        // grows with every read of the case. Cases are kept in memory once folded, so a
        // request reads a stream only when its case changed.
        let stream = stream.to_string();
        self.readers
            .blocking(move |c| read::stream_events(c, &stream))
            .await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        self.readers.inline(|c| read::stream_version(c, stream))
    }

    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        let read = move |c: &rusqlite::Connection| read::events_after(c, after, limit);
        // Pages of a scan over the whole log (a rebuild, figures from the raw events) read
        // through the memory map; a few events do not pay for mapping the file.
        if limit >= 1_000 {
            self.readers.scan(read).await
        } else {
            self.readers.blocking(read).await
        }
    }

    async fn events_after_in(
        &self,
        after: u64,
        limit: u32,
        prefix: &str,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let prefix = prefix.to_string();
        let read = move |c: &rusqlite::Connection| read::events_after_in(c, after, limit, &prefix);
        if limit >= 1_000 {
            self.readers.scan(read).await
        } else {
            self.readers.blocking(read).await
        }
    }

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
        read::list_cases(&self.read, filter).await
    }

    async fn stage_counts(&self) -> Result<Vec<(Stage, u64)>, StoreError> {
        read::stage_counts(&self.read).await
    }

    async fn member(&self, number: &MembershipNumber) -> Result<Option<Member>, StoreError> {
        read::member(&self.read, number).await
    }

    async fn untitled_cases(&self) -> Result<u64, StoreError> {
        read::untitled_cases(&self.read).await
    }

    async fn case_facts(&self) -> Result<Vec<docket_domain::statistics::CaseFacts>, StoreError> {
        read::case_facts(&self.readers).await
    }

    async fn member_count(&self) -> Result<u64, StoreError> {
        read::member_count(&self.read).await
    }

    async fn replace_read_models(
        &self,
        cases: Vec<CaseSummary>,
        members: Vec<Member>,
    ) -> Result<(), StoreError> {
        self.ask(|reply| Job::ReplaceReadModels {
            cases,
            members,
            reply,
        })
        .await
    }

    async fn dump_read_models(&self) -> Result<ReadModelDump, StoreError> {
        read::dump(&self.read).await
    }

    async fn tree_nodes(&self, nodes: &[Node]) -> Result<Vec<Hash>, StoreError> {
        self.log.tree_nodes(nodes.to_vec()).await
    }

    async fn leaf_count(&self) -> Result<u64, StoreError> {
        self.log.leaf_count().await
    }

    async fn log_entries(&self, after: u64, limit: u32) -> Result<Vec<LogEntry>, StoreError> {
        self.log.log_entries(after, limit).await
    }

    async fn log_leaves(
        &self,
        from: u64,
        to: u64,
        stored: StoredLeaves,
    ) -> Result<Vec<LeafCheck>, StoreError> {
        self.log.log_leaves(from, to, stored).await
    }

    async fn add_checkpoint(&self, checkpoint: StoredCheckpoint) -> Result<bool, StoreError> {
        self.ask(|reply| Job::Checkpoint { checkpoint, reply })
            .await
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.log.latest_checkpoint().await
    }

    async fn checkpoints_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.log.checkpoints_after(after, limit).await
    }

    async fn erase(&self, seq: u64, record: Append) -> Result<Appended, StoreError> {
        self.ask(|reply| Job::Erase {
            seq,
            record: Box::new(record),
            reply,
        })
        .await
    }

    async fn account(&self, username: &Username) -> Result<Option<Account>, StoreError> {
        self.readers
            .inline(|c| credentials::account_where(c, "username", username.as_str()))
    }

    async fn account_by_person(&self, person: &PersonId) -> Result<Option<Account>, StoreError> {
        self.readers
            .inline(|c| credentials::account_where(c, "person", person.as_str()))
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.readers.blocking(credentials::accounts).await
    }

    async fn api_token(&self, token_id: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
        self.readers.inline(|c| credentials::api_token(c, token_id))
    }

    async fn api_tokens(&self, username: &Username) -> Result<Vec<ApiTokenRecord>, StoreError> {
        self.readers
            .inline(|c| credentials::api_tokens(c, username))
    }

    async fn receipt(&self, code: &ReceiptCode) -> Result<Option<Receipt>, StoreError> {
        self.readers.inline(|c| credentials::receipt(c, code))
    }

    async fn record_login_failure(
        &self,
        username: &Username,
        now: Timestamp,
        max_failures: u32,
        lockout: SignedDuration,
    ) -> Result<Account, StoreError> {
        let username = username.clone();
        self.exec(move |c| {
            credentials::record_login_failure(c, &username, now, max_failures, lockout)
        })
        .await
    }

    async fn record_login_success(&self, username: &Username) -> Result<(), StoreError> {
        let username = username.clone();
        self.exec(move |c| credentials::record_login_success(c, &username))
            .await
    }

    async fn consume_recovery_code(
        &self,
        username: &Username,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let (username, code_hash) = (username.clone(), code_hash.to_string());
        self.exec(move |c| credentials::consume_recovery_code(c, &username, &code_hash))
            .await
    }

    async fn use_totp_step(&self, username: &Username, step: u64) -> Result<bool, StoreError> {
        let username = username.clone();
        self.exec(move |c| credentials::use_totp_step(c, &username, step))
            .await
    }

    async fn record_receipt_failure(
        &self,
        code: &ReceiptCode,
        now: Timestamp,
        max_failures: u32,
        lockout: SignedDuration,
    ) -> Result<Receipt, StoreError> {
        let code = code.clone();
        self.exec(move |c| {
            credentials::record_receipt_failure(c, &code, now, max_failures, lockout)
        })
        .await
    }

    async fn record_receipt_success(&self, code: &ReceiptCode) -> Result<(), StoreError> {
        let code = code.clone();
        self.exec(move |c| credentials::record_receipt_success(c, &code))
            .await
    }

    async fn put_session(&self, session: SessionRecord) -> Result<(), StoreError> {
        self.exec(move |c| credentials::put_session(c, &session))
            .await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.readers
            .inline(|c| credentials::session(c, id_hash, now))
    }

    async fn update_session(
        &self,
        id_hash: &str,
        update: SessionUpdate,
    ) -> Result<bool, StoreError> {
        let id_hash = id_hash.to_string();
        self.exec(move |c| credentials::update_session(c, &id_hash, update))
            .await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let id_hash = id_hash.to_string();
        self.exec(move |c| {
            credentials::delete(c, "DELETE FROM sessions WHERE id_hash = ?1", id_hash)
        })
        .await
        .map(|n| n > 0)
    }

    async fn delete_sessions_of(&self, username: &Username) -> Result<u64, StoreError> {
        let username = username.to_string();
        self.exec(move |c| {
            credentials::delete(c, "DELETE FROM sessions WHERE username = ?1", username)
        })
        .await
    }

    async fn purge_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let now = format_ts(now);
        self.exec(move |c| {
            credentials::delete(c, "DELETE FROM sessions WHERE expires_at <= ?1", now)
        })
        .await
    }

    async fn list_members(&self, filter: &MemberFilter) -> Result<MemberPage, StoreError> {
        members::list_members(&self.read, filter).await
    }

    async fn put_chunk(&self, upload: &str, n: u32, bytes: &[u8]) -> Result<(), StoreError> {
        let (dir, upload, bytes) = (self.evidence.clone(), upload.to_string(), bytes.to_vec());
        blocking(move || blobs::put_chunk(&dir, &upload, n, &bytes)).await
    }

    async fn chunk(&self, upload: &str, n: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let (dir, upload) = (self.evidence.clone(), upload.to_string());
        blocking(move || blobs::chunk(&dir, &upload, n)).await
    }

    async fn sweep_uploads(&self, written_before: jiff::Timestamp) -> Result<u64, StoreError> {
        let dir = self.evidence.clone();
        let before = std::time::SystemTime::from(written_before);
        self.readers
            .blocking(move |c| blobs::sweep(c, &dir, before))
            .await
    }

    async fn seal_file(&self, file: &SealedFile) -> Result<bool, StoreError> {
        let (dir, upload) = (self.evidence.clone(), file.upload.clone());
        blocking(move || blobs::sync_upload(&dir, &upload)).await?;
        let row = file.clone();
        let written = self.exec(move |c| blobs::insert_file(c, &row)).await?;
        if !written {
            let (dir, upload) = (self.evidence.clone(), file.upload.clone());
            blocking(move || blobs::remove_upload(&dir, &upload)).await?;
        }
        Ok(written)
    }

    async fn sealed_file(
        &self,
        case: &CaseId,
        sha256: &str,
    ) -> Result<Option<SealedFile>, StoreError> {
        let (case, sha256) = (case.clone(), sha256.to_string());
        self.readers
            .blocking(move |c| blobs::sealed_file(c, &case, &sha256))
            .await
    }

    async fn drop_upload(&self, upload: &str) -> Result<(), StoreError> {
        let name = upload.to_string();
        self.exec(move |c| blobs::delete_file(c, &name)).await?;
        let (dir, upload) = (self.evidence.clone(), upload.to_string());
        blocking(move || blobs::remove_upload(&dir, &upload)).await
    }

    async fn case_key(&self, case: &CaseId) -> Result<Option<WrappedKey>, StoreError> {
        let case = case.clone();
        self.readers
            .blocking(move |c| blobs::case_key(c, &case))
            .await
    }

    async fn put_case_key(&self, key: &WrappedKey) -> Result<WrappedKey, StoreError> {
        let key = key.clone();
        self.exec(move |c| blobs::put_case_key(c, &key)).await
    }

    async fn case_keys(&self) -> Result<Vec<WrappedKey>, StoreError> {
        self.readers.blocking(blobs::case_keys).await
    }

    async fn key_samples(&self) -> Result<Vec<WrappedKey>, StoreError> {
        self.readers.blocking(blobs::key_samples).await
    }

    async fn rewrap_case_keys(&self, keys: &[WrappedKey]) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        self.exec(move |c| blobs::rewrap(c, &keys)).await
    }

    async fn sealed_counts(&self) -> Result<SealedCounts, StoreError> {
        self.readers.blocking(blobs::counts).await
    }

    async fn legacy_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let sha256 = sha256.to_string();
        self.readers
            .blocking(move |c| blobs::legacy_blob(c, &sha256))
            .await
    }

    async fn drop_legacy_blobs(&self) -> Result<u64, StoreError> {
        self.exec(blobs::drop_legacy).await
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.exec(move |c| outbox::claim(c, now, lease, limit))
            .await
    }

    async fn outbox_retry_later(
        &self,
        id: u64,
        attempts: u32,
        next_attempt_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        let error = error.to_string();
        self.exec(move |c| outbox::retry_later(c, id, attempts, next_attempt_at, &error))
            .await
    }

    async fn outbox_rows(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError> {
        let filter = filter.clone();
        self.readers
            .blocking(move |c| outbox::list(c, &filter))
            .await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        self.readers.blocking(outbox::counts).await
    }
}
