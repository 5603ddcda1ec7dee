//! Runs the search index benchmark and prints its figures as a Markdown table.
//!
//! ```text
//! cargo run --release -p docket-search --example search_bench -- --docs 1000000 --queries 2000
//! ```
//!
//! `--dir PATH` keeps the index in PATH (emptied first) instead of a temporary directory
//! removed at the end.

use std::cell::Cell;
use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    docs: u64,
    queries: u32,
    dir: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        docs: 100_000,
        queries: 1_000,
        dir: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--docs" => args.docs = value.parse().map_err(|e| format!("--docs {value}: {e}"))?,
            "--queries" => {
                args.queries = value
                    .parse()
                    .map_err(|e| format!("--queries {value}: {e}"))?;
            }
            "--dir" => args.dir = Some(PathBuf::from(value)),
            other => {
                return Err(format!(
                    "unknown argument {other}; usage: --docs N --queries Q [--dir PATH]"
                ));
            }
        }
    }
    Ok(args)
}

fn main() -> Result<ExitCode, Box<dyn Error>> {
    let args = parse_args()?;
    // Held until the end so a temporary index outlives the run.
    let temporary = match args.dir {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let dir = match (&args.dir, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().to_path_buf(),
        (None, None) => return Err("no index directory".into()),
    };
    let started = Instant::now();
    // Report about every tenth of the way, whatever the batch size.
    let step = (args.docs / 10).max(1);
    let next_report = Cell::new(step);
    let progress = |done: u64| {
        if done >= next_report.get() || done == args.docs {
            next_report.set(done + step);
            eprintln!(
                "indexed {done} of {} documents ({:.0} s)",
                args.docs,
                started.elapsed().as_secs_f64()
            );
        }
    };
    let report = docket_search::bench::run(&dir, args.docs, args.queries, &progress)?;
    println!("{report}");
    if report.leaks > 0 {
        eprintln!("refused cases were returned: the filter is broken");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
