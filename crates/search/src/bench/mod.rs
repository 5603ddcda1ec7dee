//! A benchmark of the index at scale: indexing throughput, then query latency with an
//! authorisation predicate that refuses about half the cases.
//!
//! Public so that the example `search_bench` (and later a `docket bench` subcommand) can run
//! it against a real directory; nothing in the server depends on it.

mod corpus;

use std::cell::Cell;
use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use corpus::{Corpus, DOCS_PER_CASE, Question, SplitMix64};

use crate::error::SearchError;
use crate::index::SearchIndex;

/// Documents per `apply`: a commit each, as a rebuild from the log would batch them.
const BATCH: u64 = 25_000;
/// Hits asked for per query: one page of results.
const LIMIT: usize = 20;
/// Queries run before timing starts, so the first timed ones do not pay for opening files.
const WARM_UP: u32 = 20;
/// Rounds of hashing per predicate call: a few microseconds, standing in for a policy
/// decision (Docket's are Cedar evaluations of about that cost).
const DECISION_ROUNDS: u32 = 2_048;
const QUERY_SEED: u64 = 0x5EA2_C4ED_0C4E_7000;

/// The figures of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Documents indexed.
    pub docs: u64,
    /// Cases they belong to.
    pub cases: u64,
    /// Bytes of text indexed.
    pub text_bytes: u64,
    /// Wall time of all `apply` calls (commits included, document generation excluded).
    pub index_seconds: f64,
    /// Documents indexed per second.
    pub docs_per_second: f64,
    /// Megabytes (10^6 bytes) of text indexed per second.
    pub text_mb_per_second: f64,
    /// Time spent waiting for background merges after the last commit.
    pub merge_seconds: f64,
    /// Size of the index directory after merging.
    pub index_bytes: u64,
    /// Timed queries.
    pub queries: u32,
    /// Hits asked for per query.
    pub limit: usize,
    /// Median query latency.
    pub p50_ms: f64,
    /// 99th percentile query latency.
    pub p99_ms: f64,
    /// Slowest query.
    pub max_ms: f64,
    /// Mean query latency.
    pub mean_ms: f64,
    /// 99th percentile latency of single-word queries.
    pub p99_word_ms: f64,
    /// 99th percentile latency of phrase queries.
    pub p99_phrase_ms: f64,
    /// 99th percentile latency of `by_person` queries.
    pub p99_person_ms: f64,
    /// Mean hits returned per query.
    pub mean_hits: f64,
    /// Mean predicate calls per query.
    pub mean_decisions: f64,
    /// Hits returned for cases the predicate refuses: anything but 0 is a bug.
    pub leaks: u64,
}

/// Indexes `docs` synthetic documents into the (emptied) index at `dir`, calling `progress`
/// with the number indexed after each batch, then times `queries` queries (half single
/// words, 30% phrases, 20% people) at 20 hits each, filtered by a predicate that refuses
/// about half the cases. Every hit is checked against the predicate (untimed) and counted
/// in [`BenchReport::leaks`] if it should not have been returned.
pub fn run(
    dir: &Path,
    docs: u64,
    queries: u32,
    progress: &dyn Fn(u64),
) -> Result<BenchReport, SearchError> {
    let index = SearchIndex::open(dir)?;
    index.clear()?;
    let corpus = Corpus::new(docs);

    let mut indexing = Duration::ZERO;
    let mut text_bytes = 0u64;
    let mut done = 0;
    while done < docs {
        let end = (done + BATCH).min(docs);
        let batch: Vec<_> = (done..end).map(|n| corpus.doc(n)).collect();
        text_bytes += batch.iter().map(|doc| doc.text.len() as u64).sum::<u64>();
        let started = Instant::now();
        index.apply(batch, &[], end)?;
        indexing += started.elapsed();
        done = end;
        progress(done);
    }
    let started = Instant::now();
    index.wait_merges()?;
    let merging = started.elapsed();
    let index_bytes = directory_size(dir).map_err(|source| SearchError::Io {
        dir: dir.to_path_buf(),
        source,
    })?;

    let decisions = Cell::new(0u64);
    let may_see = |case: &str| {
        decisions.set(decisions.get() + 1);
        allowed(case)
    };
    let mut rng = SplitMix64::new(QUERY_SEED);
    for _ in 0..WARM_UP {
        ask(&index, &corpus.question(&mut rng), &may_see)?;
    }
    decisions.set(0);
    let mut latencies = Vec::with_capacity(queries as usize);
    // Per kind of question: single words, phrases, people.
    let mut by_kind: [Vec<Duration>; 3] = Default::default();
    let mut hits = 0u64;
    let mut leaks = 0u64;
    for _ in 0..queries {
        let question = corpus.question(&mut rng);
        let started = Instant::now();
        let answer = ask(&index, &question, &may_see)?;
        let took = started.elapsed();
        latencies.push(took);
        by_kind[question.kind()].push(took);
        hits += answer.len() as u64;
        // Checked outside the timing: a run that leaks measured the wrong thing.
        leaks += answer.iter().filter(|hit| !allowed(&hit.case)).count() as u64;
    }

    latencies.sort();
    for kind in &mut by_kind {
        kind.sort();
    }
    let [words, phrases, people] = by_kind.map(|sorted| percentile_ms(&sorted, 0.99));
    let per_query = |total: f64| total / f64::from(queries.max(1));
    let seconds = indexing.as_secs_f64().max(f64::EPSILON);
    Ok(BenchReport {
        docs,
        cases: docs.div_ceil(DOCS_PER_CASE),
        text_bytes,
        index_seconds: indexing.as_secs_f64(),
        docs_per_second: docs as f64 / seconds,
        text_mb_per_second: text_bytes as f64 / 1e6 / seconds,
        merge_seconds: merging.as_secs_f64(),
        index_bytes,
        queries,
        limit: LIMIT,
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
        max_ms: latencies.last().map_or(0.0, millis),
        mean_ms: per_query(latencies.iter().map(millis).sum()),
        p99_word_ms: words,
        p99_phrase_ms: phrases,
        p99_person_ms: people,
        mean_hits: per_query(hits as f64),
        mean_decisions: per_query(decisions.get() as f64),
        leaks,
    })
}

