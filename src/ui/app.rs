//! The application state: wires the reading model, the graphics, the pane renderer, the
//! loader and segmentation workers, the script runner and the panels together. Each frame:
//! take finished background work, run the script's next step, lay out the UI (panels and
//! panes edit the model), hand heavy work to workers, draw the panes whose render keys
//! changed, present.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use glam::Vec3;
use winit::event_loop::ActiveEventLoop;

use super::app_events::ViewerOptions;
use super::frame_stats::FrameStats;
use super::graphics::{Graphics, Presented};
use super::keyframes::{BackgroundWrites, KeyFrameJob};
use super::loader::{LoadOutcome, Loaded, Loader};
use super::mip_pane::MipPane;
use super::pane_renderer::PaneRenderer;
use super::panels::{Action, PanelText};
use super::reading::ReadingModel;
use super::recovery::Recovery;
use super::reference_worker::ReferenceWorker;
use super::render_key::{SceneStamp, VolumeKey};
use super::script::Command;
use super::script_runner::{Effect, Readiness, ScriptRunner};
use super::segmentation::SegmentationWorker;
use super::state::{PaneId, ViewerState};
use super::window_ui::Laid;
use crate::render::scene::FusedScene;

/// Demo mode turns the 3D view this fast, whatever the frame rate.
pub const DEMO_DEG_PER_S: f32 = 30.0;

/// On a device that needs coarse images, demo mode turns by at most this many degrees per
/// full-quality image.
const DEMO_STEP_DEG: f32 = 10.0;
/// While loading, the window wakes this often to show progress.
pub(super) const LOADING_POLL: Duration = Duration::from_millis(30);

/// Recent studies kept in the settings.
const MAX_RECENT: usize = 8;

pub(super) struct App {
    pub(super) options: ViewerOptions,
    pub(super) egui_ctx: egui::Context,
    pub(super) gfx: Option<Graphics>,
    pub(super) scene: Option<FusedScene>,
    pub(super) model: ReadingModel,
    pub(super) loader: Loader,
    /// Loads the follow-up study (see [`super::followup_app`]).
    pub(super) followup_loader: Loader,
    /// The follow-up study's volumes on the GPU.
    pub(super) followup_scene: Option<FusedScene>,
    /// Registers the follow-up onto the baseline.
    pub(super) registration: super::latest_worker::LatestWorker<
        super::followup_app::RegistrationJob,
        super::followup_app::RegistrationDone,
    >,
    /// A load that finished before the window existed.
    pub(super) pending_open: Option<Box<Loaded>>,
    pub(super) segmentation: SegmentationWorker,
    /// The hot-spot result whose labels the scene holds, and how its physiologic lesions
    /// were drawn.
    pub(super) labels_shown: Option<(
        std::sync::Arc<crate::analysis::HotspotResult>,
        crate::analysis::PhysiologicStyle,
    )>,
    /// Reads reference masks onto the PET grid.
    pub(super) reference_worker: ReferenceWorker,
    /// The reference mask the scene holds.
    pub(super) reference_shown: Option<std::sync::Arc<crate::study_reference::ReferenceMask>>,
    pub(super) panes: PaneRenderer,
    /// The PET MIP pane's worker and texture.
    pub(super) mip: MipPane,
    /// The follow-up's PET MIP pane.
    pub(super) followup_mip: MipPane,
    /// Pane rectangles and sizes from the last layout.
    pub(super) laid: Laid,
    pub(super) panel_text: PanelText,
    pub(super) script: ScriptRunner,
    pub(super) stats: Option<FrameStats>,
    /// When the study first reached the screen (logged, and in the frame statistics).
    startup: super::startup::StartupClock,
    pub(super) keyframe_job: Option<KeyFrameJob>,
    pub(super) writes: BackgroundWrites,
    pub(super) screenshot: Option<PathBuf>,
    pub(super) free_later: Vec<egui::TextureId>,
    pub(super) last_tick: Instant,
    pub(super) last_volume_key: Option<VolumeKey>,
    /// A study is being opened: from the upload until every pane shows it at full quality
    /// and its hot spots are segmented (such frames are not interaction, and a script's
    /// `wait` waits for them).
    pub(super) opening: bool,
    /// A lost device or surface being recreated.
    pub(super) recovery: Recovery,
    pub(super) fatal: Option<anyhow::Error>,
}

