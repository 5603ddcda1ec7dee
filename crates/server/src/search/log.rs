//! Keeping the index current from the event log.
//!
//! The index records the log position it has reached, so each server (and each restart)
//! reads only the events after it. Events say which cases changed; the documents are built
//! from each changed case's current state, which may already include later events: those
//! are indexed again when their turn comes, which costs a little and loses nothing.

use super::documents::case_documents;
use crate::service::{Docket, ServiceError};
use docket_domain::erasure::{ERASURES_STREAM, ErasureEvent};
use docket_domain::ids::CaseId;
use docket_domain::store::StoredEvent;
use docket_search::SearchIndex;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Events read per round while serving: a round is two commits of the index, so a server
/// catching up after downtime should not commit per handful of events.
const PAGE: u32 = 2_000;
/// Events read per round by a rebuild, which touches nearly every case in every round.
const REBUILD_PAGE: u32 = 20_000;

/// What a rebuild of the index did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reindexed {
    /// The log position the index has reached.
    pub position: u64,
    /// The documents it now holds.
    pub documents: u64,
}

impl Docket {
    /// Indexes the events after the index's position, page by page; returns the position
    /// reached (0 and nothing done when this process keeps no index).
    pub async fn index_log(&self) -> Result<u64, ServiceError> {
        self.index_log_in_pages(PAGE, &|_| {}).await
    }

    /// Empties the index and indexes the whole log again; `progress` is told the log
    /// position reached after each page.
    pub async fn reindex(
        &self,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Option<Reindexed>, ServiceError> {
        let Some(index) = self.search.clone() else {
            return Ok(None);
        };
        {
            let _running = self.indexing.lock().await;
            let cleared = index.clone();
            tokio::task::spawn_blocking(move || cleared.clear()).await??;
        }
        let position = self.index_log_in_pages(REBUILD_PAGE, progress).await?;
        let merged = index.clone();
        let documents = tokio::task::spawn_blocking(move || {
            merged.wait_merges()?;
            merged.documents()
        })
        .await??;
        Ok(Some(Reindexed {
            position,
            documents,
        }))
    }

    async fn index_log_in_pages(
        &self,
        page: u32,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64, ServiceError> {
        let Some(index) = self.search.clone() else {
            return Ok(0);
        };
        let _running = self.indexing.lock().await;
        let mut after = blocking(&index, |index| index.position()).await?;
        loop {
            let events = self.store.events_after(after, page).await?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(after);
            };
            let touched = cases_touched(&events);
            let mut docs = Vec::new();
            for id in &touched {
                // A case with no events left to fold has nothing to show: its documents go.
                if let Some(case) = self.load_case(id).await? {
                    docs.extend(case_documents(&case));
                    docs.extend(self.evidence_documents(&case).await);
                }
            }
            let stale: Vec<String> = touched.iter().map(CaseId::to_string).collect();
            // The index deletes after it upserts within one commit, so a case's old
            // documents go in a commit of their own, still at the old position: a crash
            // between the two reindexes these events, which is harmless.
            blocking(&index, move |index| {
                index.apply(Vec::new(), &stale, after)?;
                index.apply(docs, &[], last)
            })
            .await?;
            after = last;
            progress(after);
        }
    }
}

/// Runs `work` on the index off the async threads: tantivy reads and writes files.
async fn blocking<T: Send + 'static>(
    index: &Arc<SearchIndex>,
    work: impl FnOnce(&SearchIndex) -> Result<T, docket_search::SearchError> + Send + 'static,
) -> Result<T, ServiceError> {
    let index = index.clone();
    Ok(tokio::task::spawn_blocking(move || work(&index)).await??)
}

/// The cases whose documents `events` may have changed: every case stream written to, and
/// every case one of whose events was erased (its state folds differently without it).
fn cases_touched(events: &[StoredEvent]) -> BTreeSet<CaseId> {
    let mut touched = BTreeSet::new();
    for e in events {
        let stream = if e.stream == ERASURES_STREAM && !e.erased {
            match serde_json::from_str::<ErasureEvent>(&e.payload) {
                Ok(ErasureEvent::PayloadErased { stream, .. }) => stream,
                Err(_) => continue,
            }
        } else {
            e.stream.clone()
        };
        if let Some(id) = stream
            .strip_prefix("case/")
            .and_then(|raw| CaseId::parse(raw).ok())
        {
            touched.insert(id);
        }
    }
    touched
}

#[cfg(test)]
mod tests {
    use super::cases_touched;
    use docket_domain::store::StoredEvent;

    fn event(seq: u64, stream: &str, payload: &str) -> StoredEvent {
        StoredEvent {
            seq,
            stream: stream.into(),
            version: 1,
            kind: "k".into(),
            actor: "a".into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            payload: payload.into(),
            salt: Vec::new(),
            erased: false,
        }
    }

    #[test]
    fn case_streams_and_erased_case_events_touch_their_case() {
        let a = docket_domain::ids::CaseId::from_random(1);
        let b = docket_domain::ids::CaseId::from_random(2);
        let erased = serde_json::json!({
            "type": "payload_erased", "seq": 3, "stream": format!("case/{b}"),
            "kind": "contact_recorded", "reason": "retention"
        });
        let events = [
            event(1, &format!("case/{a}"), "{}"),
            event(2, &format!("views/{a}"), "{}"),
            event(3, "members", "{}"),
            event(4, "erasures", &erased.to_string()),
            event(5, "erasures", "not json"),
        ];
        let touched: Vec<_> = cases_touched(&events).into_iter().collect();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(touched, expected);
    }
}
