//! DICOM input: files to series to volumes, and SUV.
//!
//! `scan` reads headers only and groups files into series; `series` chooses the CT and PET
//! series of a study; `assemble` orders slices and checks the geometry; `decode` reads
//! pixels in parallel and applies the per-slice rescale; `suv` computes SUV factors. A
//! [`CancelFlag`] in [`LoadOptions`] stops a load between files or slices.

mod assemble;
mod attrs;
mod cancel;
pub mod datetime;
mod decode;
mod error;
mod header;
mod quiet_panic;
mod scan;
mod series;
mod study;
pub mod suv;
mod suv_time;
mod timepoints;
mod validate;
pub mod write;

pub use assemble::{assemble, Assembly, SliceSource};
pub use cancel::{CancelFlag, LoadProgress};
pub use error::DicomError;
pub use header::{FileHeader, FrameHeader, PatientInfo};
pub use quiet_panic::contained_panics;
pub use scan::{collect_files, open_dicom, scan, scan_cancellable, ScanResult};
pub use series::{choose_ct, choose_pet, ct_options, pet_options, Choice, Series, SeriesOption};
pub use study::{
    load_pet_series, load_pet_series_cancellable, load_scanned, load_series,
    load_series_cancellable, load_study, LoadOptions, LoadedSeries, PetSeries, SeriesChoices,
    SeriesSummary, Study,
};
pub use suv::{SuvCalibration, SuvInputs, SuvOverrides, SuvUnavailable};
pub use timepoints::{check_same_patient, time_points, DifferentPatients, TimePoint};
pub use validate::MAX_DEPTH;
