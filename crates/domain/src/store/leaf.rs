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

/// An event's committed fields, borrowed as the exact bytes stored (text fields are UTF-8,
/// but the hash never needs to check that).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub stream: &'a [u8],
    pub version: u64,
    pub kind: &'a [u8],
    pub actor: &'a [u8],
    pub recorded_at: &'a [u8],
    pub salt: &'a [u8],
    pub payload: &'a [u8],
}

/// Fields before the payload gathered for hashing in one piece up to this size.
const HEAD: usize = 256;

impl Entry<'_> {
    /// The leaf hash, computed without copying the payload: the short fields before it are
    /// gathered in one small buffer, so the hash is fed two pieces rather than fifteen (the
    /// verifier does this a million times per million events).
    pub fn leaf_hash(&self) -> Hash {
        self.with_parts(|parts| {
            let (head, payload) = parts.split_at(parts.len() - 1);
            let mut buf = [0u8; HEAD];
            let mut n = 0;
            for p in head {
                let Some(slot) = buf.get_mut(n..n + p.len()) else {
                    return hash_leaf_parts(parts);
                };
                slot.copy_from_slice(p);
                n += p.len();
            }
            hash_leaf_parts(&[&buf[..n], payload[0]])
        })
    }

    /// The entry's bytes, as documented above (for publication and tests; hashing does not
    /// build them).
    pub fn bytes(&self) -> Vec<u8> {
        self.with_parts(|parts| parts.concat())
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

    /// Calls `f` with the entry's pieces in order; the payload is the last.
    fn with_parts<R>(&self, f: impl FnOnce(&[&[u8]; 15]) -> R) -> R {
        let l = |n: usize| (n as u32).to_be_bytes();
        let lens = [
            l(TAG.len()),
            l(self.stream.len()),
            l(self.kind.len()),
            l(self.actor.len()),
            l(self.recorded_at.len()),
            l(self.salt.len()),
            l(self.payload.len()),
        ];
        let version = self.version.to_be_bytes();
        f(&[
            &lens[0],
            TAG,
            &lens[1],
            self.stream,
            &version,
            &lens[2],
            self.kind,
            &lens[3],
            self.actor,
            &lens[4],
            self.recorded_at,
            &lens[5],
            self.salt,
            &lens[6],
            self.payload,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_tlog::hash_leaf;

    fn entry<'a>(payload: &'a str, salt: &'a [u8]) -> Entry<'a> {
        Entry {
            stream: b"case/DK-0000-0001",
            version: 3,
            kind: b"contact_recorded",
            actor: b"officer-1",
            recorded_at: b"2026-11-22T10:00:00.000000Z",
            salt,
            payload: payload.as_bytes(),
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
        // Short fields are hashed from one gathered buffer, long ones piece by piece: the
        // same leaf either way.
        let long = "x".repeat(HEAD);
        let e = Entry {
            stream: long.as_bytes(),
            ..e
        };
        assert_eq!(e.leaf_hash(), hash_leaf(&e.bytes()));
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
                actor: b"officer-2",
                ..base
            }
            .leaf_hash()
        );
        // Length prefixes: moving a byte from one field to the next changes the hash.
        let a = Entry {
            kind: b"ab",
            actor: b"c",
            ..base
        };
        let b = Entry {
            kind: b"a",
            actor: b"bc",
            ..base
        };
        assert_ne!(a.leaf_hash(), b.leaf_hash());
    }
}