impl App {
    pub(super) fn new(options: ViewerOptions, commands: Vec<Command>) -> Self {
        let mut view = ViewerState::new(
            (Vec3::splat(-200.0), Vec3::splat(200.0)),
            Vec3::ZERO,
            [3.0; 3],
        );
        if !options.no_config {
            if let Some(p) = super::config::load() {
                view.restore(&p);
            }
        }
        let egui_ctx = egui::Context::default();
        super::style::apply(&egui_ctx);
        let mut app = Self {
            stats: options.frame_stats.as_ref().map(|_| FrameStats::default()),
            startup: Default::default(),
            options,
            egui_ctx,
            gfx: None,
            scene: None,
            model: ReadingModel::new(view),
            loader: Loader::default(),
            followup_loader: Loader::default(),
            followup_scene: None,
            registration: super::followup_app::registration_worker(),
            pending_open: None,
            segmentation: SegmentationWorker::start(),
            labels_shown: None,
            reference_worker: ReferenceWorker::default(),
            reference_shown: None,
            panes: PaneRenderer::new(false),
            mip: MipPane::default(),
            followup_mip: MipPane::new(super::mip_pane::MipSource::Followup),
            laid: Laid::default(),
            panel_text: PanelText::default(),
            script: ScriptRunner::new(commands),
            keyframe_job: None,
            writes: BackgroundWrites::default(),
            screenshot: None,
            free_later: Vec::new(),
            last_tick: Instant::now(),
            last_volume_key: None,
            opening: false,
            recovery: Recovery::default(),
            fatal: None,
        };
        // The first study loads while the window and the GPU start (it waits in
        // `pending_open` if it is ready first): the first slice is on screen that much
        // sooner. Its scene is prepared for the default texture limit and refitted at the
        // upload if the device's is lower.
        let first = app.options.paths.clone();
        app.start_load(first);
        app
    }

    pub(super) fn start_load(&mut self, paths: Vec<PathBuf>) {
        let options = self.options.study.clone();
        self.start_load_with(paths, &options);
    }

    fn start_load_with(&mut self, paths: Vec<PathBuf>, options: &crate::dicom::LoadOptions) {
        let max_dim = self.gfx.as_ref().map_or_else(
            || wgpu::Limits::default().max_texture_dimension_3d as usize,
            Graphics::max_texture_dim,
        );
        self.loader.start(paths, options, max_dim);
    }

    /// Writes the suspicious lesions as a DICOM SEG on a background thread (it reads the
    /// PET files' headers again for the references).
    fn export_seg(&mut self, path: PathBuf) {
        let (Some(study), Some(result)) = (&self.model.study, &self.model.hotspots.result) else {
            self.model.message("SEG export: no hot spots segmented");
            return;
        };
        let (paths, series, result) = (
            study.paths.clone(),
            study.series.pet_chosen.clone(),
            result.clone(),
        );
        self.writes.run(move || {
            match crate::study_export::write_lesion_seg(&path, &paths, series.as_deref(), &result) {
                Ok(n) => format!("SEG saved: {} ({n} lesions)", path.display()),
                Err(e) => format!("SEG export failed: {e:#}"),
            }
        });
    }

    /// Loads the open study again with another CT or PET series (`None` keeps the one
    /// shown); the current study stays open until the new one is loaded.
    fn choose_series(&mut self, ct: Option<String>, pet: Option<String>) {
        let Some(study) = &self.model.study else {
            self.model.message("no study is open");
            return;
        };
        if study.paths.is_empty() {
            self.model
                .message("the built-in phantom has one CT and one PET");
            return;
        }
        let mut options = self.options.study.clone();
        options.ct_series = ct.or_else(|| study.series.ct_chosen.clone());
        options.pet_series = pet.or_else(|| study.series.pet_chosen.clone());
        let paths = study.paths.clone();
        self.start_load_with(paths, &options);
    }

