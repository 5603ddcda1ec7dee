//! What each `docket` subcommand does.

use crate::cli::{BenchCmd, CasesCmd, Cli, Cmd, DataArgs, MembersCmd};
use crate::config::{Location, RULEBOOK_FILE, load_rules, open_store};
use crate::http::Application;
use crate::service::Docket;
use anyhow::{Context as _, bail};
use docket_domain::Stage;
use docket_domain::case::day_of;
use docket_domain::ids::{CaseId, PersonId};
use docket_domain::store::CaseFilter;
use docket_domain::view::CasePart;
use docket_tlog::Verifier;
use indicatif::{ProgressBar, ProgressStyle};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Cmd::Init { data } => init(&data).await,
        Cmd::Serve {
            data,
            listen,
            evidence_limit_mib,
            evidence_case_limit_mib,
            mail,
        } => {
            let docket = open_for_serving(&data)
                .await?
                .with_evidence_limit(evidence_limit_mib as usize * 1024 * 1024)
                .with_evidence_case_limit(u64::from(evidence_case_limit_mib) * 1024 * 1024);
            let docket = crate::outbox::cli::with_mail(docket, &mail)?;
            // Opened here, not in `open_for_serving`: `docket audit` opens that way too, and
            // the index has one writer, which the running server holds.
            let docket = crate::search::serving::attach(docket, &data)?;
            serve(docket, &listen, None).await
        }
        Cmd::Outbox { command } => crate::outbox::cli::run(command).await,
        Cmd::Evidence { command } => crate::evidence::cli::run(command).await,
        Cmd::Report {
            data,
            period,
            format,
            out,
            previous,
            verify_from_log,
        } => {
            // Read first, so a bad file is reported before the log is read.
            let previous: Option<crate::report::Previous> = match previous {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))?;
                    Some(serde_json::from_str(&text).with_context(|| {
                        format!("{} is not a report.json from docket report", path.display())
                    })?)
                }
                None => None,
            };
            let docket = open(&data).await?;
            if verify_from_log {
                let bar = progress_bar(docket.store.head().await?, "events");
                let checked = docket
                    .verify_figures(&period, &|n| bar.set_position(n))
                    .await?;
                bar.finish_and_clear();
                return match checked {
                    Ok(events) => {
                        println!(
                            "The figures for {} from the read models and from the {events} raw events of the case streams agree.",
                            period.label
                        );
                        Ok(())
                    }
                    Err(differ) => {
                        for d in &differ {
                            eprintln!("  {d}");
                        }
                        bail!(
                            "{} figures for {} differ between the read models and the raw events: rebuild the read models (`docket rebuild`) and look for tampering (`docket verify`)",
                            differ.len(),
                            period.label
                        )
                    }
                };
            }
            let mut report = docket.report(&period).await?;
            if let Some(p) = &previous {
                report.compare_with(p);
            }
            let text = match format.as_str() {
                "csv" => report.csv(),
                "html" => report.html()?,
                _ => serde_json::to_string_pretty(&report)? + "\n",
            };
            match out {
                None => print!("{text}"),
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    let path = dir.join(format!("report.{format}"));
                    std::fs::write(&path, text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    println!("Wrote {}.", path.display());
                }
            }
            Ok(())
        }
        Cmd::Schedule { data, at } => {
            let docket = open(&data).await?;
            let pass = docket
                .run_schedule(at.unwrap_or_else(jiff::Timestamp::now))
                .await?;
            println!(
                "The schedule recorded {} reminders, escalations and updates on {} cases.",
                pass.events, pass.cases
            );
            Ok(())
        }
        Cmd::Demo {
            data,
            listen,
            no_serve,
        } => crate::demo::run(&data, &listen, no_serve).await,
        Cmd::Rebuild { data } => rebuild(&data).await,
        Cmd::Reindex { data } => crate::search::serving::reindex(&data).await,
        Cmd::Members {
            command: MembersCmd::Import { data, file },
        } => import_members(&data, &file).await,
        Cmd::Users { command } => crate::users::run(command).await,
        Cmd::Cases {
            command:
                CasesCmd::List {
                    data,
                    overdue,
                    open,
                    stage,
                },
        } => list_cases(&data, overdue, open, stage.as_deref()).await,
        Cmd::Cases {
            command: CasesCmd::Show { data, case, viewer },
        } => show_case(&data, &case, &viewer).await,
        Cmd::Cases {
            command: CasesCmd::Ageing { data, json },
        } => {
            let report = open(&data)
                .await?
                .ageing(day_of(jiff::Timestamp::now()))
                .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.text());
            }
            Ok(())
        }
        Cmd::Verify {
            data,
            vkey,
            every_leaf,
        } => verify(&data, vkey.as_deref(), every_leaf).await,
        Cmd::Audit {
            data,
            case,
            viewer,
            json,
        } => audit(&data, &case, &viewer, json).await,
        Cmd::Erase {
            data,
            seq,
            reason,
            actor,
        } => erase(&data, seq, &reason, &actor).await,
        Cmd::Bench {
            command:
                BenchCmd::Log {
                    events,
                    proofs,
                    keep,
                },
        } => crate::bench::log::run(events, proofs, keep.as_deref()).await,
        Cmd::Bench {
            command: BenchCmd::Authz { rounds },
        } => crate::bench::authz::run(rounds).await,
        Cmd::Bench {
            command:
                BenchCmd::Search {
                    cases,
                    queries,
                    keep,
                },
        } => crate::bench::search::run(cases, queries, keep.as_deref()).await,
        Cmd::Bench {
            command: BenchCmd::Evidence { size_mib, rounds },
        } => crate::bench::evidence::run(size_mib, rounds).await,
        Cmd::Bench {
            command:
                BenchCmd::Report {
                    cases,
                    rounds,
                    from_log: false,
                    ..
                },
        } => crate::bench::report::run(cases, rounds).await,
        Cmd::Bench {
            command:
                BenchCmd::Report {
                    cases,
                    rounds,
                    keep,
                    ..
                },
        } => crate::bench::report_log::run(cases, rounds, keep.as_deref()).await,
        Cmd::Bench {
            command:
                BenchCmd::Append {
                    backend,
                    seconds,
                    writers,
                    baseline_clients,
                    rounds,
                },
        } => crate::bench::append(&backend, seconds, &writers, &baseline_clients, rounds).await,
        Cmd::StressAppend { data, writers } => {
            crate::stress::run(open(&data).await?, writers).await
        }
    }
}

