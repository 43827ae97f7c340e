//! Offscreen textures the panes render into, shown by egui as native textures.

use crate::render::offscreen::OffscreenTarget;

/// A pane's render target and its egui texture id.
pub struct PaneTarget {
    pub target: OffscreenTarget,
    pub texture_id: egui::TextureId,
    /// Whether the texture holds a reduced-quality (interactive) render.
    pub coarse: bool,
}

impl PaneTarget {
    /// Creates or resizes the target so it has `width` x `height` pixels.
    pub fn ensure<'a>(
        slot: &'a mut Option<PaneTarget>,
        device: &wgpu::Device,
        egui_renderer: &mut egui_wgpu::Renderer,
        width: u32,
        height: u32,
    ) -> Option<&'a mut PaneTarget> {
        let (width, height) = (width.max(8), height.max(8));
        let fits = slot
            .as_ref()
            .is_some_and(|p| p.target.width == width && p.target.height == height);
        if !fits {
            let target = OffscreenTarget::new(device, width, height).ok()?;
            match slot {
                Some(p) => {
                    egui_renderer.update_egui_texture_from_wgpu_texture(
                        device,
                        &target.view,
                        wgpu::FilterMode::Linear,
                        p.texture_id,
                    );
                    p.target = target;
                }
                None => {
                    let texture_id = egui_renderer.register_native_texture(
                        device,
                        &target.view,
                        wgpu::FilterMode::Linear,
                    );
                    *slot = Some(PaneTarget {
                        target,
                        texture_id,
                        coarse: false,
                    });
                }
            }
        }
        slot.as_mut()
    }
}
