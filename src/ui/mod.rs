//! The interactive viewer: winit window, egui controls, 2x2 fused panes, scripting.
//!
//! Only this module knows about winit and egui; it drives `render` and shows what `study` loads.

mod app;
mod capture;
mod config;
mod panes;
pub mod script;
pub mod state;

pub use app::{run, ViewerOptions};

/// The in-app help (F1), also in the README.
pub const HELP: &str = "\
Slice panes (axial, coronal, sagittal)
  wheel, PageUp/PageDown, Up/Down   scroll slices
  left-drag                         CT window: horizontal = width, vertical = level
  right-drag                        zoom
  middle-drag                       pan
  click                             move the linked cursor (all panes follow)
  double-click or M                 maximise / restore the pane
3D view
  left-drag                         rotate
  right-drag or wheel               zoom
  middle-drag                       pan
  double-click                      reset the view
  1-6                               anterior, posterior, left, right, superior, inferior
Everywhere
  Ctrl+S                            save a key frame of the 3D view (PNG)
  F11                               demo mode (Esc leaves)
  F1                                this help
Drop a DICOM folder on the window to open it.";
