//! Receipts for anonymous complainants: a code to quote and a passphrase to prove it is
//! theirs. No account, no email address: the receipt is the only way back to the complaint,
//! so it is shown once at intake and the passphrase is kept only as an Argon2id hash.

use docket_domain::account::ReceiptCode;
use rand::Rng;

/// Words in a passphrase: 287 words give about 8.2 bits each, so six give about 49
/// bits. With Argon2id and a lockout after five wrong tries, that is far out of reach.
pub const PASSPHRASE_WORDS: usize = 6;

/// Short, common, unambiguous words, easy to read aloud and to write down.
const WORDS: &[&str] = &[
    "acorn", "actor", "adult", "agent", "alarm", "album", "alley", "amber", "angle", "ankle",
    "apple", "apron", "arena", "arrow", "aspen", "atlas", "attic", "award", "bacon", "badge",
    "bagel", "baker", "banjo", "barge", "basil", "basin", "beach", "beard", "bench", "berry",
    "bison", "blade", "blank", "blaze", "bloom", "board", "bonus", "booth", "brass", "bread",
    "brick", "bride", "brook", "broom", "brush", "bugle", "cabin", "cable", "camel", "candy",
    "canoe", "cargo", "carol", "cedar", "chalk", "charm", "chess", "chick", "chord", "cider",
    "cliff", "clock", "cloud", "coast", "cobra", "comet", "coral", "couch", "crane", "crate",
    "creek", "crown", "cube", "daisy", "dance", "delta", "denim", "depot", "diary", "dingo",
    "disco", "dock", "dolphin", "donut", "dough", "dove", "drama", "dream", "drum", "dune",
    "eagle", "easel", "elbow", "elder", "ember", "engine", "fable", "fairy", "feast", "fence",
    "ferry", "fiber", "field", "flame", "flask", "fleet", "flute", "focus", "forge", "fossil",
    "frost", "fudge", "gable", "galaxy", "garden", "gecko", "ghost", "giant", "ginger", "glade",
    "globe", "glove", "goose", "grain", "grape", "gravy", "grove", "guava", "guitar", "hammer",
    "harbor", "hazel", "heart", "hedge", "heron", "hinge", "hippo", "honey", "horse", "hotel",
    "igloo", "index", "inlet", "iris", "island", "ivory", "jacket", "jelly", "jewel", "jigsaw",
    "judge", "juice", "kayak", "kettle", "kiosk", "kitten", "koala", "label", "ladder", "lagoon",
    "lamp", "lantern", "lemon", "lever", "lilac", "linen", "lion", "lobby", "locket", "lotus",
    "lunar", "magnet", "mango", "maple", "marble", "meadow", "melon", "meteor", "mint", "mirror",
    "mitten", "moose", "mosaic", "motor", "mural", "nectar", "needle", "noodle", "nutmeg", "oasis",
    "ocean", "olive", "onion", "opera", "orbit", "orchid", "otter", "oyster", "paddle", "panda",
    "paper", "parrot", "pastry", "peach", "pebble", "pepper", "piano", "pickle", "pillow", "pilot",
    "pinecone", "planet", "plum", "pocket", "polar", "pony", "poppy", "prism", "pulse", "puppet",
    "quartz", "quill", "quilt", "rabbit", "radar", "radish", "raft", "raven", "ribbon", "river",
    "robin", "rocket", "rose", "ruby", "saddle", "salmon", "sandal", "satin", "scarf", "shell",
    "shovel", "silver", "sketch", "sled", "slope", "snail", "sonnet", "spoon", "spruce", "squid",
    "stable", "stamp", "star", "stone", "storm", "sugar", "summit", "swan", "table", "tango",
    "teapot", "tiger", "timber", "toast", "topaz", "torch", "tower", "trail", "tulip", "tunnel",
    "turtle", "umbrella", "valley", "velvet", "violin", "volcano", "wagon", "walnut", "walrus",
    "willow", "window", "winter", "wizard", "yacht", "yarn", "zebra", "zipper",
];

pub fn new_receipt_code() -> ReceiptCode {
    ReceiptCode::from_random(rand::random())
}

/// Six words separated by dashes, e.g. `maple-otter-quill-harbor-prism-toast`.
pub fn new_passphrase() -> String {
    let mut rng = rand::rng();
    (0..PASSPHRASE_WORDS)
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect::<Vec<_>>()
        .join("-")
}

/// The passphrase as it is hashed and checked: lower case, words joined by single dashes,
/// so "Maple Otter  quill-harbor" and "maple-otter-quill-harbor" are the same.
pub fn normalise_passphrase(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '-' || c == ',' || c == '.')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_distinct_and_plain() {
        let mut sorted: Vec<&str> = WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), WORDS.len());
        assert!(
            WORDS
                .iter()
                .all(|w| w.bytes().all(|b| b.is_ascii_lowercase()))
        );
    }

    #[test]
    fn passphrases_have_six_words_and_normalise() {
        let p = new_passphrase();
        assert_eq!(p.split('-').count(), PASSPHRASE_WORDS);
        assert_eq!(normalise_passphrase(&p), p);
        assert_eq!(
            normalise_passphrase("  Maple Otter,  quill--HARBOR "),
            "maple-otter-quill-harbor"
        );
        assert_ne!(new_passphrase(), new_passphrase());
        assert!(new_receipt_code().as_str().starts_with("R-"));
    }
}
