//! The reading model: what the reader is doing, free of windows, GPUs and threads.
//!
//! It holds the open study, the view (settings, camera, cursor, layout), the SUV inputs
//! being edited, the hot-spot parameters and results, and the lesion selection. The GUI
//! reads and edits it; panes derive what they draw from it; heavy work (segmentation) is
//! described by [`ReadingModel::hotspot_job`] and its result handed back through
//! [`ReadingModel::accept_hotspots`], where stale results are dropped.

use std::collections::VecDeque;
use std::sync::Arc;

use glam::Vec3;

use super::followup::{Flicker, Followup, FollowupKey};
use super::followup_registration::Registration;
use super::measurements::Measurements;
use super::mip_state::{MipJob, MipKey, MipPick, MipState};
use super::reference::ReferenceState;
use super::state::{Layout, PaneId, ViewerState};
use crate::analysis::{
    apply_overrides, Category, CategoryOverride, HotspotParams, HotspotResult, PhysiologicStyle,
};
use crate::dicom::datetime::Instant as DicomInstant;
use crate::dicom::SuvOverrides;
use crate::render::mpr::MprPlane;
use crate::study::ViewStudy;
use crate::volume::Volume;

/// Status messages kept for the status bar.
const MAX_MESSAGES: usize = 6;

/// The SUV inputs as the user edits them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuvEdit {
    pub weight_kg: f64,
    pub dose_mbq: f64,
    /// Injection date-time as DICOM DT text (`YYYYMMDDHHMMSS`); empty keeps the header's.
    pub injection: String,
}

/// Hot-spot parameters, the latest result, the user's categories and the selection.
#[derive(Debug, Clone, Default)]
pub struct HotspotState {
    pub params: HotspotParams,
    /// The result for `result_generation` with the user's category overrides applied (what
    /// the table, the totals, exports and the renderer show).
    pub result: Option<Arc<HotspotResult>>,
    /// The same result as segmentation and triage proposed it.
    pub proposed: Option<Arc<HotspotResult>>,
    /// Categories the user set, by point, in the order set; they survive re-segmentation
    /// and are cleared when another study is opened.
    pub overrides: Vec<CategoryOverride>,
    /// How physiologic lesions are drawn.
    pub physiologic_style: PhysiologicStyle,
    /// Bumped by every change that makes the result stale (parameters, SUV, study).
    pub generation: u64,
    /// The generation `result` was computed for.
    pub result_generation: u64,
    /// The generation a job was last handed out for.
    requested: Option<u64>,
    /// Index into the lesion table.
    pub selected: Option<usize>,
    /// The last segmentation error, for the panel.
    pub error: Option<String>,
}

/// Everything a segmentation worker needs, owned (volumes are shared, not copied).
#[derive(Debug, Clone)]
pub struct HotspotJob {
    pub generation: u64,
    pub pet: Arc<Volume>,
    /// PET values to SUV.
    pub suv_factor: f64,
    pub ct: Option<Arc<crate::volume::HalfVolume>>,
    pub params: HotspotParams,
}

/// The reading model.
pub struct ReadingModel {
    pub study: Option<ViewStudy>,
    pub view: ViewerState,
    pub suv_edit: SuvEdit,
    pub hotspots: HotspotState,
    /// Rulers and ROIs (cleared when another study opens).
    pub measurements: Measurements,
    /// Bumped when another study is opened.
    pub study_generation: u64,
    pub messages: VecDeque<String>,
    /// The PET's largest stored value (computed once per study: sliders need it per frame).
    pet_max: Option<f64>,
    /// The PET MIP pane's projections.
    pub mip: MipState,
    /// The reference mask outlined over the slices and the MIP (see [`super::reference`]).
    pub reference: ReferenceState,
    /// A follow-up study shown beside this one (cleared when another baseline opens).
    pub followup: Option<Followup>,
    /// Bumped by every follow-up opened.
    followup_generation: u64,
    /// The follow-up layout's flicker between baseline and follow-up.
    pub flicker: Flicker,
}

