//! The outbox: queued inside appends (so never without its event, nor its event without
//! it), claimed by one handle at a time while the lease lasts, retried, settled inside
//! appends, and left alone by a rebuild of the read models.

use crate::backend::{TestStore, second_handle, simple, ts};
use crate::both_backends;
use docket_domain::command::Party;
use docket_domain::ids::CaseId;
use docket_domain::store::{
    OutboxChange, OutboxFilter, OutboxMessage, OutboxState, Store, StoreError, case_stream,
};
use jiff::SignedDuration;
use std::collections::HashSet;

fn message(case: &CaseId, notice: u32, to: Party) -> OutboxChange {
    OutboxChange::Queue(OutboxMessage {
        case: case.clone(),
        notice,
        to,
        address: format!("party{notice}@example.org"),
    })
}

const LEASE: SignedDuration = SignedDuration::from_mins(5);

both_backends!(the_outbox_is_queued_with_its_events_and_claimed_once);
async fn the_outbox_is_queued_with_its_events_and_claimed_once(t: TestStore) {
    let s = &t.store;
    let case = CaseId::from_random(0x0b0c);
    let stream = case_stream(&case);
    let t0 = ts("2026-12-01T09:00:00Z");

    // Queued with its append: two notices, one of them queued twice (kept once).
    let mut a = simple(&stream, 0, 2);
    a.at = t0;
    a.outbox = vec![
        message(&case, 1, Party::Complainant),
        message(&case, 2, Party::Respondent),
        message(&case, 1, Party::Complainant),
    ];
    s.append(a).await.expect("append with its outbox");
    let counts = s.outbox_counts().await.expect("counts");
    assert_eq!((counts.queued, counts.sent, counts.retrying), (2, 0, 0));
    assert_eq!(counts.oldest_queued, Some(t0));

    // An append refused for a version conflict queues nothing.
    let mut stale = simple(&stream, 0, 1);
    stale.outbox = vec![message(&case, 3, Party::Respondent)];
    assert!(matches!(
        s.append(stale).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(s.outbox_counts().await.expect("counts").queued, 2);

    // Nothing is due before it was queued; at t0 both are, oldest first.
    let early = t0 - SignedDuration::from_secs(1);
    assert!(
        s.claim_outbox(early, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let claimed = s.claim_outbox(t0, LEASE, 10).await.expect("claim");
    assert_eq!(
        claimed.iter().map(|r| r.message.notice).collect::<Vec<_>>(),
        vec![1, 2]
    );
    let first = &claimed[0];
    assert_eq!(first.message.address, "party1@example.org");
    assert_eq!(first.message.to, Party::Complainant);
    assert_eq!(first.state, OutboxState::Queued);
    assert_eq!(first.claimed_until, Some(t0 + LEASE));

    // Held while the lease lasts, by this handle and any other on the database.
    let other = second_handle(&t).await;
    let later = t0 + SignedDuration::from_mins(1);
    assert!(
        s.claim_outbox(later, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert!(
        other
            .claim_outbox(later, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );

    // A failed attempt waits for its retry time and releases its claim.
    let retry_at = t0 + SignedDuration::from_mins(2);
    s.outbox_retry_later(first.id, 1, retry_at, "connection refused")
        .await
        .expect("retry later");
    assert!(
        other
            .claim_outbox(later, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let again = other
        .claim_outbox(retry_at, LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].last_error.as_deref(), Some("connection refused"));
    let counts = s.outbox_counts().await.expect("counts");
    assert_eq!((counts.queued, counts.retrying), (2, 1));

    // A claim whose holder died is free again once its lease runs out.
    let second = claimed[1].clone();
    let expired = t0 + LEASE;
    let reclaimed = s.claim_outbox(expired, LEASE, 10).await.expect("claim");
    assert_eq!(
        reclaimed.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id]
    );

    // Settled inside an append: sent, and bounced.
    let version = s.stream_version(&stream).await.expect("version");
    let mut settle = simple(&stream, version, 2);
    settle.outbox = vec![
        OutboxChange::Settle {
            id: first.id,
            state: OutboxState::Sent,
            attempts: 2,
            error: None,
            at: retry_at,
            address: None,
        },
        OutboxChange::Settle {
            id: second.id,
            state: OutboxState::Bounced,
            attempts: 1,
            error: Some("550 no such user".into()),
            at: expired,
            address: None,
        },
    ];
    s.append(settle).await.expect("settled");
    let counts = s.outbox_counts().await.expect("counts");
    assert_eq!(
        (counts.queued, counts.sent, counts.bounced, counts.failed),
        (0, 1, 1, 0)
    );
    assert_eq!(counts.oldest_queued, None);
    assert!(
        s.claim_outbox(expired + LEASE, LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let bounced = s
        .outbox_rows(&OutboxFilter {
            case: Some(case.clone()),
            states: vec![OutboxState::Bounced],
            limit: 10,
        })
        .await
        .expect("rows");
    assert_eq!(bounced.len(), 1);
    assert_eq!(bounced[0].settled_at, Some(expired));
    assert_eq!(bounced[0].last_error.as_deref(), Some("550 no such user"));

    // Settling a row that does not exist fails the whole append.
    let version = s.stream_version(&stream).await.expect("version");
    let mut bad = simple(&stream, version, 1);
    bad.outbox = vec![OutboxChange::Settle {
        id: 999_999,
        state: OutboxState::Sent,
        attempts: 1,
        error: None,
        at: expired,
        address: None,
    }];
    assert!(s.append(bad).await.is_err());
    assert_eq!(
        s.stream_version(&stream).await.expect("version"),
        version,
        "nothing of the refused append was written"
    );

    // Queued again: due at once, its settlement cleared.
    let requeued_at = expired + SignedDuration::from_mins(10);
    let mut requeue = simple(&stream, version, 1);
    requeue.outbox = vec![OutboxChange::Settle {
        id: second.id,
        state: OutboxState::Queued,
        attempts: 0,
        error: None,
        at: requeued_at,
        address: Some("fixed@example.org".into()),
    }];
    s.append(requeue).await.expect("requeued");
    let due = s.claim_outbox(requeued_at, LEASE, 10).await.expect("claim");
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].settled_at), (second.id, None));
    assert_eq!(due[0].message.address, "fixed@example.org");

    // Rebuilding the read models leaves the outbox alone.
    s.replace_read_models(Vec::new(), Vec::new())
        .await
        .expect("replace");
    let all = s
        .outbox_rows(&OutboxFilter {
            limit: 10,
            ..OutboxFilter::default()
        })
        .await
        .expect("rows");
    assert_eq!(all.len(), 2);
}

both_backends!(many_handles_claiming_at_once_never_share_a_message);
async fn many_handles_claiming_at_once_never_share_a_message(t: TestStore) {
    let case = CaseId::from_random(0x0b0d);
    let stream = case_stream(&case);
    let t0 = ts("2026-12-01T09:00:00Z");
    let mut a = simple(&stream, 0, 1);
    a.at = t0;
    a.outbox = (1..=40)
        .map(|n| message(&case, n, Party::Respondent))
        .collect();
    t.store.append(a).await.expect("queued");
    let mut handles: Vec<std::sync::Arc<dyn Store>> = vec![t.store.clone()];
    for _ in 0..3 {
        handles.push(second_handle(&t).await);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for h in handles {
        tasks.spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = h.claim_outbox(t0, LEASE, 3).await.expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|r| r.id));
            }
        });
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    while let Some(ids) = tasks.join_next().await {
        for id in ids.expect("task") {
            total += 1;
            assert!(seen.insert(id), "message {id} was claimed twice");
        }
    }
    assert_eq!(total, 40);
}
