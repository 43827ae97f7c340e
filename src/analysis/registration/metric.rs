//! The similarity measure: normalised cross-correlation of fixed feature values at sample
//! points with the moving image's values at the mapped points.

use glam::{DMat4, DVec3};
use rayon::prelude::*;

use super::features::FeatureImage;
use crate::volume::RigidTransform;

/// Fixed-image sample points (patient mm) and their feature values.
pub(crate) struct Samples {
    pub points: Vec<DVec3>,
    pub values: Vec<f32>,
}

impl Samples {
    /// The voxels of `fixed` where the feature changes most (the body outline, lung and bone
    /// edges carry the alignment; flat regions only add cost), at most `max` of them, spread
    /// evenly over the image.
    pub fn edges(fixed: &FeatureImage, max: usize) -> Self {
        let [nx, ny, nz] = fixed.geometry.dims;
        let d = &fixed.data;
        let grad = |x: usize, y: usize, z: usize| -> f32 {
            let i = x + nx * (y + ny * z);
            let gx = d[i + 1] - d[i - 1];
            let gy = d[i + nx] - d[i - nx];
            let gz = d[i + nx * ny] - d[i - nx * ny];
            gx * gx + gy * gy + gz * gz
        };
        let mut strong: Vec<(f32, [usize; 3])> = (1..nz.saturating_sub(1))
            .into_par_iter()
            .flat_map_iter(|z| {
                (1..ny - 1).flat_map(move |y| (1..nx - 1).map(move |x| (grad(x, y, z), [x, y, z])))
            })
            .filter(|(g, _)| *g > 1e-4)
            .collect();
        // Keep the strongest quarter (at least `max` when there are that many).
        let keep = (strong.len() / 4).max(max.min(strong.len()));
        if keep < strong.len() {
            strong.select_nth_unstable_by(keep, |a, b| b.0.total_cmp(&a.0));
            strong.truncate(keep);
        }
        strong.sort_unstable_by_key(|(_, v)| (v[2], v[1], v[0]));
        let stride = strong.len().div_ceil(max.max(1)).max(1);
        let chosen: Vec<[usize; 3]> = strong.iter().step_by(stride).map(|(_, v)| *v).collect();
        Self {
            points: chosen
                .iter()
                .map(|v| {
                    fixed
                        .geometry
                        .voxel_to_patient(DVec3::from_array(v.map(|c| c as f64)))
                })
                .collect(),
            values: chosen
                .iter()
                .map(|v| d[v[0] + nx * (v[1] + ny * v[2])])
                .collect(),
        }
    }
}

/// NCC between the samples and `moving` at `fixed_to_moving(point)`; -1 when degenerate.
pub(crate) fn ncc(
    samples: &Samples,
    moving: &FeatureImage,
    fixed_to_moving: &RigidTransform,
) -> f64 {
    let to_voxel: DMat4 = moving.geometry.patient_to_voxel_matrix()
        * DMat4::from_cols(
            fixed_to_moving.rotation.x_axis.extend(0.0),
            fixed_to_moving.rotation.y_axis.extend(0.0),
            fixed_to_moving.rotation.z_axis.extend(0.0),
            fixed_to_moving.translation.extend(1.0),
        );
    let sums = samples
        .points
        .par_chunks(4096)
        .zip(samples.values.par_chunks(4096))
        .map(|(pts, vals)| {
            let mut s = [0.0f64; 5];
            for (p, &f) in pts.iter().zip(vals) {
                let v = to_voxel.transform_point3(*p);
                let m = moving.sample([v.x, v.y, v.z]) as f64;
                let f = f as f64;
                s[0] += f;
                s[1] += m;
                s[2] += f * f;
                s[3] += m * m;
                s[4] += f * m;
            }
            s
        })
        .reduce(|| [0.0; 5], |a, b| std::array::from_fn(|i| a[i] + b[i]));
    let n = samples.points.len() as f64;
    if n < 2.0 {
        return -1.0;
    }
    let cov = sums[4] - sums[0] * sums[1] / n;
    let vf = sums[2] - sums[0] * sums[0] / n;
    let vm = sums[3] - sums[1] * sums[1] / n;
    if vf <= 0.0 || vm <= 0.0 {
        return -1.0;
    }
    cov / (vf * vm).sqrt()
}
