//! The search index: one tantivy index, its one writer and its one reader.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::directory::error::OpenReadError;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError,
    Term,
};

use crate::candidates;
use crate::document::{Doc, Hit, Within};
use crate::error::SearchError;
use crate::query;
use crate::schema::{ANALYZER, Fields, PAIRS_ANALYZER, analyzer, pairs_analyzer};

/// Memory the writer may buffer before it flushes a segment, shared by its threads. Modest
/// on purpose: the server indexes small batches of events, and a rebuild is not worth
/// starving the rest of the process for.
const WRITER_BUDGET: usize = 96 * 1024 * 1024;
/// More indexing threads than this gain little for a rebuild and each needs its own share
/// of the budget (tantivy wants at least 15 MB a thread).
const MOST_WRITER_THREADS: usize = 4;
/// How an in-memory index is named in errors.
const IN_MEMORY: &str = "<in memory>";

/// The full-text index over cases.
///
/// Cheap to search from many threads at once (`&self` everywhere; searches share one reader
/// and never wait for a write). Writes are serialised by a mutex around the one writer
/// tantivy allows per index; each [`SearchIndex::apply`] is one commit.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    /// `None` only after a failure that left no usable writer; see
    /// [`SearchError::WriterUnavailable`].
    writer: Mutex<Option<Writer>>,
    analyzer: TextAnalyzer,
    dir: PathBuf,
}

