//! The second factor: TOTP (RFC 6238) as every authenticator app understands it, SHA-1,
//! six digits, 30-second steps, one step of clock skew either way; and recovery codes for
//! when the phone is lost.

use super::token::{base32, sha256_hex};
use jiff::Timestamp;
use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// 160-bit secrets, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecondFactorError {
    #[error("the second-factor secret is not valid base32")]
    BadSecret,
    #[error("the authenticator link cannot be made: {0}")]
    Url(String),
    #[error("the QR code cannot be drawn: {0}")]
    Qr(String),
}

/// A new random secret, in the upper-case base32 that authenticator apps accept when typed.
pub fn new_secret() -> String {
    secret_from_bytes(&rand::random::<[u8; SECRET_BYTES]>())
}

/// The base32 form of secret bytes chosen elsewhere (the demo derives them from its seed).
pub fn secret_from_bytes(bytes: &[u8; SECRET_BYTES]) -> String {
    base32(bytes).to_ascii_uppercase()
}

/// `:` separates issuer and account in an otpauth label, so it may appear in neither.
fn label_part(s: &str) -> String {
    s.replace(':', " ")
}

fn totp(secret: &str, issuer: Option<&str>, account: &str) -> Result<Totp, SecondFactorError> {
    let secret = Secret::try_from_base32(secret.trim().to_ascii_uppercase())
        .map_err(|_| SecondFactorError::BadSecret)?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_account_name(label_part(account))
        .with_issuer(issuer.map(label_part))
        .build()
        .map_err(|e| match e {
            totp_rs::TotpError::SecretNotSet
            | totp_rs::TotpError::SecretTooShort { .. }
            | totp_rs::TotpError::InvalidSecret => SecondFactorError::BadSecret,
            other => SecondFactorError::Url(other.to_string()),
        })
}

/// The `otpauth://totp/...` link an authenticator app reads from the QR code.
pub fn otpauth_url(secret: &str, issuer: &str, account: &str) -> Result<String, SecondFactorError> {
    totp(secret, Some(issuer), account)?
        .to_url()
        .map_err(|e| SecondFactorError::Url(e.to_string()))
}

/// The link as an SVG QR code, ready to put inside an HTML page (no XML declaration).
pub fn qr_svg(url: &str) -> Result<String, SecondFactorError> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| SecondFactorError::Qr(e.to_string()))?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(match image.find("<svg") {
        Some(start) => image[start..].to_string(),
        None => image,
    })
}

fn step_time(now: Timestamp) -> u64 {
    u64::try_from(now.as_second()).unwrap_or(0)
}

/// The 30-second time step whose code `code` is (spaces allowed, as apps show `123 456`) for
/// `secret`, if it is the step of `now` or one either side of it. The caller accepts each
/// step once (`Store::use_totp_step`).
pub fn matching_step(secret: &str, code: &str, now: Timestamp) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    totp(secret, None, "").ok()?.check(&code, step_time(now))
}

/// Whether `code` is right for `secret` at `now`, give or take one step (enrolment, where
/// no code has been accepted yet).
pub fn verify(secret: &str, code: &str, now: Timestamp) -> bool {
    matching_step(secret, code, now).is_some()
}

/// The code an authenticator app shows at `now` (tests and the demo's instructions).
pub fn code_at(secret: &str, now: Timestamp) -> Result<String, SecondFactorError> {
    Ok(totp(secret, None, "")?.generate(step_time(now)).to_string())
}

/// Recovery codes as shown to the person once, and the hashes kept of them.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCodes {
    pub plaintext: Vec<String>,
    pub hashes: Vec<String>,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({} codes)", self.plaintext.len())
    }
}

/// Ten codes of 50 random bits each, like `k3xq7-mnpa2`. Random enough that a plain SHA-256
/// keeps them safe, which lets the store remove a used one atomically by its hash.
pub fn new_recovery_codes() -> RecoveryCodes {
    let plaintext: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let s = base32(&rand::random::<[u8; 7]>());
            format!("{}-{}", &s[..5], &s[5..10])
        })
        .collect();
    let hashes = plaintext.iter().map(|c| hash_recovery_code(c)).collect();
    RecoveryCodes { plaintext, hashes }
}

/// The stored form of a recovery code, however it was typed (case, spaces and dashes do not
/// matter).
pub fn hash_recovery_code(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    sha256_hex(normal.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn rfc_6238_sha1_vector() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890" at T = 59 s gives
        // 94287082 with eight digits; with six, its last six.
        let secret = secret_from_bytes(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            code_at(&secret, at("1970-01-01T00:00:59Z")),
            Ok("287082".into())
        );
        assert_eq!(
            code_at(&secret, at("2005-03-18T01:58:29Z")),
            Ok("081804".into())
        );
    }

    #[test]
    fn codes_verify_within_one_step_either_way() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let now = at("2026-03-01T10:00:15Z");
        let code = code_at(&secret, now).expect("code");
        assert!(verify(&secret, &code, now));
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert!(verify(&secret, &spaced, now));
        assert!(verify(&secret, &code, at("2026-03-01T10:00:40Z")));
        assert!(verify(&secret, &code, at("2026-03-01T09:59:45Z")));
        assert!(!verify(&secret, &code, at("2026-03-01T10:01:30Z")));
        assert!(!verify(&secret, "000000x", now));
        assert!(!verify("not base32!", &code, now));
    }

    #[test]
    fn the_link_and_qr_code_name_issuer_and_account() {
        let secret = new_secret();
        let url = otpauth_url(&secret, "The People's Alliance: Docket", "amara.osei").expect("url");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains(&format!("secret={secret}")), "{url}");
        assert!(url.contains("amara.osei"), "{url}");
        let svg = qr_svg(&url).expect("svg");
        assert!(
            svg.starts_with("<svg") && svg.ends_with("</svg>"),
            "{}",
            &svg[..40]
        );
    }

    #[test]
    fn recovery_codes_hash_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.plaintext.len(), RECOVERY_CODES);
        assert_eq!(codes.hashes.len(), RECOVERY_CODES);
        let first = &codes.plaintext[0];
        let typed = format!(" {} ", first.to_uppercase().replace('-', " "));
        assert_eq!(hash_recovery_code(&typed), codes.hashes[0]);
        assert!(!format!("{codes:?}").contains(first));
    }
}
