//! The follow-up study in the application: its background load (the same loader as the
//! first study's), its GPU scene, and its registration onto the baseline on a worker.

use std::path::PathBuf;

use super::app::App;
use super::followup_registration::{estimate, Registration};
use super::latest_worker::LatestWorker;
use super::loader::{LoadOutcome, Loaded};
use glam::DAffine3;

use crate::analysis::response::{assess_response, ResponseAssessment, ScanAnalysis};
use crate::study::ViewStudy;
use crate::study_response::analyse_view_pair;

/// Both scans' analyses (baseline, follow-up).
type Analyses = Box<(ScanAnalysis, ScanAnalysis)>;
use crate::volume::RigidTransform;

/// A registration to compute: the follow-up's generation, baseline and follow-up (the
/// volumes are shared, not copied).
pub struct RegistrationJob {
    generation: u64,
    baseline: ViewStudy,
    followup: ViewStudy,
    /// `None`: register, then assess. `Some`: assess again under this (nudged) transform.
    transform: Option<DAffine3>,
}

/// A finished registration of follow-up `generation`, and the PERCIST assessment under it.
pub struct RegistrationDone {
    generation: u64,
    /// `None` for a re-assessment.
    registration: Option<Registration>,
    response: Result<ResponseAssessment, String>,
    /// The follow-up -> baseline transform the response was assessed under.
    assessed_under: DAffine3,
}

/// The registration worker: one thread, the newest job wins.
pub fn registration_worker() -> LatestWorker<RegistrationJob, RegistrationDone> {
    // The per-scan analyses of the newest follow-up, so that a nudge re-runs only the
    // tracking and PERCIST (milliseconds), not the hot-spot search on both scans.
    let mut cache: Option<(u64, Result<Analyses, String>)> = None;
    LatestWorker::start("registration", 1, move |job: RegistrationJob| {
        let registration = match job.transform {
            Some(_) => None,
            None => Some(estimate(&job.baseline, &job.followup)),
        };
        let under = job
            .transform
            .or(registration.as_ref().map(|r| r.to_baseline))
            .unwrap_or(DAffine3::IDENTITY);
        if cache.as_ref().is_none_or(|(g, _)| *g != job.generation) {
            let analyses = analyse_view_pair(&job.baseline, &job.followup).map(Box::new);
            cache = Some((job.generation, analyses));
        }
        let transform = RigidTransform {
            rotation: under.matrix3,
            translation: under.translation,
        };
        let response = match cache.as_ref().map(|(_, a)| a) {
            Some(Ok(a)) => Ok(assess_response(&a.0, &a.1, &transform)),
            Some(Err(e)) => Err(e.clone()),
            None => Err("no analysis".into()),
        };
        RegistrationDone {
            generation: job.generation,
            registration,
            response,
            assessed_under: under,
        }
    })
}

impl App {
    /// Starts loading a follow-up study (empty: the built-in phantom) in the background;
    /// the open studies stay as they are until it has loaded.
    pub(super) fn start_followup_load(&mut self, paths: Vec<PathBuf>) {
        if self.model.study.is_none() {
            self.model
                .message("open a baseline study before its follow-up");
            return;
        }
        let max_dim = self.gfx.as_ref().map_or_else(
            || wgpu::Limits::default().max_texture_dimension_3d as usize,
            super::graphics::Graphics::max_texture_dim,
        );
        self.followup_loader
            .start(paths, &self.options.study, max_dim);
    }

    /// Takes a finished follow-up load and registration.
    pub(super) fn poll_followup(&mut self) {
        match self.followup_loader.poll() {
            Some(LoadOutcome::Loaded(loaded)) => self.open_followup(loaded),
            Some(LoadOutcome::Failed { label, error }) => self
                .model
                .message(format!("could not load the follow-up {label}: {error}")),
            None => {}
        }
        if let Some(done) = self.registration.poll() {
            if let Some(r) = done.registration {
                self.model.accept_registration(done.generation, r);
            }
            self.model
                .accept_response(done.generation, done.response, done.assessed_under);
        }
        self.reassess_after_nudge();
    }

