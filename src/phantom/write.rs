//! Writes a [`Phantom`] as two DICOM series (CT Image Storage and PET Image Storage), one file
//! per axial slice, Explicit VR Little Endian, with deterministic UIDs.

use super::noise::splitmix64;
use super::Phantom;
use crate::dicom::datetime::{civil_from_days, days_from_civil};
use crate::volume::Volume;
use dicom_core::value::{DataSetSequence, PrimitiveValue, C};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use glam::DVec3;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Where [`write_dicom`] put the files.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenSeries {
    /// Directory of the CT series (`out_dir/ct`).
    pub ct_dir: PathBuf,
    /// Directory of the PET series (`out_dir/pet`).
    pub pet_dir: PathBuf,
    /// CT files, one per slice, inferior to superior.
    pub ct_files: Vec<PathBuf>,
    /// PET files, one per slice, inferior to superior.
    pub pet_files: Vec<PathBuf>,
    /// The study both series belong to.
    pub study_instance_uid: String,
    /// The frame of reference both series share.
    pub frame_of_reference_uid: String,
}

/// Errors writing a phantom, naming the file or directory concerned.
#[derive(Debug, thiserror::Error)]
pub enum PhantomWriteError {
    /// A directory could not be created.
    #[error("cannot create directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file meta group could not be built.
    #[error("cannot build the DICOM file meta group for {path}: {source}")]
    Meta {
        path: PathBuf,
        #[source]
        source: Box<dicom_object::WithMetaError>,
    },
    /// Encoding or writing the file failed.
    #[error("cannot write DICOM file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: Box<dicom_object::WriteError>,
    },
    /// The finished temporary file could not be moved into place.
    #[error("cannot rename {from} to {path}: {source}")]
    Rename {
        from: PathBuf,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file left over from an earlier, longer series could not be removed.
    #[error("cannot remove stale file {path}: {source}")]
    RemoveStale {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A slice is too large for DICOM's 16-bit Rows/Columns.
    #[error("cannot write {path}: a {columns} x {rows} slice does not fit DICOM Rows/Columns")]
    TooLarge {
        path: PathBuf,
        columns: usize,
        rows: usize,
    },
}

/// The fictitious study date.
const STUDY_DATE: (i64, u32, u32) = (2026, 1, 1);
/// Start of the PET acquisition, seconds after midnight of [`STUDY_DATE`] (10:00:00).
const PET_START_S: f64 = 10.0 * 3600.0;
/// Start of the CT acquisition (09:55:00), before the PET as on a real PET-CT.
const CT_START_S: f64 = PET_START_S - 300.0;
/// Duration of one PET bed position in ms.
const PET_FRAME_MS: i64 = 120_000;
/// Manufacturer written to every file.
pub(crate) const MANUFACTURER: &str = "petct-viewer phantom";

/// Writes `phantom` as `out_dir/ct/CT_0001.dcm ...` and `out_dir/pet/PET_0001.dcm ...`.
///
/// Files are written under a temporary name in the same directory, then renamed.
pub fn write_dicom(phantom: &Phantom, out_dir: &Path) -> Result<WrittenSeries, PhantomWriteError> {
    let study = StudyUids::new(phantom);
    let ct_dir = out_dir.join("ct");
    let pet_dir = out_dir.join("pet");
    for dir in [&ct_dir, &pet_dir] {
        std::fs::create_dir_all(dir).map_err(|source| PhantomWriteError::CreateDir {
            path: dir.clone(),
            source,
        })?;
    }
    let ct = SeriesSpec::ct(phantom, &study);
    let pet = SeriesSpec::pet(phantom, &study);
    let ct_files = write_series(&ct, &ct_dir)?;
    let pet_files = write_series(&pet, &pet_dir)?;
    Ok(WrittenSeries {
        ct_dir,
        pet_dir,
        ct_files,
        pet_files,
        study_instance_uid: study.study,
        frame_of_reference_uid: study.frame_of_reference,
    })
}

// ---------------------------------------------------------------------------------------------
// Value formatting

/// Formats `v` as a DICOM decimal string (DS) of at most 16 characters, as close to `v` as that
/// allows. Non-finite values become "0"; finite ones must lie within +-1e300.
pub(crate) fn format_ds(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return "0".to_string();
    }
    let shortest = format!("{v}");
    if shortest.len() <= 16 {
        return shortest;
    }
    let fixed = (0..=16usize)
        .rev()
        .map(|p| trim_fraction(format!("{v:.p$}")))
        .find(|s| s.len() <= 16);
    let scientific = (0..=16usize)
        .rev()
        .map(|p| format!("{v:.p$e}"))
        .find(|s| s.len() <= 16);
    let error = |s: &String| s.parse::<f64>().map_or(f64::INFINITY, |x| (x - v).abs());
    [fixed, scientific]
        .into_iter()
        .flatten()
        .min_by(|a, b| error(a).total_cmp(&error(b)).then(a.len().cmp(&b.len())))
        .unwrap_or_else(|| "0".to_string())
}

