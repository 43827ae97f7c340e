//! Automatic proposal of the PERCIST liver reference sphere: a grid search for the most uniform
//! liver-like 3 cm sphere in the patient's right half.

use glam::DVec3;
use rayon::prelude::*;

use super::grid::{Affine, CtSampler, Dims};
use super::liver::{LiverReference, LIVER_SPHERE_RADIUS_MM};
use super::AnalysisError;
use crate::volume::{HalfVolume, Volume};

/// Spacing of the grid of candidate sphere centres searched by the automatic proposal.
pub const LIVER_SEARCH_STEP_MM: f64 = 10.0;
/// Accepted liver SUV mean range for a proposed sphere.
pub const LIVER_SUV_RANGE: (f64, f64) = (1.0, 4.0);
/// Accepted mean CT number range (HU) for a proposed sphere, when a CT is present.
pub const LIVER_HU_RANGE: (f64, f64) = (30.0, 90.0);
/// Relative CoV margin within which liver candidates count as equally uniform. With ~270
/// voxels a sphere's sample CoV scatters by about 4 % (relative), so the minimum over thousands
/// of candidates is mostly luck; among the near-minimal ones the higher mean (the liver rather
/// than blood pool or background at SUV ~1) is preferred.
pub const LIVER_COV_TIE: f64 = 0.10;
/// Voxels at or above this SUV count as the body when locating the body's left-right centre.
const BODY_SUV: f32 = 0.2;

/// Proposes a liver reference sphere automatically.
///
/// Candidate centres lie on a [`LIVER_SEARCH_STEP_MM`] grid over the PET, each moved to the
/// nearest PET voxel centre, restricted to the patient's right half (patient x below the body's
/// centre, the mean x of the voxels with SUV >= 0.2; LPS: patient right is -x) and to spheres
/// whose voxels all lie inside the PET grid. A sphere holds the voxels whose centres lie within
/// [`LIVER_SPHERE_RADIUS_MM`] of its centre. As a speed shortcut a candidate is only measured
/// when its centre voxel's SUV lies between half the lower and 1.5 x the upper
/// [`LIVER_SUV_RANGE`] limit. Candidates must have an SUV mean within [`LIVER_SUV_RANGE`] and,
/// when a CT covers the sphere (at least half of its PET voxel centres lie inside the CT), a
/// mean CT number (trilinear at those centres) within [`LIVER_HU_RANGE`]; spheres outside a
/// cropped CT are judged on the PET alone. The one with the lowest coefficient of variation
/// wins; CoVs within [`LIVER_COV_TIE`] of the lowest count as ties, won by the higher mean
/// (then the lowest position).
pub fn propose(suv: &Volume, ct: Option<&HalfVolume>) -> Result<LiverReference, AnalysisError> {
    let kernel = Kernel::new(suv);
    let centres = candidate_voxels(suv, &kernel);
    if centres.is_empty() {
        return Err(AnalysisError::NoLiverReference {
            reason: "no 3 cm sphere fits inside the PET in the patient's right half".into(),
        });
    }
    let search = Search {
        suv,
        kernel: &kernel,
        ct: ct.map(|c| CtSampler::new(&suv.geometry, c)),
        to_patient: Affine::voxel_to_patient(&suv.geometry),
    };
    let accepted: Vec<LiverReference> = centres
        .par_iter()
        .filter_map(|&c| search.evaluate(c))
        .collect();
    choose(accepted).ok_or_else(|| AnalysisError::NoLiverReference {
        reason: format!(
            "no 3 cm sphere in the patient's right half has an SUV mean in {:?}{}",
            LIVER_SUV_RANGE,
            if ct.is_some() {
                format!(" and, where the CT covers it, a CT mean in {LIVER_HU_RANGE:?} HU")
            } else {
                String::new()
            }
        ),
    })
}

/// The voxel offsets of a sphere centred on a voxel centre.
struct Kernel {
    /// Offsets (dx, dy, dz) of the voxels whose centres lie within the radius.
    offsets: Vec<[i64; 3]>,
    /// The same as linear index offsets.
    linear: Vec<i64>,
    /// Largest |offset| along each axis.
    reach: [i64; 3],
}

