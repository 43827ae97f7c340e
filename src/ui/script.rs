//! Viewer scripts (`petct view --script FILE`): one command per line, for demos,
//! reproducible figures, benchmarks and automated tests. `#` starts a comment.
//!
//! Every argument is checked when the script is parsed, so a typo is reported with its line
//! number before anything runs.
//!
//! ```text
//! load PATH | load phantom     open a study (in the background)
//! wait                         until loading has finished (a follow-up and its
//!                              registration too)
//! load-followup PATH|phantom   open a follow-up study of the open one (in the background),
//!                              registered onto it on a worker
//! flicker on|off               swap the follow-up layout's baseline column between
//!                              baseline and follow-up every 0.6 s
//! nudge DX DY DZ DEG           move the follow-up onto the baseline by hand: mm along
//!                              patient x, y, z and degrees about the head-feet axis
//! keyframe-followup PATH       the baseline and follow-up axial slices side by side as PNG
//! scroll PANE N                scroll a slice pane (axial, coronal, sagittal) by N slices
//! rotate DAZ DEL               turn the 3D camera by degrees
//! drag PANE BUTTON DX DY       one mouse-move step of a drag in a pane (BUTTON: left, right,
//!                              middle), as the mouse does it; the drag ends at the next
//!                              command that is not a drag, or at `release`
//! release                      end a drag
//! slider NAME VALUE            set a side-panel slider as the widget does: suv-threshold,
//!                              ct-width, ct-level, suv-low, suv-high, opacity
//! view NAME                    anterior, posterior, left, right, superior, inferior
//! window NAME | window W L     CT window preset (soft-tissue, lung, bone, liver, brain) or values
//! mode NAME                    fused, pet-mip, ct-mip, ct-dvr
//! ct-preset NAME               bone, soft-tissue, lung, skin
//! colormap NAME                hot-iron, pet, hot-metal-blue, grey, inverted-grey, rainbow
//! suv-window LO HI             PET window
//! opacity F                    fusion opacity 0..1
//! cursor X Y Z                 move the linked cursor (patient mm)
//! maximise PANE | restore      layout (PANE: 3d, mip, axial, coronal, sagittal, or a plane
//!                              with -ct, -pet or -fused: axial-pet, coronal-ct, ...)
//! layout NAME                  2x2, pet-ct (CT, PET and fused rows with the PET MIP), 1x3,
//!                              follow-up (baseline left, follow-up right)
//! pane-content PANE KIND       show ct, pet or fused in a slice pane of the layout
//! pet-window LO HI             PET window of the PET-only slice panes
//! mip-window LO HI             PET window of the MIP pane
//! mip-angle DEG                turn the MIP (0 anterior, 90 from the patient's left)
//! mip-cine on|off              turn the MIP by itself
//! mip-click FX FY              click the MIP at a fraction of its image (0 0 top left)
//! series ct|pet SELECTOR       load the study again with another series (SeriesInstanceUID
//!                              or series number); `wait` then waits for it
//! demo on|off                  demo mode for patients
//! screenshot PATH              the whole window as PNG
//! keyframe PATH [PANE]         a key frame (default the 3D view) as PNG, or as DICOM
//!                              Secondary Capture in the study when PATH ends in .dcm
//! hotspots METHOD [THRESHOLD]  segment hot spots: abs (SUV), percent (of SUVmax), percist
//! select-lesion N              select the N-th lesion of the table (1 = highest SUVmax)
//! lesion-category N CATEGORY   set the N-th lesion's category: suspicious, ignored, or an
//!                              organ (physiologic): brain, head_neck, myocardium, liver,
//!                              kidney, ureter, bladder, bowel, brown_fat, other
//! export-hotspots PATH         the lesion table as CSV (or JSON when PATH ends in .json),
//!                              with the measurements (see `ui::export`)
//! export-seg PATH              the suspicious lesions as a DICOM SEG (a DICOM study only)
//! pacs-search ROOT             search the DICOMweb server ROOT from the PACS section
//!                              (credentials: the section's, else PETCT_DICOMWEB_*)
//! pacs-open N                  open the N-th study found (1 = first), once the search is done
//! reference-load PATH          outline a reference mask (a DICOM SEG, or a NIfTI mask .nii or
//!                              .nii.gz) over the slices and the MIP, read in the background
//!                              after files being written (export-seg) are done; `wait`
//!                              waits for it
//! reference on|off             show or hide the reference mask's outline
//! ruler X,Y,Z X,Y,Z            add a distance ruler between two patient points (mm)
//! roi-sphere X,Y,Z R           add a spherical ROI: centre (patient mm), radius (mm)
//! roi-ellipse X,Y,Z RX,RY,RZ   add an ellipsoidal ROI, radii along patient x, y, z (mm)
//! sleep MS                     pause
//! lose-device                  destroy the GPU device as a driver reset would (testing:
//!                              the viewer recreates its graphics and keeps the study)
//! quit                         close the viewer
//! ```

