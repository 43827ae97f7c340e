//! The pane renderer: draws each pane when its render key changes, and owns the quality
//! policy. Slices are cheap and drawn at full resolution whenever they change. The 3D pane
//! gets a coarse image (double ray steps, a resolution adapted to [`COARSE_BUDGET`]) as
//! soon as anything changes, then the full-quality image built band by band over several
//! frames, each band sized to [`BAND_BUDGET`], so no frame waits for a whole ray march; the
//! bands together equal a one-shot full-quality render (tested in tests/gpu_render.rs). A
//! device fast enough to draw the whole image within a band's budget (a real GPU) skips the
//! coarse step.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::panes::PaneTexture;
use super::reading::ReadingModel;
use super::render_key::{SceneStamp, SliceKey, VolumeKey};
use super::state::PaneId;
use crate::render::context::GpuContext;
use crate::render::offscreen::OffscreenTarget;
use crate::render::renderer::{RenderTarget, Renderer};
use crate::render::scene::FusedScene;

/// Refinement starts once the 3D key has been still this long (a drag in progress keeps
/// changing it, and bands drawn in between would be wasted).
pub const REFINE_AFTER: Duration = Duration::from_millis(120);
/// GPU time one refinement band may take, leaving room for the rest of a 50 ms frame.
pub const BAND_BUDGET: Duration = Duration::from_millis(28);
/// GPU time the coarse image may take; its resolution follows (a sixth of the pane's to
/// start with, at most the full resolution, at least a seventh).
pub const COARSE_BUDGET: Duration = Duration::from_millis(15);
const COARSE_SCALE_START: f32 = 1.0 / 6.0;
const COARSE_SCALE_MIN: f32 = 1.0 / 7.0;
/// The coarse image's ray-step multiplier.
pub const COARSE_STEP_FACTOR: f32 = 2.0;
/// Smallest edge of a coarse image, pixels.
const MIN_COARSE_EDGE: u32 = 8;
/// Rows of the first band before any band was timed.
const FIRST_BAND_ROWS: u32 = 8;

/// Where the 3D pane's refinement stands.
#[derive(Default)]
struct Refinement {
    /// The key being refined (the key the coarse image shows).
    key: Option<VolumeKey>,
    since: Option<Instant>,
    rows_done: u32,
    /// The key the full-quality target holds completely.
    complete: Option<VolumeKey>,
    /// Rows per band, adapted to [`BAND_BUDGET`].
    band_rows: u32,
    /// Coarse resolution as a fraction of the pane's, adapted to [`COARSE_BUDGET`].
    coarse_scale: f32,
    /// GPU time spent on the bands of the key being refined.
    spent: Duration,
    /// What the last complete full-quality image cost in all.
    last_full_cost: Option<Duration>,
}

/// What a frame's rendering did.
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameWork {
    /// The 3D pane reached full quality in this frame.
    pub refined: bool,
}

/// Pane targets and what they hold.
pub struct PaneRenderer {
    textures: HashMap<PaneId, PaneTexture>,
    slices: HashMap<PaneId, SliceKey>,
    coarse: Option<OffscreenTarget>,
    refinement: Refinement,
    /// Finished images are copied into the window rather than drawn by egui.
    copy_finished: bool,
}

/// The GPU side the pane renderer draws with.
pub struct DrawContext<'a> {
    pub ctx: &'a GpuContext,
    pub renderer: &'a mut Renderer,
    pub egui: &'a mut egui_wgpu::Renderer,
    pub scene: &'a mut FusedScene,
    pub stamp: SceneStamp,
    /// The colour format of pane targets (the window's, so they can be copied into it).
    pub format: wgpu::TextureFormat,
}

impl PaneRenderer {
    /// A pane renderer; `copy_finished`: the window takes copies of finished images.
    pub fn new(copy_finished: bool) -> Self {
        Self {
            textures: HashMap::new(),
            slices: HashMap::new(),
            coarse: None,
            refinement: Refinement {
                coarse_scale: COARSE_SCALE_START,
                ..Refinement::default()
            },
            copy_finished,
        }
    }

    /// The egui texture to draw for a pane: the coarse 3D image, or any image when the
    /// window takes no copies. `None` when the pane is copied in (or not drawn yet).
    pub fn texture(&self, pane: PaneId) -> Option<egui::TextureId> {
        let t = self.textures.get(&pane)?;
        (!self.copy_finished || !t.showing_full()).then_some(t.id)
    }

    /// A pane's full-quality target, to copy into the window where the layout showed no
    /// egui texture for it (see [`Self::texture`]). Between the layout and the copy a 3D
    /// pane may have switched to its coarse image; its full target then still holds the
    /// last complete image, which is shown one frame longer instead of nothing.
    pub fn full_texture(&self, pane: PaneId) -> Option<&wgpu::Texture> {
        self.textures
            .get(&pane)
            .filter(|_| self.copy_finished)
            .map(|t| &t.full.texture)
    }

    /// Whether the device needs a coarse 3D image while the view moves (its last
    /// full-quality image took longer than a band's budget, or none was drawn yet).
    pub fn needs_coarse(&self) -> bool {
        self.refinement
            .last_full_cost
            .is_none_or(|c| c > BAND_BUDGET)
    }