impl Kernel {
    fn new(suv: &Volume) -> Self {
        let g = &suv.geometry;
        let dims = Dims::of(g);
        let (r, r2) = (LIVER_SPHERE_RADIUS_MM, LIVER_SPHERE_RADIUS_MM.powi(2));
        let to_patient = Affine::voxel_to_patient(g);
        let origin = to_patient.apply_f(DVec3::ZERO);
        let half = g.spacing.map(|s| (r / s).ceil() as i64 + 1);
        let mut k = Kernel {
            offsets: Vec::new(),
            linear: Vec::new(),
            reach: [0; 3],
        };
        for dz in -half[2]..=half[2] {
            for dy in -half[1]..=half[1] {
                for dx in -half[0]..=half[0] {
                    let d = DVec3::new(dx as f64, dy as f64, dz as f64);
                    if (to_patient.apply_f(d) - origin).length_squared() <= r2 {
                        let o = [dx, dy, dz];
                        k.offsets.push(o);
                        k.linear
                            .push(dx + dims.nx as i64 * (dy + dims.ny as i64 * dz));
                        for (r, c) in k.reach.iter_mut().zip(o) {
                            *r = (*r).max(c.abs());
                        }
                    }
                }
            }
        }
        k
    }

    /// Whether the kernel centred on voxel `v` stays inside the grid.
    fn fits(&self, dims: Dims, v: [i64; 3]) -> bool {
        let n = [dims.nx, dims.ny, dims.nz];
        (0..3).all(|a| v[a] - self.reach[a] >= 0 && v[a] + self.reach[a] < n[a] as i64)
    }
}

/// What evaluating a candidate needs.
struct Search<'a> {
    suv: &'a Volume,
    kernel: &'a Kernel,
    ct: Option<CtSampler<'a>>,
    to_patient: Affine,
}

impl Search<'_> {
    /// Measures the sphere on voxel `v` and applies the acceptance criteria.
    fn evaluate(&self, v: [usize; 3]) -> Option<LiverReference> {
        let (lo, hi) = LIVER_SUV_RANGE;
        let dims = Dims::of(&self.suv.geometry);
        let centre = dims.index(v[0], v[1], v[2]);
        let data = &self.suv.data;
        let at = data[centre] as f64;
        if at < 0.5 * lo || at > 1.5 * hi {
            return None;
        }
        let mut sums = (0usize, 0.0f64, 0.0f64);
        for &o in &self.kernel.linear {
            // In bounds: the candidate passed Kernel::fits.
            let x = data[(centre as i64 + o) as usize] as f64;
            sums = (sums.0 + 1, sums.1 + x, sums.2 + x * x);
        }
        let r = LiverReference::from_sums(self.to_patient.apply(v), sums, true)?;
        if r.suv_mean < lo || r.suv_mean > hi || r.voxel_count < 2 {
            return None;
        }
        // Spheres the CT does not cover (a CT cropped to a region) are judged on the PET.
        if let Some(hu) = self.ct.as_ref().and_then(|ct| self.mean_hu(ct, v)) {
            if hu < LIVER_HU_RANGE.0 || hu > LIVER_HU_RANGE.1 {
                return None;
            }
        }
        Some(r)
    }

    /// Mean CT number at the sphere's PET voxel centres; `None` when fewer than half of them
    /// lie inside the CT.
    fn mean_hu(&self, ct: &CtSampler<'_>, v: [usize; 3]) -> Option<f64> {
        let (mut sum, mut hits) = (0.0f64, 0usize);
        for o in &self.kernel.offsets {
            let p = std::array::from_fn(|a| (v[a] as i64 + o[a]) as usize);
            if let Some(hu) = ct.at(p) {
                sum += hu as f64;
                hits += 1;
            }
        }
        (hits > 0 && 2 * hits >= self.kernel.offsets.len()).then(|| sum / hits as f64)
    }
}

/// The most uniform candidate: the lowest coefficient of variation, where CoVs within
/// [`LIVER_COV_TIE`] (relative) of the lowest count as ties, broken by the higher mean, then
/// the lower centre in x, y, z order.
fn choose(candidates: Vec<LiverReference>) -> Option<LiverReference> {
    let lowest = candidates
        .iter()
        .map(LiverReference::cov)
        .min_by(f64::total_cmp)?;
    let limit = lowest * (1.0 + LIVER_COV_TIE);
    candidates
        .into_iter()
        .filter(|r| r.cov() <= limit)
        .min_by(|a, b| {
            b.suv_mean.total_cmp(&a.suv_mean).then_with(|| {
                let (pa, pb) = (a.centre_mm.to_array(), b.centre_mm.to_array());
                pa.partial_cmp(&pb).unwrap_or(std::cmp::Ordering::Equal)
            })
        })
}

