//! Follow-up reading from DICOM: two time points of one patient loaded, registered and
//! assessed with PERCIST 1.0. The window-free API a side-by-side viewer builds on.

use std::path::PathBuf;

use crate::analysis::registration::{register_rigid, Registration, RegistrationParams};
use crate::analysis::response::{
    analyse_pair, assess_response, ResponseAssessment, ScanAnalysis, ScanInput,
};
use crate::analysis::AnalysisError;
use crate::dicom::{check_same_patient, scan, time_points, LoadOptions, Study, TimePoint};
use crate::study::ViewStudy;
use crate::volume::RigidTransform;

/// Why a follow-up reading could not be made, naming the folder or study.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    /// Fewer than two studies, or more than two in one folder.
    #[error("{0}")]
    TimePoints(String),
    /// The studies are of different patients.
    #[error(transparent)]
    DifferentPatients(#[from] crate::dicom::DifferentPatients),
    /// DICOM could not be read.
    #[error(transparent)]
    Dicom(#[from] crate::dicom::DicomError),
    /// A study lacks what PERCIST needs.
    #[error("{study}: {what}")]
    Missing { study: PathBuf, what: String },
    /// Registration failed.
    #[error("registration of {followup} onto {baseline}: {source}")]
    Registration {
        baseline: PathBuf,
        followup: PathBuf,
        #[source]
        source: crate::analysis::registration::RegistrationError,
    },
    /// The analysis of a scan failed.
    #[error("{study}: {source}")]
    Analysis {
        study: PathBuf,
        #[source]
        source: AnalysisError,
    },
}

/// Two loaded time points of one patient, oldest first.
#[derive(Debug)]
pub struct FollowUpPair {
    /// The earlier study's time point and data.
    pub baseline: (TimePoint, Study),
    /// The later study's.
    pub followup: (TimePoint, Study),
    /// Warnings (a forced patient mismatch).
    pub notes: Vec<String>,
}

/// Finds the time points under `paths`: one folder holding both studies, or two folders (or
/// more paths) whose studies are put in date order. Exactly two studies are expected.
pub fn find_pair(
    paths: &[PathBuf],
    force: bool,
) -> Result<(TimePoint, TimePoint, Vec<String>), FollowUpError> {
    let scanned = scan(paths);
    let mut points = time_points(&scanned)?;
    if points.len() != 2 {
        let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(FollowUpError::TimePoints(format!(
            "{} holds {} studies; a follow-up reading needs exactly two (a baseline and a \
             follow-up)",
            list.join(", "),
            points.len()
        )));
    }
    let followup = points
        .pop()
        .ok_or_else(|| FollowUpError::TimePoints("no follow-up".into()))?;
    let baseline = points
        .pop()
        .ok_or_else(|| FollowUpError::TimePoints("no baseline".into()))?;
    let notes = check_same_patient(&baseline, &followup, force)?
        .into_iter()
        .collect();
    Ok((baseline, followup, notes))
}

/// Finds and loads both time points.
pub fn load_pair(
    paths: &[PathBuf],
    force: bool,
    options: &LoadOptions,
) -> Result<FollowUpPair, FollowUpError> {
    let (b, f, notes) = find_pair(paths, force)?;
    let bs = b.load(options)?;
    let fs = f.load(options)?;
    Ok(FollowUpPair {
        baseline: (b, bs),
        followup: (f, fs),
        notes,
    })
}

/// Registers the follow-up onto the baseline: CT to CT when both have a CT, else PET to PET
/// in SUV.
pub fn register_pair(pair: &FollowUpPair) -> Result<Registration, FollowUpError> {
    let (bt, b) = &pair.baseline;
    let (ft, f) = &pair.followup;
    let err = |source| FollowUpError::Registration {
        baseline: bt.first_file.clone(),
        followup: ft.first_file.clone(),
        source,
    };
    if let (Some(bc), Some(fc)) = (&b.ct, &f.ct) {
        return register_rigid(&bc.volume, &fc.volume, &RegistrationParams::ct()).map_err(err);
    }
    let bp = suv_pet(b, bt)?;
    let fp = suv_pet(f, ft)?;
    register_rigid(&bp, &fp, &RegistrationParams::pet()).map_err(err)
}

fn suv_pet(study: &Study, tp: &TimePoint) -> Result<crate::volume::Volume, FollowUpError> {
    let input = scan_input(study, tp)?;
    Ok(crate::analysis::suv_volume(input.pet, input.suv_factor))
}

/// What PERCIST needs from one loaded study.
pub fn scan_input<'a>(study: &'a Study, tp: &TimePoint) -> Result<ScanInput<'a>, FollowUpError> {
    let missing = |what: &str| FollowUpError::Missing {
        study: tp.first_file.clone(),
        what: what.to_string(),
    };
    let pet = study.pet.as_ref().ok_or_else(|| missing("no PET series"))?;
    let suv_factor = pet.calibration.factor.as_ref().map_err(|e| {
        missing(&format!(
            "SUV cannot be computed ({e}), so PERCIST cannot be applied"
        ))
    })?;
    Ok(ScanInput {
        pet: &pet.series.volume,
        ct: study.ct.as_ref().map(|c| &c.volume),
        suv_factor: *suv_factor,
        sul_factor: pet.calibration.sul_factor.clone(),
        uptake_s: pet.calibration.details.uptake_s,
    })
}

