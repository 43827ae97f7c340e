//! Follow-up section: the registration's result, the nudge buttons, the flicker and the
//! side-by-side key frame (shown once a follow-up is open).

use std::time::Instant;

use glam::Vec3;

use super::Action;
use crate::ui::followup::{NUDGE_STEP_DEG, NUDGE_STEP_MM};
use crate::ui::reading::ReadingModel;
use crate::ui::state::Layout;

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel, actions: &mut Vec<Action>) {
    let Some(f) = &mut model.followup else {
        return;
    };
    ui.separator();
    ui.heading("Follow-up");
    match &f.registration {
        Some(r) => ui.label(&r.summary),
        None => ui.label("registering..."),
    };
    ui.label(format!(
        "nudge ({:.0}, {:.0}, {:.0}) mm, {:.0}°",
        f.nudge_mm.x, f.nudge_mm.y, f.nudge_mm.z, f.nudge_deg
    ));
    let step = NUDGE_STEP_MM;
    for (axis, unit) in [("x", Vec3::X), ("y", Vec3::Y), ("z", Vec3::Z)] {
        ui.horizontal(|ui| {
            ui.label(axis);
            if ui.small_button("-1 mm").clicked() {
                f.add_nudge(-unit * step, 0.0);
            }
            if ui.small_button("+1 mm").clicked() {
                f.add_nudge(unit * step, 0.0);
            }
        });
    }
    ui.horizontal(|ui| {
        ui.label("turn");
        if ui.small_button("-1°").clicked() {
            f.add_nudge(Vec3::ZERO, -NUDGE_STEP_DEG);
        }
        if ui.small_button("+1°").clicked() {
            f.add_nudge(Vec3::ZERO, NUDGE_STEP_DEG);
        }
        if ui.small_button("reset").clicked() {
            f.nudge_mm = Vec3::ZERO;
            f.nudge_deg = 0.0;
        }
    });
    ui.horizontal(|ui| {
        let mut on = model.flicker.on();
        if ui.checkbox(&mut on, "flicker (F)").changed() {
            model.flicker.set(on, Instant::now());
            if on && model.view.layout != Layout::Followup {
                model.view.set_layout(Layout::Followup);
            }
        }
        if ui.button("Side-by-side key frame").clicked() {
            actions.push(Action::KeyFrameFollowup(None));
        }
    });
}
