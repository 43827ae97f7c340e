//! Loading what the viewer and the render command show: a DICOM study, or the built-in
//! torso phantom when no path is given.

use std::path::PathBuf;
use std::sync::Arc;

use glam::Vec3;

use crate::dicom::{load_study, DicomError, LoadOptions, PatientInfo, SeriesChoices};
use crate::phantom::{generate, PhantomKind};
use crate::render::settings::RenderMode;
use crate::volume::{HalfVolume, Volume};

/// CT and PET ready for display, free of DICOM types. Cloning shares the volumes.
#[derive(Clone)]
pub struct ViewStudy {
    /// CT in HU, 16-bit as decoded and as the GPU samples it. Shared (`Arc`) so background
    /// workers and the GPU upload can hold it without a copy.
    pub ct: Option<Arc<HalfVolume>>,
    /// PET in its stored units (see `pet_display_factor`). Shared like `ct`.
    pub pet: Option<Arc<Volume>>,
    /// Multiplier from PET values to display units (SUVbw factor, or 1).
    pub pet_display_factor: f64,
    /// "SUV" or the PET's own units when SUV is unavailable.
    pub pet_units_label: String,
    /// Whether `pet_display_factor` converts to SUV.
    pub suv_available: bool,
    /// Header values SUV was computed from, so the user can correct them.
    pub suv_inputs: Option<crate::dicom::SuvInputs>,
    /// How SUV was derived (which clock the scan and injection times came from, ...).
    pub suv_notes: Vec<String>,
    /// Patient identifiers: shown or exported only when the user asks.
    pub patient: PatientInfo,
    /// Series choices, SUV notes and load problems, for the user.
    pub notes: Vec<String>,
    /// The CT and PET series found, the loaded ones and why (empty for the phantom).
    pub series: SeriesChoices,
    /// What the study was loaded from (empty: the phantom), to load it again with
    /// another series.
    pub paths: Vec<PathBuf>,
    /// A reference lesion mask (non-zero voxels), e.g. AutoPET's `SEG.nii.gz`.
    pub reference_mask: Option<Arc<Volume>>,
}

/// Loads a study from paths (folders, files, or DICOMweb study URLs, fetched into the
/// study cache), or the torso phantom when `paths` is empty.
///
/// Fails with [`DicomError::Cancelled`] (inside the `anyhow::Error`; test with
/// [`is_cancelled`]) once `options.cancel` is set: checked around phantom generation and,
/// for DICOM, between files and slices.
pub fn load_view_study(paths: &[PathBuf], options: &LoadOptions) -> anyhow::Result<ViewStudy> {
    let cancel = &options.cancel;
    cancel.check()?;
    if paths.is_empty() {
        // Generation itself cannot be interrupted; its result is dropped when cancelled.
        let phantom = generate(PhantomKind::Torso);
        cancel.check()?;
        return Ok(ViewStudy {
            pet_display_factor: phantom.acquisition.suv_factor(),
            ct: Some(Arc::new(phantom.ct.convert())),
            pet: Some(Arc::new(phantom.pet)),
            pet_units_label: "SUV".into(),
            suv_available: true,
            suv_inputs: Some(phantom_suv_inputs(&phantom.acquisition)),
            suv_notes: Vec::new(),
            patient: PatientInfo {
                name: Some("PHANTOM^TORSO".into()),
                id: Some("PHANTOM".into()),
                ..Default::default()
            },
            notes: vec!["built-in torso phantom".into()],
            series: SeriesChoices::default(),
            paths: Vec::new(),
            reference_mask: None,
        });
    }
    // Study URLs become their cached folders (fetched first if needed).
    let resolved = crate::dicomweb::resolve_paths(paths, cancel, &options.progress)?;
    let paths = &resolved[..];
    for p in paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    if crate::study_nifti::is_nifti_input(paths) {
        return crate::study_nifti::load_nifti_study(paths, options);
    }
    let study = load_study(paths, options)?;
    cancel.check()?;
    let mut notes = study.notes.clone();
    notes.extend(study.problems.iter().map(|p| format!("problem: {p}")));
    let suv_inputs = study.pet.as_ref().map(|p| p.suv_inputs.clone());
    let suv_notes = study
        .pet
        .as_ref()
        .map(|p| p.calibration.details.notes.clone())
        .unwrap_or_default();
    let (pet, factor, label, suv) = match study.pet {
        Some(pet) => {
            let reason = pet.calibration.unavailable_reason();
            let units = pet.series.volume.unit.label().to_string();
            match (pet.suv_factor(), reason) {
                (Some(f), _) => (
                    Some(Arc::new(pet.series.volume)),
                    f,
                    "SUV".to_string(),
                    true,
                ),
                (None, reason) => {
                    notes.push(format!(
                        "SUV unavailable: {}; PET shown in {units}",
                        reason.unwrap_or_default()
                    ));
                    (Some(Arc::new(pet.series.volume)), 1.0, units, false)
                }
            }
        }
        None => (None, 1.0, "SUV".to_string(), false),
    };
    Ok(ViewStudy {
        ct: study.ct.map(|c| Arc::new(c.volume)),
        pet,
        pet_display_factor: factor,
        pet_units_label: label,
        suv_available: suv,
        suv_inputs,
        suv_notes,
        patient: study.patient,
        notes,
        series: study.choices,
        paths: paths.to_vec(),
        reference_mask: None,
    })
}

