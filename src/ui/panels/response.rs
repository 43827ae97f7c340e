//! Response section (under Follow-up): the PERCIST 1.0 category with the rule that decided
//! it, the targets, comparability, the tracked lesions, and the chart of SULpeak and MTV
//! over the time points (all lesions or one), the same image `petct response --chart` writes.

use crate::analysis::response::{ResponseAssessment, Status};
use crate::ui::reading::ReadingModel;

/// Chart width in pixels (shown scaled to the panel).
const CHART_PX: u32 = 560;

/// What the section keeps between frames: which lesion the chart shows and its texture.
#[derive(Default)]
pub struct ResponseView {
    /// `None`: every lesion.
    pub lesion: Option<u32>,
    texture: Option<(ChartKey, egui::TextureHandle)>,
}

impl std::fmt::Debug for ResponseView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseView")
            .field("lesion", &self.lesion)
            .finish()
    }
}

/// What the chart texture was drawn for.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ChartKey {
    generation: u64,
    lesion: Option<u32>,
}

/// Draws the section once a follow-up is open.
pub fn section(ui: &mut egui::Ui, model: &ReadingModel, view: &mut ResponseView) {
    let Some(f) = &model.followup else { return };
    ui.separator();
    ui.strong("Response (PERCIST 1.0)");
    let a = match &f.response {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("assessing...");
            });
            return;
        }
        Some(Err(e)) => {
            ui.colored_label(egui::Color32::YELLOW, e);
            return;
        }
        Some(Ok(a)) => a,
    };
    if f.requested_under != f.assessed_under {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.small("re-assessing under the nudged registration...");
        });
    }
    summary(ui, a);
    lesion_table(ui, a);
    chart(ui, a, f.generation, model.followup_days(), view);
    ui.small("Not judged by the program: a tumour-like pattern, blood-pool level (approximated by the liver), scanner and reconstruction beyond matrix and voxel size.");
}

fn summary(ui: &mut egui::Ui, a: &ResponseAssessment) {
    let p = &a.percist;
    let name = serde_json::to_value(p.category)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    ui.label(egui::RichText::new(name).heading().strong());
    ui.add(egui::Label::new(&p.rule).wrap());
    let unit = serde_json::to_value(a.scale)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if let (Some(b), Some(fu)) = (&p.target_baseline, &p.target_followup) {
        ui.label(format!(
            "target {unit}peak {:.2} (lesion {}) -> {:.2} (lesion {}){}",
            b.sul_peak,
            b.lesion,
            fu.sul_peak,
            fu.lesion,
            p.sul_peak_change_percent
                .map(|c| format!(", {c:+.0}%"))
                .unwrap_or_default()
        ));
    }
    ui.label(format!("new lesions: {}", p.new_lesions));
    let c = &p.comparability;
    let comparable = if c.comparable {
        "comparable"
    } else {
        "NOT comparable"
    };
    ui.label(format!(
        "{comparable}: liver {unit}mean {:.2} / {:.2}",
        c.liver_mean[0], c.liver_mean[1]
    ));
    for r in &p.reasons {
        ui.small(r);
    }
}

fn lesion_table(ui: &mut egui::Ui, a: &ResponseAssessment) {
    // Three narrow columns: the side panel is not wide.
    egui::Grid::new("tracked-lesions")
        .striped(true)
        .show(ui, |ui| {
            for h in ["lesion", "peak B -> F", "change"] {
                ui.small(h);
            }
            ui.end_row();
            for l in &a.lesions {
                let status = match l.status {
                    Status::Matched => "",
                    Status::New => " new",
                    Status::Disappeared => " gone",
                };
                ui.label(format!("{} {}{status}", l.id, l.organ));
                ui.label(format!(
                    "{:.2} -> {:.2}",
                    l.baseline.sul_peak, l.followup.sul_peak
                ));
                ui.label(format!("{:+.0}%", l.sul_peak_change_percent));
                ui.end_row();
            }
        });
}

fn chart(
    ui: &mut egui::Ui,
    a: &ResponseAssessment,
    generation: u64,
    days: Option<f64>,
    view: &mut ResponseView,
) {
    egui::ComboBox::from_id_salt("chart-lesion")
        .selected_text(match view.lesion {
            None => "chart: all lesions".to_string(),
            Some(id) => format!("chart: lesion {id}"),
        })
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut view.lesion, None, "all lesions");
            for l in &a.lesions {
                ui.selectable_value(&mut view.lesion, Some(l.id), format!("lesion {}", l.id));
            }
        });
    let key = ChartKey {
        generation,
        lesion: view.lesion,
    };
    // Drawn once per assessment and choice, not every frame.
    if view.texture.as_ref().is_none_or(|(k, _)| *k != key) {
        let img = crate::response_chart::response_chart(a, days, view.lesion, CHART_PX);
        let size = [img.width() as usize, img.height() as usize];
        let colour = egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw());
        let handle = ui
            .ctx()
            .load_texture("response-chart", colour, egui::TextureOptions::LINEAR);
        view.texture = Some((key, handle));
    }
    if let Some((_, tex)) = &view.texture {
        let w = ui.available_width();
        let s = tex.size_vec2();
        ui.image((tex.id(), egui::vec2(w, w * s.y / s.x)));
    }
}
