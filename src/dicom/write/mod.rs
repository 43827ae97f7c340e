//! DICOM output: objects that go back into the patient's record.
//!
//! [`secondary_capture`] turns a rendered key frame into a Secondary Capture image,
//! [`segmentation`] turns a label volume on the PET grid into a binary DICOM SEG, and
//! [`read_segmentation`] reads such a SEG back. [`SourceSeries`] is what both writers copy
//! from the source study: its patient and study attributes and the PET instances per slice.
//!
//! Writers return the encoded Part 10 file as bytes; the caller writes them (atomically, with
//! `crate::render::export::write_atomic`), so this layer stays free of file-system policy.
//! New UIDs are `2.25.<128 random bits as decimal>` ([`new_uid`]).

mod elements;
mod error;
mod sc;
mod seg;
mod seg_read;
mod source;
mod uid;

pub use error::DicomWriteError;
pub use sc::{secondary_capture, RgbImage};
pub use seg::{segmentation, Segment, SEG_ALGORITHM_NAME};
pub use seg_read::{read_segmentation, ReadSegment, SegFrame, Segmentation};
pub use source::{SourceSeries, SourceSlice};
pub use uid::new_uid;

/// An encoded DICOM file and the identity of the new object.
#[derive(Debug, Clone)]
pub struct WrittenObject {
    /// The Part 10 file (preamble, file meta, data set).
    pub bytes: Vec<u8>,
    /// SOPInstanceUID of the new object.
    pub sop_instance_uid: String,
    /// SeriesInstanceUID of the new series it starts.
    pub series_instance_uid: String,
    /// StudyInstanceUID (the source study's).
    pub study_instance_uid: String,
}
