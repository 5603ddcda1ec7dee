//! The accounts service on both stores: administration, sign-in with lockout, second
//! factors, API tokens and anonymous complainants' receipts.

use crate::backend::{TestStore, ts};
use crate::both_backends;
use crate::support::docket;
use docket::accounts::{AccountError, Accounts, LoginError, NewAccount, password, totp};
use docket_domain::account::{ACCOUNTS_STREAM, AccountEvent, Scope, SessionRecord, Username};
use docket_domain::command::{Command, Complainant, Respondent};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId, Text};
use docket_domain::role::Role;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

const PASSWORD: &str = "correct horse battery";

fn user(s: &str) -> Username {
    Username::parse(s).expect("username")
}

fn admin() -> PersonId {
    PersonId::parse("admin.usman-khan").expect("person")
}

fn new_account(name: &str, roles: &[Role]) -> NewAccount {
    NewAccount {
        username: user(name),
        person: PersonId::parse(&format!("person.{name}")).expect("person"),
        display_name: format!("Person {name}"),
        roles: roles.iter().copied().collect(),
        member: None,
        password: PASSWORD.into(),
    }
}

fn session(id: &str, username: &str) -> SessionRecord {
    SessionRecord {
        id_hash: id.repeat(64),
        username: Some(user(username)),
        receipt_for: None,
        csrf_token: "csrf".into(),
        second_factor_done: true,
        created_at: ts("2026-01-01T00:00:00Z"),
        expires_at: ts("2099-01-01T00:00:00Z"),
        last_seen: ts("2026-01-01T00:00:00Z"),
    }
}

async fn account_events(a: &Accounts) -> Vec<AccountEvent> {
    a.docket
        .store
        .stream_events(ACCOUNTS_STREAM)
        .await
        .expect("events")
        .iter()
        .map(|e| serde_json::from_str(&e.payload).expect("an account event"))
        .collect()
}

both_backends!(accounts_are_created_once_and_their_history_is_logged);
async fn accounts_are_created_once_and_their_history_is_logged(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-02-01T09:00:00Z");
    let mut new = new_account("amara.osei", &[Role::CaseOfficer]);
    new.member = Some(MembershipNumber::parse("PA0000042").expect("n"));
    let created = a.create(new.clone(), &admin(), now).await.expect("created");
    assert_eq!(created.roles, BTreeSet::from([Role::CaseOfficer]));
    assert!(created.password_hash.starts_with("$argon2id$"));
    assert!(!created.second_factor_enrolled());
    assert_eq!(a.get(&new.username).await.expect("stored"), created);

    let again = a.create(new.clone(), &admin(), now).await;
    assert!(
        matches!(again, Err(AccountError::UsernameTaken(_))),
        "{again:?}"
    );
    let mut same_person = new_account("amara2", &[Role::Investigator]);
    same_person.person = new.person.clone();
    let refused = a
        .create(same_person, &admin(), now)
        .await
        .expect_err("one account each");
    assert!(
        refused
            .to_string()
            .contains("already has an account (amara.osei)"),
        "{refused}"
    );
    let mut weak = new_account("weak.one", &[Role::Oversight]);
    weak.password = "short".into();
    let refused = a.create(weak, &admin(), now).await.expect_err("weak");
    assert!(
        refused.to_string().contains("at least 12 characters"),
        "{refused}"
    );
    let no_roles = a.create(new_account("no.roles", &[]), &admin(), now).await;
    assert!(matches!(no_roles, Err(AccountError::Invalid(_))));

    let roles = BTreeSet::from([Role::CaseOfficer, Role::Investigator]);
    let changed = a
        .set_roles(&new.username, roles.clone(), &admin(), now)
        .await
        .expect("roles");
    assert_eq!(changed.roles, roles);
    let missing = a
        .set_roles(&user("nobody"), roles.clone(), &admin(), now)
        .await;
    assert!(matches!(missing, Err(AccountError::NotFound(_))));

    let events = account_events(&a).await;
    assert_eq!(
        events,
        vec![
            AccountEvent::AccountCreated {
                username: new.username.clone(),
                person: new.person.clone(),
                display_name: "Person amara.osei".into(),
                roles: BTreeSet::from([Role::CaseOfficer]),
                member: new.member.clone(),
            },
            AccountEvent::RolesChanged {
                username: new.username.clone(),
                roles,
            },
        ]
    );
    let stored = a
        .docket
        .store
        .stream_events(ACCOUNTS_STREAM)
        .await
        .expect("events");
    assert!(stored.iter().all(|e| e.actor == admin().as_str()));
    assert!(
        stored.iter().all(|e| !e.payload.contains("argon2")),
        "no hash in the log"
    );

    // The credentials survive a rebuild of the read models.
    a.docket.rebuild(&|_| {}).await.expect("rebuild");
    assert_eq!(
        a.get(&new.username).await.expect("kept").roles,
        changed.roles
    );
}

