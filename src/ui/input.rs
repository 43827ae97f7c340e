//! Input conventions, shared by the mouse, the keyboard and scripts: a gesture in a pane or
//! a slider value becomes one change of the reading model, through the same function
//! whichever hand made it.

use glam::{Vec2, Vec3};

use super::reading::ReadingModel;
use super::state::PaneId;
use crate::analysis::Method;

/// Mouse buttons a pane reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DragButton {
    Left,
    Right,
    Middle,
}

impl std::str::FromStr for DragButton {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "left" => Ok(Self::Left),
            "right" => Ok(Self::Right),
            "middle" => Ok(Self::Middle),
            _ => Err("expected left, right or middle".into()),
        }
    }
}

/// Wheel steps per pixel of egui's smooth scroll delta for the 3D zoom.
const WHEEL_ZOOM_PER_PX: f32 = 0.5;

/// One step of a user's hand in a pane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PaneGesture {
    /// A mouse move of `delta` logical pixels with a button held.
    Drag {
        button: DragButton,
        delta: Vec2,
        /// Patient mm per logical pixel in this pane (for panning).
        mm_per_px: f32,
    },
    /// Wheel movement in logical pixels (positive: away from the user).
    Wheel(f32),
    /// A click at a patient point (slice panes) or anywhere (3D).
    Click(Option<Vec3>),
    DoubleClick,
}

/// Applies a gesture in a pane to the model (the conventions of the help text).
pub fn apply_gesture(model: &mut ReadingModel, pane: PaneId, gesture: PaneGesture) {
    let s = &mut model.view;
    match gesture {
        PaneGesture::Drag {
            button: DragButton::Left,
            delta,
            ..
        } => match pane {
            PaneId::ThreeD => s.drag_rotate(delta),
            PaneId::Mip | PaneId::FollowupMip => s.drag_rotate_mip(delta.x),
            _ => s.drag_window(delta),
        },
        PaneGesture::Drag {
            button: DragButton::Right,
            delta,
            ..
        } => s.zoom(pane, -delta.y),
        PaneGesture::Drag {
            button: DragButton::Middle,
            delta,
            mm_per_px,
        } => s.pan(pane, delta, mm_per_px),
        PaneGesture::Wheel(amount) => match pane {
            PaneId::ThreeD => s.zoom(pane, amount * WHEEL_ZOOM_PER_PX),
            PaneId::Mip | PaneId::FollowupMip => s.step_mip(if amount > 0.0 { 1 } else { -1 }),
            p => s.scroll(p, if amount > 0.0 { 1 } else { -1 }),
        },
        PaneGesture::Click(Some(p)) if pane != PaneId::ThreeD => s.cursor = p,
        PaneGesture::Click(_) => {}
        PaneGesture::DoubleClick => match pane {
            PaneId::ThreeD => s.reset_camera(),
            p => toggle_maximised(model, p),
        },
    }
}

/// Maximises a pane, or restores the layout when one is maximised.
pub fn toggle_maximised(model: &mut ReadingModel, pane: PaneId) {
    let s = &mut model.view;
    s.maximised = match s.maximised {
        Some(_) => None,
        None => Some(pane),
    };
}

/// Side-panel sliders that scripts can move: the widget and the script read and write the
/// model through [`Slider::get`] and [`Slider::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slider {
    /// Absolute hot-spot threshold (SUV); switches the method to absolute.
    SuvThreshold,
    CtWidth,
    CtLevel,
    SuvLow,
    SuvHigh,
    Opacity,
}

impl std::str::FromStr for Slider {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "suv-threshold" => Self::SuvThreshold,
            "ct-width" => Self::CtWidth,
            "ct-level" => Self::CtLevel,
            "suv-low" => Self::SuvLow,
            "suv-high" => Self::SuvHigh,
            "opacity" => Self::Opacity,
            _ => {
                return Err(
                    "expected suv-threshold, ct-width, ct-level, suv-low, suv-high or opacity"
                        .into(),
                )
            }
        })
    }
}

