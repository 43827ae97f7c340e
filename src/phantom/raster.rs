//! Turning a [`Scene`] into voxels: CT numbers on the CT grid, and partial-volume SUV on the PET
//! grid (each PET voxel the mean of `s x s x s` sub-samples), z-slices in parallel.

use super::noise;
use super::shapes::{Label, Scene};
use crate::volume::Geometry;
use rayon::prelude::*;

/// Lowest and highest CT number a 12-bit scanner reports.
const HU_RANGE: (f32, f32) = (-1024.0, 3071.0);

/// Centre of voxel index `i` along axis `axis` (axial grids only).
#[inline]
fn centre(g: &Geometry, axis: usize, i: usize) -> f64 {
    g.origin[axis] + i as f64 * g.spacing[axis]
}

/// CT numbers (HU) of `scene` on `geometry` (an axial grid), with approximately Gaussian noise
/// of standard deviation `noise_hu` seeded by `seed`, clamped to the 12-bit CT range.
pub(crate) fn ct_numbers(scene: &Scene, geometry: &Geometry, noise_hu: f32, seed: u64) -> Vec<f32> {
    let [nx, ny, nz] = geometry.dims;
    let (hu, _) = scene.tables();
    let mut data = vec![0.0f32; nx * ny * nz];
    data.par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(k, slice)| {
            let z = centre(geometry, 2, k);
            let candidates = scene.layers_in_slab(z, z);
            let mut labels: Vec<Label> = vec![0; nx];
            for (j, row) in slice.chunks_mut(nx).enumerate() {
                let y = centre(geometry, 1, j);
                scene.paint_row(
                    &candidates,
                    y,
                    z,
                    geometry.origin.x,
                    geometry.spacing[0],
                    &mut labels,
                );
                let base = ((k * ny + j) * nx) as u64;
                for (i, (v, &l)) in row.iter_mut().zip(&labels).enumerate() {
                    let n = if noise_hu > 0.0 {
                        noise_hu * noise::approx_normal(seed, base + i as u64)
                    } else {
                        0.0
                    };
                    *v = (hu[l as usize] + n).clamp(HU_RANGE.0, HU_RANGE.1);
                }
            }
        });
    data
}

/// Index range `lo..=hi` of voxels along `axis` whose cells overlap `[a, b]` (mm), widened by
/// one voxel; `None` when there is none.
fn voxel_range(g: &Geometry, axis: usize, a: f64, b: f64) -> Option<(usize, usize)> {
    let n = g.dims[axis] as f64;
    let to_index = |p: f64| (p - g.origin[axis]) / g.spacing[axis];
    let lo = (to_index(a) - 1.5).floor().max(0.0);
    let hi = (to_index(b) + 1.5).ceil().min(n - 1.0);
    (lo <= hi).then_some((lo as usize, hi as usize))
}

/// Mean SUV over each voxel of `geometry` (an axial grid), from `s` sub-samples per axis
/// (`s^3` per voxel) at the centres of a regular sub-grid.
pub(crate) fn partial_volume_suv(scene: &Scene, geometry: &Geometry, s: usize) -> Vec<f32> {
    let [nx, ny, nz] = geometry.dims;
    let mut data = vec![0.0f32; nx * ny * nz];
    let Some(active) = scene.active_bbox() else {
        return data;
    };
    let (Some(xr), Some(yr), Some(zr)) = (
        voxel_range(geometry, 0, active.min.x, active.max.x),
        voxel_range(geometry, 1, active.min.y, active.max.y),
        voxel_range(geometry, 2, active.min.z, active.max.z),
    ) else {
        return data;
    };
    let s = s.max(1);
    let (_, suv) = scene.tables();
    let [dx, dy, dz] = geometry.spacing;
    // Sub-sample offsets from a voxel centre, in units of the voxel size.
    let offsets: Vec<f64> = (0..s).map(|q| (q as f64 + 0.5) / s as f64 - 0.5).collect();
    let norm = 1.0 / (s * s * s) as f32;
    let ncols = xr.1 - xr.0 + 1;
    let x0 = centre(geometry, 0, xr.0) + offsets[0] * dx;
    data.par_chunks_mut(nx * ny)
        .enumerate()
        .filter(|(k, _)| (zr.0..=zr.1).contains(k))
        .for_each(|(k, slice)| {
            let zc = centre(geometry, 2, k);
            let candidates = scene.layers_in_slab(zc - dz / 2.0, zc + dz / 2.0);
            let mut labels: Vec<Label> = vec![0; ncols * s];
            let mut acc = vec![0.0f32; ncols];
            for j in yr.0..=yr.1 {
                let yc = centre(geometry, 1, j);
                acc.fill(0.0);
                for oz in &offsets {
                    for oy in &offsets {
                        let (y, z) = (yc + oy * dy, zc + oz * dz);
                        scene.paint_row(&candidates, y, z, x0, dx / s as f64, &mut labels);
                        for (a, sub) in acc.iter_mut().zip(labels.chunks(s)) {
                            *a += sub.iter().map(|&l| suv[l as usize]).sum::<f32>();
                        }
                    }
                }
                let row = &mut slice[j * nx + xr.0..j * nx + xr.1 + 1];
                for (v, a) in row.iter_mut().zip(&acc) {
                    *v = a * norm;
                }
            }
        });
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phantom::shapes::{Shape, Tissue};
    use glam::DVec3;

    #[test]
    fn partial_volume_conserves_activity() {
        let mut scene = Scene::default();
        scene.push(
            "ball",
            Shape::sphere(DVec3::new(1.3, -0.7, 2.1), 10.0),
            Tissue::new(0.0, 1.0),
        );
        let g = Geometry::axial(
            [16, 16, 16],
            [4.0, 4.0, 3.27],
            DVec3::new(-30.0, -30.0, -24.0),
        );
        let suv = partial_volume_suv(&scene, &g, 6);
        let ml: f64 = suv.iter().map(|&v| v as f64).sum::<f64>() * 4.0 * 4.0 * 3.27 / 1000.0;
        let exact = 4.0 / 3.0 * std::f64::consts::PI * 1000.0 / 1000.0;
        assert!((ml - exact).abs() / exact < 0.02, "{ml} vs {exact}");
        assert!(suv.iter().all(|&v| (0.0..=1.0).contains(&v)));
    }

    #[test]
    fn ct_paints_tissue_numbers() {
        let mut scene = Scene::default();
        scene.push(
            "ball",
            Shape::sphere(DVec3::ZERO, 5.0),
            Tissue::new(40.0, 1.0),
        );
        let g = Geometry::axial([11, 11, 3], [1.0, 1.0, 2.0], DVec3::new(-5.0, -5.0, -2.0));
        let ct = ct_numbers(&scene, &g, 0.0, 1);
        assert_eq!(ct[5 + 11 * (5 + 11)], 40.0);
        assert_eq!(ct[0], -1000.0);
    }
}