/// The voxels nearest the search grid's points, in the right half of the body, whose sphere
/// fits inside the grid.
fn candidate_voxels(suv: &Volume, kernel: &Kernel) -> Vec<[usize; 3]> {
    let g = &suv.geometry;
    let dims = Dims::of(g);
    let Some(body_x) = body_centre_x(suv) else {
        return Vec::new();
    };
    let to_patient = Affine::voxel_to_patient(g);
    let to_voxel = Affine::patient_to_voxel(g);
    let (lo, hi) = g.patient_bounds();
    let steps = |a: usize| ((hi[a] - lo[a]) / LIVER_SEARCH_STEP_MM).floor() as usize;
    let mut out = Vec::new();
    for k in 0..=steps(2) {
        for j in 0..=steps(1) {
            for i in 0..=steps(0) {
                let p = lo + DVec3::new(i as f64, j as f64, k as f64) * LIVER_SEARCH_STEP_MM;
                let v = to_voxel.apply_f(p).round();
                let v = [v.x as i64, v.y as i64, v.z as i64];
                if !kernel.fits(dims, v) {
                    continue;
                }
                let v = v.map(|c| c as usize);
                if to_patient.apply(v).x < body_x {
                    out.push(v);
                }
            }
        }
    }
    // Slice-major order keeps the spheres of neighbouring candidates in cache.
    out.sort_unstable_by_key(|v| [v[2], v[1], v[0]]);
    out.dedup();
    out
}

/// Patient x of the centroid of the voxels with SUV >= [`BODY_SUV`]; `None` when there are
/// none.
fn body_centre_x(suv: &Volume) -> Option<f64> {
    let dims = Dims::of(&suv.geometry);
    let (sum, n) = suv
        .data
        .par_chunks(dims.slice_len())
        .enumerate()
        .map(|(z, values)| {
            let mut s = DVec3::ZERO;
            let mut n = 0usize;
            for (k, &v) in values.iter().enumerate() {
                if v >= BODY_SUV {
                    s += DVec3::new((k % dims.nx) as f64, (k / dims.nx) as f64, z as f64);
                    n += 1;
                }
            }
            (s, n)
        })
        .reduce(|| (DVec3::ZERO, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let to_patient = Affine::voxel_to_patient(&suv.geometry);
    (n > 0).then(|| to_patient.apply_f(sum / n as f64).x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Geometry, Unit};

    #[test]
    fn kernel_matches_the_exact_sphere() {
        let g = Geometry::axial([20, 20, 20], [4.0, 4.0, 3.27], DVec3::ZERO);
        let v = Volume::new(g, vec![1.0; 8000], Unit::SuvBw).unwrap();
        let k = Kernel::new(&v);
        let c = v.geometry.voxel_to_patient(DVec3::splat(10.0));
        let n =
            super::super::measure::sphere_fold(&v, c, LIVER_SPHERE_RADIUS_MM, 0, |n, _, _| n + 1);
        assert_eq!(k.offsets.len(), n);
        assert_eq!(k.reach, [3, 3, 4]);
        assert!(k.fits(Dims::of(&v.geometry), [3, 3, 4]));
        assert!(!k.fits(Dims::of(&v.geometry), [2, 3, 4]));
    }

    #[test]
    fn near_ties_in_uniformity_go_to_the_higher_mean() {
        // Two checkerboard blocks on the patient's right in SUV 0.5: "background" at 1.0/1.1
        // (CoV 4.8 %) and "liver" at 2.0/2.21 (CoV 5.0 %, within the tie margin).
        let g = Geometry::axial([40, 30, 30], [4.0; 3], DVec3::ZERO);
        let mut data = vec![0.5f32; g.voxel_count()];
        for z in 5..25 {
            for y in 2..28 {
                for x in 2..18 {
                    let odd = (x + y + z) % 2 == 1;
                    data[x + 40 * (y + 30 * z)] = match (y < 15, odd) {
                        (true, false) => 1.0,
                        (true, true) => 1.1,
                        (false, false) => 2.0,
                        (false, true) => 2.21,
                    };
                }
            }
        }
        let v = Volume::new(g, data, Unit::SuvBw).unwrap();
        let r = propose(&v, None).unwrap();
        assert!(r.suv_mean > 2.0, "{r:?}");
        assert!(r.centre_mm.y >= 15.0 * 4.0, "{r:?}");
    }
}