/// Analyses both studies and assesses the response, using `registration` with an optional
/// user nudge composed on top (baseline space).
pub fn assess_pair(
    pair: &FollowUpPair,
    registration: &Registration,
    nudge: Option<&RigidTransform>,
) -> Result<ResponseAssessment, FollowUpError> {
    let (bt, b) = &pair.baseline;
    let (ft, f) = &pair.followup;
    let (ba, fa) = analyse_pair(&scan_input(b, bt)?, &scan_input(f, ft)?).map_err(|source| {
        FollowUpError::Analysis {
            study: bt.first_file.clone(),
            source,
        }
    })?;
    let t = match nudge {
        Some(n) => registration.nudged(n),
        None => registration.followup_to_baseline,
    };
    Ok(assess_response(&ba, &fa, &t))
}

/// What PERCIST needs from a study as the viewer holds it. The SUV factor is the one shown
/// (user corrections included); SUL scales it by the header's lean-body-mass ratio.
pub fn view_scan_input(study: &ViewStudy) -> Result<ScanInput<'_>, String> {
    let pet = study.pet.as_deref().ok_or("no PET")?;
    if !study.suv_available {
        return Err("SUV cannot be computed, so PERCIST cannot be applied".into());
    }
    let calibration = study
        .suv_inputs
        .as_ref()
        .map(|i| crate::dicom::suv::calibrate(i, &Default::default()));
    let sul_factor = match &calibration {
        Some(c) => match (&c.sul_factor, c.suv_factor()) {
            (Ok(sul), Some(suv)) if suv > 0.0 => Ok(sul / suv * study.pet_display_factor),
            (Err(why), _) => Err(why.clone()),
            _ => Err("no SUVbw factor to scale to SUL".to_string()),
        },
        None => Err("no header values for lean body mass".to_string()),
    };
    Ok(ScanInput {
        pet,
        ct: study.ct.as_deref(),
        suv_factor: study.pet_display_factor,
        sul_factor,
        uptake_s: calibration.and_then(|c| c.details.uptake_s),
    })
}

/// Registers the viewer's follow-up onto its baseline: CT to CT, else PET to PET in SUV.
pub fn register_view_pair(
    baseline: &ViewStudy,
    followup: &ViewStudy,
) -> Result<Registration, String> {
    if let (Some(b), Some(f)) = (baseline.ct.as_deref(), followup.ct.as_deref()) {
        return register_rigid(b, f, &RegistrationParams::ct()).map_err(|e| e.to_string());
    }
    let suv = |s: &ViewStudy| {
        s.pet
            .as_deref()
            .map(|p| crate::analysis::suv_volume(p, s.pet_display_factor))
            .ok_or("no CT pair and no PET to register")
    };
    register_rigid(&suv(baseline)?, &suv(followup)?, &RegistrationParams::pet())
        .map_err(|e| e.to_string())
}

/// Lesion tracking and PERCIST for the viewer's two studies under `followup_to_baseline`.
pub fn assess_view_pair(
    baseline: &ViewStudy,
    followup: &ViewStudy,
    followup_to_baseline: &RigidTransform,
) -> Result<ResponseAssessment, String> {
    let (ba, fa) = analyse_view_pair(baseline, followup)?;
    Ok(assess_response(&ba, &fa, followup_to_baseline))
}

/// The per-scan part of [`assess_view_pair`] (lesions, liver, SUL), which does not depend on
/// the registration: keep it to re-assess cheaply under a nudged transform.
pub fn analyse_view_pair(
    baseline: &ViewStudy,
    followup: &ViewStudy,
) -> Result<(ScanAnalysis, ScanAnalysis), String> {
    let b = view_scan_input(baseline).map_err(|e| format!("baseline: {e}"))?;
    let f = view_scan_input(followup).map_err(|e| format!("follow-up: {e}"))?;
    analyse_pair(&b, &f).map_err(|e| e.to_string())
}
