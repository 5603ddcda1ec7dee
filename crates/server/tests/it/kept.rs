//! What a server keeps in memory (cases as last loaded, the policy's decisions about them)
//! never outlives what it describes: a change or an erasure made by another process, which
//! no in-memory invalidation would hear of, is seen on the next read, and a decision kept
//! for one version of a case is not applied to the next.

use crate::backend::TestStore;
use crate::both_backends;
use crate::support::{demo_case_at, docket};
use docket::service::{Docket, ServiceError};
use docket_domain::Command;
use docket_domain::contact::{Channel, Contact};
use docket_domain::ids::{PersonId, Text};
use docket_domain::role::{Principal, Role};
use docket_domain::view::CasePart;
use std::sync::Arc;

/// Another server on the same store: same store, nothing kept in common.
fn another_process(d: &Docket) -> Docket {
    Docket {
        cases: Arc::default(),
        decisions: Arc::default(),
        ..d.clone()
    }
}

fn contact(summary: &str) -> Command {
    Command::RecordContact {
        contact: Contact {
            who: Text::parse("A journalist").expect("text"),
            organisation: None,
            channel: Channel::Phone,
            occurred_on: crate::support::today(),
            summary: Text::parse(summary).expect("text"),
        },
    }
}

async fn a_case_changed_or_erased_elsewhere_is_read_afresh(t: TestStore) {
    let here = docket(&t);
    let there = another_process(&here);
    let case = demo_case_at(&here, docket_domain::Stage::Received).await;
    let officer = PersonId::parse("officer.amara-osei").expect("id");
    let now = jiff::Timestamp::now();
    let before = here.load_case(&case.id).await.expect("load").expect("case");
    // Loaded twice here: the second comes from memory and is the same case.
    assert_eq!(
        here.load_case(&case.id).await.expect("load"),
        Some(before.clone())
    );

    there
        .execute(
            &case.id,
            contact("Asked when the case will be decided"),
            &officer,
            now,
        )
        .await
        .expect("recorded elsewhere");
    let after = here.load_case(&case.id).await.expect("load").expect("case");
    assert_eq!(after.version, before.version + 1);
    assert_eq!(after.contacts.len(), before.contacts.len() + 1);

    // Erasing the contact's payload leaves the case's version alone; the case read here
    // must still lose it.
    let seq = there
        .store
        .stream_events(&docket_domain::store::case_stream(&case.id))
        .await
        .expect("events")
        .last()
        .expect("the contact")
        .seq;
    let reason = Text::parse("recorded against the wrong case").expect("text");
    there
        .erase(seq, reason, &officer, now)
        .await
        .expect("erased");
    let erased = here.load_case(&case.id).await.expect("load").expect("case");
    assert_eq!(erased.version, after.version);
    assert_eq!(erased.contacts.len(), before.contacts.len());
}
both_backends!(
    a_case_changed_or_erased_elsewhere_is_read_afresh,
    a_case_changed_or_erased_elsewhere_is_read_afresh
);

async fn a_kept_decision_does_not_outlive_its_case_version(t: TestStore) {
    let here = docket(&t);
    let there = another_process(&here);
    let case = demo_case_at(&here, docket_domain::Stage::Received).await;
    let officer = PersonId::parse("officer.amara-osei").expect("id");
    let who = Principal::new(officer.clone(), [Role::CaseOfficer]);
    let now = jiff::Timestamp::now();
    for _ in 0..2 {
        here.open_case(&case.id, &who, CasePart::File, now)
            .await
            .expect("a case officer reads the file");
    }
    // The officer declares a conflict through another server; this one, which allowed the
    // same read twice, must now refuse it.
    there
        .execute(
            &case.id,
            Command::DeclareConflict {
                person: officer.clone(),
                interest: Text::parse("the respondent is my sister").expect("text"),
            },
            &officer,
            now,
        )
        .await
        .expect("declared");
    match here.open_case(&case.id, &who, CasePart::File, now).await {
        Err(ServiceError::Denied(d)) => assert!(
            d.policies.iter().any(|p| p.contains("conflict")),
            "refused by the conflict rule: {d:?}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // And the roles are part of what a decision was about: the same person as oversight
    // is refused content even though their read as an officer was allowed for this version.
    let other_case = &case;
    let same_person = Principal::new(
        PersonId::parse("officer.other").expect("id"),
        [Role::CaseOfficer],
    );
    here.open_case(&other_case.id, &same_person, CasePart::File, now)
        .await
        .expect("allowed as a case officer");
    let as_oversight = Principal::new(same_person.person.clone(), [Role::Oversight]);
    assert!(matches!(
        here.open_case(&other_case.id, &as_oversight, CasePart::File, now)
            .await,
        Err(ServiceError::Denied(_))
    ));
}
both_backends!(
    a_kept_decision_does_not_outlive_its_case_version,
    a_kept_decision_does_not_outlive_its_case_version
);
