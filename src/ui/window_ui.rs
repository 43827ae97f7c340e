//! The egui layer of a frame: shortcuts, the side panel, the status bar, the panes and the
//! help window, or demo mode's full-window 3D view.

use std::collections::HashMap;

use super::graphics::PaneCopy;
use super::mip_pane::{MipPane, MipSource};
use super::mip_view;
use super::pane_renderer::PaneRenderer;
use super::pane_view;
use super::panels::{self, Action, PanelText};
use super::reading::ReadingModel;
use super::state::PaneId;

/// What the layout produced for the rest of the frame.
#[derive(Default)]
pub struct Laid {
    /// Pane rectangles in points.
    pub rects: HashMap<PaneId, egui::Rect>,
    /// Pane sizes in physical pixels.
    pub pixels: HashMap<PaneId, (u32, u32)>,
    /// Panes drawn without an egui texture: their finished image is copied into the window.
    pub copied: Vec<PaneId>,
    /// The side panel's rectangle in points (see [`super::panel_cache`]).
    pub panel: Option<egui::Rect>,
    /// The pane under the pointer: the one the user works in, drawn first.
    pub hovered: Option<PaneId>,
}

impl Laid {
    /// The finished pane images this layout leaves to be copied into the window, with
    /// their origins in physical pixels (`ppp`: pixels per point).
    pub fn copies<'a>(
        &self,
        panes: &'a PaneRenderer,
        (mip, followup_mip): (Option<&'a wgpu::Texture>, Option<&'a wgpu::Texture>),
        ppp: f32,
    ) -> Vec<PaneCopy<'a>> {
        self.copied
            .iter()
            .filter_map(|&pane| {
                let texture = match pane {
                    PaneId::Mip => mip?,
                    PaneId::FollowupMip => followup_mip?,
                    p => panes.full_texture(p)?,
                };
                let r = self.rects.get(&pane)?;
                let origin = (
                    (r.min.x * ppp).round() as u32,
                    (r.min.y * ppp).round() as u32,
                );
                Some(PaneCopy { texture, origin })
            })
            .collect()
    }
}

/// Where the panes' images come from: the GPU pane renderer, and the MIP pane's texture.
pub struct PaneImages<'a> {
    pub panes: &'a PaneRenderer,
    pub mip: &'a mut MipPane,
    /// The follow-up's MIP pane.
    pub followup_mip: &'a mut MipPane,
}

/// Draws the UI, applying edits to the model and collecting actions.
pub fn draw(
    ui: &mut egui::Ui,
    model: &mut ReadingModel,
    text: &mut PanelText,
    images: PaneImages,
    loading: Option<super::loader::LoadStatus>,
    previous: &Laid,
    actions: &mut Vec<Action>,
) -> Laid {
    let PaneImages {
        panes,
        mip,
        followup_mip,
    } = images;
    let ctx = ui.ctx().clone();
    let hovered = hovered_pane(&ctx, &previous.rects);
    if super::shortcuts::apply(&ctx, model, hovered).key_frame {
        actions.push(Action::KeyFrame(PaneId::ThreeD, None));
    }
    if model.view.demo {
        return demo(
            ui,
            model,
            PaneImages {
                panes,
                mip,
                followup_mip,
            },
        );
    }
    let panel = egui::Panel::left("controls")
        .resizable(false)
        .exact_size(panels::SIDE_PANEL_WIDTH)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .show(ui, |ui| panels::side_panel(ui, model, text, actions));
        })
        .response
        .rect;
    egui::Panel::bottom("status").show(ui, |ui| panels::status_bar(ui, model, loading, actions));
    let mut laid = Laid::default();
    egui::CentralPanel::no_frame().show(ui, |ui| {
        let full = ui.available_rect_before_wrap();
        let rects = pane_view::layout(full, &model.view);
        let images = PaneImages {
            panes,
            mip,
            followup_mip,
        };
        laid = panes_in(ui, model, images, rects);
    });
    laid.panel = Some(panel);
    laid.hovered = hovered;
    if model.view.show_help {
        let mut open = true;
        egui::Window::new("Help (F1)")
            .open(&mut open)
            .show(&ctx, |ui| {
                ui.label(super::HELP);
            });
        model.view.show_help = open;
    }
    laid
}

/// Draws panes in their rectangles.
fn panes_in(
    ui: &mut egui::Ui,
    model: &mut ReadingModel,
    images: PaneImages,
    rects: HashMap<PaneId, egui::Rect>,
) -> Laid {
    let PaneImages {
        panes,
        mip,
        followup_mip,
    } = images;
    let ppp = ui.ctx().pixels_per_point();
    let mut laid = Laid::default();
    for (pane, rect) in rects {
        laid.pixels.insert(pane, pane_view::pixels(rect, ppp));
        laid.rects.insert(pane, rect);
        if pane == PaneId::Mip {
            if mip.copied_texture().is_some() {
                laid.copied.push(pane);
            }
            let shown = (mip.projection(), mip.egui_texture());
            mip_view::pane(ui, model, rect, shown, MipSource::Baseline);
            continue;
        }
        if pane == PaneId::FollowupMip {
            if followup_mip.copied_texture().is_some() {
                laid.copied.push(pane);
            }
            let shown = (followup_mip.projection(), followup_mip.egui_texture());
            mip_view::pane(ui, model, rect, shown, MipSource::Followup);
            continue;
        }
        let texture = panes.texture(pane);
        if texture.is_none() {
            laid.copied.push(pane);
        }
        pane_view::pane(ui, model, pane, rect, texture);
    }
    laid
}

/// Demo mode: the 3D view fills the window above large buttons; no patient identifiers.
fn demo(ui: &mut egui::Ui, model: &mut ReadingModel, images: PaneImages) -> Laid {
    egui::Panel::bottom("demo controls").show(ui, |ui| panels::demo_controls(ui, model));
    let mut laid = Laid::default();
    egui::CentralPanel::no_frame().show(ui, |ui| {
        let full = ui.available_rect_before_wrap();
        laid = panes_in(ui, model, images, HashMap::from([(PaneId::ThreeD, full)]));
    });
    laid
}

fn hovered_pane(ctx: &egui::Context, rects: &HashMap<PaneId, egui::Rect>) -> Option<PaneId> {
    let pos = ctx.input(|i| i.pointer.hover_pos())?;
    rects.iter().find(|(_, r)| r.contains(pos)).map(|(p, _)| *p)
}
