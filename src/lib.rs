//! petct-viewer: load, analyse and render fused PET-CT studies.
//!
//! Data flows one way: [`dicom`] (files to series to volumes, SUV) -> [`volume`] (geometry,
//! voxels, units) -> analysis and rendering -> key frames ([`annotate`] draws, [`keyframe`]
//! decides what) -> user interface.

pub mod analysis;
pub mod annotate;
pub mod cli;
pub mod dicom;
pub mod dicomweb;
pub mod keyframe;
pub mod nifti;
pub mod phantom;
pub mod render;
pub mod response_chart;
pub mod study;
pub mod study_export;
pub mod study_nifti;
pub mod study_reference;
pub mod study_response;
pub mod ui;
pub mod volume;
