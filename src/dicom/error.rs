//! Errors of the DICOM layer; each names the file or series it is about.

use std::path::PathBuf;

/// An error reading or assembling DICOM data.
#[derive(Debug, thiserror::Error)]
pub enum DicomError {
    /// The file could not be parsed as DICOM (truncated, not DICOM, bad lengths, ...).
    #[error("{}: not readable as DICOM: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    /// A required attribute is missing or unusable.
    #[error("{}: {attribute} is missing or invalid{}", path.display(), detail_suffix(detail))]
    BadAttribute {
        path: PathBuf,
        attribute: &'static str,
        detail: String,
    },
    /// The pixel data could not be decoded.
    #[error("{}: cannot decode pixel data (transfer syntax {transfer_syntax}): {reason}", path.display())]
    Decode {
        path: PathBuf,
        transfer_syntax: String,
        reason: String,
    },
    /// The parser itself failed unexpectedly on this file.
    #[error("{}: the DICOM parser failed on this file ({reason}); the file is probably corrupt", path.display())]
    ParserPanic { path: PathBuf, reason: String },
    /// The slices of a series do not form one regular volume.
    #[error("series {series}: {problem} (files: {})", list_files(files))]
    Geometry {
        series: String,
        problem: String,
        files: Vec<PathBuf>,
    },
    /// No usable image was found.
    #[error("{}: no CT or PET image series found", path.display())]
    NothingFound { path: PathBuf },
    /// The requested series is not in the study.
    #[error("no series matches '{0}' (give a SeriesInstanceUID or a series number)")]
    NoSuchSeries(String),
    /// The load was cancelled through its [`super::CancelFlag`]; nothing is wrong with the files.
    #[error("loading was cancelled")]
    Cancelled,
    /// I/O error walking a folder.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl DicomError {
    /// The file this error is about, when it is about one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            DicomError::Unreadable { path, .. }
            | DicomError::BadAttribute { path, .. }
            | DicomError::Decode { path, .. }
            | DicomError::ParserPanic { path, .. }
            | DicomError::NothingFound { path }
            | DicomError::Io { path, .. } => Some(path),
            DicomError::Geometry { files, .. } => files.first().map(|p| p.as_path()),
            DicomError::NoSuchSeries(_) | DicomError::Cancelled => None,
        }
    }
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

fn list_files(files: &[PathBuf]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = files
        .iter()
        .take(SHOWN)
        .map(|p| p.display().to_string())
        .collect();
    if files.len() > SHOWN {
        names.push(format!("and {} more", files.len() - SHOWN));
    }
    names.join(", ")
}