impl ReadingModel {
    /// An empty model (no study yet) with a view framing a default box.
    pub fn new(view: ViewerState) -> Self {
        Self {
            study: None,
            view,
            suv_edit: SuvEdit::default(),
            hotspots: HotspotState::default(),
            measurements: Measurements::default(),
            study_generation: 0,
            messages: VecDeque::new(),
            pet_max: None,
            mip: MipState::default(),
            reference: ReferenceState::default(),
            followup: None,
            followup_generation: 0,
            flicker: Flicker::default(),
        }
    }

    /// Adds a status message (also to the log).
    pub fn message(&mut self, m: impl Into<String>) {
        let m = m.into();
        tracing::info!("{m}");
        self.messages.push_back(m);
        while self.messages.len() > MAX_MESSAGES {
            self.messages.pop_front();
        }
    }

    /// Shows a study: the view frames `bounds` with the cursor at `cursor`, keeping the
    /// persisted settings; hot spots are segmented anew.
    pub fn open(&mut self, study: ViewStudy, bounds: (Vec3, Vec3), cursor: Vec3) {
        let spacing = study
            .ct
            .as_ref()
            .map(|v| &v.geometry)
            .or(study.pet.as_ref().map(|v| &v.geometry))
            .map(|g| g.spacing)
            .unwrap_or([1.0; 3]);
        // Axial steps along z, coronal along y, sagittal along x.
        let steps = [spacing[2] as f32, spacing[1] as f32, spacing[0] as f32];
        let persisted = self.view.persisted();
        let mut view = ViewerState::new(bounds, cursor, steps);
        view.restore(&persisted);
        view.settings.pet_window = study.default_pet_window(view.settings.mode);
        self.view = view;
        self.suv_edit = study
            .suv_inputs
            .as_ref()
            .map(|i| SuvEdit {
                weight_kg: i.weight_kg.unwrap_or(0.0),
                dose_mbq: i.total_dose_bq.unwrap_or(0.0) / 1e6,
                injection: String::new(),
            })
            .unwrap_or_default();
        self.hotspots.params.excluded_mm.clear();
        self.hotspots.overrides.clear();
        self.hotspots.selected = None;
        self.hotspots.result = None;
        self.hotspots.proposed = None;
        self.hotspots.error = None;
        self.hotspots.generation += 1;
        self.measurements.clear();
        self.study_generation += 1;
        self.pet_max = study.pet.as_ref().map(|p| p.stats().max);
        self.mip.clear();
        self.study = Some(study);
        self.reset_reference();
        // A follow-up belongs to the baseline it was registered to.
        self.followup = None;
    }

    /// Shows `study` as the follow-up of the open baseline, unregistered until
    /// [`Self::accept_registration`]; returns its generation, or `None` (and a message)
    /// without a baseline.
    pub fn open_followup(&mut self, study: ViewStudy) -> Option<u64> {
        if self.study.is_none() {
            self.message("open a baseline study before its follow-up");
            return None;
        }
        self.followup_generation += 1;
        let (lo, hi) = self.view.bounds;
        let pivot = (lo + hi) * 0.5;
        self.followup = Some(Followup::new(study, pivot, self.followup_generation));
        Some(self.followup_generation)
    }

    /// Takes the registration of follow-up `generation`; a stale one is dropped.
    pub fn accept_registration(&mut self, generation: u64, registration: Registration) -> bool {
        let Some(f) = self
            .followup
            .as_mut()
            .filter(|f| f.generation == generation)
        else {
            return false;
        };
        let summary = registration.summary.clone();
        f.set_registration(registration);
        self.message(format!("follow-up registered: {summary}"));
        true
    }

    /// "baseline" or "follow-up +91 d" (days between the study dates when both headers have
    /// one): pane titles and the side-by-side key frame. Dates themselves are identifiers and
    /// stay out; the interval is what a reader compares by.
    pub fn study_label(&self, followup: bool) -> String {
        if !followup {
            return "baseline".into();
        }
        let days = self.followup_days();
        match days {
            Some(d) => format!("follow-up {d:+.0} d"),
            None => "follow-up".into(),
        }
    }

