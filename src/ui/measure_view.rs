//! Measurements in the slice panes, on the egui side: the left-button drags of the active
//! tool ([`gestures`]) and the rulers and ROIs cut by a pane's plane ([`draw`]).
//!
//! How a slice pane uses it (in `pane_view::pane`, for slice panes only, with the pane's
//! `plane: MprPlane` laid over `rect` in points, as `patient_at` lays it):
//!
//! ```text
//! // after `response` is allocated and before the pane's own gestures:
//! let measuring = measure_view::gestures(model, &plane, rect, &response);
//! // ... when `measuring`, drop this frame's left-button Drag and Click gestures
//! // (wheel, right and middle drags still apply) ...
//! // after the pane's labels:
//! measure_view::draw(&ui.painter_at(rect), model, &plane, rect);
//! ```
//!
//! `plane` is `model.view.mpr_view(pane)?.plane(model.view.bounds, rect.width() as u32,
//! rect.height() as u32)`: pixel (0, 0) is `rect.min`, one pixel per point.

use glam::Vec2;

use super::measurements::{roi_section, ruler_section, Draft, Measurement, Roi, Shape, Tool};
use super::reading::ReadingModel;
use crate::analysis::Ruler;
use crate::render::mpr::MprPlane;

/// Stroke widths (points) and colours.
const STROKE: f32 = 1.5;
const RULER_COLOUR: egui::Color32 = egui::Color32::from_rgb(255, 225, 90);
const ROI_COLOUR: egui::Color32 = egui::Color32::from_rgb(90, 220, 255);
const DRAFT_COLOUR: egui::Color32 = egui::Color32::WHITE;
/// Dashes (points) of a ruler that crosses the plane rather than lying in it.
const DASH: f32 = 4.0;
/// Half-length of a ruler's end ticks, points.
const TICK: f32 = 4.0;
const LABEL_SIZE: f32 = 12.0;
const LABEL_BOX: egui::Color32 = egui::Color32::from_black_alpha(160);
const LABEL_MARGIN: f32 = 2.0;

/// Turns this frame's left-button drag in a slice pane into a ruler or ROI when a tool is
/// active: the drag's start is the ruler's first end or the ROI's centre, its current
/// position the other end or the radius; releasing adds the measurement. Also brings the ROI
/// figures up to date with the study ([`super::measurements::Measurements::sync`]).
///
/// Returns true when the left-button drag belongs to the tool: the pane then skips its own
/// left-button gestures (CT window drag, cursor click) for this frame.
pub fn gestures(
    model: &mut ReadingModel,
    plane: &MprPlane,
    rect: egui::Rect,
    response: &egui::Response,
) -> bool {
    model.measurements.sync(model.study.as_ref());
    let tool = model.measurements.tool;
    let left = egui::PointerButton::Primary;
    if tool == Tool::None {
        return false;
    }
    let at = |pos: egui::Pos2| {
        let local = pos - rect.min;
        plane.patient_at(local.x, local.y).as_dvec3()
    };
    if response.drag_started_by(left) {
        // The press, not where the drag was recognised a few points later.
        let origin = response.ctx.input(|i| i.pointer.press_origin());
        if let Some(start) = origin.or(response.interact_pointer_pos()) {
            model.measurements.draft = Some(Draft::new(tool, at(start), plane));
        }
    }
    let dragging = response.dragged_by(left);
    let released = response.drag_stopped_by(left);
    if !(dragging || released) {
        return false;
    }
    if let (Some(draft), Some(pos)) = (
        model.measurements.draft.as_mut(),
        response.interact_pointer_pos(),
    ) {
        draft.end = at(pos);
    }
    if released {
        if let Some(draft) = model.measurements.draft.take() {
            model.measurements.commit(&draft, model.study.as_ref());
        }
    }
    true
}

