//! MP3: ID3v2 tags at the start, and ID3v1, APE and closing ID3v2 tags at the end.

use super::{Out, Step, arr, at, rest};

fn synchsafe(s: &[u8]) -> Option<usize> {
    let digit = |size: usize, &c: &u8| (c < 0x80).then_some(size << 7 | usize::from(c));
    s.iter().try_fold(0, digit)
}

pub(super) fn clean(b: &[u8], out: &mut Out) -> Step {
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

#[cfg(test)]
pub(super) mod tests {
    use super::super::testutil::{Sample, stripped};

    pub fn mp3() -> Sample {
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
}
