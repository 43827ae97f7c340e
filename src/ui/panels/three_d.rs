//! 3D section: mode, CT preset, quality and standard views.

use crate::render::camera::StandardView;
use crate::render::settings::RenderMode;
use crate::render::transfer::CtPreset;
use crate::ui::reading::ReadingModel;

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel) {
    ui.heading("3D");
    let s = &mut model.view.settings;
    egui::ComboBox::from_label("mode")
        .selected_text(s.mode.name())
        .show_ui(ui, |ui| {
            for m in RenderMode::ALL {
                ui.selectable_value(&mut s.mode, m, m.name());
            }
        });
    egui::ComboBox::from_label("CT preset")
        .selected_text(s.ct_preset.name())
        .show_ui(ui, |ui| {
            for p in CtPreset::ALL {
                ui.selectable_value(&mut s.ct_preset, p, p.name());
            }
        });
    ui.add(egui::Slider::new(&mut s.step_mm, 0.25..=4.0).text("step mm (quality)"));
    ui.horizontal(|ui| {
        for v in StandardView::ALL {
            let letter = v.name()[..1].to_ascii_uppercase();
            if ui.small_button(letter).on_hover_text(v.name()).clicked() {
                model.view.set_view(v);
            }
        }
    });
}
