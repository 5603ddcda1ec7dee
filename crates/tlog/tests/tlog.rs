//! Integration tests: RFC 6962/9162 vectors, ct-merkle as an oracle,
//! no-panic fuzzing of every parser/verifier, signed-note interop and tiles.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use docket_tlog::*;
use proptest::prelude::*;

/// Appends `leaves` to an in-memory stored-hash log.
fn build_log(leaves: &[Hash]) -> Vec<Hash> {
    let mut stored = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let new = stored_hashes_for_leaf(i as u64, *leaf, &stored).expect("append");
        stored.extend(new);
    }
    stored
}

fn leaves(n: u64, salt: u64) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| [salt.to_le_bytes(), i.to_le_bytes()].concat())
        .collect()
}

// ---------------------------------------------------------------------------
// RFC 6962 / 9162 test vectors (transparency-dev/merkle testdata)
// ---------------------------------------------------------------------------
mod vectors {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Inclusion {
        leaf_idx: u64,
        tree_size: u64,
        root: String,
        leaf_hash: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Consistency {
        size1: u64,
        size2: u64,
        root1: String,
        root2: String,
        proof: Option<Vec<String>>,
        desc: String,
        want_err: bool,
    }

    fn dir() -> PathBuf {
        match std::env::var_os("DOCKET_TESTDATA_RFC6962") {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/testdata/rfc6962"
            )),
        }
    }

    fn json_files(root: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(root)
            .unwrap_or_else(|e| panic!("test vectors missing at {}: {e}", root.display()));
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }

    fn b64(s: &str) -> Vec<u8> {
        B64.decode(s).expect("vector base64")
    }

    /// Values that must be fed to SHA-256 as tree hashes (the leaf hash) can
    /// only be 32 bytes; a vector that supplies anything else is rejected
    /// before our typed API is reached (as Go's verifier does too).
    fn strict(s: &str) -> Option<Hash> {
        b64(s).try_into().ok()
    }

    /// Roots and proof nodes that are not 32 bytes ("don't care" filler,
    /// empty garbage) become distinct placeholder hashes, so the verifier
    /// itself has to reject the case (equal inputs stay equal).
    fn opaque(s: &str) -> Hash {
        let raw = b64(s);
        raw.clone()
            .try_into()
            .unwrap_or_else(|_| hash_leaf(&[b"docket-test-placeholder:".as_slice(), &raw].concat()))
    }

    /// Tree of the README's eight leaves, to compare our generated proofs.
    fn reference_log() -> Vec<Hash> {
        let raw: [&str; 8] = [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ];
        let hashes: Vec<Hash> = raw
            .iter()
            .map(|h| {
                let bytes: Vec<u8> = (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
                    .collect();
                hash_leaf(&bytes)
            })
            .collect();
        build_log(&hashes)
    }

    #[derive(Default, Debug)]
    struct Counts {
        happy: usize,
        rejected: usize,
        regenerated: usize,
    }

    #[test]
    fn all_rfc6962_vectors() {
        let root = dir();
        let (mut inc, mut con) = (Vec::new(), Vec::new());
        json_files(&root.join("inclusion"), &mut inc);
        json_files(&root.join("consistency"), &mut con);
        let log = reference_log();
        let (mut ci, mut cc) = (Counts::default(), Counts::default());

        for path in &inc {
            let text = std::fs::read_to_string(path).expect("read");
            let v: Inclusion =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let proof: Vec<Hash> = v.proof.iter().flatten().map(|p| opaque(p)).collect();
            let result = match strict(&v.leaf_hash) {
                None => Err(None),
                Some(leaf) => {
                    verify_inclusion(&leaf, v.leaf_idx, v.tree_size, &proof, &opaque(&v.root))
                        .map_err(Some)
                }
            };
            let where_ = format!("{} ({})", path.display(), v.desc);
            if v.want_err {
                assert!(result.is_err(), "accepted must-reject vector {where_}");
                ci.rejected += 1;
            } else {
                assert_eq!(result, Ok(()), "rejected happy vector {where_}");
                ci.happy += 1;
                if v.tree_size <= 8 && tree_hash(v.tree_size, &log).ok() == Some(opaque(&v.root)) {
                    let ours = prove_inclusion(v.tree_size, v.leaf_idx, &log).expect("prove");
                    assert_eq!(ours, proof, "generated proof differs: {where_}");
                    ci.regenerated += 1;
                }
            }
        }

        for path in &con {
            let text = std::fs::read_to_string(path).expect("read");
            let v: Consistency =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let proof: Vec<Hash> = v.proof.iter().flatten().map(|p| opaque(p)).collect();
            let (r1, r2) = (opaque(&v.root1), opaque(&v.root2));
            let result = verify_consistency(v.size1, v.size2, &proof, &r1, &r2);
            let where_ = format!("{} ({})", path.display(), v.desc);
            if v.want_err {
                assert!(result.is_err(), "accepted must-reject vector {where_}");
                cc.rejected += 1;
            } else {
                assert_eq!(result, Ok(()), "rejected happy vector {where_}");
                cc.happy += 1;
                let known = |s: u64, r: &Hash| s <= 8 && tree_hash(s, &log).ok() == Some(*r);
                if v.size1 > 0 && known(v.size1, &r1) && known(v.size2, &r2) {
                    let ours = prove_consistency(v.size1, v.size2, &log).expect("prove");
                    assert_eq!(ours, proof, "generated proof differs: {where_}");
                    cc.regenerated += 1;
                }
            }
        }

        eprintln!("inclusion vectors: {ci:?}; consistency vectors: {cc:?}");
        assert!(
            ci.happy > 0 && ci.rejected > 0 && ci.regenerated > 0,
            "{ci:?}"
        );
        assert!(
            cc.happy > 0 && cc.rejected > 0 && cc.regenerated > 0,
            "{cc:?}"
        );
        assert_eq!(inc.len(), ci.happy + ci.rejected);
        assert_eq!(con.len(), cc.happy + cc.rejected);
    }
}

