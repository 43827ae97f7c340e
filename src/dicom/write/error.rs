//! Errors of the DICOM writers and the SEG reader.

use std::path::PathBuf;

use super::super::error::DicomError;

/// Why a DICOM object could not be built, or a SEG not read back.
#[derive(Debug, thiserror::Error)]
pub enum DicomWriteError {
    /// The source study could not be read.
    #[error(transparent)]
    Source(#[from] DicomError),
    /// The source study has no series the export can refer to.
    #[error("no {what} series in the source study to refer to")]
    NoSourceSeries { what: &'static str },
    /// The inputs do not fit together (sizes, empty masks, ...).
    #[error("cannot build the {object}: {problem}")]
    Input {
        object: &'static str,
        problem: String,
    },
    /// dicom-rs refused the object while encoding it.
    #[error("cannot encode the {object}: {reason}")]
    Encode {
        object: &'static str,
        reason: String,
    },
    /// A SEG file read back is not what this reader understands.
    #[error("{}: {problem}", path.display())]
    BadSeg { path: PathBuf, problem: String },
}
