//! Runs a parsed script as a user's hand: at most one interaction per frame, waiting where
//! a user would (for a load, for the view to settle before a screenshot, for segmentation
//! before a lesion is picked). Interactions go through the same input paths as the mouse
//! and the widgets ([`super::input`]).

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use glam::{Vec2, Vec3};

use super::input::{apply_gesture, PaneGesture};
use super::reading::ReadingModel;
use super::script::Command;
use super::state::PaneId;
use super::state::ELEVATION_LIMIT_DEG;
use crate::analysis::Ellipsoid;

/// What the viewer is doing, as far as a script must wait for it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Readiness {
    pub loading: bool,
    /// Every visible pane shows the current state at full quality.
    pub settled: bool,
    pub hotspots_pending: bool,
    /// A key frame is still being drawn.
    pub key_frame_pending: bool,
    /// A PACS search is running.
    pub pacs_searching: bool,
    /// Files (a SEG, key frames) are still being written in the background.
    pub writing: bool,
}

/// What a command asks of the application beyond the reading model.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    None,
    Load(Option<PathBuf>),
    /// Open a follow-up study (`None`: the built-in phantom).
    LoadFollowup(Option<PathBuf>),
    /// Save the side-by-side follow-up key frame.
    KeyFrameFollowup(PathBuf),
    Screenshot(PathBuf),
    KeyFrame(PathBuf, PaneId),
    ExportHotspots(PathBuf),
    ExportSeg(PathBuf),
    /// Search a DICOMweb server from the PACS section.
    PacsSearch(String),
    /// Open the N-th (from 1) study the PACS search found.
    PacsOpen(usize),
    /// Destroy the GPU device (testing recovery).
    LoseDevice,
    /// Load the study again with these series (`None`: keep the one shown).
    ChooseSeries {
        ct: Option<String>,
        pet: Option<String>,
    },
    Quit,
}

/// A command waits at most this long for what it needs (a load, a settled view); then the
/// script goes on with a warning rather than hang a test or a benchmark.
pub const MAX_COMMAND_WAIT: Duration = Duration::from_secs(120);

/// The commands still to run.
#[derive(Debug, Default)]
pub struct ScriptRunner {
    queue: VecDeque<Command>,
    sleep_until: Option<Instant>,
    /// Since when the first command has been waiting.
    waiting_since: Option<Instant>,
}

impl ScriptRunner {
    /// A runner for parsed commands.
    pub fn new(commands: Vec<Command>) -> Self {
        Self {
            queue: commands.into(),
            sleep_until: None,
            waiting_since: None,
        }
    }