// ---------------------------------------------------------------------------
// ct-merkle 0.3 as an independent oracle
// ---------------------------------------------------------------------------
mod oracle {
    use super::*;
    use ct_merkle::mem_backed_tree::MemoryBackedTree;
    use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
    use sha2::Sha256;

    type Ct = MemoryBackedTree<Sha256, Vec<u8>>;
    type Digest = ct_merkle::digest::Output<Sha256>;

    fn to_hash(d: &Digest) -> Hash {
        d.as_slice().try_into().expect("32 bytes")
    }

    fn split(bytes: &[u8]) -> Vec<Hash> {
        bytes
            .chunks(32)
            .map(|c| c.try_into().expect("32"))
            .collect()
    }

    fn digests(p: &[Hash]) -> Vec<Digest> {
        p.iter().map(|h| Digest::from(*h)).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn matches_ct_merkle(size in 1u64..=10_000, salt: u64, pick: (u64, u64, u64)) {
            let data = leaves(size, salt);
            let old = 1 + pick.1 % size;
            let index = pick.0 % size;
            let mut ct = Ct::new();
            let mut old_root = None;
            for (i, d) in data.iter().enumerate() {
                ct.push(d.clone());
                if i as u64 + 1 == old {
                    old_root = Some(ct.root());
                }
            }
            let old_root = old_root.expect("old root");
            let hashes: Vec<Hash> = data.iter().map(|d| hash_leaf(d)).collect();
            let log = build_log(&hashes);

            // Roots: current size, the old size, and one more random size.
            let root = tree_hash(size, &log).expect("root");
            prop_assert_eq!(root, to_hash(ct.root().as_bytes()));
            prop_assert_eq!(tree_hash(old, &log).expect("old"), to_hash(old_root.as_bytes()));
            let other = pick.2 % (size + 1);
            prop_assert_eq!(tree_hash(other, &log).expect("r"), root_from_leaves(&hashes[..other as usize]));

            // Inclusion: identical encoding, and each side accepts the other's proof.
            let ours = prove_inclusion(size, index, &log).expect("incl");
            let theirs = ct.prove_inclusion(index as usize);
            prop_assert_eq!(&split(theirs.as_bytes()), &ours);
            let ours_for_ct = InclusionProof::<Sha256>::from_digests(digests(&ours).iter());
            prop_assert!(ct.root().verify_inclusion(&data[index as usize], index, &ours_for_ct).is_ok());
            prop_assert_eq!(verify_inclusion(&hashes[index as usize], index, size, &split(theirs.as_bytes()), &root), Ok(()));

            // Consistency: same, from the old size to the current one.
            let ours = prove_consistency(old, size, &log).expect("cons");
            let theirs = ct.prove_consistency((size - old) as usize);
            prop_assert_eq!(&split(theirs.as_bytes()), &ours);
            let ours_for_ct = ConsistencyProof::<Sha256>::from_digests(digests(&ours).iter());
            let ct_new = RootHash::<Sha256>::new(Digest::from(root), size);
            prop_assert!(ct_new.verify_consistency(&old_root, &ours_for_ct).is_ok());
            let old_hash = to_hash(old_root.as_bytes());
            prop_assert_eq!(verify_consistency(old, size, &split(theirs.as_bytes()), &old_hash, &root), Ok(()));

            // A proof for the wrong leaf or the wrong root is refused.
            let wrong = hash_leaf(b"not in the tree");
            prop_assert!(verify_inclusion(&wrong, index, size, &prove_inclusion(size, index, &log).expect("p"), &root).is_err());
            if old < size {
                prop_assert!(verify_consistency(old, size, &ours, &old_hash, &wrong).is_err());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// No parser or verifier may panic, whatever the input
// ---------------------------------------------------------------------------
mod fuzz {
    use super::*;

    fn hash() -> impl Strategy<Value = Hash> {
        any::<[u8; 32]>()
    }

    fn note_like() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            Just("\u{2014} ".to_owned()),
            "[a-z./+]{0,12}",
            "[A-Za-z0-9+/=]{0,96}",
            Just(" ".to_owned()),
            Just("\n".to_owned()),
        ];
        prop::collection::vec(line, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn checkpoint_parse(s in any::<String>(), t in "[a-z0-9/\n=+]{0,80}") {
            let _ = Checkpoint::parse(&s);
            if let Ok(cp) = Checkpoint::parse(&t) {
                prop_assert_eq!(cp.to_note_body().expect("reserialise"), t);
            }
        }

        #[test]
        fn note_open(bytes in any::<Vec<u8>>(), s in note_like(), seed: [u8; 32]) {
            let v = Signer::from_seed("a.example/log", seed).expect("seed").verifier();
            let _ = open_note(&bytes, std::slice::from_ref(&v));
            let _ = open_note(&s, std::slice::from_ref(&v));
            let _ = open_note(format!("text\n\n{s}"), &[]);
        }

        #[test]
        fn key_parsers(s in any::<String>(), k in "[A-Za-z0-9+/=.]{0,80}") {
            let _ = Verifier::from_vkey(&s);
            let _ = Signer::from_skey(&s);
            let _ = Verifier::from_vkey(&k);
            let _ = Signer::from_skey(&format!("PRIVATE+KEY+{k}"));
        }

        #[test]
        fn tile_paths(s in any::<String>(), t in "tile/[0-9]{1,3}/[x0-9/]{0,20}(\\.p/[0-9]{0,4})?") {
            let _ = Tile::parse_path(&s);
            if let Ok(tile) = Tile::parse_path(&t) {
                prop_assert_eq!(tile.path(), t);
            }
        }

        #[test]
        fn proof_verifiers(a: u64, b: u64, small in 0u64..40, proof in prop::collection::vec(hash(), 0..70), x in hash(), y in hash()) {
            let _ = verify_inclusion(&x, a, b, &proof, &y);
            let _ = verify_inclusion(&x, small, b, &proof, &y);
            let _ = verify_consistency(a, b, &proof, &x, &y);
            let _ = verify_consistency(small, b, &proof, &x, &y);
            let _ = verify_consistency(a, small, &proof, &x, &y);
            let _ = inclusion_proof_len(a, b);
            let _ = consistency_proof_len(a, b);
            let _ = split_stored_hash_index(a);
            let _ = stored_hash_index((a % 64) as u8, b);
        }

        #[test]
        fn tile_client(idx: Vec<u64>, size: u64, level in 0u8..70, n: u64, w: u16, data: Vec<u8>) {
            let mut set = TileSet::new();
            if let Ok(t) = Tile::new(level, n, w) {
                let _ = set.insert(t, &data);
                let _ = t.stored_hash_indexes();
                let _ = t.is_within(size);
                let _ = read_tile_data(t, size, &Vec::<Hash>::new());
            }
            let _ = set.read_hashes(&idx);
            let _ = tiles_for_indexes(size, &idx);
            let _ = set.verify_root(size % 1000, &EMPTY_ROOT);
            let _ = tiles_for_growth(size, size.wrapping_add(n % 100_000));
        }
    }
}

// ---------------------------------------------------------------------------
// Signed notes and checkpoints: golden interop and tamper evidence
// ---------------------------------------------------------------------------
mod notes {
    use super::*;

    // From golang.org/x/mod/sumdb/note's documentation and tests.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
        then you don't know what your problem is.\n\
        \n\
        \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n\
        \u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";
    // From c2sp.org/signed-note.
    const C2SP_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const C2SP_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    #[test]
    fn golden_go_note() {
        let peter = Verifier::from_vkey(PETER_VKEY).expect("peter");
        let enoch = Verifier::from_vkey(ENOCH_VKEY).expect("enoch");
        let both = open_note(GO_NOTE, &[peter.clone(), enoch.clone()]).expect("both");
        assert_eq!(
            both.verified_signatures,
            vec![
                ("PeterNeumann".to_owned(), 0xc74f20a3),
                ("EnochRoot".to_owned(), 0xaf0cfe78)
            ]
        );
        assert_eq!(both.unverified_count, 0);
        let one = open_note(GO_NOTE, &[enoch]).expect("enoch only");
        assert_eq!(one.unverified_count, 1);
        // Re-signing the text with Go's example key yields Go's exact line.
        let s = Signer::from_skey(PETER_SKEY).expect("skey");
        let ours = sign_note(&both.text, &[&s]).expect("sign");
        assert!(GO_NOTE.starts_with(&ours));
        assert_eq!(open_note(&ours, &[peter]).expect("ours").text, both.text);
    }

    #[test]
    fn golden_c2sp_note_and_go_sumdb_keys() {
        let v = Verifier::from_vkey(C2SP_VKEY).expect("vkey");
        assert_eq!(v.vkey(), C2SP_VKEY);
        let n = open_note(C2SP_NOTE, &[v]).expect("open");
        assert_eq!(n.text, "This is an example message.\n");
        let skey = "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk";
        let vkey = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6";
        let s = Signer::from_skey(skey).expect("sumdb skey");
        assert_eq!((s.skey().as_str(), s.vkey().as_str()), (skey, vkey));
    }

    fn log_signer(seed: u8) -> Signer {
        Signer::from_seed("docket.example/log", [seed; 32]).expect("signer")
    }

    fn checkpoint() -> Checkpoint {
        let hashes: Vec<Hash> = leaves(10, 7).iter().map(|d| hash_leaf(d)).collect();
        Checkpoint {
            origin: "docket.example/log".into(),
            size: 10,
            root_hash: root_from_leaves(&hashes),
            extensions: vec![],
        }
    }

    #[test]
    fn keys_round_trip() {
        let s = log_signer(1);
        let again = Signer::from_skey(&s.skey()).expect("skey");
        assert_eq!(again.vkey(), s.vkey());
        assert_eq!(Verifier::from_vkey(&s.vkey()).expect("vkey"), s.verifier());
        assert!(
            s.vkey()
                .starts_with(&format!("docket.example/log+{:08x}+A", s.key_id()))
        );
        let skey = s.skey();
        let secret = skey.rsplit('+').next().expect("seed part");
        assert!(!format!("{s:?}").contains(secret), "Debug leaks the secret");
    }

    #[test]
    fn signed_checkpoint_round_trip_and_tamper_evidence() {
        let (s, witness) = (
            log_signer(1),
            Signer::from_seed("witness.example", [9; 32]).expect("w"),
        );
        let cp = checkpoint();
        let note = cp.sign(&[&s, &witness]).expect("sign");
        let (parsed, opened) = open_checkpoint(&note, &[s.verifier()]).expect("open");
        assert_eq!(parsed, cp);
        assert_eq!(opened.unverified_count, 1);

        let single = cp.sign(&[&s]).expect("sign");
        let verifiers = [s.verifier()];
        for i in 0..single.len() {
            for flip in [0x01u8, 0x20, 0x80] {
                let mut bytes = single.clone().into_bytes();
                bytes[i] ^= flip;
                assert!(
                    open_checkpoint(&bytes, &verifiers).is_err(),
                    "byte {i} ^ {flip:#x} accepted"
                );
            }
        }
        // Wrong key (same name, other seed) and unknown key both fail.
        assert!(open_checkpoint(&single, &[log_signer(2).verifier()]).is_err());
        assert_eq!(
            open_note(&single, &[witness.verifier()]),
            Err(NoteError::NoVerifiedSignature)
        );
        // Altered text under the log's genuine signature line is an explicit failure.
        let forged = single.replacen("\n10\n", "\n11\n", 1);
        assert!(matches!(
            open_note(&forged, &verifiers),
            Err(NoteError::InvalidSignature { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_byte_replacement_is_detected(pos: usize, byte: u8, seed: [u8; 32]) {
            let s = Signer::from_seed("docket.example/log", seed).expect("signer");
            let note = checkpoint().sign(&[&s]).expect("sign");
            let mut bytes = note.into_bytes();
            let i = pos % bytes.len();
            prop_assume!(bytes[i] != byte);
            bytes[i] = byte;
            prop_assert!(open_checkpoint(&bytes, &[s.verifier()]).is_err());
        }
    }
}

// ---------------------------------------------------------------------------
// Tiles: server assembly from stored hashes and client-side verification
// ---------------------------------------------------------------------------
mod tiles {
    use super::*;

    #[test]
    fn serve_and_verify_tiles() {
        let size = 70_000u64;
        let hashes: Vec<Hash> = leaves(size, 3).iter().map(|d| hash_leaf(d)).collect();
        let log = build_log(&hashes);
        let root = tree_hash(size, &log).expect("root");

        // Server: publish everything a 70,000-leaf checkpoint needs.
        let published = tiles_for_growth(0, size);
        let mut all = TileSet::new();
        for t in &published {
            let data = read_tile_data(*t, size, &log).expect("tile");
            assert_eq!(data.len(), usize::from(t.width()) * HASH_SIZE);
            assert_eq!(Tile::parse_path(&t.path()), Ok(*t));
            all.insert(*t, &data).expect("insert");
        }
        all.verify_root(size, &root).expect("root from all tiles");

        // Spec definition: tile (l, n) hash i = MTH(D[(n*256+i)*256^l .. +256^l]).
        let t1 = Tile::new(1, 0, 256).expect("t");
        let data = read_tile_data(t1, size, &log).expect("t1");
        for i in [0usize, 17, 255] {
            let want = root_from_leaves(&hashes[i * 256..(i + 1) * 256]);
            assert_eq!(data[i * 32..(i + 1) * 32], want);
        }

        // Client: fetch only the tiles needed for the root plus one inclusion proof.
        for &(at, index) in &[(size, 12_345u64), (size, size - 1), (65_536, 0), (257, 256)] {
            let mut need = tree_hash_indexes(at).expect("idx");
            need.extend(inclusion_proof_indexes(at, index).expect("idx"));
            let mut set = TileSet::new();
            for t in tiles_for_indexes(at, &need).expect("tiles") {
                set.insert(t, &read_tile_data(t, at, &log).expect("serve"))
                    .expect("insert");
            }
            let at_root = tree_hash(at, &log).expect("root");
            set.verify_root(at, &at_root).expect("verify");
            let proof = prove_inclusion(at, index, &set).expect("proof from tiles");
            assert_eq!(proof, prove_inclusion(at, index, &log).expect("proof"));
            verify_inclusion(&hashes[index as usize], index, at, &proof, &at_root).expect("ok");
        }

        // A single flipped bit in any needed tile is caught.
        let need = tree_hash_indexes(size).expect("idx");
        for (k, t) in tiles_for_indexes(size, &need)
            .expect("tiles")
            .into_iter()
            .enumerate()
        {
            let mut set = TileSet::new();
            for u in tiles_for_indexes(size, &need).expect("tiles") {
                let mut data = read_tile_data(u, size, &log).expect("serve");
                if u == t {
                    let at = k % data.len();
                    data[at] ^= 1;
                }
                set.insert(u, &data).expect("insert");
            }
            assert!(
                set.verify_root(size, &root).is_err(),
                "tampered {t} accepted"
            );
        }

        // Tiles beyond the tree are refused; short data is refused.
        assert!(read_tile_data(Tile::new(0, 273, 113).expect("t"), size, &log).is_err());
        assert!(read_tile_data(Tile::new(2, 0, 2).expect("t"), size, &log).is_err());
        assert!(TileSet::new().insert(t1, &[0u8; 31]).is_err());
    }

    #[test]
    fn growth_tiles_are_exactly_the_new_ones() {
        let mut seen = std::collections::HashSet::new();
        let sizes = [0u64, 1, 255, 256, 257, 65_535, 65_536, 70_000];
        for w in sizes.windows(2) {
            for t in tiles_for_growth(w[0], w[1]) {
                assert!(t.is_within(w[1]), "{t} not in tree {}", w[1]);
                assert!(seen.insert(t), "{t} published twice");
            }
        }
        // Every full tile of the final tree was published exactly once.
        let full: Vec<Tile> = tiles_for_growth(0, 70_000)
            .into_iter()
            .filter(Tile::is_full)
            .collect();
        assert!(full.iter().all(|t| seen.contains(t)));
    }
}
