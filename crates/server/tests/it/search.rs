//! Full-text search and search by person, on both stores: only cases the searcher may read
//! are found, nothing counts the others, every case shown is a recorded read, and each
//! server's own index catches up from the shared log.

use crate::backend::{self, TestStore};
use crate::both_backends;
use crate::pages::Browser;
use crate::support;
use docket::service::Docket;
use docket_domain::Command;
use docket_domain::command::{Complainant, Respondent};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId, Text};
use docket_domain::role::{Principal, Role};
use docket_domain::view::views_stream;
use docket_search::SearchIndex;
use jiff::Timestamp;
use reqwest::StatusCode;
use std::sync::Arc;

const PHRASE: &str = "\"abusive remarks at the branch meeting\"";

fn searching(d: Docket) -> Docket {
    d.with_search(Arc::new(
        SearchIndex::open_in_ram().expect("an index in memory"),
    ))
}

fn person(name: &str) -> PersonId {
    PersonId::parse(name).expect("person id")
}

fn principal(name: &str, role: Role) -> Principal {
    Principal::new(person(name), [role])
}

/// A complaint about member `respondent`, received by a case officer.
async fn complaint(
    d: &Docket,
    seed: u64,
    respondent: &str,
    summary: &str,
    narrative: &str,
) -> CaseId {
    let id = CaseId::from_random(seed);
    let cmd = Command::ReceiveComplaint {
        id: id.clone(),
        complainant: Complainant::Member {
            number: MembershipNumber::parse("PA100").expect("number"),
            name: "Ann Example".into(),
        },
        respondent: Respondent {
            member: MembershipNumber::parse(respondent).expect("number"),
            name: "A Member".into(),
            elected_office: None,
        },
        category: "bullying".into(),
        conduct_date: support::today(),
        summary: Text::parse(summary).expect("text"),
        narrative: Text::parse(narrative).expect("text"),
    };
    d.execute(&id, cmd, &person("officer.intake"), Timestamp::now())
        .await
        .expect("received");
    id
}

/// The complaint the phrase is in, and one it is not in.
async fn two_complaints(d: &Docket) -> (CaseId, CaseId) {
    let found = complaint(
        d,
        1,
        "PA300",
        "Conduct at a meeting",
        "On 3 March he made abusive remarks at the branch meeting in front of new members.",
    )
    .await;
    let other = complaint(d, 2, "PA400", "Leaflets", "Leaflets were left unattended.").await;
    (found, other)
}

/// Who read `id`'s title, per its views stream.
async fn title_readers(d: &Docket, id: &CaseId) -> Vec<String> {
    d.store
        .stream_events(&views_stream(id))
        .await
        .expect("views")
        .into_iter()
        .filter(|e| e.payload.contains("\"title\""))
        .map(|e| e.actor)
        .collect()
}

async fn api_search(base: &str, token: &str, query: &str) -> serde_json::Value {
    let res = crate::api::client()
        .get(format!("{base}/api/v1/search?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("search");
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.expect("json")
}

both_backends!(a_case_officer_finds_a_complaint_by_a_phrase_in_its_narrative);
async fn a_case_officer_finds_a_complaint_by_a_phrase_in_its_narrative(t: TestStore) {
    let d = searching(support::docket(&t));
    let (found, _) = two_complaints(&d).await;
    assert_eq!(
        d.index_log().await.expect("indexed"),
        d.store.head().await.expect("head")
    );

    let officer = principal("officer.a", Role::CaseOfficer);
    let hits = d.search_cases(&officer, PHRASE, 10).await.expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].reference, found);
    assert_eq!(hits[0].kind, "narrative");
    assert!(hits[0].snippet.contains("abusive remarks"), "{hits:?}");
    assert_eq!(title_readers(&d, &found).await, ["officer.a"]);

    // A later note is indexed once the log is read again.
    d.execute(
        &found,
        Command::Acknowledge,
        &person("officer.intake"),
        Timestamp::now(),
    )
    .await
    .expect("acknowledged");
    let assess = Command::Assess {
        category: None,
        assessment: Text::parse("Witnesses from the Harrogate branch corroborate it.")
            .expect("text"),
    };
    d.execute(&found, assess, &person("officer.intake"), Timestamp::now())
        .await
        .expect("assessed");
    d.index_log().await.expect("indexed");
    let hits = d
        .search_cases(&officer, "harrogate", 10)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].kind, "note");

    let (base, _stop) = support::serve(d.clone()).await;
    let token = support::token(&d, "officer.api", &[Role::CaseOfficer]).await;
    let body = api_search(&base, &token, &format!("q={}", encode(PHRASE))).await;
    let hits = body["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 1, "{body}");
    assert_eq!(hits[0]["reference"], found.to_string());
    assert_eq!(hits[0]["respondent"], "PA300");
}

