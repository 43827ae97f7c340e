//! Hot-spot section: method and threshold, highlight, the lesion table with selection,
//! one-click categories and exclusion, and exports. Segmentation itself runs on a worker.

use std::path::PathBuf;

use super::Action;
use crate::analysis::{Category, HotspotResult, Method, Organ, PhysiologicStyle};
use crate::ui::input::Slider;
use crate::ui::reading::ReadingModel;

/// Height of the lesion table in points.
const TABLE_HEIGHT: f32 = 160.0;

/// What a click in the lesion table asks for.
enum RowAction {
    Select(usize),
    SetCategory(usize, Category),
}

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel, actions: &mut Vec<Action>) {
    ui.heading("Hot spots");
    if !model.hotspots_possible() {
        ui.label("needs PET in SUV");
        return;
    }
    method(ui, model);
    display(ui, model);
    if model.hotspots_pending() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("segmenting");
        });
    }
    let Some(r) = model.hotspots.result.clone() else {
        return;
    };
    let t = r.totals();
    ui.label(format!(
        "{} suspicious, MTV {:.1} mL, TLG {:.1}; {} other, {} noise",
        t.count,
        t.mtv_ml,
        t.tlg,
        r.lesions.len() - t.count,
        r.noise_dropped
    ))
    .on_hover_text(r.triage_notes.join("\n"));
    let proposed = model.hotspots.proposed.clone();
    match lesion_table(ui, &r, proposed.as_deref(), model.hotspots.selected) {
        Some(RowAction::Select(i)) => model.select_lesion(i),
        Some(RowAction::SetCategory(i, c)) => {
            model.set_lesion_category(i, c);
        }
        None => {}
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
        // A SEG refers to the PET's DICOM instances: DICOM studies only.
        let blocker = model.study.as_ref().and_then(|s| s.dicom_export_blocker());
        if ui
            .add_enabled(blocker.is_none(), egui::Button::new("SEG"))
            .on_hover_text("suspicious lesions as a DICOM SEG (petct_lesions_seg.dcm)")
            .on_disabled_hover_text(blocker.unwrap_or_default())
            .clicked()
        {
            actions.push(Action::ExportSeg(PathBuf::from("petct_lesions_seg.dcm")));
        }
    });
}

/// Highlight and how physiologic lesions are drawn.
fn display(ui: &mut egui::Ui, model: &mut ReadingModel) {
    let mut highlight = model.view.settings.highlight_lesions;
    if ui.checkbox(&mut highlight, "highlight lesions").changed() {
        model.view.settings.highlight_lesions = highlight;
    }
    let mut hidden = model.hotspots.physiologic_style == PhysiologicStyle::Hidden;
    if ui
        .checkbox(&mut hidden, "hide physiologic uptake")
        .on_hover_text("otherwise drawn quietly: grey, no glow")
        .changed()
    {
        model.hotspots.physiologic_style = if hidden {
            PhysiologicStyle::Hidden
        } else {
            PhysiologicStyle::Quiet
        };
    }
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

/// The lesion table (`proposed`: the same lesions as triage proposed them); returns what a
/// click asked for.
fn lesion_table(
    ui: &mut egui::Ui,
    r: &HotspotResult,
    proposed: Option<&HotspotResult>,
    selected: Option<usize>,
) -> Option<RowAction> {
    let mut action = None;
    egui::ScrollArea::vertical()
        .max_height(TABLE_HEIGHT)
        .id_salt("lesions")
        .show(ui, |ui| {
            egui::Grid::new("lesion table")
                .striped(true)
                .show(ui, |ui| {
                    for h in ["#", "SUVmax", "mL", "TLG", "category", ""] {
                        ui.label(h);
                    }
                    ui.end_row();
                    for (i, l) in r.lesions.iter().enumerate() {
                        if ui
                            .selectable_label(selected == Some(i), format!("{}", l.id))
                            .clicked()
                        {
                            action = Some(RowAction::Select(i));
                        }
                        ui.label(format!("{:.2}", l.suv_max));
                        ui.label(format!("{:.1}", l.volume_ml));
                        ui.label(format!("{:.1}", l.tlg));
                        let organ = proposed
                            .and_then(|p| p.lesions.get(i))
                            .and_then(|p| p.category.organ())
                            .unwrap_or(Organ::Other);
                        if let Some(c) = category_cell(ui, l.category, organ, &l.triage_note) {
                            action = Some(RowAction::SetCategory(i, c));
                        }
                        if let Some(c) = ignore_cell(ui, l.category) {
                            action = Some(RowAction::SetCategory(i, c));
                        }
                        ui.end_row();
                    }
                });
        });
    action
}

/// The category of a row: one click toggles suspicious and physiologic (in `organ`, the
/// proposed one or "other"); a right click picks the organ.
fn category_cell(ui: &mut egui::Ui, c: Category, organ: Organ, note: &str) -> Option<Category> {
    let text = egui::RichText::new(c.label());
    let text = match c {
        Category::Suspicious => text.strong(),
        _ => text.weak(),
    };
    let response = ui.button(text).on_hover_text(format!(
        "{note}\nclick: suspicious / physiologic; right click: organ"
    ));
    let mut chosen = None;
    if response.clicked() {
        chosen = Some(match c {
            Category::Suspicious => Category::Physiologic { organ },
            _ => Category::Suspicious,
        });
    }
    response.context_menu(|ui| {
        for organ in Organ::ALL {
            if ui.button(organ.name()).clicked() {
                chosen = Some(Category::Physiologic { organ });
                ui.close();
            }
        }
    });
    chosen
}

/// One click ignores a candidate (or brings an ignored one back as suspicious).
fn ignore_cell(ui: &mut egui::Ui, c: Category) -> Option<Category> {
    let ignored = c == Category::Ignored;
    let tip = if ignored {
        "restore as suspicious"
    } else {
        "ignore"
    };
    ui.small_button(if ignored { "↺" } else { "×" })
        .on_hover_text(tip)
        .clicked()
        .then_some(if ignored {
            Category::Suspicious
        } else {
            Category::Ignored
        })
}
