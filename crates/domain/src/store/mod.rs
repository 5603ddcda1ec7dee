//! The store port: one trait, implemented for SQLite and PostgreSQL, both held to the same
//! conformance suite. The store is deliberately ignorant of event schemas: it keeps each
//! event's kind and JSON payload exactly as given (the bytes the transparency log commits
//! to), and the read-model rows the caller derived from them, in one transaction.

use crate::account::{
    Account, ApiTokenRecord, Receipt, ReceiptCode, SessionRecord, SessionUpdate, Username,
};
use crate::ids::{CaseId, MembershipNumber, PersonId};
use crate::member::{Member, MemberStatus};
use crate::stage::Stage;
use crate::summary::CaseSummary;
use async_trait::async_trait;
use docket_tlog::Hash;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
pub use leaf::{Entry, SALT_LEN, Salt};

/// The membership list's stream name; case streams are named by [`case_stream`].
pub const MEMBERS_STREAM: &str = "members";

pub fn case_stream(id: &CaseId) -> String {
    format!("case/{id}")
}

/// The names starting with `prefix`, as a half-open range in byte order: `prefix` itself up
/// to the first name past every one that starts with it. An empty prefix is every name.
pub fn prefix_range(prefix: &str) -> (String, String) {
    let mut to = prefix.as_bytes().to_vec();
    while let Some(last) = to.pop() {
        if last < 0x7f {
            to.push(last + 1);
            return (
                prefix.to_string(),
                String::from_utf8(to).unwrap_or_default(),
            );
        }
    }
    // Nothing is past every name: a bound no stream name reaches.
    (prefix.to_string(), "\u{10FFFF}".to_string())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub kind: String,
    /// The event's canonical JSON, stored byte for byte.
    pub payload: String,
    /// Random bytes the event's leaf commits to (see [`leaf`]); the caller draws them, as
    /// the domain has no randomness of its own.
    pub salt: Salt,
}

/// The rows that change with an append, written in the same transaction as its events.
///
/// Most are read models, which [`Store::replace_read_models`] (and so `docket rebuild`)
/// drops and recomputes from the log. Credentials are not: an account's password hash,
/// second-factor secret and recovery codes, a token's hash and a receipt's passphrase hash
/// are deliberately kept out of events, so the log cannot recreate them. Their rows are
/// written here, beside the event that records the change, and nothing that rebuilds read
/// models may touch them.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadModelChange {
    None,
    /// The case's summary row after the append. The full case state is not stored: it is
    /// folded from the case's events whenever it is needed, so it can never disagree with
    /// the log.
    Case(CaseSummary),
    /// An anonymous complaint's intake: the case's summary and the complainant's receipt.
    /// One transaction, so there is never a receipt without its case nor an anonymous case
    /// whose complainant has no way back to it. (A variant of its own rather than a list of
    /// changes: intake is the only append that needs two.)
    CaseWithReceipt(CaseSummary, Box<Receipt>),
    Members(Vec<Member>),
    /// An account's row after an event on [`crate::account::ACCOUNTS_STREAM`]: inserted, or
    /// updated by username. An update leaves the operational columns alone (failed sign-ins
    /// and lockout belong to [`Store::record_login_failure`]), so a role change cannot undo
    /// a lockout made while it was being decided.
    Account(Box<Account>),
    /// An API token's row after it was issued or revoked: inserted, or updated by token id.
    Token(ApiTokenRecord),
}

/// One command's events, appended atomically if the stream is still at `expected_version`.
#[derive(Debug, Clone, PartialEq)]
pub struct Append {
    pub stream: String,
    pub expected_version: u64,
    pub actor: PersonId,
    pub at: Timestamp,
    pub events: Vec<NewEvent>,
    pub read_model: ReadModelChange,
    /// Outbox rows queued or settled with these events, in the same transaction.
    pub outbox: Vec<OutboxChange>,
}

