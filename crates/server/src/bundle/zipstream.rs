//! Streaming ZIP writer for hearing bundles.
//!
//! A bundle holds an index page plus evidence files of up to hundreds of MiB each, several
//! GiB per case. Evidence is stored encrypted and decrypted chunk by chunk; plaintext must
//! never touch the disk and the server must not hold a whole file in memory. So the archive
//! cannot be assembled and then sent: [`ZipStream`] is a sans-I/O state machine that turns
//! "begin entry, bytes, end entry, finish" into the exact bytes to send next, and the async
//! handler pushes them into the HTTP body. Memory stays bounded by one small central
//! directory record per entry, whatever the file sizes.
//!
//! Format choices (PKWARE APPNOTE 6.3):
//! - Entries are stored, not deflated: evidence is mostly already-compressed media, and
//!   stored data lets the caller forward its decrypted chunks without copying them.
//! - CRC and size are unknown when the local header goes out, so every entry sets general
//!   purpose bit 3 and is followed by a data descriptor carrying its signature.
//! - Any entry may pass 4 GiB and we learn that only at the end, so every local header has
//!   sizes 0xFFFFFFFF and a ZIP64 extra field (zeros); per APPNOTE 4.3.9.2 the descriptor
//!   then holds 8-byte sizes. The central directory, written when all values are known,
//!   uses ZIP64 fields only for values that overflow, plus the ZIP64 end records if needed.
//! - Readers that use the central directory (Python's `zipfile`, Info-ZIP `unzip`, the
//!   `zip` crate) read this fine. Purely sequential readers (e.g. Java's `ZipInputStream`)
//!   cannot find the end of stored data of unknown length; no streamed ZIP avoids that.
//!
//! Contract: every `Ok` carries bytes that must be sent, in call order; an `Err` emits
//! nothing and leaves the writer as it was (except [`ZipError::TooLarge`] from
//! [`ZipStream::whole`]), so a caller may skip a bad entry and go on.

use std::collections::HashSet;

/// An entry's modification time, UTC: (year, month, day, hour, minute, second).
/// DOS fields have no zone and 2-second steps; extractors show them as written.
pub type Timestamp = (u16, u8, u8, u8, u8, u8);

const LOCAL_HEADER_SIG: u32 = 0x0403_4b50;
const DESCRIPTOR_SIG: u32 = 0x0807_4b50;
const CENTRAL_HEADER_SIG: u32 = 0x0201_4b50;
const ZIP64_END_SIG: u32 = 0x0606_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_EXTRA_ID: u16 = 0x0001;
/// Bit 3: CRC and sizes follow the data. Bit 11: the name is UTF-8.
const FLAGS: u16 = 1 << 3 | 1 << 11;
const VERSION_ZIP64: u16 = 45;
const VERSION_PLAIN: u16 = 20;
/// High byte 3 (Unix) makes extractors read the external attributes as a file mode.
const VERSION_MADE_BY: u16 = 3 << 8 | VERSION_ZIP64;
const FILE_MODE: u32 = 0o100_644;
const DESCRIPTOR_LEN: usize = 24;

/// Why the writer refused a call. Nothing was emitted for it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ZipError {
    #[error("no ZIP entry is open: call begin() before data() or end()")]
    NoOpenEntry,
    #[error("ZIP entry {0:?} is still open: call end() first")]
    EntryOpen(String),
    #[error("ZIP entry name {name:?} is not allowed: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("ZIP entry name {0:?} is already in this archive")]
    DuplicateName(String),
    #[error("ZIP entry time {0:?} is not a valid date and time (year, month, day, h, m, s)")]
    InvalidTimestamp(Timestamp),
    #[error("the ZIP archive would exceed 2^64 bytes")]
    TooLarge,
}

/// What the central directory needs to know about a finished (or open) entry.
#[derive(Debug)]
struct Entry {
    name: String,
    dos_date: u16,
    dos_time: u16,
    crc: u32,
    size: u64,
    offset: u64,
}

