//! Loading a study: scan, choose CT and PET series, assemble, decode, calibrate SUV.

use std::path::PathBuf;

use super::assemble::assemble;
use super::cancel::{CancelFlag, LoadProgress};
use super::decode::decode_series;
use super::error::DicomError;
use super::header::PatientInfo;
use super::scan::{scan_cancellable, ScanResult};
use super::series::{choose_ct, choose_pet, ct_options, pet_options, Series, SeriesOption};
use super::suv::{calibrate, SuvCalibration, SuvInputs, SuvOverrides};
use half::f16;

use crate::volume::{Unit, Volume, VolumeError, Voxel};

/// How to load a study.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// CT series to use (SeriesInstanceUID or series number); best candidate when `None`.
    pub ct_series: Option<String>,
    /// PET series to use (SeriesInstanceUID or series number); best candidate when `None`.
    pub pet_series: Option<String>,
    /// User corrections to SUV inputs.
    pub suv_overrides: SuvOverrides,
    /// Set it (from another thread) to stop the load with [`DicomError::Cancelled`].
    pub cancel: CancelFlag,
    /// Advanced while a study is fetched from a server, for the viewer's progress bar.
    pub progress: LoadProgress,
}

/// Facts about a loaded series, free of patient identifiers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeriesSummary {
    pub series_uid: String,
    pub modality: String,
    pub series_number: Option<i64>,
    pub description: String,
    pub file_count: usize,
    pub transfer_syntaxes: Vec<String>,
    pub frame_of_reference_uid: Option<String>,
}

/// A decoded, geometrically checked series, with values of type `T` (f32 unless said
/// otherwise: a study's CT is 16-bit, see [`Study::ct`]).
#[derive(Debug, Clone)]
pub struct LoadedSeries<T = f32> {
    pub summary: SeriesSummary,
    /// Voxel values in physical units (HU for CT, the PET's own units for PET).
    pub volume: Volume<T>,
    /// Things a reader should know (gantry tilt, ...).
    pub warnings: Vec<String>,
}

/// A PET series with its SUV calibration.
#[derive(Debug, Clone)]
pub struct PetSeries {
    pub series: LoadedSeries,
    /// Header values the calibration was computed from.
    pub suv_inputs: SuvInputs,
    /// The current calibration (recomputed when overrides change).
    pub calibration: SuvCalibration,
}

impl PetSeries {
    /// Applies user corrections (weight, dose, injection time) and recomputes SUV.
    pub fn set_overrides(&mut self, overrides: &SuvOverrides) {
        self.calibration = calibrate(&self.suv_inputs, overrides);
    }

    /// Multiplier from stored PET values to SUVbw, when available.
    pub fn suv_factor(&self) -> Option<f64> {
        self.calibration.suv_factor()
    }
}

/// A loaded PET-CT study.
#[derive(Debug)]
pub struct Study {
    /// The CT in HU as 16-bit floats ([`HalfVolume`]): decoded straight into the form the
    /// GPU samples, at half the memory of f32.
    pub ct: Option<LoadedSeries<f16>>,
    pub pet: Option<PetSeries>,
    /// Patient identifiers: shown or exported only when the user asks.
    pub patient: PatientInfo,
    /// Which series were chosen and why, skipped files, and similar notes.
    pub notes: Vec<String>,
    /// Files or series that failed; the study loaded without them.
    pub problems: Vec<DicomError>,
    /// The series found, the chosen ones and why, for a series picker.
    pub choices: SeriesChoices,
}

/// The CT and PET series a scan found, best first, and why the loaded ones were chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SeriesChoices {
    pub ct: Vec<SeriesOption>,
    pub pet: Vec<SeriesOption>,
    /// SeriesInstanceUID of the loaded CT and PET.
    pub ct_chosen: Option<String>,
    pub pet_chosen: Option<String>,
    /// Why they were chosen (the default's ranking, or "chosen by the user").
    pub ct_reason: Option<String>,
    pub pet_reason: Option<String>,
    /// FrameOfReferenceUID of the loaded PET, to check that an overlay (a SEG) lies in the
    /// same patient space.
    #[serde(skip)]
    pub pet_frame_of_reference_uid: Option<String>,
}