pub fn location(data: &DataArgs) -> anyhow::Result<Location> {
    match (&data.data, &data.database_url) {
        (Some(dir), None) => Ok(Location::Dir(dir.clone())),
        (None, Some(url)) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Location::Postgres(url.clone()))
        }
        (None, Some(url)) => bail!(
            "--database-url must be a postgres:// URL (got '{}'); for SQLite give a folder with --data",
            crate::config::redact_url(url)
        ),
        (Some(_), Some(_)) => bail!("give either --data or --database-url, not both"),
        (None, None) => bail!(
            "say where the data is: --data DIR (embedded SQLite) or --database-url postgres://… \
             (or set DOCKET_DATA / DOCKET_DATABASE_URL)"
        ),
    }
}

pub async fn open_location(
    loc: &Location,
    rules: Option<&std::path::Path>,
) -> anyhow::Result<Docket> {
    let (book, calendar) = load_rules(loc, rules)?;
    let store = open_store(loc)
        .await
        .with_context(|| format!("opening {}", loc.describe()))?;
    let policy = crate::config::load_policy(loc)?;
    // An organisation's own notice templates, in DIR/notices/, each tried before use.
    let notices =
        crate::notice::NoticeTemplates::load(loc.dir().map(|d| d.join("notices")).as_deref())
            .map_err(|e| anyhow::anyhow!("the notice templates cannot be used: {e}"))?;
    Ok(Docket::new(store, book, calendar)
        .with_policy(policy)
        .with_notice_templates(notices))
}

pub(crate) async fn open(data: &DataArgs) -> anyhow::Result<Docket> {
    open_location(&location(data)?, data.rules.as_deref()).await
}

/// Where the log signing key lives: --log-key, else the data folder's key file.
fn key_path(loc: &Location, data: &DataArgs) -> Option<std::path::PathBuf> {
    data.log_key.clone().or_else(|| match loc {
        Location::Dir(d) => Some(d.join(crate::logkey::KEY_FILE)),
        Location::Postgres(_) => None,
    })
}

