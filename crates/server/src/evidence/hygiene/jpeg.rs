//! JPEG: application segments and comments before the first scan.

use super::{Out, Step, arr, exif, rest};

enum Segment {
    Keep,
    Drop(&'static str),
    Replace(Vec<u8>, &'static str),
}

pub(super) fn clean(b: &[u8], out: &mut Out) -> Step {
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

#[cfg(test)]
pub(super) mod tests {
    use super::super::find;
    use super::super::testutil::{Sample, XMP, has, stripped, tiff};

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let len = u16::try_from(body.len() + 2).unwrap().to_be_bytes();
        [&[0xFF, marker][..], &len, body].concat()
    }

    pub fn jpeg() -> Sample {
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
}
