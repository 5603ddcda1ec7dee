//! Where a server's index lives, opening it, keeping it current while serving, and
//! `docket reindex`.

use crate::cli::DataArgs;
use crate::config::Location;
use crate::service::{Docket, ServiceError};
use anyhow::{Context as _, bail};
use docket_search::{SearchError, SearchIndex};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The index's folder inside a data folder.
pub const INDEX_DIR: &str = "search-index";

/// How often the indexer looks for commits it was not told about: those of other servers
/// on the same PostgreSQL, and of the command line beside this one.
const POLL: Duration = Duration::from_secs(2);

/// Where this process keeps its index: `--search-index`, else `DIR/search-index` for a
/// data folder; none for PostgreSQL without `--search-index` (each server on a shared
/// database keeps its own, so there is no default to share).
pub fn index_dir(loc: &Location, data: &DataArgs) -> Option<PathBuf> {
    data.search_index
        .clone()
        .or_else(|| loc.dir().map(|d| d.join(INDEX_DIR)))
}

/// Opens the index in `dir`. One this build cannot use is deleted and started afresh: it is
/// a read model, rebuilt from the log by the indexer.
pub fn open_index(dir: &Path) -> anyhow::Result<SearchIndex> {
    match SearchIndex::open(dir) {
        Ok(index) => Ok(index),
        Err(e @ (SearchError::Incompatible { .. } | SearchError::Corrupt { .. })) => {
            println!("{e}: deleting it; it is rebuilt from the log.");
            std::fs::remove_dir_all(dir)
                .with_context(|| format!("cannot delete the search index {}", dir.display()))?;
            Ok(SearchIndex::open(dir)?)
        }
        Err(e @ SearchError::Locked { .. }) => Err(anyhow::Error::new(e).context(
            "another Docket process is using this search index: give each server its own --search-index, or stop the other first",
        )),
        Err(e) => Err(e.into()),
    }
}

/// `docket` with the index `data` says it should keep, if any.
pub fn attach(docket: Docket, data: &DataArgs) -> anyhow::Result<Docket> {
    let loc = crate::commands::location(data)?;
    match index_dir(&loc, data) {
        Some(dir) => Ok(docket.with_search(Arc::new(open_index(&dir)?))),
        None => {
            println!(
                "No --search-index folder is set: search is off on this server (each server on a shared PostgreSQL keeps its own index)."
            );
            Ok(docket)
        }
    }
}

/// Keeps the index current while serving: at once, after each commit, and every few
/// seconds for commits made elsewhere.
pub fn spawn_indexer(docket: Docket) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = docket.index_log().await {
                tracing::error!(error = %without_content(&e), "indexing the log for search failed; the next round retries");
            }
            let _ = tokio::time::timeout(POLL, docket.index_wake.notified()).await;
        }
    })
}

/// An indexing failure as it may be logged: a stored event that cannot be read is named by
/// its position only, since a decoding error can quote the event's words.
fn without_content(e: &ServiceError) -> String {
    match e {
        ServiceError::Corrupt(detail) => {
            let at = detail.split(':').next().unwrap_or("an event");
            format!("{at} cannot be read")
        }
        ServiceError::Replay(r) => format!("a {} event cannot be replayed", r.kind),
        other => other.to_string(),
    }
}

/// `docket reindex`: empties the index and rebuilds it from the whole log.
pub async fn reindex(data: &DataArgs) -> anyhow::Result<()> {
    let loc = crate::commands::location(data)?;
    let Some(dir) = index_dir(&loc, data) else {
        bail!(
            "PostgreSQL keeps no files: give --search-index DIR, the index folder of the server to rebuild"
        );
    };
    let index = open_index(&dir)?;
    let docket = crate::commands::open(data)
        .await?
        .with_search(Arc::new(index));
    let started = std::time::Instant::now();
    let bar = crate::commands::progress_bar(docket.store.head().await?, "events");
    let done = docket.reindex(&|n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    let Some(done) = done else {
        bail!("no search index was opened");
    };
    println!(
        "Rebuilt the search index in {} from the log up to event {}: {} documents in {:.1} s.",
        dir.display(),
        done.position,
        done.documents,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_events_are_logged_by_position_only() {
        let e = ServiceError::Corrupt("event 42: invalid type: string \"secret words\"".into());
        assert_eq!(without_content(&e), "event 42 cannot be read");
    }
}