impl Append {
    /// The committed fields of this append's `i`-th event (`events[i]`, which gets version
    /// `expected_version + i + 1`), given the stored form of `at` (`codec::format_ts`).
    pub fn entry<'a>(&'a self, i: usize, recorded_at: &'a str) -> Entry<'a> {
        let e = &self.events[i];
        Entry {
            stream: self.stream.as_bytes(),
            version: self.expected_version + i as u64 + 1,
            kind: e.kind.as_bytes(),
            actor: self.actor.as_str().as_bytes(),
            recorded_at: recorded_at.as_bytes(),
            salt: &e.salt,
            payload: e.payload.as_bytes(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Global sequence numbers given to the events: first..=last, with no gaps.
    pub first_seq: u64,
    pub last_seq: u64,
    /// The stream's version after the append.
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: u64,
    pub stream: String,
    pub version: u64,
    pub kind: String,
    pub actor: String,
    pub at: Timestamp,
    /// Empty when the payload was erased; its leaf hash stays in the tree.
    pub payload: String,
    pub salt: Vec<u8>,
    pub erased: bool,
}

/// An event row as the log verifier reads it: every column as stored (the timestamp as its
/// text, which is what the leaf commits to) and the leaf hash stored for its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub seq: u64,
    pub stream: String,
    pub version: u64,
    pub kind: String,
    pub actor: String,
    pub recorded_at: String,
    pub salt: Vec<u8>,
    pub payload: String,
    pub erased: bool,
    /// The leaf stored at index `seq − 1`, if there is one.
    pub leaf: Option<Hash>,
}

impl LogEntry {
    pub fn entry(&self) -> Entry<'_> {
        Entry {
            stream: self.stream.as_bytes(),
            version: self.version,
            kind: self.kind.as_bytes(),
            actor: self.actor.as_bytes(),
            recorded_at: self.recorded_at.as_bytes(),
            salt: &self.salt,
            payload: self.payload.as_bytes(),
        }
    }
}

/// One event as the verifier needs it: the leaf recomputed from its row next to the leaf
/// stored for its position. Stores may compute it where the row is read, without copying
/// the row out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafCheck {
    pub seq: u64,
    /// The leaf recomputed from the row; None if the payload is erased.
    pub computed: Option<Hash>,
    /// The leaf stored at index `seq − 1`, if there is one.
    pub stored: Option<Hash>,
    pub erased: bool,
    /// An erased event must have an empty payload.
    pub payload_empty: bool,
    /// The entry's length in bytes (what was hashed).
    pub bytes: u64,
}

impl LeafCheck {
    /// Checks event `seq` from its fields as stored and the leaf stored for it.
    pub fn new(seq: u64, entry: &Entry<'_>, erased: bool, stored: Option<Hash>) -> LeafCheck {
        LeafCheck {
            seq,
            computed: (!erased).then(|| entry.leaf_hash()),
            stored,
            erased,
            payload_empty: entry.payload.is_empty(),
            bytes: if erased { 0 } else { entry.len() as u64 },
        }
    }

    pub fn of(e: &LogEntry) -> LeafCheck {
        LeafCheck::new(e.seq, &e.entry(), e.erased, e.leaf)
    }
}

/// Which stored leaves [`Store::log_leaves`] reads alongside the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredLeaves {
    /// Every event's.
    All,
    /// Only those of events whose payload was erased, which cannot be recomputed. A
    /// verifier that compares whole subtrees with the stored tree needs no more, and reads
    /// the rest only where a subtree differs.
    ErasedOnly,
}

/// A signed checkpoint as kept: every one is kept, keyed by the tree size it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    /// The C2SP signed note, exactly as signed.
    pub note: String,
}

/// A complete subtree of the log's Merkle tree: the `n`-th node at height `level`, covering
/// leaves `n·2^level .. (n+1)·2^level`. Level 0 holds the leaf hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    pub level: u8,
    pub n: u64,
}

