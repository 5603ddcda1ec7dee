//! Identifiers parsed once at the edge, so nothing past it handles a raw string for them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Crockford base32 without I, L, O, U: unambiguous when read aloud or typed from a letter.
pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $name::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}
pub(crate) use string_newtype;

/// A case reference such as `DK-7KQ2-M9XA`. References are random rather than sequential so
/// they reveal nothing about how many complaints an organisation receives.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId(String);
string_newtype!(CaseId);

impl CaseId {
    pub fn parse(s: &str) -> Result<CaseId, String> {
        let s = s.trim().to_ascii_uppercase();
        let parts: Vec<&str> = s.split('-').collect();
        let ok = parts.len() == 3
            && parts[0] == "DK"
            && parts[1..]
                .iter()
                .all(|p| p.len() == 4 && p.bytes().all(|b| CROCKFORD.contains(&b)));
        if ok {
            Ok(CaseId(s))
        } else {
            Err(format!(
                "'{s}' is not a case reference: expected DK- followed by two groups of four letters or digits, e.g. DK-7KQ2-M9XA"
            ))
        }
    }

    /// Builds a reference from 40 random bits supplied by the caller (the domain has no
    /// randomness of its own).
    pub fn from_random(bits: u64) -> CaseId {
        let mut out = String::from("DK-");
        for i in 0..8 {
            if i == 4 {
                out.push('-');
            }
            let idx = ((bits >> (35 - 5 * i)) & 31) as usize;
            out.push(CROCKFORD[idx] as char);
        }
        CaseId(out)
    }
}

/// A person known to Docket: staff, panel members, officeholders, complainants with accounts.
/// Opaque to the domain; only equality matters (separation of functions compares these).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct PersonId(String);
string_newtype!(PersonId);

impl PersonId {
    pub fn parse(s: &str) -> Result<PersonId, String> {
        let t = s.trim();
        if t.is_empty() || t.len() > 64 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "'{t}' is not a person id: use 1–64 visible characters without spaces"
            ));
        }
        Ok(PersonId(t.to_string()))
    }
}

/// A membership number: letters and digits, upper-cased, as printed on a membership card.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct MembershipNumber(String);
string_newtype!(MembershipNumber);

impl MembershipNumber {
    pub fn parse(s: &str) -> Result<MembershipNumber, String> {
        let t = s.trim().to_ascii_uppercase();
        if t.is_empty() || t.len() > 20 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "'{}' is not a membership number: use 1–20 letters and digits",
                s.trim()
            ));
        }
        Ok(MembershipNumber(t))
    }
}

/// A piece of free text a rule requires (reasons, particulars, summaries). Empty or
/// whitespace-only text is refused: "reasons were never written down" is a failure Docket
/// exists to prevent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(try_from = "String", into = "String")]
pub struct Text(String);
string_newtype!(Text);

impl Text {
    pub const MAX_LEN: usize = 20_000;

    pub fn parse(s: &str) -> Result<Text, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("this cannot be left empty".into());
        }
        if t.len() > Self::MAX_LEN {
            return Err(format!(
                "this is {} characters long; the limit is {}",
                t.len(),
                Self::MAX_LEN
            ));
        }
        Ok(Text(t.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_round_trip_and_reject_ambiguous_letters() {
        let id = CaseId::from_random(0xAB_CDEF_0123);
        assert_eq!(CaseId::parse(id.as_str()), Ok(id.clone()));
        assert_eq!(CaseId::parse(&id.as_str().to_lowercase()), Ok(id));
        assert!(CaseId::parse("DK-ILOU-0000").is_err());
        assert!(CaseId::parse("DK-1234").is_err());
        assert!(CaseId::parse("XX-1234-5678").is_err());
    }

    #[test]
    fn text_refuses_blank_reasons() {
        assert!(Text::parse("   ").is_err());
        assert_eq!(
            Text::parse(" because ").map(String::from),
            Ok("because".into())
        );
    }

    #[test]
    fn membership_numbers_are_normalised() {
        assert_eq!(
            MembershipNumber::parse(" pa0001 ").map(String::from),
            Ok("PA0001".into())
        );
        assert!(MembershipNumber::parse("PA-1").is_err());
    }
}
