//! The hearing bundle as one file to take away: a ZIP of an index page and every evidence
//! file, for the panel. Bundles leak; so each download is recorded in the log before a
//! byte goes out, and its index page carries who it was made for, when, and an id that
//! the log's record also carries, with the page's hash. A copy found where it should not
//! be names whose download it was.
//!
//! The files are opened chunk by chunk and checked against the log as they go (as any
//! download is), straight into the archive as it is sent: nothing is held whole, nothing
//! opened is written to disk, and a file that fails its check breaks the download off.

pub mod zipstream;

use crate::evidence::contents::Contents;
use crate::evidence::listing::{Row, rows};
use crate::service::{Docket, ServiceError, encode};
use askama::Template;
use axum::body::{Body, Bytes};
use docket_domain::case::Case;
use docket_domain::ids::CaseId;
use docket_domain::role::Principal;
use docket_domain::store::codec::format_ts;
use docket_domain::view::{CasePart, ViewEvent, views_stream};
use futures_util::StreamExt;
use jiff::Timestamp;
use zipstream::ZipStream;

/// A bundle on its way out.
pub struct Export {
    /// The name to save it under: the case and the bundle's id.
    pub filename: String,
    /// The id on its index page and in the log's record of the download.
    pub id: String,
    /// The archive, made as it is sent.
    pub body: Body,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("filename", &self.filename)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// One download's record, as the bundle page lists them.
#[derive(Debug, Clone)]
pub struct Download {
    pub at: Timestamp,
    pub by: String,
    pub bundle: String,
    pub index_sha256: String,
    pub items: usize,
}

#[derive(Template)]
#[template(path = "bundle_index.html")]
struct Index<'a> {
    reference: &'a str,
    case: &'a Case,
    prepared_for: &'a str,
    prepared_at: String,
    bundle: &'a str,
    evidence: Vec<Row>,
    entries: Vec<String>,
}

/// The archive's name for an item: its number first, so they sort as the index lists them.
fn entry_name(number: u32, filename: &str) -> String {
    format!("evidence/{number:03}-{filename}")
}

/// `sha256sum -c` reads this: each file's hash as the log recorded it.
fn checksums(case: &Case) -> String {
    case.evidence
        .iter()
        .map(|e| {
            format!(
                "{}  {}\n",
                e.item.sha256,
                entry_name(e.item.number, &e.item.filename)
            )
        })
        .collect()
}

impl Docket {
    /// The hearing bundle of `case_id` for `who`, who must be allowed the case's evidence
    /// (the read is recorded as any other). Every stored file is found before anything is
    /// recorded or sent; the download is recorded before the first byte goes.
    pub async fn export_bundle(
        &self,
        case_id: &CaseId,
        who: &Principal,
        now: Timestamp,
    ) -> Result<Export, ServiceError> {
        let case = self
            .open_case(case_id, who, CasePart::Evidence, now)
            .await?;
        let mut files = Vec::with_capacity(case.evidence.len());
        for e in &case.evidence {
            files.push(self.contents(case_id, e.item.clone()).await?);
        }
        let id = crate::hex::encode(&rand::random::<[u8; 6]>());
        let reference = case_id.to_string();
        let index = Index {
            reference: &reference,
            case: &case,
            prepared_for: who.person.as_str(),
            prepared_at: format_ts(now),
            bundle: &id,
            evidence: rows(&case),
            entries: case
                .evidence
                .iter()
                .map(|e| entry_name(e.item.number, &e.item.filename))
                .collect(),
        }
        .render()
        .map_err(|e| ServiceError::Corrupt(format!("the bundle's index: {e}")))?;
        let record = encode(&ViewEvent::BundleExported {
            case: case_id.clone(),
            bundle: id.clone(),
            index_sha256: crate::hex::sha256(index.as_bytes()),
            items: case.evidence.iter().map(|e| e.item.number).collect(),
        })?;
        self.append_at_head(&views_stream(case_id), record, &who.person, now, None)
            .await?;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let sums = checksums(&case);
        tokio::spawn(async move {
            if let Err(e) = write(&tx, index, sums, files, stamp(now)).await {
                // The body ends with an error instead of its end records: the client sees
                // a broken download, never a complete archive holding a wrong file.
                let _ = tx.send(Err(std::io::Error::other(e))).await;
            }
        });
        let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|piece| (piece, rx))
        }));
        Ok(Export {
            filename: format!("bundle-{reference}-{id}.zip"),
            id,
            body,
        })
    }

    /// Every bundle download recorded for `case_id`, oldest first.
    pub async fn bundle_downloads(&self, case_id: &CaseId) -> Result<Vec<Download>, ServiceError> {
        let mut out = Vec::new();
        for e in self.store.stream_events(&views_stream(case_id)).await? {
            if e.kind != "bundle_exported" || e.erased {
                continue;
            }
            let event: ViewEvent = serde_json::from_str(&e.payload)
                .map_err(|err| ServiceError::Corrupt(format!("event {}: {err}", e.seq)))?;
            if let ViewEvent::BundleExported {
                bundle,
                index_sha256,
                items,
                ..
            } = event
            {
                out.push(Download {
                    at: e.at,
                    by: e.actor.to_string(),
                    bundle,
                    index_sha256,
                    items: items.len(),
                });
            }
        }
        Ok(out)
    }
}

type Sender = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

/// Sends the archive: the index, the checksums, then each file as it is opened.
async fn write(
    tx: &Sender,
    index: String,
    sums: String,
    files: Vec<Contents>,
    at: zipstream::Timestamp,
) -> Result<(), String> {
    let mut zip = ZipStream::new();
    send(tx, zip.whole("index.html", at, index.as_bytes())).await?;
    send(tx, zip.whole("SHA256SUMS", at, sums.as_bytes())).await?;
    for contents in files {
        let item = contents.item().clone();
        send(tx, zip.begin(&entry_name(item.number, &item.filename), at)).await?;
        let mut chunks = std::pin::pin!(contents.stream());
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| format!("evidence item {}: {e}", item.number))?;
            zip.data(&chunk).map_err(|e| e.to_string())?;
            send(tx, Ok(chunk.to_vec())).await?;
        }
        send(tx, zip.end()).await?;
    }
    send(tx, zip.finish()).await
}

/// Sends one piece; a client gone away ends the work.
async fn send(tx: &Sender, piece: Result<Vec<u8>, zipstream::ZipError>) -> Result<(), String> {
    let bytes = piece.map_err(|e| e.to_string())?;
    tx.send(Ok(Bytes::from(bytes)))
        .await
        .map_err(|_| String::from("the client went away"))
}

/// The entries' time, as the archive keeps it (UTC, to the second).
fn stamp(now: Timestamp) -> zipstream::Timestamp {
    let t = now.to_zoned(jiff::tz::TimeZone::UTC);
    (
        t.year() as u16,
        t.month() as u8,
        t.day() as u8,
        t.hour() as u8,
        t.minute() as u8,
        t.second() as u8,
    )
}
