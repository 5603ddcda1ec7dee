//! Folding the whole log: every case and member as the raw events make them, not as the
//! read models say. The rebuild, `docket report --verify-from-log` and its benchmark run
//! over every event, so the work is split: one task reads the log page by page and deals
//! each event to the worker its stream hashes to. A stream's events stay in order because
//! each stream belongs to exactly one worker, which takes its share of the pages in order.

use crate::service::{Docket, ServiceError, decode_case_event};
use docket_domain::apply;
use docket_domain::case::Case;
use docket_domain::member::{Member, MemberEvent};
use docket_domain::statistics::CaseFacts;
use docket_domain::store::{MEMBERS_STREAM, Store, StoredEvent};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Events read from the store at a time.
const PAGE: u32 = 10_000;
/// Pages read ahead of the slowest worker.
const AHEAD: usize = 4;
/// Cases the facts fold keeps whole at once, over all its workers (see `FactsFold`).
pub const RESIDENT_CASES: usize = 100_000;

/// What a fold worker does with each event of its shard, in log order.
pub trait Fold: Send + 'static {
    fn fold(&mut self, e: &StoredEvent) -> Result<(), ServiceError>;
}

/// Every case and member as the whole log makes them, read from the raw events.
#[derive(Debug, Default)]
pub struct Folded {
    /// By stream name (`case/…`).
    pub cases: HashMap<String, Case>,
    pub members: BTreeMap<String, Member>,
    pub events: u64,
}

impl Fold for Folded {
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
            self.cases
                .insert(stream, apply(state, &event, e.at, &actor)?);
        }
        Ok(())
    }
}

/// Every case's facts (`CaseFacts`) as the raw events make them, in memory bounded by the
/// number of cases in play rather than by the size of the log.
///
/// Figures need only each case's facts, but a fold needs each case's whole state until its
/// last event, and the log alone cannot say which event is a case's last. Holding every
/// case of a million-case log whole took 8 GB, which pushed the log's own pages out of the
/// page cache and made the fold read them from disk. So a worker keeps at most `cap` cases
/// whole: past that, the least recently touched half are retired to their facts. A retired
/// case that meets another event is revived by folding its stream again from the log, up
/// to that event; in a log written in time order that is a case that lay quiet while
/// `cap` others moved, which is rare, and costs one read of a stream.
pub struct FactsFold {
    resident: HashMap<String, (Case, u64)>,
    retired: HashMap<String, CaseFacts>,
    /// Case events folded so far: the clock that says which cases were touched last.
    touched: u64,
    cap: usize,
    /// Cases revived from the log after being retired.
    pub revived: u64,
    store: Arc<dyn Store>,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for FactsFold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactsFold")
            .field("resident", &self.resident.len())
            .field("retired", &self.retired.len())
            .field("cap", &self.cap)
            .field("revived", &self.revived)
            .finish_non_exhaustive()
    }
}

