//! A minimal, dependency-free PDF 1.4 writer for plain-text letters.
//!
//! Only the standard Type1 fonts are used, so nothing is embedded; the AFM
//! glyph widths are kept here so that wrapping matches what viewers draw.

/// One block of a letter: a heading (bold, larger), a paragraph (wrapped), or a blank line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Gap,
}

// A4 in points (210 × 297 mm).
const PAGE_W: f64 = 595.28;
const PAGE_H: f64 = 841.89;
const MARGIN: f64 = 56.0;
const TEXT_WIDTH: f64 = PAGE_W - 2.0 * MARGIN;

const BODY_SIZE: f64 = 11.0;
const BODY_LEADING: f64 = 14.5;
const HEADING_SIZE: f64 = 14.0;
// Extra leading gives a heading breathing room above without a separate gap.
const HEADING_LEADING: f64 = 21.0;
const FOOTER_SIZE: f64 = 9.0;
// Halfway into the bottom margin keeps the footer clear of the body text.
const FOOTER_BASELINE: f64 = MARGIN / 2.0;

// Fixed object numbers; pages and their content streams follow from 5 on.
const CATALOG_ID: usize = 1;
const PAGES_ID: usize = 2;
const REGULAR_ID: usize = 3;
const BOLD_ID: usize = 4;
const FIRST_PAGE_ID: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "/F1",
            Font::Bold => "/F2",
        }
    }

    /// Advance width in 1/1000 em of one WinAnsi byte.
    fn glyph(self, byte: u8) -> u32 {
        let table = match self {
            Font::Regular => &HELVETICA_WIDTHS,
            Font::Bold => &HELVETICA_BOLD_WIDTHS,
        };
        // Control bytes never reach here (encode() removes them); zero keeps this total.
        usize::from(byte)
            .checked_sub(32)
            .and_then(|i| table.get(i))
            .map_or(0, |&w| u32::from(w))
    }

    fn measure(self, bytes: &[u8]) -> u32 {
        bytes.iter().map(|&b| self.glyph(b)).sum()
    }
}

// CP1252's 0x80..=0x9F; NUL marks the five undefined codes and can never
// match because control characters are rejected before the lookup.
const CP1252_HIGH: &str = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";

/// Maps a character to its WinAnsiEncoding (CP1252) byte, or `?` if it has none.
fn winansi(c: char) -> u8 {
    match u8::try_from(u32::from(c)) {
        // Printable ASCII and Latin-1 supplement coincide with CP1252.
        Ok(b @ (0x20..=0x7E | 0xA0..=0xFF)) => b,
        _ if c.is_control() => b'?',
        _ => CP1252_HIGH
            .chars()
            .position(|h| h == c)
            .and_then(|i| u8::try_from(0x80 + i).ok())
            .unwrap_or(b'?'),
    }
}

/// Encodes one line's worth of text (no `\n`) to WinAnsi bytes.
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .filter_map(|c| match c {
            // CRLF input should behave like LF; the LF is already split off.
            '\r' => None,
            // A tab is a word separator to the reader; treat it as one.
            '\t' => Some(b' '),
            _ => Some(winansi(c)),
        })
        .collect()
}

/// Greedy word wrap of `text` so no line exceeds `max_width` points at `size`.
///
/// Each `\n` forces a break (an empty segment becomes an empty line), runs of
/// spaces collapse, and a word wider than the line is split between characters.
fn wrap(text: &str, font: Font, size: f64, max_width: f64) -> Vec<Vec<u8>> {
    // Integer glyph units avoid float drift deciding whether a word still fits.
    let limit = (max_width * 1000.0 / size).floor().max(0.0) as u32;
    let space = font.glyph(b' ');
    let mut lines = Vec::new();
    for segment in text.split('\n') {
        let encoded = encode(segment);
        let mut line: Vec<u8> = Vec::new();
        let mut line_w = 0u32;
        for word in encoded.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
            let word_w = font.measure(word);
            if !line.is_empty() && line_w + space + word_w <= limit {
                line.push(b' ');
                line.extend_from_slice(word);
                line_w += space + word_w;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0;
            }
            // On a fresh line a word that fits never breaks here; an overlong one
            // splits, and the non-empty check guarantees progress on any width.
            for &b in word {
                let w = font.glyph(b);
                if !line.is_empty() && line_w + w > limit {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0;
                }
                line.push(b);
                line_w += w;
            }
        }
        lines.push(line);
    }
    lines
}

#[derive(Debug, Clone, PartialEq)]
struct Line {
    font: Font,
    size: f64,
    leading: f64,
    text: Vec<u8>,
    /// Room that must follow on the same page, so a heading is never
    /// stranded at a page foot without its first body line (after a gap).
    room_after: f64,
}