struct Writer {
    inner: IndexWriter,
    /// The committed log position, kept here so `apply` can refuse to go backwards without
    /// rereading the index's metadata.
    position: u64,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index if there is none.
    ///
    /// Fails with [`SearchError::Incompatible`] or [`SearchError::Corrupt`] when the
    /// directory holds an index this build cannot use; the caller may then delete the
    /// directory and rebuild from the log. Fails with [`SearchError::Locked`] while another
    /// `SearchIndex` (in this process or another) has the directory open.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::Io {
            dir: dir.to_path_buf(),
            source,
        })?;
        let classify = |err: TantivyError| classify(dir, err);
        let directory = MmapDirectory::open(dir).map_err(|e| classify(e.into()))?;
        let (schema, fields) = Fields::schema();
        let index = if Index::exists(&directory).map_err(|e| classify(e.into()))? {
            let index = Index::open(directory).map_err(classify)?;
            if index.schema() != schema {
                return Err(SearchError::Incompatible {
                    dir: dir.to_path_buf(),
                    reason: "its fields or analyser differ from this build's".to_owned(),
                });
            }
            index
        } else {
            Index::create(directory, schema, IndexSettings::default()).map_err(classify)?
        };
        SearchIndex::start(index, fields, dir.to_path_buf())
    }

    /// An index held in memory only, for tests.
    pub fn open_in_ram() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = Fields::schema();
        SearchIndex::start(
            Index::create_in_ram(schema),
            fields,
            PathBuf::from(IN_MEMORY),
        )
    }

    fn start(index: Index, fields: Fields, dir: PathBuf) -> Result<SearchIndex, SearchError> {
        // Analysers are not persisted, only their names: register ours on every open.
        index.tokenizers().register(ANALYZER, analyzer());
        index
            .tokenizers()
            .register(PAIRS_ANALYZER, pairs_analyzer());
        let position = committed_position(&index, &dir)?;
        let inner = new_writer(&index).map_err(|e| classify(&dir, e))?;
        // Reloads on commit (so background merges become visible), and `apply` also reloads
        // at once, so a search right after `apply` sees what it wrote.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(|e| classify(&dir, e))?;
        Ok(SearchIndex {
            index,
            fields,
            reader,
            writer: Mutex::new(Some(Writer { inner, position })),
            analyzer: analyzer(),
            dir,
        })
    }

    /// Indexes `upserts` (each replacing any document with the same key), removes every
    /// document of the cases in `deletes_by_case`, and records `position`, the log sequence
    /// number this brings the index up to, all in one commit: after a crash the index holds
    /// either all of it or none of it, with the matching position.
    ///
    /// Deletions are applied after the upserts, so a case both updated and deleted in one
    /// batch ends up with no documents. Within `upserts`, the last document with a key wins.
    /// A `position` behind the committed one is refused ([`SearchError::PositionBehind`]);
    /// an equal one is accepted, so a batch can be retried.
    pub fn apply(
        &self,
        upserts: Vec<Doc>,
        deletes_by_case: &[String],
        position: u64,
    ) -> Result<(), SearchError> {
        let mut guard = self.lock_writer()?;
        let writer = guard.as_mut().ok_or(SearchError::WriterUnavailable)?;
        if position < writer.position {
            return Err(SearchError::PositionBehind {
                asked: position,
                indexed: writer.position,
            });
        }
        let staged = self.stage(&writer.inner, upserts, deletes_by_case);
        let committed = staged.and_then(|()| commit(&mut writer.inner, position));
        self.settle(&mut guard, committed, position)
    }

    /// The log position recorded by the last commit: 0 for a new or cleared index.
    pub fn position(&self) -> Result<u64, SearchError> {
        committed_position(&self.index, &self.dir)
    }

    /// Removes every document and resets the position to 0, in one commit, so that a
    /// rebuild can start from the beginning of the log.
    pub fn clear(&self) -> Result<(), SearchError> {
        let mut guard = self.lock_writer()?;
        let writer = guard.as_mut().ok_or(SearchError::WriterUnavailable)?;
        let committed = writer
            .inner
            .delete_all_documents()
            .map_err(SearchError::from)
            .and_then(|_| commit(&mut writer.inner, 0));
        self.settle(&mut guard, committed, 0)
    }

    /// Waits until the background merges of segments have finished and makes the merged
    /// index visible. Searching many small segments is slower than searching a few large
    /// ones, so call this after a bulk rebuild; the server's steady trickle of small
    /// commits does not need it (tantivy merges as it goes).
    pub fn wait_merges(&self) -> Result<(), SearchError> {
        let mut guard = self.lock_writer()?;
        let writer = guard.take().ok_or(SearchError::WriterUnavailable)?;
        // Waiting consumes tantivy's writer; if anything fails from here on the slot stays
        // empty and later writes report `WriterUnavailable` (the index on disk is intact).
        writer.inner.wait_merging_threads()?;
        let inner = new_writer(&self.index).map_err(|e| classify(&self.dir, e))?;
        *guard = Some(Writer {
            inner,
            position: writer.position,
        });
        self.reader.reload()?;
        Ok(())
    }

    /// Cases matching what a user typed, best first, one hit per case (its best-matching
    /// document), at most `limit`, and only cases for which `may_see(case reference)` is
    /// true.
    ///
    /// All words must occur in a document; text in double quotes must occur as a phrase.
    /// Nothing typed can make this fail: operators and punctuation are plain text, an
    /// unclosed quote runs to the end, input past 1 KiB is ignored, and text with no words
    /// (`""`, `*`) finds nothing.
    ///
    /// The predicate is asked once per distinct case, in ranking order, until `limit`
    /// allowed cases are found. Refused cases leave no trace in the result. Candidates are
    /// fetched in growing batches; at most the best 20,000 matching documents are examined,
    /// so a caller allowed to see very few of many matching cases may get fewer hits than
    /// exist.
    pub fn search(
        &self,
        text: &str,
        may_see: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        self.search_within(Within::Everything, text, may_see, limit)
    }

    /// [`SearchIndex::search`] over the documents `within` picks out only. The narrowing
    /// does not change the ranking of what it leaves.
    pub fn search_within(
        &self,
        within: Within<'_>,
        text: &str,
        may_see: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let clauses = query::clauses(text, &mut self.analyzer.clone());
        let Some(mut plan) = query::plan(&clauses, self.fields.text, self.fields.pairs) else {
            return Ok(Vec::new());
        };
        plan.rank = match self.narrowed(within, plan.rank) {
            Some(rank) => rank,
            None => return Ok(Vec::new()),
        };
        let searcher = self.reader.searcher();
        candidates::ranked(&searcher, &plan, self.fields, &self.dir, may_see, limit)
    }

    /// Every case with a document naming `person` (an exact identifier such as `M-100234`),
    /// in order of case reference, at most `limit`, filtered by `may_see` as
    /// [`SearchIndex::search`] is. Each case is represented by its title if indexed, else its
    /// next most telling document; the hits' scores are 0.
    pub fn by_person(
        &self,
        person: &str,
        may_see: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        self.by_person_within(Within::Everything, person, may_see, limit)
    }

    /// [`SearchIndex::by_person`] over the documents `within` picks out only.
    pub fn by_person_within(
        &self,
        within: Within<'_>,
        person: &str,
        may_see: &dyn Fn(&str) -> bool,
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let person = person.trim();
        if person.is_empty() {
            return Ok(Vec::new());
        }
        let query: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_text(self.fields.people, person),
            IndexRecordOption::Basic,
        ));
        let Some(query) = self.narrowed(within, query) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        candidates::by_case_reference(
            &searcher,
            query.as_ref(),
            self.fields,
            &self.dir,
            may_see,
            limit,
        )
    }

    /// `query` required together with one of `within`'s terms, the terms scoring nothing so
    /// the ranking stays `query`'s; `None` when `within` admits no document at all.
    fn narrowed(&self, within: Within<'_>, query: Box<dyn Query>) -> Option<Box<dyn Query>> {
        let Within::Tagged(terms) = within else {
            return Some(query);
        };
        if terms.is_empty() {
            return None;
        }
        let any: Vec<(Occur, Box<dyn Query>)> = terms
            .iter()
            .map(|t| {
                let term = Term::from_field_text(self.fields.access, t);
                let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect();
        let filter: Box<dyn Query> =
            Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(any)), 0.0));
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, filter),
        ])))
    }

    /// How many documents the index holds (all cases: for operators, not for users).
    pub fn documents(&self) -> Result<u64, SearchError> {
        Ok(self.reader.searcher().num_docs())
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, Option<Writer>>, SearchError> {
        // A panic while staging leaves uncommitted operations in tantivy's writer; they must
        // not be committed by the next `apply` under another position, so a poisoned lock
        // is not recovered.
        self.writer
            .lock()
            .map_err(|_| SearchError::WriterUnavailable)
    }

    fn stage(
        &self,
        writer: &IndexWriter,
        upserts: Vec<Doc>,
        deletes_by_case: &[String],
    ) -> Result<(), SearchError> {
        for doc in upserts {
            // A delete only removes documents added before it, so the new version survives.
            writer.delete_term(Term::from_field_text(self.fields.key, &doc.key));
            writer.add_document(self.document(doc))?;
        }
        for case in deletes_by_case {
            writer.delete_term(Term::from_field_text(self.fields.case, case));
        }
        Ok(())
    }

    /// After a commit attempt: on success records the position and makes it visible; on
    /// failure discards whatever was staged, so the next commit cannot carry it.
    fn settle(
        &self,
        guard: &mut MutexGuard<'_, Option<Writer>>,
        committed: Result<(), SearchError>,
        position: u64,
    ) -> Result<(), SearchError> {
        match committed {
            Ok(()) => {
                if let Some(writer) = guard.as_mut() {
                    writer.position = position;
                }
                self.reader.reload()?;
                Ok(())
            }
            Err(err) => {
                let rolled_back = guard
                    .as_mut()
                    .is_some_and(|writer| writer.inner.rollback().is_ok());
                if !rolled_back {
                    **guard = None;
                }
                Err(err)
            }
        }
    }

    fn document(&self, doc: Doc) -> TantivyDocument {
        let fields = self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(fields.key, &doc.key);
        out.add_text(fields.case, &doc.case);
        out.add_u64(fields.kind, doc.kind.code());
        // The text goes in twice, analysed into words and into pairs by tantivy's indexing
        // threads; it is stored once (the pairs field is not stored).
        out.add_text(fields.pairs, &doc.text);
        out.add_text(fields.text, &doc.text);
        for person in &doc.people {
            out.add_text(fields.people, person);
        }
        for term in &doc.access {
            out.add_text(fields.access, term);
        }
        out
    }
}

