//! The renderer facade: pipelines built once, drawing a scene into any texture view, and
//! headless rendering to images.

use std::ops::Range;

use super::camera::OrbitCamera;
use super::context::{GpuContext, RenderError};
use super::mpr::{MprDrawData, MprPipeline, MprPlane, MprView};
use super::offscreen::{OffscreenTarget, OFFSCREEN_FORMAT};
use super::parts::{PartLayout, ReorderPipeline};
use super::pipeline_util::color_pass;
use super::raymarch::{DrawLayout, RaymarchDrawData, RaymarchPipeline, Spread};
use super::scene::FusedScene;
use super::settings::RenderSettings;

/// Where a view is drawn: a colour target of the renderer's format and its size in pixels
/// (the size of the texture behind `view`).
#[derive(Clone, Copy)]
pub struct RenderTarget<'a> {
    /// The colour attachment.
    pub view: &'a wgpu::TextureView,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl<'a> RenderTarget<'a> {
    /// A target of `width` x `height` pixels.
    pub fn new(view: &'a wgpu::TextureView, width: u32, height: u32) -> Self {
        Self {
            view,
            width,
            height,
        }
    }

    /// (width, height) in pixels.
    pub fn size(&self) -> [u32; 2] {
        [self.width, self.height]
    }
}

impl<'a> From<&'a OffscreenTarget> for RenderTarget<'a> {
    fn from(t: &'a OffscreenTarget) -> Self {
        Self::new(&t.view, t.width, t.height)
    }
}

/// Long-lived pipelines for one colour target format, and the draw data of each view.
pub struct Renderer {
    pub raymarch: RaymarchPipeline,
    pub mpr: MprPipeline,
    /// Draw data of the 3D view (each render submits before returning, so the interactive,
    /// refined and offscreen renders can share it).
    view_3d: RaymarchDrawData,
    /// Draw data per MPR pane slot (see [`Self::render_mpr`]), created on first use.
    mpr_panes: Vec<MprDrawData>,
    /// Draw data for offscreen MPR images, apart from the panes'.
    mpr_image: MprDrawData,
    /// The target spread-out images are drawn into (see [`Self::render_3d_spread`]).
    spread_target: Option<OffscreenTarget>,
    /// The permuted image parts are drawn into (see [`Self::render_3d_part`]).
    parts_target: Option<OffscreenTarget>,
    /// Puts a permuted image in order.
    reorder: ReorderPipeline,
    format: wgpu::TextureFormat,
}

