//! Rigid transforms between patient spaces (rotation then translation, mm and degrees).

use glam::{DMat3, DVec3};

/// A rigid transform `p -> rotation * p + translation` between two patient spaces (LPS, mm).
///
/// Used to relate two studies of one patient taken on different days: each keeps its own grid
/// and frame of reference, and a transform says where a point of one lies in the other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RigidTransform {
    /// Proper rotation (orthonormal, determinant +1).
    pub rotation: DMat3,
    /// Translation in mm, applied after the rotation.
    pub translation: DVec3,
}

impl Default for RigidTransform {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl RigidTransform {
    /// The transform that leaves every point where it is.
    pub const IDENTITY: Self = Self {
        rotation: DMat3::IDENTITY,
        translation: DVec3::ZERO,
    };

    /// A rotation by angles (degrees) about the x, y and z axes, applied in that order (x
    /// first), about the point `centre`, followed by `translation`.
    pub fn from_euler_deg_about(angles_deg: DVec3, centre: DVec3, translation: DVec3) -> Self {
        let rotation = euler_xyz(angles_deg);
        Self {
            rotation,
            translation: centre - rotation * centre + translation,
        }
    }

    /// Maps a point.
    pub fn apply(&self, p: DVec3) -> DVec3 {
        self.rotation * p + self.translation
    }

    /// Maps a direction (no translation).
    pub fn apply_vector(&self, v: DVec3) -> DVec3 {
        self.rotation * v
    }

    /// The transform undoing this one.
    pub fn inverse(&self) -> Self {
        let r = self.rotation.transpose();
        Self {
            rotation: r,
            translation: -(r * self.translation),
        }
    }

    /// `self` after `first`: maps `p` to `self.apply(first.apply(p))`.
    pub fn after(&self, first: &Self) -> Self {
        Self {
            rotation: self.rotation * first.rotation,
            translation: self.rotation * first.translation + self.translation,
        }
    }

    /// Rotation angles (degrees) about x, y and z such that [`Self::from_euler_deg_about`] with
    /// a zero centre gives this rotation back (x applied first).
    pub fn euler_deg(&self) -> DVec3 {
        // R = Rz * Ry * Rx; r[col][row] in glam.
        let m = self.rotation;
        let r20 = m.x_axis.z; // row 2, column 0
        let ry = (-r20).clamp(-1.0, 1.0).asin();
        let rx = m.y_axis.z.atan2(m.z_axis.z);
        let rz = m.x_axis.y.atan2(m.x_axis.x);
        DVec3::new(rx, ry, rz) * (180.0 / std::f64::consts::PI)
    }

    /// Total rotation angle in degrees (about the rotation's own axis).
    pub fn rotation_angle_deg(&self) -> f64 {
        let m = self.rotation;
        let trace = m.x_axis.x + m.y_axis.y + m.z_axis.z;
        ((trace - 1.0) / 2.0).clamp(-1.0, 1.0).acos().to_degrees()
    }
}

/// `Rz * Ry * Rx` for angles in degrees.
fn euler_xyz(angles_deg: DVec3) -> DMat3 {
    let a = angles_deg * (std::f64::consts::PI / 180.0);
    DMat3::from_rotation_z(a.z) * DMat3::from_rotation_y(a.y) * DMat3::from_rotation_x(a.x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euler_angles_round_trip_and_inverse_undoes() {
        let angles = DVec3::new(1.5, -2.0, 4.0);
        let t = RigidTransform::from_euler_deg_about(
            angles,
            DVec3::new(10.0, -20.0, 30.0),
            DVec3::new(5.0, 6.0, 7.0),
        );
        assert!((t.euler_deg() - angles).length() < 1e-9);
        let p = DVec3::new(100.0, 50.0, -70.0);
        assert!((t.inverse().apply(t.apply(p)) - p).length() < 1e-9);
        assert!((t.after(&t.inverse()).apply(p) - p).length() < 1e-9);
        // The centre moves by the translation only.
        let c = t.apply(DVec3::new(10.0, -20.0, 30.0));
        assert!((c - DVec3::new(15.0, -14.0, 37.0)).length() < 1e-9);
    }
}
