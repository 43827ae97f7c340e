//! What one file tells us before its pixels are read: identity, image layout, per-frame
//! placement and rescale, and the PET values SUV needs.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use glam::DVec3;

use super::attrs::Dataset;
use super::attrs::{first_item, float, floats, int, private_float, private_text, text, texts};
use super::datetime::{parse_time, Instant};
use super::error::DicomError;
use super::suv::SuvInputs;

/// Placement and rescale of one frame (one slice).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameHeader {
    /// Frame number within its file (0 for single-frame files).
    pub index: u32,
    /// ImagePositionPatient: centre of the first voxel, mm LPS.
    pub position: DVec3,
    /// ImageOrientationPatient: row direction then column direction.
    pub orientation: [f64; 6],
    /// PixelSpacing: (between rows, between columns) in mm.
    pub pixel_spacing: [f64; 2],
    /// RescaleSlope.
    pub slope: f64,
    /// RescaleIntercept.
    pub intercept: f64,
    /// Acquisition date-time of this frame, when given.
    pub acquisition: Option<Instant>,
}

/// Patient identifiers and dates, kept apart so exports and logs can leave them out.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PatientInfo {
    pub name: Option<String>,
    pub id: Option<String>,
    pub birth_date: Option<String>,
    pub study_date: Option<String>,
    /// StudyTime (TM), for ordering studies of one day.
    pub study_time: Option<String>,
}

/// Everything the loader needs from a file's header.
#[derive(Debug, Clone)]
pub struct FileHeader {
    pub path: PathBuf,
    pub sop_class_uid: String,
    /// SOPInstanceUID (empty when missing): what derived objects reference.
    pub sop_instance_uid: String,
    pub modality: String,
    pub series_uid: String,
    pub series_number: Option<i64>,
    pub series_description: String,
    pub study_uid: String,
    pub frame_of_reference_uid: Option<String>,
    pub transfer_syntax: String,
    pub rows: u32,
    pub columns: u32,
    pub samples_per_pixel: u16,
    pub image_type: Vec<String>,
    pub gantry_tilt_deg: Option<f64>,
    pub slice_thickness: Option<f64>,
    /// One entry per frame.
    pub frames: Vec<FrameHeader>,
    /// PET calibration values (modality PT only).
    pub suv: Option<SuvInputs>,
    pub patient: PatientInfo,
}

/// What scanning one file found.
#[derive(Debug)]
pub enum Scanned {
    /// An image with the geometry we need.
    Image(Box<FileHeader>),
    /// A DICOM object that is not an image (structure set, report, DICOMDIR, ...).
    NotImage { path: PathBuf, what: String },
}

const NON_IMAGE_MODALITIES: &[&str] = &[
    "RTSTRUCT", "RTPLAN", "RTRECORD", "RTDOSE", "SR", "PR", "KO", "REG", "SEG", "DOC", "PLAN",
];
const DICOMDIR_CLASS: &str = "1.2.840.10008.1.3.10";

/// Classifies a parsed object and extracts its header.
pub fn scan_object(
    path: &Path,
    obj: &dicom_object::DefaultDicomObject,
) -> Result<Scanned, DicomError> {
    let meta = obj.meta();
    let media_class = meta
        .media_storage_sop_class_uid()
        .trim_end_matches('\0')
        .to_string();
    if media_class == DICOMDIR_CLASS {
        return Ok(Scanned::NotImage {
            path: path.into(),
            what: "DICOMDIR".into(),
        });
    }
    let ds: &Dataset = obj;
    let modality = text(ds, tags::MODALITY).unwrap_or_default();
    if NON_IMAGE_MODALITIES.contains(&modality.as_str()) {
        return Ok(Scanned::NotImage {
            path: path.into(),
            what: format!("{modality} object"),
        });
    }
    let (Some(rows), Some(columns)) = (int(ds, tags::ROWS), int(ds, tags::COLUMNS)) else {
        return Ok(Scanned::NotImage {
            path: path.into(),
            what: format!(
                "object without image rows and columns (modality '{}', SOP class {})",
                modality, media_class
            ),
        });
    };
    let bad = |attribute: &'static str, detail: String| DicomError::BadAttribute {
        path: path.into(),
        attribute,
        detail,
    };
    if !(1..=65535).contains(&rows) || !(1..=65535).contains(&columns) {
        return Err(bad("Rows/Columns", format!("{rows} x {columns}")));
    }
    let series_uid = text(ds, tags::SERIES_INSTANCE_UID)
        .ok_or_else(|| bad("SeriesInstanceUID", String::new()))?;
    let frames = frame_headers(ds, path)?;
    let suv = (modality == "PT").then(|| suv_inputs(ds));
    Ok(Scanned::Image(Box::new(FileHeader {
        path: path.into(),
        sop_class_uid: text(ds, tags::SOP_CLASS_UID).unwrap_or(media_class),
        sop_instance_uid: text(ds, tags::SOP_INSTANCE_UID).unwrap_or_default(),
        modality,
        series_uid,
        series_number: int(ds, tags::SERIES_NUMBER),
        series_description: text(ds, tags::SERIES_DESCRIPTION).unwrap_or_default(),
        study_uid: text(ds, tags::STUDY_INSTANCE_UID).unwrap_or_default(),
        frame_of_reference_uid: text(ds, tags::FRAME_OF_REFERENCE_UID),
        transfer_syntax: meta.transfer_syntax().trim_end_matches('\0').to_string(),
        rows: rows as u32,
        columns: columns as u32,
        samples_per_pixel: int(ds, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as u16,
        image_type: texts(ds, tags::IMAGE_TYPE).unwrap_or_default(),
        gantry_tilt_deg: float(ds, tags::GANTRY_DETECTOR_TILT),
        slice_thickness: float(ds, tags::SLICE_THICKNESS),
        frames,
        suv,
        patient: PatientInfo {
            name: text(ds, tags::PATIENT_NAME),
            id: text(ds, tags::PATIENT_ID),
            birth_date: text(ds, tags::PATIENT_BIRTH_DATE),
            study_date: text(ds, tags::STUDY_DATE),
            study_time: text(ds, tags::STUDY_TIME),
        },
    })))
}

