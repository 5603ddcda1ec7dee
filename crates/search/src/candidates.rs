//! Walking matching documents and keeping only the cases the caller may see.
//!
//! Everything that leaves this module has passed the predicate: a refused case contributes
//! nothing to a result, not even to its length, so a user cannot learn that a case they may
//! not see matched.

use std::collections::btree_map::Entry as SortedEntry;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{EnableScoring, Query, Weight};
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, DocId, DocSet, Searcher, TantivyDocument};

use crate::document::{Hit, Kind};
use crate::error::SearchError;
use crate::query::Plan;
use crate::schema::{CASE_FIELD, Fields, KIND_FIELD};

/// The first batch of ranked candidates fetched is this many times the limit (at least
/// [`SMALLEST_BATCH`]): a case has several documents and about half of the candidates may
/// be refused, so a batch of exactly `limit` would nearly always need a second round.
const FIRST_BATCH_FACTOR: usize = 4;
const SMALLEST_BATCH: usize = 64;
/// Each further batch is this many times larger than everything fetched so far.
const BATCH_GROWTH: usize = 4;
/// At most this many ranked documents are examined for one search, so the predicate runs
/// at most this many times (once per distinct case among them). Past it a search returns
/// fewer than `limit` hits even if allowed cases match further down: a user who may see only
/// a few cases gets their matches among the best 20,000 documents, and should narrow the
/// query to reach the rest.
pub(crate) const CANDIDATE_CEILING: usize = 20_000;
/// Snippets are cut to about this many characters.
const SNIPPET_CHARS: usize = 200;

/// A case chosen for a result, with the document standing for it.
struct Chosen {
    case: String,
    address: DocAddress,
    score: f32,
}

/// The best `limit` cases the predicate allows, best first, each with its best document.
pub(crate) fn ranked(
    searcher: &Searcher,
    plan: &Plan,
    fields: Fields,
    dir: &Path,
    may_see: &dyn Fn(&str) -> bool,
    limit: usize,
) -> Result<Vec<Hit>, SearchError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut columns = CaseColumns::new(searcher);
    let phrases = Phrases::new(searcher, &plan.verify)?;
    // One verdict per case: a case's lower-ranked documents are neither shown nor asked about.
    let mut verdicts: HashMap<String, bool> = HashMap::new();
    let mut chosen: Vec<Chosen> = Vec::with_capacity(limit);
    let mut examined = 0;
    let mut batch_end = limit
        .saturating_mul(FIRST_BATCH_FACTOR)
        .clamp(SMALLEST_BATCH, CANDIDATE_CEILING);
    'batches: loop {
        let wanted = batch_end - examined;
        // The ranking is deterministic for one searcher (ties broken by address), so the
        // documents past `examined` are exactly those not yet seen.
        let batch = searcher.search(
            plan.rank.as_ref(),
            &TopDocs::with_limit(wanted)
                .and_offset(examined)
                .order_by_score(),
        )?;
        let exhausted = batch.len() < wanted;
        let phrased = phrases.matching(searcher, &batch)?;
        for (score, address) in batch {
            examined += 1;
            if !phrased.as_ref().is_none_or(|set| set.contains(&address)) {
                continue;
            }
            let Some(case) = columns.case_of(address)? else {
                continue;
            };
            if let Entry::Vacant(entry) = verdicts.entry(case) {
                let allowed = may_see(entry.key());
                let case = entry.key().clone();
                entry.insert(allowed);
                if allowed {
                    chosen.push(Chosen {
                        case,
                        address,
                        score,
                    });
                    if chosen.len() == limit {
                        break 'batches;
                    }
                }
            }
        }
        if exhausted || batch_end >= CANDIDATE_CEILING {
            break;
        }
        batch_end = examined
            .saturating_mul(BATCH_GROWTH)
            .clamp(SMALLEST_BATCH, CANDIDATE_CEILING);
    }

    let mut snippets = SnippetGenerator::create(searcher, plan.highlight.as_ref(), fields.text)?;
    snippets.set_max_num_chars(SNIPPET_CHARS);
    chosen
        .into_iter()
        .map(|c| {
            let doc: TantivyDocument = searcher.doc(c.address)?;
            let fragment = snippets.snippet_from_doc(&doc).fragment().to_owned();
            hit(&doc, fields, dir, c.case, c.score, &fragment)
        })
        .collect()
}