/// Drops trailing zeros of a fixed-point number's fraction (and a bare point, and "-0").
fn trim_fraction(s: String) -> String {
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// A moment as DICOM DA ("YYYYMMDD") and TM ("HHMMSS" or "HHMMSS.ffffff") strings, given in
/// seconds after midnight of [`STUDY_DATE`] (negative or beyond a day allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub date: String,
    pub time: String,
}

impl Stamp {
    /// The stamp `seconds` after the study day's midnight, to the microsecond.
    pub fn at(seconds: f64) -> Self {
        let micros = (seconds * 1e6).round() as i64;
        let day_micros = 86_400_000_000i64;
        let days = micros.div_euclid(day_micros);
        let rem = micros.rem_euclid(day_micros);
        let (y, m, d) =
            civil_from_days(days_from_civil(STUDY_DATE.0, STUDY_DATE.1, STUDY_DATE.2) + days);
        let secs = rem / 1_000_000;
        let frac = rem % 1_000_000;
        let hms = format!("{:02}{:02}{:02}", secs / 3600, secs / 60 % 60, secs % 60);
        let time = if frac == 0 {
            hms
        } else {
            format!("{hms}.{frac:06}")
        };
        Self {
            date: format!("{y:04}{m:02}{d:02}"),
            time,
        }
    }

    /// DICOM DT: date and time together.
    pub fn date_time(&self) -> String {
        format!("{}{}", self.date, self.time)
    }
}

/// Seconds from the baseline study day to this study's day (0 for a baseline).
fn visit_offset_s(p: &Phantom) -> f64 {
    match p.followup {
        None => 0.0,
        Some(_) => (super::FOLLOWUP_DAYS * 86_400) as f64,
    }
}

// ---------------------------------------------------------------------------------------------
// UIDs

