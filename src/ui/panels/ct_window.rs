//! CT window section: presets and width/level sliders.

use crate::ui::input::Slider;
use crate::ui::reading::ReadingModel;
use crate::ui::state::CT_WINDOW_PRESETS;

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel) {
    ui.heading("CT window");
    ui.horizontal_wrapped(|ui| {
        for (name, w) in CT_WINDOW_PRESETS {
            let on = model.view.settings.ct_window == w;
            if ui.selectable_label(on, name).clicked() {
                model.view.settings.ct_window = w;
            }
        }
    });
    super::slider(ui, model, Slider::CtWidth, "width");
    super::slider(ui, model, Slider::CtLevel, "level");
}
