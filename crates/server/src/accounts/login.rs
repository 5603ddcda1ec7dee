//! Signing in: passwords, second factors, API tokens and anonymous complainants' receipts.
//!
//! Failures answer the same way whatever failed (an unknown username, a wrong password),
//! and an unknown username still costs one Argon2 verification, so neither the words nor the
//! time taken tell an attacker which accounts exist. Five failures in a row lock the
//! account for fifteen minutes, and the error says until when.

use super::{AccountError, Accounts, LOCKOUT, MAX_FAILURES, blocking, password, receipt, totp};
use crate::accounts::token::{self, TokenError};
use docket_domain::Command;
use docket_domain::account::{Account, ApiTokenRecord, Receipt, ReceiptCode, Username};
use docket_domain::case::Case;
use docket_domain::command::Complainant;
use docket_domain::ids::PersonId;
use docket_domain::store::{ReadModelChange, StoreError};
use jiff::Timestamp;
use jiff::tz::TimeZone;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    /// The same words for an unknown username and a wrong password.
    #[error("wrong username or password")]
    WrongPassword,
    #[error("wrong receipt code or passphrase")]
    WrongReceipt,
    #[error(
        "the code is not right: use the six digits your authenticator app shows now, or one of your recovery codes"
    )]
    WrongCode,
    #[error("too many failed attempts: try again after {when}")]
    Locked { until: Timestamp, when: String },
    #[error("that code has already been used to sign in: wait for your app to show the next one")]
    CodeUsed,
    #[error("this account is disabled: ask an administrator if you think it should not be")]
    Disabled,
    #[error("this account has no second factor yet: enrol one first")]
    NoSecondFactor,
    #[error("{0}")]
    MalformedToken(#[from] TokenError),
    /// An unknown, revoked or wrong token: one answer for all three.
    #[error("this API token is not valid (it may have been revoked)")]
    BadToken,
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl LoginError {
    /// The lockout error for a lock that ends at `until`, said as a person reads a clock:
    /// the minute it ends (rounded up, so "after 14:32" is never too early), with the date
    /// too if that is not today.
    pub fn locked(until: Timestamp, now: Timestamp) -> LoginError {
        let end = until.to_zoned(TimeZone::UTC);
        let ceil = match end.second() != 0 || end.subsec_nanosecond() != 0 {
            true => end
                .checked_add(jiff::SignedDuration::from_mins(1))
                .unwrap_or_else(|_| end.clone()),
            false => end.clone(),
        };
        let mut when = ceil.strftime("%H:%M UTC").to_string();
        if ceil.date() != now.to_zoned(TimeZone::UTC).date() {
            when.push_str(&format!(" on {}", ceil.date()));
        }
        LoginError::Locked { until, when }
    }
}

/// What an anonymous complainant is given at intake, once: the code to quote and the
/// passphrase to prove it is theirs.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedReceipt {
    pub code: ReceiptCode,
    pub passphrase: String,
}

