//! Orbit camera around a target point in patient space (LPS, mm).
//!
//! Azimuth 0 and elevation 0 is the anterior view: the camera in front of the patient
//! (towards -y, anterior), looking posteriorly, head up, so the patient's left (+x) is on
//! the screen's right as radiologists expect. Azimuth turns the camera about the patient's
//! long axis (+z) towards the patient's left; elevation raises it towards the head.

use glam::{Mat4, Vec3};

/// Projection type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Projection {
    Perspective,
    Orthographic,
}

/// The six standard views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StandardView {
    Anterior,
    Posterior,
    Left,
    Right,
    Superior,
    Inferior,
}

impl StandardView {
    /// All views.
    pub const ALL: [StandardView; 6] = [
        Self::Anterior,
        Self::Posterior,
        Self::Left,
        Self::Right,
        Self::Superior,
        Self::Inferior,
    ];

    /// (azimuth, elevation) in degrees.
    pub fn angles(self) -> (f32, f32) {
        match self {
            Self::Anterior => (0.0, 0.0),
            Self::Posterior => (180.0, 0.0),
            // Seen from the patient's left side.
            Self::Left => (90.0, 0.0),
            Self::Right => (-90.0, 0.0),
            Self::Superior => (0.0, 89.9),
            Self::Inferior => (0.0, -89.9),
        }
    }

    /// Command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Anterior => "anterior",
            Self::Posterior => "posterior",
            Self::Left => "left",
            Self::Right => "right",
            Self::Superior => "superior",
            Self::Inferior => "inferior",
        }
    }
}

impl std::str::FromStr for StandardView {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.name() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "unknown view '{s}' (use anterior, posterior, left, right, superior or inferior)"
                )
            })
    }
}

/// An orbit camera; a key frame is reproducible from these few numbers.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrbitCamera {
    /// Point looked at (patient mm).
    pub target: Vec3,
    /// Distance from the target (mm).
    pub distance: f32,
    /// Degrees about the patient's long axis; 0 = anterior, 90 = from the patient's left.
    pub azimuth_deg: f32,
    /// Degrees above the transverse plane; 90 = from the head.
    pub elevation_deg: f32,
    /// Vertical field of view (perspective), degrees.
    pub fov_y_deg: f32,
    pub projection: Projection,
    /// Screen-space pan (mm at the target), added after orbiting.
    pub pan: glam::Vec2,
}

impl OrbitCamera {
    /// A camera framing a patient-space box from the anterior view, tight enough that a
    /// body fills the frame yet still fits while the camera turns about the long axis.
    pub fn framing(min: Vec3, max: Vec3) -> Self {
        let extent = (max - min).abs();
        let footprint = (extent.x * extent.x + extent.y * extent.y).sqrt();
        let half_height = extent.z.max(footprint) * 0.5 * 1.05;
        let fov_y_deg = 30.0f32;
        let distance = half_height / (fov_y_deg.to_radians() * 0.5).tan() + footprint * 0.5;
        Self {
            target: (min + max) * 0.5,
            distance,
            azimuth_deg: 0.0,
            elevation_deg: 0.0,
            fov_y_deg,
            projection: Projection::Perspective,
            pan: glam::Vec2::ZERO,
        }
    }

    /// Sets a standard view's angles.
    pub fn set_view(&mut self, view: StandardView) {
        let (a, e) = view.angles();
        self.azimuth_deg = a;
        self.elevation_deg = e;
    }

    /// Unit vector from the target to the camera.
    pub fn offset_dir(&self) -> Vec3 {
        let (a, e) = (
            self.azimuth_deg.to_radians(),
            self.elevation_deg.to_radians(),
        );
        // Azimuth 0: anterior (-y). Azimuth 90: patient's left (+x).
        Vec3::new(a.sin() * e.cos(), -a.cos() * e.cos(), e.sin())
    }

    /// Camera position in patient mm.
    pub fn eye(&self) -> Vec3 {
        let (right, up) = self.screen_axes();
        self.target + self.offset_dir() * self.distance + right * self.pan.x + up * self.pan.y
    }

    /// Screen right and up directions in patient space.
    pub fn screen_axes(&self) -> (Vec3, Vec3) {
        let forward = -self.offset_dir();
        // Head up, unless looking straight along the long axis.
        let world_up = if forward.z.abs() > 0.999 {
            -Vec3::Y
        } else {
            Vec3::Z
        };
        let right = forward.cross(world_up).normalize();
        let up = right.cross(forward).normalize();
        (right, up)
    }

    /// View matrix (right-handed look-at).
    pub fn view(&self) -> Mat4 {
        let (right, up) = self.screen_axes();
        let eye = self.eye();
        let center = self.target + right * self.pan.x + up * self.pan.y;
        Mat4::look_at_rh(eye, center, up)
    }

    /// Projection matrix for an aspect ratio (width / height), wgpu depth range 0..1.
    pub fn projection_matrix(&self, aspect: f32) -> Mat4 {
        let near = (self.distance * 0.01).max(1.0);
        let far = self.distance * 4.0 + 2000.0;
        match self.projection {
            Projection::Perspective => {
                Mat4::perspective_rh(self.fov_y_deg.to_radians(), aspect, near, far)
            }
            Projection::Orthographic => {
                let h = self.distance * (self.fov_y_deg.to_radians() * 0.5).tan();
                Mat4::orthographic_rh(-h * aspect, h * aspect, -h, h, near, far)
            }
        }
    }

    /// Combined view-projection.
    pub fn view_proj(&self, aspect: f32) -> Mat4 {
        self.projection_matrix(aspect) * self.view()
    }

    /// Zooms by a factor (< 1 moves closer).
    pub fn zoom(&mut self, factor: f32) {
        self.distance = (self.distance * factor).clamp(10.0, 1.0e5);
    }
}

/// Pixel (x, y) of a patient point in an image of `width` x `height` (y down), or `None`
/// behind the camera.
pub fn project(view_proj: Mat4, p: Vec3, width: u32, height: u32) -> Option<(f32, f32)> {
    let clip = view_proj * p.extend(1.0);
    if clip.w <= 0.0 {
        return None;
    }
    let ndc = clip.truncate() / clip.w;
    Some((
        (ndc.x * 0.5 + 0.5) * width as f32,
        (0.5 - ndc.y * 0.5) * height as f32,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anterior_view_puts_patient_left_on_screen_right() {
        let cam = OrbitCamera::framing(Vec3::splat(-100.0), Vec3::splat(100.0));
        let vp = cam.view_proj(1.0);
        let (lx, _) = project(vp, Vec3::new(50.0, 0.0, 0.0), 100, 100).unwrap();
        let (rx, _) = project(vp, Vec3::new(-50.0, 0.0, 0.0), 100, 100).unwrap();
        assert!(lx > 50.0 && rx < 50.0);
        let (_, head_y) = project(vp, Vec3::new(0.0, 0.0, 50.0), 100, 100).unwrap();
        assert!(head_y < 50.0, "head at the top");
    }

    #[test]
    fn views_parse_and_left_view_looks_from_patient_left() {
        let mut cam = OrbitCamera::framing(Vec3::splat(-1.0), Vec3::splat(1.0));
        cam.set_view("left".parse().unwrap());
        assert!(cam.eye().x > 0.0);
        cam.set_view(StandardView::Superior);
        assert!(cam.eye().z > 0.0);
        cam.set_view(StandardView::Inferior);
        let (right, up) = cam.screen_axes();
        assert!(
            right.x > 0.9,
            "seen from the feet like an axial image: left on the right"
        );
        assert!(up.y < -0.9, "anterior at the top");
    }
}