    /// Days from the baseline's study date to the follow-up's, when both headers have one.
    pub fn followup_days(&self) -> Option<f64> {
        let date = |s: Option<&ViewStudy>| {
            let d = s?.patient.study_date.as_deref()?.trim().to_string();
            crate::dicom::datetime::Instant::from_date_time(&d, "000000")
        };
        date(self.followup.as_ref().map(|f| &f.study))
            .zip(date(self.study.as_ref()))
            .map(|(f, b)| f.seconds_since(b) / 86_400.0)
    }

    /// Takes the PERCIST assessment of follow-up `generation` (a stale one is dropped).
    pub fn accept_response(
        &mut self,
        generation: u64,
        response: Result<crate::analysis::response::ResponseAssessment, String>,
        under: glam::DAffine3,
    ) {
        let Some(f) = self
            .followup
            .as_mut()
            .filter(|f| f.generation == generation)
        else {
            return;
        };
        let line = match &response {
            Ok(a) => format!(
                "PERCIST 1.0: {} ({})",
                serde_json::to_value(a.percist.category)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                a.percist.rule
            ),
            Err(e) => format!("no response assessment: {e}"),
        };
        f.response = Some(response);
        f.assessed_under = Some(under);
        f.requested_under.get_or_insert(under);
        self.message(line);
    }

    /// Whether a follow-up waits for its registration, or its response for re-assessment
    /// after a nudge.
    pub fn registration_pending(&self) -> bool {
        self.followup
            .as_ref()
            .is_some_and(|f| f.registration.is_none() || f.requested_under != f.assessed_under)
    }

    /// Whether a slice pane draws the follow-up: the follow-up column always, the
    /// baseline column of the follow-up layout while the flicker shows the follow-up.
    pub fn shows_followup(&self, pane: PaneId) -> bool {
        if self.followup.is_none() || pane.orientation().is_none() {
            return false;
        }
        pane.is_followup()
            || self.view.layout == Layout::Followup
                && self.view.maximised.is_none()
                && self.flicker.showing_followup()
    }

    /// The follow-up's render key for a pane that draws it (see [`Self::shows_followup`]).
    pub fn followup_key(&self, pane: PaneId) -> Option<FollowupKey> {
        self.shows_followup(pane)
            .then(|| self.followup.as_ref().map(Followup::key))
            .flatten()
    }

    /// The plane a slice pane of `width` x `height` samples, in the space of the study it
    /// draws: the baseline's plane, or that plane laid into the follow-up.
    pub fn pane_plane(&self, pane: PaneId, width: u32, height: u32) -> Option<MprPlane> {
        let plane = self
            .view
            .mpr_view(pane)?
            .plane(self.view.bounds, width, height);
        match self.followup.as_ref().filter(|_| self.shows_followup(pane)) {
            Some(f) => Some(f.plane_in_followup(&plane)),
            None => Some(plane),
        }
    }

    /// The baseline point (where the shared cursor goes) under pixel (x, y) of a slice
    /// pane: a follow-up pane's point is mapped through the registration.
    pub fn cursor_at(&self, pane: PaneId, size: (u32, u32), x: f32, y: f32) -> Option<Vec3> {
        let p = self.pane_plane(pane, size.0, size.1)?.patient_at(x, y);
        match self.followup.as_ref().filter(|_| self.shows_followup(pane)) {
            Some(f) => Some(f.to_baseline_point(p)),
            None => Some(p),
        }
    }

    /// Applies the edited SUV inputs: SUV, the display and the hot spots follow; when SUV
    /// cannot be computed the PET stays in its own units and a message says why.
    pub fn apply_suv_edit(&mut self) {
        let e = &self.suv_edit;
        let overrides = SuvOverrides {
            weight_kg: Some(e.weight_kg),
            dose_bq: Some(e.dose_mbq * 1e6),
            injection: DicomInstant::from_dt(&e.injection),
        };
        let Some(study) = &mut self.study else { return };
        let result = study.apply_suv_overrides(&overrides);
        self.measurements.sync(self.study.as_ref());
        self.hotspots.result = None;
        self.hotspots.proposed = None;
        self.hotspots.selected = None;
        self.hotspots.generation += 1;
        match result {
            Ok(f) => self.message(format!("SUV recomputed: factor {f:.4e}")),
            Err(why) => self.message(format!(
                "SUV unavailable: {why}; PET shown in its own units"
            )),
        }
    }