/// FNV-1a over the bytes of `key`.
fn fnv1a(key: &str) -> u64 {
    key.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// A deterministic UID "2.25.<decimal of a 128-bit hash of key>" (at most 44 characters, no
/// leading zeros).
pub(crate) fn uid_for(key: &str) -> String {
    let h = fnv1a(key);
    let hi = splitmix64(h);
    let lo = splitmix64(h ^ 0xD1B5_4A32_D192_ED03);
    let v = ((hi as u128) << 64 | lo as u128).max(1);
    format!("2.25.{v}")
}

/// UIDs shared by both series of one written study.
struct StudyUids {
    /// Prefix of every key: the phantom kind and its grids.
    key: String,
    study: String,
    frame_of_reference: String,
}

impl StudyUids {
    fn new(p: &Phantom) -> Self {
        let g = |v: &Volume| {
            format!(
                "{:?}{:?}{:?}",
                v.geometry.dims, v.geometry.spacing, v.geometry.origin
            )
        };
        let mut key = format!("petct-phantom/{}/{}/{}", p.kind, g(&p.ct), g(&p.pet));
        if let Some(scenario) = p.followup {
            key.push_str(&format!("/followup-{scenario}"));
        }
        Self {
            study: uid_for(&format!("{key}/study")),
            frame_of_reference: uid_for(&format!("{key}/frame-of-reference")),
            key,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Data elements

fn el(tag: Tag, vr: VR, value: impl Into<PrimitiveValue>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, value.into())
}

fn text(tag: Tag, vr: VR, s: &str) -> DataElement<InMemDicomObject> {
    el(tag, vr, s)
}

fn strs(tag: Tag, vr: VR, values: Vec<String>) -> DataElement<InMemDicomObject> {
    el(tag, vr, PrimitiveValue::Strs(C::from_vec(values)))
}

fn ds(tag: Tag, v: f64) -> DataElement<InMemDicomObject> {
    text(tag, VR::DS, &format_ds(v))
}

fn ds_multi(tag: Tag, values: &[f64]) -> DataElement<InMemDicomObject> {
    strs(tag, VR::DS, values.iter().map(|&v| format_ds(v)).collect())
}

fn int_string(tag: Tag, v: i64) -> DataElement<InMemDicomObject> {
    text(tag, VR::IS, &v.to_string())
}

fn us(tag: Tag, v: u16) -> DataElement<InMemDicomObject> {
    el(tag, VR::US, v)
}

fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

// ---------------------------------------------------------------------------------------------
// Series

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modality {
    Ct,
    Pet,
}

/// Everything constant across one series.
struct SeriesSpec<'a> {
    modality: Modality,
    volume: &'a Volume,
    phantom: &'a Phantom,
    study: &'a StudyUids,
    series_uid: String,
    series_number: i64,
    description: String,
    file_prefix: &'static str,
    start: Stamp,
}

impl<'a> SeriesSpec<'a> {
    fn ct(phantom: &'a Phantom, study: &'a StudyUids) -> Self {
        Self {
            modality: Modality::Ct,
            volume: &phantom.ct,
            phantom,
            study,
            series_uid: uid_for(&format!("{}/series/ct", study.key)),
            series_number: 2,
            description: format!("CT {} phantom", phantom.kind),
            file_prefix: "CT",
            start: Stamp::at(CT_START_S + visit_offset_s(phantom)),
        }
    }

    fn pet(phantom: &'a Phantom, study: &'a StudyUids) -> Self {
        Self {
            modality: Modality::Pet,
            volume: &phantom.pet,
            phantom,
            study,
            series_uid: uid_for(&format!("{}/series/pet", study.key)),
            series_number: 3,
            description: format!("PET AC {} phantom", phantom.kind),
            file_prefix: "PET",
            start: Stamp::at(PET_START_S + visit_offset_s(phantom)),
        }
    }

    fn sop_class(&self) -> &'static str {
        match self.modality {
            Modality::Ct => uids::CT_IMAGE_STORAGE,
            Modality::Pet => uids::POSITRON_EMISSION_TOMOGRAPHY_IMAGE_STORAGE,
        }
    }

    fn slice_count(&self) -> usize {
        self.volume.geometry.dims[2]
    }
}

fn write_series(spec: &SeriesSpec<'_>, dir: &Path) -> Result<Vec<PathBuf>, PhantomWriteError> {
    let files = (0..spec.slice_count())
        .into_par_iter()
        .map(|k| write_slice(spec, dir, k))
        .collect::<Result<Vec<_>, _>>()?;
    remove_stale(dir, spec.file_prefix, files.len())?;
    Ok(files)
}

/// The slice number of a file named like ours (`PREFIX_0001.dcm`), if it is one.
fn slice_number(name: &str, prefix: &str) -> Option<usize> {
    let digits = name
        .strip_prefix(prefix)?
        .strip_prefix('_')?
        .strip_suffix(".dcm")?;
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Removes files of an earlier write into `dir` numbered beyond `count`, so that the
/// directory holds exactly one series.
fn remove_stale(dir: &Path, prefix: &str, count: usize) -> Result<(), PhantomWriteError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let stale = name
            .to_str()
            .and_then(|n| slice_number(n, prefix))
            .is_some_and(|n| n > count);
        if stale {
            let path = entry.path();
            std::fs::remove_file(&path)
                .map_err(|source| PhantomWriteError::RemoveStale { path, source })?;
        }
    }
    Ok(())
}