both_backends!(two_people_racing_for_one_username_get_one_account);
async fn two_people_racing_for_one_username_get_one_account(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-02-01T09:00:00Z");
    let mut first = new_account("contested", &[Role::Oversight]);
    let mut second = first.clone();
    first.person = PersonId::parse("person.first").expect("p");
    second.person = PersonId::parse("person.second").expect("p");
    // Spawned, which also shows the service's futures can run on any worker (are Send).
    let spawn = |new: NewAccount| {
        let a = a.clone();
        tokio::spawn(async move { a.create(new, &admin(), now).await })
    };
    let (x, y) = (spawn(first), spawn(second));
    let (x, y) = (x.await.expect("task"), y.await.expect("task"));
    assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
    assert_eq!(a.docket.store.accounts().await.expect("all").len(), 1);
}

both_backends!(five_wrong_passwords_lock_the_account_for_fifteen_minutes);
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-03-10T14:17:00Z");
    let new = new_account("ben.price", &[Role::CaseOfficer]);
    a.create(new, &admin(), now).await.expect("created");

    let ok = a.authenticate_password("Ben.Price", PASSWORD, now).await;
    assert_eq!(ok.map(|x| x.username), Ok(user("ben.price")));
    let unknown = a.authenticate_password("nobody", PASSWORD, now).await;
    let wrong = a
        .authenticate_password("ben.price", "not the password", now)
        .await;
    assert_eq!(unknown, Err(LoginError::WrongPassword));
    assert_eq!(wrong, Err(LoginError::WrongPassword));
    assert_eq!(
        a.authenticate_password("not a username!", PASSWORD, now)
            .await,
        Err(LoginError::WrongPassword)
    );
    // A success starts the count again, so these are four in a row, then the fifth locks.
    a.authenticate_password("ben.price", PASSWORD, now)
        .await
        .expect("ok");
    for _ in 0..4 {
        let e = a.authenticate_password("ben.price", "wrong", now).await;
        assert_eq!(e, Err(LoginError::WrongPassword));
    }
    let fifth = a
        .authenticate_password("ben.price", "wrong", now)
        .await
        .expect_err("locked");
    assert_eq!(
        fifth.to_string(),
        "too many failed attempts: try again after 14:32 UTC"
    );
    let still = a.authenticate_password("ben.price", PASSWORD, now).await;
    assert!(
        matches!(still, Err(LoginError::Locked { .. })),
        "even the right password waits"
    );
    let after = now.checked_add(SignedDuration::from_mins(15)).expect("ts");
    a.authenticate_password("ben.price", PASSWORD, after)
        .await
        .expect("the lock has ended");
}

both_backends!(disabling_refuses_sign_in_and_ends_sessions);
async fn disabling_refuses_sign_in_and_ends_sessions(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-03-10T10:00:00Z");
    let name = user("chloe.nowak");
    a.create(
        new_account("chloe.nowak", &[Role::CaseOfficer]),
        &admin(),
        now,
    )
    .await
    .expect("created");
    let store = &a.docket.store;
    store
        .put_session(session("a", "chloe.nowak"))
        .await
        .expect("session");
    store
        .put_session(session("b", "chloe.nowak"))
        .await
        .expect("session");
    let reason = Text::parse("left the organisation").expect("text");
    let disabled = a
        .disable(&name, reason.clone(), &admin(), now)
        .await
        .expect("disabled");
    assert!(disabled.disabled);
    assert_eq!(store.session(&"a".repeat(64), now).await, Ok(None));
    assert_eq!(store.session(&"b".repeat(64), now).await, Ok(None));
    assert_eq!(
        a.authenticate_password("chloe.nowak", PASSWORD, now).await,
        Err(LoginError::Disabled)
    );
    assert_eq!(
        a.authenticate_password("chloe.nowak", "a wrong password", now)
            .await,
        Err(LoginError::WrongPassword),
        "only someone with the password learns the account is disabled"
    );
    let twice = a.disable(&name, reason.clone(), &admin(), now).await;
    assert!(
        twice
            .expect_err("already")
            .to_string()
            .contains("already disabled")
    );
    a.enable(&name, &admin(), now).await.expect("enabled");
    a.authenticate_password("chloe.nowak", PASSWORD, now)
        .await
        .expect("signs in");
    let events = account_events(&a).await;
    assert!(events.contains(&AccountEvent::AccountDisabled {
        username: name.clone(),
        reason
    }));
    assert_eq!(
        events.last(),
        Some(&AccountEvent::AccountEnabled { username: name })
    );
}

