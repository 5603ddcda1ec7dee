//! Accounts: who may sign in, with which roles, and how they prove who they are.
//!
//! Who was given which roles, and when an account was disabled or had its password reset, is
//! case-system history: those facts are [`AccountEvent`]s on the [`ACCOUNTS_STREAM`], so they
//! are in the transparency log. The secrets themselves (password hashes, second-factor
//! secrets, recovery codes, token hashes, receipt passphrases) never go into an event: the log
//! is kept forever and its content is shown to auditors. They live only in the credentials
//! rows the store writes in the same transaction as the event (see `store::ReadModelChange`).
//!
//! Nothing here does I/O or draws randomness; hashing and code generation are the server's.

use crate::ids::{CROCKFORD, CaseId, MembershipNumber, PersonId, Text, string_newtype};
use crate::role::{Principal, Role};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The stream every account event goes to. One stream for all accounts: changes are rare,
/// and one version number makes "no username taken twice" a plain optimistic check.
pub const ACCOUNTS_STREAM: &str = "accounts";

/// What a person types to sign in: 3–64 characters, lower-case letters, digits, `.`, `-`
/// and `_`. Upper-case input is lowered, so `Amara.Osei` and `amara.osei` are one account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);
string_newtype!(Username);

impl Username {
    pub fn parse(s: &str) -> Result<Username, String> {
        let t = s.trim().to_ascii_lowercase();
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
        if !(3..=64).contains(&t.len()) {
            return Err(format!(
                "'{}' is not a username: it must be 3 to 64 characters long",
                s.trim()
            ));
        }
        if let Some(bad) = t.chars().find(|c| !c.is_ascii() || !allowed(*c as u8)) {
            return Err(format!(
                "'{}' is not a username: '{bad}' is not allowed; use letters a–z, digits, '.', '-' and '_'",
                s.trim()
            ));
        }
        Ok(Username(t))
    }
}

/// The code an anonymous complainant is given at intake, e.g. `R-7KQ2-M9XA-3F0D`: with the
/// passphrase given beside it, the only way back to their complaint (no account, no email).
/// Crockford base32, so `O` is read as `0` and `I`/`L` as `1` when typed from a letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReceiptCode(String);
string_newtype!(ReceiptCode);

impl ReceiptCode {
    pub fn parse(s: &str) -> Result<ReceiptCode, String> {
        let mut chars: Vec<u8> = Vec::with_capacity(13);
        for c in s.trim().chars() {
            match c.to_ascii_uppercase() {
                '-' | ' ' => {}
                'O' => chars.push(b'0'),
                'I' | 'L' => chars.push(b'1'),
                c if c.is_ascii() => chars.push(c as u8),
                _ => chars.push(b'?'),
            }
        }
        let ok = chars.len() == 13
            && chars[0] == b'R'
            && chars[1..].iter().all(|b| CROCKFORD.contains(b));
        if !ok {
            return Err(format!(
                "'{}' is not a receipt code: it looks like R-7KQ2-M9XA-3F0D (R, then three groups of four letters or digits)",
                s.trim()
            ));
        }
        Ok(ReceiptCode(Self::format(&chars[1..])))
    }

    /// A code from 60 random bits supplied by the caller.
    pub fn from_random(bits: u64) -> ReceiptCode {
        let chars: Vec<u8> = (0..12)
            .map(|i| CROCKFORD[((bits >> (55 - 5 * i)) & 31) as usize])
            .collect();
        ReceiptCode(Self::format(&chars))
    }

    fn format(twelve: &[u8]) -> String {
        let mut out = String::from("R");
        for (i, b) in twelve.iter().enumerate() {
            if i % 4 == 0 {
                out.push('-');
            }
            out.push(*b as char);
        }
        out
    }
}

/// What an API token may do. `write` does not imply `read`: a token carries exactly the
/// scopes it was issued with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Read, Scope::Write];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Result<Scope, String> {
        let t = s.trim().to_ascii_lowercase();
        Scope::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| format!("'{}' is not a token scope: use read or write", s.trim()))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person's account with its credentials, as the store keeps it.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub username: Username,
    pub person: PersonId,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    pub member: Option<MembershipNumber>,
    /// Argon2id, as a PHC string (`$argon2id$v=19$m=…`): the parameters travel with it.
    pub password_hash: String,
    /// The TOTP secret in base32, once a second factor is enrolled.
    pub totp_secret: Option<String>,
    /// SHA-256 (hex) of each unused recovery code; a used one is removed.
    pub recovery_codes: Vec<String>,
    pub disabled: bool,
    /// Failed sign-ins in a row since the last success or lockout (operational state).
    pub failed_logins: u32,
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Account {
    /// Who this account acts as once signed in.
    pub fn principal(&self) -> Principal {
        Principal {
            person: self.person.clone(),
            roles: self.roles.clone(),
            member: self.member.clone(),
            receipt_for: None,
        }
    }

    pub fn second_factor_enrolled(&self) -> bool {
        self.totp_secret.is_some()
    }

    /// Staff must sign in with a second factor (see `Role::is_staff`).
    pub fn needs_second_factor(&self) -> bool {
        self.roles.iter().any(|r| r.is_staff())
    }

    /// The end of the current lockout, if the account is locked at `now`.
    pub fn locked_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|t| *t > now)
    }
}