use std::path::PathBuf;

use glam::DVec3;

use super::input::{DragButton, Slider};
use super::state::{ct_window_preset, Layout, PaneId};
use crate::analysis::{Category, Method, Organ};
use crate::render::camera::StandardView;
use crate::render::colormap::Colormap;
use crate::render::mpr::SliceContent;
use crate::render::settings::{CtWindow, RenderMode};
use crate::render::transfer::CtPreset;

/// One script command, with its arguments already checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Load(Option<PathBuf>),
    /// Open a follow-up study (`None`: the built-in phantom).
    LoadFollowup(Option<PathBuf>),
    /// Start or stop the flicker between baseline and follow-up.
    Flicker(bool),
    /// Nudge the follow-up: mm along x, y, z and degrees about z.
    Nudge(f32, f32, f32, f32),
    /// The baseline and follow-up axial slices side by side.
    KeyFrameFollowup(PathBuf),
    Wait,
    Scroll(PaneId, i32),
    Rotate(f32, f32),
    Drag(PaneId, DragButton, f32, f32),
    Release,
    Slider(Slider, f32),
    View(StandardView),
    Window(CtWindow),
    Mode(RenderMode),
    CtPreset(CtPreset),
    Colormap(Colormap),
    SuvWindow(f32, f32),
    Opacity(f32),
    Cursor(f32, f32, f32),
    Maximise(PaneId),
    Restore,
    Layout(Layout),
    PaneContent(PaneId, SliceContent),
    PetWindow(f32, f32),
    MipWindow(f32, f32),
    MipAngle(f32),
    MipCine(bool),
    MipClick(f32, f32),
    Demo(bool),
    Screenshot(PathBuf),
    KeyFrame(PathBuf, PaneId),
    Hotspots(Method),
    SelectLesion(usize),
    LesionCategory(usize, Category),
    ExportHotspots(PathBuf),
    ExportSeg(PathBuf),
    PacsSearch(String),
    PacsOpen(usize),
    /// Load a reference mask (DICOM SEG or NIfTI) as the overlay.
    ReferenceLoad(PathBuf),
    /// Show or hide the reference overlay.
    Reference(bool),
    /// A ruler between two patient points (mm).
    Ruler(DVec3, DVec3),
    /// A spherical ROI: centre (patient mm) and radius (mm).
    RoiSphere(DVec3, f64),
    /// An ellipsoidal ROI: centre (patient mm) and radii along patient x, y, z (mm).
    RoiEllipse(DVec3, DVec3),
    Sleep(u64),
    /// Another CT or PET series (`pet`: which modality).
    Series {
        pet: bool,
        selector: String,
    },
    LoseDevice,
    Quit,
}

impl Command {
    /// Whether the command is one step of the user's hand (mouse or widget): scripts run
    /// at most one of these per frame, so they are measured like real interaction.
    pub fn is_interaction(&self) -> bool {
        matches!(
            self,
            Command::Scroll(..)
                | Command::Rotate(..)
                | Command::Drag(..)
                | Command::Slider(..)
                | Command::View(_)
                | Command::Window(_)
                | Command::Mode(_)
                | Command::CtPreset(_)
                | Command::Colormap(_)
                | Command::SuvWindow(..)
                | Command::Opacity(_)
                | Command::Cursor(..)
                | Command::Hotspots(_)
                | Command::SelectLesion(_)
                | Command::Layout(_)
                | Command::PaneContent(..)
                | Command::PetWindow(..)
                | Command::MipWindow(..)
                | Command::MipAngle(_)
                | Command::MipClick(..)
                | Command::LesionCategory(..)
                | Command::Reference(_)
                | Command::Ruler(..)
                | Command::RoiSphere(..)
                | Command::RoiEllipse(..)
                | Command::Flicker(_)
                | Command::Nudge(..)
        )
    }

