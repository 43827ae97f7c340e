//! Hot-spot section: method and threshold, highlight, the lesion table with selection and
//! exclusion, and exports. Segmentation itself runs on a worker.

use std::path::PathBuf;

use super::Action;
use crate::analysis::{HotspotResult, Method};
use crate::ui::input::Slider;
use crate::ui::reading::ReadingModel;

/// Height of the lesion table in points.
const TABLE_HEIGHT: f32 = 160.0;

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel, actions: &mut Vec<Action>) {
    ui.heading("Hot spots");
    if !model.hotspots_possible() {
        ui.label("needs PET in SUV");
        return;
    }
    method(ui, model);
    let mut highlight = model.view.settings.highlight_lesions;
    if ui.checkbox(&mut highlight, "highlight lesions").changed() {
        model.view.settings.highlight_lesions = highlight;
    }
    if model.hotspots_pending() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("segmenting");
        });
    }
    let Some(r) = model.hotspots.result.clone() else {
        return;
    };
    ui.label(format!(
        "{} lesions, MTV {:.1} mL, TLG {:.1}",
        r.lesions.len(),
        r.total_mtv_ml,
        r.total_tlg
    ));
    if let Some(i) = lesion_table(ui, &r, model.hotspots.selected) {
        model.select_lesion(i);
    }
    ui.horizontal(|ui| {
        if ui.button("Exclude selected").clicked() {
            model.exclude_selected();
        }
        if ui.button("CSV").clicked() {
            actions.push(Action::ExportHotspots(PathBuf::from("petct_hotspots.csv")));
        }
        if ui.button("JSON").clicked() {
            actions.push(Action::ExportHotspots(PathBuf::from("petct_hotspots.json")));
        }
    });
}

/// Method buttons and their parameter.
fn method(ui: &mut egui::Ui, model: &mut ReadingModel) {
    let mut p = model.hotspots.params.clone();
    ui.horizontal(|ui| {
        for (label, m) in [
            ("SUV", Method::Absolute { suv: 2.5 }),
            ("41 %", Method::PercentOfMax { fraction: 0.41 }),
            ("PERCIST", Method::Percist),
        ] {
            let on = std::mem::discriminant(&p.method) == std::mem::discriminant(&m);
            if ui.selectable_label(on, label).clicked() && !on {
                p.method = m;
            }
        }
    });
    match &mut p.method {
        Method::Absolute { .. } => {}
        Method::PercentOfMax { fraction } => {
            ui.add(egui::Slider::new(fraction, 0.2..=0.8).text("of SUVmax"));
        }
        Method::Percist => {
            if let Some(l) = model
                .hotspots
                .result
                .as_ref()
                .and_then(|r| r.liver.as_ref())
            {
                ui.label(format!("liver {:.2} ± {:.2} SUV", l.suv_mean, l.suv_sd));
            }
        }
    }
    ui.add(egui::Slider::new(&mut p.min_volume_ml, 0.0..=10.0).text("min mL"));
    model.set_hotspot_params(p);
    if matches!(model.hotspots.params.method, Method::Absolute { .. }) {
        super::slider(ui, model, Slider::SuvThreshold, "SUV threshold");
    }
}

/// The lesion table; returns the row clicked.
fn lesion_table(ui: &mut egui::Ui, r: &HotspotResult, selected: Option<usize>) -> Option<usize> {
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .max_height(TABLE_HEIGHT)
        .id_salt("lesions")
        .show(ui, |ui| {
            egui::Grid::new("lesion table")
                .striped(true)
                .show(ui, |ui| {
                    for h in ["#", "SUVmax", "mL", "TLG"] {
                        ui.label(h);
                    }
                    ui.end_row();
                    for (i, l) in r.lesions.iter().enumerate() {
                        if ui
                            .selectable_label(selected == Some(i), format!("{}", i + 1))
                            .clicked()
                        {
                            clicked = Some(i);
                        }
                        ui.label(format!("{:.2}", l.suv_max));
                        ui.label(format!("{:.1}", l.volume_ml));
                        ui.label(format!("{:.1}", l.tlg));
                        ui.end_row();
                    }
                });
        });
    clicked
}
