//! Accounts, tokens, receipts and sessions: the same contract on both stores.

use crate::backend::{TestStore, simple, ts};
use crate::both_backends;
use docket_domain::Stage;
use docket_domain::account::{
    ACCOUNTS_STREAM, Account, ApiTokenRecord, Receipt, ReceiptCode, Scope, SessionRecord,
    SessionUpdate, Username,
};
use docket_domain::ids::{CaseId, MembershipNumber, PersonId};
use docket_domain::role::Role;
use docket_domain::store::{CaseFilter, ReadModelChange, Store, StoreError, case_stream};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

fn user(s: &str) -> Username {
    Username::parse(s).expect("username")
}

pub fn account(name: &str, roles: &[Role]) -> Account {
    Account {
        username: user(name),
        person: PersonId::parse(&format!("person.{name}")).expect("person"),
        display_name: format!("{name} — \"display\" Zoë"),
        roles: roles.iter().copied().collect(),
        member: None,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$salt${name}"),
        totp_secret: None,
        recovery_codes: vec![],
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: ts("2026-01-02T03:04:05Z"),
    }
}

/// Appends one event on the accounts stream that writes `change`.
async fn put(s: &dyn Store, change: ReadModelChange) {
    let version = s.stream_version(ACCOUNTS_STREAM).await.expect("version");
    let mut a = simple(ACCOUNTS_STREAM, version, 1);
    a.read_model = change;
    s.append(a).await.expect("append to the accounts stream");
}

async fn put_account(s: &dyn Store, a: &Account) {
    put(s, ReadModelChange::Account(Box::new(a.clone()))).await;
}

fn token(id: &str, username: &str, created_at: &str) -> ApiTokenRecord {
    ApiTokenRecord {
        token_id: id.into(),
        secret_hash: format!("{:0>64}", id),
        username: user(username),
        scopes: vec![Scope::Read, Scope::Write],
        label: format!("label for {id}"),
        created_at: ts(created_at),
        revoked_at: None,
    }
}

fn session(id: &str, username: Option<&str>, expires_at: &str) -> SessionRecord {
    SessionRecord {
        id_hash: format!("{id:0>64}"),
        username: username.map(user),
        receipt_for: None,
        csrf_token: format!("csrf-{id}"),
        second_factor_done: false,
        created_at: ts("2026-01-01T00:00:00Z"),
        expires_at: ts(expires_at),
        last_seen: ts("2026-01-01T00:00:00Z"),
    }
}

const LOCKOUT: SignedDuration = SignedDuration::from_mins(15);

both_backends!(accounts_round_trip);
async fn accounts_round_trip(t: TestStore) {
    let s = &*t.store;
    assert_eq!(s.accounts().await, Ok(vec![]));
    let mut zed = account("zed", &[Role::CaseOfficer, Role::Investigator]);
    zed.member = Some(MembershipNumber::parse("PA0001").expect("n"));
    zed.totp_secret = Some("JBSWY3DPEHPK3PXP".into());
    zed.recovery_codes = vec!["a".repeat(64), "b".repeat(64)];
    let amy = account("amy.x-y_z", &[Role::Administrator]);
    put_account(s, &zed).await;
    put_account(s, &amy).await;
    assert_eq!(s.account(&zed.username).await, Ok(Some(zed.clone())));
    assert_eq!(
        s.account_by_person(&amy.person).await,
        Ok(Some(amy.clone()))
    );
    assert_eq!(s.account(&user("nobody")).await, Ok(None));
    let nobody = PersonId::parse("person.nobody").expect("p");
    assert_eq!(s.account_by_person(&nobody).await, Ok(None));
    assert_eq!(s.accounts().await, Ok(vec![amy.clone(), zed.clone()]));
    assert_eq!(s.stream_version(ACCOUNTS_STREAM).await, Ok(2));

    // A later event rewrites the row, but not the operational columns.
    s.record_login_failure(&zed.username, ts("2026-01-03T00:00:00Z"), 5, LOCKOUT)
        .await
        .expect("failure");
    let mut changed = zed.clone();
    changed.roles = BTreeSet::from([Role::Oversight]);
    changed.disabled = true;
    changed.totp_secret = None;
    changed.recovery_codes = vec![];
    changed.member = None;
    changed.password_hash = "$argon2id$new".into();
    put_account(s, &changed).await;
    let stored = s.account(&zed.username).await.expect("read").expect("kept");
    assert_eq!(
        stored.failed_logins, 1,
        "an account event leaves the count alone"
    );
    changed.failed_logins = 1;
    assert_eq!(stored, changed);
}

