//! The winit application: window, surface, egui, the four panes, loading and scripting.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use glam::{Vec2, Vec3};
use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::window::{Window, WindowId};

use super::panes::PaneTarget;
use super::script::{self, Command};
use super::state::{ct_window_preset, PaneId, ViewerState, CT_WINDOW_PRESETS};
use crate::dicom::LoadOptions;
use crate::keyframe::{self, KeyFrameOptions, KeyFrameView};
use crate::render::camera::StandardView;
use crate::render::colormap::Colormap;
use crate::render::context::GpuContext;
use crate::render::export::write_png_atomic;
use crate::render::offscreen::OFFSCREEN_FORMAT;
use crate::render::renderer::Renderer;
use crate::render::scene::FusedScene;
use crate::render::settings::{CtWindow, RenderMode};
use crate::render::transfer::CtPreset;
use crate::study::{load_view_study, ViewStudy};

/// How the viewer starts.
#[derive(Debug, Clone, Default)]
pub struct ViewerOptions {
    /// Study to open; empty opens the built-in torso phantom.
    pub paths: Vec<PathBuf>,
    /// Script to run (see [`super::script`]).
    pub script: Option<PathBuf>,
    /// Series choice and SUV corrections for loading.
    pub study: LoadOptions,
    /// Initial window size in logical pixels.
    pub size: (u32, u32),
    /// Don't read or write the settings file (tests, reproducible scripts).
    pub no_config: bool,
}