    /// Takes finished background work: a load, a segmentation, written files.
    pub(super) fn poll_background(&mut self) {
        match self.loader.poll() {
            Some(LoadOutcome::Loaded(loaded)) => self.open(loaded),
            Some(LoadOutcome::Failed { label, error }) => self
                .model
                .message(format!("could not load {label}: {error}")),
            None => {}
        }
        self.poll_followup();
        if self.panel_text.pacs.poll() {
            if let crate::ui::pacs::SearchStatus::Failed(e) = &self.panel_text.pacs.status {
                self.model.message(format!("PACS search: {e}"));
            }
        }
        if let Some(done) = self.segmentation.poll() {
            self.model.accept_hotspots(done.generation, done.result);
        }
        for m in self.writes.messages() {
            self.model.message(m);
        }
    }

    /// Uploads a loaded study and shows it (the upload is the only part on this thread).
    pub(super) fn open(&mut self, loaded: Box<Loaded>) {
        let Some(gfx) = &mut self.gfx else {
            self.pending_open = Some(loaded);
            return;
        };
        let Loaded {
            study,
            scene,
            cursor,
            label,
            seconds,
        } = *loaded;
        let mut scene = gfx.upload_scene(scene);
        gfx.warm_up(&mut scene);
        self.model
            .message(format!("loaded {label} in {seconds:.1} s"));
        for n in study.notes.iter().chain(&scene.warnings) {
            self.model.message(n.clone());
        }
        if !label.starts_with("built-in") {
            let recent = &mut self.model.view.recent;
            recent.retain(|r| r != &label);
            recent.insert(0, label);
            recent.truncate(MAX_RECENT);
        }
        self.model.open(study, scene.display_bounds(), cursor);
        // `petct view --reference MASK`: laid over the first study opened.
        if let Some(mask) = self.options.reference.take() {
            self.model.load_reference(mask);
        }
        self.scene = Some(scene);
        // The model dropped the follow-up of the previous baseline.
        self.followup_scene = None;
        self.model.flicker.set(false, Instant::now());
        self.labels_shown = None;
        self.reference_shown = None;
        self.panes.invalidate();
        self.opening = true;
        // `petct view BASELINE --followup FOLLOWUP`: once the baseline is shown.
        if let Some(followup) = self.options.followup.take() {
            self.start_followup_load(vec![followup]);
        }
    }

    pub(super) fn stamp(&self) -> SceneStamp {
        self.scene
            .as_ref()
            .map_or_else(SceneStamp::default, |s| SceneStamp {
                study: self.model.study_generation,
                pet_factor_bits: s.pet_display_factor.to_bits(),
                labels: s.labels_generation(),
                reference: s.reference_generation(),
            })
    }

    /// Runs this frame's script commands.
    pub(super) fn step_script(&mut self, event_loop: &ActiveEventLoop) {
        let ready = Readiness {
            loading: self.loader.busy()
                || self.opening
                || self.model.reference.pending()
                || self.followup_loader.busy()
                || self.model.registration_pending(),
            writing: self.writes.busy(),
            settled: self.keyframe_job.is_none() && self.panes_settled(),
            hotspots_pending: self.model.hotspots_pending(),
            key_frame_pending: self.keyframe_job.is_some(),
            pacs_searching: self.panel_text.pacs.searching(),
        };
        for cmd in self.script.this_frame(ready) {
            tracing::info!("script: {cmd:?}");
            let rects = &self.laid.rects;
            let mm = |pane: PaneId| {
                rects.get(&pane).map_or(1.0, |r| {
                    super::pane_view::mm_per_point(&self.model, pane, *r)
                })
            };
            let mm: HashMap<PaneId, f32> = PaneId::every().map(|p| (p, mm(p))).collect();
            match super::script_runner::apply(&mut self.model, cmd.clone(), |p| mm[&p]) {
                Ok(effect) => self.effect(effect, event_loop),
                Err(e) => self.model.message(format!("script {cmd:?}: {e}")),
            }
        }
    }