    /// Asks the worker to assess the response again once the reader's nudge has changed the
    /// transform (the newest nudge wins; the previous result stays shown meanwhile).
    fn reassess_after_nudge(&mut self) {
        let (Some(f), Some(baseline)) = (&mut self.model.followup, &self.model.study) else {
            return;
        };
        if f.registration.is_none() || f.requested_under.is_none() {
            return;
        }
        let now = f.transform();
        if f.requested_under == Some(now) {
            return;
        }
        f.requested_under = Some(now);
        self.registration.submit(RegistrationJob {
            generation: f.generation,
            baseline: baseline.clone(),
            followup: f.study.clone(),
            transform: Some(now),
        });
    }

    /// Uploads a loaded follow-up, shows it and asks the worker for its registration.
    fn open_followup(&mut self, loaded: Box<Loaded>) {
        let Some(gfx) = &self.gfx else {
            return;
        };
        let Loaded {
            study,
            scene,
            label,
            seconds,
            ..
        } = *loaded;
        let Some(baseline) = self.model.study.clone() else {
            self.model
                .message("open a baseline study before its follow-up");
            return;
        };
        let scene = gfx.upload_scene(scene);
        let Some(generation) = self.model.open_followup(study.clone()) else {
            return;
        };
        self.model
            .message(format!("loaded follow-up {label} in {seconds:.1} s"));
        self.followup_scene = Some(scene);
        self.registration.submit(RegistrationJob {
            generation,
            baseline,
            followup: study,
            transform: None,
        });
    }
}

/// Key-frame slices are this many times the pane's size.
const KEY_FRAME_SCALE: u32 = 2;
/// Pane size before the first layout, pixels.
const FALLBACK_PANE_PX: (u32, u32) = (256, 256);

impl App {
    /// Saves the baseline and follow-up axial slices side by side, each with its date
    /// label, as one PNG (`None`: a generated name), written in the background.
    pub(super) fn save_followup_key_frame(&mut self, path: Option<PathBuf>) -> anyhow::Result<()> {
        use super::state::PaneId;
        use crate::render::mpr::MprOrientation::Axial;
        let (Some(gfx), Some(scene), Some(fscene), Some(followup)) = (
            &mut self.gfx,
            &self.scene,
            &self.followup_scene,
            &self.model.followup,
        ) else {
            anyhow::bail!("no follow-up is shown");
        };
        let pane = PaneId::Followup(Axial);
        let (pw, ph) = self
            .laid
            .pixels
            .get(&pane)
            .or_else(|| self.laid.pixels.get(&PaneId::AXIAL))
            .copied()
            .unwrap_or(FALLBACK_PANE_PX);
        let (w, h) = (pw.max(32) * KEY_FRAME_SCALE, ph.max(32) * KEY_FRAME_SCALE);
        let Some(mut view) = self.model.view.mpr_view(PaneId::AXIAL) else {
            anyhow::bail!("no axial view");
        };
        view.crosshair = false;
        let mut settings = self.model.view.settings.clone();
        settings.selected_lesion = self.model.selected_lesion_id();
        settings.pet_window = self.model.view.pet_display(PaneId::AXIAL).window;
        let bounds = self.model.view.bounds;
        let plane = view.plane(bounds, w, h);
        let baseline = gfx.renderer.render_mpr_image_on_plane(
            &gfx.ctx,
            scene,
            &settings,
            (&view, &plane),
            (w, h),
        )?;
        let mut fview = view;
        fview.cursor = followup.to_followup_point(view.cursor);
        settings.selected_lesion = 0;
        settings.reference_outline = false;
        let fplane = followup.plane_in_followup(&plane);
        let later = gfx.renderer.render_mpr_image_on_plane(
            &gfx.ctx,
            fscene,
            &settings,
            (&fview, &fplane),
            (w, h),
        )?;
        // Orientation letters on each slice, as single-pane key frames have them.
        let [l, r, t, b] = Axial.edge_letters();
        let (mut baseline, mut later) = (baseline, later);
        for img in [&mut baseline, &mut later] {
            crate::annotate::draw_orientation_letters(img, l, r, t, b);
        }
        let img = crate::annotate::side_by_side(
            (&baseline, &self.model.study_label(false)),
            (&later, &self.model.study_label(true)),
        );
        let path = path.unwrap_or_else(|| {
            PathBuf::from(format!("petct_followup_axial_{:.0}mm.png", view.cursor.z))
        });
        self.writes.write_key_frame(img, path, &self.model);
        Ok(())
    }
}
