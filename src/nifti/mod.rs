//! NIfTI-1 volumes (`.nii`, `.nii.gz`) read into [`Volume`]s in DICOM patient coordinates.
//!
//! The header is parsed by the `nifti` crate; the voxel bytes are checked against the
//! dimensions before anything is allocated for them, converted to `f32` with
//! `scl_slope`/`scl_inter` applied, and placed by the sform (sform_code > 0), else the qform,
//! else pixdim alone, converted from NIfTI's RAS+ world to LPS ([`affine`]).
//!
//! This module depends only on [`crate::volume`].

pub mod affine;
mod error;

use std::io::Read;
use std::path::Path;

use glam::DVec3;
use nifti::{Endianness, NiftiHeader};

pub use affine::{Affine, TransformSource};
pub use error::NiftiError;

use crate::volume::{Unit, Volume};

/// Largest decompressed file the reader accepts (bytes).
pub const MAX_DECOMPRESSED_BYTES: u64 = 16 << 30;

/// A volume read from a NIfTI file.
#[derive(Debug, Clone)]
pub struct NiftiVolume {
    /// Voxels (f32, scaled) in LPS patient space.
    pub volume: Volume,
    /// Which header transform placed the voxels.
    pub transform: TransformSource,
    /// Whether the file's j axis was reversed to make the grid right-handed.
    pub flipped_j: bool,
    /// Things the user may want to know (no transform, reversed rows...).
    pub notes: Vec<String>,
}

/// Whether a path names a NIfTI file by its extension (`.nii` or `.nii.gz`).
pub fn is_nifti_path(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".nii") || name.ends_with(".nii.gz")
}

/// Reads a `.nii` or `.nii.gz` file (gzip is recognised by its magic bytes) as a volume in
/// `unit`.
pub fn read_volume(path: &Path, unit: Unit) -> Result<NiftiVolume, NiftiError> {
    let bytes = read_bytes(path)?;
    parse(path, &bytes, unit)
}

/// The file's bytes, gunzipped when they start with the gzip magic.
fn read_bytes(path: &Path) -> Result<Vec<u8>, NiftiError> {
    let io = |source| NiftiError::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    // Grows only as data actually decompresses; the limit stops gzip bombs.
    flate2::read::MultiGzDecoder::new(raw.as_slice())
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|source| NiftiError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(NiftiError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_DECOMPRESSED_BYTES,
        });
    }
    Ok(out)
}

/// Parses a whole (decompressed) NIfTI-1 file.
fn parse(path: &Path, bytes: &[u8], unit: Unit) -> Result<NiftiVolume, NiftiError> {
    let p = || path.to_path_buf();
    if bytes.len() < 348 {
        return Err(NiftiError::TooShort {
            path: p(),
            len: bytes.len(),
        });
    }
    let header = NiftiHeader::from_reader(bytes)
        .map_err(|source| NiftiError::Header { path: p(), source })?;
    if &header.magic != b"n+1\0" {
        return Err(NiftiError::SeparateImage { path: p() });
    }
    let dims = dims(path, &header)?;
    let (size, convert) = converter(path, header.datatype)?;
    let offset = header.vox_offset;
    if !(offset.is_finite() && offset >= 348.0 && offset.fract() == 0.0) {
        return Err(NiftiError::BadOffset { path: p(), offset });
    }
    let offset = offset as usize;
    let count = dims.iter().map(|&d| d as u128).product::<u128>();
    let needed = count * size as u128;
    let available = bytes.len().saturating_sub(offset);
    if offset > bytes.len() || needed > available as u128 {
        return Err(NiftiError::DataTooShort {
            path: p(),
            dims,
            bytes_per_voxel: size,
            offset,
            needed,
            available,
        });
    }
    let raw = &bytes[offset..offset + needed as usize];
    let big = header.endianness == Endianness::Big;
    let mut data: Vec<f32> = raw.chunks_exact(size).map(|b| convert(b, big)).collect();
    let (slope, inter) = (header.scl_slope, header.scl_inter);
    if slope != 0.0 && slope.is_finite() && inter.is_finite() && (slope != 1.0 || inter != 0.0) {
        let (slope, inter) = (slope as f64, inter as f64);
        for v in &mut data {
            *v = (*v as f64 * slope + inter) as f32;
        }
    }
    let (ras, transform) = transform(&header);
    let mut notes = Vec::new();
    if transform == TransformSource::PixdimOnly {
        notes.push(format!(
            "{}: no sform or qform: placed by pixdim only (RAS axes, origin at voxel 0); positions are not patient positions",
            path.display()
        ));
    }
    let (geometry, flipped_j) =
        affine::geometry_from_lps(dims, &ras.ras_to_lps()).map_err(|reason| {
            NiftiError::BadTransform {
                path: p(),
                source_name: transform.name(),
                reason,
            }
        })?;
    if flipped_j {
        affine::flip_j(&mut data, dims);
    }
    let volume = Volume::new(geometry, data, unit).map_err(|e| NiftiError::BadTransform {
        path: p(),
        source_name: transform.name(),
        reason: e.to_string(),
    })?;
    Ok(NiftiVolume {
        volume,
        transform,
        flipped_j,
        notes,
    })
}

