//! The reference overlay in the reading model: the lesion mask outlined over the slices and
//! the MIP apart from the hot spots (a NIfTI mask such as AutoPET's `SEG.nii.gz`, or a
//! binary DICOM SEG such as the one the viewer writes), the load asked for, and its outcome.
//!
//! Reading and placing a mask on the PET grid runs on a worker
//! ([`super::reference_worker`]): a request here becomes a [`ReferenceJob`], and the result
//! comes back through [`ReadingModel::accept_reference`], where one for an older request is
//! dropped. A failed load names the problem in the status line and keeps the mask shown.

use std::path::PathBuf;
use std::sync::Arc;

use super::reading::ReadingModel;
use crate::study_reference::{PetGrid, ReferenceMask};
use crate::volume::Volume;

/// Where a reference mask comes from.
#[derive(Debug, Clone)]
pub enum ReferenceSource {
    /// A file: a DICOM SEG, or a NIfTI mask (`.nii`, `.nii.gz`).
    File(PathBuf),
    /// The mask that came with the study (an AutoPET folder's `SEG.nii.gz`).
    Study(Arc<Volume>),
}

/// A mask to read and place on the PET grid, on a worker.
#[derive(Debug, Clone)]
pub struct ReferenceJob {
    pub generation: u64,
    pub source: ReferenceSource,
    pub grid: PetGrid,
}

/// The reference overlay's state.
#[derive(Debug, Default)]
pub struct ReferenceState {
    /// The mask shown (on the open study's PET grid), with the request it came from.
    mask: Option<(u64, Arc<ReferenceMask>)>,
    /// Bumped by every request and by opening a study: results of older ones are dropped.
    generation: u64,
    /// A request not handed to the worker yet.
    wanted: Option<ReferenceSource>,
    /// The request out on the worker.
    pending: Option<u64>,
    /// The last load's error, for the panel (cleared by a successful load).
    pub error: Option<String>,
}

impl ReferenceState {
    /// The loaded mask, shown or not.
    pub fn mask(&self) -> Option<&Arc<ReferenceMask>> {
        self.mask.as_ref().map(|(_, m)| m)
    }

    /// Whether a load is asked for or running.
    pub fn pending(&self) -> bool {
        self.wanted.is_some() || self.pending.is_some()
    }
}

impl ReadingModel {
    /// Asks for the mask at `path` (a DICOM SEG or a NIfTI mask) as the reference overlay;
    /// the current one stays until it has loaded, and stays if it fails.
    pub fn load_reference(&mut self, path: PathBuf) {
        let Some(study) = &self.study else {
            self.message("reference mask: no study is open");
            return;
        };
        if study.pet.is_none() {
            self.message("reference mask: the study has no PET to place it on");
            return;
        }
        self.reference.generation += 1;
        self.reference.wanted = Some(ReferenceSource::File(path));
    }

    /// The job for the worker when a load is asked for.
    pub fn reference_job(&mut self) -> Option<ReferenceJob> {
        // Taken first: a request the study cannot take (no PET) must not stay pending.
        let source = self.reference.wanted.take()?;
        let study = self.study.as_ref()?;
        let pet = study.pet.as_ref()?;
        let generation = self.reference.generation;
        self.reference.pending = Some(generation);
        Some(ReferenceJob {
            generation,
            source,
            grid: PetGrid {
                geometry: pet.geometry.clone(),
                frame_of_reference_uid: study.series.pet_frame_of_reference_uid.clone(),
            },
        })
    }

    /// Takes a worker's result; one for an older request (or study) is dropped. A mask is
    /// shown at once; an error goes to the status line and the current mask stays. Returns
    /// whether the result was taken.
    pub fn accept_reference(
        &mut self,
        generation: u64,
        result: Result<ReferenceMask, String>,
    ) -> bool {
        let r = &mut self.reference;
        if generation != r.generation {
            return false;
        }
        r.pending = None;
        match result {
            Ok(mask) => {
                let summary = mask.summary();
                r.mask = Some((generation, Arc::new(mask)));
                r.error = None;
                self.view.settings.reference_outline = true;
                self.message(summary);
            }
            Err(e) => {
                let kept = if r.mask.is_some() {
                    "; the current one stays"
                } else {
                    ""
                };
                r.error = Some(e.clone());
                self.message(format!("reference mask not loaded: {e}{kept}"));
            }
        }
        true
    }

    /// Shows or hides the reference outline (the panel's checkbox, `reference on|off`).
    pub fn show_reference(&mut self, on: bool) {
        self.view.settings.reference_outline = on;
        if self.reference.mask.is_none() && !self.reference.pending() {
            self.message("reference mask: none loaded (reference-load PATH)");
        }
    }

    /// The mask when it is loaded and shown.
    pub fn shown_reference(&self) -> Option<&Arc<ReferenceMask>> {
        self.reference
            .mask()
            .filter(|_| self.view.settings.reference_outline)
    }

    /// What the MIP's reference outline depends on: the request the shown mask came from (0:
    /// none shown).
    pub fn reference_key(&self) -> u64 {
        match &self.reference.mask {
            Some((g, _)) if self.view.settings.reference_outline => *g,
            _ => 0,
        }
    }

    /// Forgets the previous study's mask; the mask that came with the study (if any) is
    /// placed on its PET grid next.
    pub(super) fn reset_reference(&mut self) {
        let r = &mut self.reference;
        r.generation += 1;
        r.mask = None;
        r.pending = None;
        r.error = None;
        r.wanted = self
            .study
            .as_ref()
            .and_then(|s| s.reference_mask.clone())
            .map(ReferenceSource::Study);
    }
}