impl Renderer {
    /// Builds the pipelines for a target format.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        Self {
            raymarch: RaymarchPipeline::new(device, format),
            mpr: MprPipeline::new(device, format),
            view_3d: RaymarchDrawData::new(device),
            mpr_panes: Vec::new(),
            mpr_image: MprDrawData::new(device),
            spread_target: None,
            parts_target: None,
            reorder: ReorderPipeline::new(device, format),
            format,
        }
    }

    /// The target format the pipelines were built for.
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    /// Records a render pass into `view` starting with `load`, lets `draw` fill it, and
    /// submits it.
    fn pass(
        ctx: &GpuContext,
        view: &wgpu::TextureView,
        label: &str,
        load: wgpu::LoadOp<wgpu::Color>,
        draw: impl FnOnce(&mut wgpu::RenderPass<'_>),
    ) {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = color_pass(&mut encoder, view, label, load);
            draw(&mut pass);
        }
        ctx.queue.submit([encoder.finish()]);
    }

    fn offscreen_target(
        &self,
        ctx: &GpuContext,
        width: u32,
        height: u32,
    ) -> Result<OffscreenTarget, RenderError> {
        if self.format != OFFSCREEN_FORMAT {
            return Err(RenderError::Invalid(
                "this renderer was built for another target format".into(),
            ));
        }
        OffscreenTarget::new(&ctx.device, width, height)
    }

    /// Renders the 3D view into a target, clearing it first.
    pub fn render_3d(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        target: RenderTarget<'_>,
    ) {
        let load = wgpu::LoadOp::Clear(wgpu::Color::BLACK);
        self.draw_3d(ctx, scene, settings, camera, target, load);
    }

    /// Renders part of the 3D view for progressive refinement: the rows `part` (of
    /// [`Self::part_rows`]) of the permuted image (see [`super::parts`]), each part costing
    /// about its share of the whole; once a part reaches the last row the image is put in
    /// order into `target`. Drawing every row in any parts, in order, gives exactly
    /// [`Self::render_3d`]'s image (each pixel keeps its ray). Returns whether `target`
    /// now holds the finished image.
    pub fn render_3d_part(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        target: RenderTarget<'_>,
        part: Range<u32>,
    ) -> bool {
        let Some(layout) = PartLayout::new(target.width, target.height) else {
            // Too large to permute: draw it whole.
            self.render_3d(ctx, scene, settings, camera, target);
            return true;
        };
        let part = part.start.min(layout.rows())..part.end.min(layout.rows());
        let (sw, sh) = layout.scratch_size();
        if !ensure_scratch(&mut self.parts_target, &ctx.device, (sw, sh), self.format) {
            // Out of memory for a scratch image: draw the image whole.
            self.render_3d(ctx, scene, settings, camera, target);
            return true;
        }
        let Some(scratch) = &self.parts_target else {
            return false;
        };
        let view = &mut self.view_3d;
        let draw = DrawLayout {
            permuted: Some(layout),
            ..DrawLayout::whole(target.size())
        };
        self.raymarch
            .prepare(ctx, view, scene, settings, camera, &draw);
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        if !part.is_empty() {
            let mut pass = color_pass(
                &mut encoder,
                &scratch.view,
                "3d view, part",
                wgpu::LoadOp::Load,
            );
            let rows = part.start * super::parts::PART_BLOCK..part.end * super::parts::PART_BLOCK;
            pass.set_scissor_rect(0, rows.start, sw, rows.end - rows.start);
            self.raymarch.draw(&mut pass, view);
        }
        let done = part.end == layout.rows();
        if done {
            self.reorder
                .record(ctx, &mut encoder, &layout, scratch, target.view);
        }
        ctx.queue.submit([encoder.finish()]);
        done
    }

    /// Rows of a 3D image of `width` x `height` pixels, as [`Self::render_3d_part`] counts
    /// them (1 where the image is drawn whole).
    pub fn part_rows(width: u32, height: u32) -> u32 {
        PartLayout::new(width, height).map_or(1, |l| l.rows())
    }

    /// Prepares the 3D draw data and draws the whole target.
    fn draw_3d(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        target: RenderTarget<'_>,
        load: wgpu::LoadOp<wgpu::Color>,
    ) {
        let view = &mut self.view_3d;
        let layout = DrawLayout::whole(target.size());
        self.raymarch
            .prepare(ctx, view, scene, settings, camera, &layout);
        let (pipeline, view) = (&self.raymarch, &*view);
        Self::pass(ctx, target.view, "3d view", load, |pass| {
            pipeline.draw(pass, view);
        });
    }

    /// Renders the 3D view into `target` as [`Self::render_3d`] does (the same rays, the
    /// same image), but drawn spread out in pieces (see [`Spread`]) in a scratch target and
    /// copied together: on a software rasterizer a small image, such as the interactive
    /// coarse one, then uses every core rather than one. The image has `size` pixels and
    /// lands in the top-left corner of `target` (clipped to it), which must have this
    /// renderer's format.
    pub fn render_3d_spread(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        target: &OffscreenTarget,
        size: (u32, u32),
    ) {
        let size = [size.0.min(target.width), size.1.min(target.height)];
        if size.contains(&0) {
            return;
        }
        let spread = SPREAD;
        let [sw, sh] = spread.target_size(size);
        // Out of memory for a scratch image: the caller keeps its last image.
        if !ensure_scratch(&mut self.spread_target, &ctx.device, (sw, sh), self.format) {
            return;
        }
        let Some(scratch) = &self.spread_target else {
            return;
        };
        let view = &mut self.view_3d;
        let layout = DrawLayout {
            spread: Some(spread),
            ..DrawLayout::whole(size)
        };
        self.raymarch
            .prepare(ctx, view, scene, settings, camera, &layout);
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = color_pass(
                &mut encoder,
                &scratch.view,
                "3d view, spread",
                wgpu::LoadOp::Load,
            );
            pass.set_scissor_rect(0, 0, sw, sh);
            self.raymarch.draw(&mut pass, view);
        }
        copy_pieces(
            &mut encoder,
            spread,
            &scratch.texture,
            &target.texture,
            size,
        );
        ctx.queue.submit([encoder.finish()]);
    }

    /// Renders the 3D view offscreen and reads it back.
    pub fn render_3d_image(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        width: u32,
        height: u32,
    ) -> Result<image::RgbaImage, RenderError> {
        let target = self.offscreen_target(ctx, width, height)?;
        self.render_3d(ctx, scene, settings, camera, (&target).into());
        target.read(ctx)
    }

    /// Renders an MPR pane into a target. `pane_slot` (0, 1, 2 for three slice panes)
    /// selects the pane's own draw data, so panes never share uniforms.
    pub fn render_mpr(
        &mut self,
        ctx: &GpuContext,
        scene: &FusedScene,
        settings: &RenderSettings,
        mpr: &MprView,
        target: RenderTarget<'_>,
        pane_slot: usize,
    ) {
        let [w, h] = target.size();
        let plane = mpr.plane(scene.display_bounds(), w, h);
        self.render_mpr_on_plane(ctx, scene, settings, (mpr, &plane), target, pane_slot);
    }

    /// [`Self::render_mpr`] on a given plane (patient mm of `scene`) instead of the one
    /// `mpr` lays over the scene's bounds: a plane mapped from another study's space, as a
    /// registered follow-up shows its baseline's plane. `mpr` gives the cursor (in the same
    /// space), content and sampling.
    pub fn render_mpr_on_plane(
        &mut self,
        ctx: &GpuContext,
        scene: &FusedScene,
        settings: &RenderSettings,
        (mpr, plane): (&MprView, &MprPlane),
        target: RenderTarget<'_>,
        pane_slot: usize,
    ) {
        while self.mpr_panes.len() <= pane_slot {
            self.mpr_panes.push(MprDrawData::new(&ctx.device));
        }
        let draw = &mut self.mpr_panes[pane_slot];
        Self::record_mpr(
            ctx,
            &mut self.mpr,
            draw,
            scene,
            settings,
            (mpr, plane),
            target,
        );
    }

    /// Prepares `draw` for a pane and renders it into the target.
    fn record_mpr(
        ctx: &GpuContext,
        pipeline: &mut MprPipeline,
        draw: &mut MprDrawData,
        scene: &FusedScene,
        settings: &RenderSettings,
        (mpr, plane): (&MprView, &MprPlane),
        target: RenderTarget<'_>,
    ) {
        pipeline.prepare(ctx, draw, scene, settings, mpr, plane);
        let (pipeline, draw) = (&*pipeline, &*draw);
        let clear = wgpu::LoadOp::Clear(wgpu::Color::BLACK);
        Self::pass(ctx, target.view, "mpr", clear, |pass| {
            pipeline.draw(pass, draw)
        });
    }

    /// Renders an MPR pane offscreen and reads it back.
    pub fn render_mpr_image(
        &mut self,
        ctx: &GpuContext,
        scene: &FusedScene,
        settings: &RenderSettings,
        mpr: &MprView,
        width: u32,
        height: u32,
    ) -> Result<image::RgbaImage, RenderError> {
        let plane = mpr.plane(scene.display_bounds(), width, height);
        self.render_mpr_image_on_plane(ctx, scene, settings, (mpr, &plane), (width, height))
    }

    /// [`Self::render_mpr_image`] on a given plane (see [`Self::render_mpr_on_plane`]).
    pub fn render_mpr_image_on_plane(
        &mut self,
        ctx: &GpuContext,
        scene: &FusedScene,
        settings: &RenderSettings,
        (mpr, plane): (&MprView, &MprPlane),
        (width, height): (u32, u32),
    ) -> Result<image::RgbaImage, RenderError> {
        let target = self.offscreen_target(ctx, width, height)?;
        let draw = &mut self.mpr_image;
        Self::record_mpr(
            ctx,
            &mut self.mpr,
            draw,
            scene,
            settings,
            (mpr, plane),
            (&target).into(),
        );
        target.read(ctx)
    }
}

