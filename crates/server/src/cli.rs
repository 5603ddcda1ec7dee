//! The `docket` command line: what each subcommand means, in words a newcomer understands.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "docket",
    version,
    about = "Docket: tamper-evident complaints and disciplinary cases for membership organisations",
    long_about = "Docket carries a complaint from intake to closure with a clock on every stage, and \
records every change in an append-only event log.\n\nStart with `docket demo` to see a populated \
system in your browser, or `docket init --data DIR` then `docket serve --data DIR` for your own."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
}

/// Where Docket keeps its data. Give a folder (the embedded SQLite default) or a PostgreSQL
/// URL; not both.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Folder holding the embedded SQLite database (created if missing).
    #[arg(
        long,
        value_name = "DIR",
        env = "DOCKET_DATA",
        conflicts_with = "database_url"
    )]
    pub data: Option<PathBuf>,
    /// PostgreSQL URL, e.g. postgres://docket@localhost/docket, instead of a data folder.
    #[arg(long, value_name = "URL", env = "DOCKET_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A rule book (TOML) to use instead of DIR/rulebook.toml or the built-in default.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// The transparency log's signing key (default DIR/log-signing.key; required with
    /// --database-url, which keeps no files).
    #[arg(long, value_name = "FILE", env = "DOCKET_LOG_KEY")]
    pub log_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Create a new, empty Docket: the database and a copy of the default rule book to edit.
    Init {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Serve Docket over HTTP.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: String,
    },
    /// Create the demo organisation (if the folder has none yet) and serve it.
    Demo {
        /// Folder for the demo's database.
        #[arg(long, default_value = "docket-demo", value_name = "DIR")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
        listen: String,
        /// Generate the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Drop every read model and recompute it from the event log.
    Rebuild {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage the membership list.
    Members {
        #[command(subcommand)]
        command: MembersCmd,
    },
    /// List cases (metadata only: reference, stage, category, clocks).
    Cases {
        #[command(subcommand)]
        command: CasesCmd,
    },
    /// Check the transparency log: recompute every leaf and the tree, check every signed
    /// checkpoint, and name the first event that was altered, removed, inserted or reordered.
    Verify {
        #[command(flatten)]
        data: DataArgs,
        /// The log's published verifier key (`docket init` printed it; GET /log/key serves
        /// it). Defaults to the key of the signing key file; give it to check against the
        /// key you trust rather than the one on this machine.
        #[arg(long, value_name = "VKEY")]
        vkey: Option<String>,
        /// Also compare every event with its own stored leaf, not only each range's subtrees
        /// with the stored tree: slower, and finds a leaf row changed on its own.
        #[arg(long)]
        every_leaf: bool,
    },
    /// A case's audit trail: every event and view with its leaf index and an inclusion proof
    /// against the latest signed checkpoint, each proof checked here. Opening it is recorded.
    Audit {
        #[command(flatten)]
        data: DataArgs,
        /// The case reference, e.g. DK-7KQ2-M9XA.
        case: String,
        /// Who is looking (recorded in the log).
        #[arg(long = "as", value_name = "PERSON", default_value = "system:cli")]
        viewer: String,
        /// Print the trail as JSON, proofs included.
        #[arg(long)]
        json: bool,
    },
    /// Erase one event's payload (retention, data-protection erasure). Its leaf hash stays in
    /// the log, which still verifies, and the erasure is recorded as an event of its own.
    Erase {
        #[command(flatten)]
        data: DataArgs,
        /// The event's sequence number (`docket audit` lists them).
        seq: u64,
        /// Why it is erased (recorded with the erasure).
        #[arg(long)]
        reason: String,
        /// Who is erasing it (recorded in the log).
        #[arg(long = "as", value_name = "PERSON", default_value = "system:cli")]
        actor: String,
    },
    /// Measure Docket's performance (build with --release).
    Bench {
        #[command(subcommand)]
        command: BenchCmd,
    },
    /// Internal: used by the durability test.
    #[command(hide = true)]
    StressAppend {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, default_value_t = 8)]
        writers: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCmd {
    /// Import members from a CSV file with the header
    /// membership_number,name,joined_on,status,elected_office,region.
    /// Bad rows are reported by line; the good rows are imported together, in one transaction.
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// The CSV file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CasesCmd {
    /// List cases, oldest first.
    List {
        #[command(flatten)]
        data: DataArgs,
        /// Only open cases past a stage deadline or a measure's review date.
        #[arg(long)]
        overdue: bool,
        /// Only open cases.
        #[arg(long)]
        open: bool,
        /// Only cases at this stage (e.g. charged, hearing).
        #[arg(long, value_name = "STAGE")]
        stage: Option<String>,
    },
    /// Open a case file (as JSON). Opening it is recorded in the log.
    Show {
        #[command(flatten)]
        data: DataArgs,
        /// The case reference, e.g. DK-7KQ2-M9XA.
        case: String,
        /// Who is looking (recorded in the log).
        #[arg(long = "as", value_name = "PERSON", default_value = "system:cli")]
        viewer: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// The transparency log at scale: builds a log of N events on SQLite, then times `docket
    /// verify` over it next to openssl and sha256sum hashing the same bytes, and inclusion
    /// proofs at the full size.
    Log {
        /// Events in the log.
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// Inclusion proofs to time.
        #[arg(long, default_value_t = 10_000)]
        proofs: usize,
        /// Build the log in this folder and keep it, instead of a temporary one. A folder
        /// that already holds a benchmark log of this many events is reused as it is.
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
    },
    /// Durable appends per second with 1, 8 and 64 concurrent writers, next to a bare
    /// one-row-per-transaction loop on the same database settings.
    Append {
        /// sqlite (a temporary folder) or a postgres:// URL of a database the benchmark may
        /// create tables in.
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Seconds per measurement.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Concurrent writer counts to measure (comma separated).
        #[arg(long, default_value = "1,8,64", value_delimiter = ',')]
        writers: Vec<usize>,
        /// Client counts for the bare baseline (comma separated); defaults to 1 only for
        /// SQLite and 1,32 for PostgreSQL.
        #[arg(long, value_delimiter = ',')]
        baseline_clients: Vec<usize>,
        /// Rounds: each round measures the baseline and every writer count once, in turn, so
        /// a noisy neighbour affects both sides; the report gives the median of the rounds.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}
