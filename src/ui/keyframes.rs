//! Key frames from the viewer: a pane re-rendered offscreen at twice its size without UI
//! chrome, composed by [`crate::keyframe`] (the same function `petct render` uses) and
//! written as PNG on a background thread. 3D key frames are ray-marched band by band over
//! several frames, like the pane's own refinement, so the window keeps responding.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::Instant;

use glam::Vec3;

use super::pane_renderer::{first_part_rows, next_part_rows};
use super::reading::ReadingModel;
use super::state::PaneId;
use crate::keyframe::{compose, lesion_marks, KeyFrameOptions, KeyFrameView};
use crate::render::camera::{project, OrbitCamera};
use crate::render::context::GpuContext;
use crate::render::mpr::MprView;
use crate::render::offscreen::OffscreenTarget;
use crate::render::renderer::{RenderTarget, Renderer};
use crate::render::scene::FusedScene;
use crate::render::settings::RenderSettings;

/// Key frames are this many times the pane's size, within these bounds (pixels).
const SCALE: u32 = 2;
const MIN_EDGE: u32 = 64;
const MAX_EDGE: u32 = 4096;
/// Key-frame pane size before the first layout, pixels.
const FALLBACK_PANE_PX: (u32, u32) = (256, 256);
/// Lesions within this distance of a slice plane are labelled on it (mm).
const SLICE_LABEL_DISTANCE_MM: f32 = 4.0;

impl super::app::App {
    /// Starts a key frame of `pane` (written to `path`, or a default name): slices are
    /// drawn at once, the 3D view over the next frames.
    pub(super) fn start_key_frame(
        &mut self,
        pane: PaneId,
        path: Option<PathBuf>,
    ) -> anyhow::Result<()> {
        let (Some(gfx), Some(scene)) = (&mut self.gfx, &self.scene) else {
            anyhow::bail!("no study is shown");
        };
        let path = path.unwrap_or_else(|| default_path(&self.model, pane));
        let px = self
            .laid
            .pixels
            .get(&pane)
            .copied()
            .unwrap_or(FALLBACK_PANE_PX);
        if pane == PaneId::ThreeD {
            self.keyframe_job = Some(KeyFrameJob::start(&gfx.ctx, &self.model, px, path)?);
            return Ok(());
        }
        if pane == PaneId::Mip {
            return save_mip(&self.model, px, path, &mut self.writes);
        }
        let request = KeyFrameRequest {
            pane,
            pane_px: px,
            path,
        };
        save_slice(
            &gfx.ctx,
            &mut gfx.renderer,
            scene,
            &self.model,
            request,
            &mut self.writes,
        )
    }
}

/// A 3D key frame being ray-marched.
pub struct KeyFrameJob {
    path: PathBuf,
    target: OffscreenTarget,
    settings: RenderSettings,
    camera: OrbitCamera,
    /// Rows of the permuted image drawn so far, and per part (see
    /// [`Renderer::render_3d_part`]).
    rows_done: u32,
    part_rows: u32,
}

/// Size of a key frame for a pane of `pane_px` pixels.
fn key_frame_size(pane_px: (u32, u32)) -> (u32, u32) {
    let edge = |v: u32| (v * SCALE).clamp(MIN_EDGE, MAX_EDGE);
    (edge(pane_px.0), edge(pane_px.1))
}

/// A file name for a key frame saved without one: mode or plane, angle or position, time.
pub fn default_path(model: &ReadingModel, pane: PaneId) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let v = &model.view;
    let what = match pane {
        PaneId::ThreeD => format!(
            "{}_az{:.0}_el{:.0}",
            v.settings.mode.name(),
            v.camera.azimuth_deg,
            v.camera.elevation_deg
        ),
        PaneId::Mip => format!("mip_az{:.0}", v.mip_view.azimuth_deg),
        p => format!("{}_{:.0}mm", p.name(), v.cursor.z),
    };
    PathBuf::from(format!("petct_keyframe_{what}_{stamp}.png"))
}

/// Settings of a key frame: the model's, with the selected lesion.
fn settings(model: &ReadingModel) -> RenderSettings {
    let mut s = model.view.settings.clone();
    s.selected_lesion = model.selected_lesion_id();
    s
}

/// Settings of a pane's key frame: PET-only panes and the MIP have their own PET window
/// and colour map, and a CT-only pane no PET at all (so no PET colour bar either).
fn pane_settings(model: &ReadingModel, pane: PaneId) -> RenderSettings {
    let mut s = settings(model);
    let d = model.view.pet_display(pane);
    s.pet_window = d.window;
    s.colormap = d.colormap;
    if pane.content() == Some(crate::render::mpr::SliceContent::Ct) {
        s.fusion_opacity = 0.0;
    }
    if pane == PaneId::Mip {
        s.mode = crate::render::settings::RenderMode::PetMip;
    }
    s
}

