//! Status bar: loading progress with a cancel button, and the latest message.

use super::Action;
use crate::ui::reading::ReadingModel;

/// Draws the status bar; `loading` is what is being loaded and for how many seconds.
pub fn status_bar(
    ui: &mut egui::Ui,
    model: &ReadingModel,
    loading: Option<(&str, f32)>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if let Some((label, seconds)) = loading {
            ui.spinner();
            ui.label(format!("loading {label} ({seconds:.0} s)"));
            if ui.button("Cancel").clicked() {
                actions.push(Action::CancelLoad);
            }
            ui.separator();
        }
        if let Some(m) = model.messages.back() {
            ui.label(m);
        }
    });
}
