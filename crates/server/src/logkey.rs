//! The transparency log's signing key. Checkpoints are C2SP signed notes made with it; the
//! matching verifier key (the signed-note "vkey") is what an organisation publishes so that
//! anyone can check them. The key lives in a file only its owner can read.

use docket_tlog::{Signer, Verifier};
use std::path::Path;

/// The key's file name inside a data folder.
pub const KEY_FILE: &str = "log-signing.key";

pub use crate::keyfile::KeyError;

const WHAT: &str = "log signing key";

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
    let text = crate::keyfile::read(path, WHAT)?;
    Signer::from_skey(&text).map_err(|e| KeyError::invalid(WHAT, path, e.to_string()))
}

/// Loads the key at `path`, or creates one named `origin` there (mode 0600) if there is none.
/// Returns the signer and whether it was created now.
pub fn load_or_create(path: &Path, origin: &str) -> Result<(Signer, bool), KeyError> {
    if path.exists() {
        return load(path).map(|s| (s, false));
    }
    let seed: [u8; 32] = rand::random();
    let signer = Signer::from_seed(origin, seed).map_err(|e| {
        KeyError::invalid(
            WHAT,
            path,
            format!("the origin '{origin}' cannot name a key: {e}"),
        )
    })?;
    crate::keyfile::create(path, WHAT, &signer.skey())?;
    Ok((signer, true))
}

/// The verifier key to publish for a signer.
pub fn verifier(signer: &Signer) -> Verifier {
    signer.verifier()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

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
