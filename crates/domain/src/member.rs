//! Members of the organisation, as imported from its membership list.

use crate::ids::MembershipNumber;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Active,
    Lapsed,
    Resigned,
    Expelled,
}

impl MemberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Lapsed => "lapsed",
            MemberStatus::Resigned => "resigned",
            MemberStatus::Expelled => "expelled",
        }
    }

    pub fn parse(s: &str) -> Option<MemberStatus> {
        [
            MemberStatus::Active,
            MemberStatus::Lapsed,
            MemberStatus::Resigned,
            MemberStatus::Expelled,
        ]
        .into_iter()
        .find(|m| m.as_str() == s.trim().to_ascii_lowercase())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub number: MembershipNumber,
    pub name: String,
    pub joined_on: Date,
    pub status: MemberStatus,
    /// Set for elected representatives (MP, mayor, councillor): the whip can only be
    /// withdrawn from them.
    #[serde(default)]
    pub elected_office: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Where notices are emailed. A member without one reads them in the portal only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Events on the organisation's membership stream. Imports are chunked so a 500,000-member
/// list is a few hundred events rather than half a million.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MemberEvent {
    /// Members added or updated (matched by membership number).
    MembersImported {
        source: String,
        members: Vec<Member>,
    },
}