/// Per-frame headers: one for a classic image, one per frame for an enhanced multi-frame
/// image (per-frame functional groups override shared ones, which override the top level).
fn frame_headers(ds: &Dataset, path: &Path) -> Result<Vec<FrameHeader>, DicomError> {
    let count = int(ds, tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
    let shared = first_item(ds, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    let per_frame = ds
        .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|e| e.items());
    if count > 1 && per_frame.is_none() {
        return Err(DicomError::BadAttribute {
            path: path.into(),
            attribute: "PerFrameFunctionalGroupsSequence",
            detail: format!("{count} frames but no per-frame positions"),
        });
    }
    if let Some(items) = per_frame {
        if items.len() as i64 != count {
            return Err(DicomError::BadAttribute {
                path: path.into(),
                attribute: "PerFrameFunctionalGroupsSequence",
                detail: format!("{} items for {count} frames", items.len()),
            });
        }
    }
    (0..count as usize)
        .map(|i| {
            let frame = per_frame.and_then(|items| items.get(i));
            frame_header(ds, shared, frame, i as u32, path)
        })
        .collect()
}

/// Looks an attribute up in the frame's functional group, then the shared one, then the
/// top-level data set.
fn grouped<T>(
    ds: &Dataset,
    shared: Option<&Dataset>,
    frame: Option<&Dataset>,
    group: dicom_core::Tag,
    read: impl Fn(&Dataset) -> Option<T>,
) -> Option<T> {
    [frame, shared]
        .into_iter()
        .flatten()
        .filter_map(|g| first_item(g, group))
        .find_map(&read)
        .or_else(|| read(ds))
}

fn frame_header(
    ds: &Dataset,
    shared: Option<&Dataset>,
    frame: Option<&Dataset>,
    index: u32,
    path: &Path,
) -> Result<FrameHeader, DicomError> {
    let bad = |attribute: &'static str, detail: String| DicomError::BadAttribute {
        path: path.into(),
        attribute,
        detail,
    };
    let ipp = grouped(ds, shared, frame, tags::PLANE_POSITION_SEQUENCE, |d| {
        floats(d, tags::IMAGE_POSITION_PATIENT)
    })
    .ok_or_else(|| bad("ImagePositionPatient", String::new()))?;
    let iop = grouped(ds, shared, frame, tags::PLANE_ORIENTATION_SEQUENCE, |d| {
        floats(d, tags::IMAGE_ORIENTATION_PATIENT)
    })
    .ok_or_else(|| bad("ImageOrientationPatient", String::new()))?;
    let spacing = grouped(ds, shared, frame, tags::PIXEL_MEASURES_SEQUENCE, |d| {
        floats(d, tags::PIXEL_SPACING)
    })
    .ok_or_else(|| bad("PixelSpacing", String::new()))?;
    if ipp.len() != 3 {
        return Err(bad(
            "ImagePositionPatient",
            format!("{} values, need 3", ipp.len()),
        ));
    }
    if iop.len() != 6 {
        return Err(bad(
            "ImageOrientationPatient",
            format!("{} values, need 6", iop.len()),
        ));
    }
    if spacing.len() != 2 || spacing.iter().any(|s| *s <= 0.0) {
        return Err(bad("PixelSpacing", format!("{spacing:?}")));
    }
    let rescale = |tag| {
        grouped(
            ds,
            shared,
            frame,
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            |d| float(d, tag),
        )
    };
    let slope = rescale(tags::RESCALE_SLOPE).unwrap_or(1.0);
    if slope == 0.0 {
        return Err(bad("RescaleSlope", "zero".into()));
    }
    let acquisition = grouped(ds, shared, frame, tags::FRAME_CONTENT_SEQUENCE, |d| {
        text(d, tags::FRAME_ACQUISITION_DATE_TIME).and_then(|t| Instant::from_dt(&t))
    })
    .or_else(|| acquisition_instant(ds));
    Ok(FrameHeader {
        index,
        position: DVec3::new(ipp[0], ipp[1], ipp[2]),
        orientation: [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5]],
        pixel_spacing: [spacing[0], spacing[1]],
        slope,
        intercept: rescale(tags::RESCALE_INTERCEPT).unwrap_or(0.0),
        acquisition,
    })
}

