//! PET section: colormap, window and fusion opacity.

use crate::render::colormap::Colormap;
use crate::ui::input::Slider;
use crate::ui::reading::ReadingModel;

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel) {
    ui.heading("PET");
    let s = &mut model.view.settings;
    egui::ComboBox::from_label("colormap")
        .selected_text(s.colormap.label())
        .show_ui(ui, |ui| {
            for c in Colormap::ALL {
                ui.selectable_value(&mut s.colormap, c, c.label());
            }
        });
    let unit = model
        .study
        .as_ref()
        .map(|s| s.pet_units_label.clone())
        .unwrap_or_default();
    super::slider(ui, model, Slider::SuvLow, &format!("lower {unit}"));
    super::slider(ui, model, Slider::SuvHigh, &format!("upper {unit}"));
    super::slider(ui, model, Slider::Opacity, "fusion opacity");
    let w = &mut model.view.settings.pet_window;
    if w[1] <= w[0] {
        w[1] = w[0] + 1e-3;
    }
}
