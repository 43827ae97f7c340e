//! NIfTI voxel-to-world transforms (RAS+) to the crate's [`Geometry`] (DICOM LPS).
//!
//! NIfTI world coordinates are RAS+ (x to the patient's Right... +x = Right is *negative* L):
//! a world point (x, y, z) in RAS is (-x, -y, z) in LPS. So the LPS affine is the RAS affine
//! with its x and y rows negated. Voxel axes i, j, k (i fastest in the file) map onto the
//! crate's x (column), y (row) and z (slice) indices; the affine's columns divided by their
//! lengths are `row_dir`, `col_dir` and `slice_dir`, the lengths the spacing.

use glam::{DMat3, DVec3};

use crate::volume::Geometry;

/// Which header transform placed the voxels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransformSource {
    /// `srow_x/y/z` (sform_code > 0).
    Sform,
    /// The quaternion (qform_code > 0).
    Qform,
    /// Neither code set: pixdim scaling only (NIfTI "method 1"), origin at voxel 0.
    PixdimOnly,
}

impl TransformSource {
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            TransformSource::Sform => "sform",
            TransformSource::Qform => "qform",
            TransformSource::PixdimOnly => "pixdim only",
        }
    }
}

/// A voxel-to-world affine: `world = m * [i, j, k] + t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Columns: the world step of one voxel along i, j, k.
    pub m: DMat3,
    /// World position of voxel (0, 0, 0)'s centre.
    pub t: DVec3,
}

impl Affine {
    /// From the three sform rows `[a, b, c, d]` (world_x = a i + b j + c k + d, ...).
    pub fn from_rows(rows: [[f64; 4]; 3]) -> Self {
        let col = |c: usize| DVec3::new(rows[0][c], rows[1][c], rows[2][c]);
        Self {
            m: DMat3::from_cols(col(0), col(1), col(2)),
            t: col(3),
        }
    }

    /// From the qform quaternion (b, c, d; a derived), voxel sizes, qfac (pixdim[0]) and offset,
    /// as the NIfTI-1 standard (nifti1.h, method 2) defines it.
    pub fn from_quaternion(bcd: [f64; 3], pixdim: [f64; 3], qfac: f64, offset: DVec3) -> Self {
        let [b, c, d] = bcd;
        let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
        let r = DMat3::from_cols(
            DVec3::new(
                a * a + b * b - c * c - d * d,
                2.0 * (b * c + a * d),
                2.0 * (b * d - a * c),
            ),
            DVec3::new(
                2.0 * (b * c - a * d),
                a * a + c * c - b * b - d * d,
                2.0 * (c * d + a * b),
            ),
            DVec3::new(
                2.0 * (b * d + a * c),
                2.0 * (c * d - a * b),
                a * a + d * d - c * c - b * b,
            ),
        );
        let qfac = if qfac < 0.0 { -1.0 } else { 1.0 };
        Self {
            m: DMat3::from_cols(
                r.x_axis * pixdim[0],
                r.y_axis * pixdim[1],
                r.z_axis * pixdim[2] * qfac,
            ),
            t: offset,
        }
    }

    /// The same transform in LPS: x and y rows negated.
    pub fn ras_to_lps(self) -> Self {
        let flip = DMat3::from_diagonal(DVec3::new(-1.0, -1.0, 1.0));
        Self {
            m: flip * self.m,
            t: flip * self.t,
        }
    }

    /// World position of continuous voxel indices.
    pub fn apply(&self, v: DVec3) -> DVec3 {
        self.m * v + self.t
    }
}

/// A geometry for voxels placed by `lps`, and whether the j axis has to be reversed to get it.
///
/// The crate's grids are right-handed like DICOM's (`slice_dir` on the side of
/// `row_dir x col_dir`); a left-handed NIfTI grid (AutoPET's LAS voxel order, for one) is made
/// right-handed by reversing j, which turns LAS into DICOM's usual LPS order. The caller then
/// reverses the rows of each slice ([`flip_j`]).
pub fn geometry_from_lps(dims: [usize; 3], lps: &Affine) -> Result<(Geometry, bool), String> {
    let cols = [lps.m.x_axis, lps.m.y_axis, lps.m.z_axis];
    let spacing = cols.map(|c| c.length());
    if cols.iter().any(|c| !c.is_finite()) || !lps.t.is_finite() {
        return Err("non-finite values".into());
    }
    if spacing.iter().any(|s| *s < 1e-6) {
        return Err(format!(
            "a voxel axis has zero length (spacing {spacing:?})"
        ));
    }
    let dirs = [0, 1, 2].map(|a| cols[a] / spacing[a]);
    let flip = lps.m.determinant() < 0.0;
    let (origin, col_dir) = if flip {
        let last = dims[1].saturating_sub(1) as f64;
        (lps.t + cols[1] * last, -dirs[1])
    } else {
        (lps.t, dirs[1])
    };
    let geometry = Geometry::from_directions(dims, spacing, origin, dirs[0], col_dir, dirs[2])
        .map_err(|e| e.to_string())?;
    Ok((geometry, flip))
}

