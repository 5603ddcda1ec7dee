//! Passwords: Argon2id (the `argon2` crate's defaults: 19 MiB, two passes, one lane, which is
//! OWASP's recommended minimum) stored as PHC strings, so the parameters travel with each
//! hash and can be raised later without breaking old ones. A small policy refuses what an
//! attacker tries first.
//!
//! Hashing takes tens of milliseconds of CPU on purpose: async callers run these functions
//! on the blocking pool (see `accounts::blocking`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Length over cleverness: twelve characters of anything beat eight with a symbol.
pub const MIN_LEN: usize = 12;

/// The passwords that lead every published list of leaked passwords, in the lengths our
/// minimum lets through. Not a full dictionary check: enough to stop the obvious.
const COMMON: &[&str] = &[
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "123456789012",
    "1234567890123",
    "12345678901234",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "1q2w3e4r5t6y",
    "letmein12345",
    "iloveyou1234",
    "welcome12345",
    "welcome123456",
    "administrator",
    "changeme1234",
    "trustno1trustno1",
    "correcthorsebatterystaple",
    "football1234",
    "monkey123456",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "baseball1234",
    "abc123abc123",
    "abcdefghijkl",
    "zaq12wsxcde3",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error(
        "the password is too short: use at least {MIN_LEN} characters (a few ordinary words together are long and easy to remember)"
    )]
    TooShort,
    #[error("that password is among the first ones attackers try: choose one nobody would guess")]
    Common,
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// Refuses passwords shorter than [`MIN_LEN`] characters, one character repeated, or on the
/// built-in list of common passwords (compared without case).
pub fn check_strength(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort);
    }
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) || COMMON.contains(&lower.as_str()) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// Checks the password against the policy, then hashes it.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_strength(password)?;
    hash_secret(password)
}

/// Hashes a secret that is not a chosen password (a generated passphrase), without the
/// policy. Argon2id with a fresh random salt, as a PHC string.
pub fn hash_secret(secret: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` is the one `phc` was made from. The comparison inside is constant
/// time; a stored hash that cannot be parsed matches nothing.
pub fn verify_password(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// Spends the time of one verification without anything to verify, so that a sign-in with
/// an unknown username takes as long as one with a wrong password and the difference does
/// not tell an attacker which usernames exist.
pub fn waste_a_verification(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(hash) = DUMMY.get_or_init(|| hash_secret("docket: no such account").ok()) {
        let _ = verify_password(password, hash);
    }
}

/// A temporary password for a new account or a reset: 80 random bits as four groups of four
/// letters and digits, e.g. `k3xq-7mnp-a2rt-zw9c`.
pub fn random_password() -> String {
    let bytes: [u8; 10] = rand::random();
    let s = super::token::base32(&bytes);
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_own_password() {
        let hash = hash_password("a long enough passphrase").expect("hashes");
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(verify_password("a long enough passphrase", &hash));
        assert!(!verify_password("a long enough passphrasE", &hash));
        assert!(!verify_password(
            "a long enough passphrase",
            "not a phc string"
        ));
        let again = hash_password("a long enough passphrase").expect("hashes");
        assert_ne!(hash, again, "each hash has its own salt");
        waste_a_verification("anything");
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert_eq!(check_strength("short"), Err(PasswordError::TooShort));
        assert_eq!(check_strength("ëëëëëëëëëëë"), Err(PasswordError::TooShort));
        assert_eq!(check_strength("Password1234"), Err(PasswordError::Common));
        assert_eq!(
            check_strength("aaaaaaaaaaaaaaaa"),
            Err(PasswordError::Common)
        );
        assert!(check_strength("tulip-harbor-quill").is_ok());
        assert!(PasswordError::TooShort.to_string().contains("at least 12"));
    }

    #[test]
    fn temporary_passwords_pass_the_policy() {
        let p = random_password();
        assert_eq!(p.len(), 19, "{p}");
        assert!(check_strength(&p).is_ok());
        assert_ne!(p, random_password());
    }
}
