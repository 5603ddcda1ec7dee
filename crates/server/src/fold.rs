//! Folding the whole log: every case and member as the raw events make them, not as the
//! read models say. The rebuild, `docket report --verify-from-log` and its benchmark run
//! over every event, so the work is split: one task reads the log page by page, and each
//! of a few workers folds the streams that hash to it. A stream's events stay in order
//! because each stream belongs to exactly one worker, which takes the pages in order.

use crate::service::{Docket, ServiceError, decode_case_event};
use docket_domain::apply;
use docket_domain::case::Case;
use docket_domain::member::{Member, MemberEvent};
use docket_domain::store::{MEMBERS_STREAM, StoredEvent};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Events read from the store at a time.
const PAGE: u32 = 10_000;
/// Pages read ahead of the slowest worker.
const AHEAD: usize = 4;

/// Every case and member as the whole log makes them, read from the raw events.
#[derive(Debug, Default)]
pub struct Folded {
    /// By stream name (`case/…`).
    pub cases: HashMap<String, Case>,
    pub members: BTreeMap<String, Member>,
    pub events: u64,
    /// Whether cases are kept shed of their words (`Case::shed_texts`): for figures, which
    /// hold every case of the log in memory at once.
    lean: bool,
}

impl Folded {
    fn fold(&mut self, e: &StoredEvent) -> Result<(), ServiceError> {
        if e.erased {
            return Ok(());
        }
        if e.stream == MEMBERS_STREAM {
            let MemberEvent::MembersImported { members, .. } = serde_json::from_str(&e.payload)
                .map_err(|err| ServiceError::Corrupt(format!("event {}: {err}", e.seq)))?;
            for m in members {
                self.members.insert(m.number.to_string(), m);
            }
        } else if e.stream.starts_with("case/") {
            let (event, actor) = decode_case_event(e)?;
            // `apply` takes the state by value: the entry comes out with its key and goes
            // back under it, so no stream name is copied per event.
            let (stream, state) = match self.cases.remove_entry(&e.stream) {
                Some((stream, state)) => (stream, Some(state)),
                None => (e.stream.clone(), None),
            };
            let mut case = apply(state, &event, e.at, &actor)?;
            if self.lean {
                case.shed_texts();
            }
            self.cases.insert(stream, case);
        }
        Ok(())
    }
}

/// Which worker folds `stream`: any stable spread will do (FNV-1a).
fn shard_of(stream: &str, shards: usize) -> usize {
    let hash = stream.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % shards as u64) as usize
}

impl Docket {
    /// Folds the whole log: the raw events, not the read models. `progress` is told how many
    /// events have been read so far.
    pub async fn fold_log(&self, progress: &(dyn Fn(u64) + Sync)) -> Result<Folded, ServiceError> {
        let (parts, events) = self.fold_shards(progress, false, |part| part).await?;
        let mut all = Folded {
            events,
            ..Folded::default()
        };
        for part in parts {
            all.cases.extend(part.cases);
            all.members.extend(part.members);
        }
        Ok(all)
    }

    /// Folds the whole log in shards, one per core, and has each worker turn its shard into
    /// what the caller needs (`finish`), so that work and the dropping of each shard's cases
    /// run in parallel too. `lean` keeps the cases shed of their words (for figures). Returns
    /// the workers' results and how many events were read.
    pub async fn fold_shards<R: Send + 'static>(
        &self,
        progress: &(dyn Fn(u64) + Sync),
        lean: bool,
        finish: impl Fn(Folded) -> R + Send + Clone + 'static,
    ) -> Result<(Vec<R>, u64), ServiceError> {
        let shards = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8));
        let mut senders = Vec::with_capacity(shards);
        let mut workers = Vec::with_capacity(shards);
        for shard in 0..shards {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Arc<Vec<StoredEvent>>>(AHEAD);
            senders.push(tx);
            let finish = finish.clone();
            workers.push(tokio::task::spawn_blocking(move || {
                let mut folded = Folded {
                    lean,
                    ..Folded::default()
                };
                while let Some(page) = rx.blocking_recv() {
                    for e in page.iter().filter(|e| shard_of(&e.stream, shards) == shard) {
                        folded.fold(e)?;
                    }
                }
                Ok::<_, ServiceError>(finish(folded))
            }));
        }
        let (mut after, mut events) = (0, 0u64);
        'read: loop {
            let page = self.store.events_after(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            events += page.len() as u64;
            let page = Arc::new(page);
            for tx in &senders {
                // A worker that stopped has met a bad event: its error is reported below.
                if tx.send(page.clone()).await.is_err() {
                    break 'read;
                }
            }
            progress(events);
        }
        drop(senders);
        let mut parts = Vec::with_capacity(shards);
        for worker in workers {
            parts.push(
                worker
                    .await
                    .map_err(|e| ServiceError::Corrupt(format!("a fold worker stopped: {e}")))??,
            );
        }
        Ok((parts, events))
    }
}

#[cfg(test)]
mod tests {
    use super::shard_of;

    #[test]
    fn streams_spread_over_every_shard() {
        let mut seen = [0u32; 3];
        for i in 0..300 {
            seen[shard_of(&format!("case/PA-2026-{i:05}"), 3)] += 1;
        }
        assert!(seen.iter().all(|n| *n > 60), "{seen:?}");
        assert_eq!(shard_of("members", 1), 0);
    }
}
