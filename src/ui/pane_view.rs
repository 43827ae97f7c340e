//! The panes in egui: layout, the pane images, their titles, orientation letters and value
//! readouts, and the mouse turned into gestures (see [`super::input`]).

use std::collections::HashMap;

use glam::{Vec2, Vec3};

use crate::render::mpr::SliceContent;

use super::input::{apply_gesture, DragButton, PaneGesture};
use super::measure_view;
use super::reading::ReadingModel;
use super::state::{Layout, PaneId, ViewerState};

/// Gap between panes in points.
const PANE_GAP: f32 = 1.0;
/// Text size and colours of pane annotations.
pub(super) const LABEL_SIZE: f32 = 13.0;
pub(super) const LABEL_GREY: u8 = 230;
const LETTER_COLOUR: egui::Color32 = egui::Color32::from_rgb(255, 220, 120);
/// 3D panning: patient mm per point for each mm of camera distance.
const PAN_MM_PER_POINT_PER_MM: f32 = 0.001;
/// Box behind pane annotations: colour and margin (points).
const LABEL_BOX: egui::Color32 = egui::Color32::from_black_alpha(150);
const LABEL_BOX_MARGIN: f32 = 2.0;
/// Inset of pane annotations from the pane's edges, points.
pub(super) const INSET: f32 = 6.0;
pub(super) const LETTER_INSET: f32 = 4.0;

/// Share of the width the PET-CT layout gives its MIP column.
const MIP_COLUMN_SHARE: f32 = 0.25;

/// Lays out the view's panes in `full`: its layout's grid, or one maximised pane.
pub fn layout(full: egui::Rect, view: &ViewerState) -> HashMap<PaneId, egui::Rect> {
    if let Some(p) = view.maximised {
        return HashMap::from([(p, full)]);
    }
    let panes = view.layout_panes();
    match view.layout {
        Layout::Quad => grid(full, &panes, 2, 2),
        Layout::Row => grid(full, &panes, 3, 1),
        // Baseline left, follow-up right; axial above coronal.
        Layout::Followup => grid(full, &panes, 2, 3),
        Layout::PetCt => {
            let split = full.min.x + full.width() * (1.0 - MIP_COLUMN_SHARE);
            let left = egui::Rect::from_min_max(full.min, egui::pos2(split, full.max.y));
            let right = egui::Rect::from_min_max(egui::pos2(split, full.min.y), full.max);
            let slices: Vec<PaneId> = panes
                .iter()
                .copied()
                .filter(|p| *p != PaneId::Mip)
                .collect();
            let mut rects = grid(left, &slices, 3, 3);
            rects.insert(PaneId::Mip, right.shrink(PANE_GAP));
            rects
        }
    }
}

/// `panes` row by row in a `columns` x `rows` grid over `full`.
fn grid(
    full: egui::Rect,
    panes: &[PaneId],
    columns: usize,
    rows: usize,
) -> HashMap<PaneId, egui::Rect> {
    let cell = egui::vec2(
        full.width() / columns.max(1) as f32,
        full.height() / rows.max(1) as f32,
    );
    panes
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let min =
                full.min + egui::vec2((i % columns) as f32 * cell.x, (i / columns) as f32 * cell.y);
            (p, egui::Rect::from_min_size(min, cell).shrink(PANE_GAP))
        })
        .collect()
}

/// Physical pixel size of a rectangle.
pub fn pixels(rect: egui::Rect, pixels_per_point: f32) -> (u32, u32) {
    (
        (rect.width() * pixels_per_point) as u32,
        (rect.height() * pixels_per_point) as u32,
    )
}

/// Draws one pane and applies its mouse input to the model; returns whether the input
/// changed something.
pub fn pane(
    ui: &mut egui::Ui,
    model: &mut ReadingModel,
    pane: PaneId,
    rect: egui::Rect,
    texture: Option<(egui::TextureId, egui::Rect)>,
) -> bool {
    let sense = egui::Sense::click_and_drag();
    let response = match texture {
        Some((tex, uv)) => ui.put(
            rect,
            egui::Image::new((tex, rect.size()))
                .uv(uv)
                .fit_to_exact_size(rect.size())
                .sense(sense),
        ),
        None => ui.allocate_rect(rect, sense),
    };
    // Measurements are made on the baseline: a pane showing the follow-up has none.
    let plane = model
        .view
        .mpr_view(pane)
        .filter(|_| !model.shows_followup(pane))
        .map(|v| v.plane(model.view.bounds, rect.width() as u32, rect.height() as u32));
    // The active measuring tool takes the left button in slice panes.
    let measuring = plane
        .as_ref()
        .is_some_and(|plane| measure_view::gestures(model, plane, rect, &response));
    let mut gestures = gestures(ui, model, pane, &response, rect);
    if measuring {
        gestures.retain(|g| {
            !matches!(
                g,
                PaneGesture::Click(_)
                    | PaneGesture::Drag {
                        button: DragButton::Left,
                        ..
                    }
            )
        });
    }
    let changed = measuring || !gestures.is_empty();
    for g in gestures {
        apply_gesture(model, pane, g);
    }
    labels(ui, model, pane, &response, rect);
    if let Some(plane) = &plane {
        measure_view::draw(&ui.painter_at(rect), model, plane, rect);
    }
    changed
}

