//! The PET MIP pane in egui: the projection image fitted with square millimetres, drag to
//! turn, wheel to step, click to jump to the hottest voxel along the ray, and the value
//! of the voxel behind the pixel under the mouse.

use std::sync::Arc;

use super::input::{apply_gesture, PaneGesture};
use super::mip_pane::MipSource;
use super::mip_state::{pixel_under, MipPick};
use super::pane_view::{boxed_text, gestures, title, INSET, LABEL_GREY, LABEL_SIZE, LETTER_INSET};
use super::reading::ReadingModel;
use super::state::PaneId;
use crate::analysis::mip::MipProjection;
use crate::annotate::fit_mip;

/// Draws the MIP pane and applies its mouse input; returns whether the input changed
/// something.
pub fn pane(
    ui: &mut egui::Ui,
    model: &mut ReadingModel,
    rect: egui::Rect,
    (projection, egui_texture): (Option<Arc<MipProjection>>, Option<egui::TextureId>),
    source: MipSource,
) -> bool {
    let pane_id = match source {
        MipSource::Baseline => PaneId::Mip,
        MipSource::Followup => PaneId::FollowupMip,
    };
    let response = ui.allocate_rect(rect, egui::Sense::click_and_drag());
    if let Some(tex) = egui_texture {
        // Only where the window takes no copies: the image is pane-sized, background
        // included.
        let uv = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0));
        ui.painter_at(rect)
            .image(tex, rect, uv, egui::Color32::WHITE);
    }
    let image_area = projection.as_ref().map(|p| {
        let (left, top, w, h) = fit_mip((rect.width(), rect.height()), p);
        egui::Rect::from_min_size(rect.min + egui::vec2(left, top), egui::vec2(w, h))
    });
    let mut changed = false;
    for g in gestures(ui, model, pane_id, &response, rect) {
        changed = true;
        match g {
            PaneGesture::Click(_) => {
                if let (Some(pos), Some(p)) = (response.interact_pointer_pos(), &projection) {
                    let local = pos - rect.min;
                    let (x, y) = pixel_under((rect.width(), rect.height()), p, (local.x, local.y));
                    match source {
                        MipSource::Baseline => model.mip_click(x, y),
                        MipSource::Followup => model.followup_mip_click(x, y),
                    };
                }
            }
            g => apply_gesture(model, pane_id, g),
        }
    }
    let shown = Shown {
        projection: projection.as_ref(),
        image_area,
        source,
    };
    annotate(ui, model, rect, &response, shown);
    changed
}

/// What the pane shows: the projection, where its image lies, whose it is.
struct Shown<'a> {
    projection: Option<&'a Arc<MipProjection>>,
    image_area: Option<egui::Rect>,
    source: MipSource,
}

/// The voxel behind a MIP pixel of `source`'s projection, and that study.
fn pick(
    model: &ReadingModel,
    source: MipSource,
    (x, y): (f64, f64),
) -> Option<(MipPick, &crate::study::ViewStudy)> {
    match source {
        MipSource::Baseline => Some((model.mip_pick(x, y)?, model.study.as_ref()?)),
        MipSource::Followup => Some((
            model.followup_mip_pick(x, y)?,
            &model.followup.as_ref()?.study,
        )),
    }
}

/// Title, the side the viewer looks from, and the voxel under the mouse.
fn annotate(
    ui: &egui::Ui,
    model: &ReadingModel,
    rect: egui::Rect,
    response: &egui::Response,
    shown: Shown,
) {
    let Shown {
        projection,
        image_area,
        source,
    } = shown;
    let painter = ui.painter_at(rect);
    let font = egui::FontId::proportional(LABEL_SIZE);
    let grey = egui::Color32::from_gray(LABEL_GREY);
    let pane_id = match source {
        MipSource::Baseline => PaneId::Mip,
        MipSource::Followup => PaneId::FollowupMip,
    };
    let mut head = title(model, pane_id);
    if model.study.as_ref().is_some_and(|s| s.pet.is_none()) {
        head.push_str("  (no PET in this study)");
    } else if projection.is_none() {
        head.push_str("  (computing)");
    }
    boxed_text(
        &painter,
        rect.min + egui::vec2(INSET, LETTER_INSET),
        egui::Align2::LEFT_TOP,
        head,
        font.clone(),
        grey,
    );
    let readout = response.hover_pos().zip(projection).and_then(|(pos, p)| {
        image_area.filter(|a| a.contains(pos))?;
        let local = pos - rect.min;
        let (x, y) = pixel_under((rect.width(), rect.height()), p, (local.x, local.y));
        let (pick, study) = pick(model, source, (x, y))?;
        let q = pick.position;
        let hu = study
            .ct
            .as_ref()
            .and_then(|ct| ct.sample_patient(q.as_dvec3()))
            .map(|hu| format!("  CT {hu:.0} HU"))
            .unwrap_or_default();
        Some(format!(
            "({:.1}, {:.1}, {:.1}) mm  PET {:.2} {}{hu} (hottest voxel on this ray)",
            q.x,
            q.y,
            q.z,
            f64::from(pick.value) * study.pet_display_factor,
            study.pet_units_label
        ))
    });
    if let Some(text) = readout {
        boxed_text(
            &painter,
            egui::pos2(rect.min.x + INSET, rect.max.y - INSET),
            egui::Align2::LEFT_BOTTOM,
            text,
            font,
            grey,
        );
    }
}
