//! The search index against real tantivy indexes on temporary directories.

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use docket_search::{Doc, Hit, Kind, SearchError, SearchIndex, Within};

fn doc(case: &str, kind: Kind, text: &str, people: &[&str]) -> Doc {
    Doc {
        key: format!("{case}/{kind}"),
        case: case.to_owned(),
        kind,
        text: text.to_owned(),
        people: people.iter().map(|p| (*p).to_owned()).collect(),
        access: Vec::new(),
    }
}

fn anyone(_: &str) -> bool {
    true
}

fn cases(hits: &[Hit]) -> Vec<&str> {
    hits.iter().map(|hit| hit.case.as_str()).collect()
}

fn temp_index() -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let index = SearchIndex::open(dir.path()).expect("open a new index");
    (dir, index)
}

/// Three cases about different things, each with a title and a narrative.
fn sample() -> Vec<Doc> {
    vec![
        doc(
            "DK-AAAA-0001",
            Kind::Title,
            "Abusive messages to the branch secretary",
            &["M-100001", "M-100002"],
        ),
        doc(
            "DK-AAAA-0001",
            Kind::Narrative,
            "After the branch meeting in March the respondent sent abusive messages on \
             social media to the secretary, repeatedly, late at night.",
            &["M-100001", "M-100002"],
        ),
        doc(
            "DK-AAAA-0002",
            Kind::Narrative,
            "The treasurer failed to disclose a conflict of interest when the branch paid \
             invoices to her partner's company.",
            &["M-100003", "M-100002"],
        ),
        doc(
            "DK-AAAA-0003",
            Kind::Narrative,
            "At the annual general meeting the chair shouted at members and refused to \
             count the ballot.",
            &["M-100004", "M-100005"],
        ),
    ]
}