both_backends!(tokens_round_trip);
async fn tokens_round_trip(t: TestStore) {
    let s = &*t.store;
    put_account(s, &account("ann", &[Role::Oversight])).await;
    put_account(s, &account("bob", &[Role::Oversight])).await;
    let later = token("tok2", "ann", "2026-02-01T00:00:00Z");
    let earlier = token("tok1", "ann", "2026-01-01T00:00:00Z");
    let mut bobs = token("tok3", "bob", "2026-01-15T00:00:00Z");
    bobs.scopes = vec![Scope::Read];
    for t in [&later, &earlier, &bobs] {
        put(s, ReadModelChange::Token(t.clone())).await;
    }
    assert_eq!(s.api_token("tok3").await, Ok(Some(bobs.clone())));
    assert_eq!(s.api_token("nope").await, Ok(None));
    assert_eq!(
        s.api_tokens(&user("ann")).await,
        Ok(vec![earlier.clone(), later.clone()])
    );
    assert_eq!(s.api_tokens(&user("cyd")).await, Ok(vec![]));
    let mut revoked = earlier.clone();
    revoked.revoked_at = Some(ts("2026-03-01T12:00:00Z"));
    put(s, ReadModelChange::Token(revoked.clone())).await;
    assert_eq!(s.api_token("tok1").await, Ok(Some(revoked)));
}

