//! The window's graphics: surface, device, pipelines, egui's renderer and input state, and
//! presenting a frame.

use std::path::Path;
use std::sync::Arc;

use winit::event_loop::ActiveEventLoop;
use winit::window::Window;

use crate::render::context::GpuContext;
use crate::render::offscreen::{OffscreenTarget, OFFSCREEN_FORMAT};
use crate::render::pipeline_util::color_pass;
use crate::render::renderer::Renderer;
use crate::render::scene::{FusedScene, PreparedScene};

use super::panel_cache::{self, PanelCache, PixelRect};

/// Colour behind the panes.
pub(super) const CLEAR: wgpu::Color = wgpu::Color {
    r: 0.08,
    g: 0.08,
    b: 0.09,
    a: 1.0,
};
/// Edge of the target pipelines are warmed up on, pixels.
const WARM_UP_EDGE: u32 = 8;
/// Window size when none is given, in logical pixels.
pub const DEFAULT_SIZE: (u32, u32) = (1280, 860);

/// GPU objects that exist once the window does.
pub struct Graphics {
    pub window: Arc<Window>,
    pub surface: wgpu::Surface<'static>,
    pub config: wgpu::SurfaceConfiguration,
    pub ctx: GpuContext,
    /// Pipelines for offscreen images (key frames).
    pub renderer: Renderer,
    /// Pipelines for the panes, in the window's format so finished pane images are copied
    /// into the window instead of drawn (a full-window draw costs tens of ms in software).
    pub pane_renderer: Renderer,
    /// Whether the window accepts copies (else egui draws the pane images).
    pub copy_panes: bool,
    /// Whether the device rasterizes on the CPU (Mesa's llvmpipe).
    software: bool,
    /// Frames in a row whose surface texture could not be had (see [`Presented::Lost`]).
    surface_failures: u32,
    pub egui_renderer: egui_wgpu::Renderer,
    /// The side panel's last image (see [`super::panel_cache`]).
    panel_cache: PanelCache,
    pub egui_state: egui_winit::State,
}

/// A finished pane image copied into the window at `origin` (physical pixels).
pub struct PaneCopy<'a> {
    pub texture: &'a wgpu::Texture,
    pub origin: (u32, u32),
}

/// How presenting a frame went.
pub enum Presented {
    Yes,
    /// The surface was outdated or lost and has been reconfigured; draw again.
    Retry,
    /// The device is lost, or the surface stayed lost through [`MAX_SURFACE_FAILURES`]
    /// reconfigurations: only [`Graphics::rebuild`] can draw again.
    Lost,
}

