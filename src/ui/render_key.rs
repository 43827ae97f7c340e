//! Render keys: small values that say everything a pane's image depends on. A pane is
//! redrawn exactly when its key differs from the key of what it holds, which replaces
//! hand-set dirty flags.

use super::reading::ReadingModel;
use super::state::PaneId;
use crate::render::camera::OrbitCamera;
use crate::render::mpr::MprView;
use crate::render::settings::{CtWindow, RenderMode, RenderSettings};

/// Ray steps are this much longer while demo mode turns the view (smoother rotation).
pub const DEMO_STEP_FACTOR: f32 = 1.5;

/// What identifies the GPU scene's content: the study, the PET display factor (SUV edits),
/// the uploaded lesion labels and reference mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SceneStamp {
    pub study: u64,
    pub pet_factor_bits: u32,
    pub labels: u64,
    pub reference: u64,
}

/// The inputs of a slice pane's image.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceKey {
    pub size: (u32, u32),
    pub view: MprView,
    pub ct_window: CtWindow,
    pub pet_window: [f32; 2],
    pub colormap: crate::render::colormap::Colormap,
    pub fusion_opacity: f32,
    pub highlight: bool,
    pub selected: u16,
    /// Whether the reference mask is outlined.
    pub reference: bool,
    pub scene: SceneStamp,
    /// The follow-up and its placement, when the pane draws the follow-up.
    pub followup: Option<super::followup::FollowupKey>,
}

impl SliceKey {
    /// The key of a slice pane of `size` physical pixels.
    pub fn new(
        model: &ReadingModel,
        pane: PaneId,
        size: (u32, u32),
        scene: SceneStamp,
    ) -> Option<Self> {
        let s = &model.view.settings;
        let pet = model.view.pet_display(pane);
        Some(Self {
            size,
            view: model.view.mpr_view(pane)?,
            ct_window: s.ct_window,
            pet_window: pet.window,
            colormap: pet.colormap,
            fusion_opacity: s.fusion_opacity,
            highlight: s.highlight_lesions,
            selected: model.selected_lesion_id(),
            reference: s.reference_outline,
            scene,
            followup: model.followup_key(pane),
        })
    }
}

/// The inputs of the 3D pane's full-quality image.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeKey {
    pub size: (u32, u32),
    pub camera: OrbitCamera,
    /// The settings as the renderer uses them: fields the mode ignores are reset, so that
    /// (for example) dragging the CT window in a slice pane leaves a fused 3D view alone.
    pub settings: RenderSettings,
    pub scene: SceneStamp,
}

impl VolumeKey {
    /// The key of the 3D pane of `size` physical pixels.
    pub fn new(model: &ReadingModel, size: (u32, u32), scene: SceneStamp) -> Self {
        let mut settings = model.view.settings.clone();
        settings.selected_lesion = model.selected_lesion_id();
        if model.view.demo && !model.view.demo_paused {
            settings.step_mm *= DEMO_STEP_FACTOR;
        }
        Self {
            size,
            camera: model.view.camera,
            settings: relevant_settings(settings),
            // The 3D view does not draw the reference: loading one must not start a new
            // ray march.
            scene: SceneStamp {
                reference: 0,
                ..scene
            },
        }
    }
}

/// Resets what a 3D mode does not read, so it does not enter the key.
fn relevant_settings(mut s: RenderSettings) -> RenderSettings {
    let d = RenderSettings::default();
    let uses_ct_window = s.mode == RenderMode::CtMip;
    let uses_pet = matches!(s.mode, RenderMode::FusedDvr | RenderMode::PetMip);
    let uses_ct_colour = matches!(s.mode, RenderMode::FusedDvr | RenderMode::CtDvr);
    let uses_labels = s.mode == RenderMode::FusedDvr;
    if !uses_ct_window {
        s.ct_window = d.ct_window;
    }
    if !uses_pet {
        s.pet_window = d.pet_window;
        s.colormap = d.colormap;
    }
    if s.mode != RenderMode::FusedDvr {
        s.fusion_opacity = d.fusion_opacity;
        s.pet_opacity_per_mm = d.pet_opacity_per_mm;
    }
    if !uses_ct_colour {
        s.ct_preset = d.ct_preset;
        s.shading = d.shading;
    }
    if !uses_labels {
        s.highlight_lesions = d.highlight_lesions;
        s.selected_lesion = d.selected_lesion;
    }
    s.reference_outline = d.reference_outline;
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::colormap::Colormap;

    fn key(model: &ReadingModel) -> VolumeKey {
        VolumeKey::new(model, (100, 80), SceneStamp::default())
    }

    #[test]
    fn a_ct_window_drag_changes_slices_but_not_a_fused_3d_view() {
        let mut m = ReadingModel::for_tests();
        let (k3, ks) = (
            key(&m),
            SliceKey::new(&m, PaneId::AXIAL, (100, 80), SceneStamp::default()),
        );
        m.view.drag_window(glam::Vec2::new(20.0, 5.0));
        assert_eq!(key(&m), k3);
        assert_ne!(
            SliceKey::new(&m, PaneId::AXIAL, (100, 80), SceneStamp::default()),
            ks
        );
        m.view.settings.mode = RenderMode::CtMip;
        let k = key(&m);
        m.view.drag_window(glam::Vec2::new(20.0, 5.0));
        assert_ne!(key(&m), k, "CT MIP shows the CT window");
    }

    #[test]
    fn camera_and_pet_settings_change_the_3d_key_as_the_mode_uses_them() {
        let mut m = ReadingModel::for_tests();
        let k = key(&m);
        m.view.camera.azimuth_deg += 1.0;
        assert_ne!(key(&m), k);
        m.view.settings.mode = RenderMode::CtDvr;
        let k = key(&m);
        m.view.settings.colormap = Colormap::Rainbow;
        assert_eq!(key(&m), k, "CT DVR shows no PET");
        m.view.settings.mode = RenderMode::PetMip;
        let k = key(&m);
        m.view.settings.colormap = Colormap::Grey;
        assert_ne!(key(&m), k);
    }

    #[test]
    fn the_reference_outline_changes_slices_but_not_the_3d_view() {
        let mut m = ReadingModel::for_tests();
        let stamp = SceneStamp::default();
        let slice = |m: &ReadingModel, stamp| SliceKey::new(m, PaneId::AXIAL, (100, 80), stamp);
        let (k3, ks) = (key(&m), slice(&m, stamp));
        m.view.settings.reference_outline = false;
        assert_eq!(key(&m), k3);
        assert_ne!(slice(&m, stamp), ks);
        // A newly uploaded mask redraws the slices only.
        let uploaded = SceneStamp {
            reference: 1,
            ..stamp
        };
        assert_ne!(slice(&m, uploaded), slice(&m, stamp));
        assert_eq!(
            VolumeKey::new(&m, (100, 80), uploaded),
            VolumeKey::new(&m, (100, 80), stamp)
        );
    }

    #[test]
    fn the_3d_key_of_a_slice_pane_is_none() {
        let m = ReadingModel::for_tests();
        assert!(SliceKey::new(&m, PaneId::ThreeD, (10, 10), SceneStamp::default()).is_none());
    }
}