/// Sans-I/O ZIP producer; see the module docs for the calling contract.
#[derive(Debug, Default)]
pub struct ZipStream {
    /// Bytes emitted so far, i.e. where the next record starts.
    offset: u64,
    entries: Vec<Entry>,
    names: HashSet<String>,
    open: Option<(Entry, crc32fast::Hasher)>,
}

impl ZipStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a stored entry and returns its local header. `name` uses '/' separators
    /// and must be relative, without empty, "." or ".." components (so no extractor can
    /// be led outside its target directory), backslashes or control characters.
    pub fn begin(&mut self, name: &str, modified: Timestamp) -> Result<Vec<u8>, ZipError> {
        if let Some((open, _)) = &self.open {
            return Err(ZipError::EntryOpen(open.name.clone()));
        }
        let name_len = check_name(name)?;
        if self.names.contains(name) {
            return Err(ZipError::DuplicateName(name.to_owned()));
        }
        let (dos_date, dos_time) = dos_datetime(modified)?;
        let mut out = Vec::with_capacity(50 + name.len());
        put32(&mut out, &[LOCAL_HEADER_SIG]);
        put16(&mut out, &[VERSION_ZIP64, FLAGS, 0, dos_time, dos_date]);
        // CRC and sizes are not known yet: 0xFFFFFFFF sizes defer to the ZIP64 field,
        // which in turn tells readers the descriptor has 8-byte sizes.
        put32(&mut out, &[0, u32::MAX, u32::MAX]);
        put16(&mut out, &[name_len, 20]);
        out.extend_from_slice(name.as_bytes());
        put16(&mut out, &[ZIP64_EXTRA_ID, 16]);
        put64(&mut out, &[0, 0]);
        let next = add(self.offset, out.len())?;
        let entry = Entry {
            name: name.to_owned(),
            dos_date,
            dos_time,
            crc: 0,
            size: 0,
            offset: self.offset,
        };
        self.names.insert(entry.name.clone());
        self.open = Some((entry, crc32fast::Hasher::new()));
        self.offset = next;
        Ok(out)
    }

    /// Accounts for the next piece of the open entry. Returns nothing to avoid copying
    /// large chunks: on `Ok` the caller must send `data` itself, unchanged, before
    /// anything this writer returns later; on `Err` it must not send it.
    pub fn data(&mut self, data: &[u8]) -> Result<(), ZipError> {
        let (entry, hasher) = self.open.as_mut().ok_or(ZipError::NoOpenEntry)?;
        let size = add(entry.size, data.len())?;
        let next = add(self.offset, data.len())?;
        hasher.update(data);
        entry.size = size;
        self.offset = next;
        Ok(())
    }

    /// Ends the open entry and returns its data descriptor.
    pub fn end(&mut self) -> Result<Vec<u8>, ZipError> {
        let next = add(self.offset, DESCRIPTOR_LEN)?;
        let (mut entry, hasher) = self.open.take().ok_or(ZipError::NoOpenEntry)?;
        entry.crc = hasher.finalize();
        let mut out = Vec::with_capacity(DESCRIPTOR_LEN);
        put32(&mut out, &[DESCRIPTOR_SIG, entry.crc]);
        put64(&mut out, &[entry.size, entry.size]);
        self.entries.push(entry);
        self.offset = next;
        Ok(out)
    }

    /// Ends the archive: returns the central directory and end records (about
    /// 100 bytes per entry, so this is the one output that grows with the entry count).
    /// With an entry still open this is a caller bug: the error ends the archive unfinished.
    pub fn finish(self) -> Result<Vec<u8>, ZipError> {
        if let Some((open, _)) = self.open {
            return Err(ZipError::EntryOpen(open.name));
        }
        let mut out = Vec::with_capacity(100 * self.entries.len() + 100);
        for entry in &self.entries {
            central_header(&mut out, entry);
        }
        let (cd_start, cd_size) = (self.offset, out.len() as u64);
        let count = self.entries.len() as u64;
        let count16 = u16::try_from(count).ok().filter(|&c| c != u16::MAX);
        let (start32, size32) = (fit32(cd_start), fit32(cd_size));
        if count16.is_none() || start32.is_none() || size32.is_none() {
            let zip64_end = add(cd_start, out.len())?;
            // Record size after this field, versions, this disk, disk of the directory.
            put32(&mut out, &[ZIP64_END_SIG]);
            put64(&mut out, &[44]);
            put16(&mut out, &[VERSION_MADE_BY, VERSION_ZIP64]);
            put32(&mut out, &[0, 0]);
            put64(&mut out, &[count, count, cd_size, cd_start]);
            // Disk of the ZIP64 end record, its offset, total number of disks.
            put32(&mut out, &[ZIP64_LOCATOR_SIG, 0]);
            put64(&mut out, &[zip64_end]);
            put32(&mut out, &[1]);
        }
        let count16 = count16.unwrap_or(u16::MAX);
        put32(&mut out, &[END_SIG]);
        put16(&mut out, &[0, 0, count16, count16]);
        put32(&mut out, &[size32.unwrap_or(u32::MAX)]);
        put32(&mut out, &[start32.unwrap_or(u32::MAX)]);
        put16(&mut out, &[0]); // comment length
        Ok(out)
    }

    /// A whole small entry in one call: local header, `data` and descriptor.
    /// Meant for small pages like the index; it copies `data`.
    pub fn whole(
        &mut self,
        name: &str,
        modified: Timestamp,
        data: &[u8],
    ) -> Result<Vec<u8>, ZipError> {
        let mut out = self.begin(name, modified)?;
        self.data(data)?;
        out.extend_from_slice(data);
        out.extend(self.end()?);
        Ok(out)
    }
}

