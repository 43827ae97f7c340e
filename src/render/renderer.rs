//! The renderer facade: pipelines built once, drawing a scene into any texture view, and
//! headless rendering to images.

use std::ops::Range;

use super::camera::OrbitCamera;
use super::context::{GpuContext, RenderError};
use super::mpr::{MprDrawData, MprPipeline, MprView};
use super::offscreen::{OffscreenTarget, OFFSCREEN_FORMAT};
use super::raymarch::{RaymarchDrawData, RaymarchPipeline};
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

/// Rows of a 3D draw, and whether the rest of the target is cleared or kept.
struct Band {
    rows: Range<u32>,
    clear: bool,
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
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some(label),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load,
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
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
        let band = Band {
            rows: 0..target.height,
            clear: true,
        };
        self.draw_3d(ctx, scene, settings, camera, target, band);
    }

    /// Renders only the pixel rows `rows` (top row 0) of the 3D view into a target, keeping
    /// the other rows as they are: for progressive refinement in bands that each fit a
    /// frame's budget. Each pixel's ray depends only on its position and the full target
    /// size, so rendering every row in any set of bands gives exactly [`Self::render_3d`]'s
    /// image. Rows beyond the target are ignored.
    pub fn render_3d_rows(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        target: RenderTarget<'_>,
        rows: Range<u32>,
    ) {
        let rows = rows.start.min(target.height)..rows.end.min(target.height);
        if rows.is_empty() || target.width == 0 {
            return;
        }
        let band = Band { rows, clear: false };
        self.draw_3d(ctx, scene, settings, camera, target, band);
    }

    /// Prepares the 3D draw data and draws the band's rows of the target.
    fn draw_3d(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        target: RenderTarget<'_>,
        band: Band,
    ) {
        let Band { rows, clear } = band;
        let load = if clear {
            wgpu::LoadOp::Clear(wgpu::Color::BLACK)
        } else {
            wgpu::LoadOp::Load
        };
        let view = &mut self.view_3d;
        self.raymarch
            .prepare(ctx, view, scene, settings, camera, target.size());
        let (pipeline, view) = (&self.raymarch, &*view);
        Self::pass(ctx, target.view, "3d view", load, |pass| {
            pass.set_scissor_rect(0, rows.start, target.width, rows.end - rows.start);
            pipeline.draw(pass, view);
        });
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
        while self.mpr_panes.len() <= pane_slot {
            self.mpr_panes.push(MprDrawData::new(&ctx.device));
        }
        let draw = &mut self.mpr_panes[pane_slot];
        Self::record_mpr(ctx, &mut self.mpr, draw, scene, settings, mpr, target);
    }

    /// Prepares `draw` for a pane and renders it into the target.
    fn record_mpr(
        ctx: &GpuContext,
        pipeline: &mut MprPipeline,
        draw: &mut MprDrawData,
        scene: &FusedScene,
        settings: &RenderSettings,
        mpr: &MprView,
        target: RenderTarget<'_>,
    ) {
        pipeline.prepare(ctx, draw, scene, settings, mpr, target.size());
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
        let target = self.offscreen_target(ctx, width, height)?;
        let draw = &mut self.mpr_image;
        Self::record_mpr(
            ctx,
            &mut self.mpr,
            draw,
            scene,
            settings,
            mpr,
            (&target).into(),
        );
        target.read(ctx)
    }
}