/// Loads one series: assemble, decode and wrap as a volume.
pub fn load_series(series: &Series) -> Result<LoadedSeries, DicomError> {
    load_series_cancellable(series, &CancelFlag::default())
}

/// Frames (slices) in a series.
fn frame_count(series: &Series) -> usize {
    series.files.iter().map(|f| f.frames.len()).sum()
}

/// [`load_series`] that stops with [`DicomError::Cancelled`] when `cancel` is set (checked per
/// slice while decoding), with values of type `T`.
pub fn load_series_cancellable<T: Voxel>(
    series: &Series,
    cancel: &CancelFlag,
) -> Result<LoadedSeries<T>, DicomError> {
    load_series_counted(series, cancel, &LoadProgress::default())
}

/// [`load_series_cancellable`] advancing `progress` by each decoded slice.
fn load_series_counted<T: Voxel>(
    series: &Series,
    cancel: &CancelFlag,
    progress: &LoadProgress,
) -> Result<LoadedSeries<T>, DicomError> {
    cancel.check()?;
    let assembly = assemble(series)?;
    let (data, decode_warnings) = decode_series(series, &assembly, (cancel, progress))?;
    let unit = unit_of(series);
    let volume = Volume::new(assembly.geometry, data, unit).map_err(|e: VolumeError| {
        DicomError::Geometry {
            series: series.label(),
            problem: e.to_string(),
            files: vec![],
        }
    })?;
    let mut warnings = assembly.warnings;
    warnings.extend(decode_warnings);
    Ok(LoadedSeries {
        summary: summarize(series),
        volume,
        warnings,
    })
}

/// Loads a series as PET, computing its SUV calibration.
pub fn load_pet_series(series: &Series, overrides: &SuvOverrides) -> Result<PetSeries, DicomError> {
    load_pet_series_cancellable(series, overrides, &CancelFlag::default())
}

/// [`load_pet_series`] that stops with [`DicomError::Cancelled`] when `cancel` is set.
pub fn load_pet_series_cancellable(
    series: &Series,
    overrides: &SuvOverrides,
    cancel: &CancelFlag,
) -> Result<PetSeries, DicomError> {
    load_pet_series_counted(series, overrides, (cancel, &LoadProgress::default()))
}

fn load_pet_series_counted(
    series: &Series,
    overrides: &SuvOverrides,
    (cancel, progress): (&CancelFlag, &LoadProgress),
) -> Result<PetSeries, DicomError> {
    let loaded = load_series_counted(series, cancel, progress)?;
    let suv_inputs = series.suv_inputs().unwrap_or_default();
    let calibration = calibrate(&suv_inputs, overrides);
    Ok(PetSeries {
        series: loaded,
        suv_inputs,
        calibration,
    })
}

fn unit_of(series: &Series) -> Unit {
    match series.modality.as_str() {
        "CT" => Unit::Hounsfield,
        "PT" => match series.suv_inputs().and_then(|i| i.units) {
            Some(u) if u.eq_ignore_ascii_case("BQML") => Unit::BecquerelPerMl,
            Some(u) if u.eq_ignore_ascii_case("GML") => Unit::SuvBw,
            Some(u) => Unit::Other(u),
            None => Unit::Other(String::new()),
        },
        _ => Unit::Other(String::new()),
    }
}

fn summarize(series: &Series) -> SeriesSummary {
    SeriesSummary {
        series_uid: series.uid.clone(),
        modality: series.modality.clone(),
        series_number: series.number,
        description: series.description.clone(),
        file_count: series.files.len(),
        transfer_syntaxes: series.transfer_syntaxes(),
        frame_of_reference_uid: series
            .files
            .first()
            .and_then(|f| f.frame_of_reference_uid.clone()),
    }
}

