//! The side panel, one small module per section. Sections edit the reading model directly
//! and return the actions that need more than the model (opening a study, exports).

mod ct_window;
mod demo;
mod followup;
mod hotspots;
mod key_frames;
mod layout;
mod measurements;
mod pacs;
mod pet;
mod reference;
mod response;
mod series;
mod status;
mod study;
mod suv_inputs;
mod three_d;

pub use demo::demo_controls;
pub use status::status_bar;

use std::path::PathBuf;

use super::input::Slider;
use super::reading::ReadingModel;
use super::state::PaneId;

/// Width of the side panel in points.
pub const SIDE_PANEL_WIDTH: f32 = 250.0;

/// What a panel asks the application to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a study (empty: the built-in phantom).
    Open(Vec<PathBuf>),
    CancelLoad,
    /// Open a follow-up study of the open one (empty: the built-in phantom).
    OpenFollowup(Vec<PathBuf>),
    /// Save the baseline and follow-up axial slices side by side (a generated name when no
    /// path is given).
    KeyFrameFollowup(Option<PathBuf>),
    /// Save a key frame of a pane (a generated name when no path is given).
    KeyFrame(PaneId, Option<PathBuf>),
    ExportHotspots(PathBuf),
    /// Write the suspicious lesions as a DICOM SEG (a DICOM study only).
    ExportSeg(PathBuf),
    /// Load the open study again with another series (SeriesInstanceUIDs; `None` keeps
    /// the one shown).
    ChooseSeries {
        ct: Option<String>,
        pet: Option<String>,
    },
}

/// Text typed into the side panel that is not part of the reading model, and the PACS
/// search it starts.
#[derive(Debug, Default)]
pub struct PanelText {
    pub path: String,
    pub pacs: crate::ui::pacs::PacsBrowser,
    /// The response chart's lesion choice and texture.
    pub response: response::ResponseView,
    /// The reference mask's path (hot-spot section).
    pub reference: String,
    /// The follow-up study's folder (study section).
    pub followup: String,
}

/// The side panel's sections, top to bottom.
pub fn side_panel(
    ui: &mut egui::Ui,
    model: &mut ReadingModel,
    text: &mut PanelText,
    actions: &mut Vec<Action>,
) {
    study::section(ui, model, text, actions);
    pacs::section(ui, &mut text.pacs, actions);
    series::section(ui, model, actions);
    ui.separator();
    layout::section(ui, model);
    followup::section(ui, model, actions);
    response::section(ui, model, &mut text.response);
    ui.separator();
    ct_window::section(ui, model);
    ui.separator();
    three_d::section(ui, model);
    key_frames::section(ui, model, actions);
    ui.separator();
    pet::section(ui, model);
    suv_inputs::section(ui, model);
    ui.separator();
    hotspots::section(ui, model, actions);
    reference::section(ui, model, text);
    ui.separator();
    measurements::section(ui, model, actions);
}

/// A slider that reads and writes the model through [`Slider`], the path scripts use too.
pub fn slider(ui: &mut egui::Ui, model: &mut ReadingModel, which: Slider, label: &str) -> bool {
    let mut value = which.get(model);
    let changed = ui
        .add(egui::Slider::new(&mut value, which.range(model.pet_top())).text(label))
        .changed();
    if changed {
        which.set(model, value);
    }
    changed
}