#[test]
fn a_phrase_from_a_narrative_finds_its_case_and_an_absent_word_finds_nothing() {
    let (_dir, index) = temp_index();
    index.apply(sample(), &[], 1).unwrap();

    let hits = index
        .search("\"conflict of interest\"", &anyone, 10)
        .unwrap();
    assert_eq!(cases(&hits), ["DK-AAAA-0002"]);
    assert_eq!(hits[0].kind, Kind::Narrative);
    assert_eq!(hits[0].key, "DK-AAAA-0002/narrative");
    assert!(hits[0].snippet.contains("conflict of interest"), "{hits:?}");
    assert!(hits[0].snippet.chars().count() <= 200);

    // Words are stemmed and case-folded; a phrase needs its words in order.
    assert_eq!(
        cases(&index.search("DISCLOSED", &anyone, 10).unwrap()),
        ["DK-AAAA-0002"]
    );
    assert!(
        index
            .search("\"interest of conflict\"", &anyone, 10)
            .unwrap()
            .is_empty()
    );
    assert!(index.search("zeppelin", &anyone, 10).unwrap().is_empty());
    // Each adjacent pair of a longer phrase occurring somewhere is not the phrase.
    index
        .apply(
            vec![doc(
                "DK-AAAA-0009",
                Kind::Note,
                "a code of practice, and of conduct",
                &[],
            )],
            &[],
            2,
        )
        .unwrap();
    assert_eq!(
        cases(&index.search("\"code of conduct\"", &anyone, 10).unwrap()),
        Vec::<&str>::new()
    );
    assert_eq!(
        cases(&index.search("\"of conduct\"", &anyone, 10).unwrap()),
        ["DK-AAAA-0009"]
    );
    // Every word must occur.
    assert!(
        index
            .search("treasurer zeppelin", &anyone, 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_case_is_one_hit_represented_by_its_best_document() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.apply(sample(), &[], 1).unwrap();
    let hits = index.search("abusive messages", &anyone, 10).unwrap();
    assert_eq!(cases(&hits), ["DK-AAAA-0001"]);
    // The short title matches the same words more densely than the long narrative.
    assert_eq!(hits[0].kind, Kind::Title);
    assert!(hits[0].score > 0.0);
}

#[test]
fn a_refused_case_leaves_no_trace() {
    // Case X matches "ballot" best; five other cases match it too.
    let mut docs = vec![doc(
        "DK-XXXX-XXXX",
        Kind::Narrative,
        "ballot ballot ballot ballot",
        &["M-1"],
    )];
    for i in 0..5 {
        docs.push(doc(
            &format!("DK-OK00-000{i}"),
            Kind::Narrative,
            // Distinct lengths, so distinct scores: equal scores would be ordered by where the
            // writer's threads happened to put each document.
            &format!(
                "the ballot was counted by the steward{}",
                " again".repeat(i)
            ),
            &["M-2"],
        ));
    }
    let full = SearchIndex::open_in_ram().unwrap();
    full.apply(docs.clone(), &[], 1).unwrap();
    let without_x = SearchIndex::open_in_ram().unwrap();
    without_x.apply(docs[1..].to_vec(), &[], 1).unwrap();

    let not_x = |case: &str| case != "DK-XXXX-XXXX";
    for limit in [1, 3, 5, 10] {
        let filtered = full.search("ballot", &not_x, limit).unwrap();
        let absent = without_x.search("ballot", &anyone, limit).unwrap();
        assert_eq!(cases(&filtered), cases(&absent), "limit {limit}");
        assert!(!cases(&filtered).contains(&"DK-XXXX-XXXX"));
    }
    assert_eq!(
        full.search("ballot", &anyone, 1).unwrap()[0].case,
        "DK-XXXX-XXXX"
    );
    // Searching for what only the refused case says answers exactly as if it were absent.
    assert!(
        full.search("\"ballot ballot\"", &not_x, 10)
            .unwrap()
            .is_empty()
    );
    assert!(full.by_person("M-1", &not_x, 10).unwrap().is_empty());
}

#[test]
fn many_refused_top_candidates_do_not_starve_the_result() {
    let index = SearchIndex::open_in_ram().unwrap();
    let mut docs = Vec::new();
    // 500 refused cases, each with two documents that rank above every allowed one.
    for i in 0..500 {
        for kind in [Kind::Title, Kind::Note] {
            docs.push(doc(
                &format!("DK-DENY-{i:04}"),
                kind,
                "fraud fraud fraud",
                &[],
            ));
        }
    }
    for i in 0..30 {
        docs.push(doc(
            &format!("DK-OKAY-{i:04}"),
            Kind::Narrative,
            "the accounts showed a small fraud among many ordinary payments, invoices, \
             receipts and transfers recorded over the year by the branch treasurer",
            &[],
        ));
    }
    index.apply(docs, &[], 1).unwrap();

    let asked = RefCell::new(Vec::<String>::new());
    let may_see = |case: &str| {
        asked.borrow_mut().push(case.to_owned());
        case.starts_with("DK-OKAY")
    };
    let hits = index.search("fraud", &may_see, 10).unwrap();
    assert_eq!(hits.len(), 10);
    assert!(hits.iter().all(|hit| hit.case.starts_with("DK-OKAY")));
    assert_eq!(cases(&hits).iter().collect::<HashSet<_>>().len(), 10);
    // Asked once per case, never twice.
    let asked = asked.into_inner();
    assert_eq!(asked.iter().collect::<HashSet<_>>().len(), asked.len());
    assert_eq!(asked.len(), 510);

    // Best first.
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    // And when fewer allowed cases exist than asked for, all of them come back.
    let all = index
        .search("fraud", &|case: &str| case.starts_with("DK-OKAY"), 100)
        .unwrap();
    assert_eq!(all.len(), 30);
}

#[test]
fn upserts_replace_by_key_and_deletes_remove_a_case() {
    let (_dir, index) = temp_index();
    index.apply(sample(), &[], 1).unwrap();
    assert_eq!(index.documents().unwrap(), 4);

    let mut revised = doc(
        "DK-AAAA-0002",
        Kind::Narrative,
        "The treasurer mislaid the receipts.",
        &["M-100003", "M-100002"],
    );
    index.apply(vec![revised.clone()], &[], 2).unwrap();
    assert_eq!(index.documents().unwrap(), 4);
    assert!(index.search("conflict", &anyone, 10).unwrap().is_empty());
    assert_eq!(
        cases(&index.search("receipts", &anyone, 10).unwrap()),
        ["DK-AAAA-0002"]
    );

    // The same key twice in one batch: the last wins.
    revised.text = "first version".to_owned();
    let mut last = revised.clone();
    last.text = "second version".to_owned();
    index.apply(vec![revised, last], &[], 3).unwrap();
    assert!(index.search("first", &anyone, 10).unwrap().is_empty());
    assert_eq!(index.search("second", &anyone, 10).unwrap().len(), 1);

    index
        .apply(Vec::new(), &["DK-AAAA-0001".to_owned()], 4)
        .unwrap();
    assert_eq!(index.documents().unwrap(), 2);
    assert!(index.search("abusive", &anyone, 10).unwrap().is_empty());
    assert!(index.by_person("M-100001", &anyone, 10).unwrap().is_empty());
    assert_eq!(
        cases(&index.by_person("M-100002", &anyone, 10).unwrap()),
        ["DK-AAAA-0002"]
    );

    // Updating and deleting a case in one batch leaves it deleted.
    let doomed = doc("DK-AAAA-0003", Kind::Note, "a late note", &[]);
    index
        .apply(vec![doomed], &["DK-AAAA-0003".to_owned()], 5)
        .unwrap();
    assert_eq!(index.documents().unwrap(), 1);
}

#[test]
fn the_position_survives_reopening_and_clear_empties_the_index() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = SearchIndex::open(dir.path()).unwrap();
        assert_eq!(index.position().unwrap(), 0);
        index.apply(sample(), &[], 41).unwrap();
        index.apply(Vec::new(), &[], 42).unwrap();
        assert_eq!(index.position().unwrap(), 42);
        assert!(matches!(
            index.apply(Vec::new(), &[], 7),
            Err(SearchError::PositionBehind {
                asked: 7,
                indexed: 42
            })
        ));
        // Retrying a batch at the same position is fine.
        index.apply(Vec::new(), &[], 42).unwrap();
    }
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.position().unwrap(), 42);
    assert_eq!(index.documents().unwrap(), 4);
    assert_eq!(index.search("treasurer", &anyone, 10).unwrap().len(), 1);

    index.clear().unwrap();
    assert_eq!(index.position().unwrap(), 0);
    assert_eq!(index.documents().unwrap(), 0);
    assert!(index.search("treasurer", &anyone, 10).unwrap().is_empty());
    // A rebuild starts again from the beginning of the log.
    index.apply(sample(), &[], 1).unwrap();
    assert_eq!(index.documents().unwrap(), 4);
    drop(index);
    let index = SearchIndex::open(dir.path()).unwrap();
    assert_eq!(index.position().unwrap(), 1);
}

