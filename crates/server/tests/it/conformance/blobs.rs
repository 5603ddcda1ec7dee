//! Evidence files as the store keeps them: sealed chunks filed under a case and a hash,
//! never replaced, dropped with their upload, and wrapped case keys that two servers agree
//! on; all shared by every handle on one database.

use crate::backend::{TestStore, second_handle};
use crate::both_backends;
use docket_domain::ids::CaseId;
use docket_domain::store::sealed::SEALED_CHUNK;
use docket_domain::store::{SealedCounts, SealedFile, WrappedKey};

fn file(case: &CaseId, sha: char, upload: &str, chunks: u32) -> SealedFile {
    SealedFile {
        case: case.clone(),
        sha256: sha.to_string().repeat(64),
        size: 10,
        media_type: "text/plain".into(),
        upload: upload.into(),
        chunks,
        nonce: vec![9; 16],
    }
}

both_backends!(sealed_files_are_kept_by_case_and_hash_once);
async fn sealed_files_are_kept_by_case_and_hash_once(t: TestStore) {
    let s = &t.store;
    let case = CaseId::from_random(1);
    assert_eq!(
        s.sealed_counts().await.expect("counts"),
        SealedCounts::default()
    );
    // Every byte value survives; a full chunk and a short last one.
    let full: Vec<u8> = (0..=255u8).cycle().take(SEALED_CHUNK).collect();
    s.put_chunk("a1", 0, &full).await.expect("chunk 0");
    s.put_chunk("a1", 1, b"\0last").await.expect("chunk 1");
    let a = file(&case, 'a', "a1", 2);
    assert!(s.seal_file(&a).await.expect("sealed"));
    assert_eq!(s.chunk("a1", 0).await.expect("read"), Some(full.clone()));
    assert_eq!(
        s.chunk("a1", 1).await.expect("read").as_deref(),
        Some(&b"\0last"[..])
    );
    assert_eq!(s.chunk("a1", 2).await.expect("read"), None);
    assert_eq!(
        s.sealed_file(&case, &a.sha256).await.expect("read"),
        Some(a.clone())
    );
    // The same hash on the same case again is refused and its upload dropped: a stored
    // file is never replaced.
    s.put_chunk("b2", 0, b"other").await.expect("chunk");
    assert!(
        !s.seal_file(&file(&case, 'a', "b2", 1))
            .await
            .expect("refused")
    );
    assert_eq!(s.chunk("b2", 0).await.expect("read"), None);
    assert_eq!(
        s.sealed_file(&case, &a.sha256).await.expect("read"),
        Some(a.clone())
    );
    // Another case may hold the same file, under its own upload.
    let other_case = CaseId::from_random(2);
    s.put_chunk("c3", 0, b"x").await.expect("chunk");
    assert!(
        s.seal_file(&file(&other_case, 'a', "c3", 1))
            .await
            .expect("sealed")
    );
    // A dropped upload takes its file with it.
    s.drop_upload("c3").await.expect("dropped");
    assert_eq!(
        s.sealed_file(&other_case, &a.sha256).await.expect("read"),
        None
    );
    assert_eq!(s.chunk("c3", 0).await.expect("read"), None);
    // Upload names are the server's hex, never a path.
    assert!(s.put_chunk("../x", 0, b"x").await.is_err());
    // Another server on the same database finds the same file.
    let other = second_handle(&t).await;
    assert_eq!(
        other.sealed_file(&case, &a.sha256).await.expect("read"),
        Some(a)
    );
    assert_eq!(other.chunk("a1", 0).await.expect("read"), Some(full));
    assert_eq!(s.sealed_counts().await.expect("counts").files, 1);
}

both_backends!(case_keys_are_kept_once_and_rewrapped_together);
async fn case_keys_are_kept_once_and_rewrapped_together(t: TestStore) {
    let s = &t.store;
    let key = |n: u64, id: &str, w: u8| WrappedKey {
        case: CaseId::from_random(n),
        key_id: id.into(),
        wrapped: vec![w; 72],
    };
    assert_eq!(
        s.case_key(&CaseId::from_random(1)).await.expect("read"),
        None
    );
    assert_eq!(
        s.put_case_key(&key(1, "ek-1", 1)).await.expect("put"),
        key(1, "ek-1", 1)
    );
    // A second server's key for the same case loses to the first.
    let other = second_handle(&t).await;
    assert_eq!(
        other.put_case_key(&key(1, "ek-1", 2)).await.expect("put"),
        key(1, "ek-1", 1)
    );
    s.put_case_key(&key(2, "ek-1", 3)).await.expect("put");
    assert_eq!(s.case_keys().await.expect("all").len(), 2);
    assert_eq!(
        s.key_samples().await.expect("samples"),
        [key(1, "ek-1", 1)],
        "one per organisation key, the lowest case's"
    );
    s.put_case_key(&key(3, "ek-0", 6)).await.expect("put");
    assert_eq!(
        s.key_samples().await.expect("samples"),
        [key(3, "ek-0", 6), key(1, "ek-1", 1)]
    );
    s.rewrap_case_keys(&[key(1, "ek-2", 4), key(2, "ek-2", 5), key(3, "ek-2", 7)])
        .await
        .expect("rewrapped");
    assert_eq!(s.key_samples().await.expect("samples"), [key(1, "ek-2", 4)]);
    assert_eq!(
        other.case_key(&CaseId::from_random(2)).await.expect("read"),
        Some(key(2, "ek-2", 5))
    );
    assert_eq!(s.sealed_counts().await.expect("counts").keys, 3);
}

both_backends!(uploads_no_file_names_are_swept_once_old);
async fn uploads_no_file_names_are_swept_once_old(t: TestStore) {
    let s = &t.store;
    let case = CaseId::from_random(3);
    s.put_chunk("cee1", 0, b"sealed").await.expect("chunk");
    assert!(
        s.seal_file(&file(&case, 'k', "cee1", 1))
            .await
            .expect("sealed")
    );
    s.put_chunk("dead1", 0, b"first").await.expect("chunk");
    s.put_chunk("dead1", 1, b"second").await.expect("chunk");
    let now = jiff::Timestamp::now();
    // Too recent: it may still be arriving.
    let hour_ago = now - jiff::SignedDuration::from_hours(1);
    assert_eq!(s.sweep_uploads(hour_ago).await.expect("sweep"), 0);
    assert!(s.chunk("dead1", 1).await.expect("read").is_some());
    let later = now + jiff::SignedDuration::from_secs(5);
    assert_eq!(s.sweep_uploads(later).await.expect("sweep"), 1);
    assert_eq!(s.chunk("dead1", 0).await.expect("read"), None);
    assert_eq!(s.chunk("dead1", 1).await.expect("read"), None);
    assert_eq!(
        s.chunk("cee1", 0).await.expect("read").as_deref(),
        Some(&b"sealed"[..]),
        "a sealed file's chunks stay, however old"
    );
    assert_eq!(s.sweep_uploads(later).await.expect("sweep"), 0);
}
