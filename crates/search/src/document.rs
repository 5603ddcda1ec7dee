//! What goes into the index ([`Doc`]) and what comes out of it ([`Hit`]).

use std::fmt;

/// Which part of a case a document holds.
///
/// The order of the variants is the order in which [`crate::SearchIndex::by_person`] prefers
/// a document to stand for its case: the title says most about a case in the fewest words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// The case's title (its one-line summary).
    Title,
    /// The complaint narrative as the complainant gave it.
    Narrative,
    /// One charge's particulars.
    Charge,
    /// A note added by a case officer.
    Note,
    /// The text of one piece of text-like evidence.
    Evidence,
}

impl Kind {
    /// Every kind, in preference order.
    pub const ALL: [Kind; 5] = [
        Kind::Title,
        Kind::Narrative,
        Kind::Charge,
        Kind::Note,
        Kind::Evidence,
    ];

    /// A stable lowercase name, as used in document keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Title => "title",
            Kind::Narrative => "narrative",
            Kind::Charge => "charge",
            Kind::Note => "note",
            Kind::Evidence => "evidence",
        }
    }

    /// The number stored in the index. These numbers are part of the on-disk format: never
    /// renumber a variant (add new ones at the end and bump the schema version instead).
    pub(crate) fn code(self) -> u64 {
        match self {
            Kind::Title => 0,
            Kind::Narrative => 1,
            Kind::Charge => 2,
            Kind::Note => 3,
            Kind::Evidence => 4,
        }
    }

    /// The kind stored as `code`, if it is one this build knows.
    pub(crate) fn from_code(code: u64) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One document to index: a piece of text belonging to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// Unique per document, e.g. `DK-7KQ2-M9XA/charge/2`. Indexing a document whose key is
    /// already indexed replaces the old one.
    pub key: String,
    /// The case reference, e.g. `DK-7KQ2-M9XA`: what the authorisation predicate is asked
    /// about and what results are grouped by.
    pub case: String,
    /// Which part of the case this is.
    pub kind: Kind,
    /// The text to search.
    pub text: String,
    /// Identifiers of the people the document is about (the respondent's and the
    /// complainant's membership numbers, e.g. `M-100234`), matched exactly by
    /// [`crate::SearchIndex::by_person`].
    pub people: Vec<String>,
    /// Terms a search may be narrowed to with [`Within::Tagged`], opaque to this crate. The
    /// server writes who holds which function in the case (`investigators:P-1`), so that a
    /// search by someone who may read only the cases they work on looks only at those.
    pub access: Vec<String>,
}

/// Which documents a search considers before asking the caller's predicate about their
/// cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within<'a> {
    /// Every document.
    Everything,
    /// Only documents with at least one of these [`Doc::access`] terms (none: nothing).
    Tagged(&'a [String]),
}

/// One case in a result list, represented by its best-matching document.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The case reference.
    pub case: String,
    /// The key of the document that matched best.
    pub key: String,
    /// Which part of the case matched.
    pub kind: Kind,
    /// The relevance score (BM25) of that document; 0 for [`crate::SearchIndex::by_person`],
    /// which does not rank.
    pub score: f32,
    /// A plain-text excerpt of the document around the match (its start when there is no
    /// textual match), whitespace collapsed, at most about 200 characters. No highlighting
    /// markup: the page escapes and styles it as it likes.
    pub snippet: String,
}
