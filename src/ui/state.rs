//! Viewer state that is not tied to a window: settings, camera, the linked cursor, pane
//! views, and the interaction conventions as plain functions (testable without a GPU).

use glam::{Vec2, Vec3};

use crate::render::camera::{OrbitCamera, StandardView};
use crate::render::mpr::{MprOrientation, MprView, SliceContent};
use crate::render::settings::{CtWindow, RenderMode, RenderSettings};

/// A pane of a layout: the 3D view, the PET MIP, or a slice plane showing CT, PET or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PaneId {
    ThreeD,
    /// The rotating PET MIP (see [`crate::analysis::mip`]).
    Mip,
    Slice(MprOrientation, SliceContent),
    /// The follow-up study's fused slice of a plane (the follow-up layout's right column),
    /// showing the baseline's plane mapped through the registration.
    Followup(MprOrientation),
    /// The follow-up study's PET MIP, at the baseline MIP's angle.
    FollowupMip,
}

impl PaneId {
    /// The fused axial pane.
    pub const AXIAL: Self = Self::Slice(MprOrientation::Axial, SliceContent::Fused);
    /// The fused coronal pane.
    pub const CORONAL: Self = Self::Slice(MprOrientation::Coronal, SliceContent::Fused);
    /// The fused sagittal pane.
    pub const SAGITTAL: Self = Self::Slice(MprOrientation::Sagittal, SliceContent::Fused);

    /// The 2x2 layout's panes, in layout order: 3D top left, axial top right, coronal
    /// bottom left, sagittal bottom right.
    pub const ALL: [PaneId; 4] = [Self::ThreeD, Self::AXIAL, Self::CORONAL, Self::SAGITTAL];

    /// Every pane there is.
    pub fn every() -> impl Iterator<Item = PaneId> {
        [Self::ThreeD, Self::Mip]
            .into_iter()
            .chain(SliceContent::ALL.into_iter().flat_map(|c| {
                MprOrientation::ALL
                    .into_iter()
                    .map(move |o| Self::Slice(o, c))
            }))
            .chain(MprOrientation::ALL.map(Self::Followup))
            .chain([Self::FollowupMip])
    }

    /// Whether the pane shows the follow-up study.
    pub fn is_followup(self) -> bool {
        matches!(self, Self::Followup(_) | Self::FollowupMip)
    }

    /// The MPR orientation of a slice pane.
    pub fn orientation(self) -> Option<MprOrientation> {
        match self {
            Self::Slice(o, _) | Self::Followup(o) => Some(o),
            _ => None,
        }
    }

    /// What a slice pane shows.
    pub fn content(self) -> Option<SliceContent> {
        match self {
            Self::Slice(_, c) => Some(c),
            Self::Followup(_) => Some(SliceContent::Fused),
            _ => None,
        }
    }

    /// Name used in scripts and titles: "3d", "mip", "axial" (fused), "axial-pet",
    /// "coronal-ct", ...
    pub fn name(self) -> &'static str {
        use MprOrientation::{Axial, Coronal, Sagittal};
        use SliceContent::{Ct, Fused, Pet};
        match self {
            Self::ThreeD => "3d",
            Self::Mip => "mip",
            Self::Slice(Axial, Fused) => "axial",
            Self::Slice(Coronal, Fused) => "coronal",
            Self::Slice(Sagittal, Fused) => "sagittal",
            Self::Slice(Axial, Pet) => "axial-pet",
            Self::Slice(Coronal, Pet) => "coronal-pet",
            Self::Slice(Sagittal, Pet) => "sagittal-pet",
            Self::Slice(Axial, Ct) => "axial-ct",
            Self::Slice(Coronal, Ct) => "coronal-ct",
            Self::Slice(Sagittal, Ct) => "sagittal-ct",
            Self::Followup(Axial) => "followup-axial",
            Self::Followup(Coronal) => "followup-coronal",
            Self::Followup(Sagittal) => "followup-sagittal",
            Self::FollowupMip => "followup-mip",
        }
    }

    /// Parses a script name ("axial-fused" also names the fused axial pane).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.to_ascii_lowercase();
        let s = s.strip_suffix("-fused").unwrap_or(&s);
        Self::every().find(|p| p.name() == s)
    }

    /// A small number per pane, so that each slice pane draws with its own GPU uniforms.
    pub fn slot(self) -> usize {
        match self {
            Self::ThreeD | Self::Mip | Self::FollowupMip => 0,
            Self::Slice(o, c) => {
                let oi = MprOrientation::ALL
                    .iter()
                    .position(|&x| x == o)
                    .unwrap_or(0);
                let ci = SliceContent::ALL.iter().position(|&x| x == c).unwrap_or(0);
                ci * 3 + oi
            }
            // After the nine baseline slices.
            Self::Followup(o) => {
                let oi = MprOrientation::ALL
                    .iter()
                    .position(|&x| x == o)
                    .unwrap_or(0);
                9 + oi
            }
        }
    }

    /// The same plane showing other content (the 3D and MIP panes stay themselves).
    pub fn with_content(self, content: SliceContent) -> Self {
        match self {
            Self::Slice(o, _) => Self::Slice(o, content),
            p => p,
        }
    }
}