/// The three spatial dimensions, checked (positive, nothing beyond the third but ones).
fn dims(path: &Path, header: &NiftiHeader) -> Result<[usize; 3], NiftiError> {
    // The crate reads dim as u16; the standard's type is short, so negatives show here.
    let raw = header.dim.map(|d| d as i16);
    let bad = |index: usize, why| NiftiError::BadDim {
        path: path.to_path_buf(),
        index,
        value: raw[index],
        why,
    };
    let n = raw[0];
    if !(1..=7).contains(&n) {
        return Err(bad(0, "the number of dimensions must be 1 to 7"));
    }
    let n = n as usize;
    if let Some(i) = (1..=n).find(|&i| raw[i] <= 0) {
        return Err(bad(i, "dimensions must be positive"));
    }
    if raw[4..=n.max(3)].iter().any(|&d| d > 1) {
        return Err(NiftiError::NotThreeD {
            path: path.to_path_buf(),
            dims: raw[1..=n].to_vec(),
        });
    }
    let get = |i: usize| if i <= n { raw[i] as usize } else { 1 };
    Ok([get(1), get(2), get(3)])
}

type Convert = fn(&[u8], bool) -> f32;

/// Bytes per voxel and the conversion of one voxel's bytes (big-endian flag) to f32.
fn converter(path: &Path, code: i16) -> Result<(usize, Convert), NiftiError> {
    macro_rules! conv {
        ($t:ty) => {
            (std::mem::size_of::<$t>(), |b: &[u8], big: bool| {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                (if big {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                }) as f32
            })
        };
    }
    Ok(match code {
        2 => conv!(u8),
        4 => conv!(i16),
        8 => conv!(i32),
        16 => conv!(f32),
        64 => conv!(f64),
        256 => conv!(i8),
        512 => conv!(u16),
        768 => conv!(u32),
        1024 => conv!(i64),
        1280 => conv!(u64),
        _ => {
            return Err(NiftiError::UnsupportedDatatype {
                path: path.to_path_buf(),
                code,
            })
        }
    })
}

/// The voxel-to-world affine (RAS) the header prescribes and where it came from.
fn transform(h: &NiftiHeader) -> (Affine, TransformSource) {
    let f = |v: f32| v as f64;
    if h.sform_code > 0 {
        let row = |r: [f32; 4]| r.map(f);
        return (
            Affine::from_rows([row(h.srow_x), row(h.srow_y), row(h.srow_z)]),
            TransformSource::Sform,
        );
    }
    let pixdim = [f(h.pixdim[1]), f(h.pixdim[2]), f(h.pixdim[3])];
    if h.qform_code > 0 {
        return (
            Affine::from_quaternion(
                [f(h.quatern_b), f(h.quatern_c), f(h.quatern_d)],
                pixdim,
                f(h.pixdim[0]),
                DVec3::new(f(h.quatern_x), f(h.quatern_y), f(h.quatern_z)),
            ),
            TransformSource::Qform,
        );
    }
    (
        Affine {
            m: glam::DMat3::from_diagonal(DVec3::from_array(pixdim)),
            t: DVec3::ZERO,
        },
        TransformSource::PixdimOnly,
    )
}

#[cfg(test)]
mod tests;
