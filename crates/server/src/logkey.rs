//! The transparency log's signing key. Checkpoints are C2SP signed notes made with it; the
//! matching verifier key (the signed-note "vkey") is what an organisation publishes so that
//! anyone can check them. The key lives in a file only its owner can read.

use docket_tlog::{Signer, Verifier};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The key's file name inside a data folder.
pub const KEY_FILE: &str = "log-signing.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // The cause is the error's source, which callers print after this sentence.
    #[error("cannot read or write the log signing key {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the log signing key {path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` and start again"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{path} is not a log signing key: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The log's origin (its name in every checkpoint, and the key's name) unless configured:
/// "docket/" and the organisation's name as a slug, e.g. "docket/the-peoples-alliance".
pub fn default_origin(organisation: &str) -> String {
    let mut slug = String::new();
    for c in organisation.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() && c != '\'' {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    format!("docket/{}", if slug.is_empty() { "log" } else { slug })
}

/// Loads the key, refusing one that other users can read.
pub fn load(path: &Path) -> Result<Signer, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    let text = std::fs::read_to_string(path).map_err(io)?;
    Signer::from_skey(text.trim()).map_err(|e| KeyError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Loads the key at `path`, or creates one named `origin` there (mode 0600) if there is none.
/// Returns the signer and whether it was created now.
pub fn load_or_create(path: &Path, origin: &str) -> Result<(Signer, bool), KeyError> {
    if path.exists() {
        return load(path).map(|s| (s, false));
    }
    let seed: [u8; 32] = rand::random();
    let signer = Signer::from_seed(origin, seed).map_err(|e| KeyError::Invalid {
        path: path.to_path_buf(),
        message: format!("the origin '{origin}' cannot name a key: {e}"),
    })?;
    let io = |source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    };
    // create_new: never overwrite a key that appeared meanwhile; mode 0600 from the start,
    // so the secret is never readable by others even for an instant.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    writeln!(file, "{}", signer.skey()).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok((signer, true))
}

/// The verifier key to publish for a signer.
pub fn verifier(signer: &Signer) -> Verifier {
    signer.verifier()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_slugs_of_the_organisation() {
        assert_eq!(
            default_origin("The People's Alliance"),
            "docket/the-peoples-alliance"
        );
        assert_eq!(default_origin("  !!  "), "docket/log");
        assert_eq!(default_origin("Union of A & B"), "docket/union-of-a-b");
    }

    #[test]
    fn a_key_is_created_private_reloaded_and_refused_when_readable() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(KEY_FILE);
        let (created, fresh) = load_or_create(&path, "docket/test").expect("create");
        assert!(fresh);
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, fresh) = load_or_create(&path, "docket/other").expect("load");
        assert!(!fresh, "an existing key is kept");
        assert_eq!(again.vkey(), created.vkey());
        let parsed = Verifier::from_vkey(&created.vkey()).expect("vkey parses");
        assert_eq!(parsed.name(), "docket/test");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load(&path).expect_err("refused");
        assert!(err.to_string().contains("chmod 600"), "{err}");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        std::fs::write(&path, "not a key").expect("write");
        assert!(matches!(load(&path), Err(KeyError::Invalid { .. })));
    }
}
