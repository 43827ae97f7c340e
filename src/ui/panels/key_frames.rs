//! Key-frame buttons: the pane a reader would save (see
//! [`ReadingModel::key_frame_pane`]) as PNG, as Ctrl+S does for the 3D view, or as a DICOM
//! Secondary Capture filed in the study.

use super::Action;
use crate::ui::reading::ReadingModel;

/// Draws the buttons (nothing without a study).
pub fn section(ui: &mut egui::Ui, model: &ReadingModel, actions: &mut Vec<Action>) {
    let Some(study) = &model.study else { return };
    let pane = model.key_frame_pane();
    let png = || crate::ui::keyframes::default_path(model, pane);
    ui.horizontal(|ui| {
        if ui
            .button("Key frame")
            .on_hover_text(format!(
                "the {} pane at twice its size with a colour bar and lesion labels, as PNG \
                 (Ctrl+S saves the 3D view)",
                pane.name()
            ))
            .clicked()
        {
            actions.push(Action::KeyFrame(pane, Some(png())));
        }
        let blocker = study.dicom_export_blocker();
        // "»", not an arrow: egui's default proportional font has no arrows.
        let label = "Key frame » DICOM";
        let button = ui
            .add_enabled(blocker.is_none(), egui::Button::new(label))
            .on_hover_text(format!(
                "the {} pane as a DICOM Secondary Capture, a new series in this study; no \
                 patient identifiers in the pixels",
                pane.name()
            ))
            .on_disabled_hover_text(blocker.unwrap_or_default());
        if button.clicked() {
            actions.push(Action::KeyFrame(pane, Some(png().with_extension("dcm"))));
        }
    });
}
