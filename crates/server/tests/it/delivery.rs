//! Notices emailed through the outbox to a real SMTP server process (aiosmtpd, in
//! `smtp/sink.py`, started here), with the clock under the test's control: a notice waits in
//! the queue while the mail server is down, survives Docket being restarted, and arrives
//! once the server is back, with the right recipient and content; a refused recipient is a
//! bounce and one that never answers is given up on, each recorded on the case; staff can
//! queue both again.

use crate::backend::{TestStore, member, second_handle};
use crate::both_backends;
use crate::support;
use docket::outbox::mail::SmtpMailer;
use docket::service::Docket;
use docket_domain::Command;
use docket_domain::calendar::Calendar;
use docket_domain::ids::{CaseId, PersonId, Text};
use docket_domain::notice::{DeliveryOutcome, NoticeKind};
use docket_domain::rulebook::RuleBook;
use docket_domain::store::{OutboxState, Store, case_stream};
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncBufReadExt;

/// The SMTP server process and the folder it writes messages to.
struct Sink {
    child: tokio::process::Child,
}

/// Where aiosmtpd is importable from: Python's own packages if it is installed there, else
/// a folder under the build's target directory that it is installed into once (from PyPI),
/// so `cargo test` needs no setup beyond Python 3 with pip.
fn python_path() -> &'static str {
    static PATH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let have = |path: &str| {
            std::process::Command::new("python3")
                .args(["-c", "import aiosmtpd"])
                .env("PYTHONPATH", path)
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let local = format!("{}/pydeps", env!("CARGO_TARGET_TMPDIR"));
        if have("") {
            return String::new();
        }
        if !have(&local) {
            let out = std::process::Command::new("python3")
                .args([
                    "-m", "pip", "install", "--quiet", "--target", &local, "aiosmtpd",
                ])
                .output()
                .expect("python3 runs (the delivery tests need Python 3 with pip)");
            assert!(
                out.status.success(),
                "installing aiosmtpd for the delivery tests failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        local
    })
}

impl Sink {
    async fn start(port: u16, dir: &Path) -> Sink {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/smtp/sink.py");
        let pythonpath = tokio::task::spawn_blocking(python_path)
            .await
            .expect("aiosmtpd");
        let mut child = tokio::process::Command::new("python3")
            .env("PYTHONPATH", pythonpath)
            .arg(&script)
            .arg(port.to_string())
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 runs (the delivery tests need Python 3 with aiosmtpd)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the SMTP server starts within 30 s");
        assert_eq!(
            ready.expect("read").as_deref(),
            Some("ready"),
            "the SMTP server did not start: is aiosmtpd installed (pip install aiosmtpd)?"
        );
        Sink { child }
    }

    async fn stop(mut self) {
        self.child.kill().await.expect("stopped");
    }
}

/// The messages the server accepted, in order.
fn received(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "eml"));
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("message"))
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn docket_on(store: Arc<dyn Store>, port: u16) -> Docket {
    let smtp = SmtpMailer::from_url(&format!("smtp://127.0.0.1:{port}")).expect("smtp url");
    Docket::new(
        store,
        RuleBook::default_rules(),
        Calendar::england_and_wales(),
    )
    .with_mailer(
        Arc::new(smtp),
        "Casework <casework@party.example>".parse().expect("from"),
    )
}

fn p(s: &str) -> PersonId {
    PersonId::parse(s).expect("person")
}

fn text(s: &str) -> Text {
    Text::parse(s).expect("text")
}

async fn outcomes(d: &Docket, id: &CaseId, number: u32) -> Vec<DeliveryOutcome> {
    let case = d.load_case(id).await.expect("load").expect("case");
    case.notices
        .iter()
        .find(|n| n.number == number)
        .expect("notice")
        .deliveries
        .iter()
        .map(|x| x.outcome)
        .collect()
}