/// Reverses the j (row) order of every slice of x-fastest data.
pub fn flip_j<T>(data: &mut [T], dims: [usize; 3]) {
    let [nx, ny, _] = dims;
    if nx == 0 || ny < 2 {
        return;
    }
    for slice in data.chunks_exact_mut(nx * ny) {
        for j in 0..ny / 2 {
            let (top, bottom) = slice.split_at_mut((ny - 1 - j) * nx);
            top[j * nx..(j + 1) * nx].swap_with_slice(&mut bottom[..nx]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: DVec3, b: DVec3) -> bool {
        (a - b).length() < 1e-9
    }

    /// Every voxel of the grid lands where the NIfTI affine (then RAS -> LPS) puts it, after
    /// the j reversal when there is one.
    fn check_all_voxels(dims: [usize; 3], ras: Affine) -> bool {
        let lps = ras.ras_to_lps();
        let (g, flip) = geometry_from_lps(dims, &lps).unwrap();
        for k in 0..dims[2] {
            for j in 0..dims[1] {
                for i in 0..dims[0] {
                    let file_j = if flip { dims[1] - 1 - j } else { j };
                    let want = lps.apply(DVec3::new(i as f64, file_j as f64, k as f64));
                    let ras_want = ras.apply(DVec3::new(i as f64, file_j as f64, k as f64));
                    assert!(close(want, ras_want * DVec3::new(-1.0, -1.0, 1.0)));
                    let got = g.voxel_to_patient(DVec3::new(i as f64, j as f64, k as f64));
                    assert!(close(got, want), "voxel {i},{j},{k}: {got} vs {want}");
                }
            }
        }
        flip
    }

    #[test]
    fn las_voxel_order_becomes_dicom_lps_order() {
        // AutoPET / dicom2nifti: i to the patient's Left (-x in RAS), j Anterior, k Superior.
        let ras = Affine::from_rows([
            [-4.0, 0.0, 0.0, 300.0],
            [0.0, 4.0, 0.0, -250.0],
            [0.0, 0.0, 3.0, -800.0],
        ]);
        let dims = [5, 4, 3];
        assert!(check_all_voxels(dims, ras));
        let (g, _) = geometry_from_lps(dims, &ras.ras_to_lps()).unwrap();
        assert!(close(g.row_dir, DVec3::X));
        assert!(close(g.col_dir, DVec3::Y));
        assert!(close(g.slice_dir, DVec3::Z));
        assert_eq!(g.spacing, [4.0, 4.0, 3.0]);
        // Voxel (0, 0, 0) is file voxel (0, 3, 0): RAS (300, -238, -800) = LPS (-300, 238, -800).
        assert!(close(g.origin, DVec3::new(-300.0, 238.0, -800.0)));
    }

    #[test]
    fn ras_identity_and_oblique_sforms() {
        // Identity RAS: right-handed in LPS too (two axes negated), no flip.
        let ras = Affine::from_rows([
            [2.0, 0.0, 0.0, 10.0],
            [0.0, 2.0, 0.0, 20.0],
            [0.0, 0.0, 2.5, 30.0],
        ]);
        assert!(!check_all_voxels([3, 4, 2], ras));
        // Oblique: 30 degrees about z and 10 about x, anisotropic, with a flipped k axis.
        let rot =
            DMat3::from_rotation_x(10f64.to_radians()) * DMat3::from_rotation_z(30f64.to_radians());
        let m = rot * DMat3::from_diagonal(DVec3::new(1.5, 2.0, -3.0));
        let ras = Affine {
            m,
            t: DVec3::new(-5.0, 7.0, 100.0),
        };
        assert!(check_all_voxels([4, 3, 5], ras));
        let (g, _) = geometry_from_lps([4, 3, 5], &ras.ras_to_lps()).unwrap();
        assert_eq!(g.spacing.map(|s| (s * 1e9).round() / 1e9), [1.5, 2.0, 3.0]);
        assert!(g.slice_dir.dot(g.row_dir.cross(g.col_dir)) > 0.999);
    }

    #[test]
    fn qform_quaternion_matches_its_rotation() {
        // 90 degrees about z: b = c = 0, d = sin(45 deg); i -> +y, j -> -x (RAS).
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let q = Affine::from_quaternion([0.0, 0.0, s], [2.0, 3.0, 4.0], 1.0, DVec3::ZERO);
        assert!(close(q.m.x_axis, DVec3::new(0.0, 2.0, 0.0)));
        assert!(close(q.m.y_axis, DVec3::new(-3.0, 0.0, 0.0)));
        assert!(close(q.m.z_axis, DVec3::new(0.0, 0.0, 4.0)));
        // qfac -1 flips k.
        let q = Affine::from_quaternion([0.0, 0.0, 0.0], [1.0, 1.0, 2.0], -1.0, DVec3::ONE);
        assert!(close(q.m.z_axis, DVec3::new(0.0, 0.0, -2.0)));
        assert!(check_all_voxels([2, 3, 4], q));
    }

    #[test]
    fn sheared_or_degenerate_transforms_are_errors() {
        let shear = Affine::from_rows([
            [1.0, 0.5, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ]);
        assert!(geometry_from_lps([2, 2, 2], &shear).is_err());
        let zero = Affine::from_rows([[0.0; 4], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]);
        assert!(geometry_from_lps([2, 2, 2], &zero).is_err());
    }

    #[test]
    fn flip_j_reverses_rows_in_each_slice() {
        let mut d: Vec<u32> = (0..12).collect(); // 2 x 3 x 2
        flip_j(&mut d, [2, 3, 2]);
        assert_eq!(d, vec![4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
    }
}