fn central_header(out: &mut Vec<u8>, entry: &Entry) {
    let (size32, offset32) = (fit32(entry.size), fit32(entry.offset));
    // APPNOTE 4.5.3: only the overflowing fields appear, in this fixed order.
    let mut zip64 = Vec::new();
    if size32.is_none() {
        put64(&mut zip64, &[entry.size, entry.size]); // original, compressed
    }
    if offset32.is_none() {
        put64(&mut zip64, &[entry.offset]);
    }
    let (version, zip64_len) = match zip64.len() as u16 {
        0 => (VERSION_PLAIN, 0),
        len => (VERSION_ZIP64, len),
    };
    let size = size32.unwrap_or(u32::MAX);
    put32(out, &[CENTRAL_HEADER_SIG]);
    put16(out, &[VERSION_MADE_BY, version, FLAGS, 0]);
    put16(out, &[entry.dos_time, entry.dos_date]);
    put32(out, &[entry.crc, size, size]);
    // The name length was checked in begin(); a u16 always fits.
    let name_len = u16::try_from(entry.name.len()).unwrap_or(u16::MAX);
    let extra_len = if zip64_len == 0 { 0 } else { 4 + zip64_len };
    // Comment length, start disk and internal attributes are 0.
    put16(out, &[name_len, extra_len, 0, 0, 0]);
    put32(out, &[FILE_MODE << 16, offset32.unwrap_or(u32::MAX)]);
    out.extend_from_slice(entry.name.as_bytes());
    if zip64_len > 0 {
        put16(out, &[ZIP64_EXTRA_ID, zip64_len]);
        out.extend_from_slice(&zip64);
    }
}

/// Returns the name's length as the header field, or why it is refused.
fn check_name(name: &str) -> Result<u16, ZipError> {
    let components = || name.split('/');
    let drive = matches!(name.as_bytes(), [d, b':', ..] if d.is_ascii_alphabetic());
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.starts_with('/') || drive {
        "it is an absolute path"
    } else if components().any(|c| c == "..") {
        "it contains a \"..\" component"
    } else if components().any(|c| c.is_empty() || c == ".") {
        "it has an empty or \".\" path component"
    } else if name.contains('\\') {
        "it contains a backslash (use '/' as separator)"
    } else if name.chars().any(char::is_control) {
        "it contains a control character"
    } else if let Ok(len) = u16::try_from(name.len()) {
        return Ok(len);
    } else {
        "it is longer than 65535 bytes"
    };
    Err(ZipError::InvalidName {
        name: name.to_owned(),
        reason,
    })
}

