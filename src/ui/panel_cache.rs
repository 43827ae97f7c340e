//! The side panel, drawn once and copied into every frame until it changes.
//!
//! egui repaints the whole window each frame. On a software renderer its pass over the side
//! panel (several thousand small text triangles) costs 10-15 ms, which is most of a 50 ms
//! frame while the user only rotates or drags in a pane. The panel's shapes are compared
//! with the last frame's; while they are equal its pixels are copied in (well under a
//! millisecond) and egui draws only the rest.
//!
//! A shape belongs to the panel when everything it can paint (its bounds within its clip
//! rectangle) lies inside the panel's rectangle. The rest (panes' labels, pop-ups, windows)
//! is drawn over the copied panel, so a shape outside the panel that egui orders *before*
//! a panel shape must not overlap it; only pop-ups and windows reach over the panel, and
//! egui orders them last anyway.

use crate::render::context::GpuContext;
use crate::render::offscreen::OffscreenTarget;
use crate::render::pipeline_util::color_pass;

/// The cached panel image and what it shows.
pub struct PanelCache {
    /// A renderer of its own: egui-wgpu keeps one frame's buffers per renderer.
    renderer: egui_wgpu::Renderer,
    target: Option<OffscreenTarget>,
    /// What the target shows: shapes, pixels per point and the panel's pixel rectangle.
    drawn: Option<Drawn>,
}

#[derive(PartialEq)]
struct Drawn {
    shapes: Vec<egui::epaint::ClippedShape>,
    pixels_per_point: f32,
    rect: PixelRect,
}

/// A rectangle in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelRect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl PixelRect {
    /// `rect` (points) in pixels, clipped to a window of `size` pixels.
    pub fn of(rect: egui::Rect, pixels_per_point: f32, size: (u32, u32)) -> Option<Self> {
        let px = |v: f32, max: u32| ((v * pixels_per_point).round().max(0.0) as u32).min(max);
        let (x0, y0) = (px(rect.min.x, size.0), px(rect.min.y, size.1));
        let (x1, y1) = (px(rect.max.x, size.0), px(rect.max.y, size.1));
        (x1 > x0 && y1 > y0).then_some(Self {
            x: x0,
            y: y0,
            width: x1 - x0,
            height: y1 - y0,
        })
    }
}

/// Splits a frame's shapes into the panel's (inside `panel`, in order) and the rest.
pub fn split_shapes(
    shapes: Vec<egui::epaint::ClippedShape>,
    panel: egui::Rect,
) -> (
    Vec<egui::epaint::ClippedShape>,
    Vec<egui::epaint::ClippedShape>,
) {
    shapes.into_iter().partition(|s| {
        let bounds = s.transform_after_tessellation * s.shape.visual_bounding_rect();
        let painted = bounds.intersect(s.clip_rect);
        !painted.is_positive() || panel.contains_rect(painted)
    })
}

