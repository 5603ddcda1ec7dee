//! The membership list, filtered and paged: the same members in the same order on both stores.

use crate::backend::{TestStore, member, simple, with_members};
use crate::both_backends;
use docket_domain::member::{Member, MemberStatus};
use docket_domain::store::{MEMBERS_STREAM, MemberFilter, MemberPage, Store};

fn with(number: &str, name: &str, status: MemberStatus) -> Member {
    Member {
        status,
        ..member(number, name)
    }
}

/// Six members chosen for the filters, and 250 more for the paging.
async fn import(s: &dyn Store) -> Vec<Member> {
    let mut zoe = with("PA0010", "Zoë Ørsted", MemberStatus::Active);
    zoe.elected_office = Some("MP for Westmere".into());
    zoe.region = Some("North — \"Ørsted\"".into());
    let mut annabel = with("PA1000", "Annabel Lee", MemberStatus::Active);
    annabel.region = Some("South".into());
    let mut all = vec![
        with("PA0001", "Ann Smith", MemberStatus::Active),
        with("PA0002", "ann-marie Jones", MemberStatus::Lapsed),
        zoe,
        with("PA0100", "Bob Ray", MemberStatus::Resigned),
        with("PB0001", "%_Odd name", MemberStatus::Expelled),
        annabel,
    ];
    all.extend((0..250).map(|i| {
        let status = if i % 5 == 0 {
            MemberStatus::Lapsed
        } else {
            MemberStatus::Active
        };
        with(&format!("BULK{i:04}"), "Bulk Member", status)
    }));
    s.append(with_members(simple(MEMBERS_STREAM, 0, 1), all.clone()))
        .await
        .expect("import");
    all.sort_by(|a, b| a.number.cmp(&b.number));
    all
}

async fn page(s: &dyn Store, filter: MemberFilter) -> MemberPage {
    s.list_members(&filter).await.expect("list members")
}

fn numbers(p: &MemberPage) -> Vec<&str> {
    p.members.iter().map(|m| m.number.as_str()).collect()
}

fn first(limit: u32) -> MemberFilter {
    MemberFilter {
        limit,
        ..MemberFilter::default()
    }
}

both_backends!(members_are_listed_by_number_one_page_at_a_time);
async fn members_are_listed_by_number_one_page_at_a_time(t: TestStore) {
    let s = &*t.store;
    assert_eq!(page(s, first(10)).await, MemberPage::default(), "none yet");
    let all = import(s).await;

    // Pages of 100 walk the whole list in number order, each with the same total.
    let mut walked = Vec::new();
    for (offset, expected) in [(0, 100), (100, 100), (200, 56)] {
        let p = page(
            s,
            MemberFilter {
                offset,
                ..first(100)
            },
        )
        .await;
        assert_eq!(p.total, 256);
        assert_eq!(p.members.len(), expected, "page at {offset}");
        walked.extend(p.members);
    }
    assert_eq!(
        walked, all,
        "every member once, by number, every field intact"
    );
    assert_eq!(walked[0].number.as_str(), "BULK0000");
    assert_eq!(walked[255].number.as_str(), "PB0001");

    // Past the end, or a page of none: no members, still the total.
    for filter in [
        MemberFilter {
            offset: 256,
            ..first(100)
        },
        MemberFilter {
            offset: u64::MAX,
            ..first(100)
        },
        first(0),
    ] {
        let p = page(s, filter).await;
        assert!(p.members.is_empty());
        assert_eq!(p.total, 256);
    }
}

both_backends!(members_are_filtered_by_status_region_office_and_prefixes);
async fn members_are_filtered_by_status_region_office_and_prefixes(t: TestStore) {
    let s = &*t.store;
    import(s).await;
    let list = |filter: MemberFilter| async move {
        let p = page(
            s,
            MemberFilter {
                limit: 300,
                ..filter
            },
        )
        .await;
        assert_eq!(p.total, p.members.len() as u64, "one page holds them all");
        numbers(&p)
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    let by_name = |prefix: &str| MemberFilter {
        name_prefix: Some(prefix.into()),
        ..MemberFilter::default()
    };
    let by_number = |prefix: &str| MemberFilter {
        number_prefix: Some(prefix.into()),
        ..MemberFilter::default()
    };

    let lapsed = list(MemberFilter {
        status: Some(MemberStatus::Lapsed),
        ..MemberFilter::default()
    })
    .await;
    assert_eq!(lapsed.len(), 51);
    assert_eq!(lapsed.last().map(String::as_str), Some("PA0002"));
    let expelled = MemberFilter {
        status: Some(MemberStatus::Expelled),
        ..MemberFilter::default()
    };
    assert_eq!(list(expelled).await, ["PB0001"]);

    let region = |r: &str| MemberFilter {
        region: Some(r.into()),
        ..MemberFilter::default()
    };
    assert_eq!(list(region("North — \"Ørsted\"")).await, ["PA0010"]);
    assert_eq!(list(region("South")).await, ["PA1000"]);
    assert!(
        list(region("south")).await.is_empty(),
        "regions match exactly"
    );

    let elected = |e: bool| MemberFilter {
        elected: Some(e),
        ..MemberFilter::default()
    };
    assert_eq!(list(elected(true)).await, ["PA0010"]);
    assert_eq!(list(elected(false)).await.len(), 255);

    assert_eq!(
        list(by_number("PA0")).await,
        ["PA0001", "PA0002", "PA0010", "PA0100"]
    );
    assert_eq!(
        list(by_number("PA00")).await,
        ["PA0001", "PA0002", "PA0010"]
    );
    assert_eq!(list(by_number("PA0001")).await, ["PA0001"]);
    assert_eq!(list(by_number("BULK024")).await.len(), 10);
    assert!(list(by_number("PA00010")).await.is_empty());
    assert!(list(by_number("ZZ")).await.is_empty());

    // Names: a prefix, ASCII letters in either case, no wildcards.
    assert_eq!(list(by_name("ann")).await, ["PA0001", "PA0002", "PA1000"]);
    assert_eq!(list(by_name("ANN ")).await, ["PA0001"]);
    assert_eq!(list(by_name("%")).await, ["PB0001"]);
    assert!(list(by_name("_")).await.is_empty(), "'_' is not a wildcard");
    assert!(
        list(by_name("Smith")).await.is_empty(),
        "a prefix, not a substring"
    );
    assert_eq!(list(by_name("ZOë Ø")).await, ["PA0010"]);
    assert!(
        list(by_name("ZOË")).await.is_empty(),
        "only ASCII letters are folded, on both stores alike"
    );

    // Filters combine, and page together.
    let active_anns = MemberFilter {
        status: Some(MemberStatus::Active),
        name_prefix: Some("Ann".into()),
        offset: 1,
        limit: 1,
        ..MemberFilter::default()
    };
    let p = page(s, active_anns).await;
    assert_eq!((numbers(&p), p.total), (vec!["PA1000"], 2));
}