/// Secrets stay out of logs and panic messages: Debug shows only whether they are set.
impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("username", &self.username)
            .field("person", &self.person)
            .field("display_name", &self.display_name)
            .field("roles", &self.roles)
            .field("member", &self.member)
            .field("password_hash", &"<redacted>")
            .field("totp_enrolled", &self.totp_secret.is_some())
            .field("recovery_codes_left", &self.recovery_codes.len())
            .field("disabled", &self.disabled)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// What happened to an account. Never a secret or a hash: these go into the log for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AccountEvent {
    AccountCreated {
        username: Username,
        person: PersonId,
        display_name: String,
        roles: BTreeSet<Role>,
        member: Option<MembershipNumber>,
    },
    /// The account's roles from now on (all of them, not a difference).
    RolesChanged {
        username: Username,
        roles: BTreeSet<Role>,
    },
    AccountDisabled {
        username: Username,
        reason: Text,
    },
    AccountEnabled {
        username: Username,
    },
    PasswordReset {
        username: Username,
    },
    SecondFactorEnrolled {
        username: Username,
    },
    SecondFactorReset {
        username: Username,
        /// Why it was reset (a lost phone, say). Absent from resets recorded before reasons
        /// were asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<crate::ids::Text>,
    },
    ApiTokenIssued {
        username: Username,
        token_id: String,
        scopes: Vec<Scope>,
        label: String,
    },
    ApiTokenRevoked {
        username: Username,
        token_id: String,
    },
}

/// A signed-in browser session. The cookie holds a random id; the store keeps only its
/// SHA-256, so a copy of the database cannot be used to take over a session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Hex SHA-256 of the cookie value.
    pub id_hash: String,
    pub username: Option<Username>,
    /// An anonymous complainant's session: the one case their receipt opens.
    pub receipt_for: Option<CaseId>,
    pub csrf_token: String,
    pub second_factor_done: bool,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen: Timestamp,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("id_hash", &short(&self.id_hash))
            .field("username", &self.username)
            .field("receipt_for", &self.receipt_for)
            .field("csrf_token", &"<redacted>")
            .field("second_factor_done", &self.second_factor_done)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("last_seen", &self.last_seen)
            .finish()
    }
}

/// A change to a live session. `second_factor_done` only ever moves to true here: a
/// request that read the session before the second factor was given must not undo it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionUpdate {
    pub second_factor_done: bool,
    pub last_seen: Timestamp,
    pub expires_at: Timestamp,
}

/// An API token as kept: its public id and the SHA-256 of its secret part.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// The public part of `docket_<id>_<secret>`, which names the token in lists and logs.
    pub token_id: String,
    /// Hex SHA-256 of the secret part.
    pub secret_hash: String,
    pub username: Username,
    pub scopes: Vec<Scope>,
    pub label: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

impl ApiTokenRecord {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

impl fmt::Debug for ApiTokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiTokenRecord")
            .field("token_id", &self.token_id)
            .field("secret_hash", &"<redacted>")
            .field("username", &self.username)
            .field("scopes", &self.scopes)
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("revoked_at", &self.revoked_at)
            .finish()
    }
}

/// An anonymous complainant's way back to their case: a receipt code and a passphrase.
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt {
    pub code: ReceiptCode,
    pub case: CaseId,
    /// Argon2id PHC string of the passphrase.
    pub passphrase_hash: String,
    /// Failed attempts in a row since the last success or lockout (operational state).
    pub failed: u32,
    pub locked_until: Option<Timestamp>,
}

impl Receipt {
    /// The principal a receipt signs in as: a complainant who may see one case.
    pub fn principal(&self) -> Principal {
        receipt_principal(&self.case)
    }

    pub fn locked_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|t| *t > now)
    }
}

/// Who an anonymous complainant signed in with a receipt is: a complainant who may see one
/// case (a receipt session keeps only the case, so this is built from it).
pub fn receipt_principal(case: &CaseId) -> Principal {
    Principal {
        person: receipt_person(case),
        roles: BTreeSet::from([Role::Complainant]),
        member: None,
        receipt_for: Some(case.clone()),
    }
}

