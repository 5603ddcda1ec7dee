//! C2SP tlog-tiles: tile coordinates and paths, serving tiles from stored
//! hashes, and rebuilding hashes from fetched tiles on the client.
//!
//! A tile at level `L` holds up to 256 consecutive hashes at tree height
//! `8·L`; everything between those heights is recomputed by hashing, which is
//! why serving a static tile set is enough for any proof.

use std::collections::HashMap;
use std::fmt;

use crate::hash::{HASH_SIZE, Hash, hash_children};
use crate::tree::{Error, HashReader, MAX_TREE_SIZE, split_stored_hash_index, stored_hash_index};

/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile.
pub const TILE_WIDTH: u16 = 1 << TILE_HEIGHT;
/// Highest tile level the path grammar allows.
pub const MAX_TILE_LEVEL: u8 = 63;

/// Coordinates of one hash tile: `level`, `index` within the level, and
/// `width` (1..=256; 256 is a full tile, anything less is partial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    level: u8,
    index: u64,
    width: u16,
}

/// A tile path that does not follow the tlog-tiles grammar exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed tile path: {reason}")]
pub struct TilePathError {
    reason: &'static str,
}

fn bad(reason: &'static str) -> TilePathError {
    TilePathError { reason }
}

impl Tile {
    /// Validated constructor (level ≤ 63, 1 ≤ width ≤ 256).
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, Error> {
        if level > MAX_TILE_LEVEL {
            return Err(Error::InvalidTile("level above 63"));
        }
        if width == 0 || width > TILE_WIDTH {
            return Err(Error::InvalidTile("width must be 1..=256"));
        }
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// Tile level (tree height `8·level`).
    pub fn level(&self) -> u8 {
        self.level
    }

    /// Index of the tile within its level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Number of hashes in the tile.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile holds all 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// `tile/<L>/<N>[.p/<W>]`, relative to the log prefix.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Strict parser for `tile/<L>/<N>[.p/<W>]`: only the canonical form that
    /// [`Tile::path`] produces is accepted, so every tile has exactly one URL.
    pub fn parse_path(path: &str) -> Result<Self, TilePathError> {
        let rest = path
            .strip_prefix("tile/")
            .ok_or(bad("missing tile/ prefix"))?;
        let (level_str, rest) = rest.split_once('/').ok_or(bad("missing index"))?;
        let level = parse_decimal(level_str, u64::from(MAX_TILE_LEVEL)).ok_or(bad("bad level"))?;
        let (index_str, width) = match rest.split_once(".p/") {
            Some((idx, w)) => {
                let w = parse_decimal(w, u64::from(TILE_WIDTH) - 1).ok_or(bad("bad width"))?;
                if w == 0 {
                    return Err(bad("bad width"));
                }
                (idx, w as u16)
            }
            None => (rest, TILE_WIDTH),
        };
        let index = parse_index(index_str).ok_or(bad("bad index"))?;
        let tile = Self {
            level: level as u8,
            index,
            width,
        };
        if tile.path() != path {
            return Err(bad("not in canonical form"));
        }
        Ok(tile)
    }

    /// Whether every hash of this tile exists in a tree of `tree_size` leaves
    /// (servers must not serve anything else).
    pub fn is_within(&self, tree_size: u64) -> bool {
        let height = u32::from(self.level) * TILE_HEIGHT;
        let available = tree_size.checked_shr(height).unwrap_or(0);
        self.index
            .checked_mul(u64::from(TILE_WIDTH))
            .and_then(|start| start.checked_add(u64::from(self.width)))
            .is_some_and(|end| end <= available)
    }

    /// Stored hash indexes of this tile's hashes, in tile order.
    pub fn stored_hash_indexes(&self) -> Result<Vec<u64>, Error> {
        if !self.is_within(MAX_TREE_SIZE) {
            return Err(Error::InvalidTile("beyond the largest supported tree"));
        }
        let height = self.level as u32 * TILE_HEIGHT;
        let start = self.index * u64::from(TILE_WIDTH);
        Ok((0..u64::from(self.width))
            .map(|i| stored_hash_index(height as u8, start + i))
            .collect())
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tile/{}/", self.level)?;
        // Three digits per path element, most significant first; all but
        // the last element carry an "x" prefix.
        let mut groups = vec![self.index % 1000];
        let mut n = self.index / 1000;
        while n > 0 {
            groups.push(n % 1000);
            n /= 1000;
        }
        for (i, g) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{g:03}/")?;
            } else {
                write!(f, "{g:03}")?;
            }
        }
        if !self.is_full() {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

/// ASCII decimal without leading zeros (except "0"), at most `max`.
fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse::<u64>().ok().filter(|&v| v <= max)
}

fn parse_index(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split('/').collect();
    let last = parts.len() - 1;
    let mut n: u64 = 0;
    for (i, part) in parts.iter().enumerate() {
        let digits = if i < last {
            part.strip_prefix('x')?
        } else {
            part
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let group: u64 = digits.parse().ok()?;
        n = n.checked_mul(1000)?.checked_add(group)?;
    }
    Some(n)
}

/// Tiles a log publishes when it grows from `old_size` to `new_size`: every
/// newly completed full tile plus the partial tile at each level, if any.
/// The result has about `(new_size − old_size) / 255` entries, so call it
/// per checkpoint rather than once for a huge jump.
pub fn tiles_for_growth(old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let w = u64::from(TILE_WIDTH);
    for level in 0..=MAX_TILE_LEVEL {
        let height = u32::from(level) * TILE_HEIGHT;
        let new_n = new_size.checked_shr(height).unwrap_or(0);
        if new_n == 0 {
            break;
        }
        let old_n = old_size.checked_shr(height).unwrap_or(0).min(new_n);
        if old_n == new_n {
            continue;
        }
        for index in old_n / w..new_n / w {
            tiles.push(Tile {
                level,
                index,
                width: TILE_WIDTH,
            });
        }
        let partial = (new_n % w) as u16;
        if partial > 0 {
            tiles.push(Tile {
                level,
                index: new_n / w,
                width: partial,
            });
        }
    }
    tiles
}

/// The tile bytes a server returns for `tile` in a tree of `tree_size`:
/// the tile's stored hashes concatenated.
pub fn read_tile_data<R: HashReader + ?Sized>(
    tile: Tile,
    tree_size: u64,
    reader: &R,
) -> Result<Vec<u8>, Error> {
    if tree_size > MAX_TREE_SIZE {
        return Err(Error::TreeTooLarge(tree_size));
    }
    if !tile.is_within(tree_size) {
        return Err(Error::InvalidTile("not contained in the tree"));
    }
    let indexes = tile.stored_hash_indexes()?;
    let hashes = reader.read_hashes(&indexes)?;
    if hashes.len() != indexes.len() {
        return Err(Error::ReaderLength {
            want: indexes.len(),
            got: hashes.len(),
        });
    }
    Ok(tile_bytes(&hashes))
}

/// Concatenates hashes into tile bytes.
pub fn tile_bytes(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flatten().copied().collect()
}

/// Splits tile bytes into hashes, checking the length against the tile width.
pub fn tile_hashes(tile: Tile, data: &[u8]) -> Result<Vec<Hash>, Error> {
    let want = usize::from(tile.width) * HASH_SIZE;
    if data.len() != want {
        return Err(Error::TileDataLength {
            want,
            got: data.len(),
        });
    }
    Ok(data
        .chunks_exact(HASH_SIZE)
        .map(|c| {
            let mut h = [0u8; HASH_SIZE];
            h.copy_from_slice(c);
            h
        })
        .collect())
}

/// Where the hash at `(tree_level, n)` lives in the tile layer: the tile
/// level, tile index, and the `[start, end)` range of tile hashes whose
/// complete subtree it is. `None` if out of range.
fn locate(tree_level: u8, n: u64) -> Option<(u8, u64, u64, u64)> {
    let level = u32::from(tree_level) / TILE_HEIGHT;
    let within = u32::from(tree_level) % TILE_HEIGHT;
    if n > u64::MAX >> within {
        return None;
    }
    let first = n << within;
    let w = u64::from(TILE_WIDTH);
    let start = first % w;
    Some((level as u8, first / w, start, start + (1 << within)))
}

/// Tiles a client must fetch (with the widths that exist at `tree_size`)
/// to read the given stored hashes, e.g. from [`crate::tree_hash_indexes`]
/// or [`crate::inclusion_proof_indexes`]. Deduplicated, in first-use order.
pub fn tiles_for_indexes(tree_size: u64, indexes: &[u64]) -> Result<Vec<Tile>, Error> {
    if tree_size > MAX_TREE_SIZE {
        return Err(Error::TreeTooLarge(tree_size));
    }
    let mut out: Vec<Tile> = Vec::new();
    for &idx in indexes {
        let (tree_level, n) = split_stored_hash_index(idx);
        let (level, index, _, end) = locate(tree_level, n).ok_or(Error::HashNotFound(idx))?;
        let height = u32::from(level) * TILE_HEIGHT;
        let available = tree_size.checked_shr(height).unwrap_or(0);
        let base = index * u64::from(TILE_WIDTH);
        let width = available.saturating_sub(base).min(u64::from(TILE_WIDTH));
        if width < end {
            return Err(Error::HashNotFound(idx));
        }
        let tile = Tile {
            level,
            index,
            width: width as u16,
        };
        if !out.contains(&tile) {
            out.push(tile);
        }
    }
    Ok(out)
}

/// Client-side collection of fetched tiles that answers stored-hash reads by
/// recomputing subtree hashes, so the ordinary [`crate::tree_hash`] and proof
/// functions run unchanged on top of tiles.
///
/// Tile contents are untrusted until [`TileSet::verify_root`] succeeds for
/// the checkpoint they were fetched for.
#[derive(Debug, Default, Clone)]
pub struct TileSet {
    tiles: HashMap<(u8, u64), Vec<Hash>>,
}

impl TileSet {
    /// Empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a fetched tile; when a tile is added twice the wider copy is kept.
    pub fn insert(&mut self, tile: Tile, data: &[u8]) -> Result<(), Error> {
        let hashes = tile_hashes(tile, data)?;
        let slot = self.tiles.entry((tile.level, tile.index)).or_default();
        if hashes.len() > slot.len() {
            *slot = hashes;
        }
        Ok(())
    }

    /// Recomputes the root of the tree of `size` from the tiles and compares
    /// it with the trusted `root` (e.g. a verified checkpoint's root hash).
    pub fn verify_root(&self, size: u64, root: &Hash) -> Result<(), Error> {
        if crate::tree::tree_hash(size, self)? == *root {
            Ok(())
        } else {
            Err(Error::TileRootMismatch)
        }
    }

    fn hash_at(&self, idx: u64) -> Option<Hash> {
        let (tree_level, n) = split_stored_hash_index(idx);
        let (level, index, start, end) = locate(tree_level, n)?;
        let hashes = self.tiles.get(&(level, index))?;
        let range = hashes.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)?;
        Some(complete_subtree_hash(range))
    }
}

/// Root of a complete subtree whose 2^k leaves-of-this-layer are `hashes`.
fn complete_subtree_hash(hashes: &[Hash]) -> Hash {
    let mut layer = hashes.to_vec();
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|p| match p {
                [l, r] => hash_children(l, r),
                [one] => *one,
                _ => unreachable_empty(),
            })
            .collect();
    }
    layer.first().copied().unwrap_or_else(unreachable_empty)
}

