//! API tokens, `docket_<id>_<secret>`: the id is public (it names the token in lists and in
//! the log), the secret is 32 random bytes shown once and kept only as its SHA-256. A
//! SHA-256 is enough here, unlike for passwords: 256 random bits cannot be guessed however
//! fast the hash, and a fast hash keeps every API request cheap.

const PREFIX: &str = "docket";
/// RFC 4648 base32, lower-cased: no `_` (the separator) and easy to select with a
/// double-click.
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
const ID_BYTES: usize = 10;
const SECRET_BYTES: usize = 32;

/// Base32 (RFC 4648 alphabet, lower case, no padding).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(BASE32[((buffer >> bits) & 31) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(BASE32[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_len(bytes: usize) -> usize {
    (bytes * 8).div_ceil(5)
}

/// Lower-case hex SHA-256.
pub use crate::hex::sha256 as sha256_hex;

/// Compares without stopping at the first difference, so the time taken says nothing about
/// how much of a secret was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A token just made: the plaintext to show once, and what is kept of it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewToken {
    pub token_id: String,
    pub secret_hash: String,
    /// `docket_<id>_<secret>`: shown to the person once, never stored.
    pub plaintext: String,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("token_id", &self.token_id)
            .finish_non_exhaustive()
    }
}

pub fn new_token() -> NewToken {
    let id: [u8; ID_BYTES] = rand::random();
    let secret: [u8; SECRET_BYTES] = rand::random();
    let (token_id, secret) = (base32(&id), base32(&secret));
    NewToken {
        secret_hash: sha256_hex(secret.as_bytes()),
        plaintext: format!("{PREFIX}_{token_id}_{secret}"),
        token_id,
    }
}

/// A new session: the random value for the cookie, and the hash the store keeps
/// (`SessionRecord::id_hash`), so a copy of the database cannot be used to take a session.
pub fn new_session_id() -> (String, String) {
    let value = base32(&rand::random::<[u8; 32]>());
    let hash = session_id_hash(&value);
    (value, hash)
}

/// The stored form of a session cookie's value.
pub fn session_id_hash(cookie_value: &str) -> String {
    sha256_hex(cookie_value.trim().as_bytes())
}

/// A random token for a form's hidden CSRF field.
pub fn new_csrf_token() -> String {
    base32(&rand::random::<[u8; 20]>())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "this is not a Docket API token: tokens look like docket_<id>_<secret>, as printed when the token was issued ({0})"
    )]
    Malformed(&'static str),
}

/// A token as presented: its public id, and its secret to check against the stored hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedToken {
    pub token_id: String,
    secret: String,
}

impl std::fmt::Debug for PresentedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PresentedToken")
            .field("token_id", &self.token_id)
            .finish_non_exhaustive()
    }
}

impl PresentedToken {
    /// Whether the secret is the one `secret_hash` was made from.
    pub fn matches(&self, secret_hash: &str) -> bool {
        constant_time_eq(
            sha256_hex(self.secret.as_bytes()).as_bytes(),
            secret_hash.as_bytes(),
        )
    }
}

/// Parses a token as sent (an `Authorization: Bearer` header, a CLI argument). Refuses
/// anything malformed before a database is asked, and says what was wrong without echoing
/// the token (it may be a real secret pasted in the wrong place).
pub fn parse_token(s: &str) -> Result<PresentedToken, TokenError> {
    let t = s.trim();
    let mut parts = t.split('_');
    let (Some(prefix), Some(id), Some(secret), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed(
            "it must have exactly three parts separated by '_'",
        ));
    };
    if prefix != PREFIX {
        return Err(TokenError::Malformed("it must start with 'docket_'"));
    }
    let is_base32 = |p: &str| p.bytes().all(|b| BASE32.contains(&b));
    if id.len() != base32_len(ID_BYTES) || !is_base32(id) {
        return Err(TokenError::Malformed("its id part is not the right shape"));
    }
    if secret.len() != base32_len(SECRET_BYTES) || !is_base32(secret) {
        return Err(TokenError::Malformed(
            "its secret part is not the right shape (was it cut short when copied?)",
        ));
    }
    Ok(PresentedToken {
        token_id: id.to_string(),
        secret: secret.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "my"),
            ("fo", "mzxq"),
            ("foo", "mzxw6"),
            ("foob", "mzxw6yq"),
            ("fooba", "mzxw6ytb"),
            ("foobar", "mzxw6ytboi"),
        ] {
            assert_eq!(base32(input.as_bytes()), want, "{input}");
        }
    }

    #[test]
    fn tokens_round_trip_and_only_their_secret_matches() {
        let t = new_token();
        assert!(t.plaintext.starts_with(&format!("docket_{}_", t.token_id)));
        let parsed = parse_token(&format!("  {}\n", t.plaintext)).expect("parses");
        assert_eq!(parsed.token_id, t.token_id);
        assert!(parsed.matches(&t.secret_hash));
        let other = new_token();
        assert!(!parsed.matches(&other.secret_hash));
        assert!(!format!("{t:?}{parsed:?}").contains(&t.plaintext[20..]));
    }

    #[test]
    fn malformed_tokens_are_refused_with_a_reason() {
        let made = new_token();
        let t = made.plaintext.clone();
        let cut = &t[..t.len() - 3];
        let shouting = t.replacen(&made.token_id, &made.token_id.to_uppercase(), 1);
        for (bad, why) in [
            ("", "three parts"),
            ("docket_abc", "three parts"),
            (&t.replacen("docket", "dockit", 1), "start with 'docket_'"),
            (cut, "cut short"),
            (&shouting, "id part"),
            (&format!("{t}_x"), "three parts"),
        ] {
            let err = parse_token(bad).expect_err("malformed").to_string();
            assert!(err.contains(why), "{bad}: {err}");
            assert!(
                !err.contains(&t[20..]),
                "the message does not echo the token"
            );
        }
    }

    #[test]
    fn session_ids_are_stored_only_as_hashes() {
        let (value, hash) = new_session_id();
        assert_eq!(value.len(), 52);
        assert_eq!(hash, session_id_hash(&value));
        assert_eq!(hash.len(), 64);
        assert_ne!(new_session_id().0, value);
        assert_ne!(new_csrf_token(), new_csrf_token());
    }

    #[test]
    fn constant_time_eq_compares_whole_slices() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
