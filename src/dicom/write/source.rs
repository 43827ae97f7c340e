//! What exports copy from the source study: patient and study attributes, and the PET
//! instances slice by slice.

use std::path::PathBuf;

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use glam::DVec3;

use super::super::assemble::assemble;
use super::super::scan::{open_dicom, scan};
use super::super::series::Series;
use super::DicomWriteError;
use crate::volume::Geometry;

/// Attributes of the Patient and General Study modules (and the character set they are
/// encoded in), copied as they are from the source, so exports land in the patient's record.
const COPIED: &[dicom_core::Tag] = &[
    tags::SPECIFIC_CHARACTER_SET,
    tags::PATIENT_NAME,
    tags::PATIENT_ID,
    tags::ISSUER_OF_PATIENT_ID,
    tags::PATIENT_BIRTH_DATE,
    tags::PATIENT_SEX,
    tags::STUDY_INSTANCE_UID,
    tags::STUDY_DATE,
    tags::STUDY_TIME,
    tags::REFERRING_PHYSICIAN_NAME,
    tags::STUDY_ID,
    tags::ACCESSION_NUMBER,
    tags::STUDY_DESCRIPTION,
];

/// Type 2 attributes of those modules: written empty when the source lacks them.
const TYPE2: &[(dicom_core::Tag, dicom_core::VR)] = &[
    (tags::PATIENT_NAME, dicom_core::VR::PN),
    (tags::PATIENT_ID, dicom_core::VR::LO),
    (tags::PATIENT_BIRTH_DATE, dicom_core::VR::DA),
    (tags::PATIENT_SEX, dicom_core::VR::CS),
    (tags::STUDY_DATE, dicom_core::VR::DA),
    (tags::STUDY_TIME, dicom_core::VR::TM),
    (tags::REFERRING_PHYSICIAN_NAME, dicom_core::VR::PN),
    (tags::STUDY_ID, dicom_core::VR::SH),
    (tags::ACCESSION_NUMBER, dicom_core::VR::SH),
];

/// One slice of the source series, in the assembled volume's slice order.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSlice {
    pub sop_class_uid: String,
    pub sop_instance_uid: String,
    /// Frame number (1-based) within a multi-frame source instance; `None` for single-frame.
    pub frame_number: Option<u32>,
    /// ImagePositionPatient of the slice (mm LPS).
    pub position: DVec3,
}

/// A source series as exports refer to it.
#[derive(Debug, Clone)]
pub struct SourceSeries {
    /// Patient and General Study module elements (identifiers: never print them).
    pub patient_study: Vec<super::elements::Element>,
    pub study_instance_uid: String,
    pub series_instance_uid: String,
    pub frame_of_reference_uid: Option<String>,
    pub modality: String,
    /// The series' grid, as the loader assembles it.
    pub geometry: Geometry,
    /// One entry per slice of `geometry`, slice 0 first.
    pub slices: Vec<SourceSlice>,
}

impl SourceSeries {
    /// Scans `paths` (headers only) and describes the series `series_uid`, or the first
    /// series of `modality` when `series_uid` is `None`.
    pub fn read(
        paths: &[PathBuf],
        series_uid: Option<&str>,
        modality: &'static str,
    ) -> Result<Self, DicomWriteError> {
        let scanned = scan(paths);
        let series = scanned
            .series
            .into_iter()
            .find(|s| match series_uid {
                Some(uid) => s.uid == uid,
                None => s.modality == modality,
            })
            .ok_or(DicomWriteError::NoSourceSeries { what: modality })?;
        Self::from_series(&series)
    }

    /// Describes a scanned series (reads the first file's header again for the patient and
    /// study attributes).
    pub fn from_series(series: &Series) -> Result<Self, DicomWriteError> {
        let assembly = assemble(series)?;
        let first = series
            .files
            .first()
            .ok_or(DicomWriteError::NoSourceSeries { what: "image" })?;
        let obj = open_dicom(&first.path, true)?;
        let ds: &InMemDicomObject = &obj;
        let mut patient_study: Vec<_> = COPIED.iter().filter_map(|&t| ds.get(t).cloned()).collect();
        for &(tag, vr) in TYPE2 {
            if !patient_study.iter().any(|e| e.header().tag == tag) {
                patient_study.push(super::elements::text(tag, vr, ""));
            }
        }
        let slices = assembly
            .slices
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let f = &series.files[s.file];
                let position = f
                    .frames
                    .get(s.frame as usize)
                    .map(|fr| fr.position)
                    .unwrap_or_else(|| {
                        assembly
                            .geometry
                            .voxel_to_patient(DVec3::new(0.0, 0.0, k as f64))
                    });
                SourceSlice {
                    sop_class_uid: f.sop_class_uid.clone(),
                    sop_instance_uid: f.sop_instance_uid.clone(),
                    frame_number: (f.frames.len() > 1).then_some(s.frame + 1),
                    position,
                }
            })
            .collect();
        Ok(Self {
            patient_study,
            study_instance_uid: first.study_uid.clone(),
            series_instance_uid: series.uid.clone(),
            frame_of_reference_uid: first.frame_of_reference_uid.clone(),
            modality: series.modality.clone(),
            geometry: assembly.geometry,
            slices,
        })
    }
}
