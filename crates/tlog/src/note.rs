//! C2SP signed-note with Ed25519 keys, wire-compatible with Go's
//! `golang.org/x/mod/sumdb/note` (keys, key IDs and note format).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

use crate::hash::sha256;

/// Signature type byte for Ed25519 (signed-note §Signature types).
const ALG_ED25519: u8 = 0x01;
/// Every signature line starts with an em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// Cap on signature lines; the spec requires accepting at least 16 and this
/// matches Go's limit, bounding the work an untrusted note can cause.
pub const MAX_SIGNATURES: usize = 100;

/// Errors from key handling, signing and opening notes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// Key names must be non-empty, without Unicode whitespace or '+'.
    #[error("invalid key name")]
    InvalidKeyName,
    /// A vkey or skey string is not in the expected form.
    #[error("malformed key encoding")]
    MalformedKey,
    /// The key type byte is not Ed25519.
    #[error("unsupported key algorithm {0:#04x}")]
    UnsupportedAlgorithm(u8),
    /// The key ID in an encoded key does not match the key.
    #[error("key ID does not match the key")]
    KeyIdMismatch,
    /// Note text must end in a newline and contain no control characters but newline.
    #[error("invalid note text")]
    InvalidText,
    /// Signing requires at least one signer.
    #[error("no signers given")]
    NoSigners,
    /// The same key was given twice to sign or to verify with.
    #[error("key {name}+{key_id:08x} given more than once")]
    DuplicateKey {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// The note does not follow the signed-note grammar.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("too many signatures")]
    TooManySignatures,
    /// A signature by a known key failed to verify.
    #[error("invalid signature by known key {name}+{key_id:08x}")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// No signature from any known key was present.
    #[error("note has no signature from a known key")]
    NoVerifiedSignature,
}

/// Whether `name` is acceptable as a key name (signed-note §Format).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`, big-endian.
pub fn key_id(name: &str, public_key: &[u8; 32]) -> u32 {
    let h = sha256(&[name.as_bytes(), b"\n", &[ALG_ED25519], public_key]);
    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
}

/// Parses exactly 8 lowercase hex digits.
fn parse_key_id(s: &str) -> Option<u32> {
    if s.len() != 8 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// Decodes `base64(0x01 ‖ 32 bytes)`.
fn parse_key_material(s: &str) -> Result<[u8; 32], NoteError> {
    let raw = B64.decode(s).map_err(|_| NoteError::MalformedKey)?;
    let (&alg, key) = raw.split_first().ok_or(NoteError::MalformedKey)?;
    if alg != ALG_ED25519 {
        return Err(NoteError::UnsupportedAlgorithm(alg));
    }
    key.try_into().map_err(|_| NoteError::MalformedKey)
}

fn encode_key_material(key: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(ALG_ED25519);
    raw.extend_from_slice(key);
    B64.encode(raw)
}

/// An Ed25519 public key with its name, able to verify note signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vkey())
    }
}

impl Verifier {
    /// Builds a verifier from a name and raw Ed25519 public key.
    pub fn new(name: &str, public_key: [u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let key = VerifyingKey::from_bytes(&public_key).map_err(|_| NoteError::MalformedKey)?;
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, &public_key),
            key,
        })
    }

    /// Parses `<name>+<8 hex key id>+<base64(0x01 ‖ public key)>`.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey);
        };
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let id = parse_key_id(id).ok_or(NoteError::MalformedKey)?;
        let v = Self::new(name, parse_key_material(material)?)?;
        if v.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(v)
    }

    /// The encoded verifier key.
    pub fn vkey(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_key_material(self.key.as_bytes())
        )
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Raw public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Strict RFC 8032 verification (rejects non-canonical and small-order
    /// encodings), which every honest Ed25519 signer satisfies.
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = Signature::from_slice(sig) else {
            return false;
        };
        self.key.verify_strict(msg, &sig).is_ok()
    }
}

