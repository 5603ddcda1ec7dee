//! A case's audit trail: every event on the case and every view of it, each with its leaf
//! index, leaf hash and an inclusion proof against the latest signed checkpoint, so a
//! respondent or an auditor can check independently that this is the history the log
//! committed to. It holds metadata only (who, when, what kind), never content.

use crate::service::{Docket, ServiceError};
use crate::transparency::{LogError, prefetch};
use docket_domain::ids::CaseId;
use docket_domain::store::codec::format_ts;
use docket_domain::store::{StoredEvent, case_stream};
use docket_domain::view::{CasePart, views_stream};
use docket_tlog::{
    Checkpoint, Hash, Verifier, inclusion_proof_indexes, open_checkpoint, prove_inclusion,
    stored_hash_index, verify_inclusion,
};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditTrail {
    pub case: CaseId,
    /// The latest signed checkpoint, as a C2SP signed note; None before the first.
    pub checkpoint: Option<String>,
    pub tree_size: u64,
    #[serde(serialize_with = "b64")]
    #[schema(value_type = String)]
    pub root_hash: Hash,
    pub entries: Vec<AuditEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: u64,
    /// The leaf's position in the tree: seq − 1.
    pub index: u64,
    pub stream: String,
    pub version: u64,
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub erased: bool,
    #[serde(serialize_with = "b64")]
    #[schema(value_type = String)]
    pub leaf_hash: Hash,
    /// The audit path to the checkpoint's root; None for an entry newer than the checkpoint
    /// (it will be covered by the next one).
    #[serde(serialize_with = "b64_opt")]
    #[schema(value_type = Option<Vec<String>>)]
    pub proof: Option<Vec<Hash>>,
}

fn encode(h: &Hash) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}

fn b64<S: serde::Serializer>(h: &Hash, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&encode(h))
}

fn b64_opt<S: serde::Serializer>(p: &Option<Vec<Hash>>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        None => s.serialize_none(),
        Some(p) => s.collect_seq(p.iter().map(encode)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Log(#[from] LogError),
}

impl Docket {
    /// The audit trail of a case, as `viewer` opens it (which is itself recorded first).
    pub async fn audit(
        &self,
        id: &CaseId,
        viewer: &docket_domain::role::Principal,
        now: Timestamp,
    ) -> Result<AuditTrail, AuditError> {
        let mut events = self
            .store
            .stream_events(&case_stream(id))
            .await
            .map_err(ServiceError::from)?;
        if events.is_empty() {
            return Err(ServiceError::NotFound(id.clone()).into());
        }
        self.open_case(id, viewer, CasePart::AuditTrail, now)
            .await?;
        events.extend(
            self.store
                .stream_events(&views_stream(id))
                .await
                .map_err(ServiceError::from)?,
        );
        events.sort_by_key(|e| e.seq);

        let latest = self
            .store
            .latest_checkpoint()
            .await
            .map_err(ServiceError::from)?;
        let (tree_size, root_hash) = match &latest {
            Some(c) => {
                let cp = parse_note(&c.note)?;
                (cp.size, cp.root_hash)
            }
            None => (0, docket_tlog::EMPTY_ROOT),
        };
        // Every leaf and every proof's hashes, read in one store call.
        let mut wanted = Vec::new();
        for e in &events {
            let index = e.seq - 1;
            wanted.push(stored_hash_index(0, index));
            if index < tree_size {
                wanted.extend(inclusion_proof_indexes(tree_size, index).map_err(LogError::from)?);
            }
        }
        wanted.sort_unstable();
        wanted.dedup();
        let hashes = prefetch(self.store.as_ref(), &wanted).await?;
        let mut entries = Vec::with_capacity(events.len());
        for e in events {
            let index = e.seq - 1;
            let leaf_hash = hashes
                .get(&stored_hash_index(0, index))
                .copied()
                .ok_or(LogError::Tree(docket_tlog::Error::HashNotFound(index)))?;
            let proof = if index < tree_size {
                Some(prove_inclusion(tree_size, index, &hashes).map_err(LogError::from)?)
            } else {
                None
            };
            entries.push(entry(e, leaf_hash, proof));
        }
        Ok(AuditTrail {
            case: id.clone(),
            checkpoint: latest.map(|c| c.note),
            tree_size,
            root_hash,
            entries,
        })
    }
}

fn entry(e: StoredEvent, leaf_hash: Hash, proof: Option<Vec<Hash>>) -> AuditEntry {
    AuditEntry {
        seq: e.seq,
        index: e.seq - 1,
        stream: e.stream,
        version: e.version,
        kind: e.kind,
        actor: e.actor,
        at: format_ts(e.at),
        erased: e.erased,
        leaf_hash,
        proof,
    }
}

/// A kept checkpoint's body; its signature is checked by whoever relies on it.
fn parse_note(note: &str) -> Result<Checkpoint, LogError> {
    let body = note
        .split_once("\n\n")
        .map(|(b, _)| format!("{b}\n"))
        .unwrap_or_default();
    Ok(Checkpoint::parse(&body)?)
}

/// Checks an audit trail as an outsider would: the checkpoint's signature with the log's
/// published key, then every proof against its root. Returns how many entries it proved.
pub fn check(trail: &AuditTrail, key: &Verifier) -> Result<usize, String> {
    let Some(note) = &trail.checkpoint else {
        return Ok(0);
    };
    let (cp, _) = open_checkpoint(note.as_bytes(), std::slice::from_ref(key))
        .map_err(|e| format!("the checkpoint does not verify with {}: {e}", key.vkey()))?;
    let mut proved = 0;
    for e in &trail.entries {
        if let Some(proof) = &e.proof {
            verify_inclusion(&e.leaf_hash, e.index, cp.size, proof, &cp.root_hash)
                .map_err(|err| format!("event {} is not in the signed log: {err}", e.seq))?;
            proved += 1;
        }
    }
    Ok(proved)
}
