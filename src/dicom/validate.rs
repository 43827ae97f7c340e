//! A structural check of a DICOM file before the parser reads it: every declared length
//! must fit in the bytes that are left, and sequences may not nest absurdly deep.
//!
//! dicom-rs allocates what a header declares before it finds out the bytes are not there:
//! a single element claiming 4 GB costs gigabytes of memory and seconds before failing.
//! This walk reads only element headers (tag, VR, length), skipping values with a seek, so
//! it needs a few kilobytes whatever the file says, and it stops at the first length that
//! overruns the file with an error such as "element (0010,0010) declares 3,976,200,238
//! bytes but only 1,848 remain". A deflated data set is inflated as a stream (never held
//! in memory) and walked the same way; one that inflates to more than
//! [`MAX_INFLATION`] times its file's size is refused (real data sets compress 2-10 fold).

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::error::DicomError;

/// Deepest sequence nesting accepted (real files use a handful of levels).
pub const MAX_DEPTH: u32 = 64;
/// Most a deflated data set may inflate to, as a multiple of its file's size.
pub const MAX_INFLATION: u64 = 64;

const UNDEFINED: u32 = 0xFFFF_FFFF;
const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQUENCE_END: (u16, u16) = (0xFFFE, 0xE0DD);
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);

/// VRs with a 2-byte reserved field and a 4-byte length in explicit VR encodings.
const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
];

/// Every VR of PS3.5 6.2. Parsers read an unknown one in their own ways (dicom-rs with a
/// 4-byte length), so the walk refuses it rather than guess.
const KNOWN_VRS: [&[u8; 2]; 34] = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS", b"LO", b"LT", b"OB",
    b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM",
    b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
];

/// How the data set after the file meta group is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    ExplicitLittle,
    ImplicitLittle,
    ExplicitBig,
}