/// Pane layouts (a maximised pane, "1x1", is [`ViewerState::maximised`] over any of them).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum Layout {
    /// 3D and three slice planes (fused unless changed).
    #[default]
    Quad,
    /// PET-CT reading, as in OHIF's PET-CT mode: rows of CT, PET and fused slices in the
    /// axial, coronal and sagittal planes, and the PET MIP beside them.
    PetCt,
    /// The three planes of one kind ([`ViewerState::row_content`]) side by side.
    Row,
    /// Follow-up reading: the baseline's fused axial and coronal slices and PET MIP in the
    /// left column, the follow-up's (registered onto the baseline) in the right.
    Followup,
}

impl Layout {
    /// Every layout, in menu order.
    pub const ALL: [Layout; 4] = [Self::Quad, Self::PetCt, Self::Row, Self::Followup];

    /// Name for scripts and menus.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quad => "2x2",
            Self::PetCt => "pet-ct",
            Self::Row => "1x3",
            Self::Followup => "follow-up",
        }
    }

    /// Parses [`Self::name`] ("petct" and "reading" also name the PET-CT layout).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "petct" | "reading" => Some(Self::PetCt),
            "followup" => Some(Self::Followup),
            s => Self::ALL.into_iter().find(|l| l.name() == s),
        }
    }
}

/// How PET-only slice panes show the PET.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PetDisplay {
    /// Window in display units (SUV when known).
    pub window: [f32; 2],
    pub colormap: crate::render::colormap::Colormap,
}

impl PetDisplay {
    /// PET-only slices: inverted grey, SUV 0-5, a radiologist's habit.
    pub const SLICES: PetDisplay = PetDisplay {
        window: [0.0, 5.0],
        colormap: crate::render::colormap::Colormap::InvertedGrey,
    };
    /// The MIP: inverted grey, SUV 0-10.
    pub const MIP: PetDisplay = PetDisplay {
        window: [0.0, 10.0],
        colormap: crate::render::colormap::Colormap::InvertedGrey,
    };
}

/// The PET MIP pane's view.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MipView {
    /// Degrees about the head-feet axis: 0 anterior, 90 from the patient's left.
    pub azimuth_deg: f32,
    pub display: PetDisplay,
    /// Turning by itself (cine).
    pub cine: bool,
    /// Draw lesion outlines.
    pub outlines: bool,
}

impl Default for MipView {
    fn default() -> Self {
        Self {
            azimuth_deg: 0.0,
            display: PetDisplay::MIP,
            cine: false,
            outlines: true,
        }
    }
}

/// Degrees between the MIP's precomputed angles (cine steps and drag positions snap to
/// them, so turning reuses projections).
pub const MIP_ANGLE_STEP_DEG: f32 = 10.0;