fn layout(blocks: &[Block]) -> Vec<Line> {
    let mut out = Vec::new();
    for block in blocks {
        let (font, size, leading, texts) = match block {
            Block::Heading(t) => (Font::Bold, HEADING_SIZE, HEADING_LEADING, t.as_str()),
            Block::Paragraph(t) => (Font::Regular, BODY_SIZE, BODY_LEADING, t.as_str()),
            Block::Gap => (Font::Regular, BODY_SIZE, BODY_LEADING, ""),
        };
        let lines = wrap(texts, font, size, TEXT_WIDTH);
        let last = lines.len().saturating_sub(1);
        let room = if font == Font::Bold {
            2.0 * BODY_LEADING
        } else {
            0.0
        };
        out.extend(lines.into_iter().enumerate().map(|(i, text)| Line {
            font,
            size,
            leading,
            text,
            room_after: if i == last { room } else { 0.0 },
        }));
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
struct Placed {
    font: Font,
    size: f64,
    x: f64,
    baseline: f64,
    text: Vec<u8>,
}

/// Flows lines top to bottom, starting a new page when the next one would
/// cross the bottom margin. Always yields at least one page.
fn paginate(lines: &[Line]) -> Vec<Vec<Placed>> {
    let top = PAGE_H - MARGIN;
    let (mut pages, mut page) = (Vec::new(), Vec::new());
    let mut cursor = top;
    for line in lines {
        if cursor - line.leading - line.room_after < MARGIN && !page.is_empty() {
            pages.push(std::mem::take(&mut page));
            cursor = top;
        }
        // A blank line at the head of a page would just shift the text down.
        if line.text.is_empty() && page.is_empty() {
            continue;
        }
        page.push(Placed {
            font: line.font,
            size: line.size,
            x: MARGIN,
            // One em below the line's top leaves room for the ascenders.
            baseline: cursor - line.size,
            text: line.text.clone(),
        });
        cursor -= line.leading;
    }
    pages.push(page);
    pages
}

/// Shortest decimal with at most two places, so output is stable and compact.
fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A PDF literal string of raw bytes; only the three delimiters need escaping.
fn literal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    out.push(b'(');
    for &b in bytes {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// A PDF text string for metadata: readable ASCII stays literal, anything
/// else goes UTF-16BE because PDFDocEncoding is not CP1252.
fn text_string(s: &str) -> Vec<u8> {
    if s.chars().all(|c| (' '..='~').contains(&c)) {
        return literal(s.as_bytes());
    }
    let hex: String = s.encode_utf16().map(|u| format!("{u:04X}")).collect();
    format!("<FEFF{hex}>").into_bytes()
}

fn page_content(page: &[Placed], number: usize, total: usize) -> Vec<u8> {
    let footer = format!("Page {number} of {total}");
    let width = f64::from(Font::Regular.measure(footer.as_bytes())) * FOOTER_SIZE / 1000.0;
    let footer = Placed {
        font: Font::Regular,
        size: FOOTER_SIZE,
        x: (PAGE_W - width) / 2.0,
        baseline: FOOTER_BASELINE,
        text: footer.into_bytes(),
    };
    let mut out = b"BT\n".to_vec();
    // Absolute placement per line keeps each run independent of the previous.
    for line in page.iter().chain([&footer]).filter(|l| !l.text.is_empty()) {
        let (font, size) = (line.font.resource(), num(line.size));
        let (x, y) = (num(line.x), num(line.baseline));
        out.extend_from_slice(format!("{font} {size} Tf\n1 0 0 1 {x} {y} Tm\n").as_bytes());
        out.extend_from_slice(&literal(&line.text));
        out.extend_from_slice(b" Tj\n");
    }
    out.extend_from_slice(b"ET\n");
    out
}

/// Accumulates objects and remembers where each starts for the xref table.
struct Writer {
    buf: Vec<u8>,
    offsets: Vec<usize>,
}

impl Writer {
    fn new() -> Self {
        // The binary comment tells transfer tools the file is not plain text.
        Self {
            buf: b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            offsets: Vec::new(),
        }
    }

    fn put(&mut self, bytes: impl AsRef<[u8]>) {
        self.buf.extend_from_slice(bytes.as_ref());
    }

    fn begin(&mut self, id: usize) {
        // Object numbers are dense and written in order, so position is identity.
        debug_assert_eq!(id, self.offsets.len() + 1);
        self.offsets.push(self.buf.len());
        self.put(format!("{id} 0 obj\n"));
    }

    fn object(&mut self, id: usize, body: impl AsRef<[u8]>) {
        self.begin(id);
        self.put(body);
        self.put("\nendobj\n");
    }

    fn stream(&mut self, id: usize, data: &[u8]) {
        self.begin(id);
        self.put(format!("<< /Length {} >>\nstream\n", data.len()));
        self.put(data);
        self.put("\nendstream\nendobj\n");
    }

    fn finish(mut self, root: usize, info: usize) -> Vec<u8> {
        let xref = self.buf.len();
        let size = self.offsets.len() + 1;
        self.put(format!("xref\n0 {size}\n0000000000 65535 f \n"));
        for off in self.offsets.clone() {
            // Each entry must be exactly 20 bytes, hence the space before LF.
            self.put(format!("{off:010} 00000 n \n"));
        }
        self.put(format!(
            "trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R >>\n\
             startxref\n{xref}\n%%EOF\n"
        ));
        self.buf
    }
}

fn font_dict(base: &str) -> String {
    format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base} /Encoding /WinAnsiEncoding >>")
}

/// A4 PDF 1.4 bytes of `blocks`, titled `title` (the document's /Title), in Helvetica and Helvetica-Bold (the standard Type1 fonts, not embedded), 11 pt body / 14 pt headings, 56 pt margins, paragraphs word-wrapped to the page width using the real Helvetica glyph widths (embed the AFM width table for WinAnsi codes 32..=255 for both fonts as const arrays), flowing onto as many pages as needed, each page footed "Page N of M" (centred, 9 pt). Deterministic: the same input gives the same bytes (no dates, no random IDs; put a fixed /CreationDate-free Info dictionary with /Title and /Producer (Docket)).
pub fn letter_pdf(title: &str, blocks: &[Block]) -> Vec<u8> {
    let pages = paginate(&layout(blocks));
    let total = pages.len();
    let page_id = |i: usize| FIRST_PAGE_ID + 2 * i;
    let info_id = page_id(total);

    let mut pdf = Writer::new();
    let catalog = format!("<< /Type /Catalog /Pages {PAGES_ID} 0 R >>");
    pdf.object(CATALOG_ID, catalog);
    let kids: Vec<String> = (0..total).map(|i| format!("{} 0 R", page_id(i))).collect();
    let kids = kids.join(" ");
    let pages_dict = format!("<< /Type /Pages /Kids [{kids}] /Count {total} >>");
    pdf.object(PAGES_ID, pages_dict);
    pdf.object(REGULAR_ID, font_dict("Helvetica"));
    pdf.object(BOLD_ID, font_dict("Helvetica-Bold"));
    for (i, page) in pages.iter().enumerate() {
        let id = page_id(i);
        let (w, h, contents) = (num(PAGE_W), num(PAGE_H), id + 1);
        pdf.object(
            id,
            format!(
                "<< /Type /Page /Parent {PAGES_ID} 0 R /MediaBox [0 0 {w} {h}] \
                 /Resources << /Font << /F1 {REGULAR_ID} 0 R /F2 {BOLD_ID} 0 R >> >> \
                 /Contents {contents} 0 R >>"
            ),
        );
        pdf.stream(id + 1, &page_content(page, i + 1, total));
    }
    let info = [
        b"<< /Title ",
        &text_string(title)[..],
        b" /Producer (Docket) >>",
    ];
    pdf.object(info_id, info.concat());
    pdf.finish(CATALOG_ID, info_id)
}

// The width tables sit below the tests on purpose, so the logic reads first.
#[cfg(test)]
#[allow(clippy::items_after_test_module)]
mod tests {
    use super::*;

    fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    }

    fn has(hay: &[u8], needle: &[u8]) -> bool {
        find(hay, needle, 0).is_some()
    }

    fn count(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).filter(|w| *w == needle).count()
    }

    fn number_at(hay: &[u8], at: usize) -> usize {
        let len = hay[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        std::str::from_utf8(&hay[at..at + len])
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Every stream's data, in file order, checking each /Length on the way.
    fn streams(pdf: &[u8]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(at) = find(pdf, b"/Length ", from) {
            let len = number_at(pdf, at + 8);
            let start = find(pdf, b"stream\n", at).unwrap() + 7;
            let end = find(pdf, b"\nendstream", start).unwrap();
            assert_eq!(end - start, len, "/Length of stream at {start}");
            out.push(&pdf[start..end]);
            from = end;
        }
        out
    }

    fn sample(paragraphs: usize) -> Vec<Block> {
        let mut blocks = vec![
            Block::Paragraph("Jane Doe\n1 High Street\nLondon".into()),
            Block::Gap,
            Block::Heading("Re: your reference DK-7KQ2-M9XA".into()),
        ];
        for i in 0..paragraphs {
            blocks.push(Block::Paragraph(format!(
                "Paragraph {i}: the quick brown fox jumps over the lazy dog, \
                 and the café’s €5 fee (as agreed) still stands."
            )));
            blocks.push(Block::Gap);
        }
        blocks
    }

    #[test]
    fn starts_with_header_and_ends_with_eof() {
        for blocks in [sample(2), Vec::new()] {
            let pdf = letter_pdf("Letter", &blocks);
            assert!(pdf.starts_with(b"%PDF-1.4\n") && pdf.ends_with(b"%%EOF\n"));
        }
        // Even an empty letter has one footed page.
        assert!(has(&letter_pdf("", &[]), b"/Count 1 >>"));
        assert!(has(&letter_pdf("", &[]), b"(Page 1 of 1) Tj"));
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let pdf = letter_pdf("Letter", &sample(120));
        let sx = find(&pdf, b"startxref\n", 0).unwrap();
        let xref = number_at(&pdf, sx + 10);
        assert!(pdf[xref..].starts_with(b"xref\n0 "));
        let size = number_at(&pdf, xref + 7);
        let table = find(&pdf, b"\n", xref + 5).unwrap() + 1;
        assert!(pdf[table..].starts_with(b"0000000000 65535 f \n"));
        for id in 1..size {
            let entry = &pdf[table + 20 * id..table + 20 * (id + 1)];
            assert_eq!(&entry[10..], b" 00000 n \n");
            let off = number_at(entry, 0);
            assert!(pdf[off..].starts_with(format!("{id} 0 obj\n").as_bytes()));
        }
        let trailer = table + 20 * size;
        assert!(pdf[trailer..].starts_with(b"trailer\n"));
        let expected = format!("/Size {size} /Root 1 0 R /Info {} 0 R", size - 1);
        assert!(find(&pdf, expected.as_bytes(), trailer).is_some());
        // Object order: catalog, pages, fonts, page/content pairs, info.
        let body = |id: usize| {
            let off = number_at(&pdf[table + 20 * id..], 0);
            &pdf[off..find(&pdf, b"endobj", off).unwrap()]
        };
        let fonts = b"/Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding";
        assert!(has(body(1), b"/Type /Catalog") && has(body(2), b"/Type /Pages"));
        assert!(has(body(3), fonts) && has(body(4), b"/Helvetica-Bold /Encoding"));
        for id in (5..size - 1).step_by(2) {
            assert!(has(body(id), b"/Type /Page ") && has(body(id + 1), b"stream\n"));
        }
        assert!(has(body(size - 1), b"/Title (Letter) /Producer (Docket)"));
    }

    #[test]
    fn stream_lengths_match_their_data() {
        let pdf = letter_pdf("Letter", &sample(120));
        let contents = streams(&pdf);
        assert_eq!(contents.len(), count(&pdf, b"/Type /Page "));
        assert!(contents.len() > 1 && contents.iter().all(|c| c.starts_with(b"BT\n")));
    }

    #[test]
    fn long_letter_spans_pages_with_correct_footers() {
        let pdf = letter_pdf("Letter", &sample(200));
        let pages = count(&pdf, b"/Type /Page ");
        assert!(pages > 1, "expected several pages, got {pages}");
        let at = find(&pdf, b"/Count ", 0).unwrap();
        assert_eq!(number_at(&pdf, at + 7), pages);
        let contents = streams(&pdf);
        assert_eq!(contents.len(), pages);
        for (i, content) in contents.iter().enumerate() {
            let footer = format!("(Page {} of {pages}) Tj", i + 1);
            assert_eq!(count(content, footer.as_bytes()), 1, "page {}", i + 1);
            assert_eq!(count(content, b"(Page "), 1);
        }
    }

    #[test]
    fn placed_lines_stay_inside_margins() {
        for page in paginate(&layout(&sample(200))) {
            for line in &page {
                assert!(line.baseline >= MARGIN);
                assert!(line.baseline + line.size <= PAGE_H - MARGIN + 1e-9);
            }
        }
    }

    #[test]
    fn headings_are_never_last_on_a_page() {
        for filler in 40..70 {
            let mut blocks = vec![Block::Paragraph("x".into()); filler];
            blocks.push(Block::Heading("Heading".into()));
            blocks.extend([Block::Gap, Block::Paragraph("Body".into())]);
            for page in paginate(&layout(&blocks)) {
                assert!(page.last().is_some_and(|l| l.font == Font::Regular));
                assert!(page.first().is_some_and(|l| !l.text.is_empty()));
            }
        }
    }

    #[test]
    fn reference_appears_literally() {
        let pdf = letter_pdf("Letter", &sample(1));
        assert!(has(&pdf, b"DK-7KQ2-M9XA"));
        assert!(has(&pdf, b"/F2 14 Tf"));
        assert!(has(&pdf, b"/F1 11 Tf"));
    }

    #[test]
    fn special_characters_use_single_cp1252_bytes() {
        let pdf = letter_pdf("Letter", &[Block::Paragraph("é ’ € ☃".into())]);
        assert!(has(&pdf, b"(\xE9 \x92 \x80 ?) Tj"));
        let extras = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
        let undefined = [0x81, 0x8D, 0x8F, 0x90, 0x9D];
        let expected: Vec<u8> = (0x80..=0x9F).filter(|b| !undefined.contains(b)).collect();
        assert_eq!(encode(extras), expected);
        assert_eq!(encode("\u{81}\u{9D}\0"), b"???");
        assert_eq!(encode("a\u{7}b😀"), b"a?b?");
        assert_eq!(encode("tab\there\r"), b"tab here");
    }

    #[test]
    fn delimiters_are_escaped() {
        let pdf = letter_pdf("Letter", &[Block::Paragraph(r"see (note) a\b".into())]);
        assert!(has(&pdf, br"(see \(note\) a\\b) Tj"));
    }

    #[test]
    fn non_ascii_title_is_utf16() {
        let pdf = letter_pdf("Café (ok)", &[]);
        let utf16 = b"/Title <FEFF00430061006600E900200028006F006B0029>";
        assert!(has(&pdf, utf16));
        let pdf = letter_pdf("Plain (ok)", &[]);
        assert!(has(&pdf, br"/Title (Plain \(ok\))"));
    }

    #[test]
    fn wrapped_lines_never_exceed_text_width() {
        let long_word = "Supercalifragilistic".repeat(12);
        let text = format!(
            "WWWW MMMM iiii lll {long_word} and then a great many ordinary words follow, \
             repeated so that the paragraph spans several lines — with curly “quotes” too. {}",
            "Mixed widths: WiW mim Æther œuvre. ".repeat(20)
        );
        for (font, size) in [(Font::Regular, BODY_SIZE), (Font::Bold, HEADING_SIZE)] {
            let lines = wrap(&text, font, size, TEXT_WIDTH);
            assert!(lines.len() > 3);
            for line in &lines {
                let width = f64::from(font.measure(line)) * size / 1000.0;
                assert!(width <= TEXT_WIDTH, "{width} > {TEXT_WIDTH}");
                assert!(!line.is_empty());
            }
            // Nothing is lost: re-joining gives back the words (long word re-glued).
            let joined: Vec<u8> = lines.concat();
            let original: Vec<u8> = encode(&text).into_iter().filter(|&b| b != b' ').collect();
            let kept: Vec<u8> = joined.into_iter().filter(|&b| b != b' ').collect();
            assert_eq!(kept, original);
        }
    }

    #[test]
    fn newlines_are_hard_breaks() {
        let lines = wrap("one\n\ntwo  three", Font::Regular, BODY_SIZE, TEXT_WIDTH);
        assert_eq!(
            lines,
            vec![b"one".to_vec(), Vec::new(), b"two three".to_vec()]
        );
    }

    #[test]
    fn widths_match_known_afm_values() {
        let bytes = [b' ', b'W', b'\'', 0x80, 0x92, 0xE9, 0xFF];
        let regular = [278, 944, 191, 556, 222, 556, 500];
        let bold = [278, 944, 238, 556, 278, 556, 556];
        for (i, b) in bytes.into_iter().enumerate() {
            assert_eq!(
                (Font::Regular.glyph(b), Font::Bold.glyph(b)),
                (regular[i], bold[i])
            );
        }
        assert_eq!(Font::Regular.glyph(b'\n'), 0);
    }

    #[test]
    fn output_is_deterministic() {
        let blocks = sample(60);
        assert_eq!(letter_pdf("Letter", &blocks), letter_pdf("Letter", &blocks));
    }
}

// Advance widths (1/1000 em) from Adobe's Helvetica AFM for WinAnsi codes
// 32..=255; the codes WinAnsi leaves undefined carry the bullet width.
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    350, 556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, 350,
    222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, 278, 333, 556,
    556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556,
    537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667,
    667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722,
    722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278,
    278, 556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

const HELVETICA_BOLD_WIDTHS: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    350, 556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, 350,
    278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, 278, 333, 556,
    556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611,
    556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667,
    667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722,
    722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278,
    278, 611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];