both_backends!(officeholders_and_unrelated_panel_members_get_no_hits_and_no_count);
async fn officeholders_and_unrelated_panel_members_get_no_hits_and_no_count(t: TestStore) {
    let d = searching(support::docket(&t));
    let (found, _) = two_complaints(&d).await;
    d.index_log().await.expect("indexed");
    for who in [
        principal("leader.office", Role::Officeholder),
        principal("panel.x", Role::PanelMember),
    ] {
        let hits = d.search_cases(&who, PHRASE, 10).await.expect("search");
        assert!(hits.is_empty(), "{who:?} found {hits:?}");
        let named = MembershipNumber::parse("PA300").expect("number");
        assert!(
            d.cases_naming(&who, &named, 10)
                .await
                .expect("search")
                .is_empty()
        );
    }
    assert!(
        title_readers(&d, &found).await.is_empty(),
        "nothing was shown, nothing recorded"
    );

    let (base, _stop) = support::serve(d.clone()).await;
    for (name, role) in [
        ("leader.api", Role::Officeholder),
        ("panel.api", Role::PanelMember),
    ] {
        let token = support::token(&d, name, &[role]).await;
        let body = api_search(&base, &token, &format!("q={}", encode(PHRASE))).await;
        // Exactly an empty list: no total, no count of hidden matches.
        assert_eq!(body, serde_json::json!({ "hits": [] }), "{name}");
    }
    for (name, role) in [
        ("leader.web", Role::Officeholder),
        ("panel.web", Role::PanelMember),
    ] {
        let b = Browser::signed_in(&d, &base, name, &[role]).await;
        let (status, page) = b.get(&format!("/search?q={}", encode(PHRASE))).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("No cases you may see match"), "{page}");
        assert!(!page.contains(found.as_str()), "{name} saw the reference");
    }
}

both_backends!(searches_by_those_refused_every_case_load_no_case);
/// Officeholders, administrators and oversight never read case content, whatever the case
/// (the default policy's forbids): their searches are refused before any candidate case is
/// loaded, where each candidate used to be put to the gate in turn. A case officer, who may
/// read every case, still finds it.
async fn searches_by_those_refused_every_case_load_no_case(t: TestStore) {
    let d = searching(support::docket(&t));
    let (found, _) = two_complaints(&d).await;
    d.index_log().await.expect("indexed");
    let named = MembershipNumber::parse("PA300").expect("number");
    for who in [
        principal("leader.office", Role::Officeholder),
        principal("admin.a", Role::Administrator),
        principal("oversight.a", Role::Oversight),
        Principal::new(
            person("whip.officer"),
            [Role::Officeholder, Role::CaseOfficer],
        ),
    ] {
        let before = d.cases.counts();
        let hits = d.search_cases(&who, PHRASE, 10).await.expect("search");
        assert!(hits.is_empty(), "{who:?} found {hits:?}");
        let hits = d.cases_naming(&who, &named, 10).await.expect("search");
        assert!(hits.is_empty(), "{who:?} found {hits:?}");
        assert_eq!(d.cases.counts(), before, "{who:?}: no case was loaded");
    }
    let officer = principal("officer.a", Role::CaseOfficer);
    let hits = d.search_cases(&officer, PHRASE, 10).await.expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(title_readers(&d, &found).await, ["officer.a"]);
}