    pub(super) fn effect(&mut self, effect: Effect, event_loop: &ActiveEventLoop) {
        match effect {
            Effect::None => {}
            Effect::Load(path) => self.start_load(path.into_iter().collect()),
            Effect::LoadFollowup(path) => self.start_followup_load(path.into_iter().collect()),
            Effect::KeyFrameFollowup(path) => self.action(Action::KeyFrameFollowup(Some(path))),
            Effect::Screenshot(path) => self.screenshot = Some(path),
            Effect::KeyFrame(path, pane) => self.action(Action::KeyFrame(pane, Some(path))),
            Effect::ExportHotspots(path) => self.action(Action::ExportHotspots(path)),
            Effect::ExportSeg(path) => self.action(Action::ExportSeg(path)),
            Effect::PacsSearch(root) => {
                if let Err(e) = self.panel_text.pacs.search(Some(&root)) {
                    self.model.message(e);
                }
            }
            Effect::PacsOpen(n) => match self.panel_text.pacs.open_path(n - 1) {
                Some(url) => self.start_load(vec![url]),
                None => self
                    .model
                    .message(format!("PACS: no study number {n} among the results")),
            },
            Effect::Quit => self.exit(event_loop),
            Effect::LoseDevice => self.lose_device(),
            Effect::ChooseSeries { ct, pet } => self.choose_series(ct, pet),
        }
    }

    /// Carries out a panel's request.
    pub(super) fn action(&mut self, action: Action) {
        match action {
            Action::Open(paths) => self.start_load(paths),
            Action::OpenFollowup(paths) => self.start_followup_load(paths),
            Action::KeyFrameFollowup(path) => {
                if let Err(e) = self.save_followup_key_frame(path) {
                    self.model.message(format!("key frame failed: {e:#}"));
                }
            }
            Action::ChooseSeries { ct, pet } => self.choose_series(ct, pet),
            Action::ExportSeg(path) => self.export_seg(path),
            Action::CancelLoad => {
                if self.loader.cancel() {
                    self.model
                        .message("loading cancelled; the current study stays open");
                }
            }
            Action::KeyFrame(pane, path) => {
                if let Err(e) = self.start_key_frame(pane, path) {
                    self.model.message(format!("key frame failed: {e:#}"));
                }
            }
            Action::ExportHotspots(path) => {
                let result = super::export::hotspots(&self.model, &path);
                match result {
                    Ok(()) => self
                        .model
                        .message(format!("hot spots exported to {}", path.display())),
                    Err(e) => self.model.message(format!("export failed: {e:#}")),
                }
            }
        }
    }

    /// Turns the demo view by the time passed, not by the frame count.
    pub(super) fn tick_demo(&mut self) {
        let now = Instant::now();
        if !self.demo_turning() {
            self.last_tick = now;
            return;
        }
        let dt = (now - self.last_tick).as_secs_f32();
        let mut turn = DEMO_DEG_PER_S * dt;
        if self.panes.needs_coarse() {
            // A device that needs a coarse image while the view moves (a software renderer)
            // turns in steps, each shown at full quality: a patient sees a crisp body, not
            // a blur. The speed is then at most DEMO_DEG_PER_S.
            if !self.panes_settled() {
                return;
            }
            turn = turn.min(DEMO_STEP_DEG);
        }
        self.last_tick = now;
        let c = &mut self.model.view.camera;
        c.azimuth_deg = (c.azimuth_deg + turn).rem_euclid(360.0);
    }

