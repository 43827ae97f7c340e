//! Errors of the NIfTI reader; each names the file it is about.

use std::path::PathBuf;

/// An error reading a NIfTI-1 file.
#[derive(Debug, thiserror::Error)]
pub enum NiftiError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The gzip stream is corrupt or truncated.
    #[error("{}: not a readable gzip stream (truncated or corrupt): {source}", path.display())]
    Gzip {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The decompressed file is larger than the reader accepts.
    #[error("{}: decompresses to more than {limit} bytes", path.display())]
    TooLarge { path: PathBuf, limit: u64 },
    /// Shorter than a NIfTI-1 header.
    #[error("{}: {len} bytes, shorter than the 348-byte NIfTI-1 header (truncated?)", path.display())]
    TooShort { path: PathBuf, len: usize },
    /// The header could not be parsed (bad magic, bad sizeof_hdr, ...).
    #[error("{}: not a NIfTI-1 file: {source}", path.display())]
    Header {
        path: PathBuf,
        source: nifti::NiftiError,
    },
    /// A header+image pair (`.hdr`/`.img`) rather than a single `.nii` file.
    #[error("{}: the header says its voxels are in a separate .img file; only single-file .nii and .nii.gz are read", path.display())]
    SeparateImage { path: PathBuf },
    /// A dimension is zero or negative, or dim[0] is out of range.
    #[error("{}: header dim[{index}] = {value} is invalid ({why})", path.display())]
    BadDim {
        path: PathBuf,
        index: usize,
        value: i16,
        why: &'static str,
    },
    /// More than three dimensions with more than one element.
    #[error("{}: {dims:?} is not a 3D volume (time series and vector images are not read)", path.display())]
    NotThreeD { path: PathBuf, dims: Vec<i16> },
    /// A voxel data type the reader does not convert.
    #[error("{}: unsupported NIfTI datatype code {code} (read: integer types of 8 to 64 bits, float32, float64)", path.display())]
    UnsupportedDatatype { path: PathBuf, code: i16 },
    /// vox_offset is not a usable byte offset.
    #[error("{}: vox_offset {offset} is not a byte offset of at least 348 inside the file", path.display())]
    BadOffset { path: PathBuf, offset: f32 },
    /// The dimensions need more bytes than the file holds.
    #[error("{}: dimensions {dims:?} of {bytes_per_voxel}-byte voxels need {needed} bytes after offset {offset}, but the (decompressed) file has only {available}", path.display())]
    DataTooShort {
        path: PathBuf,
        dims: [usize; 3],
        bytes_per_voxel: usize,
        offset: usize,
        needed: u128,
        available: usize,
    },
    /// The voxel-to-world transform is unusable (zero or non-finite columns, shear).
    #[error("{}: unusable voxel-to-world transform ({source_name}): {reason}", path.display())]
    BadTransform {
        path: PathBuf,
        source_name: &'static str,
        reason: String,
    },
}
