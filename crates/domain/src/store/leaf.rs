//! The bytes of an event that the transparency log commits to, and its leaf hash.
//!
//! An entry is the concatenation, in this order, of
//!
//! ```text
//! lp("docket-event/1") ‖ lp(stream) ‖ u64be(version) ‖ lp(kind) ‖ lp(actor)
//!   ‖ lp(recorded_at) ‖ lp(salt) ‖ lp(payload)
//! lp(x) = u32be(len(x)) ‖ x
//! ```
//!
//! where text fields are the exact UTF-8 stored in the event row (`recorded_at` in the
//! fixed six-digit form of [`super::codec::format_ts`]). The leaf hash is RFC 9162's
//! `SHA-256(0x00 ‖ entry)`. The global sequence number is not part of the entry: it is the
//! leaf's position (`index = seq − 1`), so moving an event moves its leaf.
//!
//! The random salt is why leaf hashes and tiles can be public: without it anyone could
//! confirm a guess at an event's content ("was X suspended on this day?") by hashing it.

use docket_tlog::{Hash, hash_leaf_parts};

/// Bytes of random salt per event.
pub const SALT_LEN: usize = 16;
pub type Salt = [u8; SALT_LEN];

const TAG: &[u8] = b"docket-event/1";

/// An event's committed fields, borrowed from wherever they are held.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub stream: &'a str,
    pub version: u64,
    pub kind: &'a str,
    pub actor: &'a str,
    pub recorded_at: &'a str,
    pub salt: &'a [u8],
    pub payload: &'a str,
}

impl Entry<'_> {
    /// The leaf hash, computed without copying the fields into one buffer.
    pub fn leaf_hash(&self) -> Hash {
        let lens = self.lengths();
        let version = self.version.to_be_bytes();
        hash_leaf_parts(&[
            &lens[0],
            TAG,
            &lens[1],
            self.stream.as_bytes(),
            &version,
            &lens[2],
            self.kind.as_bytes(),
            &lens[3],
            self.actor.as_bytes(),
            &lens[4],
            self.recorded_at.as_bytes(),
            &lens[5],
            self.salt,
            &lens[6],
            self.payload.as_bytes(),
        ])
    }

    /// The entry's bytes, as documented above (for publication and tests; hashing does not
    /// build them).
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        let lens = self.lengths();
        let fields: [&[u8]; 7] = [
            TAG,
            self.stream.as_bytes(),
            &[],
            self.kind.as_bytes(),
            self.actor.as_bytes(),
            self.recorded_at.as_bytes(),
            self.salt,
        ];
        for (i, f) in fields.iter().enumerate() {
            if i == 2 {
                out.extend_from_slice(&self.version.to_be_bytes());
                continue;
            }
            let l = if i < 2 { i } else { i - 1 };
            out.extend_from_slice(&lens[l]);
            out.extend_from_slice(f);
        }
        out.extend_from_slice(&lens[6]);
        out.extend_from_slice(self.payload.as_bytes());
        out
    }

    /// The entry's length in bytes.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        7 * 4
            + 8
            + TAG.len()
            + self.stream.len()
            + self.kind.len()
            + self.actor.len()
            + self.recorded_at.len()
            + self.salt.len()
            + self.payload.len()
    }

    fn lengths(&self) -> [[u8; 4]; 7] {
        let l = |n: usize| (n as u32).to_be_bytes();
        [
            l(TAG.len()),
            l(self.stream.len()),
            l(self.kind.len()),
            l(self.actor.len()),
            l(self.recorded_at.len()),
            l(self.salt.len()),
            l(self.payload.len()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_tlog::hash_leaf;

    fn entry<'a>(payload: &'a str, salt: &'a [u8]) -> Entry<'a> {
        Entry {
            stream: "case/DK-0000-0001",
            version: 3,
            kind: "contact_recorded",
            actor: "officer-1",
            recorded_at: "2026-11-22T10:00:00.000000Z",
            salt,
            payload,
        }
    }

    #[test]
    fn the_hash_is_the_rfc9162_leaf_of_the_documented_bytes() {
        let e = entry("{\"type\":\"acknowledged\"}", &[7; SALT_LEN]);
        assert_eq!(e.bytes().len(), e.len());
        assert_eq!(e.leaf_hash(), hash_leaf(&e.bytes()));
        let b = e.bytes();
        assert_eq!(&b[..4], &[0, 0, 0, 14]);
        assert_eq!(&b[4..18], b"docket-event/1");
    }

    #[test]
    fn every_field_and_the_salt_change_the_leaf() {
        let base = entry("{}", &[1; SALT_LEN]);
        let h = base.leaf_hash();
        assert_ne!(h, entry("{ }", &[1; SALT_LEN]).leaf_hash());
        assert_ne!(h, entry("{}", &[2; SALT_LEN]).leaf_hash());
        assert_ne!(h, Entry { version: 4, ..base }.leaf_hash());
        assert_ne!(
            h,
            Entry {
                actor: "officer-2",
                ..base
            }
            .leaf_hash()
        );
        // Length prefixes: moving a byte from one field to the next changes the hash.
        let a = Entry {
            kind: "ab",
            actor: "c",
            ..base
        };
        let b = Entry {
            kind: "a",
            actor: "bc",
            ..base
        };
        assert_ne!(a.leaf_hash(), b.leaf_hash());
    }
}