    /// Multiplier from stored PET values to display units (1 without a study).
    pub fn pet_display_factor(&self) -> f64 {
        self.study.as_ref().map_or(1.0, |s| s.pet_display_factor)
    }

    /// Whether hot spots can be segmented (PET in SUV).
    pub fn hotspots_possible(&self) -> bool {
        self.study
            .as_ref()
            .is_some_and(|s| s.suv_available && s.pet.is_some())
    }

    /// Changes the hot-spot parameters; an actual change makes the result stale.
    pub fn set_hotspot_params(&mut self, params: HotspotParams) {
        if params != self.hotspots.params {
            self.hotspots.params = params;
            self.hotspots.generation += 1;
        }
    }

    /// A segmentation job when the result is stale and none is out for this generation.
    pub fn hotspot_job(&mut self) -> Option<HotspotJob> {
        let h = &self.hotspots;
        if !self.hotspots_possible()
            || h.result_generation == h.generation && h.result.is_some()
            || h.requested == Some(h.generation)
        {
            return None;
        }
        let study = self.study.as_ref()?;
        let job = HotspotJob {
            generation: h.generation,
            pet: study.pet.clone()?,
            suv_factor: study.pet_display_factor,
            ct: study.ct.clone(),
            params: h.params.clone(),
        };
        self.hotspots.requested = Some(job.generation);
        Some(job)
    }

    /// Whether a segmentation for the current parameters is still running.
    pub fn hotspots_pending(&self) -> bool {
        self.hotspots_possible()
            && (self.hotspots.result_generation != self.hotspots.generation
                || self.hotspots.result.is_none() && self.hotspots.error.is_none())
    }

    /// Takes a segmentation result; one computed for an older generation is dropped
    /// (latest request wins). Returns whether it was taken.
    pub fn accept_hotspots(
        &mut self,
        generation: u64,
        result: Result<HotspotResult, String>,
    ) -> bool {
        if generation != self.hotspots.generation {
            return false;
        }
        let h = &mut self.hotspots;
        h.result_generation = generation;
        match result {
            Ok(r) => {
                if h.selected.is_some_and(|i| i >= r.lesions.len()) {
                    h.selected = None;
                }
                h.proposed = Some(Arc::new(r));
                h.error = None;
                self.reapply_overrides();
            }
            Err(e) => {
                h.result = None;
                h.proposed = None;
                h.error = Some(e.clone());
                self.message(format!("hot spots: {e}"));
            }
        }
        true
    }

    /// Selects a lesion of the table: the cursor goes to its SUVmax, the slices follow,
    /// and the 3D camera turns to face it from outside the body.
    pub fn select_lesion(&mut self, index: usize) {
        let Some(lesion) = self
            .hotspots
            .result
            .as_ref()
            .and_then(|r| r.lesions.get(index))
        else {
            return;
        };
        let p = lesion.max_position_mm.as_vec3();
        self.hotspots.selected = Some(index);
        let (lo, hi) = self.view.bounds;
        let d = p - (lo + hi) * 0.5;
        if d.x.abs() + d.y.abs() > 1.0 {
            // Azimuth 0 looks from anterior (-y), 90 from the patient's left (+x).
            self.view.camera.azimuth_deg = d.x.atan2(-d.y).to_degrees();
        }
        self.view.look_at(p);
    }

    /// The label value of the selected lesion as the renderer draws it (see
    /// [`HotspotResult::display_labels`]; 0 for none or when it is not drawn).
    pub fn selected_lesion_id(&self) -> u16 {
        let Some(r) = self.hotspots.result.as_ref() else {
            return 0;
        };
        self.hotspots
            .selected
            .and_then(|i| r.lesions.get(i))
            .map_or(0, |l| r.display_id(l.id, self.hotspots.physiologic_style))
    }

