//! The window's graphics: surface, device, pipelines, egui's renderer and input state, and
//! presenting a frame.

use std::path::Path;
use std::sync::Arc;

use winit::event_loop::ActiveEventLoop;
use winit::window::Window;

use crate::render::context::GpuContext;
use crate::render::offscreen::OFFSCREEN_FORMAT;
use crate::render::renderer::Renderer;

/// Colour behind the panes.
const CLEAR: wgpu::Color = wgpu::Color {
    r: 0.08,
    g: 0.08,
    b: 0.09,
    a: 1.0,
};
/// Window size when none is given, in logical pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1280, 860);

/// GPU objects that exist once the window does.
pub struct Graphics {
    pub window: Arc<Window>,
    pub surface: wgpu::Surface<'static>,
    pub config: wgpu::SurfaceConfiguration,
    pub ctx: GpuContext,
    pub renderer: Renderer,
    pub egui_renderer: egui_wgpu::Renderer,
    pub egui_state: egui_winit::State,
}

/// How presenting a frame went.
pub enum Presented {
    Yes,
    /// The surface was outdated or lost and has been reconfigured; draw again.
    Retry,
}

impl Graphics {
    /// Opens the window and sets up the device and surface.
    pub fn new(
        event_loop: &ActiveEventLoop,
        size: (u32, u32),
        egui_ctx: &egui::Context,
    ) -> anyhow::Result<Self> {
        let size = if size.0 > 0 { size } else { DEFAULT_SIZE };
        let attrs = Window::default_attributes()
            .with_title("petct viewer")
            .with_inner_size(winit::dpi::LogicalSize::new(size.0, size.1));
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
        let config = surface_config(&surface, &ctx, window.inner_size())?;
        surface.configure(&ctx.device, &config);
        let egui_renderer =
            egui_wgpu::Renderer::new(&ctx.device, config.format, Default::default());
        let egui_state = egui_winit::State::new(
            egui_ctx.clone(),
            egui::ViewportId::ROOT,
            &window,
            Some(window.scale_factor() as f32),
            None,
            Some(ctx.device.limits().max_texture_dimension_2d as usize),
        );
        tracing::info!("viewer on {}", ctx.adapter_description());
        Ok(Self {
            renderer: Renderer::new(&ctx.device, OFFSCREEN_FORMAT),
            window,
            surface,
            config,
            ctx,
            egui_renderer,
            egui_state,
        })
    }

    /// The largest 3D texture edge the device takes.
    pub fn max_texture_dim(&self) -> usize {
        self.ctx.device.limits().max_texture_dimension_3d as usize
    }

    /// Follows a window resize.
    pub fn resize(&mut self, width: u32, height: u32) {
        self.config.width = width.max(1);
        self.config.height = height.max(1);
        self.surface.configure(&self.ctx.device, &self.config);
    }

    /// Applies egui's texture changes (new font atlas, images).
    pub fn update_textures(&mut self, delta: &egui::TexturesDelta) {
        for (id, images) in &delta.set {
            for image in images {
                self.egui_renderer
                    .update_texture(&self.ctx.device, &self.ctx.queue, *id, image);
            }
        }
    }

    /// Frees egui textures that the last painted frame was the last to use.
    pub fn free_textures(&mut self, ids: &[egui::TextureId]) {
        for id in ids {
            self.egui_renderer.free_texture(id);
        }
    }

    /// Paints egui's output into the window and presents it; `screenshot` saves the frame.
    pub fn present(
        &mut self,
        egui_ctx: &egui::Context,
        shapes: Vec<egui::epaint::ClippedShape>,
        pixels_per_point: f32,
        screenshot: Option<&Path>,
    ) -> anyhow::Result<Presented> {
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.ctx.device, &self.config);
                return Ok(Presented::Retry);
            }
            other => {
                tracing::warn!("surface: {other:?}");
                return Ok(Presented::Retry);
            }
        };
        let view = frame.texture.create_view(&Default::default());
        let jobs = egui_ctx.tessellate(shapes, pixels_per_point);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [self.config.width, self.config.height],
            pixels_per_point,
        };
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        let extra = self.egui_renderer.update_buffers(
            &self.ctx.device,
            &self.ctx.queue,
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
                        load: wgpu::LoadOp::Clear(CLEAR),
                        store: wgpu::StoreOp::Store,
                    },
                })],
                ..Default::default()
            });
            let mut pass = pass.forget_lifetime();
            self.egui_renderer.render(&mut pass, &jobs, &screen);
        }
        self.ctx
            .queue
            .submit(extra.into_iter().chain([encoder.finish()]));
        let saved = screenshot.map(|path| {
            super::capture::save_surface(&self.ctx, &frame.texture, &self.config, path)
        });
        self.window.pre_present_notify();
        self.ctx.queue.present(frame);
        if let Some(result) = saved {
            result?;
        }
        Ok(Presented::Yes)
    }
}

/// A surface configuration for the window: a non-sRGB format (the panes are already in
/// display colours), readable for screenshots where the surface allows it.
fn surface_config(
    surface: &wgpu::Surface,
    ctx: &GpuContext,
    size: winit::dpi::PhysicalSize<u32>,
) -> anyhow::Result<wgpu::SurfaceConfiguration> {
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
        usage |= wgpu::TextureUsages::COPY_SRC;
    }
    Ok(wgpu::SurfaceConfiguration {
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
    })
}
