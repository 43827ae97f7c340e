//! Voxel grid placement in DICOM patient coordinates (LPS, millimetres).

use glam::{DMat3, DMat4, DVec3, DVec4};

/// Errors building a geometry from direction cosines.
#[derive(Debug, thiserror::Error)]
pub enum GeometryError {
    /// Row and column directions are not unit length or not perpendicular.
    #[error("orientation is not orthonormal: row {row:?}, column {col:?}")]
    NotOrthonormal { row: DVec3, col: DVec3 },
    /// A spacing is zero, negative or not finite.
    #[error("spacing {0:?} must be positive and finite")]
    BadSpacing([f64; 3]),
}

/// A voxel grid in patient space.
///
/// Voxel `(i, j, k)` (column, row, slice) has its centre at
/// `origin + i * spacing[0] * row_dir + j * spacing[1] * col_dir + k * spacing[2] * slice_dir`.
/// `slice_dir` is the unit vector from one slice to the next; for a normal axial series it is
/// `row_dir x col_dir`, but a gantry-tilted series may have it oblique to the slice plane.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Number of voxels along x (columns), y (rows), z (slices).
    pub dims: [usize; 3],
    /// Distance between voxel centres along x, y, z in mm.
    pub spacing: [f64; 3],
    /// Patient position of voxel (0, 0, 0)'s centre.
    pub origin: DVec3,
    /// Unit direction of increasing column index (DICOM ImageOrientationPatient first triplet).
    pub row_dir: DVec3,
    /// Unit direction of increasing row index (second triplet).
    pub col_dir: DVec3,
    /// Unit direction of increasing slice index.
    pub slice_dir: DVec3,
}

impl Geometry {
    /// An axial grid aligned with the patient axes (row = +x Left, column = +y Posterior,
    /// slices towards +z Superior).
    pub fn axial(dims: [usize; 3], spacing: [f64; 3], origin: DVec3) -> Self {
        Self {
            dims,
            spacing,
            origin,
            row_dir: DVec3::X,
            col_dir: DVec3::Y,
            slice_dir: DVec3::Z,
        }
    }

    /// Builds a geometry from DICOM-style directions, checking them.
    pub fn from_directions(
        dims: [usize; 3],
        spacing: [f64; 3],
        origin: DVec3,
        row_dir: DVec3,
        col_dir: DVec3,
        slice_dir: DVec3,
    ) -> Result<Self, GeometryError> {
        if spacing.iter().any(|s| !s.is_finite() || *s <= 0.0) {
            return Err(GeometryError::BadSpacing(spacing));
        }
        let ok = (row_dir.length() - 1.0).abs() < 1e-3
            && (col_dir.length() - 1.0).abs() < 1e-3
            && row_dir.dot(col_dir).abs() < 1e-3;
        if !ok {
            return Err(GeometryError::NotOrthonormal {
                row: row_dir,
                col: col_dir,
            });
        }
        Ok(Self {
            dims,
            spacing,
            origin,
            row_dir: row_dir.normalize(),
            col_dir: col_dir.normalize(),
            slice_dir: slice_dir.normalize(),
        })
    }

    /// This grid moved by a rigid transform: voxel centre `p` goes to `t.apply(p)`.
    pub fn transformed(&self, t: &super::RigidTransform) -> Self {
        Self {
            dims: self.dims,
            spacing: self.spacing,
            origin: t.apply(self.origin),
            row_dir: t.apply_vector(self.row_dir),
            col_dir: t.apply_vector(self.col_dir),
            slice_dir: t.apply_vector(self.slice_dir),
        }
    }

    /// The 4x4 affine taking voxel indices (i, j, k, 1) to patient mm (LPS).
    pub fn voxel_to_patient_matrix(&self) -> DMat4 {
        let [sx, sy, sz] = self.spacing;
        DMat4::from_cols(
            (self.row_dir * sx).extend(0.0),
            (self.col_dir * sy).extend(0.0),
            (self.slice_dir * sz).extend(0.0),
            DVec4::new(self.origin.x, self.origin.y, self.origin.z, 1.0),
        )
    }