both_backends!(those_who_read_only_their_own_cases_search_only_those);
/// Investigators and panel members read only the cases they hold a function in (the default
/// policy's "function-holders-read-their-cases"): their searches look only at those cases'
/// documents, so no other case is loaded and put to the gate; the case they are given
/// becomes findable once the index has the assignment, and the gate still decides.
async fn those_who_read_only_their_own_cases_search_only_those(t: TestStore) {
    let d = searching(support::docket(&t));
    let (found, _) = two_complaints(&d).await;
    d.index_log().await.expect("indexed");
    let ivy = principal("investigator.ivy", Role::Investigator);
    let panel = principal("panel.x", Role::PanelMember);
    let named = MembershipNumber::parse("PA300").expect("number");
    for who in [&ivy, &panel] {
        let before = d.cases.counts();
        let hits = d.search_cases(who, PHRASE, 10).await.expect("search");
        assert!(hits.is_empty(), "{who:?} found {hits:?}");
        let hits = d.cases_naming(who, &named, 10).await.expect("search");
        assert!(hits.is_empty(), "{who:?} found {hits:?}");
        assert_eq!(d.cases.counts(), before, "{who:?}: no case was loaded");
    }

    support::open_investigation(&d, &found, &ivy.person).await;
    d.index_log().await.expect("indexed");
    let before = d.cases.counts();
    let hits = d.search_cases(&ivy, PHRASE, 10).await.expect("search");
    let refs: Vec<&CaseId> = hits.iter().map(|h| &h.reference).collect();
    assert_eq!(refs, [&found]);
    let hits = d.cases_naming(&ivy, &named, 10).await.expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(
        d.cases.counts().asked - before.asked,
        2,
        "only the investigator's own case was put to the gate, once per search"
    );
    assert_eq!(title_readers(&d, &found).await, ["investigator.ivy"; 2]);
    // Another investigator still finds nothing, and the panel member still loads nothing.
    let other = principal("investigator.other", Role::Investigator);
    assert!(
        d.search_cases(&other, PHRASE, 10)
            .await
            .expect("search")
            .is_empty()
    );
    // An investigator who also runs cases reads every case: nothing is narrowed.
    let both = Principal::new(
        person("investigator.ivy"),
        [Role::Investigator, Role::CaseOfficer],
    );
    let hits = d.search_cases(&both, "leaflets", 10).await.expect("search");
    assert_eq!(hits.len(), 1);
}

both_backends!(search_by_respondent_lists_every_linked_complaint);
async fn search_by_respondent_lists_every_linked_complaint(t: TestStore) {
    let d = searching(support::docket(&t));
    let mut about = Vec::new();
    for seed in 10..13 {
        about.push(complaint(&d, seed, "PA300", &format!("Complaint {seed}"), "Shouting.").await);
    }
    let elsewhere = complaint(&d, 20, "PA400", "Someone else", "Shouting.").await;
    about.sort();
    d.index_log().await.expect("indexed");

    let officer = principal("officer.a", Role::CaseOfficer);
    let named = MembershipNumber::parse("pa300").expect("number");
    let hits = d.cases_naming(&officer, &named, 10).await.expect("search");
    let refs: Vec<CaseId> = hits.iter().map(|h| h.reference.clone()).collect();
    assert_eq!(refs, about);
    assert!(hits.iter().all(|h| h.kind == "title"), "{hits:?}");

    let (base, _stop) = support::serve(d.clone()).await;
    let token = support::token(&d, "officer.api", &[Role::CaseOfficer]).await;
    let body = api_search(&base, &token, "person=PA300").await;
    assert_eq!(body["hits"].as_array().expect("hits").len(), 3, "{body}");

    let b = Browser::signed_in(&d, &base, "officer.web", &[Role::CaseOfficer]).await;
    let (status, page) = b.get(&format!("/cases/{}", about[0])).await;
    assert_eq!(status, StatusCode::OK);
    let linked = page
        .split("Other complaints about this member")
        .nth(1)
        .expect("the case page lists other complaints");
    for other in &about[1..] {
        assert!(linked.contains(other.as_str()), "{other} is linked");
    }
    assert!(!linked.contains(elsewhere.as_str()));
}