/// Whether `error` (from [`load_view_study`]) means the load was cancelled rather than failed.
pub fn is_cancelled(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<DicomError>(),
        Some(DicomError::Cancelled)
    )
}

/// The phantom's acquisition as the header values a scanner would write.
fn phantom_suv_inputs(a: &crate::phantom::Acquisition) -> crate::dicom::SuvInputs {
    use crate::dicom::datetime::Instant;
    let injection = Instant::from_date_time("20260101", "090000");
    crate::dicom::SuvInputs {
        units: Some("BQML".into()),
        corrected_image: Some(vec!["ATTN".into(), "DECY".into()]),
        decay_correction: Some("START".into()),
        weight_kg: Some(a.weight_kg),
        height_m: Some(a.height_m),
        sex: Some(a.sex.to_string()),
        total_dose_bq: Some(a.injected_dose_bq),
        half_life_s: Some(a.half_life_s),
        injection_datetime: injection,
        series_datetime: injection.map(|i| i.plus_seconds(a.injection_to_scan_s)),
        ..Default::default()
    }
}

impl ViewStudy {
    /// A study with nothing in it, for tests.
    #[cfg(test)]
    pub fn empty() -> Self {
        Self {
            ct: None,
            pet: None,
            pet_display_factor: 1.0,
            pet_units_label: "SUV".into(),
            suv_available: false,
            suv_inputs: None,
            suv_notes: Vec::new(),
            patient: PatientInfo::default(),
            notes: Vec::new(),
            series: SeriesChoices::default(),
            paths: Vec::new(),
            reference_mask: None,
        }
    }