/// Every case the predicate allows among those with a document matching `query`, in order
/// of case reference, at most `limit`. Each case is represented by its most telling document
/// (by [`Kind`] order, then key). Collects every matching document, so it suits selective
/// queries (one person's cases), not free text.
pub(crate) fn by_case_reference(
    searcher: &Searcher,
    query: &dyn Query,
    fields: Fields,
    dir: &Path,
    may_see: &dyn Fn(&str) -> bool,
    limit: usize,
) -> Result<Vec<Hit>, SearchError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let matching = searcher.search(query, &DocSetCollector)?;
    let mut columns = CaseColumns::new(searcher);
    let mut kinds: Vec<Option<Column<u64>>> = vec![None; searcher.segment_readers().len()];
    // Per case: the best kind code seen and the documents of that kind.
    let mut cases: BTreeMap<String, (u64, Vec<DocAddress>)> = BTreeMap::new();
    for address in matching {
        let Some(case) = columns.case_of(address)? else {
            continue;
        };
        let kind = kind_of(searcher, &mut kinds, address)?;
        match cases.entry(case) {
            SortedEntry::Vacant(entry) => {
                entry.insert((kind, vec![address]));
            }
            SortedEntry::Occupied(mut entry) => {
                let (best, addresses) = entry.get_mut();
                if kind < *best {
                    *best = kind;
                    addresses.clear();
                }
                if kind == *best {
                    addresses.push(address);
                }
            }
        }
    }

    let mut hits = Vec::new();
    for (case, (_, addresses)) in cases {
        if hits.len() == limit {
            break;
        }
        if !may_see(&case) {
            continue;
        }
        let mut best: Option<(String, TantivyDocument)> = None;
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let key = text_field(&doc, fields.key).unwrap_or_default().to_owned();
            if best.as_ref().is_none_or(|(best_key, _)| key < *best_key) {
                best = Some((key, doc));
            }
        }
        if let Some((_, doc)) = best {
            hits.push(hit(&doc, fields, dir, case, 0.0, "")?);
        }
    }
    Ok(hits)
}

/// The exact check of phrases of three or more words, which ranking by word pairs only
/// approximates (a document can hold "code of" and "of conduct" without "code of conduct").
struct Phrases {
    weights: Vec<Box<dyn Weight>>,
}

impl Phrases {
    fn new(searcher: &Searcher, queries: &[Box<dyn Query>]) -> Result<Self, SearchError> {
        let weights = queries
            .iter()
            .map(|query| query.weight(EnableScoring::disabled_from_searcher(searcher)))
            .collect::<Result<_, _>>()?;
        Ok(Phrases { weights })
    }

    /// Those of `batch` that contain every phrase; `None` when there is nothing to check.
    /// Candidates are visited in document order, one pass over each segment's positions
    /// per phrase, whatever their rank.
    fn matching(
        &self,
        searcher: &Searcher,
        batch: &[(f32, DocAddress)],
    ) -> Result<Option<HashSet<DocAddress>>, SearchError> {
        if self.weights.is_empty() {
            return Ok(None);
        }
        let mut by_segment: BTreeMap<u32, Vec<DocId>> = BTreeMap::new();
        for (_, address) in batch {
            by_segment
                .entry(address.segment_ord)
                .or_default()
                .push(address.doc_id);
        }
        let mut out: HashSet<DocAddress> = batch.iter().map(|(_, address)| *address).collect();
        for (segment, mut docs) in by_segment {
            docs.sort_unstable();
            let reader = searcher.segment_reader(segment);
            for weight in &self.weights {
                let mut scorer = weight.scorer(reader, 1.0)?;
                for &doc in &docs {
                    // A scorer only moves forward, and starts on its first match.
                    let found = scorer.doc() <= doc && scorer.seek(doc) == doc;
                    if !found {
                        out.remove(&DocAddress::new(segment, doc));
                    }
                }
            }
        }
        Ok(Some(out))
    }
}