both_backends!(a_password_reset_replaces_the_password_and_lifts_the_lock);
async fn a_password_reset_replaces_the_password_and_lifts_the_lock(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-03-10T10:00:00Z");
    let name = user("dafydd.lloyd");
    a.create(
        new_account("dafydd.lloyd", &[Role::CaseOfficer]),
        &admin(),
        now,
    )
    .await
    .expect("created");
    for _ in 0..5 {
        let _ = a
            .authenticate_password("dafydd.lloyd", "wrong guess", now)
            .await;
    }
    a.docket
        .store
        .put_session(session("c", "dafydd.lloyd"))
        .await
        .expect("session");
    let temporary = a
        .reset_password(&name, None, &admin(), now)
        .await
        .expect("reset")
        .expect("a generated password");
    assert!(password::check_strength(&temporary).is_ok());
    assert_eq!(a.docket.store.session(&"c".repeat(64), now).await, Ok(None));
    let old = a.authenticate_password("dafydd.lloyd", PASSWORD, now).await;
    assert_eq!(old, Err(LoginError::WrongPassword));
    a.authenticate_password("dafydd.lloyd", &temporary, now)
        .await
        .expect("the temporary password works, and the lock is gone");
    let chosen = a
        .reset_password(&name, Some("a brand new passphrase".into()), &admin(), now)
        .await
        .expect("reset");
    assert_eq!(chosen, None, "a chosen password is not echoed back");
    let weak = a
        .reset_password(&name, Some("weak".into()), &admin(), now)
        .await;
    assert!(matches!(weak, Err(AccountError::Password(_))));
    let resets = account_events(&a)
        .await
        .into_iter()
        .filter(|e| matches!(e, AccountEvent::PasswordReset { .. }))
        .count();
    assert_eq!(resets, 2);
}

both_backends!(second_factor_enrolment_codes_and_recovery);
async fn second_factor_enrolment_codes_and_recovery(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-03-10T10:00:00Z");
    let name = user("eilidh.ward");
    a.create(
        new_account("eilidh.ward", &[Role::Investigator]),
        &admin(),
        now,
    )
    .await
    .expect("created");
    assert_eq!(
        a.verify_second_factor(&name, "123456", now).await,
        Err(LoginError::NoSecondFactor)
    );
    let secret = totp::new_secret();
    let wrong = a.enrol_second_factor(&name, &secret, "000000", now).await;
    assert!(matches!(wrong, Err(AccountError::WrongCode)), "{wrong:?}");
    let code = totp::code_at(&secret, now).expect("code");
    let recovery = a
        .enrol_second_factor(&name, &secret, &code, now)
        .await
        .expect("enrolled");
    assert_eq!(recovery.len(), 10);
    let account = a.get(&name).await.expect("account");
    assert_eq!(account.totp_secret.as_deref(), Some(secret.as_str()));
    assert!(
        account.recovery_codes.iter().all(|h| !recovery.contains(h)),
        "kept hashed"
    );
    let again = a.enrol_second_factor(&name, &secret, &code, now).await;
    assert!(
        again
            .expect_err("enrolled")
            .to_string()
            .contains("already has")
    );

    assert_eq!(
        a.verify_second_factor(&name, &code, now).await,
        Err(LoginError::CodeUsed),
        "the code that proved the enrolment signs nobody in"
    );
    let later = ts("2026-03-10T10:05:00Z");
    let code = totp::code_at(&secret, later).expect("code");
    a.verify_second_factor(&name, &code, later)
        .await
        .expect("code accepted");
    // Each code signs in once (RFC 6238 5.2), even within its window, and an older code
    // that is still inside the window is refused too.
    let a_little_later = ts("2026-03-10T10:05:20Z");
    assert_eq!(
        a.verify_second_factor(&name, &code, a_little_later).await,
        Err(LoginError::CodeUsed)
    );
    let before = totp::code_at(&secret, ts("2026-03-10T10:04:50Z")).expect("code");
    assert_eq!(
        a.verify_second_factor(&name, &before, a_little_later).await,
        Err(LoginError::CodeUsed)
    );
    let next = ts("2026-03-10T10:05:31Z");
    let code = totp::code_at(&secret, next).expect("code");
    a.verify_second_factor(&name, &code, next)
        .await
        .expect("the next code is accepted");
    assert_eq!(
        a.verify_second_factor(&name, "999999", later).await,
        Err(LoginError::WrongCode)
    );
    a.verify_second_factor(&name, &recovery[0].to_uppercase(), later)
        .await
        .expect("a recovery code works once");
    assert_eq!(
        a.verify_second_factor(&name, &recovery[0], later).await,
        Err(LoginError::WrongCode),
        "and only once"
    );
    assert_eq!(a.get(&name).await.expect("a").recovery_codes.len(), 9);

    let reason = docket_domain::ids::Text::parse("lost phone").expect("text");
    a.reset_second_factor(&name, Some(reason.clone()), &admin(), later)
        .await
        .expect("reset");
    let account = a.get(&name).await.expect("account");
    assert!(account.totp_secret.is_none() && account.recovery_codes.is_empty());
    let events = account_events(&a).await;
    let enrolled = events
        .iter()
        .position(|e| {
            *e == AccountEvent::SecondFactorEnrolled {
                username: name.clone(),
            }
        })
        .expect("enrolment logged");
    assert_eq!(
        events.last(),
        Some(&AccountEvent::SecondFactorReset {
            username: name.clone(),
            reason: Some(reason),
        })
    );
    let stored = a
        .docket
        .store
        .stream_events(ACCOUNTS_STREAM)
        .await
        .expect("events");
    assert_eq!(
        stored[enrolled].actor, "person.eilidh.ward",
        "people enrol themselves"
    );
    assert!(
        stored.iter().all(|e| !e.payload.contains(&secret)),
        "no secret in the log"
    );
}

