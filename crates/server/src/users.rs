//! `docket users …`: account administration from the command line, through the same
//! accounts service the web pages use, so every change is an event in the log.

use crate::accounts::{Accounts, LoginError, NewAccount, password};
use crate::cli::{ActorArg, TokenCmd, UsersCmd};
use crate::commands::open;
use anyhow::{Context as _, anyhow};
use docket_domain::account::{Account, Scope, Username};
use docket_domain::ids::{MembershipNumber, PersonId, Text};
use docket_domain::role::Role;
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::io::BufRead;

pub async fn run(cmd: UsersCmd) -> anyhow::Result<()> {
    let now = Timestamp::now();
    match cmd {
        UsersCmd::Add {
            data,
            username,
            person,
            name,
            roles,
            member,
            password_stdin,
            actor,
        } => {
            let new = NewAccount {
                username: parse_username(&username)?,
                person: PersonId::parse(&person).map_err(|e| anyhow!("--person: {e}"))?,
                display_name: name,
                roles: parse_roles(&roles)?,
                member: member
                    .map(|m| MembershipNumber::parse(&m).map_err(|e| anyhow!("--member: {e}")))
                    .transpose()?,
                password: String::new(),
            };
            let (password, generated) = choose_password(password_stdin)?;
            let accounts = Accounts::new(open(&data).await?);
            let account = accounts
                .create(NewAccount { password, ..new }, &actor_of(&actor)?, now)
                .await?;
            println!(
                "Created the account {} for {} ({}).",
                account.username,
                account.person,
                role_list(&account.roles)
            );
            if let Some(p) = generated {
                println!(
                    "Temporary password (shown once; pass it on privately): {p}\n\
                     They should change it at their first sign-in."
                );
            }
            if account.needs_second_factor() {
                println!(
                    "Staff must also set up a second factor (an authenticator app) at their first sign-in."
                );
            }
            Ok(())
        }
        UsersCmd::List { data } => {
            let docket = open(&data).await?;
            let accounts = docket.store.accounts().await?;
            print!("{}", table(&accounts, now));
            println!(
                "{} account{}.",
                accounts.len(),
                if accounts.len() == 1 { "" } else { "s" }
            );
            Ok(())
        }
        UsersCmd::SetRoles {
            data,
            username,
            roles,
            actor,
        } => {
            let (username, roles) = (parse_username(&username)?, parse_roles(&roles)?);
            let accounts = Accounts::new(open(&data).await?);
            let a = accounts
                .set_roles(&username, roles, &actor_of(&actor)?, now)
                .await?;
            println!("{} now has the roles {}.", a.username, role_list(&a.roles));
            Ok(())
        }
        UsersCmd::Disable {
            data,
            username,
            reason,
            actor,
        } => {
            let username = parse_username(&username)?;
            let reason = Text::parse(&reason).map_err(|e| anyhow!("--reason: {e}"))?;
            let accounts = Accounts::new(open(&data).await?);
            accounts
                .disable(&username, reason, &actor_of(&actor)?, now)
                .await?;
            println!("Disabled {username} and signed it out everywhere.");
            Ok(())
        }
        UsersCmd::Enable {
            data,
            username,
            actor,
        } => {
            let username = parse_username(&username)?;
            let accounts = Accounts::new(open(&data).await?);
            accounts.enable(&username, &actor_of(&actor)?, now).await?;
            println!("Enabled {username}.");
            Ok(())
        }
        UsersCmd::ResetPassword {
            data,
            username,
            password_stdin,
            actor,
        } => {
            let username = parse_username(&username)?;
            let given = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let accounts = Accounts::new(open(&data).await?);
            let generated = accounts
                .reset_password(&username, given, &actor_of(&actor)?, now)
                .await?;
            println!(
                "Reset the password of {username}, signed it out everywhere and lifted any lockout."
            );
            if let Some(p) = generated {
                println!("Temporary password (shown once; pass it on privately): {p}");
            }
            Ok(())
        }
        UsersCmd::ResetSecondFactor {
            data,
            username,
            reason,
            actor,
        } => {
            let username = parse_username(&username)?;
            let reason = reason
                .map(|r| Text::parse(&r).map_err(|e| anyhow!("--reason: {e}")))
                .transpose()?;
            let accounts = Accounts::new(open(&data).await?);
            accounts
                .reset_second_factor(&username, reason, &actor_of(&actor)?, now)
                .await?;
            println!(
                "Removed the second factor of {username} and signed it out everywhere; they set up a new one at their next sign-in."
            );
            Ok(())
        }
        UsersCmd::Token { command } => token(command, now).await,
    }
}

