//! Reading and writing `multipart/related` bodies (RFC 2387), the envelope WADO-RS answers
//! and STOW-RS requests use for DICOM instances.
//!
//! The reader streams: it holds one part at a time, so a series of hundreds of instances
//! never sits in memory at once.

use std::io::Read;

use memchr::memmem;

/// Largest part accepted (a single DICOM instance); beyond it the answer is refused rather
/// than buffered.
pub const MAX_PART_BYTES: usize = 1 << 30;
const READ_CHUNK: usize = 1 << 18;

/// The `boundary` parameter of a `multipart/...` Content-Type, unquoted.
pub fn boundary_of(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    let kind = params.next()?.trim().to_ascii_lowercase();
    if !kind.starts_with("multipart/") {
        return None;
    }
    params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("boundary") {
            let v = value.trim().trim_matches('"');
            (!v.is_empty()).then(|| v.to_string())
        } else {
            None
        }
    })
}

/// Why a multipart body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MultipartError {
    #[error("reading the answer: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Malformed(String),
}

/// Calls `on_part(headers, body)` for each part of a multipart body read from `reader`, in
/// order. Stops with the callback's error when it returns one (e.g. cancelled).
pub fn for_each_part<R: Read, E: From<MultipartError>>(
    mut reader: R,
    boundary: &str,
    mut on_part: impl FnMut(&str, &[u8]) -> Result<(), E>,
) -> Result<usize, E> {
    let opening = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let find_delimiter = memmem::Finder::new(delimiter.as_bytes());
    let mut buf = Vec::with_capacity(READ_CHUNK);
    let mut eof = false;

    // Preamble up to and including the first boundary line.
    let start = loop {
        if let Some(p) = memmem::find(&buf, opening.as_bytes()) {
            break p + opening.len();
        }
        if eof || buf.len() > 64 * 1024 {
            return Err(
                MultipartError::Malformed("no multipart boundary in the answer".into()).into(),
            );
        }
        eof = fill(&mut reader, &mut buf)?;
    };
    buf.drain(..start);
    let mut count = 0;
    loop {
        // After a boundary: "--" ends the body, else the rest of the line is skipped.
        while buf.len() < 2 && !eof {
            eof = fill(&mut reader, &mut buf)?;
        }
        if buf.starts_with(b"--") {
            return Ok(count);
        }
        let headers_end = loop {
            if let Some(p) = memmem::find(&buf, b"\r\n\r\n") {
                break p;
            }
            if eof || buf.len() > 64 * 1024 {
                return Err(
                    MultipartError::Malformed("a part has no end of headers".into()).into(),
                );
            }
            eof = fill(&mut reader, &mut buf)?;
        };
        let headers = String::from_utf8_lossy(&buf[..headers_end])
            .trim()
            .to_string();
        let body_start = headers_end + 4;
        let mut searched = body_start;
        let body_end = loop {
            if let Some(p) = find_delimiter.find(&buf[searched..]) {
                break searched + p;
            }
            if eof {
                return Err(
                    MultipartError::Malformed("the answer ends inside a part".into()).into(),
                );
            }
            if buf.len() - body_start > MAX_PART_BYTES {
                return Err(MultipartError::Malformed(format!(
                    "a part is larger than {} MiB",
                    MAX_PART_BYTES >> 20
                ))
                .into());
            }
            // The delimiter may straddle the old end and the new bytes.
            searched = buf.len().saturating_sub(delimiter.len()).max(body_start);
            eof = fill(&mut reader, &mut buf)?;
        };
        on_part(&headers, &buf[body_start..body_end])?;
        count += 1;
        buf.drain(..body_end + delimiter.len());
    }
}

/// Reads one chunk more into `buf`; true at end of input.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>) -> Result<bool, MultipartError> {
    let old = buf.len();
    buf.resize(old + READ_CHUNK, 0);
    let n = loop {
        match reader.read(&mut buf[old..]) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                buf.truncate(old);
                return Err(e.into());
            }
        }
    };
    buf.truncate(old + n);
    Ok(n == 0)
}

/// A `multipart/related; type="application/dicom"` body holding `instances`, and its
/// Content-Type header value.
pub fn dicom_body(instances: &[&[u8]], boundary: &str) -> (Vec<u8>, String) {
    let mut body = Vec::with_capacity(instances.iter().map(|i| i.len() + 128).sum());
    for instance in instances {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(instance);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type =
        format!("multipart/related; type=\"application/dicom\"; boundary={boundary}");
    (body, content_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read, to cut delimiters in two.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn parts_of(body: &[u8], boundary: &str, step: usize) -> Result<Vec<Vec<u8>>, MultipartError> {
        let mut parts = Vec::new();
        for_each_part(Trickle { data: body, step }, boundary, |_h, b| {
            parts.push(b.to_vec());
            Ok::<(), MultipartError>(())
        })?;
        Ok(parts)
    }

    #[test]
    fn written_bodies_read_back_whatever_the_read_sizes() {
        let a: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let b = b"\r\n--not-the-boundary\r\n".to_vec();
        let (body, ct) = dicom_body(&[&a, &b, b""], "BOUNDARY-123");
        assert_eq!(boundary_of(&ct).as_deref(), Some("BOUNDARY-123"));
        for step in [1, 7, 4096, 1 << 20] {
            let parts = parts_of(&body, "BOUNDARY-123", step).unwrap();
            assert_eq!(parts, vec![a.clone(), b.clone(), Vec::new()], "step {step}");
        }
    }

    #[test]
    fn truncated_or_foreign_bodies_are_errors() {
        let (body, _) = dicom_body(&[b"abc"], "B");
        assert!(parts_of(&body[..body.len() - 8], "B", 3).is_err());
        assert!(parts_of(b"<html>login</html>", "B", 100).is_err());
        assert_eq!(
            boundary_of("multipart/related; type=\"application/dicom\"; boundary=\"x y\"")
                .as_deref(),
            Some("x y")
        );
        assert_eq!(boundary_of("application/json"), None);
    }
}