/// Quantised pixels of one slice and the rescale that restores them.
struct Pixels {
    stored: Vec<i16>,
    slope: String,
    intercept: String,
}

/// CT: HU rounded to integers (slope 1, intercept 0).
fn ct_pixels(values: &[f32]) -> Pixels {
    Pixels {
        stored: values
            .iter()
            .map(|v| v.round().clamp(i16::MIN as f32, i16::MAX as f32) as i16)
            .collect(),
        slope: "1".to_string(),
        intercept: "0".to_string(),
    }
}

/// PET: a per-slice slope mapping the slice's largest magnitude to 32767, intercept 0.
fn pet_pixels(values: &[f32]) -> Pixels {
    let peak = values.iter().fold(0.0f64, |m, v| m.max((*v as f64).abs()));
    let slope = if peak > 0.0 && peak.is_finite() {
        peak / 32767.0
    } else {
        1.0
    };
    let slope_text = format_ds(slope);
    // Quantise with the slope exactly as written, so that stored * slope reproduces the values.
    let written = slope_text.parse::<f64>().unwrap_or(slope);
    let stored = values
        .iter()
        .map(|&v| (v as f64 / written).round().clamp(-32767.0, 32767.0) as i16)
        .collect();
    Pixels {
        stored,
        slope: slope_text,
        intercept: "0".to_string(),
    }
}

fn pixel_bytes(stored: &[i16]) -> Vec<u8> {
    stored.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn patient_elements(p: &Phantom) -> Vec<DataElement<InMemDicomObject>> {
    let name = format!("PHANTOM^{}", p.kind.name().to_ascii_uppercase());
    let id = format!("PHANTOM-{}", p.kind.name().to_ascii_uppercase());
    vec![
        text(tags::PATIENT_NAME, VR::PN, &name),
        text(tags::PATIENT_ID, VR::LO, &id),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, ""),
        text(tags::PATIENT_SEX, VR::CS, &p.acquisition.sex.to_string()),
        ds(tags::PATIENT_SIZE, p.acquisition.height_m),
        ds(tags::PATIENT_WEIGHT, p.acquisition.weight_kg),
    ]
}

fn study_elements(spec: &SeriesSpec<'_>) -> Vec<DataElement<InMemDicomObject>> {
    let study_start = Stamp::at(CT_START_S + visit_offset_s(spec.phantom));
    vec![
        text(tags::STUDY_INSTANCE_UID, VR::UI, &spec.study.study),
        text(tags::STUDY_DATE, VR::DA, &study_start.date),
        text(tags::STUDY_TIME, VR::TM, &study_start.time),
        text(tags::STUDY_ID, VR::SH, "1"),
        text(tags::ACCESSION_NUMBER, VR::SH, ""),
        text(tags::REFERRING_PHYSICIAN_NAME, VR::PN, ""),
        text(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            &match spec.phantom.followup {
                None => format!("PET-CT {} phantom", spec.phantom.kind),
                Some(s) => format!("PET-CT {} phantom follow-up ({s})", spec.phantom.kind),
            },
        ),
    ]
}