/// MS-DOS date and time words; times outside 1980..=2107 clamp to the nearest end.
fn dos_datetime(t: Timestamp) -> Result<(u16, u16), ZipError> {
    let (year, month, day, hour, minute, second) = t;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0, // not a month: no day is valid
    };
    if !(1..=month_days).contains(&day) || hour > 23 || minute > 59 || second > 59 {
        return Err(ZipError::InvalidTimestamp(t));
    }
    let (year, month, day, hour, minute, second) = match year {
        ..1980 => (1980, 1, 1, 0, 0, 0),
        2108.. => (2107, 12, 31, 23, 59, 58),
        _ => (year, month, day, hour, minute, second),
    };
    let date = (year - 1980) << 9 | u16::from(month) << 5 | u16::from(day);
    let time = u16::from(hour) << 11 | u16::from(minute) << 5 | u16::from(second / 2);
    Ok((date, time))
}

/// `Some` if `v` fits a 32-bit field without being its 0xFFFFFFFF "see ZIP64" marker.
fn fit32(v: u64) -> Option<u32> {
    u32::try_from(v).ok().filter(|&v| v != u32::MAX)
}

fn add(a: u64, b: usize) -> Result<u64, ZipError> {
    u64::try_from(b)
        .ok()
        .and_then(|b| a.checked_add(b))
        .ok_or(ZipError::TooLarge)
}

fn put16(out: &mut Vec<u8>, values: &[u16]) {
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
}

fn put32(out: &mut Vec<u8>, values: &[u32]) {
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
}

fn put64(out: &mut Vec<u8>, values: &[u64]) {
    out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
}

#[cfg(test)]
mod tests {
    use super::ZipError::*;
    use super::*;
    use std::io::{Cursor, Read};

