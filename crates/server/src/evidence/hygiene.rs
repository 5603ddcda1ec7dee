//! Metadata hygiene for evidence handed to a respondent.
//!
//! A respondent receives copies of the evidence against them, and files carry more than
//! they show: a photo's EXIF can hold the GPS position it was taken at, a document's
//! properties the name of whoever wrote it, an MP3's tags whoever recorded it. Any of these
//! can identify a complainant or a witness who is meant to stay unnamed. So the copy
//! disclosed is a cleaned one, made here, while the original stays sealed and untouched for
//! the panel and the record.
//!
//! Everything here is a pure function of the bytes (no clock, no randomness, no
//! re-encoding), so the same file always gives the same copy and the copy's SHA-256 in the
//! log can be checked again at each download. What renders is copied byte for byte: only
//! metadata containers are left out, or, in PDFs, overwritten in place with the same number
//! of bytes so every xref offset stays valid (info strings become spaces, an XMP stream an
//! empty XMP packet padded with spaces).
//!
//! Not reached, and so reported as nothing removed: in PDFs, anything in a compressed stream
//! (compressed XMP, an info dictionary inside an object stream), info values given as
//! references to string objects, annotation authors (`/T`), and encrypted files' strings;
//! in JPEGs, anything after the first scan begins (such as the secondary images an MPF file
//! appends after EOI, with their own EXIF); bytes after a PNG's IEND, a GIF's trailer or a
//! WebP's RIFF body; Lyrics3 tags in MP3s. Video, WAV and plain text are not cleaned at all.

use std::ops::Range;

/// What stripping did to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleaned {
    /// Nothing to remove (or a type this module does not clean): serve the original.
    Unchanged,
    /// The copy to hand out, and what was taken out (human-readable, such as "EXIF
    /// (including GPS)", "XMP", "PNG text chunks" or "PDF document information: Author"),
    /// deduplicated, in order found.
    Stripped {
        bytes: Vec<u8>,
        removed: Vec<&'static str>,
    },
}

/// A file whose structure could not be followed far enough to be sure its metadata is gone.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HygieneError {
    #[error("the {media_type} file is damaged or not laid out as its type requires: {why}")]
    Malformed {
        media_type: &'static str,
        why: String,
    },
}

const CLEANED: [&str; 6] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "audio/mpeg",
];

/// Whether files of this media type are cleaned by `strip`.
pub fn cleans(media_type: &str) -> bool {
    CLEANED.contains(&media_type)
}

/// The copy of `bytes` (of content-sniffed `media_type`) to give a party: identifying
/// metadata removed, everything that renders kept byte for byte. Deterministic: the same
/// input always gives the same output.
pub fn strip(media_type: &str, bytes: &[u8]) -> Result<Cleaned, HygieneError> {
    let Some(&kind) = CLEANED.iter().find(|t| **t == media_type) else {
        return Ok(Cleaned::Unchanged);
    };
    let mut out = Out::default();
    match kind {
        "image/jpeg" => jpeg(bytes, &mut out),
        "image/png" => png(bytes, &mut out),
        "image/webp" => webp(bytes, &mut out),
        "image/gif" => gif(bytes, &mut out),
        "audio/mpeg" => mpeg(bytes, &mut out),
        _ => pdf(bytes, &mut out),
    }
    .map_err(|why| HygieneError::Malformed {
        media_type: kind,
        why,
    })?;
    // A copy identical to the original must not be recorded as a different file.
    Ok(if out.removed.is_empty() {
        Cleaned::Unchanged
    } else {
        Cleaned::Stripped {
            bytes: out.bytes,
            removed: out.removed,
        }
    })
}

type Step = Result<(), String>;

#[derive(Default)]
struct Out {
    bytes: Vec<u8>,
    removed: Vec<&'static str>,
}

impl Out {
    fn keep(&mut self, part: &[u8]) {
        self.bytes.extend_from_slice(part);
    }

    fn took(&mut self, what: &'static str) {
        if !self.removed.contains(&what) {
            self.removed.push(what);
        }
    }
}

fn at(b: &[u8], from: usize, len: usize) -> Option<&[u8]> {
    b.get(from..from.checked_add(len)?)
}

fn arr<const N: usize>(b: &[u8], from: usize) -> Option<[u8; N]> {
    at(b, from, N)?.try_into().ok()
}

fn rest(b: &[u8], from: usize) -> &[u8] {
    b.get(from..).unwrap_or_default()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Names EXIF by whether it points at a GPS IFD, so the record says a location went.
fn exif(data: &[u8]) -> &'static str {
    let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(data);
    if exif_has_gps(tiff).unwrap_or(false) {
        "EXIF (including GPS)"
    } else {
        "EXIF"
    }
}

