//! The demo organisation's people: staff by role and 500,000 members, all fictional and all
//! derived from the seed, so the same day always gives the same organisation.

use docket_domain::ids::{MembershipNumber, PersonId};
use docket_domain::member::{Member, MemberStatus};
use jiff::ToSpan;
use jiff::civil::Date;

pub const MEMBERS: usize = 500_000;

const FIRST: &[&str] = &[
    "Aisha", "Alan", "Amara", "Ben", "Bethan", "Callum", "Chloe", "Dafydd", "Deepa", "Eilidh",
    "Ewan", "Farah", "Gareth", "Grace", "Hamza", "Hannah", "Imran", "Isla", "Jack", "Jasmine",
    "Kieran", "Leah", "Liam", "Maya", "Mohammed", "Niamh", "Owen", "Priya", "Rhys", "Rosa", "Sam",
    "Sian", "Tariq", "Tess", "Usman", "Vera", "Wes", "Yasmin", "Zoe", "Rowan",
];
const LAST: &[&str] = &[
    "Ahmed",
    "Baker",
    "Bennett",
    "Campbell",
    "Chowdhury",
    "Clarke",
    "Davies",
    "Edwards",
    "Evans",
    "Fletcher",
    "Gill",
    "Green",
    "Hall",
    "Hughes",
    "Hussain",
    "Jones",
    "Kaur",
    "Khan",
    "Lewis",
    "Lloyd",
    "Macdonald",
    "Morgan",
    "Murphy",
    "Nowak",
    "Okafor",
    "Owen",
    "Patel",
    "Price",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Taylor",
    "Thomas",
    "Walker",
    "Ward",
    "Watson",
    "Williams",
    "Wilson",
    "Wright",
];
const REGIONS: &[&str] = &[
    "North East",
    "North West",
    "Yorkshire",
    "East Midlands",
    "West Midlands",
    "East",
    "London",
    "South East",
    "South West",
    "Wales",
];

/// SplitMix64: a tiny, well-mixed hash so member `i`'s details need no stored state.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub fn number(i: usize) -> MembershipNumber {
    MembershipNumber::parse(&format!("PA{:07}", i + 1)).expect("well-formed constant")
}

/// Members whose details the stories fix (index → name, elected office).
pub const STORY_MEMBERS: &[(usize, &str, Option<&str>)] = &[
    (101, "Marc Wilde", None),
    (102, "Ruth Adler", Some("MP for Holloway Fields")),
    (103, "Colin Hart", Some("MP for Westmere")),
    (104, "Gerald Vane", Some("Former Mayor of Eastport")),
    (105, "Pat Quinlan", None),
    (106, "Dora Finch", None),
];

pub fn member(i: usize, seed: u64, founded: Date, today: Date) -> Member {
    let h = mix(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let story = STORY_MEMBERS.iter().find(|(n, _, _)| *n == i);
    let name = match story {
        Some((_, name, _)) => name.to_string(),
        None => format!(
            "{} {}",
            FIRST[(h % FIRST.len() as u64) as usize],
            LAST[((h >> 16) % LAST.len() as u64) as usize]
        ),
    };
    let span_days = (today - founded).get_days().max(1) as u64;
    let joined_on = founded
        .checked_add((((h >> 24) % span_days) as i64).days())
        .unwrap_or(founded);
    Member {
        number: number(i),
        name,
        joined_on,
        status: if (h >> 40).is_multiple_of(50) {
            MemberStatus::Lapsed
        } else {
            MemberStatus::Active
        },
        elected_office: story.and_then(|(_, _, o)| o.map(String::from)),
        region: Some(REGIONS[((h >> 48) % REGIONS.len() as u64) as usize].to_string()),
        // One member in twenty gave no address and reads notices in the portal only.
        email: (!(h >> 56).is_multiple_of(20)).then(|| {
            format!(
                "{}@members.example",
                number(i).as_str().to_ascii_lowercase()
            )
        }),
    }
}

/// Staff and officeholders, grouped by what they do in the process.
#[derive(Debug, Clone)]
pub struct Staff {
    pub case_officers: Vec<PersonId>,
    pub investigators: Vec<PersonId>,
    /// The executive disputes panel: charging decisions and interim measures.
    pub disputes_panel: Vec<PersonId>,
    /// The Constitutional Committee's pool; hearing and appeal panels are drawn from it.
    pub panel_pool: Vec<PersonId>,
    pub reviewers: Vec<PersonId>,
    pub oversight: PersonId,
    pub administrator: PersonId,
    pub leader: PersonId,
    pub chief_whip: PersonId,
    pub leaders_office: PersonId,
}

fn ids(prefix: &str, names: &[&str]) -> Vec<PersonId> {
    names
        .iter()
        .map(|n| PersonId::parse(&format!("{prefix}.{n}")).expect("constant id"))
        .collect()
}

fn one(s: &str) -> PersonId {
    PersonId::parse(s).expect("constant id")
}

impl Staff {
    pub fn new() -> Staff {
        let pool: Vec<String> = (0..40)
            .map(|i| {
                format!(
                    "{}-{}",
                    FIRST[(i * 7) % FIRST.len()].to_lowercase(),
                    LAST[(i * 11 + 3) % LAST.len()].to_lowercase()
                )
            })
            .collect();
        let pool: Vec<&str> = pool.iter().map(String::as_str).collect();
        Staff {
            case_officers: ids(
                "officer",
                &["amara-osei", "ben-price", "chloe-nowak", "dafydd-lloyd"],
            ),
            investigators: ids(
                "investigator",
                &[
                    "eilidh-ward",
                    "farah-gill",
                    "gareth-hall",
                    "hannah-kaur",
                    "imran-shah",
                    "isla-green",
                ],
            ),
            disputes_panel: ids("disputes", &["jack-evans", "leah-okafor", "maya-singh"]),
            panel_pool: ids("panel", &pool),
            reviewers: ids(
                "reviewer",
                &[
                    "niamh-murphy",
                    "owen-walker",
                    "priya-patel",
                    "rhys-morgan",
                    "rosa-baker",
                    "sam-fletcher",
                ],
            ),
            oversight: one("oversight.tess-wright"),
            administrator: one("admin.usman-khan"),
            leader: one("leader.vera-thomas"),
            chief_whip: one("chief-whip.wes-robinson"),
            leaders_office: one("leaders-office.zoe-campbell"),
        }
    }
}

impl Default for Staff {
    fn default() -> Staff {
        Staff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_deterministic_and_stories_fixed() {
        let (f, t) = (
            jiff::civil::date(1990, 1, 1),
            jiff::civil::date(2026, 11, 22),
        );
        assert_eq!(member(5, 1, f, t), member(5, 1, f, t));
        assert_eq!(
            member(103, 1, f, t).elected_office.as_deref(),
            Some("MP for Westmere")
        );
        assert_eq!(number(0).as_str(), "PA0000001");
        let staff = Staff::new();
        let mut all: Vec<_> = staff.panel_pool.clone();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 40, "panel pool ids are distinct");
    }
}