    /// Whether the command needs what is on screen to be drawn at full quality first.
    pub fn needs_settled_view(&self) -> bool {
        matches!(
            self,
            Command::Screenshot(_) | Command::KeyFrame(..) | Command::KeyFrameFollowup(_)
        )
    }
}

/// A parse error with its line number.
#[derive(Debug, thiserror::Error)]
#[error("script line {line}: {message}")]
pub struct ScriptError {
    pub line: usize,
    pub message: String,
}

/// Parses a whole script; the first bad line is an error naming it.
pub fn parse(text: &str) -> Result<Vec<Command>, ScriptError> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let l = l.split('#').next().unwrap_or("").trim();
            (!l.is_empty()).then_some((i + 1, l))
        })
        .map(|(line, l)| parse_line(l).map_err(|message| ScriptError { line, message }))
        .collect()
}

/// The words after the command name.
struct Args<'a>(Vec<&'a str>);

impl<'a> Args<'a> {
    fn word(&self, i: usize, what: &str) -> Result<&'a str, String> {
        self.0
            .get(i)
            .copied()
            .ok_or_else(|| format!("missing {what}"))
    }

    fn num<T: std::str::FromStr>(&self, i: usize, what: &str) -> Result<T, String> {
        let w = self.word(i, what)?;
        w.parse().map_err(|_| format!("bad {what} '{w}'"))
    }

    fn named<T: std::str::FromStr>(&self, i: usize, what: &str) -> Result<T, String>
    where
        T::Err: std::fmt::Display,
    {
        let w = self.word(i, what)?;
        w.parse().map_err(|e| format!("unknown {what} '{w}': {e}"))
    }

    fn pane(&self, i: usize) -> Result<PaneId, String> {
        let s = self.word(i, "pane")?;
        PaneId::parse(s).ok_or_else(|| {
            format!(
                "unknown pane '{s}' (3d, mip, axial, coronal, sagittal, axial-pet, axial-ct, ...)"
            )
        })
    }

    fn path(&self, i: usize) -> Result<PathBuf, String> {
        Ok(PathBuf::from(self.word(i, "path")?))
    }

    /// Three numbers joined by commas, `X,Y,Z`.
    fn point(&self, i: usize, what: &str) -> Result<DVec3, String> {
        let w = self.word(i, what)?;
        let v: Vec<f64> = w
            .split(',')
            .map(|c| c.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("bad {what} '{w}' (expected X,Y,Z in mm)"))?;
        match v[..] {
            [x, y, z] if v.iter().all(|c| c.is_finite()) => Ok(DVec3::new(x, y, z)),
            _ => Err(format!("bad {what} '{w}' (expected X,Y,Z in mm)")),
        }
    }

    /// A positive length in mm.
    fn radius(&self, i: usize) -> Result<f64, String> {
        let r: f64 = self.num(i, "radius")?;
        if r > 0.0 && r.is_finite() {
            Ok(r)
        } else {
            Err(format!("radius {r} mm must be positive"))
        }
    }
}

