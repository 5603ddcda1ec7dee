//! Full-text search over cases, and search by person ("pattern of behaviour").
//!
//! The index (crate `docket-search`) is a read model each server keeps on its own disk and
//! brings up to date from the event log (`log`), so several servers on one PostgreSQL each
//! answer from their own copy. Every case a search returns has passed the same gate as
//! opening the case file, asked while the index walks its candidates: a refused case is
//! never returned and never counted, so nobody learns that a case they may not see matched.
//! Each case returned shows its title or a snippet of its text, which is a read of that
//! case, recorded on it as opening a case is.

pub mod documents;
pub mod log;
pub mod serving;

use crate::access::{Target, read_action};
use crate::service::{Docket, ServiceError};
use docket_domain::case::Case;
use docket_domain::ids::{CaseId, MembershipNumber};
use docket_domain::policy::Reach;
use docket_domain::role::Principal;
use docket_domain::view::CasePart;
use docket_search::{Hit, Kind, SearchIndex, Within};
use documents::access_term;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use log::Reindexed;

/// The most results one search returns.
pub const MOST_HITS: usize = 100;

/// One case that matched, as its reader may see it. There is deliberately no total beside a
/// list of these: see the module comment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub reference: CaseId,
    /// Which part of the case matched: title, narrative, charge, note or evidence.
    pub kind: String,
    /// A plain-text excerpt around the match (the title, for a search by person).
    pub snippet: String,
    /// The membership number of the member the case is about.
    pub respondent: MembershipNumber,
}

impl Docket {
    /// The cases matching `text` that `who` may read, best first, at most `limit`.
    /// Nothing when this process keeps no index.
    pub async fn search_cases(
        &self,
        who: &Principal,
        text: &str,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let text = text.to_string();
        self.gated(
            who,
            limit,
            |_| true,
            move |index, within, may_see, limit| index.search_within(within, &text, may_see, limit),
        )
        .await
    }

    /// The cases naming member `number` (as respondent or as complainant) that `who` may
    /// read, in order of reference, at most `limit`.
    pub async fn cases_naming(
        &self,
        who: &Principal,
        number: &MembershipNumber,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let number = number.to_string();
        self.gated(
            who,
            limit,
            |_| true,
            move |index, within, may_see, limit| {
                index.by_person_within(within, &number, may_see, limit)
            },
        )
        .await
    }

    /// The other cases about `case`'s respondent that `who` may read, in order of reference,
    /// at most `limit`: the pattern a case page shows.
    pub async fn other_complaints_about(
        &self,
        who: &Principal,
        case: &Case,
        limit: usize,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let number = case.respondent.member.clone();
        let except = case.id.clone();
        let person = number.to_string();
        self.gated(
            who,
            limit,
            move |other| other.id != except && other.respondent.member == number,
            move |index, within, may_see, limit| {
                index.by_person_within(within, &person, may_see, limit)
            },
        )
        .await
    }

    /// Runs `find` off the async threads with the gate (and `wanted`) as its predicate, then
    /// records a title view on each case returned.
    async fn gated(
        &self,
        who: &Principal,
        limit: usize,
        wanted: impl Fn(&Case) -> bool + Send + 'static,
        find: impl FnOnce(
            &SearchIndex,
            Within<'_>,
            &dyn Fn(&str) -> bool,
            usize,
        ) -> Result<Vec<Hit>, docket_search::SearchError>
        + Send
        + 'static,
    ) -> Result<Vec<SearchHit>, ServiceError> {
        let Some(index) = self.search.clone() else {
            return Ok(Vec::new());
        };
        let action = read_action(CasePart::File);
        // Someone a forbid refuses every case's file whatever the case (an officeholder,
        // oversight) would have each candidate refused in turn while the index walked as far
        // as it may: one question gives every answer, and no case is loaded.
        if self.policy.refuses_every_case(who, action).is_some() {
            return Ok(Vec::new());
        }
        // Someone the policy lets read only the cases they hold a function in (an
        // investigator, a panel member) looks only at those cases' documents: otherwise each
        // of thousands of others' candidates is loaded and refused in turn. The narrowing
        // reads the policy's text and is never narrower than the policy; every case left is
        // still put to the gate below.
        let terms: Option<Vec<String>> = match self.policy.reach(who, action) {
            Reach::Anywhere => None,
            Reach::Nowhere => return Ok(Vec::new()),
            Reach::Holding(sets) => Some(
                sets.into_iter()
                    .map(|set| access_term(set, &who.person))
                    .collect(),
            ),
        };
        let limit = limit.min(MOST_HITS);
        let docket = self.clone();
        let reader = who.clone();
        let handle = tokio::runtime::Handle::current();
        // The cases the gate let through, as it saw them, to describe the hits with.
        let allowed: Arc<Mutex<HashMap<String, Case>>> = Arc::default();
        let kept = allowed.clone();
        let hits = tokio::task::spawn_blocking(move || {
            let may_see = |reference: &str| {
                let Ok(id) = CaseId::parse(reference) else {
                    return false;
                };
                // A blocking-pool thread may wait on the runtime: the index asks the gate
                // synchronously, once per candidate case, and loads are mostly cached.
                let Ok(Some(case)) = handle.block_on(docket.load_case(&id)) else {
                    return false;
                };
                if !wanted(&case) {
                    return false;
                }
                let allowed = docket.may(&reader, Target::Case(&case), &[action]) == [true];
                if allowed && let Ok(mut kept) = kept.lock() {
                    kept.insert(reference.to_string(), case);
                }
                allowed
            };
            let within = match &terms {
                Some(terms) => Within::Tagged(terms),
                None => Within::Everything,
            };
            find(index.as_ref(), within, &may_see, limit)
        })
        .await??;
        // Poisoned only by a panic in the predicate, which the join above already reported.
        let allowed = match allowed.lock() {
            Ok(mut kept) => std::mem::take(&mut *kept),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        let now = Timestamp::now();
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            // Only cases the gate allowed are hits; a miss here would be the index's bug,
            // and the safe side is to leave it out.
            let Some(case) = allowed.get(&hit.case) else {
                continue;
            };
            self.record_view(&case.id, &who.person, CasePart::Title, now)
                .await?;
            out.push(SearchHit {
                reference: case.id.clone(),
                kind: hit.kind.as_str().to_string(),
                snippet: hit.snippet,
                respondent: case.respondent.member.clone(),
            });
        }
        Ok(out)
    }
}

/// How a kind of match reads on a page.
pub fn kind_label(kind: &str) -> &'static str {
    match Kind::ALL.into_iter().find(|k| k.as_str() == kind) {
        Some(Kind::Title) => "Title",
        Some(Kind::Narrative) => "Complaint narrative",
        Some(Kind::Charge) => "Charge particulars",
        Some(Kind::Note) => "Note",
        Some(Kind::Evidence) => "Evidence",
        None => "Case",
    }
}
