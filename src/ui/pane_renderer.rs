//! The pane renderer: draws each pane when its render key changes, and owns the quality
//! policy of the 3D pane: a coarse image (a third of the resolution, double ray steps) as
//! soon as anything changes, then the full-quality image built band by band over several
//! frames, each band sized to a time budget, so no frame waits for a whole ray march. A
//! device fast enough to draw the whole image within the budget (a real GPU) skips the
//! coarse step.
//! The bands together equal a one-shot full-quality render (tested in tests/gpu_render.rs).

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
/// The coarse image's resolution divisor and ray-step multiplier.
pub const COARSE_DIVISOR: u32 = 3;
pub const COARSE_STEP_FACTOR: f32 = 2.0;
/// Rows of the first band before any band was timed.
const FIRST_BAND_ROWS: u32 = 16;

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
}

/// What a frame's rendering did.
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameWork {
    /// The 3D pane reached full quality in this frame.
    pub refined: bool,
}

/// Pane targets and what they hold.
#[derive(Default)]
pub struct PaneRenderer {
    textures: HashMap<PaneId, PaneTexture>,
    slices: HashMap<PaneId, SliceKey>,
    coarse: Option<OffscreenTarget>,
    refinement: Refinement,
}

/// The GPU side the pane renderer draws with.
pub struct DrawContext<'a> {
    pub ctx: &'a GpuContext,
    pub renderer: &'a mut Renderer,
    pub egui: &'a mut egui_wgpu::Renderer,
    pub scene: &'a mut FusedScene,
    pub stamp: SceneStamp,
}

impl PaneRenderer {
    /// The egui texture showing a pane, once it has been drawn.
    pub fn texture(&self, pane: PaneId) -> Option<egui::TextureId> {
        self.textures.get(&pane).map(|t| t.id)
    }

    /// Forgets everything drawn (a new scene, a lost surface).
    pub fn invalidate(&mut self) {
        self.slices.clear();
        self.refinement = Refinement::default();
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

    /// Draws what changed in the visible panes (`sizes` in physical pixels).
    pub fn render(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        sizes: &HashMap<PaneId, (u32, u32)>,
    ) -> FrameWork {
        let mut work = FrameWork::default();
        for (&pane, &size) in sizes {
            if pane == PaneId::ThreeD {
                work = self.render_volume(dc, model, size);
            } else {
                self.render_slice(dc, model, pane, size);
            }
        }
        work
    }

    fn render_slice(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        pane: PaneId,
        size: (u32, u32),
    ) {
        let Some(key) = SliceKey::new(model, pane, size, dc.stamp) else {
            return;
        };
        if self.slices.get(&pane) == Some(&key) {
            return;
        }
        let Some(tex) = PaneTexture::ensure(&mut self.textures, pane, dc.ctx, dc.egui, size) else {
            return;
        };
        let mut settings = model.view.settings.clone();
        settings.selected_lesion = key.selected;
        dc.renderer.render_mpr(
            dc.ctx,
            dc.scene,
            &settings,
            &key.view,
            RenderTarget::new(&tex.full.view, tex.full.width, tex.full.height),
            slice_slot(pane),
        );
        tex.show_full(dc.ctx, dc.egui);
        self.slices.insert(pane, key);
    }

    fn render_volume(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        size: (u32, u32),
    ) -> FrameWork {
        let key = VolumeKey::new(model, size, dc.stamp);
        let r = &mut self.refinement;
        if r.complete.as_ref() == Some(&key) {
            return FrameWork::default();
        }
        if r.key.as_ref() != Some(&key) {
            if r.band_rows >= key.size.1 {
                // The device draws the whole full-quality image within the budget (a real
                // GPU): no coarse step.
                r.key = Some(key.clone());
                r.rows_done = 0;
                let refined = self.draw_band(dc, &key);
                return FrameWork { refined };
            }
            self.draw_coarse(dc, &key);
            let r = &mut self.refinement;
            r.key = Some(key);
            r.since = Some(Instant::now());
            r.rows_done = 0;
            return FrameWork { refined: false };
        }
        if r.since.is_some_and(|t| t.elapsed() < REFINE_AFTER) {
            return FrameWork { refined: false };
        }
        let refined = self.draw_band(dc, &key);
        FrameWork { refined }
    }

    /// The interactive image: shown at once, until the full-quality one is complete.
    fn draw_coarse(&mut self, dc: &mut DrawContext, key: &VolumeKey) {
        let (w, h) = (
            (key.size.0 / COARSE_DIVISOR).max(8),
            (key.size.1 / COARSE_DIVISOR).max(8),
        );
        let fits = self
            .coarse
            .as_ref()
            .is_some_and(|c| c.width == w && c.height == h);
        if !fits {
            self.coarse = OffscreenTarget::new(&dc.ctx.device, w, h).ok();
        }
        let (Some(coarse), Some(tex)) = (
            &self.coarse,
            PaneTexture::ensure(
                &mut self.textures,
                PaneId::ThreeD,
                dc.ctx,
                dc.egui,
                key.size,
            ),
        ) else {
            return;
        };
        let mut settings = key.settings.clone();
        settings.step_mm *= COARSE_STEP_FACTOR;
        dc.renderer.render_3d(
            dc.ctx,
            dc.scene,
            &settings,
            &key.camera,
            RenderTarget::new(&coarse.view, w, h),
        );
        tex.show(dc.ctx, dc.egui, &coarse.view);
    }

    /// Draws the next band of the full-quality image; true when it is complete.
    fn draw_band(&mut self, dc: &mut DrawContext, key: &VolumeKey) -> bool {
        let Some(tex) = PaneTexture::ensure(
            &mut self.textures,
            PaneId::ThreeD,
            dc.ctx,
            dc.egui,
            key.size,
        ) else {
            return false;
        };
        let r = &mut self.refinement;
        let height = tex.full.height;
        if r.band_rows == 0 {
            r.band_rows = FIRST_BAND_ROWS;
        }
        let rows = r.rows_done..(r.rows_done + r.band_rows).min(height);
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
        r.rows_done = rows.end;
        if r.rows_done < height {
            return false;
        }
        r.complete = Some(key.clone());
        tex.show_full(dc.ctx, dc.egui);
        true
    }
}

/// Rows for the next band, so that it takes about [`BAND_BUDGET`].
pub fn next_band_rows(rows: u32, took: Duration, height: u32) -> u32 {
    let per_row = took.as_secs_f64() / f64::from(rows.max(1));
    let wanted = BAND_BUDGET.as_secs_f64() / per_row.max(1e-7);
    // Change gradually: timings of single bands are noisy.
    let next = wanted.clamp(f64::from(rows) * 0.5, f64::from(rows) * 2.0);
    (next as u32).clamp(1, height.max(1))
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
    fn bands_follow_the_budget_gradually() {
        let slow = next_band_rows(100, BAND_BUDGET * 4, 1000);
        assert_eq!(slow, 50, "at most halved at once");
        let fast = next_band_rows(100, BAND_BUDGET / 4, 1000);
        assert_eq!(fast, 200, "at most doubled at once");
        let right = next_band_rows(100, BAND_BUDGET, 1000);
        assert!((99..=101).contains(&right));
        assert_eq!(
            next_band_rows(800, BAND_BUDGET / 4, 1000),
            1000,
            "never beyond the image"
        );
    }
}
