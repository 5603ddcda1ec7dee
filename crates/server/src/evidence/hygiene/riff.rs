//! WebP: EXIF and XMP chunks in the RIFF container.

use super::{Out, Step, arr, at, exif, rest};

pub(super) fn clean(b: &[u8], out: &mut Out) -> Step {
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

#[cfg(test)]
pub(super) mod tests {
    use super::super::testutil::{XMP, stripped, tiff};

    pub fn riff_chunk(fourcc: &[u8], data: &[u8]) -> Vec<u8> {
        let len = u32::try_from(data.len()).unwrap().to_le_bytes();
        [fourcc, &len, data, &vec![0; data.len() % 2]].concat()
    }

    pub fn webp(chunks: &[Vec<u8>]) -> Vec<u8> {
        let size = u32::try_from(chunks.concat().len() + 4)
            .unwrap()
            .to_le_bytes();
        [&b"RIFF"[..], &size, b"WEBP", &chunks.concat()].concat()
    }

    pub fn vp8x(flags: u8) -> Vec<u8> {
        riff_chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0])
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
}
