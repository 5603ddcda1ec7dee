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
    /// The evidence key, which seals every evidence file (default DIR/evidence.key; with
    /// --database-url, give it to handle evidence).
    #[arg(long, value_name = "FILE", env = "DOCKET_EVIDENCE_KEY")]
    pub evidence_key: Option<PathBuf>,
    /// Folder for this server's full-text search index (default DIR/search-index; with
    /// --database-url, search is off unless this is given). Each server keeps its own.
    #[arg(long, value_name = "DIR", env = "DOCKET_SEARCH_INDEX")]
    pub search_index: Option<PathBuf>,
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
        /// The largest evidence file accepted, in MiB (files are streamed, never held whole).
        #[arg(long, default_value_t = 256, value_name = "MIB", env = "DOCKET_EVIDENCE_LIMIT_MIB",
              value_parser = clap::value_parser!(u32).range(1..=16384))]
        evidence_limit_mib: u32,
        /// The most evidence one case may hold, all its files together, in MiB.
        #[arg(long, default_value_t = 2048, value_name = "MIB", env = "DOCKET_EVIDENCE_CASE_LIMIT_MIB",
              value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
        evidence_case_limit_mib: u32,
        #[command(flatten)]
        mail: MailArgs,
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
    /// Empty this server's search index and rebuild it from the event log (the server
    /// also keeps it current by itself; stop it first, as the index has one writer).
    Reindex {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Manage the membership list.
    Members {
        #[command(subcommand)]
        command: MembersCmd,
    },
    /// Manage accounts: who may sign in, with which roles, and their API tokens. Every
    /// change is recorded in the log (never a password or a secret).
    Users {
        #[command(subcommand)]
        command: UsersCmd,
    },
    /// Run one pass of the schedule now (as `docket serve` does hourly): reminders,
    /// escalations, unreviewed measures and update letters, each recorded once however
    /// many servers or passes run at the same time. For running it from cron, or checking
    /// what a date would bring with --at.
    Schedule {
        #[command(flatten)]
        data: DataArgs,
        /// Run as of this moment instead of now, e.g. 2027-01-04T09:00:00Z.
        #[arg(long, value_name = "TIMESTAMP")]
        at: Option<jiff::Timestamp>,
    },
    /// The transparency report for a period, computed from the event log: the complaints
    /// funnel, outcomes, resignations, interim measures and times, small numbers protected,
    /// with the signed checkpoint that covers the period.
    Report {
        #[command(flatten)]
        data: DataArgs,
        /// A quarter (2026Q3), a year (2026), or dates (2024-01-01..2026-12-31).
        #[arg(long, value_name = "PERIOD")]
        period: crate::report::Period,
        /// json, csv or html (one page with SVG charts).
        #[arg(long, default_value = "json", value_parser = ["json", "csv", "html"])]
        format: String,
        /// Write report.json, report.csv or report.html into this folder instead of printing it.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The previous published release (its report.json): anything the two together
        /// would reveal by subtraction is withheld, and the notes say so.
        #[arg(long, value_name = "FILE")]
        previous: Option<PathBuf>,
        /// Recompute the figures from the raw events instead of the read models, compare,
        /// and fail naming any figure that differs (writes no report).
        #[arg(long)]
        verify_from_log: bool,
    },
    /// The email outbox: notices queued, sent, failed or bounced.
    Outbox {
        #[command(subcommand)]
        command: OutboxCmd,
    },
    /// Evidence files: check them against the log, rotate the key that seals them.
    Evidence {
        #[command(subcommand)]
        command: EvidenceCmd,
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
        /// Who is looking: an account's username or person id. The policy decides whether
        /// they may, and the view (or the refusal) is recorded in the log.
        #[arg(long = "as", value_name = "ACCOUNT")]
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
    /// membership_number,name,joined_on,status,elected_office,region,email.
    /// Bad rows are reported by line; the good rows are imported together, in one transaction.
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// The CSV file.
        file: PathBuf,
    },
}

/// Who is making an account change (recorded in the log).
#[derive(Debug, Clone, Args)]
pub struct ActorArg {
    #[arg(long = "as", value_name = "PERSON", default_value = "system:cli")]
    pub actor: String,
}

