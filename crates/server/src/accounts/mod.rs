//! Accounts: creating them, giving and taking roles, disabling, resets, second factors and
//! API tokens (this file), and signing in (`login`). Every change is an [`AccountEvent`] on
//! the `accounts` stream, appended with the account's new credentials row in the same
//! transaction; the secrets themselves never enter the log.
//!
//! All changes go through one stream, so each is decided against the stream's version:
//! "is this username free", "is this person without an account" hold at the moment of the
//! append, and a concurrent change makes the decision run again.

mod login;
pub mod password;
pub mod receipt;
pub mod token;
pub mod totp;

pub use login::{IssuedReceipt, LoginError};

use crate::service::{Docket, ServiceError, encode};
use docket_domain::account::{
    ACCOUNTS_STREAM, Account, AccountEvent, ApiTokenRecord, Scope, Username,
};
use docket_domain::ids::{MembershipNumber, PersonId, Text};
use docket_domain::role::Role;
use docket_domain::store::{Append, ReadModelChange, StoreError};
use jiff::{SignedDuration, Timestamp};
use password::PasswordError;
use std::collections::BTreeSet;
use token::TokenError;
use totp::SecondFactorError;

/// Failed sign-ins in a row that lock an account (or a receipt).
pub const MAX_FAILURES: u32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: SignedDuration = SignedDuration::from_mins(15);
/// How often a change is decided again when another change to the accounts stream got in
/// first, before giving up.
const RETRIES: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Password(#[from] PasswordError),
    #[error("{0}")]
    SecondFactor(#[from] SecondFactorError),
    #[error("{0}")]
    Token(#[from] TokenError),
    #[error("there is already an account called {0}")]
    UsernameTaken(Username),
    #[error("{person} already has an account ({username}); one person, one account")]
    PersonHasAccount {
        person: PersonId,
        username: Username,
    },
    #[error("there is no account called {0}")]
    NotFound(Username),
    #[error("no API token has the id {0}")]
    TokenNotFound(String),
    #[error(
        "the code is not right: type the six digits your authenticator app shows now for Docket"
    )]
    WrongCode,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Service(#[from] ServiceError),
}

/// What `create` needs to know. The password is the plaintext chosen (or generated) for the
/// account; it is checked against the policy and hashed, never kept.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: Username,
    pub person: PersonId,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    pub member: Option<MembershipNumber>,
    pub password: String,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("username", &self.username)
            .field("person", &self.person)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl NewAccount {
    /// The account this creates, given its password's hash, and the event that records it.
    pub fn account(&self, password_hash: String, now: Timestamp) -> (Account, AccountEvent) {
        let account = Account {
            username: self.username.clone(),
            person: self.person.clone(),
            display_name: self.display_name.trim().to_string(),
            roles: self.roles.clone(),
            member: self.member.clone(),
            password_hash,
            totp_secret: None,
            recovery_codes: vec![],
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
        };
        let event = AccountEvent::AccountCreated {
            username: account.username.clone(),
            person: account.person.clone(),
            display_name: account.display_name.clone(),
            roles: account.roles.clone(),
            member: account.member.clone(),
        };
        (account, event)
    }

    fn check(&self) -> Result<(), AccountError> {
        if self.display_name.trim().is_empty() {
            return Err(AccountError::Invalid(
                "give the person's name as it should appear to colleagues (--name)".into(),
            ));
        }
        check_roles(&self.roles)
    }
}

fn check_roles(roles: &BTreeSet<Role>) -> Result<(), AccountError> {
    if roles.is_empty() {
        return Err(AccountError::Invalid(
            "an account needs at least one role".into(),
        ));
    }
    Ok(())
}

/// The append of account events with the row they leave behind.
pub fn account_append(
    expected_version: u64,
    events: &[AccountEvent],
    change: ReadModelChange,
    actor: &PersonId,
    now: Timestamp,
) -> Result<Append, AccountError> {
    Ok(Append {
        stream: ACCOUNTS_STREAM.to_string(),
        expected_version,
        actor: actor.clone(),
        at: now,
        events: events.iter().map(encode).collect::<Result<_, _>>()?,
        read_model: change,
        outbox: Vec::new(),
    })
}

/// Runs CPU-heavy work (Argon2) on the blocking pool, so it never stalls the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Unavailable(format!("a background task stopped: {e}")))
}

/// Account administration and sign-in, on top of the application core.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub docket: Docket,
}

impl Accounts {
    pub fn new(docket: Docket) -> Accounts {
        Accounts { docket }
    }

