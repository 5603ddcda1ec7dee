//! Turning what a user typed into a query.
//!
//! The query is built here rather than by tantivy's query parser: its grammar (fields,
//! `AND`/`OR`, `*`, ranges, regexes) would let a search box address fields other than the
//! text (`case:…`, `people:…`) and makes `*` mean "everything". A user's text is only ever
//! words and quoted phrases, so nothing they type can fail to parse.

use std::collections::HashSet;

use tantivy::Term;
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::pairs::pair_term;

/// Longest input considered, in bytes; the rest is ignored. Bounds the work a pasted
/// document can cause; no useful query is longer.
const LONGEST_INPUT: usize = 1024;
/// Most words-or-phrases combined in one query (all must match, so more is pointless).
const MOST_CLAUSES: usize = 16;
/// Most words in one phrase.
const LONGEST_PHRASE: usize = 16;

/// One requirement of a query: a word, or words in sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clause {
    /// An analysed term that must occur.
    Word(String),
    /// Analysed terms that must occur at these relative positions.
    Phrase(Vec<(usize, String)>),
}

/// Splits `text` into clauses: quoted runs are phrases (an unclosed quote runs to the end),
/// everything else single words, analysed as the indexed text was. Typographic quotes
/// count as quotes, since text pasted from a word processor has them.
pub(crate) fn clauses(text: &str, analyzer: &mut TextAnalyzer) -> Vec<Clause> {
    let text = truncate(text, LONGEST_INPUT);
    let normalised: String = text
        .chars()
        .map(|c| match c {
            '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
            other => other,
        })
        .collect();
    let mut out = Vec::new();
    let mut seen_words = HashSet::new();
    for (i, segment) in normalised.split('"').enumerate() {
        let tokens = tokens(segment, analyzer);
        let quoted = i % 2 == 1;
        if quoted && tokens.len() > 1 {
            let first = tokens.first().map_or(0, |(position, _)| *position);
            let phrase = tokens
                .into_iter()
                .take(LONGEST_PHRASE)
                .map(|(position, term)| (position - first, term))
                .collect();
            out.push(Clause::Phrase(phrase));
        } else {
            for (_, term) in tokens {
                if seen_words.insert(term.clone()) {
                    out.push(Clause::Word(term));
                }
            }
        }
    }
    out.truncate(MOST_CLAUSES);
    out
}

/// How a user's question is asked of the index.
pub(crate) struct Plan {
    /// Finds and ranks candidates: words on the text, phrases by their word pairs (see
    /// [`crate::pairs`]), or by position where a phrase has a gap.
    pub rank: Box<dyn Query>,
    /// Phrases of three or more words, which their pairs only approximate: each candidate
    /// must also match these, checked on the few candidates examined rather than on every
    /// document holding the pairs.
    pub verify: Vec<Box<dyn Query>>,
    /// The same question asked of the text alone, whose terms the snippets show.
    pub highlight: Box<dyn Query>,
}

/// The plan requiring every clause; `None` when there is nothing to look for (empty input,
/// or only punctuation), which callers answer with no hits.
pub(crate) fn plan(clauses: &[Clause], text: Field, pairs: Field) -> Option<Plan> {
    let mut rank: Vec<Box<dyn Query>> = Vec::new();
    let mut verify: Vec<Box<dyn Query>> = Vec::new();
    let mut highlight: Vec<Box<dyn Query>> = Vec::new();
    let mut seen_pairs = HashSet::new();
    for clause in clauses {
        match clause {
            Clause::Word(word) => {
                rank.push(term(text, word));
                highlight.push(term(text, word));
            }
            Clause::Phrase(terms) => {
                let adjacent = terms.iter().enumerate().all(|(i, (at, _))| i == *at);
                if adjacent {
                    for window in terms.windows(2) {
                        let pair = pair_term(&window[0].1, &window[1].1);
                        if seen_pairs.insert(pair.clone()) {
                            rank.push(term(pairs, &pair));
                        }
                    }
                    if terms.len() > 2 {
                        verify.push(phrase(text, terms));
                    }
                } else {
                    rank.push(phrase(text, terms));
                }
                highlight.push(phrase(text, terms));
            }
        }
    }
    Some(Plan {
        rank: all_of(rank)?,
        verify,
        highlight: all_of(highlight)?,
    })
}

