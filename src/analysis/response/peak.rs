//! PERCIST's SULpeak: the mean of a 1 mL sphere placed where that mean is highest within the
//! lesion (a maximum over positions), not centred on the hottest voxel.

use glam::{DMat3, DVec3};
use rayon::prelude::*;

use crate::analysis::SUVPEAK_RADIUS_MM;
use crate::volume::Volume;

/// A sphere's voxel offsets on a grid: index steps whose patient distance is within the
/// radius (exact for any orthonormal or sheared grid).
struct Kernel {
    offsets: Vec<[isize; 3]>,
}

impl Kernel {
    fn new(vol: &Volume, radius_mm: f64) -> Self {
        let g = &vol.geometry;
        let a = DMat3::from_cols(
            g.row_dir * g.spacing[0],
            g.col_dir * g.spacing[1],
            g.slice_dir * g.spacing[2],
        );
        let reach: [isize; 3] =
            std::array::from_fn(|i| (radius_mm / g.spacing[i]).ceil() as isize + 1);
        let r2 = radius_mm * radius_mm;
        let mut offsets = Vec::new();
        for k in -reach[2]..=reach[2] {
            for j in -reach[1]..=reach[1] {
                for i in -reach[0]..=reach[0] {
                    let d = a * DVec3::new(i as f64, j as f64, k as f64);
                    if d.length_squared() <= r2 {
                        offsets.push([i, j, k]);
                    }
                }
            }
        }
        Self { offsets }
    }

    /// Mean of the voxels of the sphere at `c` that lie inside the grid.
    fn mean_at(&self, vol: &Volume, c: [usize; 3]) -> f64 {
        let d = vol.geometry.dims;
        let (mut sum, mut n) = (0.0f64, 0usize);
        for o in &self.offsets {
            let p: [isize; 3] = std::array::from_fn(|i| c[i] as isize + o[i]);
            if (0..3).all(|i| p[i] >= 0 && (p[i] as usize) < d[i]) {
                sum += vol.data[vol.index(p[0] as usize, p[1] as usize, p[2] as usize)] as f64;
                n += 1;
            }
        }
        if n == 0 {
            0.0
        } else {
            sum / n as f64
        }
    }
}

/// A PERCIST peak: the highest 1 mL sphere mean and where its centre lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    /// Mean value in the sphere (the volume's units: SUL or SUV).
    pub mean: f64,
    /// The sphere's centre voxel.
    pub voxel: [usize; 3],
    /// The sphere's centre in patient space (mm).
    pub position_mm: DVec3,
}

/// The highest mean of a 1 mL sphere centred on any of `centres` (the lesion's voxels);
/// voxels beyond the grid are left out of a sphere's mean, as in [`crate::analysis::suv_peak`].
/// `None` when `centres` is empty.
pub fn percist_peak(vol: &Volume, centres: &[[usize; 3]]) -> Option<Peak> {
    let kernel = Kernel::new(vol, SUVPEAK_RADIUS_MM);
    centres
        .par_iter()
        .map(|&c| (kernel.mean_at(vol, c), c))
        // Ties go to the lowest (z, y, x) so the result does not depend on thread timing.
        .reduce_with(|a, b| {
            let key = |v: &(f64, [usize; 3])| (v.1[2], v.1[1], v.1[0]);
            if b.0 > a.0 || (b.0 == a.0 && key(&b) < key(&a)) {
                b
            } else {
                a
            }
        })
        .map(|(mean, voxel)| Peak {
            mean,
            voxel,
            position_mm: vol
                .geometry
                .voxel_to_patient(DVec3::from_array(voxel.map(|v| v as f64))),
        })
}

/// The voxels whose centres lie within `radius_mm` of `centre_mm` (for measuring a site where
/// no lesion was segmented).
pub fn voxels_near(vol: &Volume, centre_mm: DVec3, radius_mm: f64) -> Vec<[usize; 3]> {
    let g = &vol.geometry;
    let v = g.patient_to_voxel(centre_mm);
    let reach: [f64; 3] = std::array::from_fn(|i| (radius_mm / g.spacing[i]).ceil() + 1.0);
    let range = |a: usize| {
        let lo = (v[a] - reach[a]).floor().max(0.0) as usize;
        let hi = ((v[a] + reach[a]).ceil().max(-1.0) + 1.0).min(g.dims[a] as f64) as usize;
        lo..hi.max(lo)
    };
    let mut out = Vec::new();
    for z in range(2) {
        for y in range(1) {
            for x in range(0) {
                let p = g.voxel_to_patient(DVec3::new(x as f64, y as f64, z as f64));
                if p.distance_squared(centre_mm) <= radius_mm * radius_mm {
                    out.push([x, y, z]);
                }
            }
        }
    }
    out
}