#[test]
fn by_person_lists_every_case_naming_them_in_reference_order_filtered() {
    let index = SearchIndex::open_in_ram().unwrap();
    let mut docs = sample();
    docs.push(doc(
        "DK-AAAA-0000",
        Kind::Evidence,
        "screenshot of a post",
        &["M-100002"],
    ));
    docs.push(doc(
        "DK-AAAA-0000",
        Kind::Charge,
        "Rule 4.2: conduct",
        &["M-100002"],
    ));
    index.apply(docs, &[], 1).unwrap();

    let hits = index.by_person("M-100002", &anyone, 10).unwrap();
    assert_eq!(
        cases(&hits),
        ["DK-AAAA-0000", "DK-AAAA-0001", "DK-AAAA-0002"]
    );
    // Each case stands for itself by its most telling document, with its text as snippet.
    assert_eq!(hits[0].kind, Kind::Charge);
    assert_eq!(hits[1].kind, Kind::Title);
    assert_eq!(hits[1].snippet, "Abusive messages to the branch secretary");
    assert_eq!(hits[1].score, 0.0);

    let not_1 = |case: &str| case != "DK-AAAA-0001";
    assert_eq!(
        cases(&index.by_person("M-100002", &not_1, 10).unwrap()),
        ["DK-AAAA-0000", "DK-AAAA-0002"]
    );
    assert_eq!(
        cases(&index.by_person("M-100002", &not_1, 1).unwrap()),
        ["DK-AAAA-0000"]
    );
    // Exact identifiers only: no prefix, no tokenising.
    assert!(index.by_person("M-10000", &anyone, 10).unwrap().is_empty());
    assert!(index.by_person("100002", &anyone, 10).unwrap().is_empty());
    assert!(index.by_person("", &anyone, 10).unwrap().is_empty());
    // People are not searchable as text.
    assert!(index.search("M-100002", &anyone, 10).unwrap().is_empty());
}

