//! GIF: comment and application extensions other than looping and colour profile.

use super::{Out, Step, at, rest};

pub(super) fn clean(b: &[u8], out: &mut Out) -> Step {
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

#[cfg(test)]
pub(super) mod tests {
    use super::super::testutil::{Sample, XMP, stripped};

    pub fn gif() -> Sample {
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

    #[test]
    fn gif_loses_comments_and_xmp_but_keeps_looping() {
        let sample = gif();
        let (out, removed) = stripped("image/gif", &sample.input);
        assert_eq!((out, removed), (sample.kept, vec!["GIF comments", "XMP"]));
    }
}
