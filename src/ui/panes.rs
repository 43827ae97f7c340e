//! Pane textures: each pane renders into an offscreen target that egui shows as a native
//! texture. The 3D pane's one texture id points at the coarse image while interacting and
//! at the full-quality target once it is complete, so egui never shows a half-refined one.

use std::collections::HashMap;

use super::state::PaneId;
use crate::render::context::GpuContext;
use crate::render::offscreen::OffscreenTarget;

/// Smallest pane target edge in pixels.
const MIN_EDGE: u32 = 8;

/// Which image the texture id shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    Full,
    Other,
}

/// A pane's full-quality target and the egui texture that shows it (or the coarse image).
pub struct PaneTexture {
    pub full: OffscreenTarget,
    pub id: egui::TextureId,
    shown: Shown,
    /// The part of the shown texture that holds the image (the coarse image fills only
    /// the corner of a target kept at the pane's size).
    pub uv: egui::Rect,
}

/// The whole texture.
const FULL_UV: egui::Rect = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));

impl PaneTexture {
    /// The pane's texture with a full-quality target of `size`, created or resized.
    pub fn ensure<'a>(
        map: &'a mut HashMap<PaneId, PaneTexture>,
        pane: PaneId,
        ctx: &GpuContext,
        egui: &mut egui_wgpu::Renderer,
        size: (u32, u32),
        format: wgpu::TextureFormat,
    ) -> Option<&'a mut PaneTexture> {
        let (w, h) = (size.0.max(MIN_EDGE), size.1.max(MIN_EDGE));
        let fits = map
            .get(&pane)
            .is_some_and(|t| t.full.width == w && t.full.height == h);
        if !fits {
            let full = OffscreenTarget::with_format(&ctx.device, w, h, format).ok()?;
            match map.get_mut(&pane) {
                Some(t) => {
                    t.full = full;
                    t.shown = Shown::Other;
                    t.show_full(ctx, egui);
                }
                None => {
                    let id = egui.register_native_texture(
                        &ctx.device,
                        &full.view,
                        wgpu::FilterMode::Linear,
                    );
                    map.insert(
                        pane,
                        PaneTexture {
                            full,
                            id,
                            shown: Shown::Full,
                            uv: FULL_UV,
                        },
                    );
                }
            }
        }
        map.get_mut(&pane)
    }

    /// Whether the texture shows the full-quality target (not the coarse image).
    pub fn showing_full(&self) -> bool {
        self.shown == Shown::Full
    }

    /// Points the texture at the full-quality target.
    pub fn show_full(&mut self, ctx: &GpuContext, egui: &mut egui_wgpu::Renderer) {
        if self.shown != Shown::Full {
            egui.update_egui_texture_from_wgpu_texture(
                &ctx.device,
                &self.full.view,
                wgpu::FilterMode::Linear,
                self.id,
            );
            self.shown = Shown::Full;
        }
        self.uv = FULL_UV;
    }

    /// Points the texture at the part `uv` of another image (the coarse 3D render).
    pub fn show(
        &mut self,
        ctx: &GpuContext,
        egui: &mut egui_wgpu::Renderer,
        view: &wgpu::TextureView,
        uv: egui::Rect,
    ) {
        egui.update_egui_texture_from_wgpu_texture(
            &ctx.device,
            view,
            wgpu::FilterMode::Linear,
            self.id,
        );
        self.shown = Shown::Other;
        self.uv = uv;
    }
}