/// How coarse images are spread: pieces of 16 pixels in llvmpipe's 64-pixel tiles (small
/// pieces share the work out evenly even where the body fills only the image's middle).
const SPREAD: Spread = Spread {
    piece: 16,
    cell: 64,
};

/// Copies the pieces of a spread-out image of `size` pixels from `scratch` into `target`.
fn copy_pieces(
    encoder: &mut wgpu::CommandEncoder,
    spread: Spread,
    scratch: &wgpu::Texture,
    target: &wgpu::Texture,
    size: [u32; 2],
) {
    let [cx, cy] = spread.cells(size);
    for j in 0..cy {
        for i in 0..cx {
            let (x, y) = (i * spread.piece, j * spread.piece);
            let extent = wgpu::Extent3d {
                width: spread.piece.min(size[0] - x),
                height: spread.piece.min(size[1] - y),
                depth_or_array_layers: 1,
            };
            let at = |texture, x, y| wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d { x, y, z: 0 },
                aspect: wgpu::TextureAspect::All,
            };
            encoder.copy_texture_to_texture(
                at(scratch, i * spread.cell, j * spread.cell),
                at(target, x, y),
                extent,
            );
        }
    }
}

/// Makes `slot` hold a scratch target of at least `size` pixels (created anew when too
/// small); false when it cannot be created.
fn ensure_scratch(
    slot: &mut Option<OffscreenTarget>,
    device: &wgpu::Device,
    size: (u32, u32),
    format: wgpu::TextureFormat,
) -> bool {
    let fits = slot
        .as_ref()
        .is_some_and(|t| t.width >= size.0 && t.height >= size.1);
    if !fits {
        *slot = OffscreenTarget::with_format(device, size.0, size.1, format).ok();
    }
    slot.is_some()
}