/// The 3D camera's elevation stays within this many degrees of the horizon.
pub const ELEVATION_LIMIT_DEG: f32 = 89.0;
/// Degrees the 3D camera turns per pixel of a left-drag.
const ROTATE_DEG_PER_PX: f32 = 0.4;
/// CT window width and level change per pixel of a left-drag in a slice pane.
const WINDOW_WIDTH_PER_PX: f32 = 4.0;
const WINDOW_LEVEL_PER_PX: f32 = 2.0;
/// Zoom exponent per pixel of a right-drag or wheel step.
const ZOOM_PER_PX: f32 = 0.01;

/// CT window presets (width/level): OHIF's values.
pub const CT_WINDOW_PRESETS: [(&str, CtWindow); 5] = [
    (
        "soft tissue",
        CtWindow {
            width: 400.0,
            level: 40.0,
        },
    ),
    (
        "lung",
        CtWindow {
            width: 1500.0,
            level: -600.0,
        },
    ),
    (
        "bone",
        CtWindow {
            width: 2500.0,
            level: 480.0,
        },
    ),
    (
        "liver",
        CtWindow {
            width: 150.0,
            level: 90.0,
        },
    ),
    (
        "brain",
        CtWindow {
            width: 80.0,
            level: 40.0,
        },
    ),
];

/// Finds a CT window preset by name ("soft-tissue" and "soft tissue" both work).
pub fn ct_window_preset(name: &str) -> Option<CtWindow> {
    let wanted = name.to_ascii_lowercase().replace(['-', '_'], " ");
    CT_WINDOW_PRESETS
        .iter()
        .find(|(n, _)| *n == wanted)
        .map(|(_, w)| *w)
}

/// What persists between runs (saved as JSON in the user's config directory).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Persisted {
    pub ct_window: CtWindow,
    pub colormap: crate::render::colormap::Colormap,
    pub fusion_opacity: f32,
    pub mode: RenderMode,
    pub ct_preset: crate::render::transfer::CtPreset,
    /// A pane name this version does not know (settings of an older version) restores none.
    #[serde(default, deserialize_with = "lenient_pane")]
    pub maximised: Option<PaneId>,
    pub recent: Vec<String>,
    #[serde(default)]
    pub layout: Layout,
    #[serde(default)]
    pub quad_content: [SliceContent; 3],
    #[serde(default = "pet_content")]
    pub row_content: SliceContent,
}

