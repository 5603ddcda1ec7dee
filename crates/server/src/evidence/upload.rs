//! Files coming in: read as they arrive, never whole. Each piece is counted against the
//! limits, hashed, checked for its type, and sealed in chunks straight into the store, so
//! a 200 MB recording costs a chunk or two of memory. Only when the last byte is in is the
//! hash known, and only then is the command judged and, if it passes, the file filed under
//! its case and recorded in the log.

use super::vault::{ChunkAt, DataKey, NONCE_PREFIX};
use super::{ACCEPTED, Kind, human_size, refuse, sanitise_filename};
use crate::access::Target;
use crate::service::{Docket, ServiceError};
use docket_domain::Command;
use docket_domain::case::Case;
use docket_domain::evidence::{EvidenceItem, Redaction};
use docket_domain::ids::CaseId;
use docket_domain::policy::Action;
use docket_domain::role::Principal;
use docket_domain::rule::Rule;
use docket_domain::store::SealedFile;
use docket_domain::store::sealed::CHUNK;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// Where an upload's sealed chunks go: a case's store under its data key, or nowhere (a
/// file whose command will be refused is only hashed, so the refusal can name it).
#[derive(Debug)]
struct Sink {
    key: DataKey,
    upload: String,
    prefix: [u8; NONCE_PREFIX],
}

/// A file arriving for a case, piece by piece (`push`), then `finish`ed or `abandon`ed.
#[derive(Debug)]
pub struct Upload {
    case: CaseId,
    filename: String,
    redaction_of: Option<Redaction>,
    sink: Option<Sink>,
    /// The most this file may hold: the per-file limit, or what the case has left.
    limit: u64,
    /// Why `limit` is what it is, for the refusal.
    limit_reason: String,
    buffer: Vec<u8>,
    chunks: u32,
    size: u64,
    hasher: Sha256,
    kind: Kind,
}

/// A file fully arrived, hashed and (if it was to be kept) sealed, but not yet filed.
#[derive(Debug)]
pub struct Received {
    pub item: EvidenceItem,
    pub case: CaseId,
    sealed: Option<SealedFile>,
}

impl Received {
    pub fn command(&self) -> Command {
        Command::AddEvidence {
            sha256: self.item.sha256.clone(),
            filename: self.item.filename.clone(),
            media_type: self.item.media_type.clone(),
            size: self.item.size,
            redaction_of: self.item.redaction_of.clone(),
        }
    }
}

impl Upload {
    /// Whether nothing of the file has arrived yet.
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Takes the next piece of the file.
    pub async fn push(&mut self, docket: &Docket, mut bytes: &[u8]) -> Result<(), ServiceError> {
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            return Err(refuse(Rule::FileTooLarge, self.limit_reason.clone()));
        }
        self.hasher.update(bytes);
        self.kind.see(bytes);
        if self.kind.refused() {
            return Err(not_accepted());
        }
        if self.sink.is_none() {
            return Ok(());
        }
        while !bytes.is_empty() {
            let room = CHUNK - self.buffer.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buffer.extend_from_slice(now);
            bytes = later;
            // A full chunk is written only once more is known to follow, so the last chunk
            // (the one sealed as last) is never written early.
            if self.buffer.len() == CHUNK && !bytes.is_empty() {
                self.write_chunk(docket, false).await?;
            }
        }
        // A chunk left full is kept until it is known whether more follows.
        Ok(())
    }

    async fn write_chunk(&mut self, docket: &Docket, last: bool) -> Result<(), ServiceError> {
        let Some(sink) = &self.sink else {
            return Ok(());
        };
        if !last && self.buffer.len() < CHUNK {
            return Ok(());
        }
        let mut sealed = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        let key = sink.key.clone();
        let (upload, prefix, n) = (sink.upload.clone(), sink.prefix, self.chunks);
        // Sealing a megabyte takes about a millisecond: off the runtime's threads.
        let sealed = tokio::task::spawn_blocking(move || {
            key.seal(
                &ChunkAt {
                    upload: &upload,
                    prefix: &prefix,
                    n,
                    last,
                },
                &mut sealed,
            );
            sealed
        })
        .await
        .map_err(|e| ServiceError::Corrupt(format!("sealing stopped: {e}")))?;
        docket.store.put_chunk(&sink.upload, n, &sealed).await?;
        self.chunks += 1;
        Ok(())
    }

    /// The whole file is in: its hash, size and type, and its last chunk sealed.
    pub async fn finish(mut self, docket: &Docket) -> Result<Received, ServiceError> {
        if self.size == 0 {
            self.abandon(docket).await;
            return Err(refuse(
                Rule::InvalidInput,
                "the file is empty; choose the file again".into(),
            ));
        }
        let Some(media_type) = self.kind.finish() else {
            self.abandon(docket).await;
            return Err(not_accepted());
        };
        if self.sink.is_some()
            && let Err(e) = self.write_chunk(docket, true).await
        {
            self.abandon(docket).await;
            return Err(e);
        }
        let sha256 = crate::hex::encode(&self.hasher.finalize_reset());
        let sealed = self.sink.as_ref().map(|s| SealedFile {
            case: self.case.clone(),
            sha256: sha256.clone(),
            size: self.size,
            media_type: media_type.to_string(),
            upload: s.upload.clone(),
            chunks: self.chunks,
            nonce: s.prefix.to_vec(),
        });
        Ok(Received {
            item: EvidenceItem {
                number: 0,
                sha256,
                filename: self.filename,
                media_type: media_type.to_string(),
                size: self.size,
                redaction_of: self.redaction_of,
            },
            case: self.case,
            sealed,
        })
    }

    /// Drops what was written of the file.
    pub async fn abandon(self, docket: &Docket) {
        if let Some(sink) = &self.sink {
            forget(docket, &sink.upload).await;
        }
    }
}

