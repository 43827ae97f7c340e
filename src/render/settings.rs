//! What to render and how: the few numbers that make a key frame reproducible.

use glam::Vec3;

use super::colormap::Colormap;
use super::transfer::CtPreset;

/// 3D rendering modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RenderMode {
    /// CT through a transfer function with the PET composited on top.
    FusedDvr,
    /// Maximum intensity projection of the PET.
    PetMip,
    /// Maximum intensity projection of the CT.
    CtMip,
    /// CT alone through a transfer function.
    CtDvr,
}

impl RenderMode {
    /// Every mode, in menu order.
    pub const ALL: [RenderMode; 4] = [Self::FusedDvr, Self::PetMip, Self::CtDvr, Self::CtMip];

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::FusedDvr => "fused",
            Self::PetMip => "pet-mip",
            Self::CtMip => "ct-mip",
            Self::CtDvr => "ct-dvr",
        }
    }

    pub(crate) fn shader_code(self) -> u32 {
        match self {
            Self::FusedDvr => 0,
            Self::PetMip => 1,
            Self::CtMip => 2,
            Self::CtDvr => 3,
        }
    }
}

/// A CT window as width and level (HU).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CtWindow {
    pub width: f32,
    pub level: f32,
}

impl CtWindow {
    /// Soft tissue 400/40 (OHIF).
    pub const SOFT_TISSUE: CtWindow = CtWindow {
        width: 400.0,
        level: 40.0,
    };

    /// (low, high) HU.
    pub fn bounds(self) -> (f32, f32) {
        let w = self.width.max(1.0);
        (self.level - w / 2.0, self.level + w / 2.0)
    }
}

/// A half-space clip: keeps patient points with `dot(normal, p) <= offset`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClipPlane {
    pub normal: Vec3,
    pub offset: f32,
}

/// Everything that decides the look of a 3D rendering.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderSettings {
    pub mode: RenderMode,
    pub ct_preset: CtPreset,
    /// CT window for CT MIP (and the MPR panes).
    pub ct_window: CtWindow,
    pub colormap: Colormap,
    /// PET display window (SUV when SUV is known, else the PET's own units): values at or
    /// below the lower bound are not shown in fusion.
    pub pet_window: [f32; 2],
    /// Linear fusion weight: 0 shows CT only, 1 shows PET only where PET exceeds its
    /// lower bound.
    pub fusion_opacity: f32,
    /// PET opacity per mm at the top of the window (fused DVR).
    pub pet_opacity_per_mm: f32,
    /// Ray step in mm.
    pub step_mm: f32,
    /// Jitter ray starts against wood-grain artefacts.
    pub jitter: bool,
    /// Seed for the jitter pattern (fixed in tests).
    pub jitter_seed: u32,
    pub empty_space_skipping: bool,
    /// Gradient shading of the CT.
    pub shading: bool,
    /// Patient-space box to keep (min, max).
    pub crop: Option<(Vec3, Vec3)>,
    pub clip_plane: Option<ClipPlane>,
    /// Background colour for DVR modes.
    pub background: [f32; 3],
    /// Highlight segmented lesions (glow in 3D, outlines in slices) when labels are set.
    pub highlight_lesions: bool,
    /// Lesion id drawn as selected (cyan instead of green), as in the labels given to
    /// `FusedScene::set_labels`; 0 selects none. A uniform, so selecting uploads no texture.
    #[serde(default)]
    pub selected_lesion: u16,
    /// Outline the reference mask (`FusedScene::set_reference`) in slices, in its own colour,
    /// when one is set.
    #[serde(default = "yes")]
    pub reference_outline: bool,
}

/// `true`, for serde defaults.
fn yes() -> bool {
    true
}

impl Default for RenderSettings {
    fn default() -> Self {
        Self {
            mode: RenderMode::FusedDvr,
            ct_preset: CtPreset::Bone,
            ct_window: CtWindow::SOFT_TISSUE,
            colormap: Colormap::HotIron,
            pet_window: [2.0, 8.0],
            fusion_opacity: 0.8,
            pet_opacity_per_mm: 0.3,
            step_mm: 1.0,
            jitter: true,
            jitter_seed: 1,
            empty_space_skipping: true,
            shading: true,
            crop: None,
            clip_plane: None,
            background: [0.0, 0.0, 0.0],
            highlight_lesions: true,
            selected_lesion: 0,
            reference_outline: true,
        }
    }
}

impl RenderSettings {
    /// Settings for a PET MIP in inverted grey, the classic rotating MIP.
    pub fn pet_mip() -> Self {
        Self {
            mode: RenderMode::PetMip,
            colormap: Colormap::InvertedGrey,
            pet_window: [0.0, 10.0],
            step_mm: 2.0,
            ..Self::default()
        }
    }
}
