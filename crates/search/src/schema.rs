//! The index's fields and the text analyser.
//!
//! Any change here changes the on-disk format: bump [`ANALYZER`]'s version when the
//! analyser's behaviour changes (the name is recorded in the schema, so an old index then
//! fails the schema comparison in `open` and is rebuilt, rather than silently mixing two
//! tokenisations).

use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

use crate::pairs::WordPairs;

/// The name the text analyser is registered under. Versioned: see the module comment.
pub(crate) const ANALYZER: &str = "docket_en_v1";
/// The name of the analyser of the pairs field: [`ANALYZER`] followed by [`WordPairs`].
pub(crate) const PAIRS_ANALYZER: &str = "docket_en_pairs_v1";

/// Tokens longer than this are dropped: they are pasted hashes, URLs and the like, which
/// nobody types into a search box, and they bloat the term dictionary.
pub(crate) const LONGEST_TOKEN: usize = 40;

/// Handles to the fields of the index's schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Unique document key: indexed untokenised so an upsert can delete the old version.
    pub key: Field,
    /// Case reference: indexed (delete by case), and a fast field so filtering reads the
    /// case of a candidate from a column instead of decompressing its stored document.
    pub case: Field,
    /// [`crate::Kind::code`], a fast field for choosing a case's representative document.
    pub kind: Field,
    /// The searchable text, stored for snippets (the index lives on the server's private
    /// disk, next to the database that holds the same text).
    pub text: Field,
    /// People the document is about, indexed untokenised for exact matches.
    pub people: Field,
    /// Terms a search can be narrowed to ([`crate::Within`]), indexed untokenised and not
    /// stored.
    pub access: Field,
    /// Every pair of adjacent analysed words of the text as one term (see [`crate::pairs`]),
    /// so that a two-word phrase is a single term lookup.
    pub pairs: Field,
}

pub(crate) const CASE_FIELD: &str = "case";
pub(crate) const KIND_FIELD: &str = "kind";

impl Fields {
    /// Builds the schema this build writes and expects to read.
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut builder = Schema::builder();
        let text_indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let text_options = TextOptions::default()
            .set_indexing_options(text_indexing)
            .set_stored();
        let fields = Fields {
            key: builder.add_text_field("key", STRING | STORED),
            case: builder.add_text_field(CASE_FIELD, STRING | FAST | STORED),
            kind: builder.add_u64_field(KIND_FIELD, FAST | STORED),
            text: builder.add_text_field("text", text_options),
            people: builder.add_text_field("people", STRING),
            access: builder.add_text_field("access", STRING),
            // Frequencies for ranking; no positions (a longer phrase is checked against the
            // text's positions) and not stored (it is the text again).
            pairs: builder.add_text_field(
                "pairs",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(PAIRS_ANALYZER)
                        .set_index_option(IndexRecordOption::WithFreqs),
                ),
            ),
        };
        (builder.build(), fields)
    }
}

/// Lowercases, folds accents (so "Zoe" finds "Zoë") and stems English (so "harassed" finds
/// "harassing"), the same at indexing and query time.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// [`analyzer`]'s words, paired (see [`crate::pairs`]).
pub(crate) fn pairs_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(LONGEST_TOKEN))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .filter(WordPairs)
        .build()
}
