//! Pixel decoding, in parallel over files, with RescaleSlope/Intercept applied per slice.
//!
//! dicom-pixeldata handles every transfer syntax it can decode in pure Rust (native, deflate,
//! RLE, JPEG baseline/lossless, JPEG 2000); this module turns the decoded samples into
//! physical values.

use dicom_pixeldata::{PixelDecoder, PixelRepresentation};
use rayon::prelude::*;

use super::assemble::{Assembly, SliceSource};
use super::cancel::{CancelFlag, LoadProgress};
use super::error::DicomError;
use super::scan::{error_chain, open_dicom};
use super::series::Series;
use crate::volume::Voxel;

/// Slices of one file and where their values go.
type FileJob<'a, T> = (usize, Vec<(SliceSource, &'a mut [T])>);

/// Decodes every slice of an assembled series into one buffer of `T` (x fastest, slices in
/// assembly order), values rescaled to physical units and converted to `T` straight away
/// (a CT decodes to 16-bit floats without an f32 copy). Also returns warnings about
/// inconsistencies that were resolved (one per file at most).
///
/// Stops with [`DicomError::Cancelled`] once `cancel` is set: checked before each file is
/// opened and before each frame is converted, i.e. per slice.
/// Each decoded slice advances `progress`.
pub fn decode_series<T: Voxel>(
    series: &Series,
    assembly: &Assembly,
    (cancel, progress): (&CancelFlag, &LoadProgress),
) -> Result<(Vec<T>, Vec<String>), DicomError> {
    let [nx, ny, nz] = assembly.geometry.dims;
    let slice_len = nx * ny;
    let mut data = vec![T::from_f32(0.0); slice_len * nz];
    // Group slices by file so a multi-frame file is opened and decoded once.
    let mut chunks: Vec<Option<&mut [T]>> = data.chunks_mut(slice_len).map(Some).collect();
    let mut jobs: Vec<FileJob<'_, T>> = Vec::new();
    let mut job_of_file = vec![usize::MAX; series.files.len()];
    for (k, src) in assembly.slices.iter().enumerate() {
        let Some(chunk) = chunks[k].take() else {
            continue;
        };
        if job_of_file[src.file] == usize::MAX {
            job_of_file[src.file] = jobs.len();
            jobs.push((src.file, Vec::new()));
        }
        jobs[job_of_file[src.file]].1.push((*src, chunk));
    }
    let warnings: Vec<Option<String>> = jobs
        .into_par_iter()
        .map(|(file, targets)| {
            let n = targets.len();
            let r = decode_file_into(series, file, targets, cancel);
            (0..n).for_each(|_| progress.advance());
            r
        })
        .collect::<Result<_, _>>()?;
    let mut warnings: Vec<String> = warnings.into_iter().flatten().collect();
    warnings.dedup();
    Ok((data, warnings))
}

fn decode_file_into<T: Voxel>(
    series: &Series,
    file: usize,
    targets: Vec<(SliceSource, &mut [T])>,
    cancel: &CancelFlag,
) -> Result<Option<String>, DicomError> {
    cancel.check()?;
    let header = &series.files[file];
    let path = &header.path;
    let obj = open_dicom(path, false)?;
    let decode_error = |reason: String| DicomError::Decode {
        path: path.clone(),
        transfer_syntax: header.transfer_syntax.clone(),
        reason,
    };
    if let Some(samples) = native_samples(&obj) {
        let format = native_format(&obj, &samples).map_err(decode_error)?;
        let frame_len = (header.rows * header.columns) as usize;
        for (src, out) in targets {
            cancel.check()?;
            let start = src.frame as usize * frame_len;
            samples
                .convert_range(start, frame_len, &format, src.slope, src.intercept, out)
                .map_err(|e| {
                    decode_error(format!(
                        "{e} (frame {}, {}x{} pixels); the file is probably truncated",
                        src.frame, header.columns, header.rows
                    ))
                })?;
        }
        return Ok(None);
    }
    let single = targets.len() == 1;
    check_decoded_size(&obj, header).map_err(decode_error)?;
    let decoded = super::quiet_panic::catch_quietly(|| {
        if single && header.frames.len() > 1 {
            obj.decode_pixel_data_frame(targets[0].0.frame)
        } else {
            obj.decode_pixel_data()
        }
    })
    .map_err(|p| decode_error(format!("the compressed data is corrupt (decoder: {p})")))?
    .map_err(|e| decode_error(error_chain(&e)))?;
    if decoded.samples_per_pixel() != 1 {
        return Err(decode_error(format!(
            "{} samples per pixel; only greyscale images are supported",
            decoded.samples_per_pixel()
        )));
    }
    if (decoded.columns(), decoded.rows()) != (header.columns, header.rows) {
        return Err(decode_error(format!(
            "decoded size {}x{} differs from the header's {}x{}",
            decoded.columns(),
            decoded.rows(),
            header.columns,
            header.rows
        )));
    }
    let format = SampleFormat {
        bytes: decoded.bits_allocated().div_ceil(8) as usize,
        bits_stored: decoded.bits_stored().clamp(1, 32),
        signed: decoded.pixel_representation() == PixelRepresentation::Signed,
    };
    let warning = j2k_signedness(&obj)
        .filter(|&j2k_signed| j2k_signed != format.signed)
        .map(|j2k_signed| {
            format!(
                "{}: the JPEG 2000 codestream declares {} samples but PixelRepresentation says {}; \
                 PixelRepresentation was followed",
                path.display(),
                if j2k_signed { "signed" } else { "unsigned" },
                if format.signed { "signed" } else { "unsigned" },
            )
        });
    for (src, out) in targets {
        cancel.check()?;
        let frame = if single && header.frames.len() > 1 {
            0
        } else {
            src.frame
        };
        let bytes = decoded.frame_data(frame).map_err(|_| {
            decode_error(format!(
                "pixel data too short for frame {} of {}x{} pixels ({} bytes present); the file \
                 is probably truncated",
                src.frame,
                header.columns,
                header.rows,
                decoded.data().len()
            ))
        })?;
        format
            .convert(bytes, src.slope, src.intercept, out)
            .map_err(decode_error)?;
    }
    Ok(warning)
}

