//! PNG: text, EXIF and modification time chunks.

use super::{Out, Step, arr, at, exif, rest};

pub(super) fn clean(b: &[u8], out: &mut Out) -> Step {
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

#[cfg(test)]
pub(super) mod tests {
    use super::super::testutil::{Sample, stripped, tiff};

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

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).unwrap().to_be_bytes();
        let crc = crc32(&[kind, data].concat()).to_be_bytes();
        [&len[..], kind, data, &crc].concat()
    }

    pub fn png() -> Sample {
        Sample::default()
            .kept(b"\x89PNG\r\n\x1a\n")
            .kept(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]))
            .gone(chunk(b"tEXt", b"Author\0Jane Doe"))
            .gone(chunk(b"eXIf", &tiff()))
            .gone(chunk(b"tIME", &[7, 232, 1, 1, 0, 0, 0]))
            .kept(chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0, 0, 0, 2, 0, 1]))
            .kept(chunk(b"IEND", &[]))
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
}
