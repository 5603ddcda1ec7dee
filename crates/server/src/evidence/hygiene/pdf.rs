//! PDF: the info dictionary's values and uncompressed XMP streams, blanked in place.

use std::ops::Range;

use super::{Out, Step, find, rest};

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
pub(super) fn clean(b: &[u8], out: &mut Out) -> Step {
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
pub(super) mod tests {
    use super::super::testutil::{XMP, has, stripped};

    const AUTHOR: &str = r"Jane \(J\) Doe";

    /// A PDF with an info dictionary, an XMP stream, a page whose content says /Author, a
    /// bookmark title and an xref table; and the offsets of its objects.
    pub fn pdf() -> (Vec<u8>, Vec<usize>) {
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
}
