//! The demo's accounts: one for every member of staff, with the role their place in the demo
//! gives them, a password anyone can read in the banner, and a second factor derived from the
//! demo seed (so the same demo always has the same secrets). Demo only: a real organisation's
//! accounts are made with `docket users add`.

use super::{SEED, Staff};
use crate::accounts::{NewAccount, account_append, blocking, password, token, totp};
use crate::commands::operator;
use crate::service::Docket;
use docket_domain::account::{ACCOUNTS_STREAM, AccountEvent, Username};
use docket_domain::ids::PersonId;
use docket_domain::role::Role;
use docket_domain::store::ReadModelChange;
use jiff::Timestamp;
use std::collections::BTreeSet;

/// Each demo person and the roles their account gets, in the banner's order.
pub fn staff_roles(staff: &Staff) -> Vec<(&'static str, PersonId, BTreeSet<Role>)> {
    let mut out = Vec::new();
    let mut add = |group: &'static str, people: &[PersonId], roles: &[Role]| {
        for p in people {
            out.push((group, p.clone(), roles.iter().copied().collect()));
        }
    };
    add("case officers", &staff.case_officers, &[Role::CaseOfficer]);
    add("investigators", &staff.investigators, &[Role::Investigator]);
    add(
        "disputes panel",
        &staff.disputes_panel,
        &[Role::DisputesPanel],
    );
    add(
        "panel pool",
        &staff.panel_pool,
        &[Role::PanelMember, Role::AppealPanelMember],
    );
    add("reviewers", &staff.reviewers, &[Role::IndependentReviewer]);
    add(
        "oversight",
        std::slice::from_ref(&staff.oversight),
        &[Role::Oversight],
    );
    add(
        "administrator",
        std::slice::from_ref(&staff.administrator),
        &[Role::Administrator],
    );
    add(
        "officeholders",
        &[
            staff.leader.clone(),
            staff.chief_whip.clone(),
            staff.leaders_office.clone(),
        ],
        &[Role::Officeholder],
    );
    out
}

/// A demo account's username: its person id, lower-cased (`officer.amara-osei`).
pub fn username(person: &PersonId) -> anyhow::Result<Username> {
    Username::parse(&person.as_str().to_lowercase()).map_err(anyhow::Error::msg)
}

/// Printed in the banner: this is a demo.
pub fn demo_password(username: &Username) -> String {
    format!("demo-password-{username}")
}

/// The demo account's TOTP secret, from the seed and the username.
pub fn totp_secret(username: &Username) -> String {
    let mut input = b"docket demo totp ".to_vec();
    input.extend_from_slice(&SEED.to_le_bytes());
    input.extend_from_slice(username.as_str().as_bytes());
    let digest = token::sha256_hex(&input);
    let mut bytes = [0u8; 20];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&digest[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    totp::secret_from_bytes(&bytes)
}

/// "officer.amara-osei" → "Amara Osei".
fn display_name(person: &PersonId) -> String {
    let name = person
        .as_str()
        .split_once('.')
        .map_or(person.as_str(), |(_, n)| n);
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Creates every demo account, enrolled in a second factor, in one transaction. Returns how
/// many. Argon2 runs a few at a time on the blocking pool: each hash takes 19 MiB.
pub async fn create(docket: &Docket, staff: &Staff, now: Timestamp) -> anyhow::Result<usize> {
    let people = staff_roles(staff);
    let mut hashes = Vec::with_capacity(people.len());
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    for chunk in people.chunks(parallel) {
        let mut tasks = Vec::new();
        for (_, person, _) in chunk {
            let plaintext = demo_password(&username(person)?);
            tasks.push(blocking(move || password::hash_password(&plaintext)));
        }
        for task in tasks {
            hashes.push(task.await??);
        }
    }
    let mut version = docket.store.stream_version(ACCOUNTS_STREAM).await?;
    let mut appends = Vec::with_capacity(people.len());
    for ((_, person, roles), hash) in people.iter().zip(hashes) {
        let new = NewAccount {
            username: username(person)?,
            person: person.clone(),
            display_name: display_name(person),
            roles: roles.clone(),
            member: None,
            password: String::new(),
        };
        let (mut account, created) = new.account(hash, now);
        account.totp_secret = Some(totp_secret(&account.username));
        let enrolled = AccountEvent::SecondFactorEnrolled {
            username: account.username.clone(),
        };
        appends.push(account_append(
            version,
            &[created, enrolled],
            ReadModelChange::Account(Box::new(account)),
            &operator(),
            now,
        )?);
        version += 2;
    }
    let n = appends.len();
    docket.append_all(appends).await?;
    Ok(n)
}

/// Enough of the pool for a hearing panel and a separate appeal panel.
const SHOWN_FROM_POOL: usize = 6;

/// The sign-in details of the demo's people, by role, for the banner.
pub fn banner(staff: &Staff) -> String {
    let mut out = String::new();
    let mut last_group = "";
    let mut shown_in_group = 0;
    for (group, person, _) in staff_roles(staff) {
        let Ok(user) = username(&person) else {
            continue;
        };
        if group != last_group {
            out.push_str(&format!("  {group}:\n"));
            last_group = group;
            shown_in_group = 0;
        }
        shown_in_group += 1;
        if group == "panel pool" && shown_in_group > SHOWN_FROM_POOL {
            if shown_in_group == SHOWN_FROM_POOL + 1 {
                out.push_str(&format!(
                    "    … and {} more (`docket users list` shows them all)\n",
                    staff.panel_pool.len() - SHOWN_FROM_POOL
                ));
            }
            continue;
        }
        out.push_str(&format!(
            "    {:<30} password {:<45} second factor secret {}\n",
            user.as_str(),
            demo_password(&user),
            totp_secret(&user)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_person_gets_a_valid_username_and_a_stable_secret() {
        let staff = Staff::new();
        let people = staff_roles(&staff);
        assert_eq!(people.len(), 4 + 6 + 3 + 40 + 6 + 1 + 1 + 3);
        for (_, person, roles) in &people {
            let u = username(person).expect("a valid username");
            assert_eq!(u.as_str(), person.as_str().to_lowercase());
            assert!(password::check_strength(&demo_password(&u)).is_ok());
            assert_eq!(totp_secret(&u), totp_secret(&u));
            assert!(!roles.is_empty());
        }
        let officer = PersonId::parse("officer.amara-osei").expect("p");
        assert_eq!(display_name(&officer), "Amara Osei");
        let u = username(&officer).expect("u");
        assert_ne!(
            totp_secret(&u),
            totp_secret(&username(&staff.leader).expect("u"))
        );
        let shown = banner(&staff);
        assert!(shown.contains("officer.amara-osei"), "{shown}");
        assert!(shown.contains("… and 34 more"), "{shown}");
        assert!(
            shown.contains("password demo-password-officer.amara-osei"),
            "{shown}"
        );
    }
}