both_backends!(a_second_server_catches_up_from_the_log_into_its_own_index);
async fn a_second_server_catches_up_from_the_log_into_its_own_index(t: TestStore) {
    let one = searching(support::docket(&t));
    let two = searching(Docket::new(
        backend::second_handle(&t).await,
        docket_domain::rulebook::RuleBook::default_rules(),
        docket_domain::calendar::Calendar::england_and_wales(),
    ));
    let officer = principal("officer.a", Role::CaseOfficer);
    let (found, _) = two_complaints(&one).await;
    one.index_log().await.expect("indexed");
    assert!(
        two.search_cases(&officer, PHRASE, 10)
            .await
            .expect("search")
            .is_empty()
    );
    two.index_log().await.expect("indexed");
    let hits = two
        .search_cases(&officer, PHRASE, 10)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].reference, found);

    // And back: written on the second server, found on the first.
    let later = complaint(
        &two,
        30,
        "PA500",
        "Threats",
        "Threatening voicemails left overnight.",
    )
    .await;
    let head = one.index_log().await.expect("indexed");
    assert_eq!(head, one.store.head().await.expect("head"));
    let hits = one
        .search_cases(&officer, "voicemails", 10)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].reference, later);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docket_reindex_rebuilds_the_index_from_the_log() {
    let t = backend::sqlite().await;
    let (found, _) = two_complaints(&support::docket(&t)).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["reindex", "--data", &t.url])
        .env_remove("DOCKET_DATA")
        .env_remove("DOCKET_DATABASE_URL")
        .env_remove("DOCKET_SEARCH_INDEX")
        .output()
        .expect("run docket");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Rebuilt the search index"), "{stdout}");
    assert!(stdout.contains("documents"), "{stdout}");
    let index =
        SearchIndex::open(&std::path::Path::new(&t.url).join("search-index")).expect("open");
    let hits = index.search(PHRASE, &|_| true, 10).expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].case, found.to_string());
}

fn encode(q: &str) -> String {
    serde_urlencoded::to_string([("", q)])
        .unwrap_or_default()
        .trim_start_matches('=')
        .to_string()
}

both_backends!(the_words_of_text_evidence_are_found_and_others_are_not);
/// A witness statement uploaded as a text file is found by its words (opened under the
/// case's key to be indexed); a binary file's bytes are not indexed.
async fn the_words_of_text_evidence_are_found_and_others_are_not(t: TestStore) {
    let d = searching(support::docket(&t));
    let (found, _) = two_complaints(&d).await;
    let officer = principal("officer.x", Role::CaseOfficer);
    d.add_evidence(
        &found,
        "statement.txt",
        "I heard him shout at the treasurer about the raffle takings.".as_bytes(),
        &officer,
        Timestamp::now(),
    )
    .await
    .expect("added");
    d.index_log().await.expect("indexed");
    let hits = d
        .search_cases(&officer, "\"raffle takings\"", 10)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].reference, found);
    assert_eq!(hits[0].kind, "evidence");
    let outsider = principal("whip", Role::Officeholder);
    assert!(
        d.search_cases(&outsider, "\"raffle takings\"", 10)
            .await
            .expect("search")
            .is_empty()
    );
}