/// Checks the file's structure; `headers_only`: stop at the top-level Pixel Data element
/// (after checking its length), as a header scan does.
pub fn check_file(path: &Path, headers_only: bool) -> Result<(), DicomError> {
    let unreadable = |reason: String| DicomError::Unreadable {
        path: path.into(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|source| DicomError::Io {
        path: path.into(),
        source,
    })?;
    let len = file
        .metadata()
        .map_err(|source| DicomError::Io {
            path: path.into(),
            source,
        })?
        .len();
    let mut walk = Walk {
        input: BufReader::new(file),
        pos: 0,
        len,
        headers_only,
    };
    walk.check().map_err(unreadable)
}

/// The walk over one file.
struct Walk<R> {
    input: R,
    pos: u64,
    len: u64,
    headers_only: bool,
}

/// An element header.
struct Element {
    tag: (u16, u16),
    vr: Option<[u8; 2]>,
    length: u32,
}

/// Whether the walk goes on after an element.
enum Next {
    Continue,
    /// The end of the enclosing item or sequence, or the Pixel Data of a header scan.
    Stop,
}

impl<R: Read + Seek> Walk<R> {
    fn check(&mut self) -> Result<(), String> {
        self.skip(132)?;
        match self.meta_group()? {
            Some(encoding) => self.data_set(encoding),
            None => self.check_deflated(),
        }
    }

    /// Walks the top-level data set.
    fn data_set(&mut self, encoding: Encoding) -> Result<(), String> {
        while self.pos < self.len {
            if let Next::Stop = self.element(encoding, 0, true)? {
                break;
            }
        }
        Ok(())
    }

    /// Inflates the rest of the file twice as a stream: once to learn (and bound) its
    /// length, once to walk it. Only the compressed bytes are held in memory.
    fn check_deflated(&mut self) -> Result<(), String> {
        let mut compressed = Vec::new();
        self.input
            .read_to_end(&mut compressed)
            .map_err(|e| format!("cannot read: {e}"))?;
        let cap = self.len.saturating_mul(MAX_INFLATION);
        let inflated = std::io::copy(
            &mut flate2::read::DeflateDecoder::new(&compressed[..]).take(cap + 1),
            &mut std::io::sink(),
        )
        .map_err(|e| format!("the deflated data set is corrupt: {e}"))?;
        if inflated > cap {
            return Err(format!(
                "the deflated data set inflates to more than {} bytes ({MAX_INFLATION} times \
                 the file)",
                thousands(cap)
            ));
        }
        let stream = flate2::read::DeflateDecoder::new(&compressed[..]);
        let mut walk = Walk {
            input: ForwardOnly(std::io::BufReader::new(stream)),
            pos: 0,
            len: inflated,
            headers_only: self.headers_only,
        };
        walk.data_set(Encoding::ExplicitLittle)
    }

    /// Walks the file meta group (explicit VR little endian) and returns how the data set
    /// is encoded (`None`: deflated, not checked here).
    fn meta_group(&mut self) -> Result<Option<Encoding>, String> {
        let mut syntax = String::new();
        loop {
            if self.len - self.pos < 4 {
                break;
            }
            let group = self.peek_group()?;
            if group != 0x0002 {
                break;
            }
            let e = self.header(Encoding::ExplicitLittle)?;
            self.ensure_fits(&e)?;
            if e.tag == (0x0002, 0x0010) && e.length <= 64 {
                let mut v = vec![0u8; e.length as usize];
                self.read_exact(&mut v)?;
                syntax = String::from_utf8_lossy(&v)
                    .trim_end_matches(['\0', ' '])
                    .to_string();
            } else {
                self.skip(u64::from(e.length))?;
            }
        }
        Ok(match syntax.as_str() {
            "1.2.840.10008.1.2" => Some(Encoding::ImplicitLittle),
            "1.2.840.10008.1.2.2" => Some(Encoding::ExplicitBig),
            "1.2.840.10008.1.2.1.99" => None,
            _ => Some(Encoding::ExplicitLittle),
        })
    }

    /// Walks one element (and whatever it contains).
    fn element(&mut self, enc: Encoding, depth: u32, top: bool) -> Result<Next, String> {
        self.element_in(enc, depth, top, false)
    }

    /// Walks one element; `fragments`: items here are pixel data fragments, not data sets.
    fn element_in(
        &mut self,
        enc: Encoding,
        depth: u32,
        top: bool,
        fragments: bool,
    ) -> Result<Next, String> {
        let e = self.header(enc)?;
        match e.tag {
            ITEM_END | SEQUENCE_END => return Ok(Next::Stop),
            ITEM => return self.item(enc, &e, depth, fragments).map(|_| Next::Continue),
            _ => {}
        }
        let defined = e.length != UNDEFINED;
        if defined {
            self.ensure_fits(&e)?;
            ensure_whole_values(&e)?;
        }
        if top && self.headers_only && e.tag == PIXEL_DATA {
            return Ok(Next::Stop);
        }
        if !defined {
            // A sequence (SQ, UN, or any VR in implicit VR), or encapsulated pixel data:
            // items up to a sequence delimiter. The standard (CP-246) reads a UN sequence's
            // content as implicit VR, but dicom-rs 0.10 reads it in the data set's encoding
            // (and allocates whatever lengths it then finds), so the walk does the same:
            // it protects that parser.
            self.sequence(enc, depth + 1, e.tag == PIXEL_DATA)?;
        } else if e.length >= 8
            && (e.vr.as_ref() == Some(b"SQ")
                || (enc == Encoding::ImplicitLittle && self.item_follows()?))
        {
            // In implicit VR a sequence shows only by its content: an item tag first (the
            // parser knows SQ from its dictionary and walks it).
            self.defined_sequence(enc, &e, depth + 1)?;
        } else {
            self.skip(u64::from(e.length))?;
        }
        Ok(Next::Continue)
    }

    /// Items until the sequence delimiter (or the end of the file, which the parser reports);
    /// `fragments`: the items are pixel data fragments.
    fn sequence(&mut self, enc: Encoding, depth: u32, fragments: bool) -> Result<(), String> {
        self.deep_enough(depth)?;
        while self.len - self.pos >= 8 {
            if let Next::Stop = self.element_in(enc, depth, false, fragments)? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// A sequence of defined length: items within it.
    fn defined_sequence(&mut self, enc: Encoding, e: &Element, depth: u32) -> Result<(), String> {
        self.deep_enough(depth)?;
        let end = self.pos + u64::from(e.length);
        while self.pos + 8 <= end {
            self.element(enc, depth, false)?;
        }
        if self.pos != end {
            return Err(format!(
                "sequence {} overruns its declared length of {} bytes",
                tag_text(e.tag),
                thousands(u64::from(e.length))
            ));
        }
        Ok(())
    }

    /// An item: a data set of defined length, or elements up to an item delimiter; or a
    /// pixel data fragment (`fragments`), plain bytes that are skipped.
    fn item(
        &mut self,
        enc: Encoding,
        e: &Element,
        depth: u32,
        fragments: bool,
    ) -> Result<(), String> {
        if e.length == UNDEFINED {
            self.deep_enough(depth + 1)?;
            while self.len - self.pos >= 8 {
                if let Next::Stop = self.element(enc, depth + 1, false)? {
                    break;
                }
            }
            return Ok(());
        }
        self.ensure_fits(e)?;
        if fragments {
            return self.skip(u64::from(e.length));
        }
        // The parser walks an item's elements, so this walk does too.
        self.deep_enough(depth + 1)?;
        let end = self.pos + u64::from(e.length);
        while self.pos + 8 <= end {
            self.element(enc, depth + 1, false)?;
        }
        if self.pos > end {
            return Err(format!(
                "an item at byte {} overruns its declared length of {} bytes",
                thousands(end - u64::from(e.length)),
                thousands(u64::from(e.length))
            ));
        }
        self.skip(end - self.pos)
    }

    fn deep_enough(&self, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "sequences nested more than {MAX_DEPTH} levels deep at byte {}",
                thousands(self.pos)
            ));
        }
        Ok(())
    }

    /// Reads an element header in `enc`.
    fn header(&mut self, enc: Encoding) -> Result<Element, String> {
        let at = self.pos;
        let mut t = [0u8; 4];
        self.read_exact(&mut t)?;
        let (group, element) = match enc {
            Encoding::ExplicitBig => (
                u16::from_be_bytes([t[0], t[1]]),
                u16::from_be_bytes([t[2], t[3]]),
            ),
            _ => (
                u16::from_le_bytes([t[0], t[1]]),
                u16::from_le_bytes([t[2], t[3]]),
            ),
        };
        let tag = (group, element);
        let big = enc == Encoding::ExplicitBig && group != 0xFFFE;
        let u32_of = |b: [u8; 4]| {
            if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        if group == 0xFFFE || enc == Encoding::ImplicitLittle {
            let mut l = [0u8; 4];
            self.read_exact(&mut l)?;
            return Ok(Element {
                tag,
                vr: None,
                length: u32_of(l),
            });
        }
        let mut vr = [0u8; 2];
        self.read_exact(&mut vr)?;
        if !KNOWN_VRS.contains(&&vr) {
            return Err(format!(
                "element {} at byte {} has no valid VR ({:?})",
                tag_text(tag),
                thousands(at),
                String::from_utf8_lossy(&vr)
            ));
        }
        let length = if LONG_VRS.contains(&&vr) {
            let mut l = [0u8; 6];
            self.read_exact(&mut l)?;
            u32_of([l[2], l[3], l[4], l[5]])
        } else {
            let mut l = [0u8; 2];
            self.read_exact(&mut l)?;
            u32::from(if big {
                u16::from_be_bytes(l)
            } else {
                u16::from_le_bytes(l)
            })
        };
        Ok(Element {
            tag,
            vr: Some(vr),
            length,
        })
    }

    /// Whether the next bytes are an item tag (little endian), left unread.
    fn item_follows(&mut self) -> Result<bool, String> {
        let mut t = [0u8; 4];
        self.read_exact(&mut t)?;
        self.input
            .seek_relative(-4)
            .map_err(|e| format!("cannot read: {e}"))?;
        self.pos -= 4;
        Ok(t == [0xFE, 0xFF, 0x00, 0xE0])
    }

    /// The group number of the next tag (little endian, as the meta group is), unread.
    fn peek_group(&mut self) -> Result<u16, String> {
        let mut g = [0u8; 2];
        self.read_exact(&mut g)?;
        self.input
            .seek_relative(-2)
            .map_err(|e| format!("cannot read: {e}"))?;
        self.pos -= 2;
        Ok(u16::from_le_bytes(g))
    }

    /// An error unless the element's value fits in what is left of the file.
    fn ensure_fits(&self, e: &Element) -> Result<(), String> {
        let left = self.len - self.pos;
        if u64::from(e.length) > left {
            return Err(format!(
                "element {} declares {} bytes but only {} remain",
                tag_text(e.tag),
                thousands(u64::from(e.length)),
                thousands(left)
            ));
        }
        Ok(())
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), String> {
        self.input.read_exact(buf).map_err(|_| {
            format!(
                "the file ends inside an element header at byte {}",
                thousands(self.pos)
            )
        })?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        let n = n.min(self.len - self.pos);
        self.input
            .seek(SeekFrom::Current(n as i64))
            .map_err(|e| format!("cannot read: {e}"))?;
        self.pos += n;
        Ok(())
    }
}

/// A reader that can only skip forward (by reading and discarding), for walking a stream.
struct ForwardOnly<R>(R);

impl<R: Read> Read for ForwardOnly<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> Seek for ForwardOnly<R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        match to {
            SeekFrom::Current(n) if n >= 0 => {
                std::io::copy(&mut (&mut self.0).take(n as u64), &mut std::io::sink())
            }
            _ => Err(std::io::Error::other("a stream only skips forward")),
        }
    }
}

