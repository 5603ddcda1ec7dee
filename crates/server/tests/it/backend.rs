//! Stores for tests: a fresh SQLite folder, or a fresh PostgreSQL database created on the
//! server named by `DOCKET_TEST_POSTGRES_URL` and dropped afterwards.
//!
//! Without that variable the PostgreSQL half of each test passes after saying it was
//! skipped; with it, an unreachable server fails the test, so CI cannot go green by silently
//! testing one backend.

use docket_domain::ids::{MembershipNumber, PersonId};
use docket_domain::member::{Member, MemberStatus};
use docket_domain::store::{Append, NewEvent, ReadModelChange, Store, StoreError};
use docket_store_postgres::PgStore;
use docket_store_sqlite::SqliteStore;
use jiff::Timestamp;
use jiff::civil::date;
use sqlx::{Connection, PgConnection};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub const POSTGRES_URL_VAR: &str = "DOCKET_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store on its own empty database; the database goes away when this is dropped.
#[derive(Debug)]
pub struct TestStore {
    pub store: Arc<dyn Store>,
    /// The SQLite data folder, or the PostgreSQL URL of the test's database.
    pub url: String,
    pub backend: Backend,
    // Declared last so the store is dropped before its database.
    _guard: Guard,
}

/// Never read: it is held for what dropping it does.
#[derive(Debug)]
#[allow(dead_code)]
enum Guard {
    Dir(tempfile::TempDir),
    Pg(PgDbGuard),
}

pub async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("creating a temporary folder");
    let store = SqliteStore::open_dir(dir.path())
        .await
        .expect("opening a SQLite store in a temporary folder");
    TestStore {
        store: Arc::new(store),
        url: dir.path().display().to_string(),
        backend: Backend::Sqlite,
        _guard: Guard::Dir(dir),
    }
}

pub async fn postgres() -> Option<TestStore> {
    let (url, guard) = fresh_postgres_url().await?;
    let store = PgStore::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("connecting a PgStore to the fresh test database: {e}"));
    Some(TestStore {
        store: Arc::new(store),
        url,
        backend: Backend::Postgres,
        _guard: Guard::Pg(guard),
    })
}

/// Another store instance on the same database or file, as a second process would have.
pub async fn second_handle(t: &TestStore) -> Arc<dyn Store> {
    match t.backend {
        Backend::Sqlite => Arc::new(
            SqliteStore::open_dir(Path::new(&t.url))
                .await
                .expect("opening a second SQLite store on the same file"),
        ),
        Backend::Postgres => Arc::new(
            PgStore::connect(&t.url)
                .await
                .expect("connecting a second PgStore to the same database"),
        ),
    }
}

/// Drops its test database when dropped.
#[derive(Debug)]
pub struct PgDbGuard {
    admin_url: String,
    name: String,
}

impl Drop for PgDbGuard {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs inside the test's runtime, which cannot be blocked on from within; a
        // thread with its own runtime can.
        let dropper = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut admin)
                        .await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// Creates an empty database for one test and returns its URL; `None` when
/// `DOCKET_TEST_POSTGRES_URL` is unset.
pub async fn fresh_postgres_url() -> Option<(String, PgDbGuard)> {
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipped: {POSTGRES_URL_VAR} not set");
        return None;
    };
    let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("{POSTGRES_URL_VAR} is set to {admin_url} but that server is unreachable: {e}")
    });
    let name = unique_name();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("creating test database {name} via {admin_url}: {e}"));
    let _ = admin.close().await;
    let url = with_database(&admin_url, &name);
    Some((url, PgDbGuard { admin_url, name }))
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "docket_t_{}_{}_{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

/// `url` with its database (the path) replaced by `name`, keeping any query parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

// Fixtures: appends and members for store tests, valid as far as the store can tell.

pub const ACTOR: &str = "clerk-1";

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

pub fn event(kind: &str, payload: &str) -> NewEvent {
    NewEvent {
        kind: kind.into(),
        payload: payload.into(),
        salt: fixture_salt(payload),
    }
}

/// Salts drawn from the payload rather than at random, so the same appends give the same
/// rows on both backends (Docket itself always draws them at random).
fn fixture_salt(payload: &str) -> [u8; 16] {
    let mut salt = [0x5au8; 16];
    for (i, b) in payload.bytes().enumerate() {
        salt[i % 16] = salt[i % 16].rotate_left(3) ^ b;
    }
    salt
}

pub fn append(stream: &str, expected_version: u64, events: Vec<NewEvent>) -> Append {
    Append {
        stream: stream.into(),
        expected_version,
        actor: PersonId::parse(ACTOR).expect("actor"),
        at: ts("2026-01-02T03:04:05.678901Z"),
        events,
        read_model: ReadModelChange::None,
        outbox: Vec::new(),
    }
}

/// `n` events on `stream`, expecting it at `expected_version`.
pub fn simple(stream: &str, expected_version: u64, n: u64) -> Append {
    let events = (0..n)
        .map(|i| event("noted", &format!("{{\"n\":{}}}", expected_version + i + 1)))
        .collect();
    append(stream, expected_version, events)
}

pub fn conflict(stream: &str, expected: u64, actual: u64) -> StoreError {
    StoreError::Conflict {
        stream: stream.into(),
        expected,
        actual,
    }
}

pub fn member(number: &str, name: &str) -> Member {
    Member {
        number: MembershipNumber::parse(number).expect("membership number"),
        name: name.into(),
        joined_on: date(2019, 4, 1),
        status: MemberStatus::Active,
        elected_office: None,
        region: None,
        email: None,
    }
}

pub fn with_members(mut a: Append, members: Vec<Member>) -> Append {
    a.read_model = ReadModelChange::Members(members);
    a
}

/// Declares a test that runs `$body(TestStore)` once per backend, as `$name::sqlite` and
/// `$name::postgres`. `$body` defaults to `$name` (a function and a module may share a
/// name). A plain name is looked up where the macro is invoked; a longer path is resolved
/// inside the generated module, so write it from the crate root (`crate::…`).
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        $crate::both_backends!($name, $name);
    };
    ($name:ident, $body:ident) => {
        $crate::both_backends!(@tests $name, super::$body);
    };
    ($name:ident, $body:path) => {
        $crate::both_backends!(@tests $name, $body);
    };
    (@tests $name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                $body($crate::backend::sqlite().await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(t) = $crate::backend::postgres().await {
                    $body(t).await
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_replace_the_path_only() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/test", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "x"),
            "postgres://h:5432/x"
        );
    }
}