fn exif_has_gps(t: &[u8]) -> Option<bool> {
    let big = match at(t, 0, 2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let num = |p: usize, n: usize| {
        let digits = at(t, p, n)?.iter();
        let fold = |v: usize, &c: &u8| v << 8 | usize::from(c);
        Some(if big {
            digits.fold(0, fold)
        } else {
            digits.rev().fold(0, fold)
        })
    };
    let ifd = num(4, 4)?;
    let gps = |i: usize| num(ifd.checked_add(2 + 12 * i)?, 2).map(|tag| tag == 0x8825);
    (0..num(ifd, 2)?)
        .map(gps)
        .try_fold(false, |any, gps| Some(any || gps?))
}

enum Segment {
    Keep,
    Drop(&'static str),
    Replace(Vec<u8>, &'static str),
}

fn jpeg(b: &[u8], out: &mut Out) -> Step {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err("it does not begin with a JPEG start-of-image marker".into());
    }
    out.keep(&[0xFF, 0xD8]);
    let mut p = 2;
    loop {
        // Decoders skip stray bytes and 0xFF fill before a marker; they go (or stay) with it.
        let start = p;
        while b.get(p).is_some_and(|&c| c != 0xFF) {
            p += 1;
        }
        while b.get(p) == Some(&0xFF) {
            p += 1;
        }
        let Some(&marker) = b.get(p) else {
            return Err("it ends before the image data begins".into());
        };
        p += 1;
        match marker {
            0xDA | 0xD9 => {
                out.keep(rest(b, start));
                return Ok(());
            }
            0x01 | 0xD0..=0xD7 => {
                out.keep(b.get(start..p).unwrap_or_default());
                continue;
            }
            0x00 | 0xD8 => return Err(format!("byte {} holds a marker out of place", p - 1)),
            _ => {}
        }
        let len = arr(b, p)
            .map(u16::from_be_bytes)
            .ok_or("a segment is cut off")?;
        let end = p + usize::from(len);
        let (Some(segment), Some(body)) = (b.get(start..end), b.get(p + 2..end)) else {
            return Err(format!("the segment at byte {start} is cut off"));
        };
        p = end;
        match jpeg_segment(marker, body) {
            Segment::Keep => out.keep(segment),
            Segment::Drop(what) => out.took(what),
            Segment::Replace(new, what) => {
                out.keep(&new);
                out.took(what);
            }
        }
    }
}

fn jpeg_segment(marker: u8, body: &[u8]) -> Segment {
    const OTHER: &str = "other embedded application data";
    match marker {
        // The JFIF header affects decoding; an embedded thumbnail can show what was cropped.
        0xE0 if body.starts_with(b"JFIF\0") => match (body.get(..12), body.get(12..14)) {
            (Some(head), Some(thumbnail)) if thumbnail != [0, 0] => {
                let new = [&[0xFF, 0xE0, 0, 16], head, &[0, 0]].concat();
                Segment::Replace(new, "JFIF thumbnail")
            }
            _ => Segment::Keep,
        },
        0xE0 if body.starts_with(b"JFXX\0") => Segment::Drop("JFIF thumbnail"),
        0xE1 if body.starts_with(b"Exif\0") => Segment::Drop(exif(body)),
        0xE1 if body.starts_with(b"http://ns.adobe.com/") => Segment::Drop("XMP"),
        // Colour profile and Adobe colour transform change how the pixels look.
        0xE2 if body.starts_with(b"ICC_PROFILE\0") => Segment::Keep,
        0xEE if body.starts_with(b"Adobe") => Segment::Keep,
        0xEC => Segment::Drop("camera Picture Info (APP12)"),
        0xED => Segment::Drop("Photoshop/IPTC"),
        0xE0..=0xEF => Segment::Drop(OTHER),
        0xFE => Segment::Drop("JPEG comment"),
        _ => Segment::Keep,
    }
}

fn png(b: &[u8], out: &mut Out) -> Step {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !b.starts_with(SIGNATURE) {
        return Err("it does not begin with the PNG signature".into());
    }
    out.keep(SIGNATURE);
    let mut p = SIGNATURE.len();
    while p < b.len() {
        let (Some(len), Some(kind)) = (arr(b, p).map(u32::from_be_bytes), at(b, p + 4, 4)) else {
            return Err(format!("the chunk header at byte {p} is cut off"));
        };
        let name = String::from_utf8_lossy(kind);
        if len > 0x7FFF_FFFF {
            return Err(format!(
                "the {name} chunk claims {len} bytes, beyond PNG's limit"
            ));
        }
        let len = len as usize;
        let (Some(data), Some(chunk)) = (at(b, p + 8, len), at(b, p, len + 12)) else {
            return Err(format!("the {name} chunk is cut off"));
        };
        p += chunk.len();
        match kind {
            b"tEXt" | b"zTXt" => out.took("PNG text chunks"),
            b"iTXt" if data.starts_with(b"XML:com.adobe.xmp\0") => out.took("XMP"),
            b"iTXt" => out.took("PNG text chunks"),
            b"eXIf" => out.took(exif(data)),
            b"tIME" => out.took("PNG modification time"),
            _ => out.keep(chunk),
        }
        if kind == b"IEND" {
            out.keep(rest(b, p));
            break;
        }
    }
    Ok(())
}

fn webp(b: &[u8], out: &mut Out) -> Step {
    let size = arr(b, 4).map(|s| u32::from_le_bytes(s) as usize);
    let riff = b.starts_with(b"RIFF") && at(b, 8, 4) == Some(&b"WEBP"[..]);
    let Some(size) = size.filter(|&s| riff && s >= 4) else {
        return Err("it does not begin with a RIFF WEBP header".into());
    };
    let Some(end) = size.checked_add(8).filter(|&end| end <= b.len()) else {
        return Err(format!("its header claims {size} bytes, more than follow"));
    };
    out.keep(b.get(..12).unwrap_or_default());
    let (mut p, mut vp8x) = (12, None);
    while p < end {
        let (Some(fourcc), Some(len)) = (at(b, p, 4), arr(b, p + 4).map(u32::from_le_bytes)) else {
            return Err(format!("the chunk header at byte {p} is cut off"));
        };
        let name = String::from_utf8_lossy(fourcc);
        let Some(data) = at(b, p + 8, len as usize).filter(|d| p + 8 + d.len() <= end) else {
            return Err(format!("the {name} chunk runs past the end of the file"));
        };
        // Chunks are padded to even length; writers often omit the final pad, and readers cope.
        let next = (p + 8 + data.len() + data.len() % 2).min(end);
        match fourcc {
            b"EXIF" => out.took(exif(data)),
            b"XMP " => out.took("XMP"),
            _ => {
                if fourcc == b"VP8X" && !data.is_empty() {
                    vp8x = Some(out.bytes.len() + 8);
                }
                out.keep(b.get(p..next).unwrap_or_default());
            }
        }
        p = next;
    }
    // A reader told by the flags to expect EXIF or XMP may reject a file without them.
    if let Some(flags) = vp8x.and_then(|i| out.bytes.get_mut(i)) {
        *flags &= !0x0C;
    }
    let riff = u32::try_from(out.bytes.len() - 8).map_err(|_| "it is too large for RIFF")?;
    if let Some(field) = out.bytes.get_mut(4..8) {
        field.copy_from_slice(&riff.to_le_bytes());
    }
    out.keep(rest(b, end));
    Ok(())
}

fn gif(b: &[u8], out: &mut Out) -> Step {
    if !(b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a")) {
        return Err("it does not begin with a GIF header".into());
    }
    let packed = *b.get(10).ok_or("its screen descriptor is cut off")?;
    let mut p = 13 + colour_table(packed);
    out.keep(b.get(..p).ok_or("its colour table is cut off")?);
    loop {
        let start = p;
        match b.get(p) {
            // Many writers leave out the trailer; decoders stop at the end all the same.
            None => return Ok(()),
            Some(0x3B) => {
                out.keep(rest(b, p));
                return Ok(());
            }
            Some(0x2C) => {
                let packed = *b.get(p + 9).ok_or("an image descriptor is cut off")?;
                // Ten descriptor bytes, the local colour table, one LZW code size byte.
                p = sub_blocks(b, p + 11 + colour_table(packed))?;
                out.keep(b.get(start..p).unwrap_or_default());
            }
            Some(0x21) => {
                let label = b.get(p + 1).copied();
                p = sub_blocks(b, p + 2)?;
                match (label, at(b, start + 2, 12)) {
                    (Some(0xFE), _) => out.took("GIF comments"),
                    // Looping and colour profile change what is shown.
                    (
                        Some(0xFF),
                        Some(b"\x0bNETSCAPE2.0" | b"\x0bANIMEXTS1.0" | b"\x0bICCRGBG1012"),
                    ) => {
                        out.keep(b.get(start..p).unwrap_or_default());
                    }
                    (Some(0xFF), Some(b"\x0bXMP DataXMP")) => out.took("XMP"),
                    (Some(0xFF), _) => out.took("GIF application data"),
                    _ => out.keep(b.get(start..p).unwrap_or_default()),
                }
            }
            Some(other) => return Err(format!("byte {p} ({other:#04x}) starts no GIF block")),
        }
    }
}

fn colour_table(packed: u8) -> usize {
    (usize::from(packed >> 7) * 3) << ((packed & 7) + 1)
}

/// Where a chain of GIF data sub-blocks starting at `p` ends.
fn sub_blocks(b: &[u8], mut p: usize) -> Result<usize, String> {
    loop {
        let n = usize::from(*b.get(p).ok_or("a block of data is cut off")?);
        p += 1 + n;
        if n == 0 {
            return Ok(p);
        }
    }
}

fn synchsafe(s: &[u8]) -> Option<usize> {
    let digit = |size: usize, &c: &u8| (c < 0x80).then_some(size << 7 | usize::from(c));
    s.iter().try_fold(0, digit)
}

fn mpeg(b: &[u8], out: &mut Out) -> Step {
    let mut start = 0;
    while rest(b, start).starts_with(b"ID3") {
        let header = at(b, start, 10).ok_or("its ID3 tag header is cut off")?;
        let size = synchsafe(rest(header, 6)).ok_or("its ID3 tag size is not valid")?;
        let footer = header.get(5).map_or(0, |f| usize::from(f & 0x10 != 0) * 10);
        start = Some(start + 10 + size + footer)
            .filter(|&e| e <= b.len())
            .ok_or("its ID3 tag runs past the end of the file")?;
        out.took("ID3v2 tag");
    }
    let mut end = b.len();
    loop {
        let tail = b.get(start..end).unwrap_or_default();
        let n = tail.len();
        let cut = if n >= 128 && rest(tail, n - 128).starts_with(b"TAG") {
            out.took("ID3v1 tag");
            128
        } else if n >= 32 && rest(tail, n - 32).starts_with(b"APETAGEX") {
            let field = |at| arr(tail, at).map_or(0, |f| u32::from_le_bytes(f) as usize);
            if field(n - 20) < 32 {
                return Err("its APE tag is too short to be valid".into());
            }
            out.took("APE tag");
            field(n - 20).saturating_add((field(n - 12) >> 31) * 32)
        } else if n >= 10 && rest(tail, n - 10).starts_with(b"3DI") {
            out.took("ID3v2 tag");
            synchsafe(rest(tail, n - 4)).ok_or("its closing ID3 tag size is not valid")? + 20
        } else {
            break;
        };
        end = end
            .checked_sub(cut)
            .filter(|&e| e >= start)
            .ok_or("a tag at its end claims more bytes than the file holds")?;
    }
    out.keep(b.get(start..end).unwrap_or_default());
    Ok(())
}

/// Info dictionary keys whose values name people, organisations, software or the matter.
const INFO_KEYS: [(&[u8], &str); 8] = [
    (b"Author", "PDF document information: Author"),
    (b"Creator", "PDF document information: Creator"),
    (b"Producer", "PDF document information: Producer"),
    (b"Title", TITLE),
    (b"Subject", "PDF document information: Subject"),
    (b"Keywords", "PDF document information: Keywords"),
    (b"Company", "PDF document information: Company"),
    (
        b"SourceModified",
        "PDF document information: SourceModified",
    ),
];

/// `/Title` is also the key of a bookmark's shown title, so only the info object's goes.
const TITLE: &str = "PDF document information: Title";

/// What a blanked XMP stream holds: a valid packet with nothing in it, padded with spaces
/// to the old length, so XMP readers find no metadata rather than broken XML.
fn empty_xmp(len: usize) -> Vec<u8> {
    let head = br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>"#;
    let tail = br#"</x:xmpmeta><?xpacket end="w"?>"#;
    match len.checked_sub(head.len() + tail.len()) {
        Some(padding) => [&head[..], &vec![b' '; padding], tail].concat(),
        None => vec![b' '; len],
    }
}

/// Bytes to write over a string value or stream once the whole file has shown which
/// objects are named as `/Info` or `/Metadata`: where, with what, what it was, the object it
/// sits in, and the key that must name that object for it to go (if any must).
struct Blank(
    usize,
    Vec<u8>,
    &'static str,
    Option<(u64, u64)>,
    Option<&'static [u8]>,
);

#[derive(Clone, Copy)]
enum Token<'a> {
    Int(u64),
    Name(&'a [u8]),
    Word(&'a [u8]),
    /// The bytes between the delimiters of a literal (`false`) or hex (`true`) string.
    Str(usize, usize, bool),
    Other,
}

fn pdf_space(c: u8) -> bool {
    matches!(c, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn word_end(b: &[u8], mut p: usize) -> usize {
    let regular = |&c: &u8| !pdf_space(c) && !b"()<>[]{}/%".contains(&c);
    while b.get(p).is_some_and(regular) {
        p += 1;
    }
    p
}

fn literal_end(b: &[u8], open: usize) -> Option<usize> {
    let (mut depth, mut p) = (0usize, open);
    while let Some(&c) = b.get(p) {
        match c {
            b'\\' => p += 1,
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(p + 1);
                }
            }
            _ => {}
        }
        p += 1;
    }
    None
}

/// A stream's data, given the offset just after its `stream` keyword, and where to resume.
fn stream_data(b: &[u8], p: usize) -> (Range<usize>, usize) {
    let after = rest(b, p);
    let eol = [&b"\r\n"[..], b"\n", b"\r"];
    let from = p + eol
        .iter()
        .find(|e| after.starts_with(e))
        .map_or(0, |e| e.len());
    let Some(kw) = find(rest(b, from), b"endstream").map(|i| from + i) else {
        return (from..b.len(), b.len());
    };
    let data = b.get(from..kw).unwrap_or_default();
    let data = eol
        .iter()
        .find_map(|e| data.strip_suffix(*e))
        .unwrap_or(data);
    (from..from + data.len(), kw + 9)
}

/// Walks the file's tokens outside streams, so text on a page is never mistaken for a key,
/// and blanks metadata values in place: same length, so every xref offset still holds.
fn pdf(b: &[u8], out: &mut Out) -> Step {
    if !b.starts_with(b"%PDF-") {
        return Err("it does not begin with %PDF-".into());
    }
    let (mut blanks, mut named) = (Vec::new(), Vec::new());
    let mut last = [Token::Other; 3];
    let (mut p, mut depth, mut metadata, mut object, mut key) = (0, 0usize, false, None, None);
    while let Some(&c) = b.get(p) {
        let token = match c {
            _ if pdf_space(c) => {
                p += 1;
                continue;
            }
            b'%' => {
                while b.get(p).is_some_and(|c| !matches!(c, b'\r' | b'\n')) {
                    p += 1;
                }
                continue;
            }
            b'(' => {
                let open = p;
                p = literal_end(b, p)
                    .ok_or_else(|| format!("the string at byte {p} is never closed"))?;
                Token::Str(open + 1, p - 1, false)
            }
            b'<' if b.get(p + 1) == Some(&b'<') => {
                p += 2;
                depth += 1;
                metadata &= depth > 1;
                Token::Other
            }
            b'<' => {
                let open = p;
                p += 1 + find(rest(b, p), b">")
                    .ok_or_else(|| format!("the hex string at byte {p} is never closed"))?;
                Token::Str(open + 1, p - 1, true)
            }
            b'>' if b.get(p + 1) == Some(&b'>') => {
                p += 2;
                depth = depth.saturating_sub(1);
                Token::Other
            }
            b')' | b'>' | b'[' | b']' | b'{' | b'}' => {
                p += 1;
                Token::Other
            }
            b'/' => {
                let end = word_end(b, p + 1);
                let name = b.get(p + 1..end).unwrap_or_default();
                p = end;
                Token::Name(name)
            }
            _ => {
                let end = word_end(b, p);
                let word = b.get(p..end).unwrap_or_default();
                p = end;
                let int = std::str::from_utf8(word).ok().and_then(|s| s.parse().ok());
                int.map_or(Token::Word(word), Token::Int)
            }
        };
        match token {
            Token::Str(from, to, hex) => {
                let value = b.get(from..to).unwrap_or_default();
                // An already blank value is not reported, so a cleaned copy stays clean.
                let blank = |&c: &u8| if hex { pdf_space(c) } else { c == b' ' };
                if let Some((_, what)) = key.and_then(|k: usize| INFO_KEYS.get(k))
                    && !value.iter().all(blank)
                {
                    let needs = (*what == TITLE).then_some(&b"Info"[..]);
                    blanks.push(Blank(from, vec![b' '; value.len()], what, object, needs));
                }
            }
            Token::Name(b"Metadata") if depth == 1 && matches!(last[2], Token::Name(b"Type")) => {
                metadata = true;
            }
            Token::Word(b"obj") => {
                if let [_, Token::Int(n), Token::Int(g)] = last {
                    object = Some((n, g));
                }
            }
            Token::Word(b"endobj") => object = None,
            Token::Word(b"R") => {
                if let [
                    Token::Name(key @ (b"Info" | b"Metadata")),
                    Token::Int(n),
                    Token::Int(g),
                ] = last
                {
                    named.push((key, (n, g)));
                }
            }
            Token::Word(b"stream") => {
                let (data, resume) = stream_data(b, p);
                let xml = b.get(data.clone()).unwrap_or_default();
                // Compressed XMP holds none of these words in the clear, so it is left alone;
                // they open a packet, so fonts and images need not be searched to the end.
                let marks = [&b"xmpmeta"[..], b"xapmeta", b"<?xpacket", b"rdf:RDF"];
                let opening = xml.get(..4096).unwrap_or(xml);
                if marks.iter().any(|m| find(opening, m).is_some()) && xml != empty_xmp(xml.len()) {
                    // Some writers leave out `/Type /Metadata`; then the reference must say.
                    let needs = (!metadata).then_some(&b"Metadata"[..]);
                    let fill = empty_xmp(xml.len());
                    blanks.push(Blank(data.start, fill, "XMP", object, needs));
                }
                p = resume;
                metadata = false;
            }
            _ => {}
        }
        key = match token {
            Token::Name(n) => INFO_KEYS.iter().position(|(k, ..)| *k == n),
            _ => None,
        };
        last = [last[1], last[2], token];
    }
    out.bytes = b.to_vec();
    for Blank(at, fill, what, object, needs) in blanks {
        let is_named = |key| object.is_some_and(|o| named.contains(&(key, o)));
        if needs.is_none_or(is_named)
            && let Some(value) = out.bytes.get_mut(at..at + fill.len())
        {
            value.copy_from_slice(&fill);
            out.took(what);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file built part by part, with the copy expected: the parts that should stay.
    #[derive(Default)]
    struct Sample {
        input: Vec<u8>,
        kept: Vec<u8>,
    }

    impl Sample {
        fn kept(mut self, part: impl AsRef<[u8]>) -> Self {
            self.kept.extend_from_slice(part.as_ref());
            self.gone(part)
        }

        fn gone(mut self, part: impl AsRef<[u8]>) -> Self {
            self.input.extend_from_slice(part.as_ref());
            self
        }
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &x in data {
            c ^= u32::from(x);
            for _ in 0..8 {
                c = (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg());
            }
        }
        !c
    }

    fn has(hay: &[u8], needle: &[u8]) -> bool {
        find(hay, needle).is_some()
    }

    /// Strips, checks that stripping the copy again finds nothing, and gives the copy.
    fn stripped(media_type: &str, input: &[u8]) -> (Vec<u8>, Vec<&'static str>) {
        match strip(media_type, input) {
            Ok(Cleaned::Stripped { bytes, removed }) => {
                assert_eq!(strip(media_type, &bytes), Ok(Cleaned::Unchanged));
                (bytes, removed)
            }
            other => panic!("expected a stripped {media_type}, got {other:?}"),
        }
    }

    /// A little-endian TIFF whose first IFD points at a GPS IFD, as phones write it.
    fn tiff() -> Vec<u8> {
        let ifd0 = [1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0];
        let gps = [1, 0, 1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0, 0, 0, 0, 0];
        [&b"II*\0\x08\0\0\0"[..], &ifd0, &gps, b"GPS 51.5074N"].concat()
    }

    const XMP: &[u8] = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>Jane Doe</x:xmpmeta>";

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len() + 2).unwrap().to_be_bytes();
        [&[0xFF, marker][..], &len, body].concat()
    }

    fn jpeg() -> Sample {
        Sample::default()
            .kept([0xFF, 0xD8])
            .kept(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"))
            .gone(segment(0xE1, &[&b"Exif\0\0"[..], &tiff()].concat()))
            .gone(segment(
                0xE1,
                &[&b"http://ns.adobe.com/xap/1.0/\0"[..], XMP].concat(),
            ))
            .kept(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"))
            .gone(segment(0xFE, b"Photo by Jane Doe"))
            .kept([&[0xFF][..], &segment(0xDB, &[0; 65])].concat()) // after a fill byte
            .kept(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]))
            .kept(segment(0xC4, &[0; 20]))
            .kept(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]))
            .kept([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9])
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).unwrap().to_be_bytes();
        let crc = crc32(&[kind, data].concat()).to_be_bytes();
        [&len[..], kind, data, &crc].concat()
    }

    fn png() -> Sample {
        Sample::default()
            .kept(b"\x89PNG\r\n\x1a\n")
            .kept(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]))
            .gone(chunk(b"tEXt", b"Author\0Jane Doe"))
            .gone(chunk(b"eXIf", &tiff()))
            .gone(chunk(b"tIME", &[7, 232, 1, 1, 0, 0, 0]))
            .kept(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0, 0, 0, 2, 0, 1]))
            .kept(chunk(b"IEND", &[]))
    }

    fn riff_chunk(fourcc: &[u8], data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).unwrap().to_le_bytes();
        [fourcc, &len, data, &vec![0; data.len() % 2]].concat()
    }

    fn webp(chunks: &[Vec<u8>]) -> Vec<u8> {
        let size = u32::try_from(chunks.concat().len() + 4)
            .unwrap()
            .to_le_bytes();
        [&b"RIFF"[..], &size, b"WEBP", &chunks.concat()].concat()
    }

    fn vp8x(flags: u8) -> Vec<u8> {
        riff_chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    fn gif() -> Sample {
        // XMP's "magic trailer" lets a reader that knows nothing of XMP skip it as sub-blocks.
        let magic: Vec<u8> = [1].into_iter().chain((0..=255).rev()).chain([0]).collect();
        Sample::default()
            .kept(b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff")
            .kept(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0")
            .gone(b"\x21\xfe\x08Jane Doe\0")
            .gone([&b"\x21\xff\x0bXMP DataXMP"[..], XMP, &magic].concat())
            .kept(b"\x21\xf9\x04\0\0\0\0\0")
            .kept(b"\x2c\0\0\0\0\x01\0\x01\0\0\x02\x02\x4c\x01\0\x3b")
    }

    fn mp3() -> Sample {
        let item = [&4u32.to_le_bytes()[..], &[0; 4], b"Artist\0Jane"].concat();
        let size = u32::try_from(item.len() + 32).unwrap().to_le_bytes();
        let ape_footer = [&b"APETAGEX\xe8\x03\0\0"[..], &size, &[1, 0, 0, 0], &[0; 12]];
        let mut id3v1 = b"TAGRecording of the meeting\0\0\0\0\0\0Jane Doe".to_vec();
        id3v1.resize(128, 0);
        Sample::default()
            .gone(b"ID3\x03\0\0\0\0\0\x13TPE1\0\0\0\x09\0\0\0Jane Doe")
            .kept([&[0xFF, 0xFB, 0x90, 0][..], &[0x55; 60]].concat().repeat(2))
            .gone([&item[..], &ape_footer.concat()].concat())
            .gone(id3v1)
    }

    const AUTHOR: &str = r"Jane \(J\) Doe";

    /// A PDF with an info dictionary, an XMP stream, a page whose content says /Author, a
    /// bookmark title and an xref table; and the offsets of its objects.
    fn pdf() -> (Vec<u8>, Vec<usize>) {
        // Padded, as writers pad XMP packets to allow editing in place.
        let (xmp, padding) = (String::from_utf8_lossy(XMP), " ".repeat(200));
        let xmp = format!("<?xpacket?>{xmp}{padding}<?xpacket end='w'?>");
        let page = "BT (a stream of text) Tj ET /Span << /Author (Kept) >> BDC EMC";
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R /Metadata 4 0 R /Outlines 6 0 R >>".into(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R >>".into(),
            format!(
                "<< /Type /Metadata /Length {} >>\nstream\n{xmp}\nendstream",
                xmp.len()
            ),
            format!(
                "<< /Length {} >>\nstream\r\n{page}\r\nendstream",
                page.len()
            ),
            "<< /Title (Chapter (one)) /Parent 1 0 R >>".into(),
            format!(
                "<< /Author ({AUTHOR}) /Producer <FEFF004A> /Title (Complaint) /CreationDate (D:2024) >>"
            ),
        ];
        let mut pdf = "%PDF-1.7\n%\u{e2}\u{e3}\n".to_string();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(pdf.len());
            pdf += &format!("{} 0 obj\n{body}\nendobj\n", i + 1);
        }
        let xref = pdf.len();
        pdf += "xref\n0 8\n0000000000 65535 f \n";
        for offset in &offsets {
            pdf += &format!("{offset:010} 00000 n \n");
        }
        pdf +=
            &format!("trailer\n<< /Size 8 /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        (pdf.into_bytes(), offsets)
    }

    #[test]
    fn jpeg_loses_exif_xmp_and_comments_but_keeps_colour_and_image_data() {
        let sample = jpeg();
        let (out, removed) = stripped("image/jpeg", &sample.input);
        assert_eq!(out, sample.kept);
        assert_eq!(removed, ["EXIF (including GPS)", "XMP", "JPEG comment"]);
        assert!(!has(&out, b"51.5074N") && !has(&out, b"Jane"));
        let sos = find(&sample.input, &[0xFF, 0xDA]).unwrap();
        assert!(out.ends_with(&sample.input[sos..]));
        // A JFIF thumbnail could show what a crop took away.
        let thumb = segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\x01\x01\xAA\xBB\xCC");
        let (out, removed) = stripped(
            "image/jpeg",
            &[&[0xFF, 0xD8], &thumb[..], &out[20..]].concat(),
        );
        assert_eq!((out, removed), (sample.kept, vec!["JFIF thumbnail"]));
    }

    #[test]
    fn png_loses_text_exif_and_time_and_keeps_every_other_chunk_as_it_was() {
        let sample = png();
        let (out, removed) = stripped("image/png", &sample.input);
        assert_eq!(out, sample.kept);
        let expected = [
            "PNG text chunks",
            "EXIF (including GPS)",
            "PNG modification time",
        ];
        assert_eq!(removed, expected);
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_header_says_so() {
        let kept = [
            riff_chunk(b"ICCP", b"profile"),
            riff_chunk(b"VP8 ", &[1, 2, 3, 4, 5]),
        ];
        let metadata = [riff_chunk(b"EXIF", &tiff()), riff_chunk(b"XMP ", XMP)];
        let (out, removed) = stripped(
            "image/webp",
            &webp(&[&[vp8x(0x2C)][..], &kept, &metadata].concat()),
        );
        assert_eq!(out, webp(&[&[vp8x(0x20)][..], &kept].concat()));
        assert_eq!(removed, ["EXIF (including GPS)", "XMP"]);
    }

    #[test]
    fn gif_loses_comments_and_xmp_but_keeps_looping() {
        let sample = gif();
        let (out, removed) = stripped("image/gif", &sample.input);
        assert_eq!((out, removed), (sample.kept, vec!["GIF comments", "XMP"]));
    }

    #[test]
    fn mp3_loses_its_tags_at_both_ends() {
        let sample = mp3();
        let (out, removed) = stripped("audio/mpeg", &sample.input);
        assert!(out.starts_with(&[0xFF, 0xFB]));
        assert_eq!(
            (out, removed),
            (sample.kept, vec!["ID3v2 tag", "ID3v1 tag", "APE tag"])
        );
    }

    #[test]
    fn pdf_values_are_blanked_in_place_and_offsets_still_hold() {
        let (input, offsets) = pdf();
        let (out, removed) = stripped("application/pdf", &input);
        assert_eq!(out.len(), input.len());
        let xmp = offsets[3]..offsets[4];
        let same = |(at, (i, o)): (usize, (&u8, &u8))| i == o || *o == b' ' || xmp.contains(&at);
        assert!(input.iter().zip(&out).enumerate().all(same));
        assert!(has(&out[xmp], b"<rdf:RDF xmlns:rdf="));
        let info =
            ["Author", "Producer", "Title"].map(|k| format!("PDF document information: {k}"));
        assert_eq!(removed, [&["XMP".to_string()][..], &info].concat());
        for gone in [&b"Jane"[..], b"FEFF004A", b"(Complaint)"] {
            assert!(!has(&out, gone), "{}", String::from_utf8_lossy(gone));
        }
        let author = format!("/Author ({})", " ".repeat(AUTHOR.len()));
        assert!(has(&out, author.as_bytes()) && has(&out, b"/Producer <        >"));
        // Text on a page, a bookmark's title and the dates are not the info dictionary's.
        for kept in [
            &b"/Author (Kept)"[..],
            b"/Title (Chapter (one))",
            b"(D:2024)",
        ] {
            assert!(has(&out, kept), "{}", String::from_utf8_lossy(kept));
        }
        for (i, offset) in offsets.iter().enumerate() {
            assert!(out[*offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
        }
        // XMP without `/Type /Metadata` goes when something names it as its metadata; an
        // attachment that happens to be XMP stays.
        let untyped = b"%PDF-1.4\n1 0 obj << /Metadata 2 0 R >> endobj\n2 0 obj << >> stream\n\
            <x:xmpmeta>J</x:xmpmeta>\nendstream endobj 3 0 obj << >> stream\n<x:xmpmeta>K</x:xmpmeta>";
        let (out, removed) = stripped("application/pdf", untyped);
        assert!(!has(&out, b">J<") && has(&out, b">K<") && removed == ["XMP"]);
    }

    #[test]
    fn files_with_nothing_to_remove_are_unchanged() {
        let samples = [
            ("image/jpeg", jpeg()),
            ("image/png", png()),
            ("image/gif", gif()),
            ("audio/mpeg", mp3()),
        ];
        for (media_type, sample) in samples {
            assert_eq!(strip(media_type, &sample.kept), Ok(Cleaned::Unchanged));
        }
        let clean_webp = webp(&[vp8x(0x08), riff_chunk(b"VP8 ", &[1, 2, 3])]);
        assert_eq!(strip("image/webp", &clean_webp), Ok(Cleaned::Unchanged));
        let pdf = b"%PDF-1.4\n1 0 obj << /Title (Not the info object) >> endobj\n%%EOF";
        assert_eq!(strip("application/pdf", pdf), Ok(Cleaned::Unchanged));
        for media_type in [
            "video/mp4",
            "video/quicktime",
            "video/webm",
            "audio/wav",
            "text/plain",
        ] {
            assert!(!cleans(media_type));
            assert_eq!(
                strip(media_type, b"Author: Jane Doe"),
                Ok(Cleaned::Unchanged)
            );
        }
        assert!(CLEANED.iter().all(|t| cleans(t)));
    }

    #[test]
    fn damaged_files_are_refused_in_words() {
        let error = strip("image/png", &png().input[..45]).unwrap_err();
        assert!(matches!(
            error,
            HygieneError::Malformed {
                media_type: "image/png",
                ..
            }
        ));
        assert!(
            error.to_string().ends_with("the tEXt chunk is cut off"),
            "{error}"
        );
        assert!(strip("audio/mpeg", b"ID3\x04\0\0\0\0\x7f\x7f\xff\xfb").is_err());
        assert!(strip("application/pdf", b"%PDF-1.4\n/Author (never closed").is_err());
    }

    /// Every prefix of each sample, and many copies with a few bytes changed: no panic, and
    /// whatever would be handed out comes back unchanged when stripped again.
    #[test]
    fn cut_and_garbled_files_never_panic() {
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut random = move |below: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            usize::try_from(seed >> 33).unwrap() % below
        };
        let webp = webp(&[
            vp8x(0x2C),
            riff_chunk(b"VP8 ", &[1, 2, 3]),
            riff_chunk(b"EXIF", &tiff()),
        ]);
        let samples = [
            ("image/jpeg", jpeg().input),
            ("image/png", png().input),
            ("image/gif", gif().input),
            ("audio/mpeg", mp3().input),
            ("image/webp", webp),
            ("application/pdf", pdf().0),
        ];
        for (media_type, sample) in samples {
            let check = |input: &[u8]| {
                if let Ok(Cleaned::Stripped { bytes, .. }) = strip(media_type, input) {
                    assert_eq!(
                        strip(media_type, &bytes),
                        Ok(Cleaned::Unchanged),
                        "{media_type}"
                    );
                }
            };
            (0..=sample.len()).for_each(|n| check(&sample[..n]));
            for _ in 0..2000 {
                let mut garbled = sample.clone();
                for _ in 0..=random(4) {
                    let at = random(garbled.len());
                    garbled[at] = u8::try_from(random(256)).unwrap();
                }
                check(&garbled);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_after_a_valid_start_never_panic(
            kind in 0usize..6,
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        ) {
            let (media_type, head): (&str, &[u8]) = [
                ("image/jpeg", &b"\xff\xd8\xff"[..]),
                ("image/png", b"\x89PNG\r\n\x1a\n"),
                ("image/gif", b"GIF89a"),
                ("image/webp", b"RIFF\x20\0\0\0WEBP"),
                ("audio/mpeg", b"ID3"),
                ("application/pdf", b"%PDF-1.7\n"),
            ][kind];
            let input = [head, &tail].concat();
            if let Ok(Cleaned::Stripped { bytes, .. }) = strip(media_type, &input) {
                proptest::prop_assert_eq!(strip(media_type, &bytes), Ok(Cleaned::Unchanged));
            }
        }
    }
}