impl std::fmt::Debug for IssuedReceipt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedReceipt")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Checks a username and password. The answer for a disabled account is given only to
    /// someone who knows its password; everyone else learns nothing about it.
    pub async fn authenticate_password(
        &self,
        username: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<Account, LoginError> {
        let store = &self.docket.store;
        let account = match Username::parse(username) {
            Ok(u) => store.account(&u).await?,
            Err(_) => None,
        };
        let given = password.to_string();
        let Some(account) = account else {
            blocking(move || password::waste_a_verification(&given)).await?;
            return Err(LoginError::WrongPassword);
        };
        if let Some(until) = account.locked_at(now) {
            return Err(LoginError::locked(until, now));
        }
        let hash = account.password_hash.clone();
        let right = blocking(move || password::verify_password(&given, &hash)).await?;
        if !right {
            return Err(self.failed(&account.username, now).await);
        }
        if account.disabled {
            return Err(LoginError::Disabled);
        }
        store.record_login_success(&account.username).await?;
        Ok(account)
    }

    /// Checks the second step of a staff sign-in: a code from the authenticator app, or an
    /// unused recovery code (which is then used up). Wrong codes count towards the lockout.
    pub async fn verify_second_factor(
        &self,
        username: &Username,
        code: &str,
        now: Timestamp,
    ) -> Result<Account, LoginError> {
        let store = &self.docket.store;
        let Some(account) = store.account(username).await? else {
            return Err(LoginError::WrongCode);
        };
        if let Some(until) = account.locked_at(now) {
            return Err(LoginError::locked(until, now));
        }
        if account.disabled {
            return Err(LoginError::Disabled);
        }
        let Some(secret) = &account.totp_secret else {
            return Err(LoginError::NoSecondFactor);
        };
        let right = match totp::matching_step(secret, code, now) {
            Some(step) => {
                if !store.use_totp_step(username, step).await? {
                    return Err(LoginError::CodeUsed);
                }
                true
            }
            None => {
                store
                    .consume_recovery_code(username, &totp::hash_recovery_code(code))
                    .await?
            }
        };
        if !right {
            return Err(match self.failed(username, now).await {
                LoginError::WrongPassword => LoginError::WrongCode,
                other => other,
            });
        }
        store.record_login_success(username).await?;
        Ok(account)
    }

    /// Checks an API token (`docket_<id>_<secret>`) and returns its account and record.
    pub async fn authenticate_token(
        &self,
        presented: &str,
    ) -> Result<(Account, ApiTokenRecord), LoginError> {
        let presented = token::parse_token(presented)?;
        let store = &self.docket.store;
        let record = store
            .api_token(&presented.token_id)
            .await?
            .filter(|r| !r.is_revoked() && presented.matches(&r.secret_hash))
            .ok_or(LoginError::BadToken)?;
        let account = store
            .account(&record.username)
            .await?
            .ok_or(LoginError::BadToken)?;
        if account.disabled {
            return Err(LoginError::Disabled);
        }
        Ok((account, record))
    }

    /// Checks an anonymous complainant's receipt code and passphrase, with the same lockout
    /// as accounts.
    pub async fn authenticate_receipt(
        &self,
        code: &str,
        passphrase: &str,
        now: Timestamp,
    ) -> Result<Receipt, LoginError> {
        let store = &self.docket.store;
        let found = match ReceiptCode::parse(code) {
            Ok(c) => store.receipt(&c).await?,
            Err(_) => None,
        };
        let given = receipt::normalise_passphrase(passphrase);
        let Some(found) = found else {
            blocking(move || password::waste_a_verification(&given)).await?;
            return Err(LoginError::WrongReceipt);
        };
        if let Some(until) = found.locked_at(now) {
            return Err(LoginError::locked(until, now));
        }
        let hash = found.passphrase_hash.clone();
        let right = blocking(move || password::verify_password(&given, &hash)).await?;
        if !right {
            let after = store
                .record_receipt_failure(&found.code, now, MAX_FAILURES, LOCKOUT)
                .await?;
            return Err(match after.locked_at(now) {
                Some(until) => LoginError::locked(until, now),
                None => LoginError::WrongReceipt,
            });
        }
        store.record_receipt_success(&found.code).await?;
        Ok(found)
    }

    /// Counts a failed attempt and says what to tell the person: locked (and until when) if
    /// this failure locked the account, else the plain refusal.
    async fn failed(&self, username: &Username, now: Timestamp) -> LoginError {
        match self
            .docket
            .store
            .record_login_failure(username, now, MAX_FAILURES, LOCKOUT)
            .await
        {
            Ok(after) => match after.locked_at(now) {
                Some(until) => LoginError::locked(until, now),
                None => LoginError::WrongPassword,
            },
            Err(e) => LoginError::Store(e),
        }
    }

    /// Receives an anonymous complaint and gives the complainant their receipt: the case and
    /// the receipt are written in one transaction.
    pub async fn receive_anonymous_complaint(
        &self,
        cmd: Command,
        files: &[crate::evidence::IntakeFile],
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<(Case, IssuedReceipt), AccountError> {
        let Command::ReceiveComplaint {
            complainant: Complainant::Anonymous,
            ..
        } = &cmd
        else {
            return Err(AccountError::Invalid(
                "only a complaint from an anonymous complainant gets a receipt".into(),
            ));
        };
        let passphrase = receipt::new_passphrase();
        let to_hash = passphrase.clone();
        let passphrase_hash = blocking(move || password::hash_secret(&to_hash)).await??;
        let (case, mut append) = self.docket.prepare_intake(&cmd, files, actor, now).await?;
        let ReadModelChange::Case(summary) = append.read_model else {
            return Err(AccountError::Invalid(
                "a complaint's intake must leave a case summary".into(),
            ));
        };
        let code = receipt::new_receipt_code();
        let receipt = Receipt {
            code: code.clone(),
            case: case.id.clone(),
            passphrase_hash,
            failed: 0,
            locked_until: None,
        };
        append.read_model = ReadModelChange::CaseWithReceipt(summary, Box::new(receipt));
        self.docket.append(append).await?;
        Ok((case, IssuedReceipt { code, passphrase }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles only if every sign-in future may move between threads, as HTTP handlers
    /// need.
    #[allow(dead_code)]
    fn sign_in_futures_are_send(a: &Accounts, u: &Username, now: Timestamp) {
        fn send<T: Send>(_: T) {}
        send(a.authenticate_password("u", "p", now));
        send(a.verify_second_factor(u, "123456", now));
        send(a.authenticate_token("t"));
        send(a.authenticate_receipt("c", "p", now));
        send(a.disable(
            u,
            docket_domain::ids::Text::parse("r").expect("t"),
            &PersonId::parse("x").expect("p"),
            now,
        ));
    }

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn lockouts_name_the_minute_they_end() {
        let now = at("2026-04-01T14:17:20Z");
        let e = LoginError::locked(at("2026-04-01T14:32:20Z"), now);
        assert_eq!(
            e.to_string(),
            "too many failed attempts: try again after 14:33 UTC"
        );
        let e = LoginError::locked(at("2026-04-01T14:32:00Z"), now);
        assert!(e.to_string().ends_with("after 14:32 UTC"), "{e}");
        let e = LoginError::locked(at("2026-04-02T00:05:00Z"), at("2026-04-01T23:50:00Z"));
        assert!(
            e.to_string().ends_with("after 00:05 UTC on 2026-04-02"),
            "{e}"
        );
    }
}