/// Opens Docket for serving, with the log signing key if one has been created.
async fn open_for_serving(data: &DataArgs) -> anyhow::Result<Docket> {
    let loc = location(data)?;
    let docket = open_location(&loc, data.rules.as_deref()).await?;
    let docket =
        crate::evidence::cli::for_serving(docket, crate::evidence::cli::key_path(data)?).await?;
    match key_path(&loc, data) {
        Some(path) if path.exists() => Ok(docket.with_log_signer(crate::logkey::load(&path)?)),
        Some(path) if data.log_key.is_some() => {
            bail!(
                "the log signing key {} does not exist; `docket init` creates it",
                path.display()
            )
        }
        _ => Ok(docket),
    }
}

/// The actor recorded on events that the system itself, or an operator at the command line,
/// performs.
pub fn operator() -> PersonId {
    PersonId::parse("system:cli").expect("a valid constant id")
}

fn person(s: &str) -> anyhow::Result<PersonId> {
    PersonId::parse(s).map_err(|e| anyhow::anyhow!("--as: {e}"))
}

pub(crate) fn case_id(s: &str) -> anyhow::Result<CaseId> {
    CaseId::parse(s).map_err(anyhow::Error::msg)
}

/// The key checkpoints are checked with: the one given, else the signing key file's.
fn trusted_key(data: &DataArgs, vkey: Option<&str>) -> anyhow::Result<Verifier> {
    if let Some(v) = vkey {
        return Verifier::from_vkey(v.trim())
            .map_err(|e| anyhow::anyhow!("--vkey is not a verifier key: {e}"));
    }
    let loc = location(data)?;
    match key_path(&loc, data) {
        Some(path) if path.exists() => Ok(crate::logkey::load(&path)?.verifier()),
        _ => bail!(
            "give the log's verifier key with --vkey (GET /log/key serves it), or --log-key FILE"
        ),
    }
}

async fn verify(data: &DataArgs, vkey: Option<&str>, every_leaf: bool) -> anyhow::Result<()> {
    let key = trusted_key(data, vkey)?;
    let docket = open(data).await?;
    let bar = progress_bar(docket.store.head().await?, "events");
    let started = std::time::Instant::now();
    let options = crate::verify::Options {
        every_leaf,
        ..Default::default()
    };
    let report =
        crate::verify::verify_with(&docket.store, &key, &|n| bar.set_position(n), options).await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    if let Some(first) = report.problems.first() {
        for p in &report.problems {
            eprintln!("docket verify: {p}");
        }
        bail!(
            "the log does not verify: {first} ({} problem{} found in {} events)",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" },
            report.events
        );
    }
    use base64::Engine;
    println!(
        "The log verifies: {} events ({:.1} MB, {:.0} MB/s), {} signed checkpoints, {} erased payloads; root {} (key {}).",
        report.events,
        report.bytes as f64 / 1e6,
        report.bytes as f64 / 1e6 / secs.max(1e-9),
        report.checkpoints,
        report.erased,
        base64::engine::general_purpose::STANDARD.encode(report.root),
        key.vkey()
    );
    Ok(())
}

/// The account `--as` names (by username or person id), as the principal the policy judges.
/// The command line goes through the same gate as the web: a person with database access
/// still reads a case only as someone the policy lets read it, and it shows in the log.
async fn principal(docket: &Docket, who: &str) -> anyhow::Result<docket_domain::role::Principal> {
    let person = person(who)?;
    let mut found = docket.store.account_by_person(&person).await?;
    if found.is_none()
        && let Ok(u) = docket_domain::account::Username::parse(who)
    {
        found = docket.store.account(&u).await?;
    }
    match found {
        Some(a) if a.disabled => bail!("the account {} is disabled", a.username),
        Some(a) => Ok(a.principal()),
        None => bail!(
            "nobody called '{who}' has an account: add one with `docket users add` (the log records who read a case, so every reader needs one)"
        ),
    }
}