/// Frames in a row without a surface texture before the surface counts as lost for good.
pub const MAX_SURFACE_FAILURES: u32 = 3;

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
        let (surface, ctx, config) = connect(&window)?;
        surface.configure(&ctx.device, &config);
        let egui_renderer = egui_wgpu::Renderer::new(&ctx.device, config.format, egui_options());
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
            panel_cache: PanelCache::new(&ctx.device, config.format),
            renderer: Renderer::new(&ctx.device, OFFSCREEN_FORMAT),
            pane_renderer: Renderer::new(&ctx.device, config.format),
            copy_panes: config.usage.contains(wgpu::TextureUsages::COPY_DST),
            software: ctx.adapter.get_info().device_type == wgpu::DeviceType::Cpu,
            surface_failures: 0,
            window,
            surface,
            config,
            ctx,
            egui_renderer,
            egui_state,
        })
    }

    /// Replaces the device, the surface and everything made on them (pipelines, egui's
    /// renderer, the panel cache) with new ones for the same window, after a device loss
    /// or a surface that reconfiguring does not bring back. The window and egui's input
    /// state stay. On an error nothing has changed, and it can be tried again.
    pub fn rebuild(&mut self) -> anyhow::Result<()> {
        let (surface, ctx, config) = connect(&self.window)?;
        // The old surface (and its swap chain) goes before the new one is configured: a
        // window takes one swap chain at a time.
        self.surface = surface;
        self.surface.configure(&ctx.device, &config);
        self.panel_cache = PanelCache::new(&ctx.device, config.format);
        self.renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
        self.pane_renderer = Renderer::new(&ctx.device, config.format);
        self.egui_renderer = egui_wgpu::Renderer::new(&ctx.device, config.format, egui_options());
        self.copy_panes = config.usage.contains(wgpu::TextureUsages::COPY_DST);
        self.software = ctx.adapter.get_info().device_type == wgpu::DeviceType::Cpu;
        self.surface_failures = 0;
        self.egui_state
            .set_max_texture_side(ctx.device.limits().max_texture_dimension_2d as usize);
        self.config = config;
        // The lost context goes last, after everything made on it.
        self.ctx = ctx;
        tracing::info!("graphics recreated on {}", self.ctx.adapter_description());
        Ok(())
    }

    /// Draws every pipeline once into a tiny target, so that drivers that compile shader
    /// variants at first use (Mesa's software Vulkan does) do it while a study opens, not
    /// at the first mode switch or key frame.
    pub fn warm_up(&mut self, scene: &mut FusedScene) {
        let formats = [(self.config.format, true), (OFFSCREEN_FORMAT, false)];
        for (format, panes) in formats {
            let Ok(target) =
                OffscreenTarget::with_format(&self.ctx.device, WARM_UP_EDGE, WARM_UP_EDGE, format)
            else {
                continue;
            };
            let renderer = if panes {
                &mut self.pane_renderer
            } else {
                &mut self.renderer
            };
            let camera = crate::render::camera::OrbitCamera::framing(
                scene.display_bounds().0,
                scene.display_bounds().1,
            );
            for mode in crate::render::settings::RenderMode::ALL {
                let settings = crate::render::settings::RenderSettings {
                    mode,
                    ..Default::default()
                };
                // Every way the viewer draws 3D: whole, in parts, spread out.
                renderer.render_3d(&self.ctx, scene, &settings, &camera, (&target).into());
                let rows = Renderer::part_rows(WARM_UP_EDGE, WARM_UP_EDGE);
                renderer.render_3d_part(
                    &self.ctx,
                    scene,
                    &settings,
                    &camera,
                    (&target).into(),
                    0..rows,
                );
                renderer.render_3d_spread(
                    &self.ctx,
                    scene,
                    &settings,
                    &camera,
                    &target,
                    (WARM_UP_EDGE, WARM_UP_EDGE),
                );
            }
            let view = crate::render::mpr::MprView::new(
                crate::render::mpr::MprOrientation::Axial,
                glam::Vec3::ZERO,
            );
            renderer.render_mpr(
                &self.ctx,
                scene,
                &Default::default(),
                &view,
                (&target).into(),
                0,
            );
        }
    }

    /// Uploads a prepared scene and drops its hold on the CPU texels, which only the tests'
    /// CPU reference reads after the upload (a lost device is recovered by preparing again).
    pub fn upload_scene(&self, prepared: PreparedScene) -> FusedScene {
        let mut scene = FusedScene::upload(&self.ctx.device, &self.ctx.queue, prepared);
        scene.release_cpu_texels();
        scene
    }

    /// Prepares a study's volumes again and uploads them (after a lost device).
    pub fn upload_study(&self, study: &crate::study::ViewStudy) -> FusedScene {
        let prepared = PreparedScene::new(
            study.ct.as_ref(),
            study.pet.as_deref(),
            study.pet_display_factor as f32,
            self.max_texture_dim(),
        );
        self.upload_scene(prepared)
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
        self.panel_cache.update_textures(&self.ctx, delta);
    }

    /// Frees egui textures that the last painted frame was the last to use.
    pub fn free_textures(&mut self, ids: &[egui::TextureId]) {
        for id in ids {
            self.egui_renderer.free_texture(id);
        }
        self.panel_cache.free_textures(ids);
    }

    /// Copies the finished pane images and the side panel (`panel`, in points; redrawn
    /// only when it changed) into the window, paints the rest of egui's output over them
    /// and presents; `screenshot` saves the frame.
    pub fn present(
        &mut self,
        egui_ctx: &egui::Context,
        out: FrameOutput,
    ) -> anyhow::Result<Presented> {
        if self.ctx.is_lost() {
            return Ok(Presented::Lost);
        }
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f)
            | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            failed => return Ok(self.surface_failed(failed)),
        };
        self.surface_failures = 0;
        let size = (self.config.width, self.config.height);
        let view = frame.texture.create_view(&Default::default());
        let mut encoder = self.ctx.device.create_command_encoder(&Default::default());
        clear(&mut encoder, &view);
        for c in out.copies {
            copy_into(&mut encoder, c, &frame.texture, size);
        }
        let ppp = out.pixels_per_point;
        let shapes = self.copy_panel(
            egui_ctx,
            &mut encoder,
            out.shapes,
            out.panel,
            ppp,
            &frame.texture,
        );
        let jobs = egui_ctx.tessellate(shapes, ppp);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [size.0, size.1],
            pixels_per_point: ppp,
        };
        let extra = self.egui_renderer.update_buffers(
            &self.ctx.device,
            &self.ctx.queue,
            &mut encoder,
            &jobs,
            &screen,
        );
        {
            let pass = color_pass(&mut encoder, &view, "egui", wgpu::LoadOp::Load);
            let mut pass = pass.forget_lifetime();
            self.egui_renderer.render(&mut pass, &jobs, &screen);
        }
        self.ctx
            .queue
            .submit(extra.into_iter().chain([encoder.finish()]));
        if self.software {
            // A software rasterizer draws on the CPU cores the next frame's work would run
            // on: finishing this frame first keeps frames short and even (measured: 40-45
            // ms rather than 50-75 ms per rotation step on two cores).
            let _ = self.ctx.device.poll(wgpu::PollType::wait_indefinitely());
        }
        let saved = out.screenshot.map(|path| {
            super::capture::save_surface(&self.ctx, &frame.texture, &self.config, path)
        });
        self.window.pre_present_notify();
        self.ctx.queue.present(frame);
        if let Some(result) = saved {
            result?;
        }
        Ok(Presented::Yes)
    }

    /// Handles a frame without a surface texture: reconfigures an outdated or lost surface
    /// and says to draw again, until the failures in a row say the surface is lost for good.
    fn surface_failed(&mut self, failed: wgpu::CurrentSurfaceTexture) -> Presented {
        match failed {
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => {
                return Presented::Retry
            }
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.ctx.device, &self.config);
            }
            other => tracing::warn!("surface: {other:?}"),
        }
        self.surface_failures += 1;
        if self.surface_failures >= MAX_SURFACE_FAILURES {
            Presented::Lost
        } else {
            Presented::Retry
        }
    }

    /// Copies the side panel's cached image into the window (redrawing it first if its
    /// shapes changed) and returns the shapes egui still has to draw: all of them where
    /// the window takes no copies or the panel cannot be cached.
    fn copy_panel(
        &mut self,
        egui_ctx: &egui::Context,
        encoder: &mut wgpu::CommandEncoder,
        shapes: Vec<egui::epaint::ClippedShape>,
        panel: Option<egui::Rect>,
        ppp: f32,
        window: &wgpu::Texture,
    ) -> Vec<egui::epaint::ClippedShape> {
        let size = (self.config.width, self.config.height);
        let Some(rect) = panel.filter(|_| self.copy_panes) else {
            return shapes;
        };
        let Some(px) = PixelRect::of(rect, ppp, size) else {
            return shapes;
        };
        let (mut inside, rest) = panel_cache::split_shapes(shapes, rect);
        if !PanelCache::can_draw(&inside) {
            inside.extend(rest);
            return inside;
        }
        match self
            .panel_cache
            .draw_and_copy(&self.ctx, egui_ctx, encoder, inside, ppp, px, window, size)
        {
            Ok(()) => rest,
            Err(mut inside) => {
                inside.extend(rest);
                inside
            }
        }
    }
}

