//! Files holding secret keys (the log's signing key, the evidence key): created readable by
//! their owner alone, and refused when anyone else could read them.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    // The cause is the error's source, which callers print after this sentence.
    #[error("cannot read or write the {what} {path}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the {what} {path} can be read by other users (mode {mode:o}); run `chmod 600 {path}` and start again"
    )]
    TooOpen {
        what: &'static str,
        path: PathBuf,
        mode: u32,
    },
    #[error("{path} is not a {what}: {message}")]
    Invalid {
        what: &'static str,
        path: PathBuf,
        message: String,
    },
}

impl KeyError {
    pub fn invalid(what: &'static str, path: &Path, message: impl Into<String>) -> KeyError {
        KeyError::Invalid {
            what,
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// The key file's text, trimmed, refusing a file other users can read.
pub fn read(path: &Path, what: &'static str) -> Result<String, KeyError> {
    let io = |source| KeyError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    let mode = std::fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::TooOpen {
            what,
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(std::fs::read_to_string(path)
        .map_err(io)?
        .trim()
        .to_string())
}

/// Writes a new key file holding `text`. Never overwrites a file that appeared meanwhile,
/// and is mode 0600 from the start, so the secret is never readable by others even for an
/// instant.
pub fn create(path: &Path, what: &'static str, text: &str) -> Result<(), KeyError> {
    let io = |source| KeyError::Io {
        what,
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    writeln!(file, "{text}").map_err(io)?;
    file.sync_all().map_err(io)
}