fn new_writer(index: &Index) -> Result<IndexWriter, TantivyError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MOST_WRITER_THREADS);
    index.writer_with_num_threads(threads, WRITER_BUDGET)
}

/// Commits what is staged with `position` as the commit's payload: the payload is written
/// atomically with the segments, so the position on disk always describes the documents
/// on disk. (Merges rewrite the metadata but carry the payload over.)
fn commit(writer: &mut IndexWriter, position: u64) -> Result<(), SearchError> {
    let mut prepared = writer.prepare_commit()?;
    prepared.set_payload(&position.to_string());
    prepared.commit()?;
    Ok(())
}

/// The position in the last commit's payload: a decimal number, absent for a new index.
fn committed_position(index: &Index, dir: &Path) -> Result<u64, SearchError> {
    let metas = index.load_metas().map_err(|e| classify(dir, e))?;
    match metas.payload {
        None => Ok(0),
        Some(payload) => payload.parse().map_err(|_| SearchError::Corrupt {
            dir: dir.to_path_buf(),
            reason: format!("its commit payload {payload:?} is not a log position"),
        }),
    }
}

/// Sorts tantivy's errors into the ones that mean "delete and rebuild" and the rest.
fn classify(dir: &Path, err: TantivyError) -> SearchError {
    let dir = dir.to_path_buf();
    match err {
        TantivyError::IncompatibleIndex(reason)
        | TantivyError::OpenReadError(OpenReadError::IncompatibleIndex(reason)) => {
            SearchError::Incompatible {
                dir,
                reason: format!("{reason:?}"),
            }
        }
        TantivyError::DataCorruption(reason) => SearchError::Corrupt {
            dir,
            reason: format!("{reason:?}"),
        },
        TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(file)) => {
            SearchError::Corrupt {
                dir,
                reason: format!("{} is missing", file.display()),
            }
        }
        TantivyError::SchemaError(reason) => SearchError::Corrupt { dir, reason },
        TantivyError::LockFailure(..) => SearchError::Locked { dir },
        other => SearchError::Engine(other),
    }
}