both_backends!(notices_reach_a_real_mail_server_after_an_outage_and_a_restart);
async fn notices_reach_a_real_mail_server_after_an_outage_and_a_restart(t: TestStore) {
    let port = free_port();
    let mail = tempfile::tempdir().expect("mail dir");
    let d = docket_on(t.store.clone(), port);
    let mut ann = member("PA100", "Ann Example");
    ann.email = Some("ann@example.org".into());
    let mut bob = member("PA200", "Bob Example");
    bob.email = Some("bob@bounce.example".into());
    let t0: Timestamp = "2026-03-02T09:00:00Z".parse().expect("ts");
    d.import_members(vec![ann, bob], "test", &p("system:test"), t0)
        .await
        .expect("members");

    let id = CaseId::from_random(0xe3a1);
    let officer = p("officer.mail");
    support::acknowledged_complaint(&d, &id, &officer, t0).await;
    let counts = d.store.outbox_counts().await.expect("counts");
    assert_eq!(
        counts.queued, 1,
        "the acknowledgement is queued with its step"
    );

    // The mail server is down: the notice stays queued, retried later, and nothing is
    // recorded on the case as if it had been sent.
    let pass = d.run_outbox(t0).await.expect("pass");
    assert_eq!((pass.sent, pass.retrying), (0, 1));
    assert!(outcomes(&d, &id, 1).await.is_empty());
    let counts = d.store.outbox_counts().await.expect("counts");
    assert_eq!((counts.queued, counts.retrying), (1, 1));
    let health = d
        .outbox_health(t0 + SignedDuration::from_mins(20), true)
        .await
        .expect("health");
    assert!(health.stalled(), "{:?}", health.problems);
    assert_eq!(health.stuck.len(), 1);
    assert!(
        health.stuck[0].last_error.is_some(),
        "the reason the attempt failed is kept"
    );

    // Docket restarts (a new store handle and a new Docket), then the mail server returns.
    drop(d);
    let d = docket_on(second_handle(&t).await, port);
    let sink = Sink::start(port, mail.path()).await;
    assert_eq!(
        d.run_outbox(t0 + SignedDuration::from_secs(10))
            .await
            .expect("pass")
            .sent,
        0,
        "a retry waits for its backoff"
    );
    let t1 = t0 + SignedDuration::from_mins(1);
    let pass = d.run_outbox(t1).await.expect("pass");
    assert_eq!(pass.sent, 1);
    let got = received(mail.path());
    assert_eq!(got.len(), 1);
    let ack = &got[0];
    assert!(ack.contains("X-Envelope-To: ann@example.org"), "{ack}");
    assert!(ack.contains("To: ann@example.org"), "{ack}");
    assert!(ack.contains("casework@party.example"), "{ack}");
    let case = d.load_case(&id).await.expect("load").expect("case");
    let notice = &case.notices[0];
    assert_eq!(notice.kind, NoticeKind::Acknowledgement);
    assert!(ack.contains(&notice.subject), "the subject: {ack}");
    assert!(ack.contains(id.as_str()), "the case reference: {ack}");
    assert!(ack.contains("text/html"), "the HTML version too: {ack}");
    assert_eq!(outcomes(&d, &id, 1).await, vec![DeliveryOutcome::Sent]);
    assert_eq!(notice.deliveries.len(), 1);
    assert_eq!(notice.deliveries[0].attempts, 2);
    // Sent once: a later pass finds nothing.
    assert_eq!(
        d.run_outbox(t1 + SignedDuration::from_hours(1))
            .await
            .expect("pass"),
        docket::outbox::Pass::default()
    );

    // The respondent's address is refused for good: a bounce, recorded on the case with
    // the server's reason (without the address) and shown as stalled.
    for cmd in [
        Command::Assess {
            category: None,
            assessment: text("Would breach clause 2.1.8 if proven."),
        },
        Command::OpenInvestigation {
            investigator: p("ivy"),
            terms: text("Establish what was said."),
        },
    ] {
        d.execute(&id, cmd, &officer, t1).await.expect("step");
    }
    let case = d.load_case(&id).await.expect("load").expect("case");
    let investigation = case
        .notices
        .iter()
        .find(|n| n.kind == NoticeKind::NoticeOfInvestigation)
        .expect("notice of investigation")
        .number;
    let pass = d.run_outbox(t1).await.expect("pass");
    assert_eq!(pass.bounced, 1);
    let case = d.load_case(&id).await.expect("load").expect("case");
    let bounce = case.notices[investigation as usize - 1]
        .delivery()
        .expect("recorded")
        .clone();
    assert_eq!(bounce.outcome, DeliveryOutcome::Bounced);
    let reason = bounce.reason.expect("a reason");
    assert!(reason.contains("550"), "{reason}");
    assert!(!reason.contains("bounce.example"), "no address: {reason}");
    let health = d.outbox_health(t1, true).await.expect("health");
    assert!(health.stalled() && health.counts.bounced == 1);
    assert_eq!(received(mail.path()).len(), 1, "nothing more arrived");
    // The stall shows where oversight and operators look: the dashboard names the case, and
    // `docket outbox status` says why and fails, so monitoring can call it.
    let (base, _stop) = support::serve(d.clone()).await;
    let oversight = crate::pages::Browser::signed_in(
        &d,
        &base,
        "oversight.mail",
        &[docket_domain::role::Role::Oversight],
    )
    .await;
    let (_, dashboard) = oversight.get("/oversight").await;
    let outbox = dashboard
        .split("id=\"outbox\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("an outbox section");
    assert!(
        outbox.contains("The outbox is stalled") && outbox.contains(id.as_str()),
        "{outbox}"
    );
    assert!(outbox.contains("bounced") && !outbox.contains("bounce.example"));
    let location = match t.backend {
        crate::backend::Backend::Sqlite => ["--data", t.url.as_str()],
        crate::backend::Backend::Postgres => ["--database-url", t.url.as_str()],
    };
    let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["outbox", "status"])
        .args(location)
        .output()
        .await
        .expect("docket outbox status");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr),
    );
    assert!(
        !status.status.success(),
        "a stalled outbox fails the command"
    );
    assert!(
        stdout.contains("1 sent, 0 failed, 1 bounced") && stdout.contains("STALLED"),
        "{stdout}"
    );
    assert!(stdout.contains(id.as_str()) && stderr.contains("the outbox is stalled"));

    // The membership list is corrected and staff queue it again: it goes to the address
    // on record now, and the requeue is on the case with who asked.
    let mut bob = member("PA200", "Bob Example");
    bob.email = Some("bob@example.org".into());
    d.import_members(vec![bob], "test", &p("system:test"), t1)
        .await
        .expect("corrected");
    assert_eq!(
        d.requeue(Some(&id), &officer, t1).await.expect("requeue"),
        1
    );
    assert_eq!(d.run_outbox(t1).await.expect("pass").sent, 1);
    assert_eq!(
        outcomes(&d, &id, investigation).await,
        vec![
            DeliveryOutcome::Bounced,
            DeliveryOutcome::Requeued,
            DeliveryOutcome::Sent
        ]
    );
    let got = received(mail.path());
    assert_eq!(got.len(), 2);
    assert!(
        got[1].contains("X-Envelope-To: bob@example.org"),
        "{}",
        got[1]
    );
    assert!(got[1].contains(id.as_str()));

    // A server that never comes back: the update letter is retried with backoff, then
    // given up on as failed with its reason, still in view, and can be queued again.
    sink.stop().await;
    let t2 = t1 + SignedDuration::from_hours(24 * 45);
    d.run_schedule(t2).await.expect("schedule");
    let mut now = t2;
    let mut failed = 0;
    for _ in 0..docket::outbox::MAX_ATTEMPTS + 2 {
        failed += d.run_outbox(now).await.expect("pass").failed;
        now += SignedDuration::from_hours(2);
    }
    assert!(failed >= 1, "given up after its retries");
    let counts = d.store.outbox_counts().await.expect("counts");
    assert_eq!(counts.queued, 0);
    let rows = d
        .store
        .outbox_rows(&docket_domain::store::OutboxFilter {
            case: Some(id.clone()),
            states: vec![OutboxState::Failed],
            limit: 10,
        })
        .await
        .expect("rows");
    assert!(!rows.is_empty());
    assert_eq!(rows[0].attempts, docket::outbox::MAX_ATTEMPTS);
    let case = d.load_case(&id).await.expect("load").expect("case");
    let given_up = case.notices[rows[0].message.notice as usize - 1]
        .delivery()
        .expect("recorded");
    assert_eq!(given_up.outcome, DeliveryOutcome::Failed);
    assert!(
        given_up
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("gave up after 12 attempts")),
        "{given_up:?}"
    );
    let sink = Sink::start(port, mail.path()).await;
    let n = d.requeue(None, &officer, now).await.expect("requeue");
    assert_eq!(n, rows.len());
    assert_eq!(d.run_outbox(now).await.expect("pass").sent, n);
    assert_eq!(received(mail.path()).len(), 2 + n);
    let events = d
        .store
        .stream_events(&case_stream(&id))
        .await
        .expect("events");
    assert!(
        events
            .iter()
            .filter(|e| e.kind == "notice_delivery")
            .all(|e| e.actor == "docket:outbox" || e.actor == officer.as_str()),
        "the outbox records deliveries; staff their requeues"
    );
    sink.stop().await;
}