/// An Ed25519 signing key with its name. Construct from a caller-supplied
/// seed: this crate never generates randomness itself.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl fmt::Debug for Signer {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Builds a signer from a key name and 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let key = SigningKey::from_bytes(&seed);
        Ok(Self {
            name: name.to_owned(),
            key_id: key_id(name, key.verifying_key().as_bytes()),
            key,
        })
    }

    /// Parses Go's `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn from_skey(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey)?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey);
        };
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let id = parse_key_id(id).ok_or(NoteError::MalformedKey)?;
        let s = Self::from_seed(name, parse_key_material(material)?)?;
        if s.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(s)
    }

    /// The encoded signer key (secret!).
    pub fn skey(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            encode_key_material(self.key.as_bytes())
        )
    }

    /// The matching encoded verifier key.
    pub fn vkey(&self) -> String {
        self.verifier().vkey()
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    fn signature_line(&self, text: &str) -> String {
        let sig = self.key.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(68);
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&sig.to_bytes());
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

/// Valid note text: ends in newline; no ASCII control characters but newline.
/// (UTF-8 validity is guaranteed by `&str`.)
fn is_valid_text(text: &str) -> bool {
    text.ends_with('\n') && !text.chars().any(|c| c < ' ' && c != '\n')
}

/// Signs `text` with every signer, producing the full signed note.
pub fn sign_note(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    if !is_valid_text(text) {
        return Err(NoteError::InvalidText);
    }
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 110);
    out.push_str(text);
    out.push('\n');
    for (i, s) in signers.iter().enumerate() {
        if signers[..i]
            .iter()
            .any(|o| o.name == s.name && o.key_id == s.key_id)
        {
            return Err(NoteError::DuplicateKey {
                name: s.name.clone(),
                key_id: s.key_id,
            });
        }
        out.push_str(&s.signature_line(text));
    }
    Ok(out)
}

/// A note whose signatures have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedNote {
    /// The signed text, including its final newline.
    pub text: String,
    /// `(name, key_id)` of each known key whose signature verified, in note order.
    pub verified_signatures: Vec<(String, u32)>,
    /// Distinct signature lines from keys not in the verifier list.
    pub unverified_count: usize,
}