/// Opens the viewer window and runs until it is closed.
pub fn run(options: ViewerOptions) -> anyhow::Result<()> {
    let commands = match &options.script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            script::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    let event_loop = EventLoop::new()?;
    event_loop.set_control_flow(ControlFlow::Wait);
    let mut app = App::new(options, commands);
    event_loop.run_app(&mut app)?;
    match app.fatal.take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A study being loaded on a background thread.
struct Loading {
    rx: Receiver<anyhow::Result<ViewStudy>>,
    label: String,
    started: Instant,
}

/// GPU objects that exist once the window does.
struct Graphics {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    ctx: GpuContext,
    renderer: Renderer,
    egui_renderer: egui_wgpu::Renderer,
    egui_state: egui_winit::State,
    targets: HashMap<PaneId, Option<PaneTarget>>,
    coarse_3d: Option<PaneTarget>,
}

struct App {
    options: ViewerOptions,
    gfx: Option<Graphics>,
    egui_ctx: egui::Context,
    study: Option<ViewStudy>,
    scene: Option<FusedScene>,
    state: ViewerState,
    loading: Option<Loading>,
    messages: VecDeque<String>,
    script: VecDeque<Command>,
    script_sleep_until: Option<Instant>,
    screenshot: Option<PathBuf>,
    dirty_3d: bool,
    dirty_mpr: bool,
    last_3d_interaction: Option<Instant>,
    /// Pane rectangles in physical pixels from the last layout.
    pane_px: HashMap<PaneId, (u32, u32)>,
    path_field: String,
    /// PET in SUV (when SUV is known), the input of hot-spot segmentation.
    suv: Option<crate::volume::Volume>,
    hot_params: crate::analysis::HotspotParams,
    hotspots: Option<crate::analysis::HotspotResult>,
    /// Index into the lesion table.
    selected: Option<usize>,
    hot_dirty: bool,
    /// SUV corrections being edited: weight kg, dose MBq, injection date-time (DT).
    suv_edit: (f64, f64, String),
    /// egui textures to free once the frame that last used them is done.
    free_later: Vec<egui::TextureId>,
    fatal: Option<anyhow::Error>,
}

/// 3D renders stay coarse this long after the last camera change.
const REFINE_AFTER: Duration = Duration::from_millis(300);

impl App {
    fn new(options: ViewerOptions, commands: Vec<Command>) -> Self {
        let mut state = ViewerState::new(
            (Vec3::splat(-200.0), Vec3::splat(200.0)),
            Vec3::ZERO,
            [3.0; 3],
        );
        if !options.no_config {
            if let Some(p) = super::config::load() {
                state.restore(&p);
            }
        }
        let mut app = Self {
            options,
            gfx: None,
            egui_ctx: egui::Context::default(),
            study: None,
            scene: None,
            state,
            loading: None,
            messages: VecDeque::new(),
            script: commands.into(),
            script_sleep_until: None,
            screenshot: None,
            dirty_3d: true,
            dirty_mpr: true,
            last_3d_interaction: None,
            pane_px: HashMap::new(),
            path_field: String::new(),
            free_later: Vec::new(),
            suv: None,
            hot_params: Default::default(),
            hotspots: None,
            selected: None,
            hot_dirty: false,
            suv_edit: (0.0, 0.0, String::new()),
            fatal: None,
        };
        let first = app.options.paths.clone();
        app.start_load(first);
        app
    }

    fn message(&mut self, m: impl Into<String>) {
        let m = m.into();
        tracing::info!("{m}");
        self.messages.push_back(m);
        while self.messages.len() > 6 {
            self.messages.pop_front();
        }
    }

    /// Starts loading in the background; the current study stays usable meanwhile.
    fn start_load(&mut self, paths: Vec<PathBuf>) {
        let label = if paths.is_empty() {
            "built-in torso phantom".to_string()
        } else {
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let args = self.options.study.clone();
        std::thread::spawn(move || {
            let _ = tx.send(load_view_study(&paths, &args));
        });
        self.loading = Some(Loading {
            rx,
            label,
            started: Instant::now(),
        });
    }

    /// Takes a finished load, if any, and shows it.
    fn poll_loading(&mut self) {
        let Some(loading) = &self.loading else { return };
        let result = match loading.rx.try_recv() {
            Ok(r) => r,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                Err(anyhow::anyhow!("the loader stopped unexpectedly"))
            }
        };
        let label = loading.label.clone();
        let secs = loading.started.elapsed().as_secs_f32();
        self.loading = None;
        match result {
            Ok(study) => {
                self.message(format!("loaded {label} in {secs:.1} s"));
                for n in study.notes.clone() {
                    self.message(n);
                }
                if !label.starts_with("built-in") {
                    self.state.recent.retain(|r| r != &label);
                    self.state.recent.insert(0, label);
                    self.state.recent.truncate(8);
                }
                self.show_study(study);
            }
            Err(e) => self.message(format!("could not load {label}: {e:#}")),
        }
    }

    fn show_study(&mut self, study: ViewStudy) {
        let Some(gfx) = &self.gfx else {
            self.study = Some(study);
            return;
        };
        let scene = FusedScene::new(
            &gfx.ctx.device,
            &gfx.ctx.queue,
            study.ct.as_deref(),
            study.pet.as_deref(),
            study.pet_display_factor as f32,
        );
        let bounds = scene.display_bounds();
        let spacing = study
            .ct
            .as_ref()
            .or(study.pet.as_ref())
            .map(|v| v.geometry.spacing)
            .unwrap_or([1.0; 3]);
        // Axial steps along z, coronal along y, sagittal along x.
        let steps = [spacing[2] as f32, spacing[1] as f32, spacing[0] as f32];
        let persisted = self.state.persisted();
        let mut state = ViewerState::new(bounds, study.default_cursor(), steps);
        state.restore(&persisted);
        state.settings.pet_window = study.default_pet_window(state.settings.mode);
        self.state = state;
        self.suv = match (&study.pet, study.suv_available) {
            (Some(pet), true) => Some(crate::analysis::suv_volume(pet, study.pet_display_factor)),
            _ => None,
        };
        self.hot_params.excluded_mm.clear();
        if let Some(i) = &study.suv_inputs {
            self.suv_edit = (
                i.weight_kg.unwrap_or(0.0),
                i.total_dose_bq.unwrap_or(0.0) / 1e6,
                String::new(),
            );
        }
        self.hotspots = None;
        self.selected = None;
        self.hot_dirty = self.suv.is_some();
        self.scene = Some(scene);
        self.study = Some(study);
        self.dirty_3d = true;
        self.dirty_mpr = true;
    }

    /// Applies the edited weight, dose and injection time: SUV, the display and the hot
    /// spots update; when SUV cannot be computed the PET stays in its units and the status
    /// bar says why.
    fn apply_suv_edit(&mut self) {
        let (weight, dose, injection) = self.suv_edit.clone();
        let overrides = crate::dicom::SuvOverrides {
            weight_kg: Some(weight),
            dose_bq: Some(dose * 1e6),
            injection: crate::dicom::datetime::Instant::from_dt(&injection),
        };
        let Some(study) = &mut self.study else { return };
        let result = study.apply_suv_overrides(&overrides);
        let factor = study.pet_display_factor;
        self.suv = match (&study.pet, study.suv_available) {
            (Some(pet), true) => Some(crate::analysis::suv_volume(pet, factor)),
            _ => None,
        };
        if let Some(scene) = &mut self.scene {
            scene.pet_display_factor = factor as f32;
        }
        self.hotspots = None;
        self.hot_dirty = self.suv.is_some();
        self.upload_labels();
        match result {
            Ok(f) => self.message(format!("SUV recomputed: factor {f:.4e}")),
            Err(why) => self.message(format!(
                "SUV unavailable: {why}; PET shown in its own units"
            )),
        }
    }

    /// Re-segments hot spots when their parameters changed, and uploads the labels.
    fn update_hotspots(&mut self) {
        if !self.hot_dirty {
            return;
        }
        self.hot_dirty = false;
        let Some(suv) = &self.suv else { return };
        let ct = self.study.as_ref().and_then(|s| s.ct.as_deref());
        match crate::analysis::find_hotspots(suv, ct, &self.hot_params) {
            Ok(r) => {
                if self.selected.is_some_and(|i| i >= r.lesions.len()) {
                    self.selected = None;
                }
                self.hotspots = Some(r);
            }
            Err(e) => {
                self.hotspots = None;
                self.message(format!("hot spots: {e}"));
            }
        }
        self.upload_labels();
    }

    /// Lesion ids for the renderer, and the selected lesion's id in the settings.
    fn upload_labels(&mut self) {
        let (Some(gfx), Some(scene)) = (&self.gfx, &mut self.scene) else {
            return;
        };
        let r = self.hotspots.as_ref();
        let selected = r
            .and_then(|r| r.lesions.get(self.selected?))
            .map(|l| l.id as u16);
        self.state.settings.selected_lesion = selected.unwrap_or(0);
        scene.set_labels(&gfx.ctx.device, &gfx.ctx.queue, r.map(|r| &r.labels[..]));
        self.dirty_3d = true;
        self.dirty_mpr = true;
    }

    /// Selects a lesion: the cursor goes to its SUVmax, the slices follow, and the 3D
    /// camera turns to face it from outside the body.
    fn select_lesion(&mut self, index: usize) {
        let Some(lesion) = self.hotspots.as_ref().and_then(|r| r.lesions.get(index)) else {
            return;
        };
        let p = lesion.max_position_mm.as_vec3();
        self.selected = Some(index);
        let centre = (self.state.bounds.0 + self.state.bounds.1) * 0.5;
        let d = p - centre;
        if d.x.abs() + d.y.abs() > 1.0 {
            // Azimuth 0 looks from anterior (-y), 90 from the patient's left (+x).
            self.state.camera.azimuth_deg = d.x.atan2(-d.y).to_degrees();
        }
        self.state.look_at(p);
        self.upload_labels();
    }

    fn export_hotspots(&mut self, path: &std::path::Path) -> anyhow::Result<()> {
        let r = self
            .hotspots
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no hot spots segmented"))?;
        let text = if path.extension().is_some_and(|e| e == "json") {
            serde_json::to_string_pretty(&crate::analysis::report::to_json(r))?
        } else {
            crate::analysis::report::to_csv(r)
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)?;
        self.message(format!("hot spots exported to {}", path.display()));
        Ok(())
    }

    fn init_graphics(&mut self, event_loop: &ActiveEventLoop) -> anyhow::Result<()> {
        let (w, h) = if self.options.size.0 > 0 {
            self.options.size
        } else {
            (1280, 860)
        };
        let attrs = Window::default_attributes()
            .with_title("petct viewer")
            .with_inner_size(winit::dpi::LogicalSize::new(w, h));
        let window = Arc::new(event_loop.create_window(attrs)?);
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
        desc.backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY);
        let instance = wgpu::Instance::new(desc);
        let surface = instance.create_surface(window.clone())?;
        let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::HighPerformance,
            compatible_surface: Some(&surface),
            ..Default::default()
        }))?;
        let ctx = GpuContext::from_adapter(adapter)?;
        let size = window.inner_size();
        let caps = surface.get_capabilities(&ctx.adapter);
        let format = caps
            .formats
            .iter()
            .copied()
            .find(|f| !f.is_srgb())
            .or_else(|| caps.formats.first().copied())
            .ok_or_else(|| anyhow::anyhow!("the window surface offers no format"))?;
        let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
        if caps.usages.contains(wgpu::TextureUsages::COPY_SRC) {
            // Window screenshots copy the presented frame.
            usage |= wgpu::TextureUsages::COPY_SRC;
        }
        let config = wgpu::SurfaceConfiguration {
            usage,
            format,
            width: size.width.max(1),
            height: size.height.max(1),
            present_mode: wgpu::PresentMode::AutoVsync,
            desired_maximum_frame_latency: 2,
            alpha_mode: caps
                .alpha_modes
                .first()
                .copied()
                .unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
            color_space: wgpu::SurfaceColorSpace::Auto,
        };
        surface.configure(&ctx.device, &config);
        let egui_renderer = egui_wgpu::Renderer::new(&ctx.device, format, Default::default());
        let egui_state = egui_winit::State::new(
            self.egui_ctx.clone(),
            egui::ViewportId::ROOT,
            &window,
            Some(window.scale_factor() as f32),
            None,
            Some(ctx.device.limits().max_texture_dimension_2d as usize),
        );
        tracing::info!("viewer on {}", ctx.adapter_description());
        self.gfx = Some(Graphics {
            renderer: Renderer::new(&ctx.device, OFFSCREEN_FORMAT),
            window,
            surface,
            config,
            ctx,
            egui_renderer,
            egui_state,
            targets: HashMap::new(),
            coarse_3d: None,
        });
        if let Some(study) = self.study.take() {
            self.show_study(study);
        }
        Ok(())
    }

    fn resize(&mut self, width: u32, height: u32) {
        if let Some(gfx) = &mut self.gfx {
            gfx.config.width = width.max(1);
            gfx.config.height = height.max(1);
            gfx.surface.configure(&gfx.ctx.device, &gfx.config);
            self.dirty_3d = true;
            self.dirty_mpr = true;
        }
    }

    fn interacting(&self) -> bool {
        self.last_3d_interaction
            .is_some_and(|t| t.elapsed() < REFINE_AFTER)
    }

    /// Renders panes whose content or size changed.
    fn render_panes(&mut self) {
        let (Some(gfx), Some(scene)) = (&mut self.gfx, &mut self.scene) else {
            return;
        };
        let coarse = self
            .last_3d_interaction
            .is_some_and(|t| t.elapsed() < REFINE_AFTER);
        for pane in PaneId::ALL {
            let Some(&(w, h)) = self.pane_px.get(&pane) else {
                continue;
            };
            let slot = gfx.targets.entry(pane).or_insert(None);
            let resized = slot
                .as_ref()
                .is_none_or(|t| t.target.width != w.max(8) || t.target.height != h.max(8));
            let Some(target) =
                PaneTarget::ensure(slot, &gfx.ctx.device, &mut gfx.egui_renderer, w, h)
            else {
                continue;
            };
            match self.state.mpr_view(pane) {
                Some(view) => {
                    if self.dirty_mpr || resized {
                        gfx.renderer.render_mpr(
                            &gfx.ctx,
                            scene,
                            &self.state.settings,
                            &view,
                            (&target.target).into(),
                            view.orientation as usize,
                        );
                    }
                }
                None => {
                    let refine = !coarse && target.coarse;
                    if !(self.dirty_3d || resized || refine) {
                        continue;
                    }
                    let mut settings = self.state.settings.clone();
                    if self.state.demo && !self.state.demo_paused {
                        settings.step_mm *= 1.5;
                    }
                    if coarse {
                        // Interactive quality: a third of the resolution and double steps.
                        let (cw, ch) = (w / 3, h / 3);
                        settings.step_mm *= 2.0;
                        if let Some(c) = PaneTarget::ensure(
                            &mut gfx.coarse_3d,
                            &gfx.ctx.device,
                            &mut gfx.egui_renderer,
                            cw,
                            ch,
                        ) {
                            gfx.renderer.render_3d(
                                &gfx.ctx,
                                scene,
                                &settings,
                                &self.state.camera,
                                (&c.target).into(),
                            );
                        }
                        target.coarse = true;
                    } else {
                        gfx.renderer.render_3d(
                            &gfx.ctx,
                            scene,
                            &settings,
                            &self.state.camera,
                            (&target.target).into(),
                        );
                        target.coarse = false;
                    }
                }
            }
        }
        self.dirty_mpr = false;
        self.dirty_3d = false;
    }

    fn texture_for(&self, pane: PaneId) -> Option<egui::TextureId> {
        let gfx = self.gfx.as_ref()?;
        let t = gfx.targets.get(&pane)?.as_ref()?;
        if pane == PaneId::ThreeD && t.coarse {
            if let Some(c) = &gfx.coarse_3d {
                return Some(c.texture_id);
            }
        }
        Some(t.texture_id)
    }

    fn redraw(&mut self) -> anyhow::Result<()> {
        self.poll_loading();
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        let raw = gfx.egui_state.take_egui_input(&gfx.window);
        let ctx = self.egui_ctx.clone();
        let mut output = ctx.run_ui(raw, |ui| self.ui(ui));
        let mut textures = std::mem::take(&mut output.textures_delta);
        let Some(gfx) = &mut self.gfx else {
            textures.clear();
            return Ok(());
        };
        // Textures freed last frame go now that its painting is done; new ones are applied
        // before anything can return early.
        for id in self.free_later.drain(..) {
            gfx.egui_renderer.free_texture(&id);
        }
        for (id, deltas) in textures.set.drain() {
            for delta in deltas {
                gfx.egui_renderer
                    .update_texture(&gfx.ctx.device, &gfx.ctx.queue, id, &delta);
            }
        }
        self.free_later.extend(textures.free.drain());
        gfx.egui_state
            .handle_platform_output(&gfx.window, output.platform_output.clone());
        self.update_hotspots();
        self.render_panes();
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        let frame = match gfx.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                gfx.surface.configure(&gfx.ctx.device, &gfx.config);
                gfx.window.request_redraw();
                return Ok(());
            }
            other => {
                tracing::warn!("surface: {other:?}");
                gfx.window.request_redraw();
                return Ok(());
            }
        };
        let view = frame.texture.create_view(&Default::default());
        let ppp = output.pixels_per_point;
        let jobs = self.egui_ctx.tessellate(output.shapes, ppp);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [gfx.config.width, gfx.config.height],
            pixels_per_point: ppp,
        };
        let mut encoder = gfx.ctx.device.create_command_encoder(&Default::default());
        let extra = gfx.egui_renderer.update_buffers(
            &gfx.ctx.device,
            &gfx.ctx.queue,
            &mut encoder,
            &jobs,
            &screen,
        );
        {
            let pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("egui"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(wgpu::Color {
                            r: 0.08,
                            g: 0.08,
                            b: 0.09,
                            a: 1.0,
                        }),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            let mut pass = pass.forget_lifetime();
            gfx.egui_renderer.render(&mut pass, &jobs, &screen);
        }
        gfx.ctx
            .queue
            .submit(extra.into_iter().chain([encoder.finish()]));
        if let Some(path) = self.screenshot.take() {
            let result = super::capture::save_surface(&gfx.ctx, &frame.texture, &gfx.config, &path);
            match result {
                Ok(()) => self.message(format!("screenshot {}", path.display())),
                Err(e) => self.message(format!("screenshot failed: {e:#}")),
            }
        }
        let Some(gfx) = &mut self.gfx else {
            return Ok(());
        };
        gfx.window.pre_present_notify();
        gfx.ctx.queue.present(frame);
        let wants_more = self.loading.is_some()
            || !self.script.is_empty()
            || (self.state.demo && !self.state.demo_paused)
            || self.interacting()
            || self.dirty_3d
            || self.dirty_mpr
            || self
                .gfx
                .as_ref()
                .and_then(|g| g.targets.get(&PaneId::ThreeD))
                .and_then(|t| t.as_ref())
                .is_some_and(|t| t.coarse);
        let repaint = output
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .is_some_and(|v| v.repaint_delay.is_zero());
        if let Some(gfx) = &self.gfx {
            if wants_more || repaint {
                gfx.window.request_redraw();
            }
        }
        Ok(())
    }

    /// Runs script commands until one has to wait for a frame or for loading.
    fn step_script(&mut self, event_loop: &ActiveEventLoop) {
        if let Some(t) = self.script_sleep_until {
            if Instant::now() < t {
                return;
            }
            self.script_sleep_until = None;
        }
        while let Some(cmd) = self.script.front().cloned() {
            if self.loading.is_some() && cmd == Command::Wait {
                return;
            }
            // Screenshots and key frames need the current state drawn first.
            if matches!(cmd, Command::Screenshot(_) | Command::KeyFrame(..))
                && (self.dirty_3d || self.dirty_mpr || self.interacting())
            {
                return;
            }
            self.script.pop_front();
            tracing::info!("script: {cmd:?}");
            if let Err(e) = self.execute(cmd.clone(), event_loop) {
                self.message(format!("script {cmd:?}: {e:#}"));
            }
            if matches!(
                cmd,
                Command::Screenshot(_) | Command::Sleep(_) | Command::Load(_)
            ) {
                return;
            }
        }
    }

    fn execute(&mut self, cmd: Command, event_loop: &ActiveEventLoop) -> anyhow::Result<()> {
        let s = &mut self.state;
        match cmd {
            Command::Load(path) => self.start_load(path.into_iter().collect()),
            Command::Wait => {}
            Command::Scroll(pane, n) => {
                s.scroll(pane, n);
                self.dirty_mpr = true;
            }
            Command::Rotate(a, e) => {
                s.camera.azimuth_deg += a;
                s.camera.elevation_deg = (s.camera.elevation_deg + e).clamp(-89.0, 89.0);
                self.dirty_3d = true;
            }
            Command::View(v) => {
                s.set_view(v.parse::<StandardView>().map_err(anyhow::Error::msg)?);
                self.dirty_3d = true;
            }
            Command::WindowPreset(name) => {
                s.settings.ct_window = ct_window_preset(&name)
                    .ok_or_else(|| anyhow::anyhow!("unknown window preset '{name}'"))?;
                self.dirty_mpr = true;
                self.dirty_3d = true;
            }
            Command::Window(width, level) => {
                s.settings.ct_window = CtWindow { width, level };
                self.dirty_mpr = true;
                self.dirty_3d = true;
            }
            Command::Mode(m) => {
                s.settings.mode = RenderMode::ALL
                    .into_iter()
                    .find(|x| x.name() == m)
                    .ok_or_else(|| anyhow::anyhow!("unknown mode '{m}'"))?;
                self.dirty_3d = true;
            }
            Command::CtPreset(p) => {
                s.settings.ct_preset = p.parse::<CtPreset>().map_err(anyhow::Error::msg)?;
                self.dirty_3d = true;
            }
            Command::Colormap(c) => {
                s.settings.colormap = c.parse::<Colormap>().map_err(|e| anyhow::anyhow!("{e}"))?;
                self.dirty_3d = true;
                self.dirty_mpr = true;
            }
            Command::SuvWindow(lo, hi) => {
                s.settings.pet_window = [lo, hi.max(lo + 1e-3)];
                self.dirty_3d = true;
                self.dirty_mpr = true;
            }
            Command::Opacity(o) => {
                s.settings.fusion_opacity = o.clamp(0.0, 1.0);
                self.dirty_3d = true;
                self.dirty_mpr = true;
            }
            Command::Cursor(x, y, z) => {
                s.cursor = Vec3::new(x, y, z);
                self.dirty_mpr = true;
            }
            Command::Maximise(p) => s.maximised = Some(p),
            Command::Restore => s.maximised = None,
            Command::Demo(on) => {
                s.demo = on;
                self.dirty_3d = true;
            }
            Command::Screenshot(path) => self.screenshot = Some(path),
            Command::KeyFrame(path, pane) => self.save_key_frame(pane, Some(path))?,
            Command::Hotspots(method, threshold) => {
                use crate::analysis::Method;
                self.hot_params.method = match method.as_str() {
                    "abs" => Method::Absolute {
                        suv: threshold.unwrap_or(2.5),
                    },
                    "percent" => Method::PercentOfMax {
                        fraction: threshold.unwrap_or(41.0) / 100.0,
                    },
                    "percist" => Method::Percist,
                    other => anyhow::bail!("unknown hot-spot method '{other}'"),
                };
                self.hot_dirty = true;
                self.update_hotspots();
            }
            Command::SelectLesion(n) => {
                self.update_hotspots();
                self.select_lesion(n.saturating_sub(1));
            }
            Command::ExportHotspots(path) => {
                self.update_hotspots();
                self.export_hotspots(&path)?;
            }
            Command::Sleep(ms) => {
                self.script_sleep_until = Some(Instant::now() + Duration::from_millis(ms))
            }
            Command::Quit => self.exit(event_loop),
        }
        Ok(())
    }

    /// Re-renders a pane offscreen at twice its size, without UI chrome, with the colour bar
    /// and orientation letters, and writes a PNG (atomically).
    fn save_key_frame(&mut self, pane: PaneId, path: Option<PathBuf>) -> anyhow::Result<()> {
        let (Some(gfx), Some(scene), Some(study)) = (&mut self.gfx, &mut self.scene, &self.study)
        else {
            anyhow::bail!("no study is shown");
        };
        let (w, h) = self.pane_px.get(&pane).copied().unwrap_or((512, 512));
        let (w, h) = ((w * 2).clamp(64, 4096), (h * 2).clamp(64, 4096));
        let settings = &self.state.settings;
        let (mut img, view) = match self.state.mpr_view(pane) {
            Some(mut view) => {
                view.crosshair = false;
                let img = gfx
                    .renderer
                    .render_mpr_image(&gfx.ctx, scene, settings, &view, w, h)?;
                (img, KeyFrameView::Slice(view.orientation))
            }
            None => {
                let img = gfx.renderer.render_3d_image(
                    &gfx.ctx,
                    scene,
                    settings,
                    &self.state.camera,
                    w,
                    h,
                )?;
                (img, KeyFrameView::ThreeD)
            }
        };
        let options = KeyFrameOptions {
            colorbar: true,
            ..KeyFrameOptions::default()
        };
        keyframe::compose(&mut img, study, settings, view, &options);
        let path = path.unwrap_or_else(|| {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            let what = match pane {
                PaneId::ThreeD => format!(
                    "{}_az{:.0}_el{:.0}",
                    settings.mode.name(),
                    self.state.camera.azimuth_deg,
                    self.state.camera.elevation_deg
                ),
                p => format!("{}_{:.0}mm", p.name(), self.state.cursor.z),
            };
            PathBuf::from(format!("petct_keyframe_{what}_{stamp}.png"))
        });
        write_png_atomic(&img, &path)?;
        self.message(format!("key frame saved: {}", path.display()));
        Ok(())
    }

    fn exit(&mut self, event_loop: &ActiveEventLoop) {
        if !self.options.no_config {
            if let Err(e) = super::config::save(&self.state.persisted()) {
                tracing::warn!("could not save settings: {e}");
            }
        }
        event_loop.exit();
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.gfx.is_none() {
            if let Err(e) = self.init_graphics(event_loop) {
                self.fatal = Some(e);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        if let Some(gfx) = &mut self.gfx {
            let response = gfx.egui_state.on_window_event(&gfx.window, &event);
            if response.repaint {
                gfx.window.request_redraw();
            }
        }
        match event {
            WindowEvent::CloseRequested => self.exit(event_loop),
            WindowEvent::Resized(size) => self.resize(size.width, size.height),
            WindowEvent::ScaleFactorChanged { .. } => {
                if let Some(gfx) = &self.gfx {
                    let size = gfx.window.inner_size();
                    self.resize(size.width, size.height);
                }
            }
            WindowEvent::DroppedFile(path) => {
                self.message(format!("opening dropped {}", path.display()));
                self.start_load(vec![path]);
            }
            WindowEvent::RedrawRequested => {
                if let Err(e) = self.redraw() {
                    self.message(format!("drawing failed: {e:#}"));
                }
            }
            _ => {}
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        self.poll_loading();
        if !self.script.is_empty() {
            self.step_script(event_loop);
        }
        if self.state.demo && !self.state.demo_paused {
            self.state.camera.azimuth_deg = (self.state.camera.azimuth_deg + 1.0).rem_euclid(360.0);
            self.dirty_3d = true;
        }
        let busy =
            self.loading.is_some() || !self.script.is_empty() || self.dirty_3d || self.dirty_mpr;
        if let Some(gfx) = &self.gfx {
            if busy {
                gfx.window.request_redraw();
            }
        }
        if self.loading.is_some() || !self.script.is_empty() {
            event_loop.set_control_flow(ControlFlow::WaitUntil(
                Instant::now() + Duration::from_millis(30),
            ));
        } else {
            event_loop.set_control_flow(ControlFlow::Wait);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The egui layer: side panel, status bar, panes and their input conventions.

impl App {
    fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.shortcuts(&ctx);
        if self.state.demo {
            self.demo_ui(ui);
            return;
        }
        egui::Panel::left("controls")
            .resizable(false)
            .exact_size(250.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.controls(ui));
            });
        egui::Panel::bottom("status").show(ui, |ui| self.status(ui));
        egui::CentralPanel::no_frame().show(ui, |ui| self.panes(ui));
        if self.state.show_help {
            let mut open = true;
            egui::Window::new("Help (F1)")
                .open(&mut open)
                .show(&ctx, |ui| {
                    ui.label(super::HELP);
                });
            self.state.show_help = open;
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        use egui::Key;
        let hovered = self.hovered_pane(ctx);
        // Letters, digits and arrows belong to a text field while one has focus.
        let typing = ctx.egui_wants_keyboard_input();
        ctx.input(|i| {
            if i.key_pressed(Key::F1) {
                self.state.show_help = !self.state.show_help;
            }
            if i.key_pressed(Key::F11) || (i.key_pressed(Key::Escape) && self.state.demo) {
                self.state.demo = !self.state.demo && i.key_pressed(Key::F11);
                self.dirty_3d = true;
            }
            if i.modifiers.command && i.key_pressed(Key::S) {
                self.pending_key_frame();
            }
            if typing {
                return;
            }
            let pane = hovered.unwrap_or(PaneId::Axial);
            let scroll = |k: Key| i.key_pressed(k);
            let delta = if scroll(Key::PageUp) || scroll(Key::ArrowUp) {
                1
            } else if scroll(Key::PageDown) || scroll(Key::ArrowDown) {
                -1
            } else {
                0
            };
            if delta != 0 && pane != PaneId::ThreeD {
                self.state.scroll(pane, delta);
                self.dirty_mpr = true;
            }
            if i.key_pressed(Key::M) {
                self.state.maximised = match self.state.maximised {
                    Some(_) => None,
                    None => Some(pane),
                };
            }
            let views = [
                (Key::Num1, StandardView::Anterior),
                (Key::Num2, StandardView::Posterior),
                (Key::Num3, StandardView::Left),
                (Key::Num4, StandardView::Right),
                (Key::Num5, StandardView::Superior),
                (Key::Num6, StandardView::Inferior),
            ];
            for (k, v) in views {
                if i.key_pressed(k) && !i.modifiers.command {
                    self.state.set_view(v);
                    self.dirty_3d = true;
                }
            }
        });
    }

    fn pending_key_frame(&mut self) {
        if let Err(e) = self.save_key_frame(PaneId::ThreeD, None) {
            self.message(format!("key frame failed: {e:#}"));
        }
    }

    fn hovered_pane(&self, ctx: &egui::Context) -> Option<PaneId> {
        let pos = ctx.input(|i| i.pointer.hover_pos())?;
        let rects: Option<HashMap<PaneId, egui::Rect>> =
            ctx.data(|d| d.get_temp(egui::Id::unique("pane_rects")));
        rects?
            .into_iter()
            .find(|(_, r)| r.contains(pos))
            .map(|(p, _)| p)
    }

    fn controls(&mut self, ui: &mut egui::Ui) {
        let before = self.state.settings.clone();
        ui.heading("Study");
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.path_field)
                    .hint_text("DICOM folder")
                    .desired_width(160.0),
            );
            if ui.button("Open").clicked() && !self.path_field.trim().is_empty() {
                let p = PathBuf::from(self.path_field.trim());
                self.start_load(vec![p]);
            }
        });
        ui.horizontal(|ui| {
            if ui.button("Phantom").clicked() {
                self.start_load(vec![]);
            }
            let recent = self.state.recent.clone();
            egui::ComboBox::from_id_salt("recent")
                .selected_text("Recent")
                .show_ui(ui, |ui| {
                    for r in recent {
                        if ui.selectable_label(false, &r).clicked() {
                            self.start_load(vec![PathBuf::from(&r)]);
                        }
                    }
                });
        });
        if let Some(study) = &self.study {
            if study.pet.is_some() {
                if study.suv_available {
                    ui.label(format!(
                        "PET in SUVbw (factor {:.3e})",
                        study.pet_display_factor
                    ));
                } else {
                    ui.colored_label(
                        egui::Color32::YELLOW,
                        format!("SUV unavailable: PET in {}", study.pet_units_label),
                    );
                }
            }
        }
        ui.separator();
        ui.heading("CT window");
        ui.horizontal_wrapped(|ui| {
            for (name, w) in CT_WINDOW_PRESETS {
                if ui
                    .selectable_label(self.state.settings.ct_window == w, name)
                    .clicked()
                {
                    self.state.settings.ct_window = w;
                }
            }
        });
        let w = &mut self.state.settings.ct_window;
        ui.add(egui::Slider::new(&mut w.width, 1.0..=4000.0).text("width"));
        ui.add(egui::Slider::new(&mut w.level, -1200.0..=1500.0).text("level"));
        ui.separator();
        ui.heading("3D");
        let s = &mut self.state.settings;
        egui::ComboBox::from_label("mode")
            .selected_text(s.mode.name())
            .show_ui(ui, |ui| {
                for m in RenderMode::ALL {
                    ui.selectable_value(&mut s.mode, m, m.name());
                }
            });
        egui::ComboBox::from_label("CT preset")
            .selected_text(s.ct_preset.name())
            .show_ui(ui, |ui| {
                for p in CtPreset::ALL {
                    ui.selectable_value(&mut s.ct_preset, p, p.name());
                }
            });
        ui.add(egui::Slider::new(&mut s.step_mm, 0.25..=4.0).text("step mm (quality)"));
        ui.horizontal(|ui| {
            for v in StandardView::ALL {
                if ui
                    .small_button(v.name()[..1].to_ascii_uppercase())
                    .on_hover_text(v.name())
                    .clicked()
                {
                    self.state.camera.set_view(v);
                    self.dirty_3d = true;
                }
            }
        });
        ui.separator();
        ui.heading("PET");
        let s = &mut self.state.settings;
        egui::ComboBox::from_label("colormap")
            .selected_text(s.colormap.label())
            .show_ui(ui, |ui| {
                for c in Colormap::ALL {
                    ui.selectable_value(&mut s.colormap, c, c.label());
                }
            });
        if self.study.as_ref().is_some_and(|s| s.suv_inputs.is_some()) {
            ui.collapsing("SUV inputs", |ui| {
                ui.add(
                    egui::DragValue::new(&mut self.suv_edit.0)
                        .range(0.0..=400.0)
                        .suffix(" kg"),
                );
                ui.add(
                    egui::DragValue::new(&mut self.suv_edit.1)
                        .range(0.0..=5000.0)
                        .suffix(" MBq"),
                );
                ui.add(
                    egui::TextEdit::singleline(&mut self.suv_edit.2)
                        .hint_text("injection YYYYMMDDHHMMSS"),
                );
                if ui.button("Recompute SUV").clicked() {
                    self.apply_suv_edit();
                }
                for note in self.study.iter().flat_map(|s| &s.suv_notes) {
                    ui.small(note);
                }
            });
        }
        let s = &mut self.state.settings;
        let unit = self
            .study
            .as_ref()
            .map(|s| s.pet_units_label.clone())
            .unwrap_or_default();
        let top = self
            .study
            .as_ref()
            .and_then(|st| {
                st.pet
                    .as_ref()
                    .map(|p| (p.stats().max * st.pet_display_factor) as f32)
            })
            .unwrap_or(20.0)
            .max(1.0);
        ui.add(egui::Slider::new(&mut s.pet_window[0], 0.0..=top).text(format!("lower {unit}")));
        ui.add(egui::Slider::new(&mut s.pet_window[1], 0.0..=top).text(format!("upper {unit}")));
        s.pet_window[1] = s.pet_window[1].max(s.pet_window[0] + 1e-3);
        ui.add(egui::Slider::new(&mut s.fusion_opacity, 0.0..=1.0).text("fusion opacity"));
        ui.separator();
        self.hotspot_controls(ui);
        ui.separator();
        ui.heading("Crop and clip");
        let s = &mut self.state.settings;
        let bounds = self.state.bounds;
        let mut crop_on = s.crop.is_some();
        ui.checkbox(&mut crop_on, "crop box");
        if crop_on {
            let (mut lo, mut hi) = s.crop.unwrap_or(bounds);
            for (axis, name) in ["x (R-L)", "y (A-P)", "z (I-S)"].iter().enumerate() {
                ui.add(
                    egui::Slider::new(&mut lo[axis], bounds.0[axis]..=bounds.1[axis])
                        .text(format!("{name} min")),
                );
                ui.add(
                    egui::Slider::new(&mut hi[axis], bounds.0[axis]..=bounds.1[axis])
                        .text(format!("{name} max")),
                );
            }
            s.crop = Some((lo, hi));
        } else {
            s.crop = None;
        }
        let mut clip_on = s.clip_plane.is_some();
        ui.checkbox(&mut clip_on, "clip plane (coronal, anterior part removed)");
        if clip_on {
            let mut c = s.clip_plane.unwrap_or(crate::render::settings::ClipPlane {
                normal: -Vec3::Y,
                offset: 0.0,
            });
            ui.add(egui::Slider::new(&mut c.offset, -300.0..=300.0).text("depth mm"));
            s.clip_plane = Some(c);
        } else {
            s.clip_plane = None;
        }
        ui.separator();
        ui.horizontal(|ui| {
            if ui.button("Save key frame (Ctrl+S)").clicked() {
                self.pending_key_frame();
            }
        });
        ui.horizontal(|ui| {
            if ui.button("Demo mode (F11)").clicked() {
                self.state.demo = true;
                self.dirty_3d = true;
            }
            if ui.button("Help (F1)").clicked() {
                self.state.show_help = true;
            }
        });
        if self.state.settings != before {
            self.dirty_3d = true;
            self.dirty_mpr = true;
        }
    }

    fn hotspot_controls(&mut self, ui: &mut egui::Ui) {
        use crate::analysis::Method;
        ui.heading("Hot spots");
        if self.suv.is_none() {
            ui.label("needs PET in SUV");
            return;
        }
        let before = self.hot_params.clone();
        let p = &mut self.hot_params;
        ui.horizontal(|ui| {
            for (label, m) in [
                ("SUV", Method::Absolute { suv: 2.5 }),
                ("41 %", Method::PercentOfMax { fraction: 0.41 }),
                ("PERCIST", Method::Percist),
            ] {
                let on = std::mem::discriminant(&p.method) == std::mem::discriminant(&m);
                if ui.selectable_label(on, label).clicked() && !on {
                    p.method = m;
                }
            }
        });
        match &mut p.method {
            Method::Absolute { suv } => {
                ui.add(egui::Slider::new(suv, 0.5..=15.0).text("SUV threshold"));
            }
            Method::PercentOfMax { fraction } => {
                ui.add(egui::Slider::new(fraction, 0.2..=0.8).text("of SUVmax"));
            }
            Method::Percist => {
                if let Some(l) = self.hotspots.as_ref().and_then(|r| r.liver.as_ref()) {
                    ui.label(format!("liver {:.2} ± {:.2} SUV", l.suv_mean, l.suv_sd));
                }
            }
        }
        let p = &mut self.hot_params;
        ui.add(egui::Slider::new(&mut p.min_volume_ml, 0.0..=10.0).text("min mL"));
        if *p != before {
            self.hot_dirty = true;
        }
        let mut highlight = self.state.settings.highlight_lesions;
        if ui.checkbox(&mut highlight, "highlight lesions").changed() {
            self.state.settings.highlight_lesions = highlight;
            self.dirty_3d = true;
            self.dirty_mpr = true;
        }
        let Some(r) = &self.hotspots else { return };
        ui.label(format!(
            "{} lesions, MTV {:.1} mL, TLG {:.1}",
            r.lesions.len(),
            r.total_mtv_ml,
            r.total_tlg
        ));
        let mut clicked = None;
        egui::ScrollArea::vertical()
            .max_height(160.0)
            .id_salt("lesions")
            .show(ui, |ui| {
                egui::Grid::new("lesion table")
                    .striped(true)
                    .show(ui, |ui| {
                        ui.label("#");
                        ui.label("SUVmax");
                        ui.label("mL");
                        ui.label("TLG");
                        ui.end_row();
                        for (i, l) in r.lesions.iter().enumerate() {
                            let sel = self.selected == Some(i);
                            if ui.selectable_label(sel, format!("{}", i + 1)).clicked() {
                                clicked = Some(i);
                            }
                            ui.label(format!("{:.2}", l.suv_max));
                            ui.label(format!("{:.1}", l.volume_ml));
                            ui.label(format!("{:.1}", l.tlg));
                            ui.end_row();
                        }
                    });
            });
        if let Some(i) = clicked {
            self.select_lesion(i);
        }
        ui.horizontal(|ui| {
            if ui.button("Exclude selected").clicked() {
                if let Some(l) = self
                    .selected
                    .and_then(|i| self.hotspots.as_ref().and_then(|r| r.lesions.get(i)))
                {
                    self.hot_params.excluded_mm.push(l.max_position_mm);
                    self.selected = None;
                    self.hot_dirty = true;
                }
            }
            if ui.button("CSV").clicked() {
                if let Err(e) = self.export_hotspots(std::path::Path::new("petct_hotspots.csv")) {
                    self.message(format!("export failed: {e:#}"));
                }
            }
            if ui.button("JSON").clicked() {
                if let Err(e) = self.export_hotspots(std::path::Path::new("petct_hotspots.json")) {
                    self.message(format!("export failed: {e:#}"));
                }
            }
        });
    }

    fn status(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(l) = &self.loading {
                ui.spinner();
                ui.label(format!(
                    "loading {} ({:.0} s)",
                    l.label,
                    l.started.elapsed().as_secs_f32()
                ));
                if ui.button("Cancel").clicked() {
                    // The thread finishes on its own; its result is discarded.
                    self.loading = None;
                    self.message("loading cancelled; the current study stays open");
                }
                ui.separator();
            }
            if let Some(m) = self.messages.back() {
                ui.label(m);
            }
        });
    }

    fn panes(&mut self, ui: &mut egui::Ui) {
        let full = ui.available_rect_before_wrap();
        let ppp = ui.ctx().pixels_per_point();
        let mut rects = HashMap::new();
        match self.state.maximised {
            Some(p) => {
                rects.insert(p, full);
            }
            None => {
                let half = full.size() / 2.0;
                for (i, p) in PaneId::ALL.into_iter().enumerate() {
                    let min =
                        full.min + egui::vec2((i % 2) as f32 * half.x, (i / 2) as f32 * half.y);
                    rects.insert(p, egui::Rect::from_min_size(min, half).shrink(1.0));
                }
            }
        }
        ui.ctx()
            .data_mut(|d| d.insert_temp(egui::Id::unique("pane_rects"), rects.clone()));
        self.pane_px.clear();
        for (pane, rect) in rects {
            let px = ((rect.width() * ppp) as u32, (rect.height() * ppp) as u32);
            self.pane_px.insert(pane, px);
            self.pane(ui, pane, rect, px);
        }
    }

    fn pane(&mut self, ui: &mut egui::Ui, pane: PaneId, rect: egui::Rect, px: (u32, u32)) {
        let response = match self.texture_for(pane) {
            Some(tex) => ui.put(
                rect,
                egui::Image::new((tex, rect.size()))
                    .fit_to_exact_size(rect.size())
                    .sense(egui::Sense::click_and_drag()),
            ),
            None => ui.allocate_rect(rect, egui::Sense::click_and_drag()),
        };
        self.pane_input(ui, pane, &response, rect, px);
        self.pane_labels(ui, pane, &response, rect, px);
    }

    fn pane_input(
        &mut self,
        ui: &egui::Ui,
        pane: PaneId,
        r: &egui::Response,
        rect: egui::Rect,
        px: (u32, u32),
    ) {
        let d = r.drag_delta();
        let delta = Vec2::new(d.x, d.y);
        let ppp = ui.ctx().pixels_per_point();
        let mm_per_px = self.mm_per_pixel(pane, px) * ppp;
        let scroll = if r.hovered() {
            ui.ctx().input(|i| i.smooth_scroll_delta.y)
        } else {
            0.0
        };
        if r.double_clicked() {
            match pane {
                PaneId::ThreeD => {
                    self.state.reset_camera();
                    self.dirty_3d = true;
                }
                p => {
                    self.state.maximised = match self.state.maximised {
                        Some(_) => None,
                        None => Some(p),
                    };
                }
            }
            return;
        }
        let mut changed = false;
        if r.dragged_by(egui::PointerButton::Primary) {
            match pane {
                PaneId::ThreeD => self.state.drag_rotate(delta),
                _ => self.state.drag_window(delta),
            }
            changed = true;
        }
        if r.dragged_by(egui::PointerButton::Secondary) {
            self.state.zoom(pane, -delta.y);
            changed = true;
        }
        if r.dragged_by(egui::PointerButton::Middle) {
            self.state.pan(pane, delta, mm_per_px);
            changed = true;
        }
        if scroll != 0.0 {
            match pane {
                PaneId::ThreeD => self.state.zoom(pane, scroll * 0.5),
                p => self.state.scroll(p, if scroll > 0.0 { 1 } else { -1 }),
            }
            changed = true;
        }
        if r.clicked() && pane != PaneId::ThreeD {
            if let Some(pos) = r.interact_pointer_pos() {
                if let Some(p) = self.patient_at(pane, rect, px, pos, ppp) {
                    self.state.cursor = p;
                    changed = true;
                }
            }
        }
        if changed {
            self.dirty_mpr = true;
            if pane == PaneId::ThreeD || r.dragged_by(egui::PointerButton::Primary) {
                self.dirty_3d = true;
            }
            if pane == PaneId::ThreeD {
                self.last_3d_interaction = Some(Instant::now());
            }
        }
    }

    fn mm_per_pixel(&self, pane: PaneId, px: (u32, u32)) -> f32 {
        match (self.state.mpr_view(pane), &self.scene) {
            (Some(v), Some(scene)) => v.plane(scene.display_bounds(), px.0, px.1).u.length(),
            _ => self.state.camera.distance * 0.001,
        }
    }

    fn patient_at(
        &self,
        pane: PaneId,
        rect: egui::Rect,
        px: (u32, u32),
        pos: egui::Pos2,
        ppp: f32,
    ) -> Option<Vec3> {
        let view = self.state.mpr_view(pane)?;
        let scene = self.scene.as_ref()?;
        let plane = view.plane(scene.display_bounds(), px.0, px.1);
        let local = (pos - rect.min) * ppp;
        Some(plane.patient_at(local.x, local.y))
    }

    fn pane_labels(
        &self,
        ui: &egui::Ui,
        pane: PaneId,
        r: &egui::Response,
        rect: egui::Rect,
        px: (u32, u32),
    ) {
        let painter = ui.painter_at(rect);
        let font = egui::FontId::proportional(13.0);
        let colour = egui::Color32::from_gray(230);
        let mut title = match pane {
            PaneId::ThreeD => format!("3D {}", self.state.settings.mode.name()),
            p => match self.state.slice_number(p) {
                Some((n, count)) => format!("{} {n}/{count}", p.name()),
                None => p.name().to_string(),
            },
        };
        if pane == PaneId::Axial {
            title.push_str(&format!("  z {:.1} mm", self.state.cursor.z));
        }
        painter.text(
            rect.min + egui::vec2(6.0, 4.0),
            egui::Align2::LEFT_TOP,
            title,
            font.clone(),
            colour,
        );
        if let Some(o) = pane.orientation() {
            let [l, rt, t, b] = o.edge_letters();
            let c = rect.center();
            for (text, pos, align) in [
                (
                    l,
                    egui::pos2(rect.min.x + 4.0, c.y),
                    egui::Align2::LEFT_CENTER,
                ),
                (
                    rt,
                    egui::pos2(rect.max.x - 4.0, c.y),
                    egui::Align2::RIGHT_CENTER,
                ),
                (
                    t,
                    egui::pos2(c.x, rect.min.y + 4.0),
                    egui::Align2::CENTER_TOP,
                ),
                (
                    b,
                    egui::pos2(c.x, rect.max.y - 4.0),
                    egui::Align2::CENTER_BOTTOM,
                ),
            ] {
                painter.text(
                    pos,
                    align,
                    text,
                    font.clone(),
                    egui::Color32::from_rgb(255, 220, 120),
                );
            }
        }
        // Values under the mouse.
        let (Some(pos), Some(study)) = (r.hover_pos(), &self.study) else {
            return;
        };
        let ppp = ui.ctx().pixels_per_point();
        let Some(p) = self.patient_at(pane, rect, px, pos, ppp) else {
            return;
        };
        let pd = p.as_dvec3();
        let mut parts = vec![format!("({:.1}, {:.1}, {:.1}) mm", p.x, p.y, p.z)];
        if let Some(hu) = study.ct.as_ref().and_then(|ct| ct.sample_patient(pd)) {
            parts.push(format!("CT {hu:.0} HU"));
        }
        if let Some(v) = study.pet.as_ref().and_then(|pet| pet.sample_patient(pd)) {
            parts.push(format!(
                "PET {:.2} {}",
                v as f64 * study.pet_display_factor,
                study.pet_units_label
            ));
        }
        painter.text(
            egui::pos2(rect.min.x + 6.0, rect.max.y - 6.0),
            egui::Align2::LEFT_BOTTOM,
            parts.join("  "),
            font,
            colour,
        );
    }

    fn demo_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("demo controls").show(ui, |ui| {
            ui.horizontal_centered(|ui| {
                let big = |t: &str| egui::Button::new(egui::RichText::new(t).size(28.0));
                let label = if self.state.demo_paused {
                    "Play"
                } else {
                    "Pause"
                };
                if ui.add(big(label)).clicked() {
                    self.state.demo_paused = !self.state.demo_paused;
                }
                if ui.add(big("Rotate")).clicked() {
                    self.state.camera.azimuth_deg += 45.0;
                    self.dirty_3d = true;
                }
                if ui.add(big("Zoom +")).clicked() {
                    self.state.camera.zoom(0.8);
                    self.dirty_3d = true;
                }
                if ui.add(big("Zoom -")).clicked() {
                    self.state.camera.zoom(1.25);
                    self.dirty_3d = true;
                }
                let hot = self.state.settings.fusion_opacity > 0.0;
                if ui
                    .add(big(if hot { "Hot spots off" } else { "Hot spots on" }))
                    .clicked()
                {
                    self.state.settings.fusion_opacity = if hot { 0.0 } else { 0.8 };
                    self.dirty_3d = true;
                }
                if ui.add(big("Exit demo")).clicked() {
                    self.state.demo = false;
                    self.dirty_3d = true;
                }
            });
        });
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let rect = ui.available_rect_before_wrap();
            let ppp = ui.ctx().pixels_per_point();
            let px = ((rect.width() * ppp) as u32, (rect.height() * ppp) as u32);
            self.pane_px.clear();
            self.pane_px.insert(PaneId::ThreeD, px);
            ui.ctx().data_mut(|d| {
                d.insert_temp(
                    egui::Id::unique("pane_rects"),
                    HashMap::from([(PaneId::ThreeD, rect)]),
                )
            });
            // Patient identifiers are never shown in demo mode.
            self.pane(ui, PaneId::ThreeD, rect, px);
        });
    }
}