async fn token(cmd: TokenCmd, now: Timestamp) -> anyhow::Result<()> {
    match cmd {
        TokenCmd::Issue {
            data,
            username,
            scopes,
            label,
            actor,
        } => {
            let username = parse_username(&username)?;
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s).map_err(|e| anyhow!("--scope: {e}")))
                .collect::<anyhow::Result<BTreeSet<Scope>>>()?;
            let accounts = Accounts::new(open(&data).await?);
            let (record, plaintext) = accounts
                .issue_token(&username, scopes, &label, &actor_of(&actor)?, now)
                .await?;
            println!(
                "Issued token {} for {username} ({}), labelled \"{}\".",
                record.token_id,
                scope_list(&record.scopes),
                record.label
            );
            println!("Token (shown once; only its hash is kept):\n{plaintext}");
            Ok(())
        }
        TokenCmd::Revoke {
            data,
            token_id,
            actor,
        } => {
            let accounts = Accounts::new(open(&data).await?);
            let record = accounts
                .revoke_token(token_id.trim(), &actor_of(&actor)?, now)
                .await?;
            println!(
                "Revoked token {} of {} (\"{}\").",
                record.token_id, record.username, record.label
            );
            Ok(())
        }
        TokenCmd::List { data, username } => {
            let username = parse_username(&username)?;
            let docket = open(&data).await?;
            let tokens = docket.store.api_tokens(&username).await?;
            for t in &tokens {
                println!(
                    "{:<18} {:<12} {:<22} {:<30} {}",
                    t.token_id,
                    scope_list(&t.scopes),
                    format!("{:.0}", t.created_at),
                    t.label,
                    match t.revoked_at {
                        Some(at) => format!("revoked {at:.0}"),
                        None => "active".into(),
                    }
                );
            }
            println!(
                "{} token{} for {username}.",
                tokens.len(),
                if tokens.len() == 1 { "" } else { "s" }
            );
            Ok(())
        }
    }
}

fn parse_username(s: &str) -> anyhow::Result<Username> {
    Username::parse(s).map_err(anyhow::Error::msg)
}

fn parse_roles(roles: &[String]) -> anyhow::Result<BTreeSet<Role>> {
    roles
        .iter()
        .map(|r| Role::parse(r).map_err(|e| anyhow!("--role: {e}")))
        .collect()
}

fn actor_of(a: &ActorArg) -> anyhow::Result<PersonId> {
    PersonId::parse(&a.actor).map_err(|e| anyhow!("--as: {e}"))
}

fn role_list(roles: &BTreeSet<Role>) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The password given on standard input, or a generated one (returned again to print).
fn choose_password(from_stdin: bool) -> anyhow::Result<(String, Option<String>)> {
    if from_stdin {
        Ok((read_password()?, None))
    } else {
        let p = password::random_password();
        Ok((p.clone(), Some(p)))
    }
}

/// One line of standard input, without its line ending.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    password::check_strength(&p).map_err(|e| anyhow!("the password on standard input: {e}"))?;
    Ok(p)
}

/// The `users list` table: no secrets, only whether they are set.
pub fn table(accounts: &[Account], now: Timestamp) -> String {
    let rows: Vec<[String; 6]> = accounts
        .iter()
        .map(|a| {
            [
                a.username.to_string(),
                a.person.to_string(),
                role_list(&a.roles),
                if a.second_factor_enrolled() {
                    "yes".into()
                } else {
                    "no".into()
                },
                if a.disabled {
                    "DISABLED".into()
                } else {
                    "-".into()
                },
                match a.locked_at(now) {
                    Some(until) => match LoginError::locked(until, now) {
                        LoginError::Locked { when, .. } => format!("until {when}"),
                        _ => "yes".into(),
                    },
                    None => "-".into(),
                },
            ]
        })
        .collect();
    let header = ["username", "person", "roles", "2fa", "disabled", "locked"].map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