async fn forget(docket: &Docket, upload: &str) {
    if let Err(e) = docket.store.drop_upload(upload).await {
        // Left behind, the chunks are unreadable to anyone and named by no event.
        tracing::warn!(error = %e, "an abandoned upload's chunks could not be removed");
    }
}

fn not_accepted() -> ServiceError {
    refuse(
        Rule::FileTypeNotAccepted,
        format!("this kind of file is not accepted as evidence; accepted are {ACCEPTED}"),
    )
}

impl Docket {
    /// Starts a file for `case_id` from `who`, a redacted copy of an item when
    /// `redaction_of` says so. If the command will not pass (someone the policy refuses, a
    /// case that takes no evidence, an original the case does not have), the file is still
    /// read and hashed, so the refusal can be judged and recorded on the real command, but
    /// nothing is stored.
    pub async fn begin_upload(
        &self,
        case_id: &CaseId,
        filename: &str,
        redaction_of: Option<Redaction>,
        who: &Principal,
        now: Timestamp,
    ) -> Result<Upload, ServiceError> {
        let case = self
            .load_case(case_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(case_id.clone()))?;
        let probe = Command::AddEvidence {
            sha256: "0".repeat(64),
            filename: "probe".into(),
            media_type: "text/plain".into(),
            size: 1,
            redaction_of: redaction_of.clone(),
        };
        let will_pass = self.may(who, Target::Case(&case), &[Action::AddEvidence])[0]
            && self.prepare(Some(&case), &probe, &who.person, now).is_ok();
        let sink = if will_pass {
            Some(Sink {
                key: self.data_key(&case.id).await?,
                upload: crate::hex::encode(&rand::random::<[u8; 16]>()),
                prefix: rand::random(),
            })
        } else {
            None
        };
        let (limit, limit_reason) = self.room_for(&case);
        Ok(Upload {
            case: case.id.clone(),
            filename: sanitise_filename(filename),
            redaction_of,
            sink,
            limit,
            limit_reason,
            buffer: Vec::new(),
            chunks: 0,
            size: 0,
            hasher: Sha256::new(),
            kind: Kind::default(),
        })
    }

    /// The most the next file on `case` may hold, and the sentence that says why.
    fn room_for(&self, case: &Case) -> (u64, String) {
        let held: u64 = case.evidence.iter().map(|e| e.item.size).sum();
        let per_file = self.evidence_limit as u64;
        let left = self.evidence_case_limit.saturating_sub(held);
        if left < per_file {
            (
                left,
                format!(
                    "this case already holds {} of evidence and may hold at most {}, so this file can be at most {}",
                    human_size(held),
                    human_size(self.evidence_case_limit),
                    human_size(left)
                ),
            )
        } else {
            (
                per_file,
                format!(
                    "one evidence file may be at most {}, and this one is larger",
                    human_size(per_file)
                ),
            )
        }
    }