fn series_elements(spec: &SeriesSpec<'_>) -> Vec<DataElement<InMemDicomObject>> {
    let modality = match spec.modality {
        Modality::Ct => "CT",
        Modality::Pet => "PT",
    };
    vec![
        text(tags::MODALITY, VR::CS, modality),
        text(tags::SERIES_INSTANCE_UID, VR::UI, &spec.series_uid),
        int_string(tags::SERIES_NUMBER, spec.series_number),
        text(tags::SERIES_DESCRIPTION, VR::LO, &spec.description),
        text(tags::SERIES_DATE, VR::DA, &spec.start.date),
        text(tags::SERIES_TIME, VR::TM, &spec.start.time),
        text(tags::ACQUISITION_DATE, VR::DA, &spec.start.date),
        text(tags::ACQUISITION_TIME, VR::TM, &spec.start.time),
        text(tags::ACQUISITION_DATE_TIME, VR::DT, &spec.start.date_time()),
        text(tags::CONTENT_DATE, VR::DA, &spec.start.date),
        text(tags::CONTENT_TIME, VR::TM, &spec.start.time),
        text(tags::MANUFACTURER, VR::LO, MANUFACTURER),
        text(tags::MANUFACTURER_MODEL_NAME, VR::LO, "synthetic"),
        text(tags::PATIENT_POSITION, VR::CS, "HFS"),
        text(
            tags::FRAME_OF_REFERENCE_UID,
            VR::UI,
            &spec.study.frame_of_reference,
        ),
        text(tags::POSITION_REFERENCE_INDICATOR, VR::LO, ""),
    ]
}

fn modality_elements(spec: &SeriesSpec<'_>) -> Vec<DataElement<InMemDicomObject>> {
    match spec.modality {
        Modality::Ct => vec![
            text(tags::KVP, VR::DS, "120"),
            ds(tags::WINDOW_CENTER, 40.0),
            ds(tags::WINDOW_WIDTH, 400.0),
            text(tags::RESCALE_TYPE, VR::LO, "HU"),
        ],
        Modality::Pet => pet_elements(spec),
    }
}

fn pet_elements(spec: &SeriesSpec<'_>) -> Vec<DataElement<InMemDicomObject>> {
    let a = &spec.phantom.acquisition;
    let injection = Stamp::at(PET_START_S + visit_offset_s(spec.phantom) - a.injection_to_scan_s);
    let nuclide = InMemDicomObject::from_element_iter([
        text(tags::CODE_VALUE, VR::SH, "C-111A1"),
        text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "SRT"),
        text(tags::CODE_MEANING, VR::LO, "^18^Fluorine"),
    ]);
    let radiopharmaceutical = InMemDicomObject::from_element_iter([
        text(tags::RADIOPHARMACEUTICAL, VR::LO, "Fluorodeoxyglucose"),
        text(
            tags::RADIOPHARMACEUTICAL_START_TIME,
            VR::TM,
            &injection.time,
        ),
        text(
            tags::RADIOPHARMACEUTICAL_START_DATE_TIME,
            VR::DT,
            &injection.date_time(),
        ),
        ds(tags::RADIONUCLIDE_TOTAL_DOSE, a.injected_dose_bq),
        ds(tags::RADIONUCLIDE_HALF_LIFE, a.half_life_s),
        sequence(tags::RADIONUCLIDE_CODE_SEQUENCE, vec![nuclide]),
    ]);
    vec![
        strs(
            tags::SERIES_TYPE,
            VR::CS,
            vec!["WHOLE BODY".into(), "IMAGE".into()],
        ),
        text(tags::UNITS, VR::CS, "BQML"),
        text(tags::COUNTS_SOURCE, VR::CS, "EMISSION"),
        text(tags::DECAY_CORRECTION, VR::CS, "START"),
        strs(
            tags::CORRECTED_IMAGE,
            VR::CS,
            vec!["ATTN".into(), "DECY".into()],
        ),
        text(tags::RESCALE_TYPE, VR::LO, "BQML"),
        us(
            tags::NUMBER_OF_SLICES,
            u16::try_from(spec.slice_count()).unwrap_or(u16::MAX),
        ),
        text(tags::FRAME_REFERENCE_TIME, VR::DS, "0"),
        int_string(tags::ACTUAL_FRAME_DURATION, PET_FRAME_MS),
        sequence(
            tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
            vec![radiopharmaceutical],
        ),
    ]
}