/// Whether the first JPEG 2000 codestream in the pixel data declares signed samples
/// (Ssiz of the first component in the SIZ marker segment); `None` if not JPEG 2000.
fn j2k_signedness(obj: &dicom_object::DefaultDicomObject) -> Option<bool> {
    let fragment = obj
        .get(dicom_dictionary_std::tags::PIXEL_DATA)?
        .fragments()?
        .iter()
        .find(|f| !f.is_empty())?;
    // SOC (FF4F) immediately followed by SIZ (FF51); Ssiz sits 40 bytes after the SIZ marker.
    let pos = fragment
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])?;
    let ssiz = *fragment.get(pos + 2 + 40)?;
    Some(ssiz & 0x80 != 0)
}

/// Native (unencapsulated) samples as the parser already holds them in memory: decoding
/// them straight from there avoids two copies per slice, which dominates load time.
enum NativeSamples<'a> {
    U16(&'a [u16]),
    I16(&'a [i16]),
    U8(&'a [u8]),
}

fn native_samples(obj: &dicom_object::DefaultDicomObject) -> Option<NativeSamples<'_>> {
    use dicom_core::value::{PrimitiveValue, Value};
    match obj.get(dicom_dictionary_std::tags::PIXEL_DATA)?.value() {
        Value::Primitive(PrimitiveValue::U16(v)) => Some(NativeSamples::U16(v)),
        Value::Primitive(PrimitiveValue::I16(v)) => Some(NativeSamples::I16(v)),
        Value::Primitive(PrimitiveValue::U8(v)) => Some(NativeSamples::U8(v)),
        _ => None,
    }
}

/// Sample layout from the header, checked against how the samples are held.
fn native_format(
    obj: &dicom_object::DefaultDicomObject,
    samples: &NativeSamples<'_>,
) -> Result<SampleFormat, String> {
    use super::attrs::int;
    use dicom_dictionary_std::tags;
    let samples_per_pixel = int(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
    if samples_per_pixel != 1 {
        return Err(format!(
            "{samples_per_pixel} samples per pixel; only greyscale images are supported"
        ));
    }
    let allocated = int(obj, tags::BITS_ALLOCATED).ok_or("BitsAllocated is missing")?;
    let held = match samples {
        NativeSamples::U8(_) => 8,
        _ => 16,
    };
    if allocated != held {
        return Err(format!(
            "BitsAllocated {allocated} does not match the {held}-bit pixel data"
        ));
    }
    let stored = int(obj, tags::BITS_STORED)
        .unwrap_or(allocated)
        .clamp(1, allocated);
    Ok(SampleFormat {
        bytes: (allocated / 8) as usize,
        bits_stored: stored as u16,
        signed: int(obj, tags::PIXEL_REPRESENTATION) == Some(1),
    })
}

impl NativeSamples<'_> {
    fn convert_range<T: Voxel>(
        &self,
        start: usize,
        len: usize,
        format: &SampleFormat,
        slope: f64,
        intercept: f64,
        out: &mut [T],
    ) -> Result<(), String> {
        let end = start + len;
        let short = || "pixel data shorter than the image size".to_string();
        match self {
            NativeSamples::U16(v) => {
                let v = v.get(start..end).ok_or_else(short)?;
                format.convert_words(v.iter().map(|w| u32::from(*w)), slope, intercept, out)
            }
            NativeSamples::I16(v) => {
                let v = v.get(start..end).ok_or_else(short)?;
                format.convert_words(
                    v.iter().map(|w| u32::from(*w as u16)),
                    slope,
                    intercept,
                    out,
                )
            }
            NativeSamples::U8(v) => {
                let v = v.get(start..end).ok_or_else(short)?;
                format.convert_words(v.iter().map(|w| u32::from(*w)), slope, intercept, out)
            }
        }
        Ok(())
    }
}

/// How stored samples are laid out.
#[derive(Debug, Clone, Copy)]
struct SampleFormat {
    bytes: usize,
    bits_stored: u16,
    signed: bool,
}

impl SampleFormat {
    /// Converts raw sample words to `stored * slope + intercept`, keeping only the stored
    /// bits and sign-extending when signed.
    fn convert_words<T: Voxel>(
        &self,
        words: impl Iterator<Item = u32>,
        slope: f64,
        intercept: f64,
        out: &mut [T],
    ) {
        let (slope, intercept) = (slope as f32, intercept as f32);
        let unused = 32 - u32::from(self.bits_stored.clamp(1, 32));
        if self.signed {
            out.iter_mut().zip(words).for_each(|(o, w)| {
                *o = T::from_f32((((w << unused) as i32) >> unused) as f32 * slope + intercept);
            });
        } else {
            out.iter_mut().zip(words).for_each(|(o, w)| {
                *o = T::from_f32(((w << unused) >> unused) as f32 * slope + intercept);
            });
        }
    }

    /// Converts native-endian samples to `stored * slope + intercept`.
    fn convert<T: Voxel>(
        &self,
        bytes: &[u8],
        slope: f64,
        intercept: f64,
        out: &mut [T],
    ) -> Result<(), String> {
        if bytes.len() < out.len() * self.bytes {
            return Err("pixel data shorter than the image size".into());
        }
        match self.bytes {
            1 => self.convert_words(bytes.iter().map(|b| u32::from(*b)), slope, intercept, out),
            2 => self.convert_words(
                bytes
                    .chunks_exact(2)
                    .map(|b| u32::from(u16::from_ne_bytes([b[0], b[1]]))),
                slope,
                intercept,
                out,
            ),
            4 => self.convert_words(
                bytes
                    .chunks_exact(4)
                    .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
                slope,
                intercept,
                out,
            ),
            n => return Err(format!("{} bits allocated is not supported", n * 8)),
        }
        Ok(())
    }
}

/// Most bytes compressed pixel data may decode to, whatever the file: 4 GiB.
pub const MAX_DECODED_BYTES: u64 = 4 << 30;
/// Most bytes compressed pixel data may decode to per byte of file (RLE expands at most
/// 64-fold, lossless JPEG far less), plus a small allowance for tiny files.
const MAX_EXPANSION: u64 = 128;
const EXPANSION_ALLOWANCE: u64 = 1 << 20;

/// Refuses compressed pixel data whose decoded size (rows x columns x frames x samples x
/// bytes) is absurd or far beyond what the file's bytes can hold, before the decoder
/// allocates it.
fn check_decoded_size(
    obj: &dicom_object::DefaultDicomObject,
    header: &super::header::FileHeader,
) -> Result<(), String> {
    let bits = super::attrs::int(obj, dicom_dictionary_std::tags::BITS_ALLOCATED)
        .unwrap_or(16)
        .clamp(1, 64) as u64;
    let decoded = u64::from(header.rows)
        * u64::from(header.columns)
        * header.frames.len() as u64
        * u64::from(header.samples_per_pixel.max(1))
        * bits.div_ceil(8);
    let file_len = std::fs::metadata(&header.path).map_or(0, |m| m.len());
    let limit = (file_len * MAX_EXPANSION + EXPANSION_ALLOWANCE).min(MAX_DECODED_BYTES);
    if decoded > limit {
        return Err(format!(
            "{} x {} pixels x {} frames would decode to {} bytes, more than a {}-byte file \
             can hold",
            header.columns,
            header.rows,
            header.frames.len(),
            super::validate::thousands(decoded),
            super::validate::thousands(file_len)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_signed_and_masked_samples() {
        let f = SampleFormat {
            bytes: 2,
            bits_stored: 16,
            signed: true,
        };
        let bytes: Vec<u8> = [-1000i16, 0, 2000]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        let mut out = [0.0; 3];
        f.convert(&bytes, 1.0, -24.0, &mut out).unwrap();
        assert_eq!(out, [-1024.0, -24.0, 1976.0]);

        // 12 bits stored, signed: 0x0FFF is -1; high garbage bits ignored.
        let f = SampleFormat {
            bytes: 2,
            bits_stored: 12,
            signed: true,
        };
        let bytes: Vec<u8> = [0xFFFFu16, 0xF7FF]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        let mut out = [0.0; 2];
        f.convert(&bytes, 2.0, 0.0, &mut out).unwrap();
        assert_eq!(out, [-2.0, 4094.0]);

        let f = SampleFormat {
            bytes: 1,
            bits_stored: 8,
            signed: false,
        };
        let mut out = [0.0; 2];
        f.convert(&[255, 1], 0.5, 0.0, &mut out).unwrap();
        assert_eq!(out, [127.5, 0.5]);
        assert!(f.convert(&[1], 1.0, 0.0, &mut out).is_err());
    }
}