    /// Appends a decided change, or returns false if another change to the accounts stream
    /// got in first, so the caller decides again (at most [`RETRIES`] times).
    async fn try_append(
        &self,
        version: u64,
        events: &[AccountEvent],
        change: ReadModelChange,
        actor: &PersonId,
        now: Timestamp,
        tries: &mut usize,
    ) -> Result<bool, AccountError> {
        let append = account_append(version, events, change, actor, now)?;
        match self.docket.append(append).await {
            Ok(_) => Ok(true),
            Err(StoreError::Conflict { .. }) if *tries < RETRIES => {
                *tries += 1;
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A change to one existing account: `edit` gets the account as it is and returns the
    /// events and the account as it will be. (A plain loop rather than a helper taking an
    /// async closure, whose future could not be shown to be `Send`.)
    async fn change_account(
        &self,
        username: &Username,
        actor: &PersonId,
        now: Timestamp,
        edit: impl Fn(Account) -> Result<(Vec<AccountEvent>, Account), AccountError>,
    ) -> Result<Account, AccountError> {
        let mut tries = 0;
        loop {
            let version = self.docket.store.stream_version(ACCOUNTS_STREAM).await?;
            let (events, after) = edit(self.get(username).await?)?;
            let change = ReadModelChange::Account(Box::new(after.clone()));
            if self
                .try_append(version, &events, change, actor, now, &mut tries)
                .await?
            {
                return Ok(after);
            }
        }
    }

    /// The account, or `NotFound`.
    pub async fn get(&self, username: &Username) -> Result<Account, AccountError> {
        self.docket
            .store
            .account(username)
            .await?
            .ok_or_else(|| AccountError::NotFound(username.clone()))
    }

    pub async fn create(
        &self,
        new: NewAccount,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Account, AccountError> {
        new.check()?;
        let plaintext = new.password.clone();
        let hash = blocking(move || password::hash_password(&plaintext)).await??;
        let store = &self.docket.store;
        let mut tries = 0;
        loop {
            let version = store.stream_version(ACCOUNTS_STREAM).await?;
            if store.account(&new.username).await?.is_some() {
                return Err(AccountError::UsernameTaken(new.username.clone()));
            }
            if let Some(existing) = store.account_by_person(&new.person).await? {
                return Err(AccountError::PersonHasAccount {
                    person: new.person.clone(),
                    username: existing.username,
                });
            }
            let (account, event) = new.account(hash.clone(), now);
            let change = ReadModelChange::Account(Box::new(account.clone()));
            if self
                .try_append(version, &[event], change, actor, now, &mut tries)
                .await?
            {
                return Ok(account);
            }
        }
    }

    /// Replaces the account's roles (all of them: the event records the new set).
    pub async fn set_roles(
        &self,
        username: &Username,
        roles: BTreeSet<Role>,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Account, AccountError> {
        check_roles(&roles)?;
        self.change_account(username, actor, now, |mut a| {
            a.roles = roles.clone();
            let event = AccountEvent::RolesChanged {
                username: a.username.clone(),
                roles: roles.clone(),
            };
            Ok((vec![event], a))
        })
        .await
    }

    /// Disables the account and signs it out everywhere.
    pub async fn disable(
        &self,
        username: &Username,
        reason: Text,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Account, AccountError> {
        let account = self
            .change_account(username, actor, now, |mut a| {
                if a.disabled {
                    return Err(AccountError::Invalid(format!(
                        "{} is already disabled",
                        a.username
                    )));
                }
                a.disabled = true;
                let event = AccountEvent::AccountDisabled {
                    username: a.username.clone(),
                    reason: reason.clone(),
                };
                Ok((vec![event], a))
            })
            .await?;
        self.docket.store.delete_sessions_of(username).await?;
        Ok(account)
    }

    pub async fn enable(
        &self,
        username: &Username,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Account, AccountError> {
        self.change_account(username, actor, now, |mut a| {
            if !a.disabled {
                return Err(AccountError::Invalid(format!(
                    "{} is not disabled",
                    a.username
                )));
            }
            a.disabled = false;
            let event = AccountEvent::AccountEnabled {
                username: a.username.clone(),
            };
            Ok((vec![event], a))
        })
        .await
    }

    /// Sets a new password (a random temporary one if none is given, returned so it can be
    /// passed on), ends the account's sessions and lifts any lockout. The second factor is
    /// kept: a reset password alone does not let anyone past it.
    pub async fn reset_password(
        &self,
        username: &Username,
        new_password: Option<String>,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Option<String>, AccountError> {
        let (plaintext, generated) = match new_password {
            Some(p) => (p, false),
            None => (password::random_password(), true),
        };
        let to_hash = plaintext.clone();
        let hash = blocking(move || password::hash_password(&to_hash)).await??;
        self.change_account(username, actor, now, |mut a| {
            a.password_hash = hash.clone();
            let event = AccountEvent::PasswordReset {
                username: a.username.clone(),
            };
            Ok((vec![event], a))
        })
        .await?;
        let store = &self.docket.store;
        store.delete_sessions_of(username).await?;
        store.record_login_success(username).await?;
        Ok(generated.then_some(plaintext))
    }

    /// Removes the second factor and its recovery codes (a lost phone), and ends the
    /// account's sessions; the person enrols again at their next sign-in. The reason, when
    /// given, is kept in the event.
    pub async fn reset_second_factor(
        &self,
        username: &Username,
        reason: Option<Text>,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<Account, AccountError> {
        let account = self
            .change_account(username, actor, now, |mut a| {
                if a.totp_secret.is_none() {
                    return Err(AccountError::Invalid(format!(
                        "{} has no second factor to reset",
                        a.username
                    )));
                }
                a.totp_secret = None;
                a.recovery_codes.clear();
                let event = AccountEvent::SecondFactorReset {
                    username: a.username.clone(),
                    reason: reason.clone(),
                };
                Ok((vec![event], a))
            })
            .await?;
        self.docket.store.delete_sessions_of(username).await?;
        Ok(account)
    }

    /// Enrols `secret` as the account's second factor once `code` shows the person's app
    /// has it, and returns the recovery codes to show them, once. The person enrols
    /// themselves, so they are the event's actor.
    pub async fn enrol_second_factor(
        &self,
        username: &Username,
        secret: &str,
        code: &str,
        now: Timestamp,
    ) -> Result<Vec<String>, AccountError> {
        let Some(step) = totp::matching_step(secret, code, now) else {
            return Err(AccountError::WrongCode);
        };
        let person = self.get(username).await?.person;
        let codes = totp::new_recovery_codes();
        self.change_account(username, &person, now, |mut a| {
            if a.totp_secret.is_some() {
                return Err(AccountError::Invalid(format!(
                    "{} already has a second factor; an administrator can reset it",
                    a.username
                )));
            }
            a.totp_secret = Some(secret.trim().to_ascii_uppercase());
            a.recovery_codes = codes.hashes.clone();
            let event = AccountEvent::SecondFactorEnrolled {
                username: a.username.clone(),
            };
            Ok((vec![event], a))
        })
        .await?;
        // The code that proved the enrolment signs nobody in again.
        self.docket.store.use_totp_step(username, step).await?;
        Ok(codes.plaintext)
    }

    /// Issues an API token for the account. The plaintext token is returned once and kept
    /// only as a hash.
    pub async fn issue_token(
        &self,
        username: &Username,
        scopes: BTreeSet<Scope>,
        label: &str,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<(ApiTokenRecord, String), AccountError> {
        if scopes.is_empty() {
            return Err(AccountError::Invalid(
                "a token needs at least one scope: read or write".into(),
            ));
        }
        let label = label.trim().to_string();
        if label.is_empty() {
            return Err(AccountError::Invalid(
                "give the token a label saying what it is for (--label)".into(),
            ));
        }
        let made = token::new_token();
        let mut tries = 0;
        loop {
            let version = self.docket.store.stream_version(ACCOUNTS_STREAM).await?;
            let account = self.get(username).await?;
            if account.disabled {
                return Err(AccountError::Invalid(format!(
                    "{username} is disabled: enable it before issuing tokens"
                )));
            }
            let record = ApiTokenRecord {
                token_id: made.token_id.clone(),
                secret_hash: made.secret_hash.clone(),
                username: username.clone(),
                scopes: scopes.iter().copied().collect(),
                label: label.clone(),
                created_at: now,
                revoked_at: None,
            };
            let event = AccountEvent::ApiTokenIssued {
                username: username.clone(),
                token_id: record.token_id.clone(),
                scopes: record.scopes.clone(),
                label: label.clone(),
            };
            let change = ReadModelChange::Token(record.clone());
            if self
                .try_append(version, &[event], change, actor, now, &mut tries)
                .await?
            {
                return Ok((record, made.plaintext.clone()));
            }
        }
    }

    pub async fn revoke_token(
        &self,
        token_id: &str,
        actor: &PersonId,
        now: Timestamp,
    ) -> Result<ApiTokenRecord, AccountError> {
        let store = &self.docket.store;
        let mut tries = 0;
        loop {
            let version = store.stream_version(ACCOUNTS_STREAM).await?;
            let mut record = store
                .api_token(token_id)
                .await?
                .ok_or_else(|| AccountError::TokenNotFound(token_id.to_string()))?;
            if record.is_revoked() {
                return Err(AccountError::Invalid(format!(
                    "token {token_id} is already revoked"
                )));
            }
            record.revoked_at = Some(now);
            let event = AccountEvent::ApiTokenRevoked {
                username: record.username.clone(),
                token_id: record.token_id.clone(),
            };
            let change = ReadModelChange::Token(record.clone());
            if self
                .try_append(version, &[event], change, actor, now, &mut tries)
                .await?
            {
                return Ok(record);
            }
        }
    }
}
