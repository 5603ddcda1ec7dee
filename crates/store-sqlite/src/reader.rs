//! Read-only rusqlite connections, kept for reuse, for the reads on a request's path.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and sends it every query
//! and every row over channels. For a point read that costs far more than the read: under
//! load, a request that signs in with a token, loads a case and records the view spent most
//! of its time handing work between threads. So:
//! - point reads (a token, an account, a session, a stream's version) run `inline`, on the
//!   calling thread: a few B-tree lookups in a WAL snapshot, microseconds, which never wait
//!   for the writer (WAL readers do not block on it);
//! - reads whose size is not bounded (a stream's events, which for a views stream grows with
//!   every read of its case; proofs, tiles, the verifier's scans) run `blocking`, on tokio's
//!   blocking pool, so they never hold up a runtime thread.

use crate::write::sqlite_err;
use docket_domain::store::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub(crate) struct Readers {
    path: PathBuf,
    /// Connections without a memory map, for everything but scans of the log.
    point: Arc<Mutex<Vec<Connection>>>,
    /// Connections for scans, which read through a memory map.
    scan: Arc<Mutex<Vec<Connection>>>,
}

/// Idle read connections kept for reuse: enough for every runtime thread and a few
/// blocking reads at once. More are opened when needed and closed afterwards.
const IDLE: usize = 8;

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Readers {
        Readers {
            path,
            point: Arc::default(),
            scan: Arc::default(),
        }
    }

    fn take(&self, idle: &Mutex<Vec<Connection>>, mapped: bool) -> Result<Connection, StoreError> {
        if let Some(c) = idle.lock().ok().and_then(|mut v| v.pop()) {
            return Ok(c);
        }
        let c = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_err)?;
        c.busy_timeout(Duration::from_secs(10))
            .map_err(sqlite_err)?;
        // Reading through a memory map saves a copy of every page out of the OS cache, which
        // the verifier pays for every page of the log. Point reads go without: the file grows
        // with every commit, and each read would first remap it.
        // The map covers the whole file (up to 1 TiB; .cargo/config.toml raises SQLite's
        // built-in 2 GB ceiling), so no page of a scan is copied.
        if mapped {
            c.pragma_update(None, "mmap_size", 1i64 << 40)
                .map_err(sqlite_err)?;
        }
        c.set_prepared_statement_cache_capacity(32);
        Ok(c)
    }

    fn give_back(idle: &Mutex<Vec<Connection>>, conn: Connection) {
        if let Ok(mut idle) = idle.lock()
            && idle.len() < IDLE
        {
            idle.push(conn);
        }
    }

    /// Runs a point read on the calling thread.
    pub(crate) fn inline<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let conn = self.take(&self.point, false)?;
        let result = f(&conn);
        Self::give_back(&self.point, conn);
        result
    }

    /// Runs a read that may take a while on the blocking pool.
    pub(crate) async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.off_runtime(false, f).await
    }

    /// Runs a scan of the log (tree nodes, every event) on the blocking pool, through a
    /// memory map.
    pub(crate) async fn scan<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        self.off_runtime(true, f).await
    }

    async fn off_runtime<R: Send + 'static>(
        &self,
        mapped: bool,
        f: impl FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let idle = if mapped { &this.scan } else { &this.point };
            let conn = this.take(idle, mapped)?;
            let result = f(&conn);
            Self::give_back(idle, conn);
            result
        })
        .await
        .map_err(|e| StoreError::Other(format!("a read stopped: {e}")))?
    }
}
