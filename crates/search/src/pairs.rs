//! Word pairs: every two adjacent analysed words of a text as one term.
//!
//! Why: a phrase query has to read the positions of every document holding all its words,
//! and cannot skip any of them while ranking, so a common phrase ("social media") over a
//! million narratives costs tens of milliseconds. A pair is an ordinary term, ranked like a
//! single word, which skips whole blocks of documents that cannot reach the top. A
//! two-word phrase is then exactly one pair; a longer phrase is ranked by its pairs and
//! only the candidates examined are checked for the exact phrase (see `candidates`).

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// The term for two adjacent analysed words. A space never occurs inside a token (the
/// tokenizer splits on it), so no pair can be mistaken for another.
pub(crate) fn pair_term(first: &str, second: &str) -> String {
    let mut term = String::with_capacity(first.len() + 1 + second.len());
    push_pair(&mut term, first, second);
    term
}

fn push_pair(out: &mut String, first: &str, second: &str) {
    out.push_str(first);
    out.push(' ');
    out.push_str(second);
}

/// A token filter turning a stream of words into the stream of their adjacent pairs. Words
/// separated by a dropped token (an overlong one) are not adjacent and make no pair, just
/// as a phrase query would not match across the gap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WordPairs;

impl TokenFilter for WordPairs {
    type Tokenizer<T: Tokenizer> = PairTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> PairTokenizer<T> {
        PairTokenizer { words: tokenizer }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct PairTokenizer<T> {
    words: T,
}

impl<T: Tokenizer> Tokenizer for PairTokenizer<T> {
    type TokenStream<'a> = PairStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        PairStream {
            words: self.words.token_stream(text),
            previous: String::new(),
            previous_at: None,
            token: Token::default(),
        }
    }
}

pub(crate) struct PairStream<S> {
    words: S,
    /// The previous word's text, and its position and start offset.
    previous: String,
    previous_at: Option<(usize, usize)>,
    token: Token,
}

impl<S: TokenStream> TokenStream for PairStream<S> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let pair_start = match self.previous_at {
                Some((position, offset)) if position + 1 == word.position => {
                    Some((position, offset))
                }
                _ => None,
            };
            if let Some((position, offset_from)) = pair_start {
                self.token.text.clear();
                push_pair(&mut self.token.text, &self.previous, &word.text);
                self.token.position = position;
                self.token.offset_from = offset_from;
                self.token.offset_to = word.offset_to;
                self.token.position_length = 2;
            }
            self.previous.clear();
            self.previous.push_str(&word.text);
            self.previous_at = Some((word.position, word.offset_from));
            if pair_start.is_some() {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use crate::schema::{LONGEST_TOKEN, pairs_analyzer};
    use tantivy::tokenizer::TokenStream;

    fn pairs(text: &str) -> Vec<String> {
        let mut analyzer = pairs_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn pairs_are_adjacent_analysed_words() {
        assert_eq!(
            pairs("Abusive messages, on Social-Media!"),
            ["abus messag", "messag on", "on social", "social media"]
        );
        let long = "x".repeat(LONGEST_TOKEN + 1);
        assert!(pairs(&format!("before {long} after")).is_empty());
        assert!(pairs("alone").is_empty());
        assert!(pairs("").is_empty());
    }
}