#[derive(Debug, Subcommand)]
pub enum UsersCmd {
    /// Create an account. Prints a temporary password to pass on, unless one is given on
    /// standard input with --password-stdin.
    Add {
        #[command(flatten)]
        data: DataArgs,
        /// What they type to sign in: 3–64 letters, digits, '.', '-' or '_'.
        username: String,
        /// The person the account belongs to, as named on cases (e.g. officer.amara-osei).
        #[arg(long, value_name = "PERSON")]
        person: String,
        /// Their name as colleagues should see it.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// A role (repeat for several): case_officer, investigator, disputes_panel,
        /// panel_member, independent_reviewer, appeal_panel_member, oversight,
        /// administrator, officeholder, complainant, respondent.
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
        /// Their membership number, if they are a member.
        #[arg(long, value_name = "NUMBER")]
        member: Option<String>,
        /// Read the password from standard input (one line) instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// List every account: roles, second factor, disabled, locked.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Replace an account's roles with the ones given.
    SetRoles {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        #[arg(long = "role", value_name = "ROLE", required = true)]
        roles: Vec<String>,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Disable an account and sign it out everywhere.
    Disable {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        /// Why (recorded in the log).
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Give an account a new password (a printed temporary one unless --password-stdin),
    /// sign it out everywhere and lift any lockout. The second factor is kept.
    ResetPassword {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Remove an account's second factor (a lost phone) and sign it out everywhere; they
    /// set up a new one at their next sign-in.
    ResetSecondFactor {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        /// Why (recorded in the log), for example a lost phone.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// API tokens for scripts and reports.
    Token {
        #[command(subcommand)]
        command: TokenCmd,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Issue a token for an account. It is printed once; only its hash is kept.
    Issue {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        /// read or write (repeat for both).
        #[arg(long = "scope", value_name = "SCOPE", required = true)]
        scopes: Vec<String>,
        /// What the token is for, e.g. "monthly figures".
        #[arg(long)]
        label: String,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// Revoke a token by its id (the part after docket_, as `token list` shows).
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        token_id: String,
        #[command(flatten)]
        actor: ActorArg,
    },
    /// List an account's tokens.
    List {
        #[command(flatten)]
        data: DataArgs,
        username: String,
    },
}

/// How notices are emailed. With neither --smtp-url nor --mail-dir, notices are still queued
/// (and shown in every portal) but wait, and the outbox reports itself stalled.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// The SMTP server to send through: smtp://host:25, or with STARTTLS
    /// smtp://user:password@host:587?tls=required, or smtps://host:465.
    #[arg(
        long,
        value_name = "URL",
        env = "DOCKET_SMTP_URL",
        conflicts_with = "mail_dir"
    )]
    pub smtp_url: Option<String>,
    /// Write each email as an .eml file in this folder instead of sending it.
    #[arg(long, value_name = "DIR", env = "DOCKET_MAIL_DIR")]
    pub mail_dir: Option<PathBuf>,
    /// The From address of notices' email.
    #[arg(
        long,
        value_name = "ADDRESS",
        env = "DOCKET_MAIL_FROM",
        default_value = "Docket <docket@localhost>"
    )]
    pub mail_from: String,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// Counts by state, the oldest message waiting, and every message that needs attention.
    /// Exits with an error when the outbox is stalled, so monitoring can call it.
    Status {
        #[command(flatten)]
        data: DataArgs,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Queue failed and bounced notices again (every one, or one case's). Each is recorded
    /// on its case with who asked.
    Retry {
        #[command(flatten)]
        data: DataArgs,
        /// Only this case's, e.g. DK-7KQ2-M9XA.
        #[arg(long, value_name = "REFERENCE")]
        case: Option<String>,
        #[arg(long = "as", value_name = "PERSON", default_value = "system:cli")]
        actor: String,
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
        /// Who is looking: an account's username or person id. The policy decides whether
        /// they may, and the view (or the refusal) is recorded in the log.
        #[arg(long = "as", value_name = "ACCOUNT")]
        viewer: String,
    },
    /// How long open cases and interim measures in force have been running, by age band
    /// (0-3, 3-6, 6-12, 12-24, 24+ months), with the oldest listed by reference.
    Ageing {
        #[command(flatten)]
        data: DataArgs,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// The transparency report's figures over a large organisation, the demo's case
    /// histories copied to N cases in a temporary SQLite store: from the read models, or
    /// with --from-log as raw events, against reading and hashing the same bytes (see
    /// docs/PERFORMANCE.md).
    Report {
        /// Cases in the generated organisation.
        #[arg(long, default_value_t = 1_000_000)]
        cases: u64,
        /// Timed runs.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
        /// Copy the histories as raw events into the log (with their views), rebuild the
        /// read models from it, and time both paths and the hashing reference.
        #[arg(long)]
        from_log: bool,
        /// With --from-log: build the log in this folder and reuse it on the next run.
        #[arg(long, requires = "from_log")]
        keep: Option<std::path::PathBuf>,
    },
    /// Evidence upload and download through a real `docket serve` (a child process, over
    /// loopback): the server's memory above idle while a large file streams in and out, and
    /// the upload's throughput against `openssl enc -chacha20` plus `sha256sum` over the
    /// same file (see docs/PERFORMANCE.md).
    Evidence {
        /// Size of the file, in MiB.
        #[arg(long, default_value_t = 200)]
        size_mib: u64,
        /// Timed uploads (each a new file on the same case).
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
    /// Search end to end over about 1,000,000 indexed documents, the policy gate included:
    /// the demo's case histories copied to N cases in a temporary SQLite store, indexed as
    /// `docket reindex` does, then searched by a mix of staff through the same calls as the
    /// API (p50/p99 per principal; see docs/PERFORMANCE.md).
    Search {
        /// Cases in the generated organisation; by default as many as make about 1,000,000
        /// search documents.
        #[arg(long)]
        cases: Option<u64>,
        /// Timed searches.
        #[arg(long, default_value_t = 2_000)]
        queries: usize,
        /// Build the log and the index in this folder and reuse them on the next run.
        #[arg(long)]
        keep: Option<std::path::PathBuf>,
    },
    /// The cost of one authorisation decision (p50/p99 µs), as the policy gate makes it for
    /// every request, over the demo's cases; and of the questions a search asks the policy
    /// before any case.
    Authz {
        /// Decisions to time.
        #[arg(long, default_value_t = 200_000)]
        rounds: usize,
    },
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

#[derive(Debug, Subcommand)]
pub enum EvidenceCmd {
    /// Open every evidence file stored for a case and re-hash it against the SHA-256 the log
    /// recorded when it arrived; names each file that is missing or altered, and fails if any is.
    Verify {
        #[command(flatten)]
        data: DataArgs,
        /// The case reference, e.g. DK-7KQ2-M9XA.
        case: String,
    },
    /// Make a new evidence key and rewrap every case's data key under it, in one
    /// transaction; the files themselves are not rewritten. The old key file is kept beside
    /// the new one, renamed with its key id, until you destroy it.
    RotateKey {
        #[command(flatten)]
        data: DataArgs,
    },
}
