//! Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! Pure functions over untrusted input: every length is checked up front so
//! a malformed proof yields a typed error instead of a wrong answer or a panic.

use crate::hash::{Hash, hash_children};

/// Why a proof was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// Leaf index at or beyond the tree size (includes every index of an empty tree).
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Claimed leaf index.
        index: u64,
        /// Claimed tree size.
        size: u64,
    },
    /// The proof does not have the number of hashes the sizes imply.
    #[error("proof has {got} hashes, expected {want}")]
    WrongProofLength {
        /// Hashes supplied.
        got: usize,
        /// Hashes the tree shape requires.
        want: usize,
    },
    /// The new tree is smaller than the old one.
    #[error("old tree size {old_size} exceeds new tree size {new_size}")]
    SizesOutOfOrder {
        /// Claimed older size.
        old_size: u64,
        /// Claimed newer size.
        new_size: u64,
    },
    /// RFC 9162 defines no consistency proof from the empty tree.
    #[error("consistency proofs from the empty tree are meaningless")]
    EmptyOldTree,
    /// The proof does not lead to the claimed old root.
    #[error("proof does not match the old root hash")]
    OldRootMismatch,
    /// The proof does not lead to the claimed (new) root.
    #[error("proof does not match the root hash")]
    RootMismatch,
}

/// Number of hashes in the audit path for leaf `index` of a tree of `size`
/// (`index < size`): one per level below the point where the paths to
/// `index` and to the last leaf split, plus one per left sibling above it.
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    Ok((inner + border) as usize)
}

/// Number of hashes in a consistency proof from `old_size` to `new_size`.
pub fn consistency_proof_len(old_size: u64, new_size: u64) -> Result<usize, ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old_size == new_size {
        return Ok(0);
    }
    // The proof starts at the largest complete subtree ending the old tree
    // (height `shift`), omitted when that subtree is the whole old tree;
    // then siblings up to where the old and new right edges fork; then the
    // left siblings above the fork.
    let shift = old_size.trailing_zeros();
    let fork = 64 - ((old_size - 1) ^ (new_size - 1)).leading_zeros();
    let inner = fork.saturating_sub(shift);
    let border = (old_size - 1).checked_shr(fork).unwrap_or(0).count_ones();
    let seed = u32::from(!old_size.is_power_of_two());
    Ok((seed + inner + border) as usize)
}

/// Root implied by an inclusion proof (RFC 9162 §2.1.3.2 steps 1–4).
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    let want = inclusion_proof_len(index, size)?;
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want,
            });
        }
        if f & 1 == 1 || f == s {
            r = hash_children(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = hash_children(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    Ok(r)
}

/// Checks that `leaf_hash` is leaf `index` of the tree of `size` with `root`.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(leaf_hash, index, size, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Checks that the tree of `size1` with `root1` is a prefix of the tree of
/// `size2` with `root2` (RFC 9162 §2.1.4.2).
///
/// Equal sizes need an empty proof and equal roots. `size1 == 0` is always
/// rejected, as in RFC 9162 and the reference test vectors: callers that trust
/// nothing yet simply skip the consistency check.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Hash],
    root1: &Hash,
    root2: &Hash,
) -> Result<(), ProofError> {
    let want = consistency_proof_len(size1, size2)?;
    if proof.len() != want {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    if size1 == size2 {
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    // Step 2: a power-of-two old tree is itself the first node of the path.
    let mut path = proof.iter();
    let first = if size1.is_power_of_two() {
        root1
    } else {
        path.next().ok_or(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        })?
    };
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in path {
        if s == 0 {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                want,
            });
        }
        if f & 1 == 1 || f == s {
            fr = hash_children(c, &fr);
            sr = hash_children(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = hash_children(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            want,
        });
    }
    if fr != *root1 {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{hash_leaf, root_from_leaves};

    #[test]
    fn lengths_match_small_trees() {
        // Hand-checked against the RFC 9162 §2.1.5 example tree of 7 leaves.
        assert_eq!(inclusion_proof_len(0, 7), Ok(3)); // a
        assert_eq!(inclusion_proof_len(3, 7), Ok(3)); // d
        assert_eq!(inclusion_proof_len(4, 7), Ok(3)); // e
        assert_eq!(inclusion_proof_len(6, 7), Ok(2)); // j
        assert_eq!(consistency_proof_len(3, 7), Ok(4)); // c, d, g, l
        assert_eq!(consistency_proof_len(4, 7), Ok(1)); // l
        assert_eq!(consistency_proof_len(6, 7), Ok(3)); // i, j, k
        assert_eq!(
            inclusion_proof_len(0, 0),
            Err(ProofError::IndexOutOfRange { index: 0, size: 0 })
        );
    }

    #[test]
    fn extreme_sizes_do_not_panic() {
        let h = [7u8; 32];
        for (i, s) in [(0, u64::MAX), (u64::MAX - 1, u64::MAX), (1 << 63, u64::MAX)] {
            let _ = verify_inclusion(&h, i, s, &[h; 3], &h);
            let _ = inclusion_proof_len(i, s);
        }
        for (a, b) in [
            (1, u64::MAX),
            (u64::MAX, u64::MAX),
            (1 << 63, u64::MAX),
            (3, 1 << 63),
        ] {
            let _ = verify_consistency(a, b, &[h; 2], &h, &h);
            let _ = consistency_proof_len(a, b);
        }
    }

    #[test]
    fn single_leaf_tree() {
        let leaf = hash_leaf(b"x");
        assert_eq!(verify_inclusion(&leaf, 0, 1, &[], &leaf), Ok(()));
        assert_eq!(
            verify_inclusion(&leaf, 0, 1, &[leaf], &leaf),
            Err(ProofError::WrongProofLength { got: 1, want: 0 })
        );
        let root2 = root_from_leaves(&[leaf, leaf]);
        assert_eq!(verify_consistency(1, 2, &[leaf], &leaf, &root2), Ok(()));
        // A power-of-two old tree is the proof's seed, so a wrong old root
        // surfaces as a new-root mismatch.
        assert_eq!(
            verify_consistency(1, 2, &[leaf], &root2, &root2),
            Err(ProofError::RootMismatch)
        );
        // Otherwise the old root is recomputed from the proof and checked.
        let leaves = [leaf; 4];
        let (r3, r4) = (root_from_leaves(&leaves[..3]), root_from_leaves(&leaves));
        let proof = [leaf, leaf, root_from_leaves(&leaves[..2])];
        assert_eq!(verify_consistency(3, 4, &proof, &r3, &r4), Ok(()));
        assert_eq!(
            verify_consistency(3, 4, &proof, &r4, &r4),
            Err(ProofError::OldRootMismatch)
        );
    }
}