#[test]
fn hostile_query_text_never_fails() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.apply(sample(), &[], 1).unwrap();
    let long = "meeting ".repeat(100_000);
    let odd = "é\u{0}\u{FEFF}\u{202E}🙂".repeat(1_000);
    for text in [
        "\"unbalanced",
        "AND OR",
        "*",
        "",
        "   ",
        "\"\"",
        "case:DK-AAAA-0001",
        "people:M-100001",
        "text:(a OR b",
        "meeting^10 -branch +chair ~2 [a TO z] /regex.*/",
        long.as_str(),
        odd.as_str(),
    ] {
        let hits = index.search(text, &anyone, 10);
        assert!(hits.is_ok(), "{:?}: {hits:?}", &text[..text.len().min(40)]);
    }
    assert!(index.search("", &anyone, 10).unwrap().is_empty());
    assert!(index.search("*", &anyone, 10).unwrap().is_empty());
    assert!(index.search("\"", &anyone, 10).unwrap().is_empty());
    // Field syntax is text, not a way round the filter or into other fields.
    assert!(
        index
            .search("people:M-100001", &anyone, 10)
            .unwrap()
            .is_empty()
    );
    // An unclosed quote is a phrase to the end.
    assert_eq!(
        index
            .search("\"abusive messages", &anyone, 10)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(index.search(&long, &anyone, 10).unwrap().len(), 2);
    assert!(index.search("meeting", &anyone, 0).unwrap().is_empty());
}

#[test]
fn opening_reports_what_the_directory_holds() {
    // Garbage where the metadata should be: corrupt, so the caller may delete and rebuild.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("meta.json"), b"{ not json").unwrap();
    let err = SearchIndex::open(dir.path()).unwrap_err();
    assert!(matches!(err, SearchError::Corrupt { .. }), "{err:?}");

    // Another application's index: incompatible.
    let dir = tempfile::tempdir().unwrap();
    {
        let mut builder = tantivy_schema_builder();
        builder.add_text_field("title", tantivy::schema::TEXT);
        tantivy::Index::create_in_dir(dir.path(), builder.build()).unwrap();
    }
    let err = SearchIndex::open(dir.path()).unwrap_err();
    assert!(matches!(err, SearchError::Incompatible { .. }), "{err:?}");

    // Open twice at once: the second is refused, and the first keeps working.
    let dir = tempfile::tempdir().unwrap();
    let first = SearchIndex::open(dir.path()).unwrap();
    let err = SearchIndex::open(dir.path()).unwrap_err();
    assert!(matches!(err, SearchError::Locked { .. }), "{err:?}");
    first.apply(sample(), &[], 1).unwrap();

    // A directory that does not exist yet is created.
    let parent = tempfile::tempdir().unwrap();
    let nested = parent.path().join("a/b/index");
    SearchIndex::open(&nested).unwrap();
    assert!(Path::new(&nested).join("meta.json").exists());
}

fn tantivy_schema_builder() -> tantivy::schema::SchemaBuilder {
    tantivy::schema::Schema::builder()
}

