//! What of a case goes into the search index: its words as they stand now, one document per
//! piece of text, each tagged with the people the case is about and with who holds which
//! function in it (the access terms a search narrows to, see `super::gated`).
//!
//! Documents are built from a case's current state rather than from single events, so a
//! charge amended or a note rewritten replaces what was indexed instead of sitting beside it.

use crate::service::Docket;
use docket_domain::case::Case;
use docket_domain::command::Complainant;
use docket_domain::ids::PersonId;
use docket_domain::policy::CaseFacts;
use docket_search::{Doc, Kind};

/// Every document of `case`: its title, the narrative, each charge's particulars, the notes
/// staff wrote (investigation terms, assessment, closing reasons, each message), and the
/// text of text-like evidence.
pub fn case_documents(case: &Case) -> Vec<Doc> {
    let reference = case.id.to_string();
    let people = people(case);
    let access = access_terms(case);
    let doc = |key: String, kind: Kind, text: &str| Doc {
        key,
        case: reference.clone(),
        kind,
        text: text.to_string(),
        people: people.clone(),
        access: access.clone(),
    };
    let mut docs = vec![
        doc(
            format!("{reference}/title"),
            Kind::Title,
            case.summary.as_str(),
        ),
        doc(
            format!("{reference}/narrative"),
            Kind::Narrative,
            case.narrative.as_str(),
        ),
    ];
    for charge in &case.charges {
        docs.push(doc(
            format!("{reference}/charge/{}", charge.number),
            Kind::Charge,
            charge.particulars.as_str(),
        ));
    }
    let notes = [
        ("investigation-terms", case.investigation_terms.as_ref()),
        ("assessment", case.assessment.as_ref()),
        ("closing-reasons", case.closing_reasons.as_ref()),
    ];
    for (name, text) in notes {
        if let Some(text) = text {
            docs.push(doc(
                format!("{reference}/note/{name}"),
                Kind::Note,
                text.as_str(),
            ));
        }
    }
    for (i, message) in case.messages.iter().enumerate() {
        docs.push(doc(
            format!("{reference}/note/message/{}", i + 1),
            Kind::Note,
            message.body.as_str(),
        ));
    }
    docs
}

/// Largest text evidence file whose words are indexed: a statement or a letter, not a dump.
pub const EVIDENCE_TEXT_LIMIT: u64 = 1024 * 1024;

impl Docket {
    /// The text of a case's text-like evidence, one document per item (key
    /// `{case}/evidence/{number}`, [`Kind::Evidence`]): each plain-text file up to
    /// `EVIDENCE_TEXT_LIMIT`, opened under the case's key and checked against the log. A
    /// file that cannot be opened is left out (and `docket evidence verify` names it), as
    /// is every file when this server holds no evidence key.
    pub(crate) async fn evidence_documents(&self, case: &Case) -> Vec<Doc> {
        if self.evidence_key.is_none() {
            return Vec::new();
        }
        let reference = case.id.to_string();
        let people = people(case);
        let access = access_terms(case);
        let mut docs = Vec::new();
        for e in &case.evidence {
            let item = &e.item;
            if item.media_type != "text/plain" || item.size > EVIDENCE_TEXT_LIMIT {
                continue;
            }
            let text = match self.contents(&case.id, item.clone()).await {
                Ok(contents) => contents.whole().await.ok(),
                Err(_) => None,
            };
            let Some(text) = text.and_then(|b| String::from_utf8(b).ok()) else {
                continue;
            };
            docs.push(Doc {
                key: format!("{reference}/evidence/{}", item.number),
                case: reference.clone(),
                kind: Kind::Evidence,
                text,
                people: people.clone(),
                access: access.clone(),
            });
        }
        docs
    }
}

/// One access term: `person` is in the case's people set `set` (the policy's name for it,
/// e.g. `investigators`).
pub fn access_term(set: &str, person: &PersonId) -> String {
    format!("{set}:{person}")
}

/// Every (set, person) of the case as access terms, read through the same facts the policy
/// decides from, so the index and the policy cannot disagree about who holds what.
fn access_terms(case: &Case) -> Vec<String> {
    let facts = CaseFacts::of(case);
    facts
        .people_sets()
        .into_iter()
        .flat_map(|(set, people)| people.iter().map(move |p| access_term(set, p)))
        .collect()
}

/// The membership numbers a case names: the respondent's, and the complainant's when the
/// complainant is a member. What "search by person" matches.
fn people(case: &Case) -> Vec<String> {
    let mut people = vec![case.respondent.member.to_string()];
    if let Complainant::Member { number, .. } = &case.complainant {
        people.push(number.to_string());
    }
    people
}
