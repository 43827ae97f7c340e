//! Measurements section: the tool the slice panes' left button uses, the list of rulers and
//! ROIs with their figures (a click moves the cursor to one, a button deletes it), "clear
//! all", and exports when the hot-spot section offers none.

use std::path::PathBuf;

use super::Action;
use crate::ui::measurements::{Measurement, Shape, Tool};
use crate::ui::reading::ReadingModel;

/// Height of the list in points.
const LIST_HEIGHT: f32 = 180.0;

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel, actions: &mut Vec<Action>) {
    ui.heading("Measurements");
    model.measurements.sync(model.study.as_ref());
    ui.horizontal_wrapped(|ui| {
        for t in Tool::ALL {
            let on = model.measurements.tool == t;
            if ui.selectable_label(on, t.label()).clicked() {
                model.measurements.tool = t;
                model.measurements.draft = None;
            }
        }
    });
    if model.measurements.tool != Tool::None {
        ui.small("left-drag in a slice pane: from the first end, or from the ROI's centre");
    }
    if model.measurements.items().is_empty() {
        return;
    }
    let (jump, delete) = list(ui, model.measurements.items());
    if let Some(p) = jump {
        model.view.look_at(p);
    }
    if let Some(id) = delete {
        model.measurements.delete(id);
    }
    ui.horizontal(|ui| {
        if ui.button("Clear all").clicked() {
            model.measurements.clear();
        }
        // The hot-spot section exports lesions and measurements together when it can.
        if !model.hotspots_possible() {
            for (label, name) in [
                ("CSV", "petct_measurements.csv"),
                ("JSON", "petct_measurements.json"),
            ] {
                if ui.button(label).clicked() {
                    actions.push(Action::ExportHotspots(PathBuf::from(name)));
                }
            }
        }
    });
}

/// The list; returns a point to move the cursor to and an id to delete.
fn list(ui: &mut egui::Ui, items: &[Measurement]) -> (Option<glam::Vec3>, Option<u32>) {
    let (mut jump, mut delete) = (None, None);
    egui::ScrollArea::vertical()
        .max_height(LIST_HEIGHT)
        .id_salt("measurements")
        .show(ui, |ui| {
            for m in items {
                ui.horizontal(|ui| {
                    if ui.small_button("x").on_hover_text("delete").clicked() {
                        delete = Some(m.id);
                    }
                    if ui.selectable_label(false, m.summary()).clicked() {
                        jump = Some(anchor(m));
                    }
                });
            }
        });
    (jump, delete)
}

/// Where the cursor goes for a measurement: a ruler's middle, an ROI's centre.
fn anchor(m: &Measurement) -> glam::Vec3 {
    match &m.shape {
        Shape::Ruler(r) => ((r.a + r.b) * 0.5).as_vec3(),
        Shape::Roi(roi) => roi.shape.centre.as_vec3(),
    }
}
