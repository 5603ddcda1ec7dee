//! A deterministic synthetic corpus of case documents and queries against it.
//!
//! Deterministic so that two runs (two builds, two machines) index the same bytes and ask
//! the same questions: the figures are then comparable.

use crate::document::{Doc, Kind};

/// Documents per case, one of each [`Kind`].
pub(crate) const DOCS_PER_CASE: u64 = 5;
const SEED: u64 = 0x00D0_C4E7_5EA2_C400;
const PSEUDO_WORDS: usize = 3_000;

/// splitmix64: tiny, fast, and good enough to make text that is not all alike.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `0..n` (`n` > 0), by multiply-shift rather than modulo to avoid bias.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into `0..len` skewed towards 0 (cubed uniform), so a few pseudo-words are
    /// common and most are rare, as in real text.
    fn skewed(&mut self, len: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * len as f64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len() as u64) as usize]
    }
}

/// splitmix64's finaliser: a good 64-bit mixing function on its own.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const FUNCTION_WORDS: &[&str] = &[
    "the", "a", "and", "of", "to", "in", "was", "that", "he", "she", "they", "it", "on", "at",
    "with", "for", "by", "from", "after", "before", "during", "about", "were", "had", "has", "not",
    "this", "which", "their", "his", "her", "then", "also", "when", "who",
];

/// Words typical of complaints and disciplinary papers.
pub(crate) const CASE_WORDS: &[&str] = &[
    "complaint",
    "complainant",
    "respondent",
    "member",
    "members",
    "branch",
    "committee",
    "meeting",
    "meetings",
    "chair",
    "secretary",
    "treasurer",
    "officer",
    "harassment",
    "bullying",
    "abusive",
    "offensive",
    "threatening",
    "intimidating",
    "aggressive",
    "email",
    "emails",
    "messages",
    "message",
    "posted",
    "comments",
    "remarks",
    "shouted",
    "insulted",
    "refused",
    "failed",
    "disclose",
    "funds",
    "expenses",
    "receipts",
    "accounts",
    "ballot",
    "election",
    "nomination",
    "minutes",
    "agenda",
    "rulebook",
    "rule",
    "clause",
    "conduct",
    "behaviour",
    "breach",
    "confidential",
    "confidentiality",
    "witness",
    "witnesses",
    "statement",
    "evidence",
    "screenshot",
    "screenshots",
    "recording",
    "photograph",
    "hearing",
    "panel",
    "sanction",
    "suspension",
    "expulsion",
    "warning",
    "apology",
    "appeal",
    "investigation",
    "investigator",
    "allegation",
    "allegations",
    "incident",
    "incidents",
    "discrimination",
    "racist",
    "sexist",
    "homophobic",
    "disability",
    "pregnant",
    "workplace",
    "office",
    "conference",
    "social",
    "media",
    "facebook",
    "twitter",
    "whatsapp",
    "group",
    "phone",
    "text",
    "letter",
    "newsletter",
    "website",
    "payment",
    "invoice",
    "cheque",
    "cash",
    "bank",
    "transfer",
    "signature",
    "forged",
    "vote",
    "votes",
    "counted",
    "quorum",
    "motion",
    "resolution",
    "delegate",
    "steward",
    "organiser",
    "volunteer",
    "staff",
    "employer",
    "manager",
    "colleague",
    "friend",
    "partner",
    "upset",
    "distressed",
    "afraid",
    "humiliated",
    "repeatedly",
    "publicly",
    "privately",
    "deliberately",
    "allegedly",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "monday",
    "friday",
    "evening",
    "morning",
    "pub",
    "car",
    "park",
    "train",
];

/// Phrases typical of complaints, and what the benchmark's phrase queries ask for.
pub(crate) const PHRASES: &[&str] = &[
    "abusive messages",
    "social media",
    "branch meeting",
    "sexual harassment",
    "verbal abuse",
    "code of conduct",
    "conflict of interest",
    "misuse of funds",
    "breach of confidentiality",
    "inappropriate comments",
    "threatening behaviour",
    "failure to disclose",
    "membership fees",
    "annual general meeting",
    "whatsapp group",
    "expense claims",
    "branch secretary",
    "election ballot",
    "personal data",
    "hostile environment",
    "unwanted contact",
    "false statements",
    "raised his voice",
    "in front of other members",
];

/// The generator: fixed vocabularies plus the number of cases and members.
#[derive(Debug)]
pub(crate) struct Corpus {
    pseudo: Vec<String>,
    members: u64,
}

/// What the benchmark asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Question {
    /// Free text for [`crate::SearchIndex::search`].
    Text(String),
    /// A membership number for [`crate::SearchIndex::by_person`].
    Person(String),
}

impl Question {
    /// 0 for a single word, 1 for a phrase, 2 for a person: the report's breakdown.
    pub(crate) fn kind(&self) -> usize {
        match self {
            Question::Text(text) if text.starts_with('"') => 1,
            Question::Text(_) => 0,
            Question::Person(_) => 2,
        }
    }
}

impl Corpus {
    /// A corpus of `docs` documents: `docs / 5` cases (rounded up) whose people are drawn
    /// from half as many members, so many members are named in several cases.
    pub(crate) fn new(docs: u64) -> Corpus {
        let cases = docs.div_ceil(DOCS_PER_CASE).max(1);
        let mut rng = SplitMix64::new(SEED);
        let pseudo = (0..PSEUDO_WORDS).map(|_| pseudo_word(&mut rng)).collect();
        Corpus {
            pseudo,
            members: (cases / 2).max(10),
        }
    }