    /// Why DICOM objects (a SEG, a Secondary Capture key frame) cannot be filed in this
    /// study, or `None` when they can: they copy the source's patient and study and refer
    /// to its series, which the built-in phantom and NIfTI files do not have.
    pub fn dicom_export_blocker(&self) -> Option<&'static str> {
        if self.paths.is_empty() {
            Some(
                "the built-in phantom is not a DICOM study: write it with `petct phantom DIR` \
                 and open that",
            )
        } else if self.series.ct_chosen.is_none() && self.series.pet_chosen.is_none() {
            Some("not a DICOM study (NIfTI): there is no patient record to file it in")
        } else {
            None
        }
    }

    /// Recomputes SUV with user corrections; PET stays in its own units when SUV fails,
    /// and the reason is returned.
    pub fn apply_suv_overrides(
        &mut self,
        overrides: &crate::dicom::SuvOverrides,
    ) -> Result<f64, String> {
        let inputs = self
            .suv_inputs
            .as_ref()
            .ok_or("no PET header values to recompute SUV from")?;
        let calibration = crate::dicom::suv::calibrate(inputs, overrides);
        self.suv_notes = calibration.details.notes.clone();
        match calibration.suv_factor() {
            Some(f) => {
                self.pet_display_factor = f;
                self.suv_available = true;
                self.pet_units_label = "SUV".into();
                Ok(f)
            }
            None => {
                self.pet_display_factor = 1.0;
                self.suv_available = false;
                self.pet_units_label = self
                    .pet
                    .as_ref()
                    .map(|p| p.unit.label().to_string())
                    .unwrap_or_default();
                Err(calibration.unavailable_reason().unwrap_or_default())
            }
        }
    }

    /// A sensible PET window for a mode: SUV 2.5-8 in fusion and 0-10 for MIPs when SUV is
    /// known, otherwise fractions of the PET's maximum.
    pub fn default_pet_window(&self, mode: RenderMode) -> [f32; 2] {
        if self.suv_available {
            return match mode {
                RenderMode::PetMip => [0.0, 10.0],
                _ => [2.5, 8.0],
            };
        }
        let max = self
            .pet
            .as_ref()
            .map(|p| p.stats().max * self.pet_display_factor)
            .unwrap_or(1.0)
            .max(1e-6) as f32;
        match mode {
            RenderMode::PetMip => [0.0, 0.5 * max],
            _ => [0.2 * max, 0.8 * max],
        }
    }

    /// Where the cursor starts: the hottest PET voxel inside the CT (where the fused
    /// picture is; a cropped CT such as STS_001's frames the lesion of interest), else the
    /// hottest PET voxel, else the CT's centre.
    pub fn default_cursor(&self) -> Vec3 {
        let ct_box = self.ct.as_ref().map(|ct| ct.geometry.patient_bounds());
        if let Some(pet) = &self.pet {
            let d = pet.dims();
            let position = |i: usize| {
                pet.geometry.voxel_to_patient(glam::DVec3::new(
                    (i % d[0]) as f64,
                    ((i / d[0]) % d[1]) as f64,
                    (i / (d[0] * d[1])) as f64,
                ))
            };
            let inside = |p: glam::DVec3| {
                ct_box.is_none_or(|(lo, hi)| p.cmpge(lo).all() && p.cmple(hi).all())
            };
            let hottest = |filter: &dyn Fn(glam::DVec3) -> bool| {
                pet.data
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| filter(position(*i)))
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| position(i).as_vec3())
            };
            if let Some(p) = hottest(&inside).or_else(|| hottest(&|_| true)) {
                return p;
            }
        }
        self.ct
            .as_ref()
            .map(|ct| {
                let (lo, hi) = ct.geometry.patient_bounds();
                ((lo + hi) * 0.5).as_vec3()
            })
            .unwrap_or(Vec3::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_flag_stops_the_phantom_and_dicom_paths() {
        let options = LoadOptions::default();
        options.cancel.cancel();
        // Built-in phantom: stops before generating it.
        let err = load_view_study(&[], &options).err().expect("cancelled");
        assert!(is_cancelled(&err), "{err:#}");
        assert_eq!(err.to_string(), "loading was cancelled");
        // DICOM path (existing folder, nothing read).
        let dir = std::env::temp_dir();
        let err = load_view_study(&[dir], &options).err().expect("cancelled");
        assert!(is_cancelled(&err), "{err:#}");
        // Other errors are not cancellations.
        let missing = PathBuf::from("/nonexistent/petct/study");
        let err = load_view_study(&[missing], &LoadOptions::default())
            .err()
            .expect("missing path");
        assert!(!is_cancelled(&err));
    }
}
