//! The renderer facade: pipelines built once, drawing a scene into any texture view, and
//! headless rendering to images.

use super::camera::OrbitCamera;
use super::context::{GpuContext, RenderError};
use super::mpr::{MprPane, MprPipeline, MprView};
use super::offscreen::{OffscreenTarget, OFFSCREEN_FORMAT};
use super::raymarch::RaymarchPipeline;
use super::scene::FusedScene;
use super::settings::RenderSettings;

/// Long-lived pipelines for one colour target format.
pub struct Renderer {
    pub raymarch: RaymarchPipeline,
    pub mpr: MprPipeline,
    /// Uniforms for MPR renders through this facade.
    pane: MprPane,
    format: wgpu::TextureFormat,
}

impl Renderer {
    /// Builds the pipelines for a target format.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        Self {
            raymarch: RaymarchPipeline::new(device, format),
            mpr: MprPipeline::new(device, format),
            pane: MprPane::new(device),
            format,
        }
    }

    /// The target format the pipelines were built for.
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    /// Records a clearing render pass into `view`, lets `draw` fill it, and submits it.
    fn pass(
        ctx: &GpuContext,
        view: &wgpu::TextureView,
        label: &str,
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
                        load: wgpu::LoadOp::Clear(wgpu::Color::BLACK),
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

    /// Renders the 3D view into a texture view of the given size.
    #[allow(clippy::too_many_arguments)]
    pub fn render_3d(
        &mut self,
        ctx: &GpuContext,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        view: &wgpu::TextureView,
        width: u32,
        height: u32,
    ) {
        self.raymarch.prepare(
            &ctx.device,
            &ctx.queue,
            scene,
            settings,
            camera,
            width,
            height,
        );
        let pipeline = &self.raymarch;
        Self::pass(ctx, view, "3d view", |pass| pipeline.draw(pass));
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
        self.render_3d(ctx, scene, settings, camera, &target.view, width, height);
        target.read(ctx)
    }

    /// Renders an MPR pane into a texture view of the given size.
    #[allow(clippy::too_many_arguments)]
    pub fn render_mpr(
        &mut self,
        ctx: &GpuContext,
        scene: &FusedScene,
        settings: &RenderSettings,
        mpr: &MprView,
        view: &wgpu::TextureView,
        width: u32,
        height: u32,
    ) {
        self.mpr.prepare(
            &ctx.device,
            &ctx.queue,
            &mut self.pane,
            scene,
            settings,
            mpr,
            width,
            height,
        );
        let (pipeline, pane) = (&self.mpr, &self.pane);
        Self::pass(ctx, view, "mpr", |pass| pipeline.draw(pass, pane));
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
        self.render_mpr(ctx, scene, settings, mpr, &target.view, width, height);
        target.read(ctx)
    }
}