impl FactsFold {
    pub fn new(store: Arc<dyn Store>, cap: usize) -> FactsFold {
        FactsFold {
            resident: HashMap::new(),
            retired: HashMap::new(),
            touched: 0,
            cap: cap.max(1),
            revived: 0,
            store,
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Every case's facts, the retired and those still whole.
    pub fn into_facts(self) -> Vec<CaseFacts> {
        let mut facts: Vec<CaseFacts> = self.retired.into_values().collect();
        facts.extend(self.resident.values().map(|(case, _)| CaseFacts::of(case)));
        facts
    }

    /// Retires the least recently touched half of the resident cases to their facts.
    fn retire(&mut self) {
        let mut ages: Vec<u64> = self.resident.values().map(|(_, t)| *t).collect();
        let middle = ages.len() / 2;
        let cut = *ages.select_nth_unstable(middle).1;
        for (stream, (case, _)) in self.resident.extract_if(|_, (_, t)| *t < cut) {
            self.retired.insert(stream, CaseFacts::of(&case));
        }
    }

    /// A retired case as its stream's events before `seq` make it.
    fn revive(&mut self, stream: &str, seq: u64) -> Result<Case, ServiceError> {
        self.revived += 1;
        // Workers run on blocking threads, outside the runtime's own, so they may wait on it.
        let events = self.runtime.block_on(self.store.stream_events(stream))?;
        let mut state = None;
        for e in events.iter().filter(|e| e.seq < seq && !e.erased) {
            let (event, actor) = decode_case_event(e)?;
            state = Some(apply(state, &event, e.at, &actor)?);
        }
        state.ok_or_else(|| {
            ServiceError::Corrupt(format!(
                "{stream} was folded once but has no events before {seq}"
            ))
        })
    }
}

impl Fold for FactsFold {
    fn fold(&mut self, e: &StoredEvent) -> Result<(), ServiceError> {
        if e.erased || !e.stream.starts_with("case/") {
            return Ok(());
        }
        let (event, actor) = decode_case_event(e)?;
        let (stream, state) = match self.resident.remove_entry(&e.stream) {
            Some((stream, (state, _))) => (stream, Some(state)),
            None => match self.retired.remove_entry(&e.stream) {
                Some((stream, _)) => {
                    let state = self.revive(&stream, e.seq)?;
                    (stream, Some(state))
                }
                None => (e.stream.clone(), None),
            },
        };
        let mut case = apply(state, &event, e.at, &actor)?;
        // Whole cases are kept for their states, not their words: figures count, never quote.
        case.shed_texts();
        self.touched += 1;
        self.resident.insert(stream, (case, self.touched));
        if self.resident.len() > self.cap {
            self.retire();
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

/// Workers for a fold: one per core, up to eight.
pub fn fold_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8))
}

impl Docket {
    /// Folds the whole log: the raw events, not the read models. `progress` is told the
    /// sequence number reached.
    pub async fn fold_log(&self, progress: &(dyn Fn(u64) + Sync)) -> Result<Folded, ServiceError> {
        let (parts, events) = self
            .fold_shards(progress, None, Folded::default, |part| part)
            .await?;
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

    /// Every case's facts as the raw events make them, keeping at most `resident` cases
    /// whole at once (`FactsFold`); with how many events were read and how many retired
    /// cases had to be revived. Only the case streams are read: nothing else in the log
    /// (reads of cases, the membership list, accounts) changes a case's facts.
    pub async fn facts_from_log(
        &self,
        progress: &(dyn Fn(u64) + Sync),
        resident: usize,
    ) -> Result<(Vec<CaseFacts>, u64, u64), ServiceError> {
        let cap = resident.div_ceil(fold_workers());
        let store = self.store.clone();
        let (parts, events) = self
            .fold_shards(
                progress,
                Some("case/"),
                move || FactsFold::new(store.clone(), cap),
                |fold| (fold.revived, fold.into_facts()),
            )
            .await?;
        let revived = parts.iter().map(|(n, _)| n).sum();
        let facts = parts.into_iter().flat_map(|(_, facts)| facts).collect();
        Ok((facts, events, revived))
    }

    /// Folds the log in shards, one per core: each worker starts from `start()`, folds the
    /// streams that hash to it, and turns what it folded into what the caller needs
    /// (`finish`), so that work, and the dropping of each shard's states, run in parallel
    /// too. `streams` limits the read to the streams whose names start with it. `progress`
    /// is told the sequence number reached. Returns the workers' results and how many
    /// events were read.
    pub async fn fold_shards<F: Fold, R: Send + 'static>(
        &self,
        progress: &(dyn Fn(u64) + Sync),
        streams: Option<&'static str>,
        start: impl Fn() -> F + Send + Clone + 'static,
        finish: impl Fn(F) -> R + Send + Clone + 'static,
    ) -> Result<(Vec<R>, u64), ServiceError> {
        let shards = fold_workers();
        let mut senders = Vec::with_capacity(shards);
        let mut workers = Vec::with_capacity(shards);
        for _ in 0..shards {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<StoredEvent>>(AHEAD);
            senders.push(tx);
            let (start, finish) = (start.clone(), finish.clone());
            workers.push(tokio::task::spawn_blocking(move || {
                let mut folded = start();
                while let Some(part) = rx.blocking_recv() {
                    for e in &part {
                        folded.fold(e)?;
                    }
                }
                Ok::<_, ServiceError>(finish(folded))
            }));
        }
        // Each page is read, and dealt into one part per worker (so each stream's name is
        // hashed once, not by every worker), by a task of its own, started as soon as the
        // previous page's last number is known: the next page is read while this one is
        // handed out.
        let store = self.store.clone();
        let read = move |after: u64| {
            let store = store.clone();
            tokio::spawn(async move {
                let page = match streams {
                    Some(prefix) => store.events_after_in(after, PAGE, prefix).await?,
                    None => store.events_after(after, PAGE).await?,
                };
                let last = page.last().map(|e| e.seq);
                let count = page.len() as u64;
                let mut parts: Vec<Vec<StoredEvent>> = vec![Vec::new(); shards];
                for e in page {
                    parts[shard_of(&e.stream, shards)].push(e);
                }
                Ok::<_, ServiceError>((parts, last, count))
            })
        };
        let mut events = 0u64;
        let mut pending = read(0);
        'read: loop {
            let (parts, last, count) = pending
                .await
                .map_err(|e| ServiceError::Corrupt(format!("a log reader stopped: {e}")))??;
            let Some(last) = last else { break };
            pending = read(last);
            events += count;
            for (tx, part) in senders.iter().zip(parts) {
                // A worker that stopped has met a bad event: its error is reported below.
                if tx.send(part).await.is_err() {
                    break 'read;
                }
            }
            progress(last);
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