/// Reads candidates' case references from the case fast field, opening each segment's
/// column once per search: far cheaper than decompressing stored documents, which only the
/// few returned hits need.
struct CaseColumns<'s> {
    searcher: &'s Searcher,
    columns: Vec<Option<Option<StrColumn>>>,
}

impl<'s> CaseColumns<'s> {
    fn new(searcher: &'s Searcher) -> Self {
        CaseColumns {
            searcher,
            columns: vec![None; searcher.segment_readers().len()],
        }
    }

    /// The case of the document at `address`; `None` if it has none, which no document
    /// written by this crate lacks; skipping it is the safe side (never shown).
    fn case_of(&mut self, address: DocAddress) -> Result<Option<String>, SearchError> {
        let segment = address.segment_ord as usize;
        let Some(slot) = self.columns.get_mut(segment) else {
            return Ok(None);
        };
        if slot.is_none() {
            let column = self
                .searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .str(CASE_FIELD)?;
            *slot = Some(column);
        }
        let Some(Some(column)) = slot else {
            return Ok(None);
        };
        let Some(ord) = column.term_ords(address.doc_id).next() else {
            return Ok(None);
        };
        let mut case = String::new();
        let found = column
            .ord_to_str(ord, &mut case)
            .map_err(tantivy::TantivyError::from)?;
        Ok(found.then_some(case))
    }
}

/// The kind code of the document at `address`; unknown codes sort last.
fn kind_of(
    searcher: &Searcher,
    kinds: &mut [Option<Column<u64>>],
    address: DocAddress,
) -> Result<u64, SearchError> {
    let Some(slot) = kinds.get_mut(address.segment_ord as usize) else {
        return Ok(u64::MAX);
    };
    if slot.is_none() {
        let column = searcher
            .segment_reader(address.segment_ord)
            .fast_fields()
            .u64(KIND_FIELD)?;
        *slot = Some(column);
    }
    Ok(slot
        .as_ref()
        .and_then(|column| column.first(address.doc_id))
        .unwrap_or(u64::MAX))
}

fn hit(
    doc: &TantivyDocument,
    fields: Fields,
    dir: &Path,
    case: String,
    score: f32,
    fragment: &str,
) -> Result<Hit, SearchError> {
    let corrupt = |what: &str| SearchError::Corrupt {
        dir: dir.to_path_buf(),
        reason: format!("a document of case {case} has no {what}"),
    };
    let key = text_field(doc, fields.key).ok_or_else(|| corrupt("key"))?;
    let kind = doc
        .get_first(fields.kind)
        .and_then(|value| value.as_u64())
        .and_then(Kind::from_code)
        .ok_or_else(|| corrupt("known kind"))?;
    let text = text_field(doc, fields.text).unwrap_or_default();
    let snippet = if fragment.trim().is_empty() {
        excerpt(text, SNIPPET_CHARS)
    } else {
        excerpt(fragment, SNIPPET_CHARS)
    };
    Ok(Hit {
        key: key.to_owned(),
        case,
        kind,
        score,
        snippet,
    })
}

fn text_field(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<&str> {
    doc.get_first(field).and_then(|value| value.as_str())
}

/// `text` with runs of whitespace collapsed to one space, cut at a word boundary to at most
/// `max` characters (a single overlong word is cut mid-word).
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let needed = word.chars().count() + usize::from(!out.is_empty());
        if chars + needed > max {
            if out.is_empty() {
                out.extend(word.chars().take(max));
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
        chars += needed;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpts_collapse_whitespace_and_cut_at_words() {
        assert_eq!(excerpt("  a\n\tb   c ", 200), "a b c");
        assert_eq!(excerpt("alpha beta gamma", 10), "alpha beta");
        assert_eq!(excerpt("alpha beta gamma", 9), "alpha");
        assert_eq!(excerpt("ééééé", 3), "ééé");
        assert_eq!(excerpt("", 3), "");
    }
}