async fn audit(data: &DataArgs, case: &str, viewer: &str, json: bool) -> anyhow::Result<()> {
    let id = case_id(case)?;
    let docket = open_for_serving(data).await?;
    let viewer = principal(&docket, viewer).await?;
    let trail = docket.audit(&id, &viewer, jiff::Timestamp::now()).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&trail)?);
        return Ok(());
    }
    println!(
        "{:>8} {:>8}  {:<27} {:<24} {:<20} proof",
        "seq", "index", "at", "kind", "actor"
    );
    for e in &trail.entries {
        println!(
            "{:>8} {:>8}  {:<27} {:<24} {:<20} {}",
            e.seq,
            e.index,
            e.at,
            if e.erased {
                format!("{} (erased)", e.kind)
            } else {
                e.kind.clone()
            },
            e.actor,
            match &e.proof {
                Some(p) => format!("{} hashes", p.len()),
                None => "after the latest checkpoint".into(),
            }
        );
    }
    match &docket.log_signer {
        Some(signer) => {
            let proved = crate::audit::check(&trail, &signer.verifier())
                .map_err(|e| anyhow::anyhow!("the audit trail does not verify: {e}"))?;
            println!(
                "{} of {} entries proved against the checkpoint for {} events signed by {}.",
                proved,
                trail.entries.len(),
                trail.tree_size,
                signer.vkey()
            );
        }
        None => println!("No log signing key here: the proofs were not checked."),
    }
    Ok(())
}

async fn erase(data: &DataArgs, seq: u64, reason: &str, actor: &str) -> anyhow::Result<()> {
    let actor = person(actor)?;
    let reason =
        docket_domain::ids::Text::parse(reason).map_err(|e| anyhow::anyhow!("--reason: {e}"))?;
    let docket = open(data).await?;
    let done = docket
        .erase(seq, reason, &actor, jiff::Timestamp::now())
        .await?;
    println!(
        "Erased the payload of event {seq}; its leaf stays in the log. The erasure is event {}.",
        done.first_seq
    );
    Ok(())
}

async fn show_case(data: &DataArgs, case: &str, viewer: &str) -> anyhow::Result<()> {
    let id = case_id(case)?;
    let docket = open(data).await?;
    let viewer = principal(&docket, viewer).await?;
    let case = docket
        .open_case(&id, &viewer, CasePart::File, jiff::Timestamp::now())
        .await?;
    println!("{}", serde_json::to_string_pretty(&case)?);
    Ok(())
}

async fn init(data: &DataArgs) -> anyhow::Result<()> {
    let loc = location(data)?;
    if let Location::Dir(dir) = &loc {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the data folder {}", dir.display()))?;
        let rules = dir.join(RULEBOOK_FILE);
        if !rules.exists() {
            std::fs::write(&rules, docket_domain::rulebook::DEFAULT_TOML)
                .with_context(|| format!("writing {}", rules.display()))?;
            println!(
                "Wrote the default rule book to {} — edit it to match your organisation's rules.",
                rules.display()
            );
        }
    }
    let docket = open_location(&loc, data.rules.as_deref()).await?;
    let Some(key) = key_path(&loc, data) else {
        bail!(
            "PostgreSQL keeps no files: give --log-key FILE for the transparency log's signing key \
             (it is created if missing; keep it somewhere only Docket can read)"
        );
    };
    let origin = crate::logkey::default_origin(&docket.rules.organisation);
    let (signer, created) = crate::logkey::load_or_create(&key, &origin)?;
    let events = docket.store.head().await?;
    println!(
        "Docket is ready in {} for {} ({events} events in the log).",
        loc.describe(),
        docket.rules.organisation
    );
    println!(
        "{} the log signing key {} (mode 0600: keep it secret and back it up).",
        if created { "Created" } else { "Kept" },
        key.display()
    );
    println!(
        "Verifier key: publish this so anyone can check the log's signed checkpoints:\n{}",
        signer.vkey()
    );
    if let Some(path) = crate::evidence::cli::key_path(data)? {
        let existed = path.exists();
        let docket = crate::evidence::cli::for_serving(docket, Some(path.clone())).await?;
        if let Some(key) = &docket.evidence_key {
            println!(
                "{} the evidence key {} ({}; mode 0600: keep it secret and back it up apart from the database, since without it no evidence file can be opened).",
                if existed { "Kept" } else { "Created" },
                path.display(),
                key.id()
            );
        }
    }
    Ok(())
}