    /// The inverse affine: patient mm to continuous voxel indices.
    pub fn patient_to_voxel_matrix(&self) -> DMat4 {
        self.voxel_to_patient_matrix().inverse()
    }

    /// Patient position of continuous voxel coordinates.
    pub fn voxel_to_patient(&self, v: DVec3) -> DVec3 {
        self.origin
            + self.row_dir * (v.x * self.spacing[0])
            + self.col_dir * (v.y * self.spacing[1])
            + self.slice_dir * (v.z * self.spacing[2])
    }

    /// Continuous voxel coordinates of a patient position.
    pub fn patient_to_voxel(&self, p: DVec3) -> DVec3 {
        let m = DMat3::from_cols(
            self.row_dir * self.spacing[0],
            self.col_dir * self.spacing[1],
            self.slice_dir * self.spacing[2],
        );
        m.inverse() * (p - self.origin)
    }

    /// Patient-space axis-aligned bounds of the grid's outer faces (half a voxel beyond the
    /// outermost voxel centres), as (min, max).
    pub fn patient_bounds(&self) -> (DVec3, DVec3) {
        let d = self.dims;
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        for corner in 0..8 {
            let pick = |bit: usize, n: usize| {
                if corner & bit == 0 {
                    -0.5
                } else {
                    n as f64 - 0.5
                }
            };
            let v = DVec3::new(pick(1, d[0]), pick(2, d[1]), pick(4, d[2]));
            let p = self.voxel_to_patient(v);
            lo = lo.min(p);
            hi = hi.max(p);
        }
        (lo, hi)
    }

    /// Physical extent of the grid along each axis in mm (voxel count x spacing).
    pub fn extent_mm(&self) -> [f64; 3] {
        [
            self.dims[0] as f64 * self.spacing[0],
            self.dims[1] as f64 * self.spacing[1],
            self.dims[2] as f64 * self.spacing[2],
        ]
    }

    /// Angle in degrees between the slice stacking direction and the slice-plane normal;
    /// non-zero for gantry-tilted acquisitions.
    pub fn tilt_degrees(&self) -> f64 {
        let normal = self.row_dir.cross(self.col_dir);
        normal
            .dot(self.slice_dir)
            .clamp(-1.0, 1.0)
            .acos()
            .to_degrees()
    }

    /// Number of voxels.
    pub fn voxel_count(&self) -> usize {
        self.dims.iter().product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_round_trips() {
        let g = Geometry::from_directions(
            [10, 20, 30],
            [0.5, 0.7, 2.0],
            DVec3::new(-100.0, 50.0, -300.0),
            DVec3::new(0.0, 1.0, 0.0),
            DVec3::new(0.0, 0.0, -1.0),
            DVec3::new(1.0, 0.0, 0.0),
        )
        .unwrap();
        let v = DVec3::new(3.0, 4.5, 7.0);
        let p = g.voxel_to_patient(v);
        let m = g.voxel_to_patient_matrix();
        assert!((m.transform_point3(v) - p).length() < 1e-9);
        assert!((g.patient_to_voxel(p) - v).length() < 1e-9);
        assert!((g.patient_to_voxel_matrix().transform_point3(p) - v).length() < 1e-9);
    }

    #[test]
    fn rejects_skewed_orientation() {
        let r = Geometry::from_directions(
            [1, 1, 1],
            [1.0; 3],
            DVec3::ZERO,
            DVec3::X,
            DVec3::new(0.5, 0.5, 0.0),
            DVec3::Z,
        );
        assert!(r.is_err());
    }

    #[test]
    fn bounds_cover_half_voxels() {
        let g = Geometry::axial([2, 2, 2], [1.0, 1.0, 2.0], DVec3::ZERO);
        let (lo, hi) = g.patient_bounds();
        assert_eq!(lo, DVec3::new(-0.5, -0.5, -1.0));
        assert_eq!(hi, DVec3::new(1.5, 1.5, 3.0));
        assert_eq!(g.tilt_degrees(), 0.0);
    }
}