fn parse_line(l: &str) -> Result<Command, String> {
    let mut words = l.split_whitespace();
    let cmd = words.next().unwrap_or_default().to_ascii_lowercase();
    let a = Args(words.collect());
    Ok(match cmd.as_str() {
        "load" => match a.0.first() {
            None | Some(&"phantom") => Command::Load(None),
            Some(_) => Command::Load(Some(PathBuf::from(a.0.join(" ")))),
        },
        "load-followup" => match a.0.first() {
            None => return Err("missing path (or 'phantom')".into()),
            Some(&"phantom") => Command::LoadFollowup(None),
            Some(_) => Command::LoadFollowup(Some(PathBuf::from(a.0.join(" ")))),
        },
        "flicker" => Command::Flicker(parse_on_off(a.0.first().copied())?),
        "nudge" => Command::Nudge(
            a.num(0, "x mm")?,
            a.num(1, "y mm")?,
            a.num(2, "z mm")?,
            a.num(3, "degrees")?,
        ),
        "keyframe-followup" => Command::KeyFrameFollowup(a.path(0)?),
        "wait" => Command::Wait,
        "scroll" => Command::Scroll(a.pane(0)?, a.num(1, "slice count")?),
        "rotate" => Command::Rotate(a.num(0, "azimuth")?, a.num(1, "elevation")?),
        "drag" => Command::Drag(
            a.pane(0)?,
            a.named(1, "mouse button")?,
            a.num(2, "dx")?,
            a.num(3, "dy")?,
        ),
        "release" => Command::Release,
        "slider" => Command::Slider(a.named(0, "slider")?, a.num(1, "value")?),
        "view" => Command::View(a.named(0, "view")?),
        "window" if a.0.len() >= 2 => Command::Window(CtWindow {
            width: a.num(0, "width")?,
            level: a.num(1, "level")?,
        }),
        "window" => {
            let name = a.word(0, "window preset")?;
            Command::Window(
                ct_window_preset(name).ok_or_else(|| format!("unknown window preset '{name}'"))?,
            )
        }
        "mode" => Command::Mode(parse_mode(a.word(0, "mode")?)?),
        "ct-preset" => Command::CtPreset(a.named(0, "CT preset")?),
        "colormap" => Command::Colormap(a.named(0, "colormap")?),
        "suv-window" => Command::SuvWindow(a.num(0, "low")?, a.num(1, "high")?),
        "opacity" => Command::Opacity(a.num(0, "opacity")?),
        "cursor" => Command::Cursor(a.num(0, "x")?, a.num(1, "y")?, a.num(2, "z")?),
        "maximise" | "maximize" => Command::Maximise(a.pane(0)?),
        "restore" => Command::Restore,
        "layout" => {
            let name = a.word(0, "layout")?;
            Command::Layout(
                Layout::parse(name).ok_or_else(|| {
                    format!("unknown layout '{name}' (2x2, pet-ct, 1x3, follow-up)")
                })?,
            )
        }
        "pane-content" => {
            let kind = a.word(1, "content")?;
            Command::PaneContent(
                a.pane(0)?,
                SliceContent::parse(kind)
                    .ok_or_else(|| format!("unknown content '{kind}' (ct, pet, fused)"))?,
            )
        }
        "pet-window" => Command::PetWindow(a.num(0, "low")?, a.num(1, "high")?),
        "mip-window" => Command::MipWindow(a.num(0, "low")?, a.num(1, "high")?),
        "mip-angle" => Command::MipAngle(a.num(0, "angle")?),
        "mip-cine" => Command::MipCine(parse_on_off(a.0.first().copied())?),
        "mip-click" => Command::MipClick(a.num(0, "x fraction")?, a.num(1, "y fraction")?),
        "demo" => Command::Demo(parse_on_off(a.0.first().copied())?),
        "screenshot" => Command::Screenshot(a.path(0)?),
        "keyframe" => Command::KeyFrame(
            a.path(0)?,
            match a.0.get(1) {
                Some(_) => a.pane(1)?,
                None => PaneId::ThreeD,
            },
        ),
        "hotspots" => Command::Hotspots(parse_method(&a)?),
        "select-lesion" => match a.num(0, "lesion number")? {
            0 => return Err("lesion numbers start at 1".into()),
            n => Command::SelectLesion(n),
        },
        "lesion-category" => match a.num(0, "lesion number")? {
            0 => return Err("lesion numbers start at 1".into()),
            n => Command::LesionCategory(n, parse_category(a.word(1, "category")?)?),
        },
        "export-hotspots" => Command::ExportHotspots(a.path(0)?),
        "export-seg" => Command::ExportSeg(a.path(0)?),
        "pacs-search" => Command::PacsSearch(a.word(0, "DICOMweb root")?.to_string()),
        "pacs-open" => match a.num(0, "study number")? {
            0 => return Err("study numbers start at 1".into()),
            n => Command::PacsOpen(n),
        },
        "reference-load" if !a.0.is_empty() => Command::ReferenceLoad(PathBuf::from(a.0.join(" "))),
        "reference-load" => return Err("missing path".into()),
        "reference" => Command::Reference(parse_on_off_required(a.0.first().copied())?),
        "ruler" => Command::Ruler(a.point(0, "first end")?, a.point(1, "second end")?),
        "roi-sphere" => Command::RoiSphere(a.point(0, "centre")?, a.radius(1)?),
        "roi-ellipse" => {
            let radii = a.point(1, "radii")?;
            if radii.min_element() <= 0.0 {
                return Err(format!("radii {radii} mm must be positive"));
            }
            Command::RoiEllipse(a.point(0, "centre")?, radii)
        }
        "sleep" => Command::Sleep(a.num(0, "milliseconds")?),
        "lose-device" => Command::LoseDevice,
        "series" => Command::Series {
            pet: match a.word(0, "modality")?.to_ascii_lowercase().as_str() {
                "pet" | "pt" => true,
                "ct" => false,
                other => return Err(format!("unknown modality '{other}' (ct, pet)")),
            },
            selector: a.word(1, "series UID or number")?.to_string(),
        },
        "quit" | "exit" => Command::Quit,
        other => return Err(format!("unknown command '{other}'")),
    })
}

