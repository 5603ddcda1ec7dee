//! Where the data lives and which rules apply: chosen once at startup.

use docket_domain::calendar::Calendar;
use docket_domain::rulebook::RuleBook;
use docket_domain::store::{Store, StoreError};
use docket_store_postgres::PgStore;
use docket_store_sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The backend is chosen from the location: a folder is the embedded SQLite default, a
/// `postgres://` URL is PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Dir(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn describe(&self) -> String {
        match self {
            Location::Dir(d) => format!("SQLite in {}", d.display()),
            Location::Postgres(url) => format!("PostgreSQL at {}", redact_url(url)),
        }
    }

    /// The folder holding the rule book and calendar overrides, if any.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Location::Dir(d) => Some(d),
            Location::Postgres(_) => None,
        }
    }
}

/// Hides a password in a database URL before it is printed or logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s + 3 => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub async fn open_store(loc: &Location) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match loc {
        Location::Dir(dir) => Arc::new(SqliteStore::open_dir(dir).await?),
        Location::Postgres(url) => Arc::new(PgStore::connect(url).await?),
    })
}

pub const RULEBOOK_FILE: &str = "rulebook.toml";
/// An organisation's own Cedar policies, added to the default: `*.cedar` files in this
/// folder of the data folder.
pub const POLICIES_DIR: &str = "policies";
pub const CALENDAR_FILE: &str = "calendar.toml";

/// The rule book: an explicit file, else `rulebook.toml` in the data folder, else the
/// built-in default. Same for the calendar.
pub fn load_rules(loc: &Location, rules: Option<&Path>) -> anyhow::Result<(RuleBook, Calendar)> {
    let rule_path = rules.map(Path::to_path_buf).or_else(|| {
        loc.dir()
            .map(|d| d.join(RULEBOOK_FILE))
            .filter(|p| p.exists())
    });
    let book = match rule_path {
        Some(p) => {
            let src = std::fs::read_to_string(&p)
                .map_err(|e| anyhow::anyhow!("cannot read the rule book {}: {e}", p.display()))?;
            RuleBook::from_toml(&src).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => RuleBook::default_rules(),
    };
    let cal_path = loc
        .dir()
        .map(|d| d.join(CALENDAR_FILE))
        .filter(|p| p.exists());
    let calendar = match cal_path {
        Some(p) => {
            let src = std::fs::read_to_string(&p)
                .map_err(|e| anyhow::anyhow!("cannot read the calendar {}: {e}", p.display()))?;
            Calendar::from_toml(&src).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => Calendar::england_and_wales(),
    };
    Ok((book, calendar))
}

/// The default policy plus every `*.cedar` file in the data folder's `policies/`, in name
/// order, all validated against the schema. A bad file stops start-up, naming the file and
/// the problem: serving with a policy other than the one written would be worse.
pub fn load_policy(loc: &Location) -> anyhow::Result<docket_domain::policy::Policy> {
    use docket_domain::policy::{DEFAULT_SCHEMA, Policy};
    let dir = loc
        .dir()
        .map(|d| d.join(POLICIES_DIR))
        .filter(|p| p.is_dir());
    let mut files: Vec<(String, String)> = Vec::new();
    if let Some(dir) = dir {
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "cedar"))
            .collect();
        paths.sort();
        for p in paths {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
            files.push((p.display().to_string(), text));
        }
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    Policy::from_sources(DEFAULT_SCHEMA, &refs).map_err(|e| anyhow::anyhow!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_the_screen() {
        assert_eq!(
            redact_url("postgres://docket:s3cret@db:5432/docket"),
            "postgres://docket:***@db:5432/docket"
        );
        assert_eq!(
            redact_url("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
    }
}
