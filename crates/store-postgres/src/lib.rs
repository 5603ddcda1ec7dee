//! Docket's store on PostgreSQL, for organisations that run several `docket serve` processes
//! against one database or want the database managed and backed up by their own team.
//!
//! All writes of a process go through one writer task on one dedicated connection that
//! practises group commit: it takes every command waiting in its queue and writes them in
//! one transaction, paying for one WAL flush instead of one per command. Across processes,
//! each transaction starts by locking the single `log_head` row, so transactions that write
//! events commit one at a time, in the order of the sequence numbers they hand out: the log
//! stays one linear, gapless sequence however many processes write to it.
#![forbid(unsafe_code)]

mod blobs;
mod credentials;
mod log;
mod members;
mod one_call;
mod outbox;
#[cfg(test)]
mod pg_tests;
mod read;
mod rows;
mod write;

use docket_domain::account::{
    Account, ApiTokenRecord, Receipt, ReceiptCode, SessionRecord, SessionUpdate, Username,
};
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::store::codec::format_ts;
use docket_domain::store::{
    Append, Appended, CaseFilter, LogEntry, MemberFilter, MemberPage, Node, OutboxCounts,
    OutboxFilter, OutboxRow, ReadModelDump, SealedCounts, SealedFile, Store, StoreError,
    StoredCheckpoint, StoredEvent, WrappedKey,
};
use docket_domain::{Stage, ids::MembershipNumber, member::Member, summary::CaseSummary};
use docket_tlog::Hash;
use jiff::{SignedDuration, Timestamp};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connections in the read pool; the writer has its own.
const READ_CONNECTIONS: u32 = 8;
/// Connections for operational state (sessions, sign-in failures): small single statements.
const OPS_CONNECTIONS: u32 = 4;

/// A unit of work for the writer: appends that succeed or fail together.
#[derive(Debug)]
enum Job {
    Append {
        appends: Vec<Append>,
        reply: oneshot::Sender<Result<Vec<Appended>, StoreError>>,
    },
    Erase {
        seq: u64,
        // Boxed: an append is several times larger than any other job.
        record: Box<Append>,
        reply: oneshot::Sender<Result<Appended, StoreError>>,
    },
    // Through the writer because the read pool's sessions are read-only.
    Checkpoint {
        checkpoint: StoredCheckpoint,
        reply: oneshot::Sender<Result<bool, StoreError>>,
    },
    ReplaceReadModels {
        cases: Vec<CaseSummary>,
        members: Vec<Member>,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

#[derive(Debug, Clone)]
pub struct PgStore {
    read: PgPool,
    /// Writes that are no part of the log: sessions, sign-in failures, recovery codes used.
    ops: PgPool,
    jobs: mpsc::Sender<Job>,
}

/// SQLSTATEs that mean the server or the connection is gone rather than the statement being
/// wrong: connection exceptions (class 08), shutdowns, and a full server.
fn is_unavailable_code(code: &str) -> bool {
    code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300")
}

pub(crate) fn db_err(e: sqlx::Error) -> StoreError {
    // docket_tree_add raises data_corrupted when the stored tree cannot be extended.
    if let sqlx::Error::Database(d) = &e
        && d.code().is_some_and(|c| c == "XX001")
    {
        return StoreError::Corrupt(d.message().to_string());
    }
    let unavailable = match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| is_unavailable_code(&c)),
        _ => false,
    };
    if unavailable {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Other(e.to_string())
    }
}