pub async fn serve(docket: Docket, listen: &str, banner: Option<String>) -> anyhow::Result<()> {
    refresh_read_models(&docket).await?;
    // What came due while no server ran is done before the first request, then hourly.
    match docket.run_schedule(jiff::Timestamp::now()).await {
        Ok(pass) if pass.events > 0 => println!(
            "The schedule recorded {} reminders, escalations and updates on {} cases.",
            pass.events, pass.cases
        ),
        Ok(_) => {}
        // Serving matters more than one pass: the next pass, in an hour, tries again.
        Err(e) => eprintln!("The schedule's first pass failed ({e}); serving anyway."),
    }
    if let Some(m) = &docket.mailer {
        println!("Notices are emailed as {}.", m.describe());
    } else {
        println!(
            "No mail transport is set (--smtp-url or --mail-dir): notices wait in the outbox, and every party reads them in the portal."
        );
    }
    tokio::spawn(crate::outbox::run_sender(docket.clone()));
    if docket.search.is_some() {
        crate::search::serving::spawn_indexer(docket.clone());
    }
    let ticking = docket.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = ticking.run_schedule(jiff::Timestamp::now()).await {
                tracing::error!(error = %e, "the schedule's pass failed; the next pass retries");
            }
        }
    });
    let app = Application::build(docket.clone(), listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = app.local_addr()?;
    println!(
        "Docket is serving {} at http://{addr}/",
        docket.rules.organisation
    );
    if let Some(b) = banner {
        println!("{b}");
    }
    println!("Press Ctrl+C to stop.");
    app.run_until_stopped(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// Read models written by an older Docket are rebuilt before serving (see
/// `Docket::refresh_read_models`), with progress shown.
async fn refresh_read_models(docket: &Docket) -> anyhow::Result<()> {
    if docket.store.untitled_cases().await? == 0 {
        return Ok(());
    }
    println!(
        "The read models predate this version of Docket (cases without a title): rebuilding them from the log."
    );
    let bar = progress_bar(docket.store.head().await?, "events");
    let report = docket.refresh_read_models(&|n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    if let Some(r) = report {
        println!("Rebuilt {} cases from {} events.", r.cases, r.events);
    }
    Ok(())
}

pub fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

async fn rebuild(data: &DataArgs) -> anyhow::Result<()> {
    let docket = open(data).await?;
    let bar = progress_bar(docket.store.head().await?, "events");
    let report = docket.rebuild(&|n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    println!(
        "Rebuilt the read models from {}: {}, {}.",
        plural(report.events, "event", "events"),
        plural(report.cases, "case", "cases"),
        plural(report.members, "member", "members")
    );
    Ok(())
}

async fn import_members(data: &DataArgs, file: &std::path::Path) -> anyhow::Result<()> {
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let parsed = crate::members::parse_csv(std::io::BufReader::new(f))
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    for e in &parsed.errors {
        eprintln!("{}:{}: {}", file.display(), e.line, e.message);
    }
    let docket = open(data).await?;
    let n = parsed.members.len();
    if n > 0 {
        let source = file
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        docket
            .import_members(parsed.members, &source, &operator(), jiff::Timestamp::now())
            .await?;
    }
    println!(
        "Imported {n} members from {}; {} rows were refused{}.",
        file.display(),
        parsed.errors.len(),
        if parsed.errors.is_empty() {
            ""
        } else {
            " (listed above with their line numbers)"
        }
    );
    if !parsed.errors.is_empty() {
        bail!(
            "{} rows need fixing; the other {n} were imported",
            parsed.errors.len()
        );
    }
    Ok(())
}

async fn list_cases(
    data: &DataArgs,
    overdue: bool,
    open_only: bool,
    stage: Option<&str>,
) -> anyhow::Result<()> {
    let docket = open(data).await?;
    let today = day_of(jiff::Timestamp::now());
    let stage = match stage {
        None => None,
        Some(s) => Some(Stage::parse(s).ok_or_else(|| {
            let all: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            anyhow::anyhow!("'{s}' is not a stage; stages are: {}", all.join(", "))
        })?),
    };
    let filter = CaseFilter {
        open_only: open_only || overdue,
        overdue_on: overdue.then_some(today),
        stage,
        ..CaseFilter::default()
    };
    let cases = docket.store.list_cases(&filter).await?;
    print!(
        "{}",
        crate::figures::case_table(&cases, today, &docket.calendar)
    );
    println!(
        "{} case{}{}.",
        cases.len(),
        if cases.len() == 1 { "" } else { "s" },
        if overdue { " overdue" } else { "" }
    );
    Ok(())
}
