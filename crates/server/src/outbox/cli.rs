//! `docket outbox status|retry`, and the mail options of `docket serve`.

use super::mail::{FileMailer, SmtpMailer};
use crate::cli::{MailArgs, OutboxCmd};
use crate::service::Docket;
use anyhow::Context;
use docket_domain::ids::{CaseId, PersonId};
use jiff::Timestamp;
use std::sync::Arc;

/// `docket` with the mail transport the options name, if any.
pub fn with_mail(docket: Docket, mail: &MailArgs) -> anyhow::Result<Docket> {
    let from: lettre::message::Mailbox = mail.mail_from.parse().with_context(|| {
        format!(
            "--mail-from '{}' is not an address like \"Casework <casework@example.org>\"",
            mail.mail_from
        )
    })?;
    Ok(match (&mail.smtp_url, &mail.mail_dir) {
        (Some(url), _) => docket.with_mailer(
            Arc::new(SmtpMailer::from_url(url).map_err(anyhow::Error::msg)?),
            from,
        ),
        (None, Some(dir)) => docket.with_mailer(Arc::new(FileMailer { dir: dir.clone() }), from),
        (None, None) => docket,
    })
}

pub async fn run(command: OutboxCmd) -> anyhow::Result<()> {
    match command {
        OutboxCmd::Status { data, json } => {
            let docket = crate::commands::open(&data).await?;
            let now = Timestamp::now();
            let health = docket.outbox_health(now, false).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&health)?);
            } else {
                print!("{}", status_text(&health, now));
            }
            if health.stalled() {
                anyhow::bail!("the outbox is stalled: {}", health.problems.join("; "));
            }
            Ok(())
        }
        OutboxCmd::Retry { data, case, actor } => {
            let docket = crate::commands::open(&data).await?;
            let case = case
                .map(|c| CaseId::parse(&c).map_err(anyhow::Error::msg))
                .transpose()?;
            let actor = PersonId::parse(&actor).map_err(|e| anyhow::anyhow!("--as: {e}"))?;
            let n = docket
                .requeue(case.as_ref(), &actor, Timestamp::now())
                .await?;
            match n {
                0 => println!("No failed or bounced notices to queue again."),
                1 => println!("Queued 1 notice again; a running server sends it shortly."),
                n => println!("Queued {n} notices again; a running server sends them shortly."),
            }
            Ok(())
        }
    }
}

fn status_text(h: &super::Health, now: Timestamp) -> String {
    let c = &h.counts;
    let mut out = format!(
        "Outbox: {} queued ({} being retried), {} sent, {} failed, {} bounced.\n",
        c.queued, c.retrying, c.sent, c.failed, c.bounced
    );
    if let Some(t) = c.oldest_queued {
        out += &format!(
            "The oldest queued notice has waited {}.\n",
            crate::figures::span_words(now.duration_since(t))
        );
    }
    if h.problems.is_empty() {
        out += "Nothing is stalled.\n";
        return out;
    }
    out += "STALLED:\n";
    for p in &h.problems {
        out += &format!("  - {p}\n");
    }
    out += &format!(
        "\n{:<16} {:>6}  {:<11} {:<8} {:>8}  {:<16}  {}\n",
        "CASE", "NOTICE", "TO", "STATE", "ATTEMPTS", "QUEUED", "LAST REASON"
    );
    for r in &h.stuck {
        out += &format!(
            "{:<16} {:>6}  {:<11} {:<8} {:>8}  {:<16}  {}\n",
            r.case.as_str(),
            r.notice,
            r.to.as_str(),
            r.state.as_str(),
            r.attempts,
            r.queued_at.strftime("%Y-%m-%d %H:%M").to_string(),
            r.last_error.as_deref().unwrap_or("")
        );
    }
    out
}
