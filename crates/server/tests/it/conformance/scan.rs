//! Scans of the log limited to streams by name: the figures read only the case streams.

use crate::backend::{TestStore, append, event};
use crate::both_backends;

both_backends!(a_scan_reads_only_the_streams_its_prefix_names);
async fn a_scan_reads_only_the_streams_its_prefix_names(t: TestStore) {
    let s = &t.store;
    // Names either side of the prefix in byte order, and one that only starts like it.
    for (stream, n) in [
        ("case/A", 3),
        ("cases", 1),
        ("case", 1),
        ("views/case/A", 2),
        ("case/B", 2),
        ("cas", 1),
        ("case0", 1),
    ] {
        for v in 0..n {
            s.append(append(
                stream,
                v,
                vec![event("e", &format!("{{\"n\":{v}}}"))],
            ))
            .await
            .expect("append");
        }
    }
    let all = s.events_after(0, 100).await.expect("all");
    let cases: Vec<_> = all
        .iter()
        .filter(|e| e.stream.starts_with("case/"))
        .cloned()
        .collect();
    assert_eq!(cases.len(), 5);
    assert_eq!(
        s.events_after_in(0, 100, "case/").await.expect("scan"),
        cases
    );
    // Paged by sequence number, as the fold reads it.
    let first = s.events_after_in(0, 2, "case/").await.expect("page 1");
    assert_eq!(first, cases[..2]);
    let rest = s
        .events_after_in(first[1].seq, 100, "case/")
        .await
        .expect("page 2");
    assert_eq!(rest, cases[2..]);
    assert!(
        s.events_after_in(cases[4].seq, 100, "case/")
            .await
            .expect("end")
            .is_empty()
    );
    assert_eq!(
        s.events_after_in(0, 100, "").await.expect("every stream"),
        all
    );
}