both_backends!(api_tokens_are_shown_once_and_can_be_revoked);
async fn api_tokens_are_shown_once_and_can_be_revoked(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now = ts("2026-03-10T10:00:00Z");
    let name = user("tess.wright");
    a.create(
        new_account("tess.wright", &[Role::Oversight]),
        &admin(),
        now,
    )
    .await
    .expect("created");
    let scopes = BTreeSet::from([Scope::Read]);
    let (record, plaintext) = a
        .issue_token(&name, scopes.clone(), "monthly figures", &admin(), now)
        .await
        .expect("issued");
    assert!(plaintext.starts_with(&format!("docket_{}_", record.token_id)));
    assert!(!record.secret_hash.contains(&plaintext[20..]));
    let (who, used) = a.authenticate_token(&plaintext).await.expect("valid");
    assert_eq!(
        (who.username, used.scopes),
        (name.clone(), vec![Scope::Read])
    );

    let mut tampered = plaintext.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'a' { 'b' } else { 'a' });
    assert_eq!(
        a.authenticate_token(&tampered).await,
        Err(LoginError::BadToken)
    );
    let malformed = a.authenticate_token("docket_nope").await;
    assert!(matches!(malformed, Err(LoginError::MalformedToken(_))));
    let unlabelled = a
        .issue_token(&name, scopes.clone(), " ", &admin(), now)
        .await;
    assert!(matches!(unlabelled, Err(AccountError::Invalid(_))));
    let unscoped = a
        .issue_token(&name, BTreeSet::new(), "x", &admin(), now)
        .await;
    assert!(matches!(unscoped, Err(AccountError::Invalid(_))));

    a.revoke_token(&record.token_id, &admin(), now)
        .await
        .expect("revoked");
    assert_eq!(
        a.authenticate_token(&plaintext).await,
        Err(LoginError::BadToken)
    );
    let twice = a.revoke_token(&record.token_id, &admin(), now).await;
    assert!(
        twice
            .expect_err("already")
            .to_string()
            .contains("already revoked")
    );
    assert!(matches!(
        a.revoke_token("nosuchtoken", &admin(), now).await,
        Err(AccountError::TokenNotFound(_))
    ));

    let (_, second) = a
        .issue_token(&name, scopes, "dashboard", &admin(), now)
        .await
        .expect("issued");
    a.disable(&name, Text::parse("left").expect("t"), &admin(), now)
        .await
        .expect("disabled");
    assert_eq!(
        a.authenticate_token(&second).await,
        Err(LoginError::Disabled)
    );
    assert_eq!(
        a.docket
            .store
            .api_tokens(&name)
            .await
            .expect("tokens")
            .len(),
        2
    );
    let events = account_events(&a).await;
    assert!(events.iter().any(|e| matches!(e,
        AccountEvent::ApiTokenIssued { label, scopes, .. }
            if label == "monthly figures" && *scopes == vec![Scope::Read])));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, AccountEvent::ApiTokenRevoked { .. }))
    );
}