fn lenient_pane<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<PaneId>, D::Error> {
    let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

fn pet_content() -> SliceContent {
    SliceContent::Pet
}

/// Everything the viewer shows, independent of the window.
#[derive(Debug, Clone)]
pub struct ViewerState {
    pub settings: RenderSettings,
    pub camera: OrbitCamera,
    /// The linked cursor (patient mm).
    pub cursor: Vec3,
    pub mpr: [MprView; 3],
    pub maximised: Option<PaneId>,
    /// The pane arrangement.
    pub layout: Layout,
    /// What the 2x2 layout's axial, coronal and sagittal panes show.
    pub quad_content: [SliceContent; 3],
    /// What the 1x3 layout's panes show.
    pub row_content: SliceContent,
    /// How PET-only slice panes show the PET.
    pub pet_only: PetDisplay,
    /// The PET MIP pane.
    pub mip_view: MipView,
    pub demo: bool,
    pub demo_paused: bool,
    pub show_help: bool,
    /// Slice step per orientation (mm), from the CT (or PET) spacing.
    pub slice_step_mm: [f32; 3],
    /// Study bounds used for framing.
    pub bounds: (Vec3, Vec3),
    pub recent: Vec<String>,
}

impl ViewerState {
    /// A fresh state framing `bounds`, with the cursor at `cursor`.
    pub fn new(bounds: (Vec3, Vec3), cursor: Vec3, slice_step_mm: [f32; 3]) -> Self {
        Self {
            settings: RenderSettings::default(),
            camera: OrbitCamera::framing(bounds.0, bounds.1),
            cursor,
            mpr: [
                MprView::new(MprOrientation::Axial, cursor),
                MprView::new(MprOrientation::Coronal, cursor),
                MprView::new(MprOrientation::Sagittal, cursor),
            ],
            maximised: None,
            layout: Layout::Quad,
            quad_content: [SliceContent::Fused; 3],
            row_content: SliceContent::Pet,
            pet_only: PetDisplay::SLICES,
            mip_view: MipView::default(),
            demo: false,
            demo_paused: false,
            show_help: false,
            slice_step_mm,
            bounds,
            recent: Vec::new(),
        }
    }

    /// The current layout's panes, in layout order (rows first).
    pub fn layout_panes(&self) -> Vec<PaneId> {
        let planes = |c: SliceContent| MprOrientation::ALL.map(|o| PaneId::Slice(o, c));
        match self.layout {
            Layout::Quad => {
                let [a, c, s] = MprOrientation::ALL;
                let [ca, cc, cs] = self.quad_content;
                vec![
                    PaneId::ThreeD,
                    PaneId::Slice(a, ca),
                    PaneId::Slice(c, cc),
                    PaneId::Slice(s, cs),
                ]
            }
            Layout::PetCt => [SliceContent::Ct, SliceContent::Pet, SliceContent::Fused]
                .into_iter()
                .flat_map(planes)
                .chain([PaneId::Mip])
                .collect(),
            Layout::Row => planes(self.row_content).to_vec(),
            Layout::Followup => {
                use MprOrientation::{Axial, Coronal};
                vec![
                    PaneId::AXIAL,
                    PaneId::Followup(Axial),
                    PaneId::CORONAL,
                    PaneId::Followup(Coronal),
                    PaneId::Mip,
                    PaneId::FollowupMip,
                ]
            }
        }
    }

    /// Switches the layout (a maximised pane is restored).
    pub fn set_layout(&mut self, layout: Layout) {
        self.layout = layout;
        self.maximised = None;
    }

    /// Makes a slice pane of the current layout show other content; returns the pane's
    /// new id, or `None` where the layout fixes the content (the PET-CT layout's rows).
    /// In the 1x3 layout all three planes change together (it shows one kind).
    pub fn set_pane_content(&mut self, pane: PaneId, content: SliceContent) -> Option<PaneId> {
        let i = mpr_index(pane)?;
        match self.layout {
            Layout::Quad => self.quad_content[i] = content,
            Layout::Row => self.row_content = content,
            Layout::PetCt | Layout::Followup => return None,
        }
        let new = pane.with_content(content);
        if self.maximised.is_some_and(|m| m.orientation().is_some()) {
            self.maximised = self.maximised.map(|m| {
                if self.layout == Layout::Row || m == pane {
                    m.with_content(content)
                } else {
                    m
                }
            });
        }
        Some(new)
    }

    /// The next content of a slice pane (CT, PET, fused, CT, ...).
    pub fn cycle_content(&mut self, pane: PaneId) -> Option<PaneId> {
        let c = pane.content()?;
        let i = SliceContent::ALL.iter().position(|&x| x == c).unwrap_or(0);
        self.set_pane_content(pane, SliceContent::ALL[(i + 1) % SliceContent::ALL.len()])
    }

    /// The PET window and colour map a pane shows the PET with.
    pub fn pet_display(&self, pane: PaneId) -> PetDisplay {
        match pane {
            PaneId::Mip | PaneId::FollowupMip => self.mip_view.display,
            PaneId::Slice(_, SliceContent::Pet) => self.pet_only,
            _ => PetDisplay {
                window: self.settings.pet_window,
                colormap: self.settings.colormap,
            },
        }
    }

    /// The MPR view of a slice pane, with the shared cursor applied.
    pub fn mpr_view(&self, pane: PaneId) -> Option<MprView> {
        let i = mpr_index(pane)?;
        let mut v = self.mpr[i];
        v.cursor = self.cursor;
        v.content = pane.content().unwrap_or_default();
        Some(v)
    }

    /// Scrolls a slice pane by whole slices (positive: towards the head, the patient's
    /// left, or posterior, i.e. along +normal).
    pub fn scroll(&mut self, pane: PaneId, slices: i32) {
        let (Some(o), Some(i)) = (pane.orientation(), mpr_index(pane)) else {
            return;
        };
        let (_, _, normal) = o.axes();
        let step = self.slice_step_mm[i];
        let moved = self.cursor + normal * step * slices as f32;
        // Stay inside the study along the normal.
        let lo = self.bounds.0.dot(normal).min(self.bounds.1.dot(normal));
        let hi = self.bounds.0.dot(normal).max(self.bounds.1.dot(normal));
        let along = moved.dot(normal).clamp(lo, hi);
        self.cursor = moved + normal * (along - moved.dot(normal));
    }

    /// Slice number (1-based) and count of a pane at the cursor.
    pub fn slice_number(&self, pane: PaneId) -> Option<(i32, i32)> {
        let (o, i) = (pane.orientation()?, mpr_index(pane)?);
        let (_, _, normal) = o.axes();
        let step = self.slice_step_mm[i].max(1e-3);
        let lo = self.bounds.0.dot(normal).min(self.bounds.1.dot(normal));
        let hi = self.bounds.0.dot(normal).max(self.bounds.1.dot(normal));
        let count = ((hi - lo) / step).round().max(1.0) as i32;
        let n = ((self.cursor.dot(normal) - lo) / step).floor() as i32 + 1;
        Some((n.clamp(1, count), count))
    }

    /// Left-drag in a slice pane: horizontal changes the CT window width, vertical the level
    /// (dragging up raises the level), as in OHIF and Horos.
    pub fn drag_window(&mut self, delta: Vec2) {
        let w = &mut self.settings.ct_window;
        w.width = (w.width + delta.x * WINDOW_WIDTH_PER_PX).clamp(1.0, 5000.0);
        w.level = (w.level - delta.y * WINDOW_LEVEL_PER_PX).clamp(-1500.0, 3000.0);
    }

    /// Left-drag in the 3D view: turn the camera (degrees per pixel).
    pub fn drag_rotate(&mut self, delta: Vec2) {
        let c = &mut self.camera;
        c.azimuth_deg = (c.azimuth_deg - delta.x * ROTATE_DEG_PER_PX).rem_euclid(360.0);
        c.elevation_deg = (c.elevation_deg + delta.y * ROTATE_DEG_PER_PX)
            .clamp(-ELEVATION_LIMIT_DEG, ELEVATION_LIMIT_DEG);
    }

    /// Left-drag in the MIP pane: turn it about the head-feet axis like the 3D view.
    pub fn drag_rotate_mip(&mut self, dx: f32) {
        let m = &mut self.mip_view;
        m.azimuth_deg = (m.azimuth_deg - dx * ROTATE_DEG_PER_PX).rem_euclid(360.0);
    }

    /// Turns the MIP by whole angle steps ([`MIP_ANGLE_STEP_DEG`]), snapping to them.
    pub fn step_mip(&mut self, steps: i32) {
        let m = &mut self.mip_view;
        let snapped = (m.azimuth_deg / MIP_ANGLE_STEP_DEG).round() * MIP_ANGLE_STEP_DEG;
        m.azimuth_deg = (snapped + steps as f32 * MIP_ANGLE_STEP_DEG).rem_euclid(360.0);
    }

    /// Zoom by drag or wheel in a pane (positive: magnify).
    pub fn zoom(&mut self, pane: PaneId, amount: f32) {
        let factor = (-amount * ZOOM_PER_PX).exp();
        match mpr_index(pane) {
            // The MIP always shows the whole PET.
            None if matches!(pane, PaneId::Mip | PaneId::FollowupMip) => {}
            None => self.camera.zoom(factor),
            Some(i) => self.mpr[i].zoom = (self.mpr[i].zoom / factor).clamp(0.2, 20.0),
        }
    }

    /// Middle-drag: pan a pane by a pixel delta, given the pane's mm per pixel.
    pub fn pan(&mut self, pane: PaneId, delta: Vec2, mm_per_px: f32) {
        match mpr_index(pane) {
            None if matches!(pane, PaneId::Mip | PaneId::FollowupMip) => {}
            None => self.camera.pan += Vec2::new(-delta.x, delta.y) * mm_per_px,
            Some(i) => self.mpr[i].pan -= delta * mm_per_px,
        }
    }

    /// Double-click in 3D: back to the framed anterior view.
    pub fn reset_camera(&mut self) {
        let projection = self.camera.projection;
        self.camera = OrbitCamera::framing(self.bounds.0, self.bounds.1);
        self.camera.projection = projection;
    }

    /// Jumps the 3D camera to a standard view.
    pub fn set_view(&mut self, view: StandardView) {
        self.camera.set_view(view);
    }

    /// Turns the 3D camera to look at a point (used to jump to a lesion).
    pub fn look_at(&mut self, p: Vec3) {
        self.cursor = p;
        self.camera.target = p;
        self.camera.pan = Vec2::ZERO;
    }

    /// Settings that persist.
    pub fn persisted(&self) -> Persisted {
        Persisted {
            ct_window: self.settings.ct_window,
            colormap: self.settings.colormap,
            fusion_opacity: self.settings.fusion_opacity,
            mode: self.settings.mode,
            ct_preset: self.settings.ct_preset,
            maximised: self.maximised,
            recent: self.recent.clone(),
            layout: self.layout,
            quad_content: self.quad_content,
            row_content: self.row_content,
        }
    }

    /// Restores persisted settings.
    pub fn restore(&mut self, p: &Persisted) {
        self.settings.ct_window = p.ct_window;
        self.settings.colormap = p.colormap;
        self.settings.fusion_opacity = p.fusion_opacity.clamp(0.0, 1.0);
        self.settings.mode = p.mode;
        self.settings.ct_preset = p.ct_preset;
        self.maximised = p.maximised;
        self.recent = p.recent.clone();
        self.layout = p.layout;
        self.quad_content = p.quad_content;
        self.row_content = p.row_content;
    }
}

/// The index of a slice pane's plane in [`ViewerState::mpr`]: panes of one plane share
/// zoom and pan, so the CT, PET and fused views of a plane stay aligned.
fn mpr_index(pane: PaneId) -> Option<usize> {
    let o = pane.orientation()?;
    MprOrientation::ALL.iter().position(|&x| x == o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> ViewerState {
        ViewerState::new(
            (Vec3::splat(-100.0), Vec3::splat(100.0)),
            Vec3::ZERO,
            [3.0, 1.0, 1.0],
        )
    }

    #[test]
    fn scrolling_moves_along_the_normal_and_stays_inside() {
        let mut s = state();
        s.scroll(PaneId::AXIAL, 2);
        assert_eq!(s.cursor, Vec3::new(0.0, 0.0, 6.0));
        s.scroll(PaneId::AXIAL, 1000);
        assert_eq!(s.cursor.z, 100.0);
        let (n, count) = s.slice_number(PaneId::AXIAL).unwrap();
        assert_eq!((n, count), (67, 67));
        s.scroll(PaneId::SAGITTAL, -3);
        assert_eq!(s.cursor.x, -3.0);
    }

    #[test]
    fn window_drag_follows_conventions() {
        let mut s = state();
        s.drag_window(Vec2::new(10.0, -5.0));
        assert_eq!(s.settings.ct_window.width, 440.0);
        assert_eq!(
            s.settings.ct_window.level, 50.0,
            "dragging up raises the level"
        );
    }

    #[test]
    fn presets_and_persistence() {
        assert_eq!(ct_window_preset("lung").unwrap().level, -600.0);
        assert_eq!(ct_window_preset("soft-tissue").unwrap().width, 400.0);
        let mut s = state();
        s.settings.fusion_opacity = 0.3;
        let p = s.persisted();
        let json = serde_json::to_string(&p).unwrap();
        let back: Persisted = serde_json::from_str(&json).unwrap();
        let mut t = state();
        t.restore(&back);
        assert_eq!(t.settings.fusion_opacity, 0.3);
        // Settings of the version before layouts: an unknown pane name maximises nothing.
        let mut old: serde_json::Value = serde_json::to_value(&p).unwrap();
        old["maximised"] = serde_json::json!("Axial");
        old.as_object_mut().unwrap().remove("layout");
        let back: Persisted = serde_json::from_value(old).unwrap();
        assert_eq!((back.maximised, back.layout), (None, Layout::Quad));
    }
}