    const T: Timestamp = (2024, 2, 29, 13, 45, 59);

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// Feeds `content` in uneven pieces, as decryption would.
    fn streamed(zs: &mut ZipStream, out: &mut Vec<u8>, name: &str, content: &[u8]) {
        out.extend(zs.begin(name, T).unwrap());
        let mut rest = content;
        for step in [1, 7, 4096, 65_537, 3].into_iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at(step.min(rest.len()));
            zs.data(piece).unwrap();
            out.extend_from_slice(piece);
            rest = tail;
        }
        out.extend(zs.end().unwrap());
    }

    fn read_back(bytes: Vec<u8>) -> zip::ZipArchive<Cursor<Vec<u8>>> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        archive.validate_header_consistency().unwrap();
        archive
    }

    #[test]
    fn round_trip_through_zip_crate() {
        let video: Vec<u8> = (0..300_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let entries: [(&str, &[u8]); 5] = [
            ("index.html", b"<h1>Hearing bundle</h1>"),
            (
                "evidence/Zeugenaussage-\u{fc}.txt",
                "Ich habe gesehen, dass\u{2026}".as_bytes(),
            ),
            ("evidence/empty.txt", b""),
            ("evidence/check.txt", b"123456789"),
            ("evidence/video.bin", &video),
        ];
        let mut zs = ZipStream::new();
        let mut out = zs.whole(entries[0].0, T, entries[0].1).unwrap();
        for (name, content) in &entries[1..] {
            streamed(&mut zs, &mut out, name, content);
        }
        out.extend(zs.finish().unwrap());

        let mut archive = read_back(out);
        assert_eq!(archive.len(), entries.len());
        for (i, (name, content)) in entries.iter().enumerate() {
            let mut file = archive.by_index(i).unwrap();
            assert_eq!(file.name().unwrap(), *name);
            assert_eq!(file.compression(), zip::CompressionMethod::Stored);
            assert_eq!(file.size(), content.len() as u64);
            assert_eq!(file.unix_mode(), Some(0o100_644));
            let m = file.last_modified().unwrap();
            assert_eq!((m.year(), m.month(), m.day()), (2024, 2, 29));
            assert_eq!((m.hour(), m.minute(), m.second()), (13, 45, 58));
            let mut read = Vec::new();
            file.read_to_end(&mut read).unwrap(); // the zip crate checks the CRC here
            assert_eq!(&read, content);
        }
        // CRC-32 check value from the standard's test vector.
        assert_eq!(archive.by_index(3).unwrap().crc32(), 0xcbf4_3926);
    }

    #[test]
    fn many_entries_use_zip64_end_records() {
        let mut zs = ZipStream::new();
        let mut out = Vec::new();
        for i in 0..70_000 {
            out.extend(zs.whole(&format!("f/{i}"), T, b"x").unwrap());
        }
        out.extend(zs.finish().unwrap());
        assert!(contains(&out, &ZIP64_END_SIG.to_le_bytes()));
        let mut archive = read_back(out);
        assert_eq!(archive.len(), 70_000);
        assert_eq!(archive.by_index(69_999).unwrap().name().unwrap(), "f/69999");
    }

    #[test]
    fn offsets_past_4_gib_go_to_zip64_extra() {
        let mut zs = ZipStream::new();
        zs.offset = 5 << 30; // as if 5 GiB had been sent already
        zs.whole("late.txt", T, b"late").unwrap();
        let tail = zs.finish().unwrap();
        let mut extra = vec![1, 0, 8, 0]; // ZIP64 field holding only the offset
        put64(&mut extra, &[5 << 30]);
        assert!(contains(&tail, &extra));
        assert_eq!(tail[6..8], VERSION_ZIP64.to_le_bytes()); // version needed
        assert!(contains(&tail, &ZIP64_LOCATOR_SIG.to_le_bytes()));
    }

    #[test]
    fn misuse_is_an_error_and_changes_nothing() {
        let mut zs = ZipStream::new();
        assert_eq!(zs.data(b"x"), Err(NoOpenEntry));
        assert_eq!(zs.end(), Err(NoOpenEntry));
        let odd = ["", "a\nb", "a\\..\\b", "/etc/passwd", "C:/x"];
        for name in odd
            .into_iter()
            .chain("../x a/../../b .. a//b dir/ ./a".split(' '))
        {
            let refused = matches!(zs.begin(name, T), Err(InvalidName { .. }));
            assert!(refused, "{name:?}");
        }
        for bad in [
            (2024, 2, 30, 0, 0, 0),
            (2024, 13, 1, 0, 0, 0),
            (2023, 2, 29, 0, 0, 0),
        ] {
            assert_eq!(zs.begin("a", bad), Err(InvalidTimestamp(bad)));
        }
        let mut out = zs.begin("a..b.txt", (1970, 1, 1, 0, 0, 0)).unwrap();
        assert_eq!(zs.begin("b", T), Err(EntryOpen("a..b.txt".into())));
        assert_eq!(zs.whole("b", T, b""), Err(EntryOpen("a..b.txt".into())));
        out.extend(zs.end().unwrap());
        assert_eq!(
            zs.begin("a..b.txt", T),
            Err(DuplicateName("a..b.txt".into()))
        );
        out.extend(zs.begin("open", T).unwrap());
        let mut unfinished = ZipStream::new();
        unfinished.begin("left open", T).unwrap();
        assert_eq!(unfinished.finish(), Err(EntryOpen("left open".into())));
        out.extend(zs.end().unwrap());
        out.extend(zs.finish().unwrap());
        // The refused calls left no trace: the archive is still valid.
        let mut archive = read_back(out);
        assert_eq!(archive.len(), 2);
        let m = archive.by_index(0).unwrap().last_modified().unwrap();
        assert_eq!((m.year(), m.month(), m.day()), (1980, 1, 1));
    }
}