impl Node {
    /// The node at a position of the `tlog` crate's dense stored-hash layout.
    pub fn at_stored_index(index: u64) -> Node {
        let (level, n) = docket_tlog::split_stored_hash_index(index);
        Node { level, n }
    }

    /// This node's position in that layout: a store that keys nodes by it appends every
    /// node it writes at the end of one index.
    pub fn stored_index(&self) -> u64 {
        docket_tlog::stored_hash_index(self.level, self.n)
    }

    /// A stored hash column as this node's hash: missing is `NotFound`, a wrong length
    /// is `Corrupt`.
    pub fn hash_from(&self, stored: Option<Vec<u8>>) -> Result<Hash, StoreError> {
        let stored = stored.ok_or_else(|| {
            StoreError::NotFound(format!(
                "the log's tree node at level {}, index {}",
                self.level, self.n
            ))
        })?;
        stored
            .try_into()
            .map_err(|_| StoreError::Corrupt(format!("tree node {self:?} is not 32 bytes")))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub open_only: bool,
    /// Only cases with a stage clock or a measure review date before this day.
    pub overdue_on: Option<Date>,
    pub stage: Option<Stage>,
    pub assignee: Option<PersonId>,
    pub limit: Option<u32>,
}

/// Which members [`Store::list_members`] returns, and which page of them. Members are in
/// membership-number order, so a page is the same rows however often it is asked for while
/// the list does not change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    pub status: Option<MemberStatus>,
    /// Only members in this region, exactly as the membership list writes it.
    pub region: Option<String>,
    /// Only elected representatives (true), or only members who hold no elected office.
    pub elected: Option<bool>,
    /// Only members whose number starts with this. Numbers are stored upper case, so pass
    /// the prefix upper case too (letters and digits only, as numbers are).
    pub number_prefix: Option<String>,
    /// Only members whose name starts with this, ignoring the case of ASCII letters only (the
    /// one folding both databases do alike). `%` and `_` are plain characters here.
    pub name_prefix: Option<String>,
    /// How many matching members to skip.
    pub offset: u64,
    /// The most members to return.
    pub limit: u32,
}

/// One page of [`Store::list_members`], and how many members match across all pages (read
/// from the same snapshot as the page, so the two never disagree).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberPage {
    pub members: Vec<Member>,
    pub total: u64,
}