    /// Hands segmentation to the worker and keeps the scene's labels and PET factor in step
    /// with the model.
    pub(super) fn sync_scene(&mut self) {
        self.sync_reference();
        if let Some(job) = self.model.hotspot_job() {
            self.segmentation.submit(job);
        }
        let mip_size = self.laid.pixels.get(&PaneId::Mip).copied();
        self.mip.sync(&mut self.model, mip_size);
        let followup_size = self.laid.pixels.get(&PaneId::FollowupMip).copied();
        self.followup_mip.sync(&mut self.model, followup_size);
        let (Some(gfx), Some(scene)) = (&self.gfx, &mut self.scene) else {
            return;
        };
        scene.pet_display_factor = self.model.pet_display_factor() as f32;
        let wanted = if self.model.hotspots_possible() {
            let style = self.model.hotspots.physiologic_style;
            self.model.hotspots.result.clone().map(|r| (r, style))
        } else {
            None
        };
        let same = match (&wanted, &self.labels_shown) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(&a.0, &b.0) && a.1 == b.1,
            (None, None) => true,
            // A stale result keeps showing until the new one arrives.
            (None, Some(_)) => self.model.hotspots_possible(),
            _ => false,
        };
        if !same {
            // Suspicious lesions keep their id; physiologic ones are marked quiet or hidden,
            // ignored ones hidden (HotspotResult::display_labels).
            let ids = wanted.as_ref().map(|(r, style)| r.display_labels(*style));
            scene.set_labels(&gfx.ctx.device, &gfx.ctx.queue, ids.as_deref());
            self.labels_shown = wanted;
        }
    }

    /// Draws the panes whose keys changed and advances a key frame in progress.
    pub(super) fn render(&mut self) {
        let stamp = self.stamp();
        let (Some(gfx), Some(scene)) = (&mut self.gfx, &mut self.scene) else {
            return;
        };
        let mut dc = super::pane_renderer::DrawContext {
            ctx: &gfx.ctx,
            renderer: &mut gfx.pane_renderer,
            egui: &mut gfx.egui_renderer,
            scene,
            followup: self.followup_scene.as_ref(),
            stamp,
            format: gfx.config.format,
        };
        let work = self
            .panes
            .render(&mut dc, &self.model, &self.laid.pixels, self.laid.hovered);
        self.mip
            .upload(&gfx.ctx, &self.egui_ctx, gfx.config.format, gfx.copy_panes);
        self.followup_mip
            .upload(&gfx.ctx, &self.egui_ctx, gfx.config.format, gfx.copy_panes);
        if let Some(stats) = &mut self.stats {
            let key = self
                .laid
                .pixels
                .get(&PaneId::ThreeD)
                .map(|&s| VolumeKey::new(&self.model, s, stamp));
            if key.is_some() && key != self.last_volume_key {
                stats.input();
            }
            self.last_volume_key = key;
            if work.refined {
                stats.refined();
            }
        }
        if let Some(job) = &mut self.keyframe_job {
            match job.step(
                &gfx.ctx,
                &mut gfx.renderer,
                scene,
                &self.model,
                &mut self.writes,
            ) {
                Ok(false) => {}
                Ok(true) => self.keyframe_job = None,
                Err(e) => {
                    self.keyframe_job = None;
                    self.model.message(format!("key frame failed: {e:#}"));
                }
            }
        }
    }

    pub(super) fn redraw(&mut self, event_loop: &ActiveEventLoop) -> anyhow::Result<()> {
        self.poll_background();
        if self.script.active() {
            self.step_script(event_loop);
        }
        if !self.recover_graphics() {
            return Ok(());
        }
        self.tick_demo();
        self.model.flicker.tick(Instant::now());
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        let raw = gfx.egui_state.take_egui_input(&gfx.window);
        let ctx = self.egui_ctx.clone();
        let mut actions = Vec::new();
        let mut output = ctx.run_ui(raw, |ui| {
            let laid = super::window_ui::draw(
                ui,
                &mut self.model,
                &mut self.panel_text,
                super::window_ui::PaneImages {
                    panes: &self.panes,
                    mip: &mut self.mip,
                    followup_mip: &mut self.followup_mip,
                },
                self.loader.progress(),
                &self.laid,
                &mut actions,
            );
            self.laid = laid;
        });
        self.apply_textures(std::mem::take(&mut output.textures_delta));
        for a in actions {
            self.action(a);
        }
        self.sync_scene();
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        gfx.egui_state
            .handle_platform_output(&gfx.window, output.platform_output.clone());
        self.render();
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        let shot = self.screenshot.take();
        let ppp = output.pixels_per_point;
        let copies = self.laid.copies(
            &self.panes,
            (
                self.mip.copied_texture(),
                self.followup_mip.copied_texture(),
            ),
            ppp,
        );
        let out = super::graphics::FrameOutput {
            shapes: output.shapes,
            pixels_per_point: ppp,
            copies: &copies,
            panel: self.laid.panel,
            screenshot: shot.as_deref(),
        };
        match gfx.present(&self.egui_ctx, out) {
            Ok(Presented::Yes) => {
                if let Some(path) = shot {
                    self.model.message(format!("screenshot {}", path.display()));
                }
                self.note_startup();
            }
            Ok(Presented::Retry) => self.screenshot = shot,
            Ok(Presented::Lost) => {
                self.screenshot = shot;
                self.recovery.surface_lost();
            }
            Err(e) => self.model.message(format!("screenshot failed: {e:#}")),
        }
        let opening = self.loader.busy() || self.opening;
        // Demo mode turns the view every frame, so it never settles: the open is over once
        // the study is on screen.
        if self.opening && !self.model.hotspots_pending() && self.panes_settled() {
            self.opening = false;
        }
        if let Some(stats) = &mut self.stats {
            if self.script.active() {
                stats.frame_presented(opening);
            }
        }
        let repaint = output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.repaint_delay.is_zero());
        if repaint || self.busy() {
            if let Some(gfx) = &self.gfx {
                gfx.window.request_redraw();
            }
        }
        Ok(())
    }

    /// Applies egui's texture changes now; frees those it no longer needs after this
    /// frame's painting (before anything can return, so none is lost).
    fn apply_textures(&mut self, mut textures: egui::TexturesDelta) {
        if let Some(gfx) = &mut self.gfx {
            // Textures freed last frame go now that its painting is done.
            gfx.free_textures(&std::mem::take(&mut self.free_later));
            gfx.update_textures(&textures);
        }
        self.free_later.extend(textures.free.iter().copied());
        // Handled: egui asserts that no delta is dropped unapplied.
        textures.clear();
    }

    /// Whether demo mode is turning the 3D view.
    fn demo_turning(&self) -> bool {
        self.model.view.demo && !self.model.view.demo_paused
    }

    /// Whether every visible pane shows the current state at full quality.
    fn panes_settled(&self) -> bool {
        self.panes
            .settled(&self.model, &self.laid.pixels, self.stamp())
            && !self
                .mip
                .pending(&self.model, self.laid.pixels.get(&PaneId::Mip).copied())
            && !self.followup_mip.pending(
                &self.model,
                self.laid.pixels.get(&PaneId::FollowupMip).copied(),
            )
    }

    /// Whether more frames are needed without new input.
    pub(super) fn busy(&self) -> bool {
        let v = &self.model.view;
        self.script.active()
            || (v.demo && !v.demo_paused)
            || MipPane::turning(&self.model)
            || self.followup_loader.busy()
            || self.model.registration_pending()
            || self.keyframe_job.is_some()
            || self.model.hotspots_pending()
            || self.model.reference.pending()
            || !self.panes_settled()
    }

    /// Notes what the presented frame showed of the study, for the startup figures.
    fn note_startup(&mut self) {
        if self.scene.is_none() {
            return;
        }
        self.startup.presented(self.panes.drawn());
    }

    pub(super) fn exit(&mut self, event_loop: &ActiveEventLoop) {
        if !self.options.no_config {
            if let Err(e) = super::config::save(&self.model.view.persisted()) {
                tracing::warn!("could not save settings: {e}");
            }
        }
        self.writes.finish();
        if let (Some(stats), Some(path)) = (&mut self.stats, &self.options.frame_stats) {
            stats.startup = self.startup.figures();
            if let Err(e) = stats.write(path) {
                tracing::error!("{}: {e:#}", path.display());
                self.fatal = Some(e.context(format!("writing {}", path.display())));
            }
        }
        event_loop.exit();
    }
}