/// An error unless a binary VR's length is a whole number of values (PS3.5 6.2): the
/// parser reads such values whole, and a broken length makes it lose its place and then
/// allocate whatever it finds (an AT of 2 bytes led dicom-rs 0.10 to a 4 GB "length").
fn ensure_whole_values(e: &Element) -> Result<(), String> {
    let Some(vr) = e.vr else {
        return Ok(());
    };
    let size = match &vr {
        b"US" | b"SS" => 2,
        b"AT" | b"UL" | b"SL" | b"FL" | b"OF" | b"OL" => 4,
        b"FD" | b"OD" | b"SV" | b"UV" | b"OV" => 8,
        _ => return Ok(()),
    };
    if e.length % size != 0 {
        return Err(format!(
            "element {} is {} but its length of {} bytes is not a multiple of {size}",
            tag_text(e.tag),
            String::from_utf8_lossy(&vr),
            e.length
        ));
    }
    Ok(())
}

/// "(0010,0010)".
fn tag_text((g, e): (u16, u16)) -> String {
    format!("({g:04X},{e:04X})")
}

/// A number with thousands separators: 3,976,200,238.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A Part 10 file: preamble, meta group with a transfer syntax, then `body`.
    fn file(syntax: &str, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; 128];
        out.extend_from_slice(b"DICM");
        let mut uid = syntax.as_bytes().to_vec();
        if uid.len() % 2 == 1 {
            uid.push(0);
        }
        out.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
        out.extend_from_slice(&(uid.len() as u16).to_le_bytes());
        out.extend_from_slice(&uid);
        out.extend_from_slice(body);
        out
    }

    fn explicit(tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&tag.0.to_le_bytes());
        out.extend_from_slice(&tag.1.to_le_bytes());
        out.extend_from_slice(vr);
        if LONG_VRS.contains(&vr) {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            out.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        out.extend_from_slice(value);
        out
    }

    fn check(bytes: Vec<u8>, headers_only: bool) -> Result<(), String> {
        let len = bytes.len() as u64;
        Walk {
            input: Cursor::new(bytes),
            pos: 0,
            len,
            headers_only,
        }
        .check()
    }

    const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

    #[test]
    fn a_sound_file_passes() {
        let body = [
            explicit((0x0008, 0x0060), b"CS", b"CT"),
            explicit((0x0010, 0x0010), b"PN", b"Doe^J "),
            explicit((0x7FE0, 0x0010), b"OW", &[0u8; 32]),
        ]
        .concat();
        assert_eq!(check(file(EXPLICIT_LE, &body), false), Ok(()));
    }

    #[test]
    fn a_length_beyond_the_file_is_an_error_naming_the_element() {
        let mut body = explicit((0x0010, 0x0010), b"UT", b"abcd");
        let at = body.len() - 8;
        body[at..at + 4].copy_from_slice(&3_976_200_238u32.to_le_bytes());
        let err = check(file(EXPLICIT_LE, &body), true).unwrap_err();
        assert!(
            err.contains("(0010,0010) declares 3,976,200,238 bytes but only 4 remain"),
            "{err}"
        );
    }

    #[test]
    fn nesting_bombs_are_refused() {
        // 200 sequences of undefined length, each in an item of undefined length.
        let mut body = Vec::new();
        for _ in 0..200 {
            body.extend_from_slice(&[0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0]);
            body.extend_from_slice(&UNDEFINED.to_le_bytes());
            body.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
            body.extend_from_slice(&UNDEFINED.to_le_bytes());
        }
        let err = check(file(EXPLICIT_LE, &body), true).unwrap_err();
        assert!(err.contains("nested more than 64 levels"), "{err}");
    }

    #[test]
    fn implicit_and_big_endian_lengths_are_read_right() {
        let mut implicit = Vec::new();
        implicit.extend_from_slice(&[0x10, 0x00, 0x10, 0x00]);
        implicit.extend_from_slice(&6u32.to_le_bytes());
        implicit.extend_from_slice(b"Doe^J ");
        assert_eq!(check(file("1.2.840.10008.1.2", &implicit), false), Ok(()));
        let mut big = vec![0x00, 0x10, 0x00, 0x10, b'P', b'N'];
        big.extend_from_slice(&6u16.to_be_bytes());
        big.extend_from_slice(b"Doe^J ");
        assert_eq!(check(file("1.2.840.10008.1.2.2", &big), false), Ok(()));
        big[7] = 60;
        assert!(check(file("1.2.840.10008.1.2.2", &big), false).is_err());
    }

    #[test]
    fn implicit_sequences_of_defined_length_are_walked() {
        // (0008,1115) with a defined length holding an item whose element claims 1 GB.
        let mut inner = Vec::new();
        inner.extend_from_slice(&[0x08, 0x00, 0x50, 0x11]);
        inner.extend_from_slice(&0x4000_0000u32.to_le_bytes());
        let mut item = vec![0xFE, 0xFF, 0x00, 0xE0];
        item.extend_from_slice(&(inner.len() as u32).to_le_bytes());
        item.extend_from_slice(&inner);
        let mut body = vec![0x08, 0x00, 0x15, 0x11];
        body.extend_from_slice(&(item.len() as u32).to_le_bytes());
        body.extend_from_slice(&item);
        let err = check(file("1.2.840.10008.1.2", &body), false).unwrap_err();
        assert!(
            err.contains("(0008,1150) declares 1,073,741,824 bytes"),
            "{err}"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1848), "1,848");
        assert_eq!(thousands(3_976_200_238), "3,976,200,238");
    }
}
