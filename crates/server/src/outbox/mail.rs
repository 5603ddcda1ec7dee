//! How a notice leaves Docket as email: over SMTP (lettre), into a folder of `.eml` files
//! (the demo, and anyone who wants to look before sending for real), or into memory (tests
//! that need no mail server). A transport says whether a failure is worth retrying: a
//! server that is down or busy is; a recipient refused for good is a bounce.

use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: the server is unreachable, busy, or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// Refused for good (5xx, or an address no server could take): a bounce.
    #[error("{0}")]
    Permanent(String),
}

/// One notice as an email, ready for any transport.
#[derive(Debug, Clone)]
pub struct Email {
    /// A stable file name for transports that keep files: `{case}-notice-{n}.eml`.
    pub file_name: String,
    pub message: Message,
}

/// What an email says, before it is built.
#[derive(Debug, Clone)]
pub struct Letter<'a> {
    pub case: &'a str,
    pub notice: u32,
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

impl Email {
    /// Builds the message. The Message-ID is the case and notice, so a message sent twice
    /// (a sender that died after sending and before recording it) is recognisably one.
    pub fn build(from: &Mailbox, letter: &Letter<'_>) -> Result<Email, SendError> {
        let to: Mailbox = letter.to.parse().map_err(|_| {
            SendError::Permanent("the address on record is not a valid email address".into())
        })?;
        let domain = from.email.domain().to_string();
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(letter.subject)
            .message_id(Some(format!(
                "<{}.notice-{}@{domain}>",
                letter.case, letter.notice
            )))
            .multipart(MultiPart::alternative_plain_html(
                letter.text.to_string(),
                letter.html.to_string(),
            ))
            .map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))?;
        Ok(Email {
            file_name: format!("{}-notice-{}.eml", letter.case, letter.notice),
            message,
        })
    }
}

#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug + 'static {
    /// Hands the message on; Ok once the next hop has accepted it.
    async fn send(&self, email: &Email) -> Result<(), SendError>;

    /// Where mail goes, for the start-up message and `docket outbox status`.
    fn describe(&self) -> String;
}

/// Mail over SMTP, configured by a URL as lettre reads them: `smtp://host:25` (plain),
/// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://host:465` (TLS).
#[derive(Debug)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    described: String,
}

/// An SMTP exchange that takes longer than this is abandoned and retried later, well within
/// the outbox's claim on the message.
const SMTP_TIMEOUT: Duration = Duration::from_secs(60);

impl SmtpMailer {
    pub fn from_url(url: &str) -> Result<SmtpMailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL cannot be used: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(SmtpMailer {
            transport,
            described: format!("SMTP at {}", crate::config::redact_url(url)),
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), SendError> {
        match self.transport.send(email.message.clone()).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Err(e) => Err(SendError::Transient(e.to_string())),
        }
    }

    fn describe(&self) -> String {
        self.described.clone()
    }
}

/// Writes each message to `DIR/{case}-notice-{n}.eml` (written whole to a temporary name
/// and renamed, so a reader never sees half a message).
#[derive(Debug)]
pub struct FileMailer {
    pub dir: PathBuf,
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &Email) -> Result<(), SendError> {
        let dir = self.dir.clone();
        let name = email.file_name.clone();
        let bytes = email.message.formatted();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, dir.join(&name))
        })
        .await
        .map_err(|e| SendError::Transient(e.to_string()))?
        .map_err(|e| SendError::Transient(format!("{}: {e}", self.dir.display())))
    }

    fn describe(&self) -> String {
        format!(".eml files in {}", self.dir.display())
    }
}

/// Keeps messages in memory: (recipient, whole message as sent).
#[derive(Debug, Default)]
pub struct MemoryMailer {
    pub sent: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, email: &Email) -> Result<(), SendError> {
        let to = email
            .message
            .envelope()
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let text = String::from_utf8_lossy(&email.message.formatted()).into_owned();
        self.sent
            .lock()
            .map_err(|_| SendError::Transient("the memory mailer is poisoned".into()))?
            .push((to, text));
        Ok(())
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

/// An SMTP or mail server's words with any email address in them replaced, so a reason can
/// be recorded on the case and shown to oversight without naming whom it was for.
pub fn without_addresses(reason: &str) -> String {
    reason
        .split(' ')
        .map(|w| if w.contains('@') { "[address]" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_lose_their_addresses() {
        assert_eq!(
            without_addresses("550 5.1.1 <ann@example.org>: no such user"),
            "550 5.1.1 [address] no such user"
        );
    }

    #[test]
    fn a_bad_address_is_a_bounce_not_a_retry() {
        let from: Mailbox = "Docket <docket@example.org>".parse().expect("from");
        let letter = Letter {
            case: "DK-1",
            notice: 1,
            to: "not an address",
            subject: "s",
            text: "t",
            html: "<p>h</p>",
        };
        assert!(matches!(
            Email::build(&from, &letter),
            Err(SendError::Permanent(_))
        ));
    }
}