fn acquisition_instant(ds: &Dataset) -> Option<Instant> {
    if let Some(dt) = text(ds, tags::ACQUISITION_DATE_TIME) {
        return Instant::from_dt(&dt);
    }
    Instant::from_date_time(
        &text(ds, tags::ACQUISITION_DATE)?,
        &text(ds, tags::ACQUISITION_TIME)?,
    )
}

const GE_PET_CREATOR: &str = "GEMS_PETD_01";
const PHILIPS_PET_CREATOR: &str = "Philips PET Private Group";

/// A private DT value in group 0009.
fn private_dt(ds: &Dataset, creator: &str, offset: u8) -> Option<Instant> {
    private_text(ds, 0x0009, creator, offset).and_then(|t| Instant::from_dt(&t))
}

/// The PET values SUV needs (the earliest acquisition is filled in per series).
fn suv_inputs(ds: &Dataset) -> SuvInputs {
    let radiopharm = first_item(ds, tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE);
    let series_date = text(ds, tags::SERIES_DATE);
    let series_time = text(ds, tags::SERIES_TIME);
    SuvInputs {
        units: text(ds, tags::UNITS),
        corrected_image: texts(ds, tags::CORRECTED_IMAGE),
        decay_correction: text(ds, tags::DECAY_CORRECTION),
        weight_kg: float(ds, tags::PATIENT_WEIGHT),
        height_m: float(ds, tags::PATIENT_SIZE),
        sex: text(ds, tags::PATIENT_SEX),
        total_dose_bq: radiopharm.and_then(|r| float(r, tags::RADIONUCLIDE_TOTAL_DOSE)),
        half_life_s: radiopharm.and_then(|r| float(r, tags::RADIONUCLIDE_HALF_LIFE)),
        injection_datetime: radiopharm
            .and_then(|r| text(r, tags::RADIOPHARMACEUTICAL_START_DATE_TIME))
            .and_then(|t| Instant::from_dt(&t)),
        injection_time_of_day_s: radiopharm
            .and_then(|r| text(r, tags::RADIOPHARMACEUTICAL_START_TIME))
            .and_then(|t| parse_time(&t)),
        series_date: series_date
            .as_deref()
            .and_then(|d| Instant::from_date_time(d, "000000")),
        series_datetime: series_date
            .as_deref()
            .zip(series_time.as_deref())
            .and_then(|(d, t)| Instant::from_date_time(d, t)),
        earliest_acquisition: acquisition_instant(ds),
        ge_scan_datetime: private_dt(ds, GE_PET_CREATOR, 0x0D),
        ge_tracer_admin_datetime: private_dt(ds, GE_PET_CREATOR, 0x3B),
        ge_tracer_meas_datetime: private_dt(ds, GE_PET_CREATOR, 0x39),
        philips_suv_factor: private_float(ds, 0x7053, PHILIPS_PET_CREATOR, 0x00),
        philips_activity_factor: private_float(ds, 0x7053, PHILIPS_PET_CREATOR, 0x09),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue, Tag, VR};

    /// GE's private block as a de-identified archive leaves it: private date-times shifted
    /// by another offset than the public ones.
    #[test]
    fn reads_ge_private_scan_and_tracer_date_times() {
        let dt = |offset: u16, value: &str| {
            DataElement::new(
                Tag(0x0009, 0x1000 | offset),
                VR::DT,
                PrimitiveValue::from(value),
            )
        };
        let ds = Dataset::from_element_iter([
            DataElement::new(tags::SERIES_DATE, VR::DA, PrimitiveValue::from("19600116")),
            DataElement::new(tags::SERIES_TIME, VR::TM, PrimitiveValue::from("095947")),
            DataElement::new(
                Tag(0x0009, 0x0010),
                VR::LO,
                PrimitiveValue::from(GE_PET_CREATOR),
            ),
            dt(0x0D, "19591224095947"),
            dt(0x39, "19591224072000"),
            dt(0x3B, "19591224072100"),
        ]);
        let i = suv_inputs(&ds);
        assert_eq!(i.ge_scan_datetime, Instant::from_dt("19591224095947"));
        assert_eq!(
            i.ge_tracer_meas_datetime,
            Instant::from_dt("19591224072000")
        );
        assert_eq!(
            i.ge_tracer_admin_datetime,
            Instant::from_dt("19591224072100")
        );
        assert_eq!(i.series_datetime, Instant::from_dt("19600116095947"));
    }
}
