//! The contact register: any contact about a case from someone outside its roles is written
//! down on the case, where oversight can see it.

use crate::ids::Text;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    Email,
    Letter,
    InPerson,
    Message,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Who made the contact.
    pub who: Text,
    /// Their organisation or office (for example "Leader's office", a newspaper).
    #[serde(default)]
    pub organisation: Option<Text>,
    pub channel: Channel,
    pub occurred_on: Date,
    pub summary: Text,
}