/// The gestures of this frame's mouse input in a pane.
pub(super) fn gestures(
    ui: &egui::Ui,
    model: &ReadingModel,
    pane: PaneId,
    r: &egui::Response,
    rect: egui::Rect,
) -> Vec<PaneGesture> {
    if r.double_clicked() {
        return vec![PaneGesture::DoubleClick];
    }
    let mut out = Vec::new();
    let d = r.drag_delta();
    let delta = Vec2::new(d.x, d.y);
    for (egui_button, button) in [
        (egui::PointerButton::Primary, DragButton::Left),
        (egui::PointerButton::Secondary, DragButton::Right),
        (egui::PointerButton::Middle, DragButton::Middle),
    ] {
        if r.dragged_by(egui_button) && delta != Vec2::ZERO {
            out.push(PaneGesture::Drag {
                button,
                delta,
                mm_per_px: mm_per_point(model, pane, rect),
            });
        }
    }
    let wheel = if r.hovered() {
        ui.ctx().input(|i| i.smooth_scroll_delta.y)
    } else {
        0.0
    };
    if wheel != 0.0 {
        out.push(PaneGesture::Wheel(wheel));
    }
    if r.clicked() {
        let p = r
            .interact_pointer_pos()
            .and_then(|pos| patient_at(model, pane, rect, pos));
        out.push(PaneGesture::Click(p));
    }
    out
}

/// Patient mm per point in a pane (for panning).
pub fn mm_per_point(model: &ReadingModel, pane: PaneId, rect: egui::Rect) -> f32 {
    match model.view.mpr_view(pane) {
        Some(v) => v
            .plane(model.view.bounds, rect.width() as u32, rect.height() as u32)
            .u
            .length(),
        None => model.view.camera.distance * PAN_MM_PER_POINT_PER_MM,
    }
}

/// The baseline patient point under a screen position in a slice pane (where the shared
/// cursor goes; in a pane showing the follow-up, mapped through the registration).
pub fn patient_at(
    model: &ReadingModel,
    pane: PaneId,
    rect: egui::Rect,
    pos: egui::Pos2,
) -> Option<Vec3> {
    let local = pos - rect.min;
    let size = (rect.width() as u32, rect.height() as u32);
    model.cursor_at(pane, size, local.x, local.y)
}

