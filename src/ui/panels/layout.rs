//! Layout section: the pane arrangement, what each slice pane shows, the PET-only window
//! and the MIP's window, cine and outlines.

use crate::render::mpr::{MprOrientation, SliceContent};
use crate::ui::reading::ReadingModel;
use crate::ui::state::{Layout, PaneId};

/// Draws the section.
pub fn section(ui: &mut egui::Ui, model: &mut ReadingModel) {
    ui.heading("Layout");
    let v = &mut model.view;
    ui.horizontal(|ui| {
        for l in Layout::ALL {
            if ui.selectable_label(v.layout == l, l.name()).clicked() && v.layout != l {
                v.set_layout(l);
            }
        }
    });
    match v.layout {
        Layout::Quad => {
            for o in MprOrientation::ALL {
                let pane = v
                    .layout_panes()
                    .into_iter()
                    .find(|p| p.orientation() == Some(o))
                    .unwrap_or(PaneId::Slice(o, SliceContent::Fused));
                content_choice(ui, v, pane, o.name());
            }
        }
        Layout::Row => {
            let pane = PaneId::Slice(MprOrientation::Axial, v.row_content);
            content_choice(ui, v, pane, "planes show");
        }
        Layout::PetCt | Layout::Followup => {}
    }
    let unit = model
        .study
        .as_ref()
        .map(|s| s.pet_units_label.clone())
        .unwrap_or_default();
    let v = &mut model.view;
    window(ui, &mut v.pet_only.window, &format!("PET-only {unit}"));
    window(ui, &mut v.mip_view.display.window, &format!("MIP {unit}"));
    ui.horizontal(|ui| {
        ui.checkbox(&mut v.mip_view.cine, "MIP cine");
        ui.checkbox(&mut v.mip_view.outlines, "outlines");
    });
}

/// A combo choosing what a slice pane shows.
fn content_choice(
    ui: &mut egui::Ui,
    v: &mut crate::ui::state::ViewerState,
    pane: PaneId,
    label: &str,
) {
    let Some(current) = pane.content() else {
        return;
    };
    let mut chosen = current;
    egui::ComboBox::from_label(label)
        .selected_text(current.name())
        .show_ui(ui, |ui| {
            for c in SliceContent::ALL {
                ui.selectable_value(&mut chosen, c, c.name());
            }
        });
    if chosen != current {
        v.set_pane_content(pane, chosen);
    }
}

/// Low and high of a PET window as two drag values.
fn window(ui: &mut egui::Ui, w: &mut [f32; 2], label: &str) {
    ui.horizontal(|ui| {
        ui.add(egui::DragValue::new(&mut w[0]).speed(0.05).range(0.0..=1e6));
        ui.add(egui::DragValue::new(&mut w[1]).speed(0.05).range(0.0..=1e6));
        ui.label(label);
    });
    if w[1] <= w[0] {
        w[1] = w[0] + 1e-3;
    }
}
