//! Evidence items as pages list them (the case page, the hearing bundle and its index):
//! with their hashes, who they were disclosed to, and how they link to one another.

use docket_domain::case::Case;
use docket_domain::evidence::Evidence;
use docket_domain::store::codec::format_ts;

/// Every item on `case`, in order.
pub fn rows(case: &Case) -> Vec<Row> {
    case.evidence.iter().map(|e| row(case, e)).collect()
}

#[derive(Debug)]
pub struct Row {
    pub number: u32,
    pub filename: String,
    pub media_type: String,
    pub size: String,
    pub sha256: String,
    pub added: String,
    /// "the respondent", "the respondent and the complainant", or "nobody".
    pub disclosed: String,
    /// What links it to other items, and the copies parties were given.
    pub notes: Vec<String>,
}

fn row(case: &Case, e: &Evidence) -> Row {
    let mut notes = Vec::new();
    if let Some(r) = &e.item.redaction_of {
        notes.push(format!(
            "Redacted copy of item {}: {}",
            r.original, r.reasons
        ));
    }
    let copies: Vec<String> = case
        .evidence
        .iter()
        .filter(|c| c.original() == Some(e.item.number))
        .map(|c| c.item.number.to_string())
        .collect();
    if !copies.is_empty() {
        notes.push(format!(
            "Redacted copy: item {}. The original is not disclosed.",
            copies.join(", item ")
        ));
    }
    for (party, copy) in &e.copies {
        notes.push(format!(
            "The {}'s copy has {} taken out: SHA-256 {}",
            party.as_str(),
            copy.removed.join(", "),
            copy.sha256
        ));
    }
    let i = &e.item;
    Row {
        number: i.number,
        filename: i.filename.clone(),
        media_type: i.media_type.clone(),
        size: crate::evidence::human_size(i.size),
        sha256: i.sha256.clone(),
        added: format!("{} at {}", e.added_by, format_ts(e.added_at)),
        disclosed: if e.disclosed_to.is_empty() {
            String::from("nobody")
        } else {
            e.disclosed_to
                .iter()
                .map(|p| format!("the {}", p.as_str()))
                .collect::<Vec<_>>()
                .join(" and ")
        },
        notes,
    }
}
