//! The pane renderer: draws each pane when its render key changes, and owns the quality
//! policy. Slices are cheap and drawn at full resolution whenever they change. The 3D pane
//! gets a coarse image (double ray steps, [`COARSE_SCALE`] of its resolution) as
//! soon as anything changes, then the full-quality image built part by part over several
//! frames (each part a share of the pixels spread evenly over the image, see
//! [`crate::render::parts`], sized to [`BAND_BUDGET`]), so no frame waits for a whole ray
//! march; the
//! parts together equal a one-shot full-quality render (tested in tests/gpu_render.rs). A
//! device fast enough to draw the whole image within a part's budget (a real GPU) skips the
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
/// changing it, and parts drawn in between would be wasted).
pub const REFINE_AFTER: Duration = Duration::from_millis(120);
/// GPU time one refinement part may take, leaving room for the rest of a 50 ms frame.
pub const BAND_BUDGET: Duration = Duration::from_millis(22);
/// What a coarse image is expected to cost before one was timed.
pub const FIRST_COARSE_COST: Duration = Duration::from_millis(15);
/// The coarse image's resolution as a fraction of the pane's: on two cores in software a
/// fused coarse image then takes 12-22 ms. The fraction is fixed on purpose: a coarse image
/// whose size changed from one frame to the next (an earlier version adapted it to a time
/// budget) cost Mesa's llvmpipe 150-250 ms at unpredictable moments.
pub const COARSE_SCALE: f32 = 1.0 / 8.0;
/// The coarse image's ray-step multiplier.
pub const COARSE_STEP_FACTOR: f32 = 2.0;
/// Smallest edge of a coarse image, pixels.
const MIN_COARSE_EDGE: u32 = 8;
/// GPU time a frame may spend on panes after its first one; the rest of a 50 ms frame
/// goes to egui, the side panel and presenting (on two cores in software: a slice takes
/// about 9 ms, a coarse 3D image 12-22 ms, a side-panel redraw about 7 ms).
pub const RENDER_BUDGET: Duration = Duration::from_millis(12);
/// Frames a pane may be left out of the budget before it goes first.
pub const MAX_WAIT: u32 = 3;
/// What a slice is expected to cost before one was timed.
const FIRST_SLICE_COST: Duration = Duration::from_millis(10);
/// Share of the image in its first part, before any part was timed.
const FIRST_PART_SHARE: f64 = 1.0 / 64.0;

/// Where the 3D pane's refinement stands.
#[derive(Default)]
struct Refinement {
    /// The key being refined (the key the coarse image shows).
    key: Option<VolumeKey>,
    since: Option<Instant>,
    /// Rows of the permuted image drawn so far (see [`Renderer::render_3d_part`]).
    rows_done: u32,
    /// The key the full-quality target holds completely.
    complete: Option<VolumeKey>,
    /// Rows per part, adapted to [`BAND_BUDGET`].
    part_rows: u32,
    /// GPU time spent on the parts of the key being refined.
    spent: Duration,
    /// What the last complete full-quality image cost in all.
    last_full_cost: Option<Duration>,
    /// What the last coarse image took.
    coarse_cost: Duration,
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
    /// Panes left out of the last frame's budget, and for how many frames in a row.
    waiting: HashMap<PaneId, u32>,
    /// What the last slice took to draw.
    slice_cost: Duration,
}

