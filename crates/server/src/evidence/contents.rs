//! Files going out, and files checked: opened chunk by chunk under their case's key and
//! re-hashed against the log as they go. A small file is opened whole and checked before a
//! byte is sent; a large one is streamed, and a chunk that fails to open, or a hash that
//! does not match at the end, stops the stream before the file is complete, so nobody is
//! handed a whole file that is not the one the log recorded.

use super::hygiene::{self, Cleaned};
use super::vault::{ChunkAt, DataKey, VaultError};
use crate::service::{Docket, ServiceError};
use axum::body::Bytes;
use docket_domain::evidence::{EvidenceItem, PartyCopy};
use docket_domain::ids::CaseId;
use docket_domain::rule::Rule;
use docket_domain::store::SealedFile;
use sha2::{Digest, Sha256};

/// Files up to this size are opened and checked whole before they are sent.
pub const WHOLE_UP_TO: u64 = 8 * 1024 * 1024;

/// A stored file, ready to be opened.
#[derive(Debug)]
pub struct Contents {
    docket: Docket,
    item: EvidenceItem,
    file: SealedFile,
    key: DataKey,
    /// A party's copy, made and checked (`for_party`): what is sent instead of the file.
    copy: Option<Vec<u8>>,
}

/// What a check of one stored file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The file opens and hashes to what the log recorded.
    Intact,
    /// No file is stored under the recorded hash.
    Missing,
    /// The file does not open, or opens to other bytes: the sentence says which.
    Altered(String),
}

impl Contents {
    pub fn item(&self) -> &EvidenceItem {
        &self.item
    }

    /// Chunk `n`, opened.
    async fn chunk(&self, n: u32) -> Result<Vec<u8>, VaultError> {
        let sealed = match self.docket.store.chunk(&self.file.upload, n).await {
            Ok(Some(bytes)) => bytes,
            // A chunk that is gone, or a store that cannot say, is a file that cannot be
            // vouched for: either way nothing more of it is handed out.
            _ => return Err(VaultError::ChunkAltered(n)),
        };
        let key = self.key.clone();
        let (upload, prefix) = (self.file.upload.clone(), self.file.nonce.clone());
        let last = n + 1 == self.file.chunks;
        tokio::task::spawn_blocking(move || {
            let mut buf = sealed;
            key.open(
                &ChunkAt {
                    upload: &upload,
                    prefix: &prefix,
                    n,
                    last,
                },
                &mut buf,
            )
            .map(|()| buf)
        })
        .await
        .unwrap_or(Err(VaultError::ChunkAltered(n)))
    }

    /// Opens every chunk and compares the hash with the log's, keeping nothing.
    pub async fn check(&self) -> Check {
        let mut hasher = Sha256::new();
        for n in 0..self.file.chunks {
            match self.chunk(n).await {
                Ok(bytes) => hasher.update(&bytes),
                Err(e) => return Check::Altered(e.to_string()),
            }
        }
        let found = crate::hex::encode(&hasher.finalize());
        if found == self.item.sha256 {
            Check::Intact
        } else {
            Check::Altered(format!(
                "the stored file opens, but to bytes with SHA-256 {found}, not the {} the log recorded: it has been replaced",
                self.item.sha256
            ))
        }
    }

    /// The whole file, checked against the log first.
    pub async fn whole(&self) -> Result<Vec<u8>, ServiceError> {
        let mut bytes = Vec::with_capacity(self.file.size as usize);
        for n in 0..self.file.chunks {
            let chunk = self
                .chunk(n)
                .await
                .map_err(|e| self.tampered(&e.to_string()))?;
            bytes.extend_from_slice(&chunk);
        }
        if super::sha256_hex(&bytes) != self.item.sha256 {
            return Err(self.tampered("it opens to bytes with another hash"));
        }
        Ok(bytes)
    }

    /// The file with identifying metadata taken out, and what was, or None when it has
    /// none to take out. A file that cannot be read for it is not handed to a party as it is.
    pub async fn cleaned(&self) -> Result<Option<(Vec<u8>, Vec<&'static str>)>, ServiceError> {
        if !hygiene::cleans(&self.item.media_type) {
            return Ok(None);
        }
        let bytes = self.whole().await?;
        let media_type = self.item.media_type.clone();
        let cleaned = tokio::task::spawn_blocking(move || hygiene::strip(&media_type, &bytes))
            .await
            .map_err(|e| ServiceError::Corrupt(format!("cleaning stopped: {e}")))?;
        match cleaned {
            Ok(Cleaned::Unchanged) => Ok(None),
            Ok(Cleaned::Stripped { bytes, removed }) => Ok(Some((bytes, removed))),
            Err(e) => Err(super::refuse(
                Rule::MetadataNotRemovable,
                format!(
                    "evidence item {} ({}) could not be read to take out its identifying metadata ({e}), so it is not given to a party as it is; add a cleaned copy as a redaction of item {} and disclose that",
                    self.item.number, self.item.filename, self.item.number
                ),
            )),
        }
    }