    /// Whether commands remain.
    pub fn active(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The commands to run this frame: everything up to and including the first
    /// interaction, stopping early at anything that has to wait.
    pub fn this_frame(&mut self, ready: Readiness) -> Vec<Command> {
        let mut out = Vec::new();
        if self.sleep_until.is_some_and(|t| Instant::now() < t) {
            return out;
        }
        self.sleep_until = None;
        while let Some(cmd) = self.queue.front() {
            if must_wait(cmd, ready) {
                let since = *self.waiting_since.get_or_insert_with(Instant::now);
                if since.elapsed() < MAX_COMMAND_WAIT {
                    break;
                }
                tracing::warn!(
                    "script: {cmd:?} waited {} s for the viewer ({ready:?}); going on",
                    MAX_COMMAND_WAIT.as_secs()
                );
            }
            self.waiting_since = None;
            let Some(cmd) = self.queue.pop_front() else {
                break;
            };
            let ends_frame = cmd.is_interaction()
                || matches!(
                    cmd,
                    Command::Load(_)
                        | Command::LoadFollowup(_)
                        | Command::KeyFrameFollowup(_)
                        | Command::PacsSearch(_)
                        | Command::ReferenceLoad(_)
                        | Command::ExportSeg(_)
                        | Command::Series { .. }
                        | Command::Screenshot(_)
                        | Command::KeyFrame(..)
                        | Command::LoseDevice
                        | Command::Quit
                );
            if let Command::Sleep(ms) = cmd {
                self.sleep_until = Some(Instant::now() + Duration::from_millis(ms));
                break;
            }
            out.push(cmd);
            if ends_frame {
                break;
            }
        }
        out
    }
}

fn must_wait(cmd: &Command, ready: Readiness) -> bool {
    match cmd {
        Command::Wait => ready.loading,
        Command::Screenshot(_) | Command::KeyFrame(..) | Command::KeyFrameFollowup(_) => {
            ready.loading || !ready.settled || ready.hotspots_pending
        }
        Command::SelectLesion(_)
        | Command::LesionCategory(..)
        | Command::ExportHotspots(_)
        | Command::ExportSeg(_) => ready.hotspots_pending,
        // The click needs the projection of what is on screen.
        Command::MipClick(..) => ready.loading || !ready.settled || ready.hotspots_pending,
        Command::PacsOpen(_) => ready.pacs_searching,
        // A mask just exported must be on disk before it is read back.
        Command::ReferenceLoad(_) => ready.loading || ready.writing,
        // Quitting drops a key frame still being ray-marched.
        Command::Quit => ready.key_frame_pending,
        _ => false,
    }
}

/// Applies a command to the model; `mm_per_px` gives a pane's patient mm per pixel (for
/// pan drags).
pub fn apply(
    model: &mut ReadingModel,
    cmd: Command,
    mm_per_px: impl Fn(PaneId) -> f32,
) -> Result<Effect, String> {
    let s = &mut model.view;
    match cmd {
        Command::Load(path) => return Ok(Effect::Load(path)),
        Command::LoadFollowup(path) => return Ok(Effect::LoadFollowup(path)),
        Command::Flicker(on) => model.flicker.set(on, Instant::now()),
        Command::KeyFrameFollowup(path) => return Ok(Effect::KeyFrameFollowup(path)),
        Command::Nudge(x, y, z, deg) => match &mut model.followup {
            Some(f) => f.add_nudge(Vec3::new(x, y, z), deg),
            None => return Err("no follow-up is open".into()),
        },
        Command::Wait | Command::Release | Command::Sleep(_) => {}
        Command::Scroll(pane, n) => s.scroll(pane, n),
        Command::Rotate(a, e) => {
            s.camera.azimuth_deg += a;
            s.camera.elevation_deg =
                (s.camera.elevation_deg + e).clamp(-ELEVATION_LIMIT_DEG, ELEVATION_LIMIT_DEG);
        }
        Command::Drag(pane, button, dx, dy) => {
            let gesture = PaneGesture::Drag {
                button,
                delta: Vec2::new(dx, dy),
                mm_per_px: mm_per_px(pane),
            };
            apply_gesture(model, pane, gesture);
        }
        Command::Slider(slider, value) => slider.set(model, value),
        Command::View(v) => s.set_view(v),
        Command::Window(w) => s.settings.ct_window = w,
        Command::Mode(m) => s.settings.mode = m,
        Command::CtPreset(p) => s.settings.ct_preset = p,
        Command::Colormap(c) => s.settings.colormap = c,
        Command::SuvWindow(lo, hi) => s.settings.pet_window = [lo, hi.max(lo + 1e-3)],
        Command::Opacity(o) => s.settings.fusion_opacity = o.clamp(0.0, 1.0),
        Command::Cursor(x, y, z) => s.cursor = Vec3::new(x, y, z),
        Command::Maximise(p) => s.maximised = Some(p),
        Command::Restore => s.maximised = None,
        Command::Layout(l) => s.set_layout(l),
        Command::PaneContent(pane, content) => {
            if s.set_pane_content(pane, content).is_none() {
                model.message(format!(
                    "{} shows fixed content in this layout",
                    pane.name()
                ));
            }
        }
        Command::PetWindow(lo, hi) => s.pet_only.window = [lo, hi.max(lo + 1e-3)],
        Command::MipWindow(lo, hi) => s.mip_view.display.window = [lo, hi.max(lo + 1e-3)],
        Command::MipAngle(deg) => s.mip_view.azimuth_deg = deg.rem_euclid(360.0),
        Command::MipCine(on) => s.mip_view.cine = on,
        Command::MipClick(fx, fy) => {
            if !model.mip_click_fraction(fx, fy) {
                model.message("mip-click: no MIP shown or the click missed the PET");
            }
        }
        Command::Demo(on) => s.demo = on,
        Command::Screenshot(path) => return Ok(Effect::Screenshot(path)),
        Command::KeyFrame(path, pane) => return Ok(Effect::KeyFrame(path, pane)),
        Command::Hotspots(method) => {
            let mut params = model.hotspots.params.clone();
            params.method = method;
            model.set_hotspot_params(params);
        }
        Command::SelectLesion(n) => {
            let count = model
                .hotspots
                .result
                .as_ref()
                .map_or(0, |r| r.lesions.len());
            if n > count {
                return Err(format!("there are {count} lesions, not {n}"));
            }
            model.select_lesion(n - 1);
        }
        Command::LesionCategory(n, category) => {
            if !model.set_lesion_category(n - 1, category) {
                return Err(format!("there is no lesion {n}"));
            }
        }
        Command::ExportHotspots(path) => return Ok(Effect::ExportHotspots(path)),
        Command::ExportSeg(path) => return Ok(Effect::ExportSeg(path)),
        Command::PacsSearch(root) => return Ok(Effect::PacsSearch(root)),
        Command::PacsOpen(n) => return Ok(Effect::PacsOpen(n)),
        Command::ReferenceLoad(path) => model.load_reference(path),
        Command::Reference(on) => model.show_reference(on),
        Command::Ruler(a, b) => {
            model.measurements.add_ruler(a, b);
        }
        Command::RoiSphere(c, r) => add_roi(model, Ellipsoid::sphere(c, r)),
        Command::RoiEllipse(centre, radii) => add_roi(model, Ellipsoid { centre, radii }),
        Command::LoseDevice => return Ok(Effect::LoseDevice),
        Command::Series { pet, selector } => {
            let (ct, pet) = if pet {
                (None, Some(selector))
            } else {
                (Some(selector), None)
            };
            return Ok(Effect::ChooseSeries { ct, pet });
        }
        Command::Quit => return Ok(Effect::Quit),
    }
    Ok(Effect::None)
}

/// Adds an ROI measured over the open study (its figures follow once a study is loaded).
fn add_roi(model: &mut ReadingModel, shape: Ellipsoid) {
    let study = model.study.as_ref();
    model.measurements.add_roi(shape, None, study);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::script::parse;

    fn runner(text: &str) -> ScriptRunner {
        ScriptRunner::new(parse(text).unwrap())
    }

    #[test]
    fn one_interaction_per_frame() {
        let mut r = runner("mode ct-mip\nrotate 5 0\nrotate 5 0\ndrag 3d left 3 0\nquit");
        let ready = Readiness {
            settled: true,
            ..Default::default()
        };
        assert_eq!(r.this_frame(ready).len(), 1);
        assert_eq!(r.this_frame(ready), vec![Command::Rotate(5.0, 0.0)]);
        assert_eq!(r.this_frame(ready), vec![Command::Rotate(5.0, 0.0)]);
        assert_eq!(r.this_frame(ready).len(), 1);
        assert_eq!(r.this_frame(ready), vec![Command::Quit]);
        assert!(!r.active());
    }

    #[test]
    fn a_pacs_open_waits_for_the_search_started_in_an_earlier_frame() {
        let mut r = runner("pacs-search http://h/dw\npacs-open 2");
        let idle = Readiness::default();
        assert_eq!(
            r.this_frame(idle),
            vec![Command::PacsSearch("http://h/dw".into())],
            "the search ends the frame, so the next frame sees it running"
        );
        let searching = Readiness {
            pacs_searching: true,
            ..Default::default()
        };
        assert!(r.this_frame(searching).is_empty());
        assert_eq!(r.this_frame(idle), vec![Command::PacsOpen(2)]);
    }

    #[test]
    fn waits_for_loading_and_for_a_settled_view() {
        let mut r = runner("wait\nscreenshot /tmp/a.png\nquit");
        let loading = Readiness {
            loading: true,
            ..Default::default()
        };
        assert!(r.this_frame(loading).is_empty());
        let unsettled = Readiness::default();
        assert_eq!(r.this_frame(unsettled), vec![Command::Wait]);
        assert!(r.this_frame(unsettled).is_empty());
        let settled = Readiness {
            settled: true,
            ..Default::default()
        };
        assert_eq!(r.this_frame(settled).len(), 1);
    }

    #[test]
    fn a_reference_load_waits_for_files_being_written_and_ends_the_frame() {
        let mut r = runner("export-seg /tmp/l.dcm\nreference-load /tmp/l.dcm\nwait\nquit");
        let written = Readiness {
            settled: true,
            ..Default::default()
        };
        // The write starts after this frame's readiness was taken: the frame ends there.
        assert_eq!(
            r.this_frame(written),
            vec![Command::ExportSeg("/tmp/l.dcm".into())]
        );
        let writing = Readiness {
            writing: true,
            ..written
        };
        assert!(
            r.this_frame(writing).is_empty(),
            "the SEG is still being written"
        );
        // `wait` must see the load the command starts: it runs in a later frame.
        assert_eq!(
            r.this_frame(written),
            vec![Command::ReferenceLoad("/tmp/l.dcm".into())]
        );
        let loading = Readiness {
            loading: true,
            ..written
        };
        assert!(r.this_frame(loading).is_empty());
        assert_eq!(r.this_frame(written), vec![Command::Wait, Command::Quit]);
    }

    #[test]
    fn quit_waits_for_a_key_frame_in_progress() {
        let mut r = runner("quit");
        let drawing = Readiness {
            key_frame_pending: true,
            ..Default::default()
        };
        assert!(r.this_frame(drawing).is_empty());
        assert_eq!(r.this_frame(Readiness::default()), vec![Command::Quit]);
    }

    #[test]
    fn a_script_drag_moves_like_the_mouse() {
        let mut model = ReadingModel::for_tests();
        let az = model.view.camera.azimuth_deg;
        let cmd = parse("drag 3d left 10 0").unwrap().remove(0);
        assert_eq!(apply(&mut model, cmd, |_| 1.0), Ok(Effect::None));
        let mut by_hand = ReadingModel::for_tests();
        by_hand.view.drag_rotate(Vec2::new(10.0, 0.0));
        assert_ne!(model.view.camera.azimuth_deg, az);
        assert_eq!(model.view.camera, by_hand.view.camera);
    }

    #[test]
    fn measurement_commands_add_rulers_and_rois() {
        let mut model = ReadingModel::for_tests();
        for cmd in
            parse("ruler 0,0,0 3,4,12\nroi-sphere 1,2,3 10\nroi-ellipse 0,0,0 1,2,3").unwrap()
        {
            assert_eq!(apply(&mut model, cmd, |_| 1.0), Ok(Effect::None));
        }
        let items = model.measurements.items();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].summary(), "#1 ruler 13.0 mm");
        match &items[2].shape {
            crate::ui::measurements::Shape::Roi(r) => {
                assert_eq!(r.shape.radii, glam::DVec3::new(1.0, 2.0, 3.0))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn selecting_a_missing_lesion_is_an_error() {
        let mut model = ReadingModel::for_tests();
        let cmd = parse("select-lesion 3").unwrap().remove(0);
        assert!(apply(&mut model, cmd, |_| 1.0).is_err());
    }
}
