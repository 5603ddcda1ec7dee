//! The transparency log over the event store: tree heads, proofs, tiles and signed
//! checkpoints. The store keeps every complete subtree's hash, so each answer here is a
//! handful of reads, fetched in one call and then handed to the `tlog` crate's algorithms.

use crate::service::Docket;
use docket_domain::store::{Node, Store, StoreError, StoredCheckpoint};
use docket_tlog::{
    Checkpoint, Hash, Tile, consistency_proof_indexes, inclusion_proof_indexes, prove_consistency,
    prove_inclusion, read_tile_data, tree_hash, tree_hash_indexes,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The caller asked for something the log does not (yet) have.
    #[error("{0}")]
    OutOfRange(String),
    #[error("this server has no log signing key, so it cannot sign checkpoints")]
    NoKey,
    #[error(
        "the store holds {store} events but a checkpoint was signed for {signed}: events were removed; run `docket verify`"
    )]
    Shrunk { store: u64, signed: u64 },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the log's tree cannot be read: {0}")]
    Tree(#[from] docket_tlog::Error),
    #[error("a checkpoint cannot be made: {0}")]
    Checkpoint(#[from] docket_tlog::CheckpointError),
}

/// Reads the stored hashes at these stored-hash indexes in one store call.
pub async fn prefetch(store: &dyn Store, indexes: &[u64]) -> Result<HashMap<u64, Hash>, LogError> {
    let nodes: Vec<Node> = indexes.iter().map(|&i| Node::at_stored_index(i)).collect();
    let hashes = store.tree_nodes(&nodes).await?;
    Ok(indexes.iter().copied().zip(hashes).collect())
}

/// The root of the first `size` leaves.
pub async fn root_at(store: &dyn Store, size: u64) -> Result<Hash, LogError> {
    let reader = prefetch(store, &tree_hash_indexes(size)?).await?;
    Ok(tree_hash(size, &reader)?)
}

impl Docket {
    /// The number of leaves (one per event). Counted from the tree itself rather than the
    /// events, so a store that lost rows cannot make the server sign or prove a tree it no
    /// longer has.
    pub async fn tree_size(&self) -> Result<u64, LogError> {
        Ok(self.store.leaf_count().await?)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, LogError> {
        let have = self.tree_size().await?;
        if size > have {
            return Err(LogError::OutOfRange(format!(
                "the log has {have} entries, fewer than the tree size {size} asked for"
            )));
        }
        if index >= size {
            return Err(LogError::OutOfRange(format!(
                "entry {index} is not in a tree of {size} entries (indexes start at 0)"
            )));
        }
        let reader = prefetch(self.store.as_ref(), &inclusion_proof_indexes(size, index)?).await?;
        Ok(prove_inclusion(size, index, &reader)?)
    }

    /// The proof that the tree of `from` leaves is a prefix of the tree of `to` leaves.
    pub async fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, LogError> {
        let have = self.tree_size().await?;
        if to > have {
            return Err(LogError::OutOfRange(format!(
                "the log has {have} entries, fewer than the tree size {to} asked for"
            )));
        }
        if from == 0 || from > to {
            return Err(LogError::OutOfRange(format!(
                "a consistency proof needs 0 < from ≤ to (asked from {from} to {to})"
            )));
        }
        let reader = prefetch(self.store.as_ref(), &consistency_proof_indexes(from, to)?).await?;
        Ok(prove_consistency(from, to, &reader)?)
    }

    /// A C2SP tile's bytes. Tiles never change once every hash in them exists, so any tile
    /// within the current tree may be served.
    pub async fn tile(&self, tile: Tile) -> Result<Vec<u8>, LogError> {
        let size = self.tree_size().await?;
        if !tile.is_within(size) {
            return Err(LogError::OutOfRange(format!(
                "tile {} is beyond the log's {size} entries",
                tile.path()
            )));
        }
        let reader = prefetch(self.store.as_ref(), &tile.stored_hash_indexes()?).await?;
        Ok(read_tile_data(tile, size, &reader)?)
    }

    /// Signs a checkpoint for the current tree if it has grown since the last one, and keeps
    /// it. Never signs a tree smaller than one already signed.
    pub async fn sign_checkpoint(&self) -> Result<Option<StoredCheckpoint>, LogError> {
        let signer = self.log_signer.as_ref().ok_or(LogError::NoKey)?;
        let size = self.tree_size().await?;
        let latest = self.store.latest_checkpoint().await?.map(|c| c.size);
        match latest {
            Some(signed) if signed > size => {
                return Err(LogError::Shrunk {
                    store: size,
                    signed,
                });
            }
            Some(signed) if signed == size => return Ok(None),
            None if size == 0 => return Ok(None),
            _ => {}
        }
        let checkpoint = Checkpoint {
            origin: signer.name().to_string(),
            size,
            root_hash: root_at(self.store.as_ref(), size).await?,
            extensions: vec![],
        };
        let kept = StoredCheckpoint {
            size,
            note: checkpoint.sign(&[signer.as_ref()])?,
        };
        self.store.add_checkpoint(kept.clone()).await?;
        Ok(Some(kept))
    }
}

/// How long the checkpointer waits after a commit for more to arrive, so one signature
/// covers a burst of commits.
const GATHER: Duration = Duration::from_millis(200);

/// How often it looks for commits it was not told about (other processes on PostgreSQL).
const POLL: Duration = Duration::from_secs(5);

/// Signs checkpoints off the request path: woken by commits (and on a slow timer for
/// commits made by other processes), it gathers briefly and signs the tree as it then is.
pub fn spawn_checkpointer(docket: Docket, commits: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match docket.sign_checkpoint().await {
                Ok(Some(c)) => tracing::debug!(size = c.size, "signed a checkpoint"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "cannot sign a checkpoint"),
            }
            let _ = tokio::time::timeout(POLL, commits.notified()).await;
            tokio::time::sleep(GATHER).await;
        }
    })
}