    /// These contents as `party`'s copy: the file with identifying metadata taken out,
    /// made again and checked against the hash the disclosure recorded (`recorded`), so
    /// what a party is handed is what the log and their charge sheet say they were.
    pub async fn for_party(mut self, recorded: Option<&PartyCopy>) -> Result<Self, ServiceError> {
        let Some((bytes, _)) = self.cleaned().await? else {
            if recorded.is_some() {
                return Err(
                    self.tampered("the copy the disclosure recorded cannot be made from it")
                );
            }
            return Ok(self);
        };
        let sha256 = super::sha256_hex(&bytes);
        if let Some(copy) = recorded
            && copy.sha256 != sha256
        {
            return Err(self.tampered(&format!(
                "the party's copy made from it has SHA-256 {sha256}, not the {} the disclosure recorded",
                copy.sha256
            )));
        }
        self.item.sha256 = sha256;
        self.item.size = bytes.len() as u64;
        self.copy = Some(bytes);
        Ok(self)
    }

    fn tampered(&self, why: &str) -> ServiceError {
        tracing::error!(
            case = %self.file.case,
            evidence = self.item.number,
            "an evidence file does not match the hash in the log"
        );
        ServiceError::Tampered(format!(
            "evidence item {} on case {}: the stored file does not match the SHA-256 recorded in the log when it arrived ({}), so it is not served; {why}",
            self.item.number, self.file.case, self.item.sha256
        ))
    }

    /// The file as a response body: whole and checked first when small, streamed when large.
    pub async fn body(self) -> Result<axum::body::Body, ServiceError> {
        Ok(if let Some(copy) = self.copy {
            axum::body::Body::from(copy)
        } else if self.item.size <= WHOLE_UP_TO {
            axum::body::Body::from(self.whole().await?)
        } else {
            axum::body::Body::from_stream(self.stream())
        })
    }

    /// The file as a stream of opened chunks, hashed as they go. A chunk that does not
    /// open, or a final hash that differs, ends the stream with an error instead of its
    /// last chunk, so the download fails rather than completes.
    pub fn stream(self) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
        let state = (self, 0u32, Sha256::new());
        futures_util::stream::try_unfold(state, |(contents, n, mut hasher)| async move {
            if n == contents.file.chunks {
                return Ok(None);
            }
            let chunk = contents.chunk(n).await.map_err(|e| {
                let _ = contents.tampered(&e.to_string());
                std::io::Error::other(e.to_string())
            })?;
            hasher.update(&chunk);
            if n + 1 == contents.file.chunks {
                let found = crate::hex::encode(&hasher.clone().finalize());
                if found != contents.item.sha256 {
                    let _ = contents.tampered("it opens to bytes with another hash");
                    return Err(std::io::Error::other("the stored file was replaced"));
                }
            }
            Ok(Some((Bytes::from(chunk), (contents, n + 1, hasher))))
        })
    }
}

impl Docket {
    /// The stored file behind `item` on `case`, ready to open; Tampered if none is stored.
    pub(crate) async fn contents(
        &self,
        case: &CaseId,
        item: EvidenceItem,
    ) -> Result<Contents, ServiceError> {
        let Some(file) = self.store.sealed_file(case, &item.sha256).await? else {
            tracing::error!(case = %case, evidence = item.number, "an evidence file is missing");
            return Err(ServiceError::Tampered(format!(
                "evidence item {} on case {case}: no file is stored under the SHA-256 the log recorded when it arrived ({}), so nothing can be served; it has been removed since",
                item.number, item.sha256
            )));
        };
        let key = self.data_key(case).await?;
        Ok(Contents {
            docket: self.clone(),
            item,
            file,
            key,
            copy: None,
        })
    }

    /// Re-hashes every file stored for `case` against the log (`docket evidence verify`):
    /// each item with what was found.
    pub async fn verify_evidence(
        &self,
        case_id: &CaseId,
    ) -> Result<Vec<(EvidenceItem, Check)>, ServiceError> {
        let case = self
            .load_case(case_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(case_id.clone()))?;
        let mut found = Vec::with_capacity(case.evidence.len());
        for e in &case.evidence {
            let check = match self.contents(case_id, e.item.clone()).await {
                Ok(contents) => contents.check().await,
                Err(ServiceError::Tampered(_)) => Check::Missing,
                Err(e) => return Err(e),
            };
            found.push((e.item.clone(), check));
        }
        Ok(found)
    }
}
