//! Importing a membership list from CSV: every bad row reported by its line, every good row
//! imported together in one transaction.

use docket_domain::ids::MembershipNumber;
use docket_domain::member::{Member, MemberStatus};
use std::collections::HashMap;

pub const HEADER: [&str; 7] = [
    "membership_number",
    "name",
    "joined_on",
    "status",
    "elected_office",
    "region",
    "email",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The line in the file (the header is line 1).
    pub line: u64,
    /// The column at fault, named as in the header; "row" when the whole row is.
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub members: Vec<Member>,
    pub errors: Vec<RowError>,
}

fn optional(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

/// Parses the whole file before anything is written, so a bad row never leaves half an import.
pub fn parse_csv(input: impl std::io::Read) -> Result<Parsed, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = reader
        .headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
        .clone();
    let cols: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let index = |name: &str| cols.iter().position(|c| c == name);
    let Some(i_number) = index("membership_number") else {
        return Err(format!(
            "line 1: the header must name the columns {}; 'membership_number' is missing",
            HEADER.join(",")
        ));
    };
    let (Some(i_name), Some(i_joined)) = (index("name"), index("joined_on")) else {
        return Err(format!(
            "line 1: the header must include 'name' and 'joined_on' (columns: {})",
            HEADER.join(",")
        ));
    };
    let i_status = index("status");
    let i_office = index("elected_office");
    let i_region = index("region");
    let i_email = index("email");
    let mut parsed = Parsed::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                parsed.errors.push(RowError {
                    line,
                    field: "row",
                    message: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let get = |i: usize| record.get(i).unwrap_or("");
        let row = (|| {
            let number =
                MembershipNumber::parse(get(i_number)).map_err(|e| ("membership_number", e))?;
            let name = get(i_name).trim();
            if name.is_empty() {
                return Err(("name", "the name is empty".to_string()));
            }
            let joined_on: jiff::civil::Date = get(i_joined).trim().parse().map_err(|_| {
                (
                    "joined_on",
                    format!(
                        "joined_on '{}' is not a date like 2024-03-31",
                        get(i_joined)
                    ),
                )
            })?;
            let status = match i_status.map(get).map(str::trim).filter(|s| !s.is_empty()) {
                None => MemberStatus::Active,
                Some(s) => MemberStatus::parse(s).ok_or_else(|| {
                    (
                        "status",
                        format!("status '{s}' is not one of active, lapsed, resigned, expelled"),
                    )
                })?,
            };
            let email = optional(i_email.map(get));
            if let Some(e) = &email
                && e.parse::<lettre::Address>().is_err()
            {
                return Err((
                    "email",
                    format!("email '{e}' is not an email address like ann@example.org"),
                ));
            }
            Ok(Member {
                number,
                name: name.to_string(),
                joined_on,
                status,
                elected_office: optional(i_office.map(get)),
                region: optional(i_region.map(get)),
                email,
            })
        })();
        match row {
            Ok(m) => {
                if let Some(first) = seen.get(m.number.as_str()) {
                    parsed.errors.push(RowError {
                        line,
                        field: "membership_number",
                        message: format!(
                            "membership number {} already appears on line {first}",
                            m.number
                        ),
                    });
                } else {
                    seen.insert(m.number.to_string(), line);
                    parsed.members.push(m);
                }
            }
            Err((field, message)) => parsed.errors.push(RowError {
                line,
                field,
                message,
            }),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_are_named_by_line_and_good_rows_kept() {
        let csv = "membership_number,name,joined_on,status,elected_office,region,email\n\
                   PA1,Ann,2020-01-01,active,,North,ann@example.org\n\
                   PA-2,Bob,2020-01-01,active,,\n\
                   PA3,,2020-01-01,,,\n\
                   PA4,Dee,01/02/2020,,,\n\
                   PA5,Eve,2021-05-05,lapsed,MP for Southtown,\n\
                   PA1,Ann again,2020-01-01,,,\n\
                   PA6,Fay,2021-05-05,retired,,\n\
                   PA7,Gil,2021-05-05,,,,gil at example\n";
        let parsed = parse_csv(csv.as_bytes()).expect("parse");
        assert_eq!(
            parsed
                .members
                .iter()
                .map(|m| m.number.as_str())
                .collect::<Vec<_>>(),
            vec!["PA1", "PA5"]
        );
        assert_eq!(
            parsed.members[1].elected_office.as_deref(),
            Some("MP for Southtown")
        );
        assert_eq!(parsed.members[0].email.as_deref(), Some("ann@example.org"));
        assert_eq!(parsed.members[1].email, None);
        let lines: Vec<(u64, &str)> = parsed.errors.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            lines,
            vec![
                (3, "membership_number"),
                (4, "name"),
                (5, "joined_on"),
                (7, "membership_number"),
                (8, "status"),
                (9, "email")
            ]
        );
        assert!(parsed.errors[3].message.contains("line 2"));
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = parse_csv("number,name\nPA1,Ann\n".as_bytes()).unwrap_err();
        assert!(err.contains("membership_number"), "{err}");
    }
}
