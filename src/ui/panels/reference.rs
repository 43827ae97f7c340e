//! The reference mask, under the hot spots: load a DICOM SEG or a NIfTI mask as an overlay
//! outlined in magenta over the slices and the MIP, and show or hide it.

use std::path::PathBuf;

use super::PanelText;
use crate::ui::reading::ReadingModel;

/// Width of the mask path field in points.
const PATH_FIELD_WIDTH: f32 = 160.0;

/// Draws the section (only for a study with a PET: masks are placed on its grid).
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel, text: &mut PanelText) {
    if model.study.as_ref().is_none_or(|s| s.pet.is_none()) {
        return;
    }
    ui.horizontal(|ui| {
        match model.reference.mask().map(|m| m.summary()) {
            Some(summary) => {
                let mut on = model.view.settings.reference_outline;
                let tip = format!(
                    "{summary}\nmagenta outline, on the far side of each boundary from the \
                     hot-spot outlines (where they agree, both show side by side)"
                );
                if ui
                    .checkbox(&mut on, "Reference mask")
                    .on_hover_text(tip)
                    .changed()
                {
                    model.show_reference(on);
                }
            }
            None => {
                ui.label("Reference mask");
            }
        }
        if model.reference.pending() {
            ui.spinner();
        }
    });
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut text.reference)
                .hint_text("SEG .dcm or .nii.gz")
                .desired_width(PATH_FIELD_WIDTH),
        );
        let path = text.reference.trim();
        if ui
            .add_enabled(!path.is_empty(), egui::Button::new("Load"))
            .on_hover_text(
                "outline a lesion mask over the study: a DICOM SEG on the PET grid (such as \
                 the SEG button writes) or a NIfTI mask (resampled to the PET grid)",
            )
            .clicked()
        {
            model.load_reference(PathBuf::from(path));
        }
    });
    if let Some(e) = &model.reference.error {
        ui.colored_label(egui::Color32::YELLOW, format!("not loaded: {e}"));
    }
}