/// Scans paths and loads the chosen CT and PET series. Fails only when neither loads, or with
/// [`DicomError::Cancelled`] when `options.cancel` is set before it finishes.
pub fn load_study(paths: &[PathBuf], options: &LoadOptions) -> Result<Study, DicomError> {
    let scanned = scan_cancellable(paths, &options.cancel)?;
    load_scanned(scanned, paths, options)
}

/// Loads the chosen CT and PET series of an earlier scan; [`DicomError::Cancelled`] when
/// `options.cancel` is set before it finishes.
pub fn load_scanned(
    scanned: ScanResult,
    paths: &[PathBuf],
    options: &LoadOptions,
) -> Result<Study, DicomError> {
    let ScanResult {
        series,
        skipped,
        mut problems,
    } = scanned;
    let mut notes: Vec<String> = skipped
        .iter()
        .map(|(p, what)| format!("skipped {} ({what})", p.display()))
        .collect();
    let ct_choice = choose_ct(&series, options.ct_series.as_deref())?;
    let pet_choice = choose_pet(&series, options.pet_series.as_deref())?;
    let cancel = &options.cancel;
    cancel.check()?;
    let progress = &options.progress;
    let chosen = [&ct_choice, &pet_choice].into_iter().flatten();
    progress.start_decoding(chosen.map(|c| frame_count(&series[c.index])).sum());
    let (ct, pet) = rayon::join(
        || {
            ct_choice
                .as_ref()
                .map(|c| load_series_counted(&series[c.index], cancel, progress))
        },
        || {
            pet_choice.as_ref().map(|c| {
                let s = &series[c.index];
                load_pet_series_counted(s, &options.suv_overrides, (cancel, progress))
            })
        },
    );
    // A cancelled series is not a problem with the data: the whole load stops.
    cancel.check()?;
    let ct = keep_ok(ct, &mut problems);
    let pet = keep_ok(pet, &mut problems);
    if let (Some(c), true) = (&ct_choice, ct.is_some()) {
        notes.push(format!("CT: {}", c.reason));
    }
    if let (Some(c), true) = (&pet_choice, pet.is_some()) {
        notes.push(format!("PET: {}", c.reason));
    }
    if let (Some(ct), Some(pet)) = (&ct, &pet) {
        let (a, b) = (
            &ct.summary.frame_of_reference_uid,
            &pet.series.summary.frame_of_reference_uid,
        );
        if a.is_some() && b.is_some() && a != b {
            notes.push(
                "CT and PET have different frames of reference: their alignment in patient space \
                 is not guaranteed"
                    .into(),
            );
        }
    }
    if ct.is_none() && pet.is_none() {
        return Err(problems
            .into_iter()
            .next()
            .unwrap_or_else(|| DicomError::NothingFound {
                path: paths.first().cloned().unwrap_or_default(),
            }));
    }
    let choices = SeriesChoices {
        ct: ct_options(&series),
        pet: pet_options(&series),
        ct_chosen: ct.as_ref().map(|c| c.summary.series_uid.clone()),
        pet_chosen: pet.as_ref().map(|p| p.series.summary.series_uid.clone()),
        ct_reason: ct_choice
            .as_ref()
            .filter(|_| ct.is_some())
            .map(|c| c.reason.clone()),
        pet_reason: pet_choice
            .as_ref()
            .filter(|_| pet.is_some())
            .map(|c| c.reason.clone()),
        pet_frame_of_reference_uid: pet
            .as_ref()
            .and_then(|p| p.series.summary.frame_of_reference_uid.clone()),
    };
    let chosen = pet_choice.or(ct_choice).map(|c| c.index);
    let patient = chosen
        .and_then(|i| series[i].files.first())
        .map(|f| f.patient.clone())
        .unwrap_or_default();
    Ok(Study {
        ct,
        pet,
        patient,
        notes,
        problems,
        choices,
    })
}

fn keep_ok<T>(r: Option<Result<T, DicomError>>, problems: &mut Vec<DicomError>) -> Option<T> {
    match r? {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(e);
            None
        }
    }
}
