//! The keys evidence is sealed with, and the sealing. Each case has its own data key, drawn
//! at random when its first file arrives and kept in the store wrapped (sealed) by the
//! organisation key, which lives only in a file on the server (mode 0600). A file is sealed
//! in chunks of `CHUNK` bytes with XChaCha20-Poly1305 under its case's key: each chunk's
//! nonce is the file's random prefix, the chunk's number and whether it is the last, and
//! its associated data names the upload, so a chunk altered, dropped, reordered or moved
//! to another file fails to open. Rotating the organisation key rewraps the case keys and
//! leaves the files as they are (docs/OPERATIONS.md).

use crate::keyfile::KeyError;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use docket_domain::ids::CaseId;
use docket_domain::store::WrappedKey;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The evidence key's file name inside a data folder.
pub const KEY_FILE: &str = "evidence.key";
const WHAT: &str = "evidence key";
/// How the key file's one line starts, so a wrong file is told apart from a damaged one.
const KEY_PREFIX: &str = "docket-evidence-key-v1:";
/// Random bytes that start every chunk nonce of one file.
pub const NONCE_PREFIX: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error(
        "the evidence of case {case} was sealed under evidence key {stored}, but this server holds evidence key {held}; start it with the key the files were sealed under (see docs/OPERATIONS.md)"
    )]
    WrongKey {
        case: CaseId,
        stored: String,
        held: String,
    },
    #[error(
        "the stored data key of case {0} does not open with the evidence key: it has been altered"
    )]
    KeyAltered(CaseId),
    #[error(
        "chunk {0} of the stored file does not open: it has been altered, replaced or cut short"
    )]
    ChunkAltered(u32),
}

/// The organisation's evidence key: wraps every case's data key.
#[derive(Clone)]
pub struct OrgKey {
    key: [u8; 32],
    id: String,
}

impl std::fmt::Debug for OrgKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key itself: only its public name.
        f.debug_struct("OrgKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl OrgKey {
    pub fn generate() -> OrgKey {
        OrgKey::from_bytes(rand::random())
    }

    pub fn from_bytes(key: [u8; 32]) -> OrgKey {
        let digest = Sha256::new()
            .chain_update(b"docket evidence key id\0")
            .chain_update(key)
            .finalize();
        let id = format!("ek-{}", crate::hex::encode(&digest[..8]));
        OrgKey { key, id }
    }

    /// The key's public name: a digest, recorded beside every key it wraps.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Loads the key, refusing a file other users can read.
    pub fn load(path: &Path) -> Result<OrgKey, KeyError> {
        let text = crate::keyfile::read(path, WHAT)?;
        let hex = text.strip_prefix(KEY_PREFIX).ok_or_else(|| {
            KeyError::invalid(WHAT, path, format!("its line does not start {KEY_PREFIX}"))
        })?;
        let bytes = crate::hex::decode(hex)
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| KeyError::invalid(WHAT, path, "the key is not 64 hex digits"))?;
        Ok(OrgKey::from_bytes(bytes))
    }

    /// Writes the key to a new file (mode 0600); never over an existing one.
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        crate::keyfile::create(
            path,
            WHAT,
            &format!("{KEY_PREFIX}{}", crate::hex::encode(&self.key)),
        )
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&Key::from(self.key))
    }

    /// Wraps a case's data key under this key, bound to the case.
    pub fn wrap(&self, case: &CaseId, data: &DataKey) -> WrappedKey {
        let nonce: [u8; 24] = rand::random();
        let mut sealed = data.0.to_vec();
        // Only fails for a buffer that cannot grow, which a Vec always can.
        let _ = self.cipher().encrypt_in_place(
            &XNonce::from(nonce),
            case.as_str().as_bytes(),
            &mut sealed,
        );
        let mut wrapped = nonce.to_vec();
        wrapped.extend(sealed);
        WrappedKey {
            case: case.clone(),
            key_id: self.id.clone(),
            wrapped,
        }
    }

    /// The data key `w` wraps, if this is the key that wrapped it.
    pub fn unwrap(&self, w: &WrappedKey) -> Result<DataKey, VaultError> {
        if w.key_id != self.id {
            return Err(VaultError::WrongKey {
                case: w.case.clone(),
                stored: w.key_id.clone(),
                held: self.id.clone(),
            });
        }
        let altered = || VaultError::KeyAltered(w.case.clone());
        let (nonce, sealed) = w.wrapped.split_at_checked(24).ok_or_else(altered)?;
        let nonce = <[u8; 24]>::try_from(nonce).map_err(|_| altered())?;
        let mut plain = sealed.to_vec();
        self.cipher()
            .decrypt_in_place(&XNonce::from(nonce), w.case.as_str().as_bytes(), &mut plain)
            .map_err(|_| altered())?;
        <[u8; 32]>::try_from(plain.as_slice())
            .map(DataKey)
            .map_err(|_| altered())
    }
}

