//! Study section: open a folder, the phantom or a recent study; SUV status.

use std::path::PathBuf;

use super::{Action, PanelText};
use crate::ui::reading::ReadingModel;

/// Width of the folder field in points.
const PATH_FIELD_WIDTH: f32 = 160.0;

/// Draws the section.
pub fn section(
    ui: &mut egui::Ui,
    model: &mut ReadingModel,
    text: &mut PanelText,
    actions: &mut Vec<Action>,
) {
    ui.heading("Study");
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut text.path)
                .hint_text("DICOM folder")
                .desired_width(PATH_FIELD_WIDTH),
        );
        if ui.button("Open").clicked() && !text.path.trim().is_empty() {
            actions.push(Action::Open(vec![PathBuf::from(text.path.trim())]));
        }
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut text.followup)
                .hint_text("follow-up folder")
                .desired_width(PATH_FIELD_WIDTH),
        );
        let enabled = model.study.is_some() && !text.followup.trim().is_empty();
        if ui
            .add_enabled(enabled, egui::Button::new("Load follow-up"))
            .clicked()
        {
            let path = PathBuf::from(text.followup.trim());
            actions.push(Action::OpenFollowup(vec![path]));
        }
    });
    ui.horizontal(|ui| {
        if ui.button("Phantom").clicked() {
            actions.push(Action::Open(Vec::new()));
        }
        egui::ComboBox::from_id_salt("recent")
            .selected_text("Recent")
            .show_ui(ui, |ui| {
                for r in &model.view.recent {
                    if ui.selectable_label(false, r).clicked() {
                        actions.push(Action::Open(vec![PathBuf::from(r)]));
                    }
                }
            });
    });
    let Some(study) = &model.study else { return };
    if study.pet.is_none() {
        return;
    }
    if study.suv_available {
        ui.label(format!(
            "PET in SUVbw (factor {:.3e})",
            study.pet_display_factor
        ));
    } else {
        ui.colored_label(
            egui::Color32::YELLOW,
            format!("SUV unavailable: PET in {}", study.pet_units_label),
        );
    }
}