fn term(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn phrase(field: Field, terms: &[(usize, String)]) -> Box<dyn Query> {
    Box::new(PhraseQuery::new_with_offset(
        terms
            .iter()
            .map(|(at, text)| (*at, Term::from_field_text(field, text)))
            .collect(),
    ))
}

fn all_of(mut queries: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    match queries.len() {
        0 => None,
        1 => queries.pop(),
        _ => Some(Box::new(BooleanQuery::new(
            queries.into_iter().map(|q| (Occur::Must, q)).collect(),
        ))),
    }
}

fn tokens(text: &str, analyzer: &mut TextAnalyzer) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::analyzer;

    fn parse(text: &str) -> Vec<Clause> {
        clauses(text, &mut analyzer())
    }

    fn plan_of(text: &str) -> Option<Plan> {
        let fields = crate::schema::Fields::schema().1;
        plan(&parse(text), fields.text, fields.pairs)
    }

    /// The terms a query reads, as `field:text`, sorted.
    fn terms_of(query: &dyn Query) -> Vec<String> {
        let (schema, _) = crate::schema::Fields::schema();
        let mut out = Vec::new();
        query.query_terms(&mut |term, _| {
            let name = schema.get_field_name(term.field());
            let value = term.value();
            let text = value.as_str().unwrap_or_default();
            out.push(format!("{name}:{text}"));
        });
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn phrases_read_word_pairs_and_longer_ones_are_verified_by_position() {
        let two = plan_of("\"social media\"").unwrap();
        assert_eq!(terms_of(two.rank.as_ref()), ["pairs:social media"]);
        assert!(two.verify.is_empty());
        assert_eq!(
            terms_of(two.highlight.as_ref()),
            ["text:media", "text:social"]
        );

        let three = plan_of("\"code of conduct\" branch").unwrap();
        assert_eq!(
            terms_of(three.rank.as_ref()),
            ["pairs:code of", "pairs:of conduct", "text:branch"]
        );
        assert_eq!(three.verify.len(), 1);
        assert_eq!(
            terms_of(three.verify[0].as_ref()),
            ["text:code", "text:conduct", "text:of"]
        );
    }

    fn word(w: &str) -> Clause {
        Clause::Word(w.to_owned())
    }

    #[test]
    fn words_are_analysed_and_deduplicated() {
        assert_eq!(
            parse("Harassed HARASSED meeting"),
            vec![word("harass"), word("meet")]
        );
    }

    #[test]
    fn quotes_make_phrases_and_an_unclosed_quote_runs_to_the_end() {
        let phrase = Clause::Phrase(vec![(0, "abus".to_owned()), (1, "messag".to_owned())]);
        assert_eq!(parse("\"abusive messages\""), vec![phrase.clone()]);
        assert_eq!(parse("\u{201C}abusive messages"), vec![phrase.clone()]);
        assert_eq!(
            parse("branch \"abusive messages\" vote"),
            vec![word("branch"), phrase, word("vote")]
        );
        assert_eq!(parse("\"unbalanced"), vec![word("unbalanc")]);
    }

    #[test]
    fn operators_and_punctuation_are_plain_text() {
        assert_eq!(parse("AND OR"), vec![word("and"), word("or")]);
        assert!(parse("*").is_empty());
        assert!(parse("").is_empty());
        assert!(parse("\"\"\"").is_empty());
        assert!(plan_of("* ? :").is_none());
    }

    #[test]
    fn long_input_is_bounded() {
        let long = "word ".repeat(10_000) + &"é".repeat(5_000);
        assert!(parse(&long).len() <= MOST_CLAUSES);
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        assert_eq!(parse(&many).len(), MOST_CLAUSES);
        let phrase = format!("\"{many}\"");
        match parse(&phrase).as_slice() {
            [Clause::Phrase(terms)] => assert_eq!(terms.len(), LONGEST_PHRASE),
            other => panic!("expected one phrase, got {other:?}"),
        }
        assert_eq!(truncate("aé", 2), "a");
    }
}