/// Draws the measurements the pane's plane cuts, and the one being drawn, on a painter
/// clipped to the pane's `rect`.
pub fn draw(painter: &egui::Painter, model: &ReadingModel, plane: &MprPlane, rect: egui::Rect) {
    let to_screen = |p: Vec2| rect.min + egui::vec2(p.x, p.y);
    for m in model.measurements.items() {
        match &m.shape {
            Shape::Ruler(r) => ruler(painter, r, plane, RULER_COLOUR, &to_screen),
            Shape::Roi(roi) => roi_outline(painter, m, roi, plane, &to_screen),
        }
    }
    if let Some(shape) = model.measurements.draft.as_ref().and_then(Draft::shape) {
        match &shape {
            Shape::Ruler(r) => ruler(painter, r, plane, DRAFT_COLOUR, &to_screen),
            Shape::Roi(roi) => {
                if let Some((c, semi)) = roi_section(&roi.shape, plane) {
                    let c = to_screen(c);
                    ellipse(painter, c, semi, DRAFT_COLOUR);
                    let r = roi.shape.radii;
                    let text = format!("{:.1} x {:.1} x {:.1} mm", r.x, r.y, r.z);
                    label(painter, c + egui::vec2(semi.x, -semi.y), text, DRAFT_COLOUR);
                }
            }
        }
    }
}

fn ruler(
    painter: &egui::Painter,
    r: &Ruler,
    plane: &MprPlane,
    colour: egui::Color32,
    to_screen: &impl Fn(Vec2) -> egui::Pos2,
) {
    let Some((a, b, in_plane)) = ruler_section(r, plane) else {
        return;
    };
    let (a, b) = (to_screen(a), to_screen(b));
    let stroke = egui::Stroke::new(STROKE, colour);
    if in_plane {
        painter.line_segment([a, b], stroke);
    } else {
        painter.extend(egui::Shape::dashed_line(&[a, b], stroke, DASH, DASH));
    }
    let along = (b - a).normalized();
    let across = egui::vec2(-along.y, along.x) * TICK;
    for p in [a, b] {
        painter.line_segment([p - across, p + across], stroke);
    }
    label(
        painter,
        a + (b - a) * 0.5 + across,
        format!("{:.1} mm", r.length_mm()),
        colour,
    );
}

fn roi_outline(
    painter: &egui::Painter,
    m: &Measurement,
    roi: &Roi,
    plane: &MprPlane,
    to_screen: &impl Fn(Vec2) -> egui::Pos2,
) {
    let Some((c, semi)) = roi_section(&roi.shape, plane) else {
        return;
    };
    let c = to_screen(c);
    ellipse(painter, c, semi, ROI_COLOUR);
    label(
        painter,
        c + egui::vec2(semi.x, -semi.y),
        m.summary(),
        ROI_COLOUR,
    );
}

fn ellipse(painter: &egui::Painter, centre: egui::Pos2, semi: Vec2, colour: egui::Color32) {
    painter.add(egui::Shape::ellipse_stroke(
        centre,
        egui::vec2(semi.x, semi.y),
        egui::Stroke::new(STROKE, colour),
    ));
}

/// Text on a dark box, its bottom-left corner at `pos`.
fn label(painter: &egui::Painter, pos: egui::Pos2, text: String, colour: egui::Color32) {
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(LABEL_SIZE), colour);
    let rect = egui::Align2::LEFT_BOTTOM.anchor_size(pos, galley.size());
    painter.rect_filled(rect.expand(LABEL_MARGIN), LABEL_MARGIN, LABEL_BOX);
    painter.galley(rect.min, galley, colour);
}

#[cfg(test)]
mod tests {
    use glam::Vec3;

    use super::*;
    use crate::render::mpr::{MprOrientation, MprView};