    /// Sets the category of lesion `index` of the table (one click in the table, or a
    /// script); it is remembered by the lesion's SUVmax position and applied again after
    /// re-segmentation. Returns whether the lesion exists.
    pub fn set_lesion_category(&mut self, index: usize, category: Category) -> bool {
        let Some(point_mm) = self
            .hotspots
            .result
            .as_ref()
            .and_then(|r| r.lesions.get(index))
            .map(|l| l.max_position_mm)
        else {
            return false;
        };
        let h = &mut self.hotspots;
        // One override per point: a new choice for the same lesion replaces the old one.
        h.overrides.retain(|o| o.point_mm != point_mm);
        h.overrides.push(CategoryOverride { point_mm, category });
        self.reapply_overrides();
        true
    }

    /// Drops the user's categories: the proposed ones show again.
    pub fn clear_lesion_categories(&mut self) {
        self.hotspots.overrides.clear();
        self.reapply_overrides();
    }

    /// Rebuilds the shown result from the proposed one and the overrides (a new `Arc`, so
    /// the renderer's labels follow).
    fn reapply_overrides(&mut self) {
        let h = &mut self.hotspots;
        let geometry = self.study.as_ref().and_then(|s| s.pet.as_ref());
        h.result = match (&h.proposed, geometry) {
            (Some(r), _) if h.overrides.is_empty() => Some(r.clone()),
            (Some(r), Some(pet)) => Some(Arc::new(apply_overrides(r, &h.overrides, &pet.geometry))),
            (r, None) => r.clone(),
            (None, _) => None,
        };
    }

    /// Excludes the selected lesion (bladder, brain, ...) and segments again.
    pub fn exclude_selected(&mut self) {
        let Some(p) = self
            .hotspots
            .selected
            .and_then(|i| self.hotspots.result.as_ref()?.lesions.get(i))
            .map(|l| l.max_position_mm)
        else {
            return;
        };
        let mut params = self.hotspots.params.clone();
        params.excluded_mm.push(p);
        self.hotspots.selected = None;
        self.set_hotspot_params(params);
    }

    /// The pane the side panel's key-frame buttons save: the maximised pane, else the 3D
    /// view or the MIP when the layout shows one, else the layout's first pane.
    pub fn key_frame_pane(&self) -> PaneId {
        if let Some(p) = self.view.maximised {
            return p;
        }
        let panes = self.view.layout_panes();
        [PaneId::ThreeD, PaneId::Mip]
            .into_iter()
            .find(|p| panes.contains(p))
            .or_else(|| panes.first().copied())
            .unwrap_or(PaneId::ThreeD)
    }

    /// Whether the current layout shows the MIP pane.
    pub fn mip_visible(&self) -> bool {
        match self.view.maximised {
            Some(p) => p == PaneId::Mip,
            None => self.view.layout_panes().contains(&PaneId::Mip),
        }
    }

    /// What the MIP pane should show now, if it is visible and there is a PET.
    pub fn mip_key(&self) -> Option<MipKey> {
        self.study.as_ref()?.pet.as_ref()?;
        let labels = match &self.hotspots.result {
            Some(_) if self.view.settings.highlight_lesions => self.hotspots.result_generation,
            _ => 0,
        };
        Some(MipKey {
            study: self.study_generation,
            azimuth: (self.view.mip_view.azimuth_deg.round() as i32).rem_euclid(360),
            labels,
            reference: self.reference_key(),
        })
    }

    /// A projection job for the MIP pane when it is visible and its image is stale.
    pub fn mip_job(&mut self) -> Option<MipJob> {
        if !self.mip_visible() {
            return None;
        }
        let key = self.mip_key()?;
        // While a slider keeps segmenting, new outlines would cost a projection per step on
        // the cores that draw the window: the MIP keeps its outlines until segmentation
        // settles (a new angle or study is projected at once).
        let only_outlines = self
            .mip
            .projection
            .as_ref()
            .is_some_and(|(k, _)| k.study == key.study && k.azimuth == key.azimuth);
        if only_outlines && self.hotspots_pending() {
            return None;
        }
        let pet = self.study.as_ref()?.pet.clone()?;
        let hotspots = self.hotspots.result.clone().filter(|_| key.labels != 0);
        let reference = self.shown_reference().cloned();
        self.mip.job(key, &pet, hotspots.as_ref(), reference)
    }