fn parse_mode(name: &str) -> Result<RenderMode, String> {
    RenderMode::ALL
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| format!("unknown mode '{name}' (fused, pet-mip, ct-mip, ct-dvr)"))
}

fn parse_category(word: &str) -> Result<Category, String> {
    match word {
        "suspicious" => Ok(Category::Suspicious),
        "ignored" | "ignore" => Ok(Category::Ignored),
        organ => Organ::from_name(organ)
            .map(|organ| Category::Physiologic { organ })
            .ok_or_else(|| {
                format!("unknown category '{organ}' (suspicious, ignored or an organ name)")
            }),
    }
}

fn parse_on_off(word: Option<&str>) -> Result<bool, String> {
    match word {
        None | Some("on") => Ok(true),
        Some("off") => Ok(false),
        Some(other) => Err(format!("expected on or off, not '{other}'")),
    }
}

/// `on` or `off`, required (a bare `reference` would read as a typo of `reference-load`).
fn parse_on_off_required(word: Option<&str>) -> Result<bool, String> {
    match word {
        None => Err("expected on or off".into()),
        w => parse_on_off(w),
    }
}

fn parse_method(a: &Args) -> Result<Method, String> {
    let threshold = |default: f32| match a.0.get(1) {
        Some(_) => a.num::<f32>(1, "threshold"),
        None => Ok(default),
    };
    Ok(match a.word(0, "hot-spot method")? {
        "abs" => Method::Absolute {
            suv: threshold(2.5)?,
        },
        "percent" => Method::PercentOfMax {
            fraction: threshold(41.0)? / 100.0,
        },
        "percist" => Method::Percist,
        other => {
            return Err(format!(
                "unknown hot-spot method '{other}' (abs, percent, percist)"
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_script_into_typed_commands() {
        let s = parse(
            "load phantom\nwait # loaded\n\nscroll axial -3\nwindow lung\nwindow 400 40\n\
             keyframe /tmp/k.png axial\ndrag 3d left 5 -2\nslider suv-threshold 3.5\n\
             mode pet-mip\nhotspots percent 50\nquit",
        )
        .unwrap();
        assert_eq!(s[0], Command::Load(None));
        assert_eq!(s[2], Command::Scroll(PaneId::AXIAL, -3));
        assert_eq!(s[3], Command::Window(ct_window_preset("lung").unwrap()));
        assert_eq!(
            s[4],
            Command::Window(CtWindow {
                width: 400.0,
                level: 40.0
            })
        );
        assert_eq!(s[5], Command::KeyFrame("/tmp/k.png".into(), PaneId::AXIAL));
        assert_eq!(
            s[6],
            Command::Drag(PaneId::ThreeD, DragButton::Left, 5.0, -2.0)
        );
        assert_eq!(s[7], Command::Slider(Slider::SuvThreshold, 3.5));
        assert_eq!(s[8], Command::Mode(RenderMode::PetMip));
        assert_eq!(
            s[9],
            Command::Hotspots(Method::PercentOfMax { fraction: 0.5 })
        );
    }

    #[test]
    fn layout_and_mip_commands() {
        let s = parse(
            "layout pet-ct\npane-content coronal-fused pet\nmip-angle 90\nmip-click 0.5 0.25\n\
             maximise axial-pet\nmip-cine off",
        )
        .unwrap();
        assert_eq!(s[0], Command::Layout(Layout::PetCt));
        assert_eq!(
            s[1],
            Command::PaneContent(PaneId::CORONAL, SliceContent::Pet)
        );
        assert_eq!(s[2], Command::MipAngle(90.0));
        assert_eq!(s[3], Command::MipClick(0.5, 0.25));
        assert_eq!(
            s[4],
            Command::Maximise(PaneId::Slice(
                crate::render::mpr::MprOrientation::Axial,
                SliceContent::Pet
            ))
        );
        assert_eq!(s[5], Command::MipCine(false));
    }

    #[test]
    fn lesion_categories_parse_as_organs_or_words() {
        let s = parse(
            "lesion-category 3 bladder
lesion-category 1 ignored
lesion-category 2 suspicious",
        )
        .unwrap();
        assert_eq!(
            s[0],
            Command::LesionCategory(
                3,
                Category::Physiologic {
                    organ: Organ::Bladder
                }
            )
        );
        assert_eq!(s[1], Command::LesionCategory(1, Category::Ignored));
        assert_eq!(s[2], Command::LesionCategory(2, Category::Suspicious));
    }

    #[test]
    fn parses_measurement_commands() {
        let s = parse(
            "ruler -85,-15,55 0,-10.5,215\nroi-sphere -85,-15,55 20\nroi-ellipse 1,2,3 4,5,6",
        )
        .unwrap();
        assert_eq!(
            s[0],
            Command::Ruler(
                DVec3::new(-85.0, -15.0, 55.0),
                DVec3::new(0.0, -10.5, 215.0)
            )
        );
        assert_eq!(
            s[1],
            Command::RoiSphere(DVec3::new(-85.0, -15.0, 55.0), 20.0)
        );
        assert_eq!(
            s[2],
            Command::RoiEllipse(DVec3::new(1.0, 2.0, 3.0), DVec3::new(4.0, 5.0, 6.0))
        );
        assert!(s.iter().all(Command::is_interaction));
        for (text, word) in [
            ("ruler 1,2 3,4,5", "1,2"),
            ("ruler 1,2,3", "second end"),
            ("roi-sphere 1,2,x 5", "1,2,x"),
            ("roi-sphere 0,0,0 -3", "positive"),
            ("roi-ellipse 0,0,0 1,0,1", "positive"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.to_string().contains(word), "{text}: {e}");
        }
    }

    #[test]
    fn reference_commands_load_a_mask_and_toggle_it() {
        let s =
            parse("reference-load /tmp/my masks/SEG.nii.gz\nreference off\nreference on").unwrap();
        assert_eq!(
            s[0],
            Command::ReferenceLoad("/tmp/my masks/SEG.nii.gz".into())
        );
        assert_eq!(s[1], Command::Reference(false));
        assert_eq!(s[2], Command::Reference(true));
        assert!(!s[0].is_interaction() && s[1].is_interaction());
        for (text, word) in [
            ("reference-load", "path"),
            ("reference", "on or off"),
            ("reference maybe", "maybe"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.to_string().contains(word), "{text}: {e}");
        }
    }

    #[test]
    fn lose_device_is_a_command_of_its_own() {
        let s = parse("wait\nlose-device\nwait").unwrap();
        assert_eq!(s[1], Command::LoseDevice);
        assert!(!Command::LoseDevice.is_interaction());
    }

    #[test]
    fn typos_are_reported_with_their_line_before_anything_runs() {
        for (text, line, word) in [
            ("wait\nfly away", 2, "fly"),
            ("wait\nwait\nmode fussed", 3, "fussed"),
            ("colormap hot-iorn", 1, "hot-iorn"),
            ("view anteriour", 1, "anteriour"),
            ("wait\nwindow lugn", 2, "lugn"),
            ("slider suv-thresh 3", 1, "suv-thresh"),
            ("drag 3d sideways 1 1", 1, "sideways"),
            ("hotspots absolute", 1, "absolute"),
            ("demo maybe", 1, "maybe"),
            ("select-lesion 0", 1, "start at 1"),
            ("layout 3x3", 1, "3x3"),
            ("series mr 1", 1, "mr"),
            ("pane-content axial both", 1, "both"),
            ("maximise axial-spect", 1, "axial-spect"),
            ("lesion-category 2 sarcoma", 1, "sarcoma"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text}");
            assert!(e.to_string().contains(word), "{e}");
        }
    }
}
