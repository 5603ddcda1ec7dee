//! `docket bench evidence`: a large evidence file through a real `docket serve` (a child
//! process on loopback, the embedded SQLite store), uploaded and downloaded with curl over
//! the API. Reports the server's resident memory above its idle figure at the peak of the
//! transfers, and the upload's time against `openssl enc -chacha20` plus `sha256sum` over
//! the same file: the encryption and hashing any upload must do, without the HTTP, the
//! chunking or the durable write.

use crate::accounts::{Accounts, NewAccount};
use crate::commands::progress_bar;
use crate::evidence::vault::{KEY_FILE, OrgKey};
use crate::service::Docket;
use anyhow::{Context as _, bail, ensure};
use docket_domain::account::{Scope, Username};
use docket_domain::calendar::Calendar;
use docket_domain::command::{Complainant, Respondent};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId, Text};
use docket_domain::role::Role;
use docket_domain::rulebook::RuleBook;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A case and a case officer's API token in a new store in `data`, with its evidence key.
async fn prepare(data: &Path) -> anyhow::Result<(CaseId, String)> {
    let store = std::sync::Arc::new(docket_store_sqlite::SqliteStore::open_dir(data).await?);
    let key = OrgKey::generate();
    key.save(&data.join(KEY_FILE))?;
    let docket = Docket::new(
        store,
        RuleBook::default_rules(),
        Calendar::england_and_wales(),
    )
    .with_evidence_key(key);
    let now = jiff::Timestamp::now();
    let id = CaseId::from_random(rand::random());
    let operator = crate::commands::operator();
    docket
        .execute(
            &id,
            docket_domain::Command::ReceiveComplaint {
                id: id.clone(),
                complainant: Complainant::Anonymous,
                respondent: Respondent {
                    member: MembershipNumber::parse("PA0000001").map_err(anyhow::Error::msg)?,
                    name: "A Member".into(),
                    elected_office: None,
                },
                category: "bullying".into(),
                conduct_date: docket_domain::case::day_of(now),
                summary: Text::parse("A benchmark complaint.").map_err(anyhow::Error::msg)?,
                narrative: Text::parse("Recorded at a meeting.").map_err(anyhow::Error::msg)?,
            },
            &operator,
            now,
        )
        .await?;
    let accounts = Accounts::new(docket.clone());
    let username = Username::parse("bench.officer").map_err(anyhow::Error::msg)?;
    accounts
        .create(
            NewAccount {
                username: username.clone(),
                person: PersonId::parse("bench.officer").map_err(anyhow::Error::msg)?,
                display_name: "Bench Officer".into(),
                roles: [Role::CaseOfficer].into_iter().collect(),
                member: None,
                password: rand::random::<u128>().to_string(),
            },
            &operator,
            now,
        )
        .await?;
    let (_, token) = accounts
        .issue_token(
            &username,
            [Scope::Read, Scope::Write].into_iter().collect(),
            "bench",
            &operator,
            now,
        )
        .await?;
    Ok((id, token))
}

/// A file of `mib` MiB that reads as an MP4 video: a header, then bytes that do not compress.
fn write_video(path: &Path, mib: u64, round: u32) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    out.write_all(b"\0\0\0\x18ftypmp42")?;
    out.write_all(&round.to_be_bytes())?;
    let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(round);
    let mut block = vec![0u8; 1 << 20];
    for i in 0..mib {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let take = if i == 0 {
            block.len() - 16
        } else {
            block.len()
        };
        out.write_all(&block[..take])?;
    }
    out.flush()?;
    Ok(())
}

/// A field of /proc/PID/status, in KiB.
fn status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .with_context(|| format!("no {field} in /proc/{pid}/status"))
}

/// Seconds `program args…` takes, and whether it succeeded, its output discarded.
fn timed(program: &str, args: &[&str]) -> anyhow::Result<f64> {
    let started = Instant::now();
    let out = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot run {program}"))?;
    if !out.status.success() {
        bail!("{program} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(started.elapsed().as_secs_f64())
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn run(size_mib: u64, rounds: u32) -> anyhow::Result<()> {
    ensure!(
        size_mib > 0 && rounds > 0,
        "--size-mib and --rounds must be at least 1"
    );
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let (case, token) = prepare(&data).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(std::env::current_exe()?)
            .args(["serve", "--data"])
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--evidence-limit-mib", &(size_mib + 1).to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = status_kib(pid, "VmRSS")?;
    // From here the peak is the transfers' own (writing 5 resets the high-water mark).
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")?;

    let auth = format!("Authorization: Bearer {token}");
    let file = dir.path().join("meeting.mp4");
    let file_arg = file.to_string_lossy().into_owned();
    let (mut uploads, mut downloads) = (Vec::new(), Vec::new());
    let bar = progress_bar(u64::from(rounds), "uploads");
    for round in 0..rounds {
        write_video(&file, size_mib, round)?;
        let url = format!("{base}/api/v1/cases/{case}/evidence?filename=meeting-{round}.mp4");
        uploads.push(timed(
            "curl",
            &[
                "-sS",
                "-f",
                "-X",
                "POST",
                "-T",
                &file_arg,
                "-H",
                &auth,
                "-H",
                "Expect:",
                "-H",
                "Content-Type: application/octet-stream",
                "-o",
                "/dev/null",
                &url,
            ],
        )?);
        let url = format!("{base}/api/v1/cases/{case}/evidence/{}", round + 1);
        downloads.push(timed(
            "curl",
            &["-sS", "-f", "-H", &auth, "-o", "/dev/null", &url],
        )?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let peak = status_kib(pid, "VmHWM")?;
    drop(server);

    let enc = dir.path().join("meeting.enc");
    let (mut openssl, mut sha) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        openssl.push(timed(
            "openssl",
            &[
                "enc",
                "-chacha20",
                "-K",
                &"ab".repeat(32),
                "-iv",
                &"cd".repeat(16),
                "-in",
                &file_arg,
                "-out",
                &enc.to_string_lossy(),
            ],
        )?);
        sha.push(timed("sha256sum", &[&file_arg])?);
    }
    let (up, down) = (
        super::median(uploads.clone()),
        super::median(downloads.clone()),
    );
    let reference = super::median(openssl.clone()) + super::median(sha.clone());
    let mb = (size_mib << 20) as f64 / 1e6;
    let list = |xs: &[f64]| {
        xs.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    println!("\nA {size_mib} MiB file through `docket serve` (SQLite), {rounds} rounds:\n");
    println!("| step | seconds (median) | runs | MB/s |");
    println!("|---|---:|---|---:|");
    println!(
        "| upload (POST /api/v1/cases/…/evidence) | {up:.2} | {} | {:.0} |",
        list(&uploads),
        mb / up
    );
    println!(
        "| download (GET …/evidence/N) | {down:.2} | {} | {:.0} |",
        list(&downloads),
        mb / down
    );
    println!(
        "| openssl enc -chacha20 + sha256sum | {reference:.2} | {} + {} | {:.0} |",
        list(&openssl),
        list(&sha),
        mb / reference
    );
    println!(
        "\nServer memory: {:.0} MiB idle, {:.0} MiB at the transfers' peak: {:.0} MiB above idle (goal: under 100 MiB).",
        idle as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(idle) as f64 / 1024.0
    );
    println!(
        "Upload throughput: {:.0}% of openssl enc + sha256sum over the same file (goal: at least 50%).",
        100.0 * reference / up
    );
    Ok(())
}