    /// A 200 x 200 point axial pane at the screen's origin over a 200 mm box: 1 mm per point.
    fn pane() -> (egui::Rect, MprPlane) {
        let rect = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(200.0, 200.0));
        let plane = MprView::new(MprOrientation::Axial, Vec3::ZERO).plane(
            (Vec3::splat(-100.0), Vec3::splat(100.0)),
            200,
            200,
        );
        (rect, plane)
    }

    /// Runs frames of mouse events over the pane; returns whether any frame's left drag
    /// went to the tool, and the number of shapes the last frame painted.
    fn frames(model: &mut ReadingModel, events: Vec<Vec<egui::Event>>) -> (bool, usize) {
        let ctx = egui::Context::default();
        let (rect, plane) = pane();
        let mut consumed = false;
        let mut shapes = 0;
        for (i, events) in events.into_iter().enumerate() {
            let input = egui::RawInput {
                screen_rect: Some(egui::Rect::from_min_size(
                    egui::Pos2::ZERO,
                    egui::vec2(400.0, 400.0),
                )),
                time: Some(i as f64 * 0.05),
                events,
                ..Default::default()
            };
            let out = ctx.run_ui(input, |ui| {
                let r = ui.allocate_rect(rect, egui::Sense::click_and_drag());
                consumed |= gestures(model, &plane, rect, &r);
                draw(&ui.painter_at(rect), model, &plane, rect);
            });
            shapes = out.shapes.len();
            out.drop_without_applying_deltas();
        }
        (consumed, shapes)
    }

    fn left(pos: egui::Pos2, pressed: bool) -> egui::Event {
        egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        }
    }

    fn drag(a: egui::Pos2, b: egui::Pos2) -> Vec<Vec<egui::Event>> {
        let mid = a + (b - a) * 0.5;
        vec![
            vec![egui::Event::PointerMoved(a)],
            vec![left(a, true)],
            vec![egui::Event::PointerMoved(mid)],
            vec![egui::Event::PointerMoved(b)],
            vec![left(b, false)],
            vec![],
        ]
    }

    #[test]
    fn a_left_drag_with_the_ruler_makes_a_ruler_from_press_to_release() {
        let mut model = ReadingModel::for_tests();
        model.measurements.tool = Tool::Ruler;
        // 30 points right and 40 down at 1 mm per point: 50 mm.
        let (consumed, shapes) = frames(
            &mut model,
            drag(egui::pos2(100.0, 100.0), egui::pos2(130.0, 140.0)),
        );
        assert!(consumed);
        let items = model.measurements.items();
        assert_eq!(items.len(), 1, "{items:?}");
        match &items[0].shape {
            Shape::Ruler(r) => assert!((r.length_mm() - 50.0).abs() < 1e-3, "{r:?}"),
            other => panic!("{other:?}"),
        }
        assert!(model.measurements.draft.is_none());
        assert!(shapes > 0, "the ruler is drawn");
    }

    #[test]
    fn without_a_tool_the_drag_is_left_to_the_pane() {
        let mut model = ReadingModel::for_tests();
        let (consumed, _) = frames(
            &mut model,
            drag(egui::pos2(100.0, 100.0), egui::pos2(130.0, 140.0)),
        );
        assert!(!consumed);
        assert!(model.measurements.items().is_empty());
    }

    #[test]
    fn a_sphere_roi_is_dragged_from_its_centre() {
        let mut model = ReadingModel::for_tests();
        model.measurements.tool = Tool::SphereRoi;
        frames(
            &mut model,
            drag(egui::pos2(50.0, 60.0), egui::pos2(50.0, 80.0)),
        );
        match &model.measurements.items()[0].shape {
            Shape::Roi(r) => {
                assert!((r.shape.radii.x - 20.0).abs() < 1e-3, "{r:?}");
                assert!(r.shape.is_sphere());
                // Pixel (50, 60) of a 1 mm/point pane centred on the origin.
                let c = r.shape.centre;
                assert!(
                    (c.x + 50.0).abs() < 1e-3 && (c.y + 40.0).abs() < 1e-3,
                    "{c}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