#[test]
fn searches_run_concurrently_with_writes() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SearchIndex>();

    let index = Arc::new(SearchIndex::open_in_ram().unwrap());
    index.apply(sample(), &[], 1).unwrap();
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let hits = index.search("branch", &anyone, 10).unwrap();
                    assert!(!hits.is_empty());
                }
            })
        })
        .collect();
    for n in 0..20u64 {
        let note = doc(&format!("DK-BBBB-{n:04}"), Kind::Note, "branch note", &[]);
        index.apply(vec![note], &[], 2 + n).unwrap();
    }
    for reader in readers {
        reader.join().unwrap();
    }
    assert_eq!(index.search("note", &anyone, 50).unwrap().len(), 20);
}

#[test]
fn waiting_for_merges_keeps_documents_and_position() {
    let (_dir, index) = temp_index();
    for n in 0..12u64 {
        let docs = (0..50)
            .map(|i| {
                doc(
                    &format!("DK-M{n:03}-{i:04}"),
                    Kind::Narrative,
                    "a complaint about the meeting",
                    &["M-7"],
                )
            })
            .collect();
        index.apply(docs, &[], n + 1).unwrap();
    }
    index.wait_merges().unwrap();
    assert_eq!(index.documents().unwrap(), 600);
    assert_eq!(index.position().unwrap(), 12);
    assert_eq!(index.by_person("M-7", &anyone, 1000).unwrap().len(), 600);
    index.apply(Vec::new(), &[], 13).unwrap();
    assert_eq!(index.position().unwrap(), 13);
}

#[test]
fn a_narrowed_search_looks_only_at_tagged_documents_and_ranks_them_as_before() {
    let (_dir, index) = temp_index();
    let mut docs = sample();
    for d in &mut docs {
        d.access = match d.case.as_str() {
            "DK-AAAA-0001" => vec!["investigators:ivy".into(), "hearing_panel:pat".into()],
            "DK-AAAA-0002" => vec!["investigators:olly".into()],
            _ => vec![],
        };
    }
    index.apply(docs, &[], 1).unwrap();
    let asked = RefCell::new(Vec::new());
    let note = |case: &str| {
        asked.borrow_mut().push(case.to_owned());
        true
    };

    let everything = index.search("branch", &anyone, 10).unwrap();
    assert_eq!(cases(&everything), ["DK-AAAA-0001", "DK-AAAA-0002"]);
    let ivy = ["investigators:ivy".to_owned()];
    let hits = index
        .search_within(Within::Tagged(&ivy), "branch", &note, 10)
        .unwrap();
    assert_eq!(cases(&hits), ["DK-AAAA-0001"]);
    assert_eq!(
        hits[0].score, everything[0].score,
        "the filter adds no score"
    );
    assert_eq!(
        *asked.borrow(),
        ["DK-AAAA-0001"],
        "others are never asked about"
    );

    let either = [
        "hearing_panel:pat".to_owned(),
        "investigators:olly".to_owned(),
    ];
    let hits = index
        .search_within(Within::Tagged(&either), "branch", &anyone, 10)
        .unwrap();
    assert_eq!(cases(&hits), ["DK-AAAA-0001", "DK-AAAA-0002"]);
    let hits = index
        .search_within(Within::Everything, "branch", &anyone, 10)
        .unwrap();
    assert_eq!(hits, everything);
    let nobody: [String; 0] = [];
    assert!(
        index
            .search_within(Within::Tagged(&nobody), "branch", &anyone, 10)
            .unwrap()
            .is_empty()
    );

    asked.borrow_mut().clear();
    let hits = index
        .by_person_within(Within::Tagged(&ivy), "M-100002", &note, 10)
        .unwrap();
    assert_eq!(cases(&hits), ["DK-AAAA-0001"]);
    assert_eq!(*asked.borrow(), ["DK-AAAA-0001"]);
    let all = index.by_person("M-100002", &anyone, 10).unwrap();
    assert_eq!(cases(&all), ["DK-AAAA-0001", "DK-AAAA-0002"]);
    assert!(
        index
            .by_person_within(Within::Tagged(&nobody), "M-100002", &anyone, 10)
            .unwrap()
            .is_empty()
    );
    // Access terms are not text: a search box cannot reach them.
    assert!(
        index
            .search("investigators:ivy", &anyone, 10)
            .unwrap()
            .is_empty()
    );
}