impl PanelCache {
    /// An empty cache drawing in the window's format.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        Self {
            renderer: egui_wgpu::Renderer::new(device, format, super::graphics::egui_options()),
            target: None,
            drawn: None,
        }
    }

    /// Applies egui's texture changes (the panel draws with the same font atlas); any
    /// change redraws the panel.
    pub fn update_textures(&mut self, ctx: &GpuContext, delta: &egui::TexturesDelta) {
        for (id, images) in &delta.set {
            for image in images {
                self.renderer
                    .update_texture(&ctx.device, &ctx.queue, *id, image);
            }
        }
        if !delta.set.is_empty() {
            self.drawn = None;
        }
    }

    /// Frees textures egui no longer uses.
    pub fn free_textures(&mut self, ids: &[egui::TextureId]) {
        for id in ids {
            self.renderer.free_texture(id);
        }
    }

    /// Whether these panel shapes can be drawn by the cache: only egui's own textures are
    /// known to it (a pane image belongs to the main renderer).
    pub fn can_draw(shapes: &[egui::epaint::ClippedShape]) -> bool {
        shapes
            .iter()
            .all(|s| matches!(s.shape.texture_id(), egui::TextureId::Managed(_)))
    }

    /// Redraws the panel into the cache if its shapes or placement changed, then copies
    /// it into `window` (of `size` pixels). Gives the shapes back (and copies nothing)
    /// when the cache has no target; the caller then draws them itself.
    #[allow(clippy::too_many_arguments)]
    pub fn draw_and_copy(
        &mut self,
        ctx: &GpuContext,
        egui_ctx: &egui::Context,
        encoder: &mut wgpu::CommandEncoder,
        shapes: Vec<egui::epaint::ClippedShape>,
        pixels_per_point: f32,
        rect: PixelRect,
        window: &wgpu::Texture,
        size: (u32, u32),
    ) -> Result<(), Vec<egui::epaint::ClippedShape>> {
        // The target reaches from the window's corner to the panel's far corner (for a
        // panel docked left, just the panel): egui's coordinates then need no shift, and
        // a software rasterizer touches no pixel beyond the panel.
        let extent = (
            (rect.x + rect.width).min(size.0),
            (rect.y + rect.height).min(size.1),
        );
        if !self.ensure_target(ctx, extent, window.format()) {
            return Err(shapes);
        }
        let wanted = Drawn {
            shapes,
            pixels_per_point,
            rect,
        };
        if self.drawn.as_ref() != Some(&wanted) {
            self.paint(ctx, egui_ctx, encoder, &wanted, extent);
            self.drawn = Some(wanted);
        }
        if let Some(target) = &self.target {
            copy_rect(encoder, &target.texture, window, rect);
        }
        Ok(())
    }

    /// Makes sure the target has `extent` pixels; false when it cannot be created.
    fn ensure_target(
        &mut self,
        ctx: &GpuContext,
        extent: (u32, u32),
        format: wgpu::TextureFormat,
    ) -> bool {
        let fits = self
            .target
            .as_ref()
            .is_some_and(|t| (t.width, t.height) == extent);
        if !fits {
            self.drawn = None;
            self.target =
                OffscreenTarget::with_format(&ctx.device, extent.0, extent.1, format).ok();
        }
        self.target.is_some()
    }

    /// Draws the panel's shapes into the target (of `extent` pixels).
    fn paint(
        &mut self,
        ctx: &GpuContext,
        egui_ctx: &egui::Context,
        encoder: &mut wgpu::CommandEncoder,
        wanted: &Drawn,
        extent: (u32, u32),
    ) {
        let Some(target) = &self.target else {
            return;
        };
        let jobs = egui_ctx.tessellate(wanted.shapes.clone(), wanted.pixels_per_point);
        let screen = egui_wgpu::ScreenDescriptor {
            size_in_pixels: [extent.0, extent.1],
            pixels_per_point: wanted.pixels_per_point,
        };
        let extra = self
            .renderer
            .update_buffers(&ctx.device, &ctx.queue, encoder, &jobs, &screen);
        // Command buffers egui's callbacks return (none here) go first.
        if !extra.is_empty() {
            ctx.queue.submit(extra);
        }
        let pass = color_pass(
            encoder,
            &target.view,
            "side panel",
            wgpu::LoadOp::Clear(super::graphics::CLEAR),
        );
        let mut pass = pass.forget_lifetime();
        self.renderer.render(&mut pass, &jobs, &screen);
    }
}

/// Copies `rect` of `from` to the same place in `to`.
fn copy_rect(
    encoder: &mut wgpu::CommandEncoder,
    from: &wgpu::Texture,
    to: &wgpu::Texture,
    rect: PixelRect,
) {
    let at = |texture| wgpu::TexelCopyTextureInfo {
        texture,
        mip_level: 0,
        origin: wgpu::Origin3d {
            x: rect.x,
            y: rect.y,
            z: 0,
        },
        aspect: wgpu::TextureAspect::All,
    };
    encoder.copy_texture_to_texture(
        at(from),
        at(to),
        wgpu::Extent3d {
            width: rect.width,
            height: rect.height,
            depth_or_array_layers: 1,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::epaint::{ClippedShape, Shape};
    use egui::{pos2, Color32, Rect};

    fn rect_shape(r: Rect, clip: Rect) -> ClippedShape {
        ClippedShape::new(clip, Shape::rect_filled(r, 0.0, Color32::RED))
    }

    #[test]
    fn shapes_inside_the_panel_are_the_panels_and_keep_their_order() {
        let panel = Rect::from_min_max(pos2(0.0, 0.0), pos2(300.0, 800.0));
        let screen = Rect::from_min_max(pos2(0.0, 0.0), pos2(1280.0, 860.0));
        let inside = rect_shape(
            Rect::from_min_max(pos2(10.0, 10.0), pos2(50.0, 20.0)),
            screen,
        );
        let fill = rect_shape(panel, screen);
        let pane_label = rect_shape(
            Rect::from_min_max(pos2(400.0, 10.0), pos2(450.0, 20.0)),
            screen,
        );
        // Reaches over the panel's edge, but its clip rectangle keeps it inside.
        let clipped = rect_shape(
            Rect::from_min_max(pos2(250.0, 0.0), pos2(350.0, 5.0)),
            panel,
        );
        let popup = rect_shape(
            Rect::from_min_max(pos2(250.0, 100.0), pos2(500.0, 200.0)),
            screen,
        );
        let (in_panel, rest) = split_shapes(
            vec![
                fill.clone(),
                inside.clone(),
                pane_label.clone(),
                clipped.clone(),
                popup.clone(),
            ],
            panel,
        );
        assert_eq!(in_panel, vec![fill, inside, clipped]);
        assert_eq!(rest, vec![pane_label, popup]);
    }

    #[test]
    fn pixel_rectangles_are_clipped_to_the_window() {
        let r = Rect::from_min_max(pos2(-5.0, 0.0), pos2(300.0, 900.0));
        let px = PixelRect::of(r, 1.5, (1280, 860)).unwrap();
        assert_eq!((px.x, px.y, px.width, px.height), (0, 0, 450, 860));
        assert!(PixelRect::of(r, 1.0, (0, 0)).is_none());
    }
}
