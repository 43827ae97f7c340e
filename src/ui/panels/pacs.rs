//! PACS section: a DICOMweb server, credentials, a study search and the studies found,
//! each opened in the background like a folder (progress and cancel in the status bar).

use super::Action;
use crate::ui::pacs::{PacsBrowser, SearchStatus};

/// Width of the text fields in points.
const FIELD_WIDTH: f32 = 200.0;
/// Studies listed at most (the search asks for up to 200).
const MAX_LISTED: usize = 50;

/// Draws the section (collapsed until opened).
pub fn section(ui: &mut egui::Ui, pacs: &mut PacsBrowser, actions: &mut Vec<Action>) {
    egui::CollapsingHeader::new("PACS (DICOMweb)")
        .default_open(false)
        .show(ui, |ui| body(ui, pacs, actions));
}

fn body(ui: &mut egui::Ui, pacs: &mut PacsBrowser, actions: &mut Vec<Action>) {
    field(ui, &mut pacs.server, "http://host:8042/dicom-web", false)
        .on_hover_text("the DICOMweb root");
    field(ui, &mut pacs.user, "user (empty: token or none)", false);
    field(ui, &mut pacs.secret, "password or token", true)
        .on_hover_text("kept in memory for this session only; when empty, PETCT_DICOMWEB_USER/_PASSWORD or _TOKEN apply");
    field(ui, &mut pacs.patient_id, "PatientID (empty: all)", false);
    ui.horizontal(|ui| {
        let search = ui.add_enabled(!pacs.searching(), egui::Button::new("Search"));
        if search.clicked() {
            if let Err(e) = pacs.search(None) {
                pacs.status = SearchStatus::Failed(e);
            }
        }
        match &pacs.status {
            SearchStatus::Idle => {}
            SearchStatus::Searching => {
                ui.spinner();
            }
            SearchStatus::Found(n) => {
                ui.label(format!("{n} studies"));
            }
            SearchStatus::Failed(_) => {
                ui.colored_label(egui::Color32::YELLOW, "failed");
            }
        }
    });
    if let SearchStatus::Failed(e) = &pacs.status {
        ui.add(egui::Label::new(egui::RichText::new(e).small()).wrap());
    }
    for (i, study) in pacs.results.iter().enumerate().take(MAX_LISTED) {
        ui.horizontal(|ui| {
            if ui.small_button("Open").clicked() {
                if let Some(path) = pacs.open_path(i) {
                    actions.push(Action::Open(vec![path]));
                }
            }
            ui.label(format!(
                "{} {} {}",
                study.date.as_deref().unwrap_or("--------"),
                study.modalities.join("/"),
                study.description.as_deref().unwrap_or("")
            ))
            .on_hover_text(&study.study_uid);
        });
    }
}

fn field(ui: &mut egui::Ui, text: &mut String, hint: &str, secret: bool) -> egui::Response {
    ui.add(
        egui::TextEdit::singleline(text)
            .hint_text(hint)
            .password(secret)
            .desired_width(FIELD_WIDTH),
    )
}