/// Title, orientation letters and the values under the mouse.
fn labels(ui: &egui::Ui, model: &ReadingModel, pane: PaneId, r: &egui::Response, rect: egui::Rect) {
    let painter = ui.painter_at(rect);
    let font = egui::FontId::proportional(LABEL_SIZE);
    let grey = egui::Color32::from_gray(LABEL_GREY);
    let title_box = boxed_text(
        &painter,
        rect.min + egui::vec2(INSET, LETTER_INSET),
        egui::Align2::LEFT_TOP,
        title(model, pane),
        font.clone(),
        grey,
    );
    if let Some(o) = pane.orientation() {
        let [l, rt, t, b] = o.edge_letters();
        let c = rect.center();
        // In a narrow pane the title reaches the middle: the top letter goes below it.
        let top = if title_box.max.x + LABEL_SIZE > c.x {
            title_box.max.y + 2.0 * LABEL_BOX_MARGIN
        } else {
            rect.min.y + LETTER_INSET
        };
        for (text, pos, align) in [
            (
                l,
                egui::pos2(rect.min.x + LETTER_INSET, c.y),
                egui::Align2::LEFT_CENTER,
            ),
            (
                rt,
                egui::pos2(rect.max.x - LETTER_INSET, c.y),
                egui::Align2::RIGHT_CENTER,
            ),
            (t, egui::pos2(c.x, top), egui::Align2::CENTER_TOP),
            (
                b,
                egui::pos2(c.x, rect.max.y - LETTER_INSET),
                egui::Align2::CENTER_BOTTOM,
            ),
        ] {
            boxed_text(
                &painter,
                pos,
                align,
                text.to_string(),
                font.clone(),
                LETTER_COLOUR,
            );
        }
    }
    if let Some(text) = r
        .hover_pos()
        .and_then(|pos| readout(model, pane, rect, pos))
    {
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

/// Text on a translucent dark box, readable over any image (a white inverted-grey MIP
/// background included).
pub(super) fn boxed_text(
    painter: &egui::Painter,
    pos: egui::Pos2,
    align: egui::Align2,
    text: String,
    font: egui::FontId,
    colour: egui::Color32,
) -> egui::Rect {
    let galley = painter.layout_no_wrap(text, font, colour);
    let rect = align.anchor_size(pos, galley.size());
    painter.rect_filled(rect.expand(LABEL_BOX_MARGIN), LABEL_BOX_MARGIN, LABEL_BOX);
    painter.galley(rect.min, galley, colour);
    rect
}

pub(super) fn title(model: &ReadingModel, pane: PaneId) -> String {
    let v = &model.view;
    let mut title = match pane {
        PaneId::ThreeD => format!("3D {}", v.settings.mode.name()),
        PaneId::Mip | PaneId::FollowupMip => format!("PET MIP {:.0}°", v.mip_view.azimuth_deg),
        p => match v.slice_number(p) {
            Some((n, count)) => format!("{} {n}/{count}", slice_title(p)),
            None => slice_title(p),
        },
    };
    if pane.orientation() == Some(crate::render::mpr::MprOrientation::Axial) {
        title.push_str(&format!("  z {:.1} mm", v.cursor.z));
    }
    if v.layout == super::state::Layout::Followup || pane.is_followup() {
        let followup = pane == PaneId::FollowupMip || model.shows_followup(pane);
        title = format!("{}  {title}", model.study_label(followup));
    }
    title
}

/// "Axial PET", "Coronal CT", "Sagittal fused".
fn slice_title(pane: PaneId) -> String {
    let (Some(o), Some(c)) = (pane.orientation(), pane.content()) else {
        return pane.name().to_string();
    };
    let mut name = o.name().to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let kind = match c {
        SliceContent::Ct => "CT",
        SliceContent::Pet => "PET",
        SliceContent::Fused => "fused",
    };
    format!("{name} {kind}")
}

/// Position, CT HU and PET value under the mouse in a slice pane.
fn readout(
    model: &ReadingModel,
    pane: PaneId,
    rect: egui::Rect,
    pos: egui::Pos2,
) -> Option<String> {
    let baseline = patient_at(model, pane, rect, pos)?;
    // A pane showing the follow-up reads the follow-up's values at the mapped point.
    let (study, p) = match model
        .followup
        .as_ref()
        .filter(|_| model.shows_followup(pane))
    {
        Some(f) => (&f.study, f.to_followup_point(baseline)),
        None => (model.study.as_ref()?, baseline),
    };
    let pd = p.as_dvec3();
    let mut parts = vec![format!("({:.1}, {:.1}, {:.1}) mm", p.x, p.y, p.z)];
    if let Some(hu) = study.ct.as_ref().and_then(|ct| ct.sample_patient(pd)) {
        parts.push(format!("CT {hu:.0} HU"));
    }
    if let Some(v) = study.pet.as_ref().and_then(|pet| pet.sample_patient(pd)) {
        parts.push(format!(
            "PET {:.2} {}",
            v as f64 * study.pet_display_factor,
            study.pet_units_label
        ));
    }
    Some(parts.join("  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_has_four_panes_and_maximised_has_one() {
        let full = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(800.0, 600.0));
        let mut view = ReadingModel::for_tests().view;
        let grid = layout(full, &view);
        assert_eq!(grid.len(), 4);
        assert!(grid[&PaneId::ThreeD].min.x < grid[&PaneId::AXIAL].min.x);
        assert!(grid[&PaneId::AXIAL].max.y < grid[&PaneId::SAGITTAL].min.y);
        view.maximised = Some(PaneId::CORONAL);
        let one = layout(full, &view);
        assert_eq!(one[&PaneId::CORONAL], full);
    }

    #[test]
    fn the_pet_ct_layout_has_ct_pet_and_fused_rows_and_the_mip_beside_them() {
        use crate::render::mpr::MprOrientation::{Axial, Sagittal};
        let full = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(1200.0, 900.0));
        let mut view = ReadingModel::for_tests().view;
        view.set_layout(Layout::PetCt);
        let r = layout(full, &view);
        assert_eq!(r.len(), 10);
        let ct = r[&PaneId::Slice(Axial, SliceContent::Ct)];
        let pet = r[&PaneId::Slice(Axial, SliceContent::Pet)];
        let fused = r[&PaneId::Slice(Axial, SliceContent::Fused)];
        assert!(ct.max.y < pet.min.y && pet.max.y < fused.min.y);
        let mip = r[&PaneId::Mip];
        assert!(mip.min.x > r[&PaneId::Slice(Sagittal, SliceContent::Ct)].max.x);
        assert!(mip.height() > 800.0);
        view.set_layout(Layout::Row);
        assert_eq!(layout(full, &view).len(), 3);
    }

    #[test]
    fn the_follow_up_layout_puts_the_follow_up_right_of_the_baseline() {
        use crate::render::mpr::MprOrientation::{Axial, Coronal};
        let full = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(1000.0, 900.0));
        let mut view = ReadingModel::for_tests().view;
        view.set_layout(Layout::Followup);
        let r = layout(full, &view);
        assert_eq!(r.len(), 6);
        for (base, later) in [
            (PaneId::AXIAL, PaneId::Followup(Axial)),
            (PaneId::CORONAL, PaneId::Followup(Coronal)),
            (PaneId::Mip, PaneId::FollowupMip),
        ] {
            assert_eq!(r[&base].min.y, r[&later].min.y);
            assert_eq!(r[&base].size(), r[&later].size());
            assert!(r[&base].max.x < r[&later].min.x);
        }
        assert!(r[&PaneId::AXIAL].max.y < r[&PaneId::CORONAL].min.y);
    }
}
