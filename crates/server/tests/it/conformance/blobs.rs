//! Evidence blobs: stored by hash, idempotent, shared by every handle on one database.

use crate::backend::{TestStore, second_handle};
use crate::both_backends;

both_backends!(blobs_are_kept_by_hash_once);
async fn blobs_are_kept_by_hash_once(t: TestStore) {
    let s = &t.store;
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    assert_eq!(s.blob(&a).await.expect("read"), None);
    // Every byte value, and a NUL, survive the round trip.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s.put_blob(&a, &bytes).await.expect("stored");
    s.put_blob(&b, b"\0second").await.expect("stored");
    assert_eq!(s.blob(&a).await.expect("read"), Some(bytes.clone()));
    assert_eq!(
        s.blob(&b).await.expect("read").as_deref(),
        Some(&b"\0second"[..])
    );
    // The same hash again is accepted and changes nothing, even with other bytes: the
    // first file under a name is the one kept.
    s.put_blob(&a, &bytes).await.expect("stored twice");
    s.put_blob(&a, b"other").await.expect("stored again");
    assert_eq!(s.blob(&a).await.expect("read"), Some(bytes.clone()));
    // Another server on the same database serves the same file.
    let other = second_handle(&t).await;
    assert_eq!(other.blob(&a).await.expect("read"), Some(bytes));
    assert_eq!(other.blob(&"c".repeat(64)).await.expect("read"), None);
}
