//! The application service: the one path by which commands reach a case. It loads state,
//! asks the domain to decide, folds the events, and appends events and read models in one
//! transaction. HTTP handlers, the CLI and the demo generator all come through here.

use crate::cases::{CaseCache, Seen};
use crate::decisions::DecisionCache;
use docket_domain::calendar::Calendar;
use docket_domain::case::{Case, ReplayError};
use docket_domain::erasure::{ERASURES_STREAM, ErasureEvent, check_erasable};
use docket_domain::event::CaseEvent;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::member::{Member, MemberEvent};
use docket_domain::policy::Policy;
use docket_domain::rulebook::RuleBook;
use docket_domain::store::{
    Append, Appended, MEMBERS_STREAM, NewEvent, ReadModelChange, Store, StoreError, StoredEvent,
    case_stream,
};
use docket_domain::summary::CaseSummary;
use docket_domain::view::{CasePart, ViewEvent, views_stream};
use docket_domain::{Command, Context, Violation, apply, decide};
use jiff::Timestamp;
use std::sync::Arc;

/// Members per import event: large enough that 500,000 members are 500 events, small enough
/// that one event stays a reasonable size for the transparency log.
pub const MEMBERS_PER_EVENT: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Rule(#[from] Violation),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("no case has the reference {0}")]
    NotFound(CaseId),
    #[error("the stored history cannot be replayed: {0}")]
    Replay(#[from] ReplayError),
    #[error("the stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Denied(crate::access::Denial),
    #[error("case {case} has no evidence item {number}")]
    NoEvidence { case: CaseId, number: u32 },
    #[error("case {case} has no notice {number}")]
    NoNotice { case: CaseId, number: u32 },
    /// A stored file no longer hashes to what the log recorded for it.
    #[error("{0}")]
    Tampered(String),
    #[error("the search index failed: {0}")]
    Search(#[from] docket_search::SearchError),
    /// The blocking half of a search or an indexing run panicked or was cancelled.
    #[error("a search task stopped: {0}")]
    SearchTask(#[from] tokio::task::JoinError),
}

/// Docket's application core, cheap to clone and share between requests.
#[derive(Debug, Clone)]
pub struct Docket {
    pub store: Arc<dyn Store>,
    pub rules: Arc<RuleBook>,
    pub calendar: Arc<Calendar>,
    /// Who may do and see what: every command and read asks it (see `access`).
    pub policy: Arc<Policy>,
    /// The transparency log's signing key, when this process has one.
    pub log_signer: Option<Arc<docket_tlog::Signer>>,
    /// Told of every commit, so the checkpointer can sign soon after.
    pub commits: Arc<tokio::sync::Notify>,
    /// Cases as last loaded (see `cases`).
    pub cases: Arc<CaseCache>,
    /// The policy's decisions about cases, while they still hold (see `decisions`).
    pub decisions: Arc<DecisionCache>,
    /// The largest evidence file accepted, in bytes (see `evidence::DEFAULT_EVIDENCE_LIMIT`).
    pub evidence_limit: usize,
    /// The most evidence one case may hold, in bytes (see `evidence::DEFAULT_CASE_LIMIT`).
    pub evidence_case_limit: u64,
    /// The organisation's evidence key, which wraps every case's data key; None in a
    /// process that handles no evidence (see `evidence::keys`).
    pub evidence_key: Option<Arc<crate::evidence::vault::OrgKey>>,
    /// The notice templates in force (see `notice`).
    pub notices: Arc<crate::notice::NoticeTemplates>,
    /// Where notices are emailed; None leaves them queued (see `outbox`).
    pub mailer: Option<Arc<dyn crate::outbox::mail::Mailer>>,
    /// The sender of notices' email.
    pub mail_from: lettre::message::Mailbox,
    /// Told when a notice is queued, so the sender need not wait for its next round.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// Reports made recently (see `report::Cache`).
    pub report_cache: Arc<crate::report::Cache>,
    /// The full-text index over cases, when this process keeps one (see `search`).
    pub search: Option<Arc<docket_search::SearchIndex>>,
    /// Told of every commit, for the search indexer. Not `commits`: a `Notify` wakes one
    /// waiter per notification, and the checkpointer already waits on that one.
    pub index_wake: Arc<tokio::sync::Notify>,
    /// Held while the log is indexed, so two runs in one process do not interleave their
    /// delete and upsert commits.
    pub indexing: Arc<tokio::sync::Mutex<()>>,
}

/// The sender's address when none is configured.
pub fn default_mail_from() -> lettre::message::Mailbox {
    lettre::message::Mailbox::new(
        Some("Docket".into()),
        lettre::Address::new("docket", "localhost").expect("a valid constant address"),
    )
}

/// The payload column is the event's JSON; the kind column repeats its tag so the log can be
/// filtered without decoding payloads.
pub fn encode<E: serde::Serialize>(event: &E) -> Result<NewEvent, ServiceError> {
    let value = serde_json::to_value(event).map_err(|e| ServiceError::Corrupt(e.to_string()))?;
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("unknown")
        .to_string();
    Ok(NewEvent {
        kind,
        payload: value.to_string(),
        salt: rand::random(),
    })
}

impl Docket {
    pub fn new(store: Arc<dyn Store>, rules: RuleBook, calendar: Calendar) -> Docket {
        Docket {
            store,
            rules: Arc::new(rules),
            calendar: Arc::new(calendar),
            // The shipped default is validated by the domain's tests; failing here means the
            // binary itself is broken, not the input.
            policy: Arc::new(
                Policy::default_policy().expect("the embedded default policy is valid"),
            ),
            log_signer: None,
            commits: Arc::new(tokio::sync::Notify::new()),
            cases: Arc::default(),
            decisions: Arc::default(),
            evidence_limit: crate::evidence::DEFAULT_EVIDENCE_LIMIT,
            evidence_case_limit: crate::evidence::DEFAULT_CASE_LIMIT,
            evidence_key: None,
            notices: Arc::new(crate::notice::NoticeTemplates::shipped()),
            mailer: None,
            mail_from: default_mail_from(),
            outbox_wake: Arc::new(tokio::sync::Notify::new()),
            report_cache: Arc::default(),
            search: None,
            index_wake: Arc::new(tokio::sync::Notify::new()),
            indexing: Arc::default(),
        }
    }

    /// Keeps `index` current from the log and answers searches from it (see `search`).
    pub fn with_search(mut self, index: Arc<docket_search::SearchIndex>) -> Docket {
        self.search = Some(index);
        self
    }

    /// Tells the checkpointer and the search indexer that the log grew.
    fn committed(&self) {
        self.commits.notify_one();
        self.index_wake.notify_one();
    }

    /// Emails notices with `mailer`, from `from`.
    pub fn with_mailer(
        mut self,
        mailer: Arc<dyn crate::outbox::mail::Mailer>,
        from: lettre::message::Mailbox,
    ) -> Docket {
        self.mailer = Some(mailer);
        self.mail_from = from;
        self
    }

    /// Replaces the shipped notice templates (an organisation's own, already tried).
    pub fn with_notice_templates(mut self, templates: crate::notice::NoticeTemplates) -> Docket {
        self.notices = Arc::new(templates);
        self
    }

    /// Replaces the default policy (an organisation's own policy files added to it).
    pub fn with_policy(mut self, policy: Policy) -> Docket {
        self.policy = Arc::new(policy);
        // Decisions kept were made under the old policy.
        self.decisions = Arc::default();
        self
    }

    pub fn with_log_signer(mut self, signer: docket_tlog::Signer) -> Docket {
        self.log_signer = Some(Arc::new(signer));
        self
    }

    /// A case's current state, folded from its events: the log is the only place it lives.
    pub async fn load_case(&self, id: &CaseId) -> Result<Option<Case>, ServiceError> {
        let stream = case_stream(id);
        // Erasures are asked first: one that lands while the events are read is then in the
        // state kept, which is kept as older than it is and so only ever replayed again.
        let erasures = self.store.stream_version(ERASURES_STREAM).await?;
        let version = self.store.stream_version(&stream).await?;
        if version == 0 {
            return Ok(None);
        }
        if let Some(case) = self.cases.get(id, Seen { version, erasures }) {
            return Ok(Some(case));
        }
        let mut state: Option<Case> = None;
        for e in self.store.stream_events(&stream).await? {
            if e.erased {
                // Only events nothing depends on can be erased (see `erasure`): skip its
                // content, keep its place in the stream.
                if let Some(case) = state.as_mut() {
                    case.version = e.version;
                }
                continue;
            }
            let (event, actor) = decode_case_event(&e)?;
            state = Some(apply(state, &event, e.at, &actor)?);
        }
        if let Some(case) = &state {
            let seen = Seen {
                version: case.version,
                erasures,
            };
            self.cases.keep(case, seen);
        }
        Ok(state)
    }

    /// The summaries of every open case, oldest first.
    pub async fn open_cases(&self) -> Result<Vec<CaseSummary>, ServiceError> {
        Ok(self
            .store
            .list_cases(&docket_domain::store::CaseFilter {
                open_only: true,
                ..Default::default()
            })
            .await?)
    }

    /// Appends one command's events and tells the checkpointer.
    pub async fn append(&self, append: Append) -> Result<Appended, StoreError> {
        let done = self.store.append(append).await?;
        self.committed();
        Ok(done)
    }

    /// Appends many commands in one transaction and tells the checkpointer.
    pub async fn append_all(&self, appends: Vec<Append>) -> Result<Vec<Appended>, StoreError> {
        let done = self.store.append_all(appends).await?;
        self.committed();
        Ok(done)
    }

    /// Appends one event at the head of a stream whose order matters to nobody (views,
    /// erasure records): the store places it, or it is retried when another append got in
    /// first. With `erasing`, that event's payload is erased in the same transaction.
    pub(crate) async fn append_at_head(
        &self,
        stream: &str,
        event: NewEvent,
        actor: &PersonId,
        at: Timestamp,
        erasing: Option<u64>,
    ) -> Result<Appended, StoreError> {
        let append = |expected_version| Append {
            stream: stream.to_string(),
            expected_version,
            actor: actor.clone(),
            at,
            events: vec![event.clone()],
            read_model: ReadModelChange::None,
            outbox: Vec::new(),
        };
        let done = match erasing {
            None => self.store.append_at_head(append(0)).await?,
            Some(seq) => {
                let mut tries = 0;
                loop {
                    let version = self.store.stream_version(stream).await?;
                    match self.store.erase(seq, append(version)).await {
                        Err(StoreError::Conflict { .. }) if tries < 20 => tries += 1,
                        done => break done?,
                    }
                }
            }
        };
        self.committed();
        Ok(done)
    }

    /// Records that `viewer` opened `part` of a case. Callers go through `open_case`, which
    /// asks the policy first; this is the recording half.
    pub(crate) async fn record_view(
        &self,
        id: &CaseId,
        viewer: &PersonId,
        part: CasePart,
        now: Timestamp,
    ) -> Result<Appended, ServiceError> {
        let event = encode(&ViewEvent::CaseViewed {
            case: id.clone(),
            part,
        })?;
        Ok(self
            .append_at_head(&views_stream(id), event, viewer, now, None)
            .await?)
    }

    /// Erases event `seq`'s payload, keeping its leaf, and records who did it and why.
    pub async fn erase(
        &self,
        seq: u64,
        reason: Text,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Appended, ServiceError> {
        let event = self
            .store
            .events_after(seq.saturating_sub(1), 1)
            .await?
            .into_iter()
            .find(|e| e.seq == seq)
            .ok_or_else(|| ServiceError::Store(StoreError::NotFound(format!("event {seq}"))))?;
        check_erasable(seq, &event.kind, event.erased)?;
        let record = encode(&ErasureEvent::PayloadErased {
            seq,
            stream: event.stream,
            kind: event.kind,
            reason,
        })?;
        Ok(self
            .append_at_head(ERASURES_STREAM, record, actor, now, Some(seq))
            .await?)
    }

    /// Decides `cmd` and builds the append without writing it, so callers can batch many
    /// commands into one transaction (imports, the demo generator).
    pub fn prepare(
        &self,
        state: Option<&Case>,
        cmd: &Command,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<(Case, Append), ServiceError> {
        let ctx = Context {
            actor,
            now,
            rules: &self.rules,
            calendar: &self.calendar,
        };
        let events = decide(state, cmd, &ctx)?;
        self.prepare_events(state, &events, actor, now)
    }

    /// Applies events already decided (by `decide`, or by the schedule) and builds their
    /// append, with the notices they call for.
    pub fn prepare_events(
        &self,
        state: Option<&Case>,
        events: &[docket_domain::event::CaseEvent],
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<(Case, Append), ServiceError> {
        let expected_version = state.map(|c| c.version).unwrap_or(0);
        let mut case = state.cloned();
        let mut encoded = Vec::with_capacity(events.len());
        for e in events {
            case = Some(apply(case, e, now, actor)?);
            encoded.push(encode(e)?);
        }
        let mut case =
            case.ok_or_else(|| ServiceError::Corrupt("decide returned no events".into()))?;
        // The notices these events call for go in the same append: issued with the step
        // that owes them, or not at all.
        for (kind, to) in docket_domain::notice::called_for(&case, events) {
            let notice = self.issue_notice(&case, kind, to, now)?;
            case = apply(Some(case), &notice, now, actor)?;
            encoded.push(encode(&notice)?);
        }
        let append = self.case_append(&case, expected_version, encoded, actor, now);
        Ok((case, append))
    }

    fn case_append(
        &self,
        case: &Case,
        expected_version: u64,
        events: Vec<NewEvent>,
        actor: &PersonId,
        at: Timestamp,
    ) -> Append {
        Append {
            stream: case_stream(&case.id),
            expected_version,
            actor: actor.clone(),
            at,
            events,
            read_model: ReadModelChange::Case(CaseSummary::of(case, &self.rules, &self.calendar)),
            outbox: Vec::new(),
        }
    }

    /// Runs one command on one case, durably. A concurrent change to the same case is
    /// refused as a conflict rather than silently overwritten.
    pub async fn execute(
        &self,
        case_id: &CaseId,
        cmd: Command,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Case, ServiceError> {
        let state = self.load_case(case_id).await?;
        if state.is_none() && !matches!(cmd, Command::ReceiveComplaint { .. }) {
            return Err(ServiceError::NotFound(case_id.clone()));
        }
        // A disclosure records the party's copy here too, as `execute_as` does.
        let cmd = self.with_party_copy(state.as_ref(), cmd).await?;
        let (case, append) = self.prepare(state.as_ref(), &cmd, actor, now)?;
        self.commit_case(&case, append).await?;
        Ok(case)
    }

    /// Adds or updates members in one transaction: all of them or none.
    pub async fn import_members(
        &self,
        members: Vec<Member>,
        source: &str,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Vec<Appended>, ServiceError> {
        let mut version = self.store.stream_version(MEMBERS_STREAM).await?;
        let mut appends = Vec::new();
        for chunk in members.chunks(MEMBERS_PER_EVENT) {
            let event = MemberEvent::MembersImported {
                source: source.to_string(),
                members: chunk.to_vec(),
            };
            appends.push(Append {
                stream: MEMBERS_STREAM.to_string(),
                expected_version: version,
                actor: actor.clone(),
                at: now,
                events: vec![encode(&event)?],
                read_model: ReadModelChange::Members(chunk.to_vec()),
                outbox: Vec::new(),
            });
            version += 1;
        }
        Ok(self.append_all(appends).await?)
    }

    /// Rebuilds the read models if they predate what this version keeps in them (case rows
    /// without a title), so a search never quietly misses the older cases. Some(report)
    /// when it rebuilt.
    pub async fn refresh_read_models(
        &self,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Option<RebuildReport>, ServiceError> {
        if self.store.untitled_cases().await? == 0 {
            return Ok(None);
        }
        Ok(Some(self.rebuild(progress).await?))
    }

    /// Drops and recomputes every read model from the event log, in one transaction.
    /// `progress` is told how many events have been read so far.
    pub async fn rebuild(
        &self,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<RebuildReport, ServiceError> {
        let Folded {
            cases,
            members,
            events,
            ..
        } = self.fold_log(progress).await?;
        let rows: Vec<CaseSummary> = cases
            .values()
            .map(|case| CaseSummary::of(case, &self.rules, &self.calendar))
            .collect();
        let report = RebuildReport {
            events,
            cases: rows.len() as u64,
            members: members.len() as u64,
        };
        self.store
            .replace_read_models(rows, members.into_values().collect())
            .await?;
        Ok(report)
    }
}

pub use crate::fold::Folded;

/// A stored case event and its actor, or a Corrupt error naming the event's sequence number.
pub(crate) fn decode_case_event(e: &StoredEvent) -> Result<(CaseEvent, PersonId), ServiceError> {
    let corrupt = |err: String| ServiceError::Corrupt(format!("event {}: {err}", e.seq));
    let event = serde_json::from_str(&e.payload).map_err(|err| corrupt(err.to_string()))?;
    let actor = PersonId::parse(&e.actor).map_err(corrupt)?;
    Ok((event, actor))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    pub events: u64,
    pub cases: u64,
    pub members: u64,
}