impl Slider {
    /// The slider's range.
    pub fn range(self, pet_top: f32) -> std::ops::RangeInclusive<f32> {
        match self {
            Self::SuvThreshold => 0.5..=15.0,
            Self::CtWidth => 1.0..=4000.0,
            Self::CtLevel => -1200.0..=1500.0,
            Self::SuvLow | Self::SuvHigh => 0.0..=pet_top,
            Self::Opacity => 0.0..=1.0,
        }
    }

    /// The value the slider shows.
    pub fn get(self, model: &ReadingModel) -> f32 {
        let s = &model.view.settings;
        match self {
            Self::SuvThreshold => match model.hotspots.params.method {
                Method::Absolute { suv } => suv,
                _ => 2.5,
            },
            Self::CtWidth => s.ct_window.width,
            Self::CtLevel => s.ct_window.level,
            Self::SuvLow => s.pet_window[0],
            Self::SuvHigh => s.pet_window[1],
            Self::Opacity => s.fusion_opacity,
        }
    }

    /// Sets the value (clamped to the range) as the widget does.
    pub fn set(self, model: &mut ReadingModel, value: f32) {
        let value = value.clamp(*self.range(f32::MAX).start(), *self.range(f32::MAX).end());
        let s = &mut model.view.settings;
        match self {
            Self::SuvThreshold => {
                let mut params = model.hotspots.params.clone();
                params.method = Method::Absolute { suv: value };
                model.set_hotspot_params(params);
            }
            Self::CtWidth => s.ct_window.width = value,
            Self::CtLevel => s.ct_window.level = value,
            Self::SuvLow => s.pet_window[0] = value,
            Self::SuvHigh => s.pet_window[1] = value,
            Self::Opacity => s.fusion_opacity = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gestures_follow_the_pane_conventions() {
        let mut m = ReadingModel::for_tests();
        let w0 = m.view.settings.ct_window;
        apply_gesture(
            &mut m,
            PaneId::AXIAL,
            PaneGesture::Drag {
                button: DragButton::Left,
                delta: Vec2::new(10.0, 0.0),
                mm_per_px: 1.0,
            },
        );
        assert!(
            m.view.settings.ct_window.width > w0.width,
            "left-drag widens"
        );
        let az = m.view.camera.azimuth_deg;
        apply_gesture(
            &mut m,
            PaneId::ThreeD,
            PaneGesture::Drag {
                button: DragButton::Left,
                delta: Vec2::new(10.0, 0.0),
                mm_per_px: 1.0,
            },
        );
        assert_ne!(m.view.camera.azimuth_deg, az, "left-drag in 3D rotates");
        apply_gesture(&mut m, PaneId::CORONAL, PaneGesture::DoubleClick);
        assert_eq!(m.view.maximised, Some(PaneId::CORONAL));
        apply_gesture(&mut m, PaneId::CORONAL, PaneGesture::DoubleClick);
        assert_eq!(m.view.maximised, None);
        let p = Vec3::new(1.0, 2.0, 3.0);
        apply_gesture(&mut m, PaneId::AXIAL, PaneGesture::Click(Some(p)));
        assert_eq!(m.view.cursor, p);
    }

    #[test]
    fn sliders_set_what_they_show() {
        let mut m = ReadingModel::for_tests();
        for (slider, v) in [
            (Slider::CtWidth, 1234.0),
            (Slider::CtLevel, -300.0),
            (Slider::SuvLow, 1.5),
            (Slider::SuvHigh, 7.0),
            (Slider::Opacity, 0.25),
            (Slider::SuvThreshold, 3.5),
        ] {
            slider.set(&mut m, v);
            assert_eq!(slider.get(&m), v, "{slider:?}");
        }
        Slider::Opacity.set(&mut m, 7.0);
        assert_eq!(Slider::Opacity.get(&m), 1.0, "clamped to the range");
    }
}
