//! C2SP tlog-checkpoint: the signed tree head as a note body.
//!
//! Parsing is strict (one canonical encoding per checkpoint) so two parties
//! can never disagree about what a signed checkpoint says.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::hash::{HASH_SIZE, Hash};
use crate::note::{NoteError, OpenedNote, Signer, Verifier, open_note, sign_note};

/// Why a checkpoint body was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The body must end with a newline.
    #[error("checkpoint must end with a newline")]
    MissingTrailingNewline,
    /// Fewer than the three mandatory lines.
    #[error("checkpoint needs origin, size and root hash lines")]
    TooFewLines,
    /// Empty origin line.
    #[error("empty origin")]
    EmptyOrigin,
    /// A field contains a newline or another control character.
    #[error("control character in checkpoint")]
    ControlCharacter,
    /// Size is not canonical ASCII decimal fitting in u64.
    #[error("invalid tree size")]
    InvalidSize,
    /// Root hash is not canonical base64 of 32 bytes.
    #[error("invalid root hash")]
    InvalidRootHash,
    /// Extension lines must be non-empty.
    #[error("empty extension line")]
    EmptyExtension,
    /// The enclosing signed note was rejected.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// A log's signed tree head: origin, size and RFC 6962 root hash, plus
/// optional opaque extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Unique log identity, e.g. `example.com/log42`.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// Merkle Tree Hash of those leaves.
    pub root_hash: Hash,
    /// Opaque, non-empty extension lines (NOT RECOMMENDED by the spec).
    pub extensions: Vec<String>,
}

fn has_control(s: &str) -> bool {
    s.chars().any(|c| c < ' ')
}

impl Checkpoint {
    /// The note text `origin\nsize\nbase64(root)\n[extension\n]*`.
    /// Fails if a field could not be parsed back (empty origin, embedded
    /// newline or control character, empty extension).
    pub fn to_note_body(&self) -> Result<String, CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if has_control(&self.origin) || self.extensions.iter().any(|e| has_control(e)) {
            return Err(CheckpointError::ControlCharacter);
        }
        if self.extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::EmptyExtension);
        }
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root_hash)
        );
        for e in &self.extensions {
            out.push_str(e);
            out.push('\n');
        }
        Ok(out)
    }

    /// Strictly parses a checkpoint note body (the text of an opened note).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingTrailingNewline)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::TooFewLines);
        };
        if body.chars().any(|c| c < ' ' && c != '\n') {
            return Err(CheckpointError::ControlCharacter);
        }
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(size).ok_or(CheckpointError::InvalidSize)?;
        let root_hash = parse_hash(root).ok_or(CheckpointError::InvalidRootHash)?;
        let mut extensions = Vec::new();
        for e in lines {
            if e.is_empty() {
                return Err(CheckpointError::EmptyExtension);
            }
            extensions.push(e.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root_hash,
            extensions,
        })
    }

    /// Signs the checkpoint as a note with every signer.
    pub fn sign(&self, signers: &[&Signer]) -> Result<String, CheckpointError> {
        Ok(sign_note(&self.to_note_body()?, signers)?)
    }
}

/// Opens a signed checkpoint: verifies the note against `verifiers`, then
/// parses its text. Callers should additionally check `origin` and that the
/// log's own key is among the verified signatures.
pub fn open_checkpoint(
    note: impl AsRef<[u8]>,
    verifiers: &[Verifier],
) -> Result<(Checkpoint, OpenedNote), CheckpointError> {
    let opened = open_note(note, verifiers)?;
    let cp = Checkpoint::parse(&opened.text)?;
    Ok((cp, opened))
}

/// ASCII decimal, no sign, no leading zeros (except "0"), fits in u64.
fn parse_size(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Canonical padded standard base64 of exactly 32 bytes.
pub fn parse_hash(s: &str) -> Option<Hash> {
    // 32 bytes always encode to 44 characters; checking first bounds the work.
    if s.len() != 44 {
        return None;
    }
    let raw = B64.decode(s).ok()?;
    let h: [u8; HASH_SIZE] = raw.try_into().ok()?;
    // The decoder rejects non-zero trailing bits, so re-encoding is identical.
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

    #[test]
    fn spec_example_round_trips() {
        let cp = Checkpoint::parse(EXAMPLE).expect("parse");
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20_852_163);
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.to_note_body().expect("body"), EXAMPLE);
        let ext = format!("{EXAMPLE}ext one\n");
        let cp2 = Checkpoint::parse(&ext).expect("ext");
        assert_eq!(cp2.extensions, vec!["ext one".to_owned()]);
        assert_eq!(cp2.to_note_body().expect("body"), ext);
    }

    #[test]
    fn strict_rejections() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        let cases = [
            (
                format!("o\n1\n{root}"),
                CheckpointError::MissingTrailingNewline,
            ),
            ("o\n1\n".to_owned(), CheckpointError::TooFewLines),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (format!("o\n01\n{root}\n"), CheckpointError::InvalidSize),
            (format!("o\n+1\n{root}\n"), CheckpointError::InvalidSize),
            (format!("o\n\n{root}\n"), CheckpointError::InvalidSize),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                CheckpointError::InvalidSize,
            ),
            (format!("o\n 1\n{root}\n"), CheckpointError::InvalidSize),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".to_owned(),
                CheckpointError::InvalidRootHash,
            ),
            (
                "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".to_owned(),
                CheckpointError::InvalidRootHash,
            ),
            ("o\n1\nAAAA\n".to_owned(), CheckpointError::InvalidRootHash),
            (format!("o\n1\n{root}\n\n"), CheckpointError::EmptyExtension),
            (
                format!("o\n1\n{root}\na\n\nb\n"),
                CheckpointError::EmptyExtension,
            ),
            (
                format!("o\r\n1\n{root}\n"),
                CheckpointError::ControlCharacter,
            ),
            (
                format!("o\n1\n{root}\nx\ty\n"),
                CheckpointError::ControlCharacter,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
        }
        assert_eq!(
            Checkpoint::parse(&format!("o\n0\n{root}\n")).map(|c| c.size),
            Ok(0)
        );
    }

    #[test]
    fn unserialisable_checkpoints_are_refused() {
        let mut cp = Checkpoint::parse(EXAMPLE).expect("parse");
        cp.origin = "a\nb".into();
        assert_eq!(cp.to_note_body(), Err(CheckpointError::ControlCharacter));
        cp.origin = String::new();
        assert_eq!(cp.to_note_body(), Err(CheckpointError::EmptyOrigin));
        cp.origin = "o".into();
        cp.extensions = vec![String::new()];
        assert_eq!(cp.to_note_body(), Err(CheckpointError::EmptyExtension));
    }
}