/// Every read-model row rendered as text in a fixed order: `rebuild` must reproduce it exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadModelDump {
    pub cases: Vec<String>,
    pub assignments: Vec<String>,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{0} was not found")]
    NotFound(String),
    #[error(
        "{stream} was changed by someone else while you were working on it (expected version {expected}, found {actual}); reload it and try again"
    )]
    Conflict {
        stream: String,
        expected: u64,
        actual: u64,
    },
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("the store holds data it cannot read: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Other(String),
}

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Appends one command's events and read-model change in one transaction. Returns only
    /// once the transaction is durable.
    async fn append(&self, append: Append) -> Result<Appended, StoreError>;

    /// Appends many commands in one transaction: all of them or none (imports, demo data).
    async fn append_all(&self, appends: Vec<Append>) -> Result<Vec<Appended>, StoreError>;

    /// Appends at the head of a stream whose order matters to nobody (views), whatever its
    /// version: `expected_version` is ignored. The default asks for the version and retries
    /// when another append got in first; a store that can give the version inside its own
    /// write should, since under load every retry is another commit to wait for.
    async fn append_at_head(&self, mut append: Append) -> Result<Appended, StoreError> {
        let mut tries = 0;
        loop {
            append.expected_version = self.stream_version(&append.stream).await?;
            match self.append(append.clone()).await {
                Err(StoreError::Conflict { .. }) if tries < 20 => tries += 1,
                done => return done,
            }
        }
    }

    /// The highest global sequence number (0 for an empty log).
    async fn head(&self) -> Result<u64, StoreError>;

    async fn stream_events(&self, stream: &str) -> Result<Vec<StoredEvent>, StoreError>;

    /// A stream's current version (0 if it has no events). Stores should override this
    /// with a single indexed query; the default reads the whole stream.
    async fn stream_version(&self, stream: &str) -> Result<u64, StoreError> {
        Ok(self
            .stream_events(stream)
            .await?
            .last()
            .map(|e| e.version)
            .unwrap_or(0))
    }

    /// Events with seq > `after`, in order, at most `limit`.
    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<StoredEvent>, StoreError>;

    /// As [`Store::events_after`], of the streams whose names start with `prefix` only: a
    /// scan that needs some streams (the figures read only the cases') leaves the others'
    /// rows unread.
    async fn events_after_in(
        &self,
        after: u64,
        limit: u32,
        prefix: &str,
    ) -> Result<Vec<StoredEvent>, StoreError>;

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError>;

    async fn stage_counts(&self) -> Result<Vec<(Stage, u64)>, StoreError>;

    /// How many case rows lack what this version keeps in them (a title, statistical
    /// facts): rows written by an older Docket. Any at all means the read models should be
    /// rebuilt (`docket rebuild`).
    async fn untitled_cases(&self) -> Result<u64, StoreError>;

    /// Every case's statistical facts, from the read model, in no particular order.
    /// `NotFound` (naming the fix) if a row has none, rather than figures that quietly leave
    /// a case out.
    async fn case_facts(&self) -> Result<Vec<crate::statistics::CaseFacts>, StoreError>;

    async fn member(&self, number: &MembershipNumber) -> Result<Option<Member>, StoreError>;

    async fn member_count(&self) -> Result<u64, StoreError>;

    /// Drops every read-model row and writes these instead, in one transaction.
    async fn replace_read_models(
        &self,
        cases: Vec<CaseSummary>,
        members: Vec<Member>,
    ) -> Result<(), StoreError>;

    async fn dump_read_models(&self) -> Result<ReadModelDump, StoreError>;

    /// The stored hashes of these nodes, in the order asked. A node that is not stored (the
    /// tree is smaller, or rows were removed) is `NotFound`.
    async fn tree_nodes(&self, nodes: &[Node]) -> Result<Vec<Hash>, StoreError>;

    /// How many leaves the tree holds: the highest level-0 index plus one.
    async fn leaf_count(&self) -> Result<u64, StoreError>;

    /// Events with seq > `after` joined with their leaves, for the verifier, at most `limit`.
    async fn log_entries(&self, after: u64, limit: u32) -> Result<Vec<LogEntry>, StoreError>;

    /// Every event with `from < seq ≤ to`, in order, checked as [`LeafCheck`]. Ranges (not
    /// pages) so a verifier can read several at once. With [`StoredLeaves::ErasedOnly`] a
    /// store may leave out the stored leaves of events it can recompute (it may also give
    /// them).
    async fn log_leaves(
        &self,
        from: u64,
        to: u64,
        _stored: StoredLeaves,
    ) -> Result<Vec<LeafCheck>, StoreError> {
        let mut out = Vec::new();
        let mut after = from;
        while after < to {
            let limit = (to - after).min(10_000) as u32;
            let page = self.log_entries(after, limit).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            out.extend(page.iter().filter(|e| e.seq <= to).map(LeafCheck::of));
        }
        Ok(out)
    }

    /// Keeps a signed checkpoint; false if one for that size is already kept.
    async fn add_checkpoint(&self, checkpoint: StoredCheckpoint) -> Result<bool, StoreError>;

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// Checkpoints for sizes greater than `after`, smallest first, at most `limit`.
    async fn checkpoints_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// Erases event `seq`'s payload (its leaf stays) and appends `record`, the erasure's own
    /// event, in one transaction. `NotFound` if there is no such event or it is erased already.
    async fn erase(&self, seq: u64, record: Append) -> Result<Appended, StoreError>;

    // Accounts and credentials. Their rows are written with account events (see
    // [`ReadModelChange::Account`]); what follows reads them, and keeps the operational state
    // that is no event: sign-in failures, used recovery codes, sessions. That changes too
    // often to log and is not case history.

    async fn account(&self, username: &Username) -> Result<Option<Account>, StoreError>;

    async fn account_by_person(&self, person: &PersonId) -> Result<Option<Account>, StoreError>;

    /// Every account, sorted by username.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    async fn api_token(&self, token_id: &str) -> Result<Option<ApiTokenRecord>, StoreError>;

    /// An account's tokens, revoked ones included, oldest first.
    async fn api_tokens(&self, username: &Username) -> Result<Vec<ApiTokenRecord>, StoreError>;

    async fn receipt(&self, code: &ReceiptCode) -> Result<Option<Receipt>, StoreError>;

    /// Counts a failed sign-in, atomically however many arrive at once. The one that makes
    /// `max_failures` in a row locks the account until `now + lockout` and starts the count
    /// again from zero, so after the lockout the person has `max_failures` tries again.
    /// Returns the account as it is afterwards; `NotFound` if there is no such account.
    async fn record_login_failure(
        &self,
        username: &Username,
        now: Timestamp,
        max_failures: u32,
        lockout: SignedDuration,
    ) -> Result<Account, StoreError>;

    /// A successful sign-in (or a password reset): the count of failures in a row starts
    /// again and any lockout ends.
    async fn record_login_success(&self, username: &Username) -> Result<(), StoreError>;

    /// Removes the recovery code with this hash from the account, atomically: true for
    /// exactly one of any number of concurrent uses of the same code.
    async fn consume_recovery_code(
        &self,
        username: &Username,
        code_hash: &str,
    ) -> Result<bool, StoreError>;

    /// Accepts TOTP time step `step` for the account if it is later than every step accepted
    /// before, atomically: false for a code already used (or an older one), so each code
    /// signs in once however many requests race with it.
    async fn use_totp_step(&self, username: &Username, step: u64) -> Result<bool, StoreError>;

    /// [`Store::record_login_failure`] for a receipt's passphrase.
    async fn record_receipt_failure(
        &self,
        code: &ReceiptCode,
        now: Timestamp,
        max_failures: u32,
        lockout: SignedDuration,
    ) -> Result<Receipt, StoreError>;

    async fn record_receipt_success(&self, code: &ReceiptCode) -> Result<(), StoreError>;

    /// Keeps a new session (or replaces one with the same id hash).
    async fn put_session(&self, session: SessionRecord) -> Result<(), StoreError>;

    /// The session with this id hash, unless it has expired by `now`.
    async fn session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<Option<SessionRecord>, StoreError>;

    /// Slides a session's expiry and records activity; false if there is no such session.
    async fn update_session(
        &self,
        id_hash: &str,
        update: SessionUpdate,
    ) -> Result<bool, StoreError>;

    /// Signs one session out; false if there was none.
    async fn delete_session(&self, id_hash: &str) -> Result<bool, StoreError>;

    /// Signs an account out everywhere (it was disabled, or its password reset). Returns
    /// how many sessions ended.
    async fn delete_sessions_of(&self, username: &Username) -> Result<u64, StoreError>;

    /// Deletes sessions that expired by `now`; returns how many.
    async fn purge_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// Members matching `filter`, by membership number, one page at a time.
    async fn list_members(&self, filter: &MemberFilter) -> Result<MemberPage, StoreError>;

    // Evidence files (see [`sealed`]): sealed by the server before they arrive here.

    /// Keeps chunk `n` of an upload: at most [`sealed::SEALED_CHUNK`] bytes, and exactly
    /// that many for every chunk but the last. Chunks come in order, before the file is
    /// sealed; until then they belong to no case and serve nothing.
    async fn put_chunk(&self, upload: &str, n: u32, bytes: &[u8]) -> Result<(), StoreError>;

    /// Chunk `n` of an upload, if there is one.
    async fn chunk(&self, upload: &str, n: u32) -> Result<Option<Vec<u8>>, StoreError>;

    /// Makes an upload's chunks durable and files them under the case and hash. Returns
    /// false, and drops the upload, if the case already holds a file with that hash: a file
    /// once stored is never replaced.
    async fn seal_file(&self, file: &SealedFile) -> Result<bool, StoreError>;

    /// The file a case holds under a hash, if any.
    async fn sealed_file(
        &self,
        case: &CaseId,
        sha256: &str,
    ) -> Result<Option<SealedFile>, StoreError>;

    /// Drops an upload's chunks, and its file if it was sealed (an upload whose command was
    /// then refused).
    async fn drop_upload(&self, upload: &str) -> Result<(), StoreError>;

    /// Drops the chunks of every upload that no sealed file names and that was last written
    /// to before `written_before`: uploads cut off by a crash, never filed and unreadable
    /// to anyone. Returns how many uploads went.
    async fn sweep_uploads(&self, written_before: jiff::Timestamp) -> Result<u64, StoreError>;

    /// A case's wrapped data key, if one has been made.
    async fn case_key(&self, case: &CaseId) -> Result<Option<WrappedKey>, StoreError>;

    /// Keeps a case's wrapped data key unless the case has one already; returns the key the
    /// case has now, so two servers making one at once agree on the first.
    async fn put_case_key(&self, key: &WrappedKey) -> Result<WrappedKey, StoreError>;

    /// Every case's wrapped data key, for rewrapping under a new organisation key.
    async fn case_keys(&self) -> Result<Vec<WrappedKey>, StoreError>;

    /// One wrapped key for each organisation key that wrapped any (the lowest case's), in
    /// order of key id: enough for a server to check its key at start without reading
    /// every case's.
    async fn key_samples(&self) -> Result<Vec<WrappedKey>, StoreError>;

    /// Replaces the wrapping of the given cases' keys, all in one transaction (a rotation
    /// of the organisation key either happens for every case or for none).
    async fn rewrap_case_keys(&self, keys: &[WrappedKey]) -> Result<(), StoreError>;

    /// How many sealed files, case keys and unsealed earlier files the store holds.
    async fn sealed_counts(&self) -> Result<SealedCounts, StoreError>;

    /// A file kept unsealed by an earlier version, by hash, if any.
    async fn legacy_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Forgets the unsealed earlier files, once they have been sealed.
    async fn drop_legacy_blobs(&self) -> Result<u64, StoreError>;

    // The outbox (see [`outbox`]). Rows are queued and settled by appends; what follows
    // claims them and records retries, which are operational state and no event.

    /// Claims up to `limit` queued messages due by `now` that nobody holds, for `lease`:
    /// until then no other claim returns them, however many servers ask at once. A sender
    /// that dies holding a claim loses it when the lease runs out, and the message is tried
    /// again (so a message may be sent twice, never lost).
    async fn claim_outbox(
        &self,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError>;

    /// A queued message's attempt failed and will be retried at `next_attempt_at`: records
    /// the attempts made and the reason, and releases the claim.
    async fn outbox_retry_later(
        &self,
        id: u64,
        attempts: u32,
        next_attempt_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError>;

    async fn outbox_rows(&self, filter: &OutboxFilter) -> Result<Vec<OutboxRow>, StoreError>;

    async fn outbox_counts(&self) -> Result<OutboxCounts, StoreError>;
}

pub mod codec;
pub mod leaf;
pub mod outbox;
pub mod sealed;
pub use outbox::{OutboxChange, OutboxCounts, OutboxFilter, OutboxMessage, OutboxRow, OutboxState};
pub use sealed::{SealedCounts, SealedFile, WrappedKey};
