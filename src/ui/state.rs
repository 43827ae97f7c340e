//! Viewer state that is not tied to a window: settings, camera, the linked cursor, pane
//! views, and the interaction conventions as plain functions (testable without a GPU).

use glam::{Vec2, Vec3};

use crate::render::camera::{OrbitCamera, StandardView};
use crate::render::mpr::{MprOrientation, MprView};
use crate::render::settings::{CtWindow, RenderMode, RenderSettings};

/// The four panes of the 2x2 layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PaneId {
    ThreeD,
    Axial,
    Coronal,
    Sagittal,
}

impl PaneId {
    /// In layout order: 3D top left, axial top right, coronal bottom left, sagittal bottom right.
    pub const ALL: [PaneId; 4] = [Self::ThreeD, Self::Axial, Self::Coronal, Self::Sagittal];

    /// The MPR orientation of a slice pane.
    pub fn orientation(self) -> Option<MprOrientation> {
        match self {
            Self::ThreeD => None,
            Self::Axial => Some(MprOrientation::Axial),
            Self::Coronal => Some(MprOrientation::Coronal),
            Self::Sagittal => Some(MprOrientation::Sagittal),
        }
    }

    /// Name used in scripts and labels.
    pub fn name(self) -> &'static str {
        match self {
            Self::ThreeD => "3d",
            Self::Axial => "axial",
            Self::Coronal => "coronal",
            Self::Sagittal => "sagittal",
        }
    }

    /// Parses a script name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s.to_ascii_lowercase())
    }
}

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
    pub maximised: Option<PaneId>,
    pub recent: Vec<String>,
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
            demo: false,
            demo_paused: false,
            show_help: false,
            slice_step_mm,
            bounds,
            recent: Vec::new(),
        }
    }

    /// The MPR view of a slice pane, with the shared cursor applied.
    pub fn mpr_view(&self, pane: PaneId) -> Option<MprView> {
        let i = mpr_index(pane)?;
        let mut v = self.mpr[i];
        v.cursor = self.cursor;
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

    /// Zoom by drag or wheel in a pane (positive: magnify).
    pub fn zoom(&mut self, pane: PaneId, amount: f32) {
        let factor = (-amount * ZOOM_PER_PX).exp();
        match mpr_index(pane) {
            None => self.camera.zoom(factor),
            Some(i) => self.mpr[i].zoom = (self.mpr[i].zoom / factor).clamp(0.2, 20.0),
        }
    }

    /// Middle-drag: pan a pane by a pixel delta, given the pane's mm per pixel.
    pub fn pan(&mut self, pane: PaneId, delta: Vec2, mm_per_px: f32) {
        match mpr_index(pane) {
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
    }
}

fn mpr_index(pane: PaneId) -> Option<usize> {
    match pane {
        PaneId::ThreeD => None,
        PaneId::Axial => Some(0),
        PaneId::Coronal => Some(1),
        PaneId::Sagittal => Some(2),
    }
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
        s.scroll(PaneId::Axial, 2);
        assert_eq!(s.cursor, Vec3::new(0.0, 0.0, 6.0));
        s.scroll(PaneId::Axial, 1000);
        assert_eq!(s.cursor.z, 100.0);
        let (n, count) = s.slice_number(PaneId::Axial).unwrap();
        assert_eq!((n, count), (67, 67));
        s.scroll(PaneId::Sagittal, -3);
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
    }
}