/// What a frame puts in the window.
pub struct FrameOutput<'a> {
    /// egui's shapes.
    pub shapes: Vec<egui::epaint::ClippedShape>,
    pub pixels_per_point: f32,
    /// Finished pane images copied in under egui's shapes.
    pub copies: &'a [PaneCopy<'a>],
    /// The side panel's rectangle in points, to cache its image.
    pub panel: Option<egui::Rect>,
    /// Where to save the frame.
    pub screenshot: Option<&'a Path>,
}

/// egui's renderer without dithering: dithering adds noise to pane images it draws (grey
/// levels of a medical image must stay as rendered), and costs time in a software renderer.
pub(super) fn egui_options() -> egui_wgpu::RendererOptions {
    egui_wgpu::RendererOptions {
        dithering: false,
        ..Default::default()
    }
}

/// Clears the window to the background colour.
fn clear(encoder: &mut wgpu::CommandEncoder, view: &wgpu::TextureView) {
    color_pass(encoder, view, "clear", wgpu::LoadOp::Clear(CLEAR));
}

/// Copies a pane image into the window, clipped to the window.
fn copy_into(
    encoder: &mut wgpu::CommandEncoder,
    c: &PaneCopy,
    window: &wgpu::Texture,
    window_size: (u32, u32),
) {
    let size = c.texture.size();
    let width = size.width.min(window_size.0.saturating_sub(c.origin.0));
    let height = size.height.min(window_size.1.saturating_sub(c.origin.1));
    if width == 0 || height == 0 {
        return;
    }
    encoder.copy_texture_to_texture(
        c.texture.as_image_copy(),
        wgpu::TexelCopyTextureInfo {
            texture: window,
            mip_level: 0,
            origin: wgpu::Origin3d {
                x: c.origin.0,
                y: c.origin.1,
                z: 0,
            },
            aspect: wgpu::TextureAspect::All,
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
}

/// A device, a surface and its configuration (not yet applied) for the window, on an adapter that can present to it.
fn connect(
    window: &Arc<Window>,
) -> anyhow::Result<(
    wgpu::Surface<'static>,
    GpuContext,
    wgpu::SurfaceConfiguration,
)> {
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
    Ok((surface, ctx, config))
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
    // Screenshots read the window back; finished pane images are copied in.
    for extra in [wgpu::TextureUsages::COPY_SRC, wgpu::TextureUsages::COPY_DST] {
        if caps.usages.contains(extra) {
            usage |= extra;
        }
    }
    Ok(wgpu::SurfaceConfiguration {
        usage,
        format,
        width: size.width.max(1),
        height: size.height.max(1),
        present_mode: wgpu::PresentMode::AutoNoVsync,
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