/// The GPU side the pane renderer draws with.
pub struct DrawContext<'a> {
    pub ctx: &'a GpuContext,
    pub renderer: &'a mut Renderer,
    pub egui: &'a mut egui_wgpu::Renderer,
    pub scene: &'a mut FusedScene,
    /// The follow-up study's volumes, when one is open.
    pub followup: Option<&'a FusedScene>,
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
                coarse_cost: FIRST_COARSE_COST,
                ..Refinement::default()
            },
            copy_finished,
            waiting: HashMap::new(),
            slice_cost: FIRST_SLICE_COST,
        }
    }

    /// The egui texture (and the part of it holding the image) to draw for a pane: the
    /// coarse 3D image, or any image when the window takes no copies. `None` when the pane
    /// is copied in (or not drawn yet).
    pub fn texture(&self, pane: PaneId) -> Option<(egui::TextureId, egui::Rect)> {
        let t = self.textures.get(&pane)?;
        (!self.copy_finished || !t.showing_full()).then_some((t.id, t.uv))
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

    /// What has been drawn since the last [`Self::invalidate`]: a slice, a 3D image
    /// (coarse or full), a complete full-quality 3D image.
    pub fn drawn(&self) -> super::startup::Shown {
        let r = &self.refinement;
        super::startup::Shown {
            slice: !self.slices.is_empty(),
            volume: r.key.is_some() || r.complete.is_some(),
            refined: r.complete.is_some(),
        }
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
            PaneId::Mip => true,
            PaneId::ThreeD => {
                self.refinement.complete.as_ref() == Some(&VolumeKey::new(model, size, stamp))
            }
            p => self.slices.get(&p) == SliceKey::new(model, p, size, stamp).as_ref(),
        })
    }

    /// Draws what changed in the visible panes (`sizes` in physical pixels), within a
    /// frame's budget: the first pane that needs drawing always is; further ones only while
    /// their expected cost fits [`RENDER_BUDGET`]. The pane under the pointer (`focus`, the
    /// one the user drags in) goes first, then the panes left out before, longest waiting
    /// first; a pane left out [`MAX_WAIT`] frames goes even before the focus. So the hand's
    /// pane keeps up with the mouse and no pane waits more than a few frames (a slider that
    /// changes every pane at once would otherwise cost one long frame per step). Slices are
    /// drawn at full resolution (cheap, and copied into the window rather than scaled by
    /// egui); the 3D pane's refinement only runs in a frame in which nothing else was drawn.
    pub fn render(
        &mut self,
        dc: &mut DrawContext,
        model: &ReadingModel,
        sizes: &HashMap<PaneId, (u32, u32)>,
        focus: Option<PaneId>,
    ) -> FrameWork {
        let before = std::mem::take(&mut self.waiting);
        let waited = |p: &PaneId| before.get(p).copied().unwrap_or(0);
        // The MIP is a CPU image shown by egui (see `super::mip_pane`), not drawn here.
        let mut order: Vec<PaneId> = PaneId::every()
            .filter(|p| *p != PaneId::Mip && sizes.contains_key(p))
            .collect();
        // Stable sort: overdue panes, the focus, then the longest waiting, then layout order.
        order.sort_by_key(|p| {
            let overdue = waited(p) >= MAX_WAIT;
            (!overdue, Some(*p) != focus, u32::MAX - waited(p))
        });
        let mut waiting = HashMap::new();
        let mut spent = Duration::ZERO;
        let mut drew = false;
        let mut work = FrameWork::default();
        for pane in order {
            let size = sizes[&pane];
            let Some(estimate) = self.estimate(model, pane, size, dc.stamp, drew) else {
                continue;
            };
            if drew && spent + estimate > RENDER_BUDGET {
                waiting.insert(pane, waited(&pane) + 1);
                continue;
            }
            let started = Instant::now();
            if pane == PaneId::ThreeD {
                work = self.render_volume(dc, model, size, !drew);
            } else if self.render_slice(dc, model, pane, size) {
                // Timed so the budget knows what a slice costs on this device.
                let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
                self.slice_cost = started.elapsed();
            }
            spent += started.elapsed();
            drew = true;
        }
        self.waiting = waiting;
        work
    }

    /// What drawing a pane now is expected to cost; `None` when it has nothing to draw.
    /// The 3D pane's refinement counts only in a frame with nothing else drawn.
    fn estimate(
        &self,
        model: &ReadingModel,
        pane: PaneId,
        size: (u32, u32),
        stamp: SceneStamp,
        drew: bool,
    ) -> Option<Duration> {
        if pane != PaneId::ThreeD {
            let key = SliceKey::new(model, pane, size, stamp)?;
            return (self.slices.get(&pane) != Some(&key)).then_some(self.slice_cost);
        }
        let key = VolumeKey::new(model, size, stamp);
        let r = &self.refinement;
        if r.complete.as_ref() == Some(&key) {
            return None;
        }
        if r.key.as_ref() != Some(&key) {
            return Some(r.coarse_cost);
        }
        (!drew).then_some(BAND_BUDGET)
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
        settings.pet_window = key.pet_window;
        settings.colormap = key.colormap;
        let target = RenderTarget::new(&tex.full.view, tex.full.width, tex.full.height);
        match (&key.followup, dc.followup, &model.followup) {
            (Some(_), Some(scene), Some(followup)) => {
                // The baseline's plane laid into the follow-up: both columns show the same
                // anatomy at the same pixels.
                let (w, h) = (tex.full.width, tex.full.height);
                let Some(plane) = model.pane_plane(pane, w, h) else {
                    return false;
                };
                let mut view = key.view;
                view.cursor = followup.to_followup_point(view.cursor);
                settings.selected_lesion = 0;
                settings.reference_outline = false;
                dc.renderer.render_mpr_on_plane(
                    dc.ctx,
                    scene,
                    &settings,
                    (&view, &plane),
                    target,
                    pane.slot(),
                );
            }
            (Some(_), _, _) => return false,
            _ => {
                dc.renderer
                    .render_mpr(dc.ctx, dc.scene, &settings, &key.view, target, pane.slot())
            }
        }
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
                r.part_rows = u32::MAX;
                let refined = self.draw_band(dc, &key);
                return FrameWork { refined };
            }
            self.draw_coarse(dc, &key);
            let r = &mut self.refinement;
            // Parts learn their size afresh: another mode or zoom costs differently.
            r.part_rows = first_part_rows(key.size);
            r.key = Some(key);
            r.since = Some(Instant::now());
            r.rows_done = 0;
            r.spent = Duration::ZERO;
            return FrameWork { refined: false };
        }
        if !may_refine || r.since.is_some_and(|t| t.elapsed() < REFINE_AFTER) {
            return FrameWork { refined: false };
        }
        let refined = self.draw_band(dc, &key);
        FrameWork { refined }
    }

    /// The interactive image: shown at once, until the full-quality one is complete. Its
    /// resolution is [`COARSE_SCALE`] of the pane's.
    fn draw_coarse(&mut self, dc: &mut DrawContext, key: &VolumeKey) {
        let edge = |v: u32| {
            ((v as f32 * COARSE_SCALE).round() as u32)
                .clamp(MIN_COARSE_EDGE, v.max(MIN_COARSE_EDGE))
        };
        let (w, h) = (edge(key.size.0), edge(key.size.1));
        // The coarse target keeps the pane's size and the image fills its corner: a target
        // resized with every change of scale costs a software rasterizer 100+ ms each
        // time (measured), far more than the image.
        let (Some(coarse), Some(tex)) = (
            sized_target(&mut self.coarse, dc, (key.size.0.max(w), key.size.1.max(h))),
            volume_texture(&mut self.textures, dc, key.size),
        ) else {
            return;
        };
        let mut settings = key.settings.clone();
        settings.step_mm *= COARSE_STEP_FACTOR;
        // Time this image alone, not the previous frame's work still in the queue.
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        let started = Instant::now();
        // Spread out so that a software rasterizer marches the few rays on every core.
        dc.renderer
            .render_3d_spread(dc.ctx, dc.scene, &settings, &key.camera, coarse, (w, h));
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        let uv = egui::Rect::from_min_max(
            egui::pos2(0.0, 0.0),
            egui::pos2(
                w as f32 / coarse.width as f32,
                h as f32 / coarse.height as f32,
            ),
        );
        tex.show(dc.ctx, dc.egui, &coarse.view, uv);
        self.refinement.coarse_cost = started.elapsed();
    }

    /// Draws the next part of the full-quality image; true when it is complete.
    fn draw_band(&mut self, dc: &mut DrawContext, key: &VolumeKey) -> bool {
        let Some(tex) = volume_texture(&mut self.textures, dc, key.size) else {
            return false;
        };
        let r = &mut self.refinement;
        let (width, height) = (tex.full.width, tex.full.height);
        let total = Renderer::part_rows(width, height);
        let rows = r.rows_done..r.rows_done.saturating_add(r.part_rows.max(1)).min(total);
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        let started = Instant::now();
        let done = dc.renderer.render_3d_part(
            dc.ctx,
            dc.scene,
            &key.settings,
            &key.camera,
            RenderTarget::new(&tex.full.view, width, height),
            rows.clone(),
        );
        // Wait for the part so its time is known (the frame would wait for it anyway).
        let _ = dc.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        r.part_rows = next_part_rows(rows.len() as u32, started.elapsed(), total);
        r.spent += started.elapsed();
        r.rows_done = rows.end;
        if !done {
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

/// Largest growth and shrink factors of a part from one to the next (single timings are
/// noisy).
const PART_GROWTH: f64 = 2.0;
const PART_SHRINK: f64 = 0.5;

/// Rows of the permuted image for the next part, so that it takes about [`BAND_BUDGET`];
/// `rows`: how many the last part drew, `took` its time, `total` the image's rows. Parts
/// cover the image evenly, so each row costs about the same.
pub fn next_part_rows(rows: u32, took: Duration, total: u32) -> u32 {
    let per_row = took.as_secs_f64() / f64::from(rows.max(1));
    let wanted = BAND_BUDGET.as_secs_f64() / per_row.max(1e-7);
    let next = wanted.clamp(f64::from(rows) * PART_SHRINK, f64::from(rows) * PART_GROWTH);
    (next.round() as u32).clamp(1, total.max(1))
}

/// Rows of the first part of an image of `size` pixels.
pub fn first_part_rows(size: (u32, u32)) -> u32 {
    let total = Renderer::part_rows(size.0, size.1);
    ((f64::from(total) * FIRST_PART_SHARE).ceil() as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_follow_the_budget_gradually() {
        assert_eq!(
            next_part_rows(8, BAND_BUDGET * 4, 100),
            4,
            "at most halved at once"
        );
        assert_eq!(
            next_part_rows(8, BAND_BUDGET / 4, 100),
            16,
            "at most doubled"
        );
        assert_eq!(next_part_rows(8, BAND_BUDGET, 100), 8);
        assert_eq!(
            next_part_rows(80, BAND_BUDGET / 4, 100),
            100,
            "never beyond the image"
        );
        assert_eq!(
            next_part_rows(1, BAND_BUDGET * 10, 100),
            1,
            "at least one row"
        );
        assert_eq!(first_part_rows((490, 430)), 2);
    }
}