/// The person an anonymous complainant acts as, recorded as the actor of what they do. It
/// names the case, never the receipt code, which is half of their credential.
pub fn receipt_person(case: &CaseId) -> PersonId {
    PersonId::parse(&format!("complainant:{case}")).unwrap_or_else(|_| {
        // A case reference is 12 visible characters, so this cannot fail; fall back to a
        // constant rather than panic.
        PersonId::parse("complainant:anonymous").expect("a valid constant id")
    })
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receipt")
            .field("code", &self.code)
            .field("case", &self.case)
            .field("passphrase_hash", &"<redacted>")
            .field("failed", &self.failed)
            .field("locked_until", &self.locked_until)
            .finish()
    }
}

fn short(hash: &str) -> String {
    format!("{}…", hash.get(..8).unwrap_or(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowered_and_bad_ones_explained() {
        assert_eq!(
            Username::parse(" Officer.Amara-Osei ").map(String::from),
            Ok("officer.amara-osei".into())
        );
        assert!(Username::parse("a_b").is_ok());
        let short = Username::parse("ab").expect_err("too short");
        assert!(short.contains("3 to 64"), "{short}");
        assert!(Username::parse(&"a".repeat(65)).is_err());
        let space = Username::parse("amara osei").expect_err("space");
        assert!(space.contains("' ' is not allowed"), "{space}");
        assert!(Username::parse("zoë").is_err());
        assert!(Username::parse("a@b.org").is_err());
        let json = serde_json::to_string(&Username::parse("abc").expect("ok")).expect("json");
        assert_eq!(json, "\"abc\"");
        assert!(serde_json::from_str::<Username>("\"a b\"").is_err());
    }

    #[test]
    fn receipt_codes_round_trip_and_forgive_typing() {
        let code = ReceiptCode::from_random(0x0FED_CBA9_8765_4321);
        assert_eq!(code.as_str().len(), 16);
        assert!(code.as_str().starts_with("R-"));
        assert_eq!(ReceiptCode::parse(code.as_str()), Ok(code.clone()));
        let typed = code.as_str().to_lowercase().replace('-', " ");
        assert_eq!(ReceiptCode::parse(&typed), Ok(code));
        assert_eq!(
            ReceiptCode::parse("r-o0il-1111-2222").map(String::from),
            Ok("R-0011-1111-2222".into())
        );
        assert!(ReceiptCode::parse("R-1234-5678").is_err());
        assert!(ReceiptCode::parse("X-1234-5678-9ABC").is_err());
        assert!(ReceiptCode::parse("R-1234-5678-9ABU").is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().expect("ts");
        let account = Account {
            username: Username::parse("amara").expect("u"),
            person: PersonId::parse("officer.amara").expect("p"),
            display_name: "Amara".into(),
            roles: BTreeSet::from([Role::CaseOfficer]),
            member: None,
            password_hash: "$argon2id$secret-hash".into(),
            totp_secret: Some("JBSWY3DPEHPK3PXP".into()),
            recovery_codes: vec!["abc123".into()],
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
        };
        let shown = format!("{account:?}");
        assert!(
            !shown.contains("secret-hash") && !shown.contains("JBSWY3DP"),
            "{shown}"
        );
        assert!(!shown.contains("abc123"));
        assert!(account.needs_second_factor() && account.second_factor_enrolled());
        assert_eq!(
            account.principal().roles,
            BTreeSet::from([Role::CaseOfficer])
        );
        let receipt = Receipt {
            code: ReceiptCode::from_random(1),
            case: CaseId::from_random(2),
            passphrase_hash: "$argon2id$pass".into(),
            failed: 0,
            locked_until: None,
        };
        assert!(!format!("{receipt:?}").contains("pass\""));
        let p = receipt.principal();
        assert_eq!(p.receipt_for, Some(receipt.case.clone()));
        assert!(p.person.as_str().starts_with("complainant:DK-"));
        assert!(!p.is_staff());
    }

    #[test]
    fn account_events_are_tagged_and_carry_no_secrets() {
        let e = AccountEvent::ApiTokenIssued {
            username: Username::parse("amara").expect("u"),
            token_id: "abcd".into(),
            scopes: vec![Scope::Read],
            label: "reports".into(),
        };
        let json = serde_json::to_string(&e).expect("json");
        assert_eq!(
            json,
            r#"{"type":"api_token_issued","username":"amara","token_id":"abcd","scopes":["read"],"label":"reports"}"#
        );
        assert_eq!(Scope::parse(" Write "), Ok(Scope::Write));
        assert!(
            Scope::parse("admin")
                .expect_err("bad")
                .contains("read or write")
        );
    }
}