/// Position, orientation and pixel-format elements of slice `k`.
fn image_elements(
    spec: &SeriesSpec<'_>,
    k: usize,
    rows: u16,
    columns: u16,
    pixels: Pixels,
) -> Vec<DataElement<InMemDicomObject>> {
    let g = &spec.volume.geometry;
    let ipp = g.voxel_to_patient(DVec3::new(0.0, 0.0, k as f64));
    let normal = g.row_dir.cross(g.col_dir);
    let mut v = vec![
        strs(
            tags::IMAGE_TYPE,
            VR::CS,
            vec!["ORIGINAL".into(), "PRIMARY".into(), "AXIAL".into()],
        ),
        int_string(tags::INSTANCE_NUMBER, k as i64 + 1),
        ds_multi(tags::IMAGE_POSITION_PATIENT, &ipp.to_array()),
        ds_multi(
            tags::IMAGE_ORIENTATION_PATIENT,
            &[g.row_dir.to_array(), g.col_dir.to_array()].concat(),
        ),
        ds(tags::SLICE_LOCATION, ipp.dot(normal)),
        ds(tags::SLICE_THICKNESS, g.spacing[2]),
        ds_multi(tags::PIXEL_SPACING, &[g.spacing[1], g.spacing[0]]),
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::BITS_ALLOCATED, 16),
        us(tags::BITS_STORED, 16),
        us(tags::HIGH_BIT, 15),
        us(tags::PIXEL_REPRESENTATION, 1),
        text(tags::RESCALE_INTERCEPT, VR::DS, &pixels.intercept),
        text(tags::RESCALE_SLOPE, VR::DS, &pixels.slope),
        el(tags::PIXEL_DATA, VR::OW, pixel_bytes(&pixels.stored)),
    ];
    if spec.modality == Modality::Pet {
        v.push(us(
            tags::IMAGE_INDEX,
            u16::try_from(k + 1).unwrap_or(u16::MAX),
        ));
    }
    v
}