/// Parses a signed note and verifies it against `verifiers`.
///
/// Succeeds only if at least one known key signed it and *every* signature
/// line whose (name, key ID) matches a known key verifies (the spec's SHOULD,
/// made mandatory here). Signatures by unknown keys are counted, not checked.
pub fn open_note(note: impl AsRef<[u8]>, verifiers: &[Verifier]) -> Result<OpenedNote, NoteError> {
    let bytes = note.as_ref();
    let msg = std::str::from_utf8(bytes).map_err(|_| NoteError::Malformed("not UTF-8"))?;
    if msg.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::Malformed("control character"));
    }
    for (i, v) in verifiers.iter().enumerate() {
        if verifiers[..i]
            .iter()
            .any(|o| o.name == v.name && o.key_id == v.key_id)
        {
            return Err(NoteError::DuplicateKey {
                name: v.name.clone(),
                key_id: v.key_id,
            });
        }
    }
    // The text ends at the last blank line; signature lines are never blank.
    let split = msg
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no signature block"))?;
    let (text, sigs) = (&msg[..=split], &msg[split + 2..]);
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(NoteError::Malformed("signature block must end in newline"));
    }
    let lines: Vec<&str> = sigs[..sigs.len() - 1].split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }

    let mut verified: Vec<(String, u32)> = Vec::new();
    let mut unverified: Vec<&str> = Vec::new();
    for line in lines {
        let body = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "signature line must start with em dash",
        ))?;
        let (name, b64) = body.split_once(' ').ok_or(NoteError::Malformed(
            "signature line needs name and signature",
        ))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::Malformed("invalid key name in signature"));
        }
        let raw = B64
            .decode(b64)
            .map_err(|_| NoteError::Malformed("signature is not base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("signature too short"));
        }
        let id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        match verifiers.iter().find(|v| v.name == name && v.key_id == id) {
            None => {
                if !unverified.contains(&line) {
                    unverified.push(line);
                }
            }
            Some(v) => {
                if !v.verify(text.as_bytes(), &raw[4..]) {
                    return Err(NoteError::InvalidSignature {
                        name: name.to_owned(),
                        key_id: id,
                    });
                }
                if !verified.iter().any(|(n, k)| n == name && *k == id) {
                    verified.push((name.to_owned(), id));
                }
            }
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoVerifiedSignature);
    }
    Ok(OpenedNote {
        text: text.to_owned(),
        verified_signatures: verified,
        unverified_count: unverified.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Example keys and note from Go's golang.org/x/mod/sumdb/note documentation.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    const PETER_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn key_names() {
        assert!(is_valid_key_name("example.com/log"));
        for bad in ["", "a b", "a+b", "a\tb", "a\u{a0}b", "a\u{2028}b", "a\nb"] {
            assert!(!is_valid_key_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn go_keys_round_trip() {
        let s = Signer::from_skey(PETER_SKEY).expect("skey");
        assert_eq!(s.skey(), PETER_SKEY);
        assert_eq!(s.vkey(), PETER_VKEY);
        assert_eq!(s.key_id(), 0xc74f20a3);
        let v = Verifier::from_vkey(PETER_VKEY).expect("vkey");
        assert_eq!(v, s.verifier());
    }

    #[test]
    fn go_signature_is_reproduced_exactly() {
        let s = Signer::from_skey(PETER_SKEY).expect("skey");
        let note = sign_note(TEXT, &[&s]).expect("sign");
        assert_eq!(note, format!("{TEXT}\n{PETER_SIG}"));
    }

    #[test]
    fn mangled_keys_rejected() {
        for bad in [
            "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=",
            "PeterNeumann+c74f20a3",
            "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
            "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        ] {
            assert!(Verifier::from_vkey(bad).is_err(), "{bad}");
        }
        assert!(Signer::from_skey(PETER_VKEY).is_err());
        assert!(Signer::from_skey(&PETER_SKEY.replace("c74f20a3", "c74f20a4")).is_err());
    }

    #[test]
    fn sign_rejects_bad_input() {
        let s = Signer::from_skey(PETER_SKEY).expect("skey");
        assert_eq!(sign_note("no newline", &[&s]), Err(NoteError::InvalidText));
        assert_eq!(sign_note("tab\there\n", &[&s]), Err(NoteError::InvalidText));
        assert_eq!(sign_note(TEXT, &[]), Err(NoteError::NoSigners));
        assert!(matches!(
            sign_note(TEXT, &[&s, &s]),
            Err(NoteError::DuplicateKey { .. })
        ));
        assert_eq!(
            Signer::from_seed("a b", [0; 32]).err(),
            Some(NoteError::InvalidKeyName)
        );
    }

    #[test]
    fn open_rules_match_go_tests() {
        let v = Verifier::from_vkey(PETER_VKEY).expect("vkey");
        let good = format!("{TEXT}\n{PETER_SIG}");
        let opened = open_note(&good, std::slice::from_ref(&v)).expect("open");
        assert_eq!(opened.text, TEXT);
        assert_eq!(
            opened.verified_signatures,
            vec![("PeterNeumann".to_owned(), 0xc74f20a3)]
        );

        let bad = [
            TEXT.to_owned(),
            format!("{TEXT}\n"),
            format!("{TEXT}\n{}", &PETER_SIG[..PETER_SIG.len() - 1]),
            format!("\x01{TEXT}\n{PETER_SIG}"),
            format!(
                "{TEXT}\n\u{2014} Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
            ),
            format!("{TEXT}\n{PETER_SIG}Unexpected line.\n"),
            format!("{TEXT}\n{}", PETER_SIG.repeat(MAX_SIGNATURES + 1)),
            format!("{TEXT}\n{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]),
        ];
        for msg in &bad {
            assert!(open_note(msg, std::slice::from_ref(&v)).is_err(), "{msg:?}");
        }
        let mut non_utf8 = good.clone().into_bytes();
        non_utf8.insert(0, 0xff);
        assert_eq!(
            open_note(&non_utf8, std::slice::from_ref(&v)),
            Err(NoteError::Malformed("not UTF-8"))
        );
        // Repeated valid signature is fine and counted once; unknown keys only count.
        let dup = format!("{TEXT}\n{PETER_SIG}{PETER_SIG}");
        let o = open_note(&dup, std::slice::from_ref(&v)).expect("dup");
        assert_eq!(o.verified_signatures.len(), 1);
        assert_eq!(open_note(&good, &[]), Err(NoteError::NoVerifiedSignature));
        assert!(matches!(
            open_note(&good, &[v.clone(), v]),
            Err(NoteError::DuplicateKey { .. })
        ));
    }
}
