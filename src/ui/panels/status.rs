//! Status bar: loading progress with a cancel button, and the latest message.

use super::Action;
use crate::ui::loader::LoadStatus;
use crate::ui::reading::ReadingModel;

/// Width of the PACS transfer bar in points.
const PROGRESS_WIDTH: f32 = 180.0;

/// Draws the status bar; `loading` is what is being loaded, for how long, how far.
pub fn status_bar(
    ui: &mut egui::Ui,
    model: &ReadingModel,
    loading: Option<LoadStatus>,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if let Some(LoadStatus {
            label,
            seconds,
            fetched,
            decoding,
        }) = loading
        {
            ui.spinner();
            ui.label(format!("loading {label} ({seconds:.0} s)"));
            if let Some((done, total)) = fetched {
                ui.add(
                    egui::ProgressBar::new(done as f32 / total as f32)
                        .desired_width(PROGRESS_WIDTH)
                        .text(if decoding {
                            format!("{done}/{total} slices decoded")
                        } else {
                            format!("{done}/{total} from the PACS")
                        }),
                );
            }
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
