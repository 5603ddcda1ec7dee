//! A tree's right edge: the roots of its perfect subtrees, largest first. It is all that is
//! needed to append leaves and to compute the root at the current size, in O(log n) memory,
//! and two of them stitch together when the second starts on a subtree boundary of the first,
//! so a long run of leaves can be folded in aligned pieces, in parallel.

use crate::hash::{EMPTY_ROOT, Hash, hash_children};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (height, hash), heights strictly decreasing.
    subtrees: Vec<(u32, Hash)>,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// Leaves folded in so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The perfect subtrees, as (height, hash), largest (leftmost) first.
    pub fn subtrees(&self) -> &[(u32, Hash)] {
        &self.subtrees
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        self.push_subtree(0, leaf);
    }

    /// Valid only where `2^height` divides the size, which `extend` checks first.
    fn push_subtree(&mut self, height: u32, hash: Hash) {
        let mut node = (height, hash);
        while let Some(&(h, left)) = self.subtrees.last() {
            if h != node.0 {
                break;
            }
            self.subtrees.pop();
            node = (h + 1, hash_children(&left, &node.1));
        }
        self.subtrees.push(node);
        self.size += 1 << height;
    }

    /// The RFC 9162 root of the leaves folded so far.
    pub fn root(&self) -> Hash {
        root_of(self.subtrees.iter())
    }

    /// Whether `more`, the frontier of the leaves that follow this tree's, is made of
    /// subtrees of the combined tree: its largest subtree must start at a multiple of its
    /// own size.
    pub fn can_extend(&self, more: &Frontier) -> bool {
        more.subtrees
            .first()
            .is_none_or(|&(height, _)| height < 64 && self.size.is_multiple_of(1u64 << height))
    }

    /// The root of this tree followed by `more`, or `None` if [`Frontier::can_extend`] is
    /// false.
    pub fn root_with(&self, more: &Frontier) -> Option<Hash> {
        self.can_extend(more)
            .then(|| root_of(self.subtrees.iter().chain(&more.subtrees)))
    }

    /// Appends the leaves `more` folded; false (and nothing changed) if
    /// [`Frontier::can_extend`] is false.
    pub fn extend(&mut self, more: &Frontier) -> bool {
        if !self.can_extend(more) {
            return false;
        }
        for &(height, hash) in &more.subtrees {
            self.push_subtree(height, hash);
        }
        true
    }
}

fn root_of<'a>(subtrees: impl DoubleEndedIterator<Item = &'a (u32, Hash)>) -> Hash {
    let mut it = subtrees.rev();
    let Some(&(_, mut acc)) = it.next() else {
        return EMPTY_ROOT;
    };
    for (_, left) in it {
        acc = hash_children(left, &acc);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{hash_leaf, root_from_leaves};

    fn leaves(n: u32) -> Vec<Hash> {
        (0..n).map(|i| hash_leaf(&i.to_be_bytes())).collect()
    }

    #[test]
    fn roots_at_every_size_are_rfc9162_roots() {
        let leaves = leaves(300);
        let mut f = Frontier::new();
        assert_eq!(f.root(), EMPTY_ROOT);
        for (i, l) in leaves.iter().enumerate() {
            f.push(*l);
            assert_eq!(f.size(), i as u64 + 1);
            assert_eq!(f.root(), root_from_leaves(&leaves[..=i]), "size {}", i + 1);
        }
    }

    /// Folded apart and stitched, pieces give the whole tree's roots where they start on a
    /// boundary of their largest subtree, and are refused where they do not.
    #[test]
    fn pieces_stitch_only_where_aligned() {
        let leaves = leaves(40);
        for (from, to) in [
            (0, 16),
            (16, 32),
            (32, 40),
            (8, 12),
            (11, 13),
            (13, 40),
            (5, 5),
        ] {
            let mut tree = Frontier::new();
            leaves[..from].iter().for_each(|l| tree.push(*l));
            let mut piece = Frontier::new();
            for (i, l) in leaves[from..to].iter().enumerate() {
                piece.push(*l);
                let whole = root_from_leaves(&leaves[..from + i + 1]);
                let aligned = from % (1 << piece.subtrees()[0].0) == 0;
                assert_eq!(tree.root_with(&piece), aligned.then_some(whole));
            }
            let before = tree.clone();
            let aligned = tree.can_extend(&piece);
            assert_eq!(tree.extend(&piece), aligned);
            if aligned {
                assert_eq!(tree.root(), root_from_leaves(&leaves[..to]), "{from}..{to}");
            } else {
                assert_eq!(tree, before, "a refused piece changes nothing");
            }
        }
    }
}
