//! Demo mode's controls for showing a scan to a patient: large buttons, no identifiers.

use crate::ui::reading::ReadingModel;

/// Text size of the demo buttons.
const BUTTON_TEXT_SIZE: f32 = 28.0;
/// Azimuth turned by the Rotate button, degrees.
const ROTATE_STEP_DEG: f32 = 45.0;
/// Zoom factors of the zoom buttons (camera distance multipliers).
const ZOOM_IN: f32 = 0.8;
const ZOOM_OUT: f32 = 1.25;
/// Fusion opacity when the hot spots are switched back on.
const HOT_SPOTS_ON_OPACITY: f32 = 0.8;

/// Draws the demo buttons.
pub fn demo_controls(ui: &mut egui::Ui, model: &mut ReadingModel) {
    ui.horizontal_centered(|ui| {
        let big = |t: &str| egui::Button::new(egui::RichText::new(t).size(BUTTON_TEXT_SIZE));
        let v = &mut model.view;
        let label = if v.demo_paused { "Play" } else { "Pause" };
        if ui.add(big(label)).clicked() {
            v.demo_paused = !v.demo_paused;
        }
        if ui.add(big("Rotate")).clicked() {
            v.camera.azimuth_deg += ROTATE_STEP_DEG;
        }
        if ui.add(big("Zoom +")).clicked() {
            v.camera.zoom(ZOOM_IN);
        }
        if ui.add(big("Zoom -")).clicked() {
            v.camera.zoom(ZOOM_OUT);
        }
        let hot = v.settings.fusion_opacity > 0.0;
        let text = if hot { "Hot spots off" } else { "Hot spots on" };
        if ui.add(big(text)).clicked() {
            v.settings.fusion_opacity = if hot { 0.0 } else { HOT_SPOTS_ON_OPACITY };
        }
        if ui.add(big("Exit demo")).clicked() {
            v.demo = false;
        }
    });
}