/// A case's data key, unwrapped: held only while files are sealed or opened.
#[derive(Clone)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    pub fn generate() -> DataKey {
        DataKey(rand::random())
    }

    /// Seals the chunk of one file in `buffer` (plaintext in, sealed out).
    pub fn seal(&self, at: &ChunkAt<'_>, buffer: &mut Vec<u8>) {
        let cipher = XChaCha20Poly1305::new(&Key::from(self.0));
        // Only fails for a buffer that cannot grow, which a Vec always can.
        let _ = cipher.encrypt_in_place(&at.nonce(), at.upload.as_bytes(), buffer);
    }

    /// Opens a sealed chunk in `buffer` (sealed in, plaintext out).
    pub fn open(&self, at: &ChunkAt<'_>, buffer: &mut Vec<u8>) -> Result<(), VaultError> {
        let cipher = XChaCha20Poly1305::new(&Key::from(self.0));
        cipher
            .decrypt_in_place(&at.nonce(), at.upload.as_bytes(), buffer)
            .map_err(|_| VaultError::ChunkAltered(at.n))
    }
}

/// Where a chunk sits: which upload, the file's nonce prefix, its number, and whether it is
/// the file's last (so a file cut short at a chunk boundary fails to open).
#[derive(Debug, Clone, Copy)]
pub struct ChunkAt<'a> {
    pub upload: &'a str,
    pub prefix: &'a [u8],
    pub n: u32,
    pub last: bool,
}

impl ChunkAt<'_> {
    fn nonce(&self) -> XNonce {
        let mut nonce = [0u8; 24];
        let len = self.prefix.len().min(NONCE_PREFIX);
        nonce[..len].copy_from_slice(&self.prefix[..len]);
        nonce[16..20].copy_from_slice(&self.n.to_be_bytes());
        nonce[20] = u8::from(self.last);
        XNonce::from(nonce)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn case() -> CaseId {
        CaseId::parse("DK-7KQ2-M9XA").expect("id")
    }

    #[test]
    fn a_wrapped_key_opens_only_with_its_key_and_case() {
        let (org, other) = (OrgKey::generate(), OrgKey::generate());
        let data = DataKey::generate();
        let w = org.wrap(&case(), &data);
        assert_eq!(org.unwrap(&w).expect("opens").0, data.0);
        assert!(matches!(other.unwrap(&w), Err(VaultError::WrongKey { .. })));
        let mut moved = w.clone();
        moved.case = CaseId::parse("DK-AAAA-BBBB").expect("id");
        assert!(matches!(org.unwrap(&moved), Err(VaultError::KeyAltered(_))));
        let mut flipped = w;
        flipped.wrapped[30] ^= 1;
        assert!(matches!(
            org.unwrap(&flipped),
            Err(VaultError::KeyAltered(_))
        ));
    }

    #[test]
    fn chunks_open_only_in_place() {
        let key = DataKey::generate();
        let prefix = [7u8; NONCE_PREFIX];
        let at = ChunkAt {
            upload: "ab12",
            prefix: &prefix,
            n: 3,
            last: false,
        };
        let mut buf = b"witness statement".to_vec();
        key.seal(&at, &mut buf);
        assert!(!buf.windows(7).any(|w| w == b"witness"));
        let sealed = buf.clone();
        key.open(&at, &mut buf).expect("opens");
        assert_eq!(buf, b"witness statement");
        for wrong in [
            ChunkAt { n: 4, ..at },
            ChunkAt { last: true, ..at },
            ChunkAt {
                upload: "ab13",
                ..at
            },
        ] {
            let mut b = sealed.clone();
            assert_eq!(
                key.open(&wrong, &mut b),
                Err(VaultError::ChunkAltered(wrong.n))
            );
        }
        let mut b = sealed;
        b[0] ^= 1;
        assert!(key.open(&at, &mut b).is_err());
    }

    #[test]
    fn the_key_file_is_private_and_reloads() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(KEY_FILE);
        let key = OrgKey::generate();
        key.save(&path).expect("saved");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(OrgKey::load(&path).expect("loads").id(), key.id());
        assert!(key.save(&path).is_err(), "never overwritten");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        assert!(matches!(OrgKey::load(&path), Err(KeyError::TooOpen { .. })));
        std::fs::remove_file(&path).expect("rm");
        crate::keyfile::create(&path, WHAT, "log key, not this").expect("write");
        assert!(matches!(OrgKey::load(&path), Err(KeyError::Invalid { .. })));
    }
}