// `chunks(2)` never yields an empty slice and callers never pass an empty
// range; return a fixed value rather than panicking on a logic error.
fn unreachable_empty() -> Hash {
    [0; HASH_SIZE]
}

impl HashReader for TileSet {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Error> {
        indexes
            .iter()
            .map(|&i| self.hash_at(i).ok_or(Error::HashNotFound(i)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_examples_from_spec() {
        let t = Tile::new(0, 1_234_067, 256).expect("tile");
        assert_eq!(t.path(), "tile/0/x001/x234/067");
        let p = Tile::new(3, 1_234_067, 1).expect("tile");
        assert_eq!(p.path(), "tile/3/x001/x234/067.p/1");
        assert_eq!(Tile::new(1, 0, 17).expect("tile").path(), "tile/1/000.p/17");
        for s in [
            "tile/0/x001/x234/067",
            "tile/3/x001/x234/067.p/1",
            "tile/63/000",
            "tile/0/999.p/255",
        ] {
            assert_eq!(Tile::parse_path(s).expect(s).path(), s);
        }
        let max = Tile::new(0, u64::MAX, 256).expect("tile");
        assert_eq!(Tile::parse_path(&max.path()), Ok(max));
    }

    #[test]
    fn rejects_non_canonical_paths() {
        for s in [
            "",
            "tile/",
            "tile/0",
            "tile/0/",
            "tile/00/000",
            "tile/64/000",
            "tile/0/0",
            "tile/0/0000",
            "tile/0/x000/001",
            "tile/0/001/002",
            "tile/0/x1/002",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/01",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000/",
            "/tile/0/000",
            "tile/+1/000",
            "tile/0/-01",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/entries/000",
            "tile/0/000.p/1/2",
            "tile/0/x001/.p/3",
        ] {
            assert!(Tile::parse_path(s).is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn growth_example_from_spec() {
        // 70,000 leaves: 273 full + 1 partial(112) at L0, 1 full + partial(17) at L1, partial(1) at L2.
        let tiles = tiles_for_growth(0, 70_000);
        let count = |l: u8, full: bool| {
            tiles
                .iter()
                .filter(|t| t.level == l && t.is_full() == full)
                .count()
        };
        assert_eq!((count(0, true), count(0, false)), (273, 1));
        assert_eq!((count(1, true), count(1, false)), (1, 1));
        assert_eq!((count(2, true), count(2, false)), (0, 1));
        assert!(tiles.contains(&Tile::new(0, 273, 112).expect("t")));
        assert!(tiles.contains(&Tile::new(1, 1, 17).expect("t")));
        assert!(tiles.contains(&Tile::new(2, 0, 1).expect("t")));
        assert_eq!(tiles.len(), 277);
        // A tree of 256: one full level-0 tile and a level-1 tile of width 1.
        assert_eq!(
            tiles_for_growth(0, 256),
            vec![
                Tile::new(0, 0, 256).expect("t"),
                Tile::new(1, 0, 1).expect("t")
            ]
        );
        assert!(tiles_for_growth(256, 256).is_empty());
    }

    #[test]
    fn containment() {
        let t = Tile::new(1, 0, 1).expect("t");
        assert!(!t.is_within(255));
        assert!(t.is_within(256));
        assert!(!Tile::new(7, 0, 256).expect("t").is_within(MAX_TREE_SIZE));
        assert!(Tile::new(7, 0, 1).expect("t").is_within(1 << 56));
        assert!(!Tile::new(63, u64::MAX, 256).expect("t").is_within(u64::MAX));
        assert!(
            Tile::new(63, 0, 256)
                .expect("t")
                .stored_hash_indexes()
                .is_err()
        );
    }
}
