//! The `docket` binary as a person uses it.

use docket_domain::store::Store;
use docket_store_sqlite::SqliteStore;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_docket");

fn docket(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DOCKET_DATA")
        .env_remove("DOCKET_DATABASE_URL")
        .output()
        .expect("run docket")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn help_explains_every_command() {
    let out = docket(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for cmd in [
        "init", "serve", "demo", "rebuild", "members", "cases", "bench",
    ] {
        assert!(help.contains(cmd), "--help mentions {cmd}: {help}");
    }
    assert!(
        !help.contains("stress-append"),
        "internal commands stay hidden"
    );
}

#[test]
fn missing_or_wrong_locations_are_explained() {
    let out = docket(&["cases", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--data DIR"),
        "{}",
        text(&out.stderr)
    );
    let out = docket(&["cases", "list", "--database-url", "mysql://x"]);
    assert!(text(&out.stderr).contains("must be a postgres:// URL"));
    let out = docket(&[
        "init",
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none",
    ]);
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_then_import_members_reports_bad_rows_and_keeps_good_ones() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8");
    let out = docket(&["init", "--data", data_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        data.join("rulebook.toml").exists(),
        "init writes the rule book to edit"
    );
    assert!(text(&out.stdout).contains("Docket is ready"));

    let csv = dir.path().join("members.csv");
    std::fs::write(
        &csv,
        "membership_number,name,joined_on,status,elected_office,region\n\
         PA1,Ann Able,2020-01-01,active,,North\n\
         PA2,Bob Baker,not-a-date,active,,\n\
         PA3,Cy Cole,2021-02-02,,MP for Northtown,\n",
    )
    .expect("write csv");
    let out = docket(&[
        "members",
        "import",
        "--data",
        data_s,
        csv.to_str().expect("utf8"),
    ]);
    assert!(!out.status.success(), "bad rows make the command fail");
    let err = text(&out.stderr);
    assert!(
        err.contains("members.csv:3: joined_on 'not-a-date'"),
        "{err}"
    );
    assert!(text(&out.stdout).contains("Imported 2 members"));
    let store = SqliteStore::open_dir(&data).await.expect("open");
    assert_eq!(store.member_count().await.expect("count"), 2);
    let cy = store
        .member(&docket_domain::ids::MembershipNumber::parse("PA3").expect("n"))
        .await
        .expect("member")
        .expect("exists");
    assert_eq!(cy.elected_office.as_deref(), Some("MP for Northtown"));

    let rules = data.join("rulebook.toml");
    std::fs::write(&rules, "organisation = \"X\"\n[panels]\nhearing = 0\n").expect("write");
    let out = docket(&["cases", "list", "--data", data_s]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("rule book"),
        "a bad rule book is named: {}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_lists_the_member_awaiting_a_hearing_as_overdue_and_rebuilds() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("demo");
    let data_s = data.to_str().expect("utf8");
    let out = docket(&["demo", "--data", data_s, "--no-serve"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Created 500000 members and 300 cases"));

    let store = SqliteStore::open_dir(&data).await.expect("open");
    let charged = store
        .list_cases(&docket_domain::store::CaseFilter {
            stage: Some(docket_domain::Stage::Charged),
            ..Default::default()
        })
        .await
        .expect("list");
    let waiting = charged
        .iter()
        .find(|c| c.respondent.as_str() == "PA0000106")
        .expect("story 4");
    drop(store);

    let out = docket(&["cases", "list", "--data", data_s, "--overdue"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let row = listing
        .lines()
        .find(|l| l.starts_with(waiting.id.as_str()))
        .expect("story 4 listed as overdue");
    assert!(
        row.contains("charged")
            && row.contains("OVERDUE since")
            && row.contains("MEASURE REVIEW OVERDUE"),
        "{row}"
    );
    assert!(!listing.contains("Pat Quinlan"), "the list shows no names");

    let out = docket(&["cases", "list", "--data", data_s, "--stage", "nonsense"]);
    assert!(text(&out.stderr).contains("'nonsense' is not a stage"));

    let out = docket(&["demo", "--data", data_s, "--no-serve"]);
    assert!(
        text(&out.stdout).contains("Using the existing demo"),
        "a second run keeps the data"
    );

    let out = docket(&["rebuild", "--data", data_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("300 cases, 500000 members"),
        "{}",
        text(&out.stdout)
    );

    transparency_commands(&data, waiting.id.as_str());
}

/// `docket cases show`, `audit` and `verify` on the demo, then `verify` on a tampered copy.
fn transparency_commands(data: &std::path::Path, case: &str) {
    let data_s = data.to_str().expect("utf8");
    let out = docket(&["cases", "show", case, "--data", data_s, "--as", "officer-x"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file: serde_json::Value = serde_json::from_slice(&out.stdout).expect("case json");
    assert_eq!(file["id"], case);

    let out = docket(&["audit", case, "--data", data_s, "--as", "auditor-y"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains("case_viewed") && listing.contains("officer-x"),
        "{listing}"
    );
    assert!(
        listing.contains("entries proved against the checkpoint"),
        "{listing}"
    );

    let out = docket(&["verify", "--data", data_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("The log verifies:"),
        "{}",
        text(&out.stdout)
    );

    let other =
        docket_tlog::Signer::from_seed("docket/the-peoples-alliance", [1; 32]).expect("key");
    let out = docket(&["verify", "--data", data_s, "--vkey", &other.vkey()]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("is not signed by the log's key"),
        "{}",
        text(&out.stderr)
    );

    let db = rusqlite::Connection::open(data.join("docket.db")).expect("open");
    db.execute(
        "UPDATE events SET payload = payload || ' ' WHERE seq = 1234",
        [],
    )
    .expect("tamper");
    let out = docket(&["verify", "--data", data_s]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("event 1234 was altered"),
        "{}",
        text(&out.stderr)
    );
}
