//! Time points: the studies found in a scan, each with its CT and PET, in date order, for
//! reading a follow-up against a baseline.

use std::path::PathBuf;

use super::datetime::Instant;
use super::header::PatientInfo;
use super::scan::ScanResult;
use super::series::{choose_ct, choose_pet, Choice, Series};
use super::study::{load_scanned, LoadOptions, Study};
use super::DicomError;

/// One study (StudyInstanceUID) of a scan with its chosen CT and PET series.
#[derive(Debug, Clone)]
pub struct TimePoint {
    /// StudyInstanceUID shared by the series.
    pub study_uid: String,
    /// Patient identifiers and study date of the first file (never printed without consent).
    pub patient: PatientInfo,
    /// StudyDate and StudyTime (else the PET series date-time); `None` when unknown.
    pub date_time: Option<Instant>,
    /// The study's series (all modalities the scan kept).
    pub series: Vec<Series>,
    /// Chosen CT, an index into `series`.
    pub ct: Option<Choice>,
    /// Chosen PET, an index into `series`.
    pub pet: Option<Choice>,
    /// A file of the study, to name it in messages.
    pub first_file: PathBuf,
}

impl TimePoint {
    /// "YYYY-MM-DD HH:MM:SS" of the study, or "date unknown".
    pub fn date_label(&self) -> String {
        self.date_time
            .map_or_else(|| "date unknown".into(), Instant::display)
    }

    /// Loads this time point's CT and PET (the choices made when grouping; `options` may
    /// still select other series of this study).
    pub fn load(&self, options: &LoadOptions) -> Result<Study, DicomError> {
        let scanned = ScanResult {
            series: self.series.clone(),
            skipped: Vec::new(),
            problems: Vec::new(),
        };
        load_scanned(scanned, std::slice::from_ref(&self.first_file), options)
    }
}

/// Two time points of different patients, refused unless the user forces the comparison.
#[derive(Debug, thiserror::Error)]
#[error(
    "{first} and {second} belong to different patients ({what} differs); comparing them would \
     be wrong unless you know they are one patient: pass --force to compare anyway"
)]
pub struct DifferentPatients {
    /// A file of the earlier study.
    pub first: PathBuf,
    /// A file of the later study.
    pub second: PathBuf,
    /// Which identifier differs (the values are not shown: they identify the patient).
    pub what: &'static str,
}

/// Groups a scan's series by StudyInstanceUID, chooses each study's CT and PET, and orders
/// the studies by date-time (unknown dates first, then by UID, so the order is stable).
pub fn time_points(scan: &ScanResult) -> Result<Vec<TimePoint>, DicomError> {
    let mut groups: Vec<(String, Vec<Series>)> = Vec::new();
    for s in &scan.series {
        let uid = s
            .files
            .first()
            .map(|f| f.study_uid.clone())
            .unwrap_or_default();
        match groups.iter_mut().find(|(u, _)| *u == uid) {
            Some((_, list)) => list.push(s.clone()),
            None => groups.push((uid, vec![s.clone()])),
        }
    }
    let mut points = groups
        .into_iter()
        .map(|(uid, series)| time_point(uid, series))
        .collect::<Result<Vec<_>, _>>()?;
    let key = |t: &TimePoint| t.date_time.map_or(f64::NEG_INFINITY, |i| i.0);
    points.sort_by(|a, b| {
        key(a)
            .total_cmp(&key(b))
            .then_with(|| a.study_uid.cmp(&b.study_uid))
    });
    Ok(points)
}

fn time_point(study_uid: String, series: Vec<Series>) -> Result<TimePoint, DicomError> {
    let ct = choose_ct(&series, None)?;
    let pet = choose_pet(&series, None)?;
    let main = pet
        .as_ref()
        .or(ct.as_ref())
        .map_or(0, |c| c.index)
        .min(series.len().saturating_sub(1));
    let first = series.get(main).and_then(|s| s.files.first());
    let patient = first.map(|f| f.patient.clone()).unwrap_or_default();
    let pet_time = pet
        .as_ref()
        .and_then(|c| series[c.index].suv_inputs())
        .and_then(|i| i.series_datetime.or(i.earliest_acquisition));
    Ok(TimePoint {
        study_uid,
        date_time: study_date_time(&patient).or(pet_time),
        first_file: first.map(|f| f.path.clone()).unwrap_or_default(),
        patient,
        series,
        ct,
        pet,
    })
}

/// StudyDate and StudyTime (midnight when the time is missing).
fn study_date_time(p: &PatientInfo) -> Option<Instant> {
    let date = p.study_date.as_deref()?;
    Instant::from_date_time(date, p.study_time.as_deref().unwrap_or("000000"))
}

/// Checks that two time points are one patient (PatientID, else PatientName, when both
/// studies carry them). With `force` a mismatch becomes a warning line instead of an error.
pub fn check_same_patient(
    first: &TimePoint,
    second: &TimePoint,
    force: bool,
) -> Result<Option<String>, DifferentPatients> {
    let differs = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => a.trim() != b.trim(),
        _ => false,
    };
    let what = if differs(&first.patient.id, &second.patient.id) {
        "PatientID"
    } else if differs(&first.patient.name, &second.patient.name) {
        "PatientName"
    } else {
        return Ok(None);
    };
    let error = DifferentPatients {
        first: first.first_file.clone(),
        second: second.first_file.clone(),
        what,
    };
    if force {
        Ok(Some(format!("warning (--force): {error}")))
    } else {
        Err(error)
    }
}