/// Saves the PET MIP as shown (the current projection, its window and outlines) with lesion
/// labels and a colour bar.
fn save_mip(
    model: &ReadingModel,
    pane_px: (u32, u32),
    path: PathBuf,
    writes: &mut BackgroundWrites,
) -> anyhow::Result<()> {
    let (Some((_, p)), Some(study)) = (model.mip.projection.clone(), &model.study) else {
        anyhow::bail!("no MIP is shown yet");
    };
    // As wide as twice the pane, only as tall as the projection needs (a tall pane would
    // leave bands of background above and below), with a margin for the colour bar's
    // labels.
    let (w, h) = key_frame_size(pane_px);
    let (_, _, _, fit_h) = crate::annotate::fit_mip((w as f32, h as f32), &p);
    let size = (w, ((fit_h * 1.08).ceil() as u32).clamp(MIN_EDGE, h));
    let mut img = crate::annotate::mip_image(&p, &super::mip_pane::style(model), size);
    let (w, h) = img.dimensions();
    let (left, top, fw, fh) = crate::annotate::fit_mip((w as f32, h as f32), &p);
    let (sx, sy) = (fw / p.width as f32, fh / p.height as f32);
    let options = KeyFrameOptions {
        colorbar: true,
        show_phi: false,
        lesions: lesion_marks(lesions(model), |pos| {
            let (c, r) = p.pixel_of(pos.as_dvec3());
            let (c, r) = (c as f32 + 0.5, r as f32 + 0.5);
            within((left + c * sx, top + r * sy), w, h)
        }),
    };
    let settings = pane_settings(model, PaneId::Mip);
    compose(&mut img, study, &settings, KeyFrameView::ThreeD, &options);
    writes.write_key_frame(img, path, model);
    Ok(())
}

/// Suspicious lesions of the table as (position, label) pairs.
fn lesions(model: &ReadingModel) -> Vec<(Vec3, String)> {
    if !model.view.settings.highlight_lesions {
        return Vec::new();
    }
    model
        .hotspots
        .result
        .iter()
        .flat_map(|r| r.lesions.iter())
        // Physiologic uptake and ignored candidates are not findings: no label.
        .filter(|l| l.category == crate::analysis::Category::Suspicious)
        .map(|l| {
            (
                l.max_position_mm.as_vec3(),
                format!("{} SUVmax {:.1}", l.id, l.suv_max),
            )
        })
        .collect()
}

/// Which pane to save where.
pub struct KeyFrameRequest {
    pub pane: PaneId,
    /// The pane's size in pixels (the key frame is twice that).
    pub pane_px: (u32, u32),
    pub path: PathBuf,
}

/// Renders a slice key frame at once (slices are cheap) and writes it in the background.
pub fn save_slice(
    ctx: &GpuContext,
    renderer: &mut Renderer,
    scene: &FusedScene,
    model: &ReadingModel,
    request: KeyFrameRequest,
    writes: &mut BackgroundWrites,
) -> anyhow::Result<()> {
    let KeyFrameRequest {
        pane,
        pane_px,
        path,
    } = request;
    let (Some(mut view), Some(study)) = (model.view.mpr_view(pane), &model.study) else {
        anyhow::bail!("no study is shown");
    };
    view.crosshair = false;
    let (w, h) = key_frame_size(pane_px);
    let settings = pane_settings(model, pane);
    let mut img = renderer.render_mpr_image(ctx, scene, &settings, &view, w, h)?;
    let options = KeyFrameOptions {
        colorbar: true,
        show_phi: false,
        lesions: slice_marks(model, &view, w, h),
    };
    compose(
        &mut img,
        study,
        &settings,
        KeyFrameView::Slice(view.orientation),
        &options,
    );
    writes.write_key_frame(img, path, model);
    Ok(())
}

fn slice_marks(
    model: &ReadingModel,
    view: &MprView,
    w: u32,
    h: u32,
) -> Vec<crate::keyframe::LesionMark> {
    let plane = view.plane(model.view.bounds, w, h);
    let (_, _, normal) = view.orientation.axes();
    let near = |p: Vec3| (p - view.cursor).dot(normal).abs() <= SLICE_LABEL_DISTANCE_MM;
    lesion_marks(lesions(model).into_iter().filter(|(p, _)| near(*p)), |p| {
        let px = plane.pixel_of(p);
        within((px.x, px.y), w, h)
    })
}

/// A pixel position, if it lies inside a `w` x `h` image.
fn within((x, y): (f32, f32), w: u32, h: u32) -> Option<(f32, f32)> {
    (x >= 0.0 && y >= 0.0 && x < w as f32 && y < h as f32).then_some((x, y))
}