/// Builds and writes slice `k` of a series.
fn write_slice(spec: &SeriesSpec<'_>, dir: &Path, k: usize) -> Result<PathBuf, PhantomWriteError> {
    let path = dir.join(format!("{}_{:04}.dcm", spec.file_prefix, k + 1));
    let [nx, ny, _] = spec.volume.geometry.dims;
    let (Ok(columns), Ok(rows)) = (u16::try_from(nx), u16::try_from(ny)) else {
        return Err(PhantomWriteError::TooLarge {
            path,
            columns: nx,
            rows: ny,
        });
    };
    let values = &spec.volume.data[k * nx * ny..(k + 1) * nx * ny];
    let pixels = match spec.modality {
        Modality::Ct => ct_pixels(values),
        Modality::Pet => pet_pixels(values),
    };
    let sop_instance = uid_for(&format!("{}/{}/{}", spec.study.key, spec.file_prefix, k));
    let mut elements = vec![
        text(tags::SOP_CLASS_UID, VR::UI, spec.sop_class()),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop_instance),
    ];
    elements.extend(patient_elements(spec.phantom));
    elements.extend(study_elements(spec));
    elements.extend(series_elements(spec));
    elements.extend(modality_elements(spec));
    elements.extend(image_elements(spec, k, rows, columns, pixels));
    let obj = InMemDicomObject::from_element_iter(elements);
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .map_err(|e| PhantomWriteError::Meta {
            path: path.clone(),
            source: Box::new(e),
        })?;
    let tmp = path.with_extension("dcm.tmp");
    if let Err(e) = file.write_to_file(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(PhantomWriteError::Write {
            path,
            source: Box::new(e),
        });
    }
    std::fs::rename(&tmp, &path).map_err(|source| PhantomWriteError::Rename {
        from: tmp,
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds_fits_sixteen_characters_and_round_trips() {
        let cases = [
            0.0,
            1.0,
            -249.51171875,
            0.9765625,
            3.27,
            370.0e6,
            6586.2,
            0.1 + 0.2,
            1.0 / 3.0,
            -2.0 / 3.0 * 1000.0,
            123_456_789.123_456_79,
            1.234e-9,
            -7.5e-7,
            9.87654321e20,
            12345.678 / 32767.0,
            -1.0e300,
        ];
        for v in cases {
            let s = format_ds(v);
            assert!(s.len() <= 16, "{v} -> {s:?}");
            let back: f64 = s.parse().unwrap();
            let tol = (v.abs() * 1e-9).max(1e-12);
            assert!((back - v).abs() <= tol, "{v} -> {s} -> {back}");
            assert!(!s.contains(' '));
        }
        assert_eq!(format_ds(0.1 + 0.2), "0.3");
        assert_eq!(format_ds(-249.51171875), "-249.51171875");
        assert_eq!(format_ds(f64::NAN), "0");
    }

    #[test]
    fn positions_round_trip_to_a_tenth_of_a_micron() {
        for i in 0..2000 {
            let v = -400.0 + i as f64 * 0.4 * std::f64::consts::E;
            let back: f64 = format_ds(v).parse().unwrap();
            assert!((back - v).abs() < 1e-4, "{v}");
        }
    }

    #[test]
    fn stamps_cross_midnight() {
        let s = Stamp::at(10.0 * 3600.0);
        assert_eq!((s.date.as_str(), s.time.as_str()), ("20260101", "100000"));
        let s = Stamp::at(9.0 * 3600.0 + 0.5);
        assert_eq!(s.time, "090000.500000");
        let s = Stamp::at(-3600.0);
        assert_eq!((s.date.as_str(), s.time.as_str()), ("20251231", "230000"));
        assert_eq!(s.date_time(), "20251231230000");
        assert_eq!(Stamp::at(86_400.0 * 59.0).date, "20260301");
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }

    #[test]
    fn uids_are_valid_and_deterministic() {
        let a = uid_for("x");
        assert_eq!(a, uid_for("x"));
        assert_ne!(a, uid_for("y"));
        assert!(a.len() <= 64);
        assert!(a.starts_with("2.25."));
        for part in a.split('.') {
            assert!(!part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
            assert!(part == "0" || !part.starts_with('0'), "{a}");
        }
    }

    #[test]
    fn recognises_its_own_file_names() {
        assert_eq!(slice_number("CT_0012.dcm", "CT"), Some(12));
        assert_eq!(slice_number("CT_12345.dcm", "CT"), Some(12345));
        assert_eq!(slice_number("CT_0012.dcm.tmp", "CT"), None);
        assert_eq!(slice_number("PET_0012.dcm", "CT"), None);
        assert_eq!(slice_number("CT_12.dcm", "CT"), None);
        assert_eq!(slice_number("CT_00a2.dcm", "CT"), None);
    }

    #[test]
    fn pet_quantisation_is_within_half_a_step() {
        let values = [0.0f32, 1.5, 12345.678, 3.25, 999.0];
        let p = pet_pixels(&values);
        let slope: f64 = p.slope.parse().unwrap();
        assert!(p.stored.contains(&32767));
        for (v, s) in values.iter().zip(&p.stored) {
            assert!((*s as f64 * slope - *v as f64).abs() <= slope * 0.5 + 1e-9);
        }
        assert_eq!(pet_pixels(&[0.0; 4]).slope, "1");
    }
}