    /// The voxel behind a MIP pixel (continuous pixel position of the shown projection).
    pub fn mip_pick(&self, x: f64, y: f64) -> Option<MipPick> {
        let pet = self.study.as_ref()?.pet.as_ref()?;
        self.mip.pick(pet, x, y)
    }

    /// A click on the MIP: the cursor goes to the hottest voxel along the clicked ray and
    /// every pane follows; when that voxel belongs to a lesion, the lesion is selected.
    pub fn mip_click(&mut self, x: f64, y: f64) -> bool {
        let Some(pick) = self.mip_pick(x, y) else {
            return false;
        };
        self.view.cursor = pick.position;
        let lesion = self.hotspots.result.as_ref().and_then(|r| {
            let id = *r.labels.get(pick.voxel)?;
            r.lesions
                .iter()
                .position(|l| id != 0 && l.id == u32::from(id))
        });
        if let Some(i) = lesion {
            self.hotspots.selected = Some(i);
        }
        true
    }

    /// [`Self::mip_click`] at a fraction of the projection image (0, 0: top left corner;
    /// 1, 1: bottom right), as scripts give it.
    pub fn mip_click_fraction(&mut self, fx: f32, fy: f32) -> bool {
        let Some((_, p)) = &self.mip.projection else {
            return false;
        };
        let x = f64::from(fx) * p.width as f64 - 0.5;
        let y = f64::from(fy) * p.height as f64 - 0.5;
        self.mip_click(x, y)
    }

    /// Whether the follow-up's MIP pane is visible.
    pub fn followup_mip_visible(&self) -> bool {
        self.followup.is_some()
            && match self.view.maximised {
                Some(p) => p == PaneId::FollowupMip,
                None => self.view.layout_panes().contains(&PaneId::FollowupMip),
            }
    }

    /// What the follow-up's MIP pane should show: its PET at the baseline MIP's angle.
    pub fn followup_mip_key(&self) -> Option<MipKey> {
        let f = self.followup.as_ref()?;
        f.study.pet.as_ref()?;
        Some(MipKey {
            study: f.generation,
            azimuth: (self.view.mip_view.azimuth_deg.round() as i32).rem_euclid(360),
            labels: 0,
            reference: 0,
        })
    }

    /// A projection job for the follow-up's MIP pane when it is visible and stale.
    pub fn followup_mip_job(&mut self) -> Option<MipJob> {
        if !self.followup_mip_visible() {
            return None;
        }
        let key = self.followup_mip_key()?;
        let f = self.followup.as_mut()?;
        let pet = f.study.pet.clone()?;
        f.mip.job(key, &pet, None, None)
    }

    /// The follow-up voxel behind a pixel of its MIP.
    pub fn followup_mip_pick(&self, x: f64, y: f64) -> Option<MipPick> {
        let f = self.followup.as_ref()?;
        f.mip.pick(f.study.pet.as_ref()?, x, y)
    }

    /// A click on the follow-up's MIP: the shared cursor goes to the hottest follow-up
    /// voxel along the ray, mapped into baseline space.
    pub fn followup_mip_click(&mut self, x: f64, y: f64) -> bool {
        let Some(pick) = self.followup_mip_pick(x, y) else {
            return false;
        };
        let Some(f) = &self.followup else {
            return false;
        };
        self.view.cursor = f.to_baseline_point(pick.position);
        true
    }

    /// The top of the PET window sliders: the PET's maximum in display units.
    pub fn pet_top(&self) -> f32 {
        self.pet_max
            .map(|m| (m * self.pet_display_factor()) as f32)
            .unwrap_or(20.0)
            .max(1.0)
    }

    /// A model with no study and a default view, for unit tests.
    #[cfg(test)]
    pub fn for_tests() -> Self {
        Self::new(ViewerState::new(
            (Vec3::splat(-100.0), Vec3::splat(100.0)),
            Vec3::ZERO,
            [2.0; 3],
        ))
    }
}

#[cfg(test)]
#[path = "reading_tests.rs"]
mod tests;