impl KeyFrameJob {
    /// Starts a 3D key frame of the model's current view.
    pub fn start(
        ctx: &GpuContext,
        model: &ReadingModel,
        pane_px: (u32, u32),
        path: PathBuf,
    ) -> anyhow::Result<Self> {
        let (w, h) = key_frame_size(pane_px);
        Ok(Self {
            path,
            target: OffscreenTarget::new(&ctx.device, w, h)?,
            settings: settings(model),
            camera: model.view.camera,
            rows_done: 0,
            part_rows: first_part_rows((w, h)),
        })
    }

    /// Draws the next band; when the image is complete it is composed and handed to a
    /// writer thread, and `true` is returned.
    pub fn step(
        &mut self,
        ctx: &GpuContext,
        renderer: &mut Renderer,
        scene: &mut FusedScene,
        model: &ReadingModel,
        writes: &mut BackgroundWrites,
    ) -> anyhow::Result<bool> {
        let (w, h) = (self.target.width, self.target.height);
        let total = Renderer::part_rows(w, h);
        let rows = self.rows_done
            ..self
                .rows_done
                .saturating_add(self.part_rows.max(1))
                .min(total);
        let started = Instant::now();
        let done = renderer.render_3d_part(
            ctx,
            scene,
            &self.settings,
            &self.camera,
            RenderTarget::new(&self.target.view, w, h),
            rows.clone(),
        );
        let _ = ctx.device.poll(wgpu::PollType::wait_indefinitely());
        self.part_rows = next_part_rows(rows.len() as u32, started.elapsed(), total);
        self.rows_done = rows.end;
        if !done {
            return Ok(false);
        }
        let Some(study) = &model.study else {
            anyhow::bail!("the study was closed");
        };
        let mut img = self.target.read(ctx)?;
        let view_proj = self.camera.view_proj(w as f32 / h.max(1) as f32);
        let options = KeyFrameOptions {
            colorbar: true,
            show_phi: false,
            lesions: lesion_marks(lesions(model), |p| {
                project(view_proj, p, w, h).and_then(|xy| within(xy, w, h))
            }),
        };
        compose(
            &mut img,
            study,
            &self.settings,
            KeyFrameView::ThreeD,
            &options,
        );
        writes.write_key_frame(img, self.path.clone(), model);
        Ok(true)
    }
}

/// PNG writes on background threads; their outcomes come back as status messages, and
/// the viewer waits for them before it exits.
pub struct BackgroundWrites {
    tx: Sender<String>,
    rx: Receiver<String>,
    handles: Vec<JoinHandle<()>>,
}

impl Default for BackgroundWrites {
    fn default() -> Self {
        let (tx, rx) = channel();
        Self {
            tx,
            rx,
            handles: Vec::new(),
        }
    }
}

impl BackgroundWrites {
    /// Writes a key frame atomically on a thread: a DICOM Secondary Capture filed in the
    /// open study when `path` ends in `.dcm`, else a PNG.
    pub fn write_key_frame(&mut self, img: image::RgbaImage, path: PathBuf, model: &ReadingModel) {
        let dicom = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("dcm"));
        if !dicom {
            self.run(
                move || match crate::render::export::write_png_atomic(&img, &path) {
                    Ok(()) => format!("key frame saved: {}", path.display()),
                    Err(e) => format!("key frame failed: {}: {e:#}", path.display()),
                },
            );
            return;
        }
        let study = model.study.as_ref();
        let paths = study.map(|s| s.paths.clone()).unwrap_or_default();
        let pet = study.and_then(|s| s.series.pet_chosen.clone());
        let ct = study.and_then(|s| s.series.ct_chosen.clone());
        self.run(move || {
            let written = crate::study_export::write_key_frame_sc(
                &path,
                &paths,
                pet.as_deref(),
                ct.as_deref(),
                &img,
            );
            match written {
                Ok(()) => format!("key frame saved as DICOM: {}", path.display()),
                Err(e) => format!("key frame failed: {}: {e:#}", path.display()),
            }
        });
    }

    /// Runs a write on a thread; its outcome (a status message) comes back through
    /// [`Self::messages`].
    pub fn run(&mut self, write: impl FnOnce() -> String + Send + 'static) {
        let tx = self.tx.clone();
        self.handles.retain(|h| !h.is_finished());
        self.handles.push(std::thread::spawn(move || {
            let _ = tx.send(write());
        }));
    }

    /// Whether a write is still running (a script waits for it before reading the file).
    pub fn busy(&self) -> bool {
        self.handles.iter().any(|h| !h.is_finished())
    }

    /// Messages of finished writes.
    pub fn messages(&self) -> Vec<String> {
        self.rx.try_iter().collect()
    }

    /// Waits for all writes (before the viewer exits).
    pub fn finish(&mut self) {
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}
