//! SUV inputs section: weight, dose and injection time as the user corrects them, and the
//! notes saying how SUV was derived (which clock the times came from).

use crate::ui::reading::ReadingModel;

/// Largest weight and dose the fields accept.
const MAX_WEIGHT_KG: f64 = 400.0;
const MAX_DOSE_MBQ: f64 = 5000.0;

/// Draws the section (only for studies with PET header values).
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel) {
    if model.study.as_ref().is_none_or(|s| s.suv_inputs.is_none()) {
        return;
    }
    ui.collapsing("SUV inputs", |ui| {
        let e = &mut model.suv_edit;
        ui.add(
            egui::DragValue::new(&mut e.weight_kg)
                .range(0.0..=MAX_WEIGHT_KG)
                .suffix(" kg"),
        );
        ui.add(
            egui::DragValue::new(&mut e.dose_mbq)
                .range(0.0..=MAX_DOSE_MBQ)
                .suffix(" MBq"),
        );
        ui.add(egui::TextEdit::singleline(&mut e.injection).hint_text("injection YYYYMMDDHHMMSS"))
            .on_hover_text("read on the clock of the scan time in use (see the notes below)");
        if ui.button("Recompute SUV").clicked() {
            model.apply_suv_edit();
        }
        for note in model.study.iter().flat_map(|s| &s.suv_notes) {
            ui.small(note);
        }
    });
}
