//! Series picker: when a study has several CT or PET series, choose another one (the study
//! loads again with it), with the reason for the current choice.

use super::Action;
use crate::dicom::SeriesOption;
use crate::ui::reading::ReadingModel;

/// Draws the picker (nothing when each modality has one series).
pub fn section(ui: &mut egui::Ui, model: &ReadingModel, actions: &mut Vec<Action>) {
    let Some(study) = &model.study else { return };
    let s = &study.series;
    if s.ct.len() > 1 {
        if let Some(uid) = picker(ui, "CT series", &s.ct, s.ct_chosen.as_deref()) {
            actions.push(Action::ChooseSeries {
                ct: Some(uid),
                pet: None,
            });
        }
        reason(ui, s.ct_reason.as_deref());
    }
    if s.pet.len() > 1 {
        if let Some(uid) = picker(ui, "PET series", &s.pet, s.pet_chosen.as_deref()) {
            actions.push(Action::ChooseSeries {
                ct: None,
                pet: Some(uid),
            });
        }
        reason(ui, s.pet_reason.as_deref());
    }
}

/// A combo of the candidates; the UID of a newly chosen one.
fn picker(
    ui: &mut egui::Ui,
    label: &str,
    options: &[SeriesOption],
    chosen: Option<&str>,
) -> Option<String> {
    let current = options
        .iter()
        .find(|o| Some(o.uid.as_str()) == chosen)
        .map_or("none loaded", |o| o.label.as_str());
    let mut picked = None;
    egui::ComboBox::from_label(label)
        .selected_text(current)
        .width(150.0)
        .show_ui(ui, |ui| {
            for o in options {
                let on = Some(o.uid.as_str()) == chosen;
                let text = format!("{} ({})", o.label, o.traits);
                if ui.selectable_label(on, text).clicked() && !on {
                    picked = Some(o.uid.clone());
                }
            }
        });
    picked
}

fn reason(ui: &mut egui::Ui, why: Option<&str>) {
    if let Some(why) = why {
        ui.add(egui::Label::new(egui::RichText::new(format!("why: {why}")).small()).wrap());
    }
}