    /// Files a received upload and records it through the gate, as `who`. The command is
    /// judged on the real hash: a file the case already holds, or one the policy refuses,
    /// is refused (and the refusal recorded), and whatever was stored of it is dropped.
    pub async fn finish_upload(
        &self,
        received: Received,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(Case, EvidenceItem), ServiceError> {
        let cmd = received.command();
        let mut filed = None;
        if let Some(sealed) = &received.sealed {
            let case = self.load_case(&received.case).await?;
            let passes =
                case.is_some_and(|c| self.prepare(Some(&c), &cmd, &who.person, now).is_ok());
            if passes && self.store.seal_file(sealed).await? {
                filed = Some(sealed.upload.clone());
            } else if !passes {
                forget(self, &sealed.upload).await;
            }
        }
        let case = match self.execute_as(&received.case, cmd, who, now).await {
            Ok(case) => case,
            Err(e) => {
                if let Some(upload) = filed {
                    forget(self, &upload).await;
                }
                return Err(e);
            }
        };
        let item = case
            .evidence
            .last()
            .map(|e| e.item.clone())
            .ok_or_else(|| ServiceError::Corrupt("evidence added but not on the case".into()))?;
        Ok((case, item))
    }

    /// Adds a file held whole in memory (a test, a small API body) to a case as `who`.
    pub async fn add_evidence(
        &self,
        case_id: &CaseId,
        filename: &str,
        bytes: &[u8],
        who: &Principal,
        now: Timestamp,
    ) -> Result<(Case, EvidenceItem), ServiceError> {
        self.add_file(case_id, filename, None, bytes, who, now)
            .await
    }

    /// Adds a redacted copy of item `redaction_of.original`, held whole in memory.
    pub async fn add_redaction(
        &self,
        case_id: &CaseId,
        filename: &str,
        redaction_of: Redaction,
        bytes: &[u8],
        who: &Principal,
        now: Timestamp,
    ) -> Result<(Case, EvidenceItem), ServiceError> {
        self.add_file(case_id, filename, Some(redaction_of), bytes, who, now)
            .await
    }

    async fn add_file(
        &self,
        case_id: &CaseId,
        filename: &str,
        redaction_of: Option<Redaction>,
        bytes: &[u8],
        who: &Principal,
        now: Timestamp,
    ) -> Result<(Case, EvidenceItem), ServiceError> {
        let mut upload = self
            .begin_upload(case_id, filename, redaction_of, who, now)
            .await?;
        for piece in bytes.chunks(64 * 1024) {
            if let Err(e) = upload.push(self, piece).await {
                upload.abandon(self).await;
                return Err(e);
            }
        }
        let received = upload.finish(self).await?;
        self.finish_upload(received, who, now).await
    }

    /// Seals a file held in memory into a case's store, filed under its hash: for the files
    /// that come with a complaint, stored with it.
    pub(crate) async fn seal_whole(
        &self,
        case: &CaseId,
        bytes: &[u8],
        media_type: &str,
        sha256: &str,
    ) -> Result<(), ServiceError> {
        let sink = Sink {
            key: self.data_key(case).await?,
            upload: crate::hex::encode(&rand::random::<[u8; 16]>()),
            prefix: rand::random(),
        };
        let pieces: Vec<&[u8]> = bytes.chunks(CHUNK).collect();
        for (n, piece) in pieces.iter().enumerate() {
            let n = n as u32;
            let mut sealed = piece.to_vec();
            sink.key.seal(
                &ChunkAt {
                    upload: &sink.upload,
                    prefix: &sink.prefix,
                    n,
                    last: n as usize + 1 == pieces.len(),
                },
                &mut sealed,
            );
            self.store.put_chunk(&sink.upload, n, &sealed).await?;
        }
        let file = SealedFile {
            case: case.clone(),
            sha256: sha256.to_string(),
            size: bytes.len() as u64,
            media_type: media_type.to_string(),
            upload: sink.upload.clone(),
            chunks: pieces.len() as u32,
            nonce: sink.prefix.to_vec(),
        };
        self.store.seal_file(&file).await?;
        Ok(())
    }
}
