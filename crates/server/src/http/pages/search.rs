//! The search page: cases found by the words of their complaint, title, charges and notes,
//! or by a member they name. Only cases the searcher may read are listed, each shown as a
//! read of that case and recorded on it; there is no count of the others.

use super::{Chrome, Viewer, api_error_page, render};
use crate::search::{SearchHit, kind_label};
use crate::service::Docket;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use docket_domain::ids::MembershipNumber;
use serde::Deserialize;

/// Results shown on one page.
const SHOWN: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct SearchForm {
    #[serde(default)]
    q: String,
    /// A membership number, from a case page's "every complaint about this member".
    #[serde(default)]
    person: String,
}

/// One result as the page lists it.
#[derive(Debug)]
pub struct ResultRow {
    pub reference: String,
    pub kind: &'static str,
    pub snippet: String,
}

impl ResultRow {
    pub fn of(hit: SearchHit) -> ResultRow {
        ResultRow {
            reference: hit.reference.to_string(),
            kind: kind_label(&hit.kind),
            snippet: hit.snippet,
        }
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    person: String,
    /// Whether anything was asked (an empty form shows no "nothing matched").
    asked: bool,
    /// False when this server keeps no index.
    enabled: bool,
    problem: Option<String>,
    rows: Vec<ResultRow>,
}

pub async fn search_page(
    State(docket): State<Docket>,
    viewer: Viewer,
    Query(form): Query<SearchForm>,
) -> Response {
    let q = form.q.trim().to_string();
    let person = form.person.trim().to_string();
    let mut page = SearchPage {
        chrome: viewer.chrome.clone(),
        asked: !q.is_empty() || !person.is_empty(),
        enabled: docket.search.is_some(),
        q,
        person,
        problem: None,
        rows: Vec::new(),
    };
    let found = if !page.q.is_empty() {
        docket.search_cases(&viewer.principal, &page.q, SHOWN).await
    } else if !page.person.is_empty() {
        match MembershipNumber::parse(&page.person) {
            Ok(number) => docket.cases_naming(&viewer.principal, &number, SHOWN).await,
            Err(e) => {
                page.problem = Some(format!("Membership number: {e}"));
                Ok(Vec::new())
            }
        }
    } else {
        Ok(Vec::new())
    };
    match found {
        Ok(hits) => {
            page.rows = hits.into_iter().map(ResultRow::of).collect();
            render(StatusCode::OK, page)
        }
        Err(e) => api_error_page(&viewer.chrome, e.into()),
    }
}