fn writer_stopped() -> StoreError {
    StoreError::Unavailable("the store's writer has stopped".into())
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`)
    /// and brings its schema up to date. Several processes may do this at once: sqlx takes
    /// an advisory lock around migrations.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(format!("the PostgreSQL URL is not valid: {e}")))?
            .application_name("docket")
            // An append is acknowledged only once durable, whatever the server's default.
            .options([("synchronous_commit", "on")]);
        let mut writer = PgConnection::connect_with(&opts).await.map_err(db_err)?;
        MIGRATOR
            .run(&mut writer)
            .await
            .map_err(|e| StoreError::Other(format!("migrating the database: {e}")))?;
        // Read connections refuse to write, so a bug in a query can never touch the log.
        let read_opts = opts
            .clone()
            .options([("default_transaction_read_only", "on")]);
        let read = PgPoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(read_opts)
            .await
            .map_err(db_err)?;
        // Opened on first use: most commands never touch a session.
        let ops = PgPoolOptions::new()
            .max_connections(OPS_CONNECTIONS)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(opts.clone());
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(write::run(opts, writer, rx));
        Ok(PgStore {
            read,
            ops,
            jobs: tx,
        })
    }

    /// Sends a job to the writer and waits for its answer.
    async fn ask<R>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<R, StoreError>>) -> Job,
    ) -> Result<R, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(job(reply))
            .await
            .map_err(|_| writer_stopped())?;
        rx.await.map_err(|_| writer_stopped())?
    }

    async fn submit(&self, appends: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        self.ask(|reply| Job::Append { appends, reply }).await
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn append(&self, append: Append) -> Result<Appended, StoreError> {
        let mut done = self.submit(vec![append]).await?;
        done.pop()
            .ok_or_else(|| StoreError::Other("the writer returned no result".into()))
    }

    async fn append_all(&self, appends: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        if appends.is_empty() {
            return Ok(vec![]);
        }
        self.submit(appends).await
    }

    async fn head(&self) -> Result<u64, StoreError> {
        read::head(&self.read).await
    }

    async fn stream_events(&self, stream: &str) -> Result<Vec<StoredEvent>, StoreError> {
        read::stream_events(&self.read, stream).await
    }

    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        let v: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = $1")
                .bind(stream)
                .fetch_one(&self.read)
                .await
                .map_err(db_err)?;
        Ok(v as u64)
    }

    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError> {
        read::events_after(&self.read, after, limit).await
    }

    async fn events_after_in(
        &self,
        after: u64,
        limit: u32,
        prefix: &str,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        read::events_after_in(&self.read, after, limit, prefix).await
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
        read::case_facts(&self.read).await
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
        log::tree_nodes(&self.read, nodes).await
    }

    async fn leaf_count(&self) -> Result<u64, StoreError> {
        log::leaf_count(&self.read).await
    }

    async fn log_entries(&self, after: u64, limit: u32) -> Result<Vec<LogEntry>, StoreError> {
        log::log_entries(&self.read, after, limit).await
    }

    async fn add_checkpoint(&self, checkpoint: StoredCheckpoint) -> Result<bool, StoreError> {
        self.ask(|reply| Job::Checkpoint { checkpoint, reply })
            .await
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        log::latest_checkpoint(&self.read).await
    }

    async fn checkpoints_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        log::checkpoints_after(&self.read, after, limit).await
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
        credentials::account_where(&self.read, "username", username.as_str()).await
    }

    async fn account_by_person(&self, person: &PersonId) -> Result<Option<Account>, StoreError> {
        credentials::account_by_person(&self.read, person).await
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        credentials::accounts(&self.read).await
    }

    async fn api_token(&self, token_id: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
        credentials::api_token(&self.read, token_id).await
    }

    async fn api_tokens(&self, username: &Username) -> Result<Vec<ApiTokenRecord>, StoreError> {
        credentials::api_tokens(&self.read, username).await
    }

    async fn receipt(&self, code: &ReceiptCode) -> Result<Option<Receipt>, StoreError> {
        credentials::receipt(&self.read, code).await
    }

    async fn record_login_failure(
        &self,
        username: &Username,
        now: Timestamp,
        max_failures: u32,
        lockout: SignedDuration,
    ) -> Result<Account, StoreError> {
        credentials::record_login_failure(&self.ops, username, now, max_failures, lockout).await
    }

    async fn record_login_success(&self, username: &Username) -> Result<(), StoreError> {
        credentials::execute(
            &self.ops,
            "UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE username = $1 AND (failed_logins <> 0 OR locked_until IS NOT NULL)",
            username.as_str(),
        )
        .await
        .map(|_| ())
    }

    async fn consume_recovery_code(
        &self,
        username: &Username,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        credentials::consume_recovery_code(&self.ops, username, code_hash).await
    }

    async fn use_totp_step(&self, username: &Username, step: u64) -> Result<bool, StoreError> {
        credentials::use_totp_step(&self.ops, username, step).await
    }

    async fn record_receipt_failure(
        &self,
        code: &ReceiptCode,
        now: Timestamp,
        max_failures: u32,
        lockout: SignedDuration,
    ) -> Result<Receipt, StoreError> {
        credentials::record_receipt_failure(&self.ops, code, now, max_failures, lockout).await
    }

    async fn record_receipt_success(&self, code: &ReceiptCode) -> Result<(), StoreError> {
        credentials::execute(
            &self.ops,
            "UPDATE receipts SET failed = 0, locked_until = NULL WHERE code = $1 AND (failed <> 0 OR locked_until IS NOT NULL)",
            code.as_str(),
        )
        .await
        .map(|_| ())
    }

    async fn put_session(&self, session: SessionRecord) -> Result<(), StoreError> {
        credentials::put_session(&self.ops, &session).await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRecord>, StoreError> {
        credentials::session(&self.read, id_hash, now).await
    }

    async fn update_session(
        &self,
        id_hash: &str,
        update: SessionUpdate,
    ) -> Result<bool, StoreError> {
        credentials::update_session(&self.ops, id_hash, update).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        credentials::execute(
            &self.ops,
            "DELETE FROM sessions WHERE id_hash = $1",
            id_hash,
        )
        .await
        .map(|n| n > 0)
    }

    async fn delete_sessions_of(&self, username: &Username) -> Result<u64, StoreError> {
        credentials::execute(
            &self.ops,
            "DELETE FROM sessions WHERE username = $1",
            username.as_str(),
        )
        .await
    }

    async fn purge_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        credentials::execute(
            &self.ops,
            "DELETE FROM sessions WHERE expires_at <= $1",
            &format_ts(now),
        )
        .await
    }

    async fn list_members(&self, filter: &MemberFilter) -> Result<MemberPage, StoreError> {
        members::list_members(&self.read, filter).await
    }

    async fn put_chunk(&self, upload: &str, n: u32, bytes: &[u8]) -> Result<(), StoreError> {
        blobs::put_chunk(&self.ops, upload, n, bytes).await
    }

    async fn chunk(&self, upload: &str, n: u32) -> Result<Option<Vec<u8>>, StoreError> {
        blobs::chunk(&self.read, upload, n).await
    }

    async fn seal_file(&self, file: &SealedFile) -> Result<bool, StoreError> {
        blobs::seal_file(&self.ops, file).await
    }

    async fn sealed_file(
        &self,
        case: &CaseId,
        sha256: &str,
    ) -> Result<Option<SealedFile>, StoreError> {
        blobs::sealed_file(&self.read, case, sha256).await
    }

    async fn drop_upload(&self, upload: &str) -> Result<(), StoreError> {
        blobs::drop_upload(&self.ops, upload).await
    }

    async fn case_key(&self, case: &CaseId) -> Result<Option<WrappedKey>, StoreError> {
        blobs::case_key(&self.read, case).await
    }

    async fn put_case_key(&self, key: &WrappedKey) -> Result<WrappedKey, StoreError> {
        blobs::put_case_key(&self.ops, key).await
    }

    async fn case_keys(&self) -> Result<Vec<WrappedKey>, StoreError> {
        blobs::case_keys(&self.read).await
    }

    async fn sweep_uploads(&self, written_before: jiff::Timestamp) -> Result<u64, StoreError> {
        blobs::sweep(&self.ops, written_before).await
    }

    async fn key_samples(&self) -> Result<Vec<WrappedKey>, StoreError> {
        blobs::key_samples(&self.read).await
    }

    async fn rewrap_case_keys(&self, keys: &[WrappedKey]) -> Result<(), StoreError> {
        blobs::rewrap(&self.ops, keys).await
    }

    async fn sealed_counts(&self) -> Result<SealedCounts, StoreError> {
        blobs::counts(&self.read).await
    }

    async fn legacy_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        blobs::legacy_blob(&self.read, sha256).await
    }

    async fn drop_legacy_blobs(&self) -> Result<u64, StoreError> {
        blobs::drop_legacy(&self.ops).await
    }

    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        outbox::claim(&self.ops, now, lease, limit).await
    }

    async fn outbox_retry_later(
        &self,
        id: u64,
        attempts: u32,
        next_attempt_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError> {
        outbox::retry_later(&self.ops, id, attempts, next_attempt_at, error).await
    }

    async fn outbox_rows(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError> {
        outbox::list(&self.read, filter).await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        outbox::counts(&self.read).await
    }
}