    /// Document number `n`: the `n % 5`-th part of case `n / 5`.
    pub(crate) fn doc(&self, n: u64) -> Doc {
        let case_number = n / DOCS_PER_CASE;
        let case = case_reference(case_number);
        let kind = Kind::ALL[(n % DOCS_PER_CASE) as usize];
        let mut rng = SplitMix64::new(SEED ^ mix(n));
        let words = match kind {
            Kind::Title => 6 + rng.below(9),
            _ => 30 + rng.below(171),
        };
        let text = self.text(&mut rng, words as usize);
        let mut people_rng = SplitMix64::new(!SEED ^ mix(case_number));
        let people = vec![
            member(people_rng.below(self.members)),
            member(people_rng.below(self.members)),
        ];
        let key = match kind {
            Kind::Title | Kind::Narrative => format!("{case}/{kind}"),
            _ => format!("{case}/{kind}/1"),
        };
        Doc {
            key,
            case,
            kind,
            text,
            people,
            access: Vec::new(),
        }
    }

    /// The benchmark's mix: half single words (common case words and pseudo-words of every
    /// frequency), 30% quoted two-or-more-word phrases, 20% people.
    pub(crate) fn question(&self, rng: &mut SplitMix64) -> Question {
        match rng.below(10) {
            0..=4 if rng.below(2) == 0 => Question::Text(rng.pick(CASE_WORDS).to_owned()),
            0..=4 => Question::Text(self.pseudo[rng.skewed(self.pseudo.len())].clone()),
            5..=7 => Question::Text(format!("\"{}\"", rng.pick(PHRASES))),
            _ => Question::Person(member(rng.below(self.members))),
        }
    }

    fn text(&self, rng: &mut SplitMix64, words: usize) -> String {
        let mut out = String::with_capacity(words * 8);
        let mut written = 0;
        let mut sentence = 0;
        while written < words {
            if !out.is_empty() {
                out.push(' ');
            }
            let roll = rng.below(100);
            if roll < 5 {
                let phrase = rng.pick(PHRASES);
                out.push_str(phrase);
                written += phrase.split(' ').count();
            } else {
                let word = match roll {
                    5..=39 => rng.pick(FUNCTION_WORDS),
                    40..=69 => rng.pick(CASE_WORDS),
                    _ => self.pseudo[rng.skewed(self.pseudo.len())].as_str(),
                };
                out.push_str(word);
                written += 1;
            }
            sentence += 1;
            if sentence > 8 && rng.below(6) == 0 {
                out.push('.');
                sentence = 0;
            }
        }
        out.push('.');
        out
    }
}

/// A case reference like Docket's: `DK-` and two groups of four Crockford base-32 digits.
/// Case numbers are scrambled by an odd multiplier (a bijection on 40 bits), so references
/// do not sort in creation order, as real ones don't.
pub(crate) fn case_reference(case_number: u64) -> String {
    const DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let scrambled = case_number.wrapping_mul(0x9E37_79B9_7F4B) & ((1 << 40) - 1);
    let digit = |i: u32| char::from(DIGITS[((scrambled >> (35 - 5 * i)) & 31) as usize]);
    let first: String = (0..4).map(digit).collect();
    let second: String = (4..8).map(digit).collect();
    format!("DK-{first}-{second}")
}

/// A membership number like `M-100234`.
pub(crate) fn member(n: u64) -> String {
    format!("M-{}", 100_000 + n)
}

fn pseudo_word(rng: &mut SplitMix64) -> String {
    const ONSETS: &[&str] = &[
        "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "pr",
        "qu", "r", "s", "sh", "st", "t", "tr", "v", "w", "z",
    ];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou"];
    const CODAS: &[&str] = &["", "", "n", "r", "s", "t", "l", "m", "nd", "st"];
    let syllables = 2 + rng.below(3);
    let mut word = String::new();
    for _ in 0..syllables {
        word.push_str(rng.pick(ONSETS));
        word.push_str(rng.pick(VOWELS));
        word.push_str(rng.pick(CODAS));
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_deterministic_and_shaped_like_cases() {
        let a = Corpus::new(1_000);
        let b = Corpus::new(1_000);
        assert_eq!(a.doc(7), b.doc(7));
        let title = a.doc(5);
        let narrative = a.doc(6);
        assert_eq!(title.case, narrative.case);
        assert_eq!(title.kind, Kind::Title);
        assert_eq!(narrative.key, format!("{}/narrative", narrative.case));
        assert_eq!(title.people, narrative.people);
        let words = narrative.text.split_whitespace().count();
        assert!((30..=220).contains(&words), "{words} words");
        assert_ne!(a.doc(0).case, a.doc(5).case);
    }

    #[test]
    fn case_references_are_distinct_and_well_formed() {
        let refs: std::collections::HashSet<String> = (0..10_000).map(case_reference).collect();
        assert_eq!(refs.len(), 10_000);
        let one = case_reference(42);
        assert_eq!(one.len(), 12);
        assert!(one.starts_with("DK-") && one.as_bytes()[7] == b'-');
    }
}