    /// Forgets everything drawn (a new scene, a lost surface).
    pub fn invalidate(&mut self) {
        self.slices.clear();
        let r = &mut self.refinement;
        r.key = None;
        r.complete = None;
        r.rows_done = 0;
    }

    /// Whether every visible pane shows its current key at full quality.
    pub fn settled(
        &self,
        model: &ReadingModel,
        sizes: &HashMap<PaneId, (u32, u32)>,
        stamp: SceneStamp,
    ) -> bool {
        sizes.iter().all(|(&pane, &size)| match pane {
            PaneId::ThreeD => {
                self.refinement.complete.as_ref() == Some(&VolumeKey::new(model, size, stamp))
            }
            p => self.slices.get(&p) == SliceKey::new(model, p, size, stamp).as_ref(),
        })
    }

    /// Draws what changed in the visible panes (`sizes` in physical pixels). Slices are
    /// drawn at full resolution whenever they change (cheap, and copied into the window
    /// rather than scaled by egui); the 3D pane's refinement waits for a frame in which no
    /// slice was drawn.
    pub fn render(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        sizes: &HashMap<PaneId, (u32, u32)>,
    ) -> FrameWork {
        let mut drew_slice = false;
        for (&pane, &size) in sizes {
            if pane != PaneId::ThreeD {
                drew_slice |= self.render_slice(dc, model, pane, size);
            }
        }
        match sizes.get(&PaneId::ThreeD) {
            Some(&size) => self.render_volume(dc, model, size, !drew_slice),
            None => FrameWork::default(),
        }
    }

    /// Draws a slice pane when its key changed; returns whether it drew.
    fn render_slice(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        pane: PaneId,
        size: (u32, u32),
    ) -> bool {
        let Some(key) = SliceKey::new(model, pane, size, dc.stamp) else {
            return false;
        };
        if self.slices.get(&pane) == Some(&key) {
            return false;
        }
        let Some(tex) =
            PaneTexture::ensure(&mut self.textures, pane, dc.ctx, dc.egui, size, dc.format)
        else {
            return false;
        };
        let mut settings = model.view.settings.clone();
        settings.selected_lesion = key.selected;
        let target = RenderTarget::new(&tex.full.view, tex.full.width, tex.full.height);
        dc.renderer.render_mpr(
            dc.ctx,
            dc.scene,
            &settings,
            &key.view,
            target,
            slice_slot(pane),
        );
        tex.show_full(dc.ctx, dc.egui);
        self.slices.insert(pane, key);
        true
    }

    fn render_volume(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        size: (u32, u32),
        may_refine: bool,
    ) -> FrameWork {
        let key = VolumeKey::new(model, size, dc.stamp);
        let r = &mut self.refinement;
        if r.complete.as_ref() == Some(&key) {
            return FrameWork::default();
        }
        if r.key.as_ref() != Some(&key) {
            if r.last_full_cost.is_some_and(|c| c <= BAND_BUDGET) {
                // The device draws the whole full-quality image within the budget (a real
                // GPU): no coarse step.
                r.key = Some(key.clone());
                r.rows_done = 0;
                r.spent = Duration::ZERO;
                r.band_rows = key.size.1.max(MIN_COARSE_EDGE);
                let refined = self.draw_band(dc, &key);
                return FrameWork { refined };
            }
            self.draw_coarse(dc, &key);
            let r = &mut self.refinement;
            r.key = Some(key);
            r.since = Some(Instant::now());
            r.rows_done = 0;
            r.spent = Duration::ZERO;
            // Bands learn their height afresh: the last image's bottom rows say nothing
            // about this image's top ones.
            r.band_rows = FIRST_BAND_ROWS;
            return FrameWork { refined: false };
        }
        if !may_refine || r.since.is_some_and(|t| t.elapsed() < REFINE_AFTER) {
            return FrameWork { refined: false };
        }
        let refined = self.draw_band(dc, &key);
        FrameWork { refined }
    }

    /// The interactive image: shown at once, until the full-quality one is complete. Its
    /// resolution follows [`COARSE_BUDGET`].
    fn draw_coarse(&mut self, dc: &mut DrawContext, key: &VolumeKey) {
        let scale = self.refinement.coarse_scale;
        let edge = |v: u32| ((v as f32 * scale).round() as u32).max(MIN_COARSE_EDGE);
        let (w, h) = (edge(key.size.0), edge(key.size.1));
        let (Some(coarse), Some(tex)) = (
            sized_target(&mut self.coarse, dc, (w, h)),
            volume_texture(&mut self.textures, dc, key.size),
        ) else {
            return;
        };
        let mut settings = key.settings.clone();
        settings.step_mm *= COARSE_STEP_FACTOR;
        // Time this image alone, not the previous frame's work still in the queue.
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        let started = Instant::now();
        dc.renderer.render_3d(
            dc.ctx,
            dc.scene,
            &settings,
            &key.camera,
            RenderTarget::new(&coarse.view, w, h),
        );
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        tex.show(dc.ctx, dc.egui, &coarse.view);
        self.refinement.coarse_scale = next_coarse_scale(scale, started.elapsed());
    }