both_backends!(anonymous_complainants_follow_up_with_a_receipt);
async fn anonymous_complainants_follow_up_with_a_receipt(t: TestStore) {
    let a = Accounts::new(docket(&t));
    let now: Timestamp = ts("2026-03-10T10:00:00Z");
    let id = CaseId::from_random(0x1234_5678);
    let intake = |complainant| Command::ReceiveComplaint {
        id: id.clone(),
        complainant,
        respondent: Respondent {
            member: MembershipNumber::parse("PA0000500").expect("n"),
            name: "A member".into(),
            elected_office: None,
        },
        category: "bullying".into(),
        conduct_date: jiff::civil::date(2026, 3, 1),
        summary: Text::parse("Hostile messages").expect("t"),
        narrative: Text::parse("Months of hostile messages.").expect("t"),
    };
    let web = PersonId::parse("anonymous:web").expect("p");
    let named = Complainant::ThirdParty {
        name: "Sam".into(),
        organisation: None,
        email: None,
    };
    let refused = a
        .receive_anonymous_complaint(intake(named), &[], &web, now)
        .await;
    assert!(matches!(refused, Err(AccountError::Invalid(_))));
    let (case, receipt) = a
        .receive_anonymous_complaint(intake(Complainant::Anonymous), &[], &web, now)
        .await
        .expect("received");
    assert_eq!(case.id, id);
    assert_eq!(receipt.passphrase.split('-').count(), 6);
    assert!(a.docket.load_case(&id).await.expect("load").is_some());

    let typed = receipt.passphrase.replace('-', " ").to_uppercase();
    let code = receipt.code.as_str().to_lowercase();
    let found = a
        .authenticate_receipt(&code, &typed, now)
        .await
        .expect("opens");
    let principal = found.principal();
    assert_eq!(principal.receipt_for, Some(id.clone()));
    assert_eq!(principal.roles, BTreeSet::from([Role::Complainant]));

    let wrong = a
        .authenticate_receipt(receipt.code.as_str(), "maple otter", now)
        .await;
    assert_eq!(wrong, Err(LoginError::WrongReceipt));
    let unknown = a
        .authenticate_receipt("R-0000-0000-0000", &receipt.passphrase, now)
        .await;
    assert_eq!(unknown, Err(LoginError::WrongReceipt));
    let garbage = a
        .authenticate_receipt("hello", &receipt.passphrase, now)
        .await;
    assert_eq!(garbage, Err(LoginError::WrongReceipt));
    for _ in 0..3 {
        let _ = a
            .authenticate_receipt(receipt.code.as_str(), "guess", now)
            .await;
    }
    let locked = a
        .authenticate_receipt(receipt.code.as_str(), "guess", now)
        .await
        .expect_err("locked");
    assert!(
        locked.to_string().contains("try again after 10:15 UTC"),
        "{locked}"
    );
    let log = a.docket.store.events_after(0, 100).await.expect("log");
    assert!(
        log.iter().all(|e| !e.payload.contains(&receipt.passphrase)
            && !e.payload.contains(receipt.code.as_str())),
        "neither half of the receipt is in the log"
    );
}

/// A running server deletes expired sessions (at start, then hourly) and leaves live ones.
#[tokio::test]
async fn a_server_sweeps_expired_sessions_away() {
    let t = crate::backend::sqlite().await;
    let d = docket(&t);
    let a = Accounts::new(d.clone());
    a.create(
        new_account("erin.sweep", &[Role::CaseOfficer]),
        &admin(),
        Timestamp::now(),
    )
    .await
    .expect("created");
    let expired = SessionRecord {
        expires_at: ts("2026-01-02T00:00:00Z"),
        ..session("e", "erin.sweep")
    };
    d.store.put_session(expired).await.expect("expired session");
    d.store
        .put_session(session("f", "erin.sweep"))
        .await
        .expect("live session");
    let count = |hash: String| {
        let db = std::path::Path::new(&t.url).join("docket.db");
        let conn = rusqlite::Connection::open(db).expect("open");
        conn.query_row(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = ?1",
            [hash],
            |r| r.get::<_, i64>(0),
        )
        .expect("count")
    };
    assert_eq!(count("e".repeat(64)), 1, "the expired session is stored");
    let (_base, _stop) = crate::support::serve(d.clone()).await;
    let mut swept = false;
    for _ in 0..100 {
        if count("e".repeat(64)) == 0 {
            swept = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(swept, "the server deleted the expired session");
    assert_eq!(count("f".repeat(64)), 1, "and kept the live one");
}
