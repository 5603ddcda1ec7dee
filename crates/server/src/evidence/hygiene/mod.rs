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

mod gif;
mod jpeg;
mod mp3;
mod pdf;
mod png;
mod riff;

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
        "image/jpeg" => jpeg::clean(bytes, &mut out),
        "image/png" => png::clean(bytes, &mut out),
        "image/webp" => riff::clean(bytes, &mut out),
        "image/gif" => gif::clean(bytes, &mut out),
        "audio/mpeg" => mp3::clean(bytes, &mut out),
        _ => pdf::clean(bytes, &mut out),
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

/// Fixtures and checks the format modules' tests share.
#[cfg(test)]
mod testutil {
    use super::{Cleaned, find, strip};

    /// A file built part by part, with the copy expected: the parts that should stay.
    #[derive(Default)]
    pub struct Sample {
        pub input: Vec<u8>,
        pub kept: Vec<u8>,
    }

    impl Sample {
        pub fn kept(mut self, part: impl AsRef<[u8]>) -> Self {
            self.kept.extend_from_slice(part.as_ref());
            self.gone(part)
        }

        pub fn gone(mut self, part: impl AsRef<[u8]>) -> Self {
            self.input.extend_from_slice(part.as_ref());
            self
        }
    }

    pub fn has(hay: &[u8], needle: &[u8]) -> bool {
        find(hay, needle).is_some()
    }

    /// Strips, checks that stripping the copy again finds nothing, and gives the copy.
    pub fn stripped(media_type: &str, input: &[u8]) -> (Vec<u8>, Vec<&'static str>) {
        match strip(media_type, input) {
            Ok(Cleaned::Stripped { bytes, removed }) => {
                assert_eq!(strip(media_type, &bytes), Ok(Cleaned::Unchanged));
                (bytes, removed)
            }
            other => panic!("expected a stripped {media_type}, got {other:?}"),
        }
    }

    /// A little-endian TIFF whose first IFD points at a GPS IFD, as phones write it.
    pub fn tiff() -> Vec<u8> {
        let ifd0 = [1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0];
        let gps = [1, 0, 1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0, 0, 0, 0, 0];
        [&b"II*\0\x08\0\0\0"[..], &ifd0, &gps, b"GPS 51.5074N"].concat()
    }

    pub const XMP: &[u8] = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>Jane Doe</x:xmpmeta>";
}

#[cfg(test)]
mod tests {
    use super::gif::tests::gif;
    use super::jpeg::tests::jpeg;
    use super::mp3::tests::mp3;
    use super::pdf::tests::pdf;
    use super::png::tests::png;
    use super::riff::tests::{riff_chunk, vp8x, webp};
    use super::testutil::tiff;
    use super::*;

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
