//! The interactive viewer: winit window, egui controls, 2x2 fused panes, scripting.
//!
//! Only this module knows about winit and egui; it drives `render` and shows what `study`
//! loads. Its parts, each with one job:
//! - [`reading`]: the window-free reading model (study, view, SUV inputs, hot spots,
//!   selection), unit-tested without a window; [`state`] holds the view conventions.
//! - `graphics`: surface, device, egui renderer, presenting; `recovery`: new graphics
//!   after the device or the surface is lost.
//! - `pane_renderer` with `render_key` and `panes`: draws a pane when its render key
//!   changes; coarse 3D while interacting, refinement in timed bands afterwards.
//! - [`input`] (gestures and sliders, shared by mouse and scripts), `shortcuts`,
//!   `pane_view` (panes in egui), `panels` (one module per side-panel section),
//!   `window_ui` (the frame's layout).
//! - `loader` and `segmentation`: background workers (latest request wins); `keyframes`
//!   and `export`: files written from the viewer.
//! - [`reference`] (the reference mask overlay in the reading model) and
//!   `reference_worker` (reading a SEG or NIfTI mask onto the PET grid in the background).
//! - [`measurements`] (rulers and ROIs in the reading model) and [`measure_view`] (their
//!   drags and outlines in the slice panes).
//! - [`script`] (typed commands) and `script_runner`; `frame_stats` (`--frame-stats`).
//! - `app`: the application state wiring them together, one frame at a time;
//!   `app_events`: the entry point and winit's events.

mod app;
mod app_events;
mod capture;
mod config;
mod export;
pub mod followup;
mod followup_app;
pub mod followup_registration;
mod frame_stats;
mod graphics;
pub mod input;
mod keyframes;
mod latest_worker;
mod loader;
pub mod measure_view;
pub mod measurements;
mod mip_pane;
pub mod mip_state;
mod mip_view;
pub mod pacs;
mod pane_renderer;
mod pane_view;
mod panel_cache;
mod panels;
mod panes;
pub mod reading;
mod recovery;
pub mod reference;
mod reference_worker;
mod render_key;
pub mod script;
mod script_runner;
mod segmentation;
mod shortcuts;
mod startup;
pub mod state;
mod style;
mod window_ui;

pub use app_events::{run, ViewerOptions};

/// The in-app help (F1), also in the README.
pub const HELP: &str = "\
Slice panes (axial, coronal, sagittal)
  wheel, PageUp/PageDown, Up/Down   scroll slices
  left-drag                         CT window: horizontal = width, vertical = level
  left-drag with a measuring tool   ruler end to end, ROI from its centre (side panel)
  right-drag                        zoom
  middle-drag                       pan
  click                             move the linked cursor (all panes follow)
  double-click or M                 maximise / restore the pane
  C                                 show CT, PET or fused in the pane (2x2 and 1x3)
3D view
  left-drag                         rotate
  right-drag or wheel               zoom
  middle-drag                       pan
  double-click                      reset the view
  1-6                               anterior, posterior, left, right, superior, inferior
PET MIP
  click                             jump to the hottest voxel along the ray (all panes follow)
  left-drag, wheel                  turn about the head-feet axis
Everywhere
  L                                 next layout: 2x2, PET-CT reading, 1x3, follow-up
  F                                 flicker baseline / follow-up (a follow-up open)
  Ctrl+S                            save a key frame of the 3D view (PNG)
  F11                               demo mode (Esc leaves)
  F1                                this help
Drop a DICOM folder on the window to open it.";