fn ask(
    index: &SearchIndex,
    question: &Question,
    may_see: &dyn Fn(&str) -> bool,
) -> Result<Vec<crate::Hit>, SearchError> {
    match question {
        Question::Text(text) => index.search(text, may_see, LIMIT),
        Question::Person(person) => index.by_person(person, may_see, LIMIT),
    }
}

/// The benchmark's authorisation decision: about half of all cases, chosen by a hash of the
/// reference, after some deliberate work (see [`DECISION_ROUNDS`]).
fn allowed(case: &str) -> bool {
    let mut h = case.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    });
    for _ in 0..DECISION_ROUNDS {
        h = corpus::mix(h);
    }
    std::hint::black_box(h) & 1 == 0
}

/// Nearest-rank percentile of sorted latencies, in milliseconds.
fn percentile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    millis(&sorted[rank.clamp(1, sorted.len()) - 1])
}

fn millis(d: &Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn directory_size(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            directory_size(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mb = |bytes: u64| bytes as f64 / 1e6;
        writeln!(f, "| measure | value |")?;
        writeln!(f, "| --- | ---: |")?;
        writeln!(f, "| documents | {} |", self.docs)?;
        writeln!(f, "| cases | {} |", self.cases)?;
        writeln!(f, "| text indexed | {:.1} MB |", mb(self.text_bytes))?;
        writeln!(f, "| indexing time | {:.1} s |", self.index_seconds)?;
        writeln!(f, "| indexing rate | {:.0} docs/s |", self.docs_per_second)?;
        writeln!(
            f,
            "| indexing rate (text) | {:.1} MB/s |",
            self.text_mb_per_second
        )?;
        writeln!(
            f,
            "| merge wait after last commit | {:.1} s |",
            self.merge_seconds
        )?;
        writeln!(f, "| index size on disk | {:.1} MB |", mb(self.index_bytes))?;
        writeln!(
            f,
            "| queries timed (limit {}) | {} |",
            self.limit, self.queries
        )?;
        writeln!(f, "| latency p50 | {:.2} ms |", self.p50_ms)?;
        writeln!(f, "| latency p99 | {:.2} ms |", self.p99_ms)?;
        writeln!(f, "| latency max | {:.2} ms |", self.max_ms)?;
        writeln!(f, "| latency mean | {:.2} ms |", self.mean_ms)?;
        writeln!(f, "| p99 single words | {:.2} ms |", self.p99_word_ms)?;
        writeln!(f, "| p99 phrases | {:.2} ms |", self.p99_phrase_ms)?;
        writeln!(f, "| p99 by person | {:.2} ms |", self.p99_person_ms)?;
        writeln!(f, "| hits per query (mean) | {:.1} |", self.mean_hits)?;
        writeln!(
            f,
            "| predicate calls per query (mean) | {:.1} |",
            self.mean_decisions
        )?;
        writeln!(f, "| refused cases returned | {} |", self.leaks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_reports_sane_figures() -> Result<(), SearchError> {
        let dir = tempfile::tempdir().map_err(|source| SearchError::Io {
            dir: "tempdir".into(),
            source,
        })?;
        let seen = Cell::new(0);
        let report = run(dir.path(), 2_000, 50, &|n| seen.set(n))?;
        assert_eq!(seen.get(), 2_000);
        assert_eq!(report.docs, 2_000);
        assert_eq!(report.cases, 400);
        assert!(report.index_bytes > 0);
        assert!(report.p50_ms <= report.p99_ms && report.p99_ms <= report.max_ms);
        assert!(report.mean_hits > 0.0);
        assert_eq!(report.leaks, 0);
        assert!(report.to_string().contains("| latency p99 |"));
        Ok(())
    }

    #[test]
    fn the_predicate_refuses_about_half() {
        let allowed = (0..10_000)
            .filter(|n| allowed(&corpus::case_reference(*n)))
            .count();
        assert!((4_500..5_500).contains(&allowed), "{allowed}");
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile_ms(&sorted, 0.5), 50.0);
        assert_eq!(percentile_ms(&sorted, 0.99), 99.0);
        assert_eq!(percentile_ms(&[], 0.99), 0.0);
    }
}