both_backends!(an_intake_writes_its_case_and_receipt_together);
async fn an_intake_writes_its_case_and_receipt_together(t: TestStore) {
    let s = &*t.store;
    let id = CaseId::from_random(77);
    let summary = docket_domain::summary::CaseSummary {
        id: id.clone(),
        stage: Stage::Received,
        category: "bullying".into(),
        received_on: jiff::civil::date(2026, 1, 5),
        stage_entered_on: jiff::civil::date(2026, 1, 5),
        respondent: MembershipNumber::parse("PA9").expect("n"),
        stage_due: None,
        review_due: None,
        open: true,
        active_measures: 0,
        assignments: vec![],
        title: "Bullying at the branch meeting".into(),
        facts: None,
    };
    let receipt = Receipt {
        code: ReceiptCode::from_random(0xABC),
        case: id.clone(),
        passphrase_hash: "$argon2id$phrase".into(),
        failed: 0,
        locked_until: None,
    };
    // A stale intake writes neither.
    let mut stale = simple(&case_stream(&id), 3, 1);
    stale.read_model = ReadModelChange::CaseWithReceipt(summary.clone(), Box::new(receipt.clone()));
    assert!(matches!(
        s.append(stale).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(s.receipt(&receipt.code).await, Ok(None));
    let mut a = simple(&case_stream(&id), 0, 1);
    a.read_model = ReadModelChange::CaseWithReceipt(summary.clone(), Box::new(receipt.clone()));
    s.append(a).await.expect("intake");
    assert_eq!(s.receipt(&receipt.code).await, Ok(Some(receipt.clone())));
    assert_eq!(
        s.list_cases(&CaseFilter::default()).await,
        Ok(vec![summary])
    );
    assert_eq!(s.receipt(&ReceiptCode::from_random(1)).await, Ok(None));

    let now = ts("2026-01-06T10:00:00Z");
    for n in 1..=4 {
        let r = s
            .record_receipt_failure(&receipt.code, now, 5, LOCKOUT)
            .await
            .expect("failure");
        assert_eq!((r.failed, r.locked_until), (n, None));
    }
    s.record_receipt_success(&receipt.code).await.expect("ok");
    assert_eq!(
        s.receipt(&receipt.code).await.expect("r").map(|r| r.failed),
        Some(0)
    );
    for _ in 0..5 {
        s.record_receipt_failure(&receipt.code, now, 5, LOCKOUT)
            .await
            .expect("failure");
    }
    let locked = s.receipt(&receipt.code).await.expect("r").expect("kept");
    assert_eq!(locked.locked_until, Some(ts("2026-01-06T10:15:00Z")));
    assert_eq!(locked.locked_at(now), locked.locked_until);
    assert!(matches!(
        s.record_receipt_failure(&ReceiptCode::from_random(2), now, 5, LOCKOUT)
            .await,
        Err(StoreError::NotFound(_))
    ));
}

both_backends!(lockout_counting_is_atomic);
async fn lockout_counting_is_atomic(t: TestStore) {
    let s = &*t.store;
    let (many, few) = (account("many", &[]), account("few", &[]));
    put_account(s, &many).await;
    put_account(s, &few).await;
    let now = ts("2026-04-01T14:17:00Z");
    let fail_concurrently = async |username: &Username, n: usize, max: u32| {
        let barrier = Arc::new(Barrier::new(n));
        let mut tasks = JoinSet::new();
        for _ in 0..n {
            let (s, barrier, u) = (t.store.clone(), barrier.clone(), username.clone());
            tasks.spawn(async move {
                barrier.wait().await;
                s.record_login_failure(&u, now, max, LOCKOUT).await
            });
        }
        tasks
            .join_all()
            .await
            .into_iter()
            .map(|r| r.expect("counted"))
            .collect::<Vec<Account>>()
    };
    let seen = fail_concurrently(&many.username, 40, 1000).await;
    let mut counts: Vec<u32> = seen.iter().map(|a| a.failed_logins).collect();
    counts.sort_unstable();
    assert_eq!(
        counts,
        (1..=40).collect::<Vec<_>>(),
        "no failure lost or doubled"
    );
    let stored = s
        .account(&many.username)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!((stored.failed_logins, stored.locked_until), (40, None));
    s.record_login_success(&many.username)
        .await
        .expect("success");
    let stored = s
        .account(&many.username)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(stored.failed_logins, 0);

    // With five allowed, twelve at once lock it twice and leave two counted.
    let seen = fail_concurrently(&few.username, 12, 5).await;
    let lockouts = seen.iter().filter(|a| a.failed_logins == 0).count();
    assert_eq!(lockouts, 2, "{seen:?}");
    let stored = s.account(&few.username).await.expect("read").expect("kept");
    assert_eq!(stored.failed_logins, 2);
    assert_eq!(stored.locked_until, Some(ts("2026-04-01T14:32:00Z")));
    assert!(stored.locked_at(now).is_some());
    assert_eq!(stored.locked_at(ts("2026-04-01T14:32:00Z")), None);
    s.record_login_success(&few.username).await.expect("reset");
    let stored = s.account(&few.username).await.expect("read").expect("kept");
    assert_eq!(
        (stored.failed_logins, stored.locked_until),
        (0, None),
        "a reset lifts the lock"
    );

    assert!(matches!(
        s.record_login_failure(&user("ghost"), now, 5, LOCKOUT)
            .await,
        Err(StoreError::NotFound(_))
    ));
    s.record_login_success(&user("ghost"))
        .await
        .expect("nothing to reset is no error");
}

both_backends!(a_recovery_code_is_used_once);
async fn a_recovery_code_is_used_once(t: TestStore) {
    let s = &*t.store;
    let mut a = account("rec", &[Role::CaseOfficer]);
    let codes: Vec<String> = (0..10).map(|i| format!("{i:0>64}")).collect();
    a.recovery_codes = codes.clone();
    put_account(s, &a).await;
    let barrier = Arc::new(Barrier::new(16));
    let mut tasks = JoinSet::new();
    for _ in 0..16 {
        let (s, barrier, u, code) = (
            t.store.clone(),
            barrier.clone(),
            a.username.clone(),
            codes[3].clone(),
        );
        tasks.spawn(async move {
            barrier.wait().await;
            s.consume_recovery_code(&u, &code).await
        });
    }
    let used: Vec<bool> = tasks
        .join_all()
        .await
        .into_iter()
        .map(|r| r.expect("consume"))
        .collect();
    assert_eq!(used.iter().filter(|u| **u).count(), 1, "{used:?}");
    let left = s
        .account(&a.username)
        .await
        .expect("r")
        .expect("a")
        .recovery_codes;
    let want: Vec<String> = codes.iter().filter(|c| **c != codes[3]).cloned().collect();
    assert_eq!(left, want);
    assert_eq!(
        s.consume_recovery_code(&a.username, &codes[3]).await,
        Ok(false)
    );
    assert_eq!(
        s.consume_recovery_code(&user("nobody"), &codes[0]).await,
        Ok(false)
    );
    for c in &want {
        assert_eq!(s.consume_recovery_code(&a.username, c).await, Ok(true));
    }
    let left = s
        .account(&a.username)
        .await
        .expect("r")
        .expect("a")
        .recovery_codes;
    assert_eq!(left, Vec::<String>::new());
}

both_backends!(sessions_expire_slide_and_end);
async fn sessions_expire_slide_and_end(t: TestStore) {
    let s = &*t.store;
    put_account(s, &account("sue", &[Role::CaseOfficer])).await;
    put_account(s, &account("tom", &[Role::CaseOfficer])).await;
    let (noon, later) = (ts("2026-05-01T12:00:00Z"), ts("2026-05-01T13:00:00Z"));
    let a = session("a", Some("sue"), "2026-05-01T12:30:00Z");
    let b = session("b", Some("sue"), "2026-05-02T00:00:00Z");
    let c = session("c", Some("tom"), "2026-05-02T00:00:00Z");
    let mut anon = session("d", None, "2026-05-01T12:00:00Z");
    anon.receipt_for = Some(CaseId::from_random(5));
    for x in [&a, &b, &c, &anon] {
        s.put_session(x.clone()).await.expect("put");
    }
    assert_eq!(s.session(&a.id_hash, noon).await, Ok(Some(a.clone())));
    assert_eq!(s.session(&a.id_hash, later).await, Ok(None), "expired");
    assert_eq!(
        s.session(&anon.id_hash, noon).await,
        Ok(None),
        "expires at its time"
    );
    let earlier = ts("2026-05-01T11:00:00Z");
    assert_eq!(
        s.session(&anon.id_hash, earlier).await,
        Ok(Some(anon.clone()))
    );
    assert_eq!(s.session("unknown", noon).await, Ok(None));

    let slide = SessionUpdate {
        second_factor_done: true,
        last_seen: noon,
        expires_at: ts("2026-05-01T20:00:00Z"),
    };
    assert_eq!(s.update_session(&a.id_hash, slide).await, Ok(true));
    let stale = SessionUpdate {
        second_factor_done: false,
        last_seen: ts("2026-05-01T12:05:00Z"),
        expires_at: ts("2026-05-01T20:05:00Z"),
    };
    assert_eq!(s.update_session(&a.id_hash, stale).await, Ok(true));
    let got = s
        .session(&a.id_hash, later)
        .await
        .expect("r")
        .expect("slid");
    assert!(
        got.second_factor_done,
        "a stale request cannot undo the second factor"
    );
    assert_eq!(
        (got.last_seen, got.expires_at),
        (stale.last_seen, stale.expires_at)
    );
    assert_eq!(s.update_session("unknown", slide).await, Ok(false));

    assert_eq!(s.delete_sessions_of(&user("sue")).await, Ok(2));
    assert_eq!(s.session(&b.id_hash, noon).await, Ok(None));
    assert_eq!(s.session(&c.id_hash, noon).await, Ok(Some(c.clone())));
    assert_eq!(s.delete_session(&c.id_hash).await, Ok(true));
    assert_eq!(s.delete_session(&c.id_hash).await, Ok(false));

    let e = session("e", None, "2026-05-03T00:00:00Z");
    s.put_session(e.clone()).await.expect("put");
    assert_eq!(
        s.purge_expired_sessions(noon).await,
        Ok(1),
        "only d had expired"
    );
    assert_eq!(s.purge_expired_sessions(noon).await, Ok(0));
    assert_eq!(s.session(&e.id_hash, noon).await, Ok(Some(e)));
}

both_backends!(rebuilding_read_models_keeps_credentials);
async fn rebuilding_read_models_keeps_credentials(t: TestStore) {
    let s = &*t.store;
    let mut a = account("kept", &[Role::Administrator]);
    a.totp_secret = Some("JBSWY3DPEHPK3PXP".into());
    a.recovery_codes = vec!["c".repeat(64)];
    put_account(s, &a).await;
    let tok = token("tokk", "kept", "2026-01-01T00:00:00Z");
    put(s, ReadModelChange::Token(tok.clone())).await;
    let sess = session("k", Some("kept"), "2099-01-01T00:00:00Z");
    s.put_session(sess.clone()).await.expect("session");
    let now: Timestamp = ts("2026-06-01T00:00:00Z");
    s.replace_read_models(vec![], vec![])
        .await
        .expect("replace");
    assert_eq!(s.accounts().await, Ok(vec![a]));
    assert_eq!(s.api_token("tokk").await, Ok(Some(tok)));
    assert_eq!(s.session(&sess.id_hash, now).await, Ok(Some(sess)));
    assert_eq!(
        s.dump_read_models().await,
        Ok(Default::default()),
        "credentials are not read models: dumps (which rebuilds must reproduce) leave them out"
    );
}

both_backends!(account_writes_group_commit_and_fail_alone);
async fn account_writes_group_commit_and_fail_alone(t: TestStore) {
    // Distinct streams, so the writes can share a batch; the duplicate person breaks a
    // unique constraint that no version check can foresee, and must fail alone.
    let barrier = Arc::new(Barrier::new(30));
    let mut tasks = JoinSet::new();
    for i in 0..30u32 {
        let (s, barrier) = (t.store.clone(), barrier.clone());
        tasks.spawn(async move {
            let mut a = account(&format!("user{i:02}"), &[Role::PanelMember]);
            if i == 7 {
                a.person = PersonId::parse("person.user03").expect("p");
            }
            let mut append = simple(&format!("accounts-test/{i}"), 0, 1);
            append.read_model = ReadModelChange::Account(Box::new(a));
            barrier.wait().await;
            (i, s.append(append).await)
        });
    }
    let mut failed = Vec::new();
    for (i, result) in tasks.join_all().await {
        if let Err(e) = result {
            assert!(
                i == 3 || i == 7,
                "user{i:02} failed with its neighbours: {e}"
            );
            failed.push(i);
        }
    }
    assert_eq!(failed.len(), 1, "one of the two with the same person fails");
    let s = &*t.store;
    let names: Vec<String> = s
        .accounts()
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| a.username.to_string())
        .collect();
    assert_eq!(
        names.len(),
        29,
        "exactly one of the two with the same person: {names:?}"
    );
    assert!(names.contains(&"user03".to_string()) != names.contains(&"user07".to_string()));
    assert_eq!(s.head().await, Ok(29));
}
