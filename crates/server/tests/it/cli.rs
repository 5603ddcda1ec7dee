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
        "init", "serve", "demo", "rebuild", "members", "users", "cases", "bench", "report",
        "outbox", "schedule",
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
    assert!(
        text(&out.stdout).contains("Created 500000 members, 300 cases and 64 staff accounts"),
        "{}",
        text(&out.stdout)
    );

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

    let out = docket(&["cases", "ageing", "--data", data_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let oldest = report
        .split("Open for 24 months or more:")
        .nth(1)
        .expect("a 24+ band listing");
    assert!(oldest.contains(waiting.id.as_str()), "{report}");
    assert!(report.contains("Interim measures in force by time since imposed"));
    let out = docket(&["cases", "ageing", "--data", data_s, "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let over24 = &json["cases"]["bands"][4];
    assert_eq!(over24[0], "24+");
    assert!(
        over24[1]
            .as_array()
            .expect("cases")
            .iter()
            .any(|c| c["reference"] == waiting.id.as_str())
    );

    // The transparency report over the demo's three years, from the raw log.
    let period = format!("2020-01-01..{}", crate::support::today());
    let out = docket(&["report", "--data", data_s, "--period", &period]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["received"]["count"], 300);
    assert_eq!(report["open"]["count"], 90);
    let ended = report["expelled_or_resigned"]["count"]
        .as_u64()
        .expect("expelled or resigned");
    assert!((130..=170).contains(&ended), "about half: {ended}");
    assert_eq!(report["open_share"], "0.018% of 500,000 members");
    assert_eq!(report["membership"]["members"], 500_000);
    // The documented schema names exactly the fields written.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/report.schema.json"
        ))
        .expect("schema file"),
    )
    .expect("schema json");
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let mut written: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    required.sort_unstable();
    written.sort_unstable();
    assert_eq!(required, written);
    let funnel = &report["tables"][0];
    let in_buckets: u64 = funnel["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter_map(|c| c["count"].as_u64())
        .sum();
    assert!(in_buckets <= 300 && funnel["total"]["count"] == 300);
    for t in report["tables"].as_array().expect("tables") {
        for c in t["cells"].as_array().expect("cells") {
            let n = c["count"].as_u64();
            assert!(
                n.is_none_or(|n| n == 0 || n >= 5),
                "a small count is published: {c}"
            );
        }
    }
    // The distributions account for the cases they describe, and the overdue table for the
    // headline's overdue figure (the demo has cases waiting too long).
    let table = |name: &str| {
        report["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no table {name}"))
            .clone()
    };
    assert_eq!(
        table("open complaints by time since received")["total"]["count"],
        90
    );
    assert_eq!(
        table("closed complaints by working days to outcome")["total"]["count"],
        210
    );
    let overdue = table("open complaints past their stage's due date, by step");
    assert_eq!(overdue["total"], report["overdue"]);
    assert!(
        report["overdue"]["count"].as_u64().is_some_and(|n| n >= 5),
        "the demo's overdue cases are counted: {}",
        report["overdue"]
    );
    let checkpoint = report["checkpoint"]["tree_size"].as_u64().expect("covered");
    assert!(
        checkpoint >= 300,
        "the checkpoint covers the period's events"
    );
    // `docket report` for the period, with more arguments.
    let report_with = |more: &[&str]| {
        let mut args = vec!["report", "--data", data_s, "--period", &period];
        args.extend_from_slice(more);
        docket(&args)
    };
    let csv_dir = dir.path().join("report");
    let write_report = |format: &str| {
        let out = report_with(&["--format", format, "--out", csv_dir.to_str().expect("utf8")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    write_report("csv");
    let csv = std::fs::read_to_string(csv_dir.join("report.csv")).expect("csv");
    assert!(csv.starts_with("table,cell,value\n"));
    assert!(csv.contains("headline,received,300\n") && csv.contains("headline,open,90\n"));
    assert!(csv.contains(&format!("headline,expelled or resigned,{ended}\n")));
    write_report("html");
    let html = std::fs::read_to_string(csv_dir.join("report.html")).expect("html");
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "funnel, outcomes, time-to-outcome distribution, ageing and median times"
    );
    assert!(html.contains("Open and past their stage's due date"));
    assert!(html.contains("0.018% of 500,000 members"));
    assert!(html.contains("fewer than 5") && html.contains("Methodology"));
    // A previous release is read back (the same period: nothing is nested, nothing more
    // withheld), and a file that is no report is named.
    let previous = dir.path().join("previous.json");
    std::fs::write(&previous, serde_json::to_vec(&report).expect("json")).expect("write");
    let prev_s = previous.to_str().expect("utf8");
    let out = report_with(&["--previous", prev_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(again["tables"], report["tables"]);
    let out = report_with(&["--previous", data_s]);
    assert!(!out.status.success());
    let out = report_with(&["--verify-from-log"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("from the read models and from the"));
    let out = docket(&["report", "--data", data_s, "--period", "2026Q5"]);
    assert!(text(&out.stderr).contains("2026Q5' is not a period"));

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
    let out = docket(&["cases", "show", case, "--data", data_s, "--as", "nobody-z"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("has an account"),
        "{}",
        text(&out.stderr)
    );
    let out = docket(&[
        "cases",
        "show",
        case,
        "--data",
        data_s,
        "--as",
        "leaders-office.zoe-campbell",
    ]);
    assert!(
        !out.status.success(),
        "the command line goes through the policy too"
    );
    assert!(
        text(&out.stderr).contains("officeholders and administrators never read case content"),
        "{}",
        text(&out.stderr)
    );
    let out = docket(&[
        "cases",
        "show",
        case,
        "--data",
        data_s,
        "--as",
        "officer.amara-osei",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let file: serde_json::Value = serde_json::from_slice(&out.stdout).expect("case json");
    assert_eq!(file["id"], case);

    let out = docket(&[
        "audit",
        case,
        "--data",
        data_s,
        "--as",
        "oversight.tess-wright",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains("case_viewed") && listing.contains("officer.amara-osei"),
        "{listing}"
    );
    assert!(
        listing.contains("access_denied") && listing.contains("leaders-office.zoe-campbell"),
        "the officeholder's refused attempt is in the trail: {listing}"
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

/// Runs `docket` with `input` on its standard input.
fn docket_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("DOCKET_DATA")
        .env_remove("DOCKET_DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run docket");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("docket finishes")
}

/// The value printed after `label` on a line of `out`.
fn printed_after(out: &str, label: &str) -> String {
    out.lines()
        .find_map(|l| l.split_once(label).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_else(|| panic!("'{label}' is printed: {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let d = data.to_str().expect("utf8");
    let ok = |out: &Output| {
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let out = docket(&[
        "users",
        "add",
        "Amara.Osei",
        "--data",
        d,
        "--person",
        "officer.amara-osei",
        "--name",
        "Amara Osei",
        "--role",
        "case_officer",
        "--role",
        "investigator",
        "--as",
        "admin.usman-khan",
    ]);
    let printed = ok(&out);
    assert!(
        printed.contains(
            "Created the account amara.osei for officer.amara-osei (case_officer, investigator)"
        ),
        "{printed}"
    );
    let temporary = printed_after(&printed, "pass it on privately): ");
    assert!(printed.contains("second factor"), "{printed}");

    let out = docket_with_input(
        &[
            "users",
            "add",
            "tess.wright",
            "--data",
            d,
            "--person",
            "oversight.tess-wright",
            "--name",
            "Tess Wright",
            "--role",
            "oversight",
            "--member",
            "pa0000077",
            "--password-stdin",
        ],
        "tulips in the harbour\n",
    );
    let printed = ok(&out);
    assert!(!printed.contains("Temporary password"), "{printed}");

    let out = docket_with_input(
        &[
            "users",
            "add",
            "weak.pass",
            "--data",
            d,
            "--person",
            "p.weak",
            "--name",
            "W",
            "--role",
            "oversight",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("at least 12 characters"),
        "{}",
        text(&out.stderr)
    );
    let out = docket(&[
        "users",
        "add",
        "amara.osei",
        "--data",
        d,
        "--person",
        "someone.else",
        "--name",
        "X",
        "--role",
        "oversight",
    ]);
    assert!(text(&out.stderr).contains("there is already an account called amara.osei"));
    let out = docket(&[
        "users", "add", "x y", "--data", d, "--person", "p", "--name", "X", "--role", "boss",
    ]);
    assert!(
        text(&out.stderr).contains("is not a username"),
        "{}",
        text(&out.stderr)
    );
    let out = docket(&[
        "users", "add", "xavier", "--data", d, "--person", "p", "--name", "X", "--role", "boss",
    ]);
    assert!(
        text(&out.stderr).contains("'boss' is not a role"),
        "{}",
        text(&out.stderr)
    );

    // The accounts work: the printed password signs in.
    {
        let store = docket_store_sqlite::SqliteStore::open_dir(&data)
            .await
            .expect("open");
        let accounts = docket::accounts::Accounts::new(docket::service::Docket::new(
            std::sync::Arc::new(store),
            docket_domain::rulebook::RuleBook::default_rules(),
            docket_domain::calendar::Calendar::england_and_wales(),
        ));
        let now = jiff::Timestamp::now();
        let a = accounts
            .authenticate_password("amara.osei", &temporary, now)
            .await
            .expect("the temporary password signs in");
        assert_eq!(a.person.as_str(), "officer.amara-osei");
        accounts
            .authenticate_password("tess.wright", "tulips in the harbour", now)
            .await
            .expect("the password from standard input signs in");
    }

    let out = docket(&[
        "users",
        "disable",
        "amara.osei",
        "--data",
        d,
        "--reason",
        "on leave",
    ]);
    assert!(ok(&out).contains("Disabled amara.osei"));
    let listing = ok(&docket(&["users", "list", "--data", d]));
    let mut lines = listing.lines();
    let header = lines.next().expect("header");
    for col in ["username", "person", "roles", "2fa", "disabled", "locked"] {
        assert!(header.contains(col), "{header}");
    }
    let amara = lines.next().expect("amara first");
    assert!(
        amara.starts_with("amara.osei")
            && amara.contains("case_officer, investigator")
            && amara.contains("DISABLED"),
        "{amara}"
    );
    let tess = lines.next().expect("tess second");
    assert!(
        tess.starts_with("tess.wright") && !tess.contains("DISABLED"),
        "{tess}"
    );
    assert!(listing.contains("2 accounts."), "{listing}");
    assert!(!listing.contains("argon2"), "no hashes listed");

    let out = ok(&docket(&["users", "enable", "amara.osei", "--data", d]));
    assert!(out.contains("Enabled amara.osei"));
    let out = ok(&docket(&[
        "users",
        "reset-password",
        "amara.osei",
        "--data",
        d,
    ]));
    let again = printed_after(&out, "pass it on privately): ");
    assert_ne!(again, temporary);
    let out = docket(&["users", "reset-second-factor", "amara.osei", "--data", d]);
    assert!(
        text(&out.stderr).contains("no second factor to reset"),
        "{}",
        text(&out.stderr)
    );
    let out = ok(&docket(&[
        "users",
        "set-roles",
        "tess.wright",
        "--data",
        d,
        "--role",
        "oversight",
        "--role",
        "administrator",
    ]));
    assert!(
        out.contains("tess.wright now has the roles oversight, administrator"),
        "{out}"
    );

    let out = ok(&docket(&[
        "users",
        "token",
        "issue",
        "tess.wright",
        "--data",
        d,
        "--scope",
        "read",
        "--label",
        "monthly figures",
    ]));
    let token = out.lines().last().expect("token line").trim().to_string();
    assert!(token.starts_with("docket_"), "{out}");
    let id = token.split('_').nth(1).expect("id").to_string();
    let listing = ok(&docket(&[
        "users",
        "token",
        "list",
        "tess.wright",
        "--data",
        d,
    ]));
    assert!(
        listing.contains(&id) && listing.contains("active"),
        "{listing}"
    );
    assert!(!listing.contains(&token), "the secret is never listed");
    let out = ok(&docket(&["users", "token", "revoke", &id, "--data", d]));
    assert!(
        out.contains(&format!("Revoked token {id} of tess.wright")),
        "{out}"
    );
    let listing = ok(&docket(&[
        "users",
        "token",
        "list",
        "tess.wright",
        "--data",
        d,
    ]));
    assert!(listing.contains("revoked"), "{listing}");
    let out = docket(&[
        "users",
        "token",
        "issue",
        "tess.wright",
        "--data",
        d,
        "--scope",
        "admin",
        "--label",
        "x",
    ]);
    assert!(
        text(&out.stderr).contains("use read or write"),
        "{}",
        text(&out.stderr)
    );

    // Every change is in the log, and no secret is.
    let store = docket_store_sqlite::SqliteStore::open_dir(&data)
        .await
        .expect("open");
    let events = store.stream_events("accounts").await.expect("events");
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "account_created",
            "account_created",
            "account_disabled",
            "account_enabled",
            "password_reset",
            "roles_changed",
            "api_token_issued",
            "api_token_revoked"
        ]
    );
    assert_eq!(events[0].actor, "admin.usman-khan");
    assert_eq!(events[2].actor, "system:cli");
    assert!(events.iter().all(|e| !e.payload.contains(&temporary)
        && !e.payload.contains(&token)
        && !e.payload.contains("tulips")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_live_in_postgres_too() {
    let Some((url, _guard)) = crate::backend::fresh_postgres_url().await else {
        return;
    };
    let out = docket(&[
        "users",
        "add",
        "leah.okafor",
        "--database-url",
        &url,
        "--person",
        "disputes.leah-okafor",
        "--name",
        "Leah Okafor",
        "--role",
        "disputes_panel",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = docket(&["users", "list", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains("leah.okafor") && listing.contains("disputes_panel"),
        "{listing}"
    );
}

/// An organisation's own policy files are loaded with the default: a good one is used, a bad
/// one stops Docket naming the file, and none can lift a default forbid.
#[test]
fn organisation_policies_are_added_and_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let data_s = data.to_str().expect("utf8");
    let out = docket(&["init", "--data", data_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::create_dir_all(data.join("policies")).expect("mkdir");
    std::fs::write(
        data.join("policies/extra.cedar"),
        "@id(\"admins-read-cases\")\npermit (principal in Role::\"administrator\", action == Action::\"view_case_content\", resource);\n",
    )
    .expect("write");
    let out = docket(&["cases", "list", "--data", data_s]);
    assert!(
        out.status.success(),
        "a valid extra policy loads: {}",
        text(&out.stderr)
    );
    let policy =
        docket::config::load_policy(&docket::config::Location::Dir(data.clone())).expect("loads");
    let admin = docket_domain::role::Principal::new(
        docket_domain::ids::PersonId::parse("admin.x").expect("id"),
        [docket_domain::role::Role::Administrator],
    );
    assert!(policy.ids().contains(&"admins-read-cases"));
    let facts = docket_domain::policy::CaseFacts::of(&crate::support::any_case());
    let d = policy.authorize(
        &admin,
        docket_domain::policy::Action::ViewCaseContent,
        &docket_domain::policy::Resource::Case(&facts),
    );
    assert!(!d.allowed, "the default forbid still wins");
    assert!(
        d.policies
            .contains(&"officeholders-never-read-content".to_string())
    );

    std::fs::write(
        data.join("policies/broken.cedar"),
        "permit (principal, action",
    )
    .expect("write");
    let out = docket(&["cases", "list", "--data", data_s]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("broken.cedar"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_verified_rekeyed_and_never_served_without_its_key() {
    use docket::evidence::vault::{KEY_FILE, OrgKey};
    use docket_domain::ids::{CaseId, PersonId};
    use docket_domain::role::{Principal, Role};
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().to_str().expect("utf-8 path");
    let out = docket(&["init", "--data", data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Created the evidence key"),
        "{}",
        text(&out.stdout)
    );
    let key_file = dir.path().join(KEY_FILE);
    let case = CaseId::from_random(7);
    let upload = {
        let store = std::sync::Arc::new(SqliteStore::open_dir(dir.path()).await.expect("open"));
        let d = docket::service::Docket::new(
            store,
            docket_domain::rulebook::RuleBook::default_rules(),
            docket_domain::calendar::Calendar::england_and_wales(),
        )
        .with_evidence_key(OrgKey::load(&key_file).expect("key"));
        let officer = PersonId::parse("officer.cli").expect("id");
        d.execute(
            &case,
            crate::support::anonymous_complaint(case.clone()),
            &officer,
            jiff::Timestamp::now(),
        )
        .await
        .expect("received");
        let who = Principal::new(officer, [Role::CaseOfficer]);
        let (_, item) = d
            .add_evidence(
                &case,
                "s.txt",
                b"A statement.",
                &who,
                jiff::Timestamp::now(),
            )
            .await
            .expect("added");
        d.store
            .sealed_file(&case, &item.sha256)
            .await
            .expect("read")
            .expect("stored")
            .upload
    };
    let verify = || docket(&["evidence", "verify", "--data", data, case.as_str()]);
    let out = verify();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("All 1 evidence files"),
        "{}",
        text(&out.stdout)
    );

    // A new key: the case keys are rewrapped, the old key kept aside, the files still open.
    let out = docket(&["evidence", "rotate-key", "--data", data]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Rewrapped 1 case keys"),
        "{}",
        text(&out.stdout)
    );
    let retired = std::fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".retired"))
        .count();
    assert_eq!(retired, 1, "the old key is kept aside");
    assert!(verify().status.success(), "{}", text(&verify().stderr));

    // One bit of the stored file flipped: named, and the command fails.
    let path = dir.path().join("docket.evidence").join(&upload);
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[3] ^= 1;
    std::fs::write(&path, bytes).expect("write");
    let out = verify();
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains("ALTERED  item 1 (s.txt"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("1 of the 1 evidence files"),
        "{}",
        text(&out.stderr)
    );

    // Without its key the server refuses to start, and says why.
    std::fs::remove_file(&key_file).expect("rm key");
    let out = docket(&["serve", "--data", data, "--listen", "127.0.0.1:0"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no evidence key was found at"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !key_file.exists(),
        "no new key is made over sealed evidence"
    );
}