    /// Draws the next band of the full-quality image; true when it is complete.
    fn draw_band(&mut self, dc: &mut DrawContext, key: &VolumeKey) -> bool {
        let Some(tex) = volume_texture(&mut self.textures, dc, key.size) else {
            return false;
        };
        let r = &mut self.refinement;
        let height = tex.full.height;
        if r.band_rows == 0 {
            r.band_rows = FIRST_BAND_ROWS;
        }
        let rows = r.rows_done..(r.rows_done + r.band_rows).min(height);
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        let started = Instant::now();
        dc.renderer.render_3d_rows(
            dc.ctx,
            dc.scene,
            &key.settings,
            &key.camera,
            RenderTarget::new(&tex.full.view, tex.full.width, height),
            rows.clone(),
        );
        // Wait for the band so its time is known (the frame would wait for it anyway).
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        r.band_rows = next_band_rows(r.band_rows, started.elapsed(), height);
        r.spent += started.elapsed();
        r.rows_done = rows.end;
        if r.rows_done < height {
            return false;
        }
        r.last_full_cost = Some(r.spent);
        r.complete = Some(key.clone());
        tex.show_full(dc.ctx, dc.egui);
        true
    }
}

/// The target in `slot`, created or resized to `size`.
fn sized_target<'a>(
    slot: &'a mut Option<OffscreenTarget>,
    dc: &DrawContext,
    size: (u32, u32),
) -> Option<&'a OffscreenTarget> {
    let fits = slot.as_ref().is_some_and(|c| (c.width, c.height) == size);
    if !fits {
        *slot = OffscreenTarget::with_format(&dc.ctx.device, size.0, size.1, dc.format).ok();
    }
    slot.as_ref()
}

/// The 3D pane's texture with a full-quality target of `size`.
fn volume_texture<'a>(
    textures: &'a mut HashMap<PaneId, PaneTexture>,
    dc: &mut DrawContext,
    size: (u32, u32),
) -> Option<&'a mut PaneTexture> {
    PaneTexture::ensure(textures, PaneId::ThreeD, dc.ctx, dc.egui, size, dc.format)
}

/// Largest growth and shrink factors of the band height from one band to the next.
const BAND_GROWTH: f64 = 1.25;
const BAND_SHRINK: f64 = 0.5;

/// Rows for the next band, so that it takes about [`BAND_BUDGET`].
pub fn next_band_rows(rows: u32, took: Duration, height: u32) -> u32 {
    let per_row = took.as_secs_f64() / f64::from(rows.max(1));
    let wanted = BAND_BUDGET.as_secs_f64() / per_row.max(1e-7);
    // Grow slowly, shrink fast: rows differ a lot in cost (empty background above the
    // body), so a band that was cheap says little about the next one.
    let next = wanted.clamp(f64::from(rows) * BAND_SHRINK, f64::from(rows) * BAND_GROWTH);
    (next.round() as u32).clamp(1, height.max(1))
}

/// Coarse resolution for the next interactive frame, so that it takes about
/// [`COARSE_BUDGET`] (the cost goes with the pixel count, the square of the scale).
pub fn next_coarse_scale(scale: f32, took: Duration) -> f32 {
    let ratio = COARSE_BUDGET.as_secs_f32() / took.as_secs_f32().max(1e-5);
    let wanted = scale * ratio.sqrt();
    // Change gradually: single timings are noisy.
    wanted
        .clamp(scale * 0.7, scale * 1.4)
        .clamp(COARSE_SCALE_MIN, 1.0)
}

/// Each slice pane draws with its own uniforms (several are drawn per frame).
fn slice_slot(pane: PaneId) -> usize {
    match pane {
        PaneId::ThreeD | PaneId::Axial => 0,
        PaneId::Coronal => 1,
        PaneId::Sagittal => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_resolution_follows_its_budget() {
        let s = next_coarse_scale(0.3, COARSE_BUDGET * 4);
        assert!((s - 0.21).abs() < 1e-6, "at most 30 % smaller at once: {s}");
        assert_eq!(next_coarse_scale(0.9, COARSE_BUDGET / 10), 1.0);
        assert_eq!(
            next_coarse_scale(0.15, COARSE_BUDGET * 100),
            COARSE_SCALE_MIN
        );
        let s = next_coarse_scale(0.3, COARSE_BUDGET);
        assert!((s - 0.3).abs() < 1e-6);
    }

    #[test]
    fn bands_follow_the_budget_gradually() {
        let slow = next_band_rows(100, BAND_BUDGET * 4, 1000);
        assert_eq!(slow, 50, "at most halved at once");
        let fast = next_band_rows(100, BAND_BUDGET / 4, 1000);
        assert_eq!(fast, 125, "grows by at most a quarter at once");
        let right = next_band_rows(100, BAND_BUDGET, 1000);
        assert!((99..=101).contains(&right));
        assert_eq!(
            next_band_rows(800, BAND_BUDGET / 4, 1000),
            1000,
            "never beyond the image"
        );
    }
}
