//! The PERCIST liver reference: SUV mean and SD in a 3 cm sphere in the right liver lobe, at a
//! given centre or proposed automatically.

use glam::DVec3;
use rayon::prelude::*;
use serde::Serialize;

use super::grid::{Affine, CtSampler, Dims};
use super::measure::sphere_fold;
use super::AnalysisError;
use crate::volume::Volume;

/// Radius of the PERCIST liver reference sphere (3 cm diameter).
pub const LIVER_SPHERE_RADIUS_MM: f64 = 15.0;
/// Spacing of the grid of candidate sphere centres searched by the automatic proposal.
pub const LIVER_SEARCH_STEP_MM: f64 = 10.0;
/// Accepted liver SUV mean range for a proposed sphere.
pub const LIVER_SUV_RANGE: (f64, f64) = (1.0, 4.0);
/// Accepted mean CT number range (HU) for a proposed sphere, when a CT is present.
pub const LIVER_HU_RANGE: (f64, f64) = (30.0, 90.0);
/// Voxels at or above this SUV count as the body when locating the body's left-right centre.
const BODY_SUV: f32 = 0.2;

/// The liver reference region PERCIST thresholds are derived from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiverReference {
    /// Sphere centre (patient LPS mm).
    pub centre_mm: DVec3,
    /// Sphere radius in mm ([`LIVER_SPHERE_RADIUS_MM`]).
    pub radius_mm: f64,
    /// Mean SUV of the PET voxels whose centres lie inside the sphere.
    pub suv_mean: f64,
    /// Sample standard deviation (n - 1) of the same voxels.
    pub suv_sd: f64,
    /// Number of PET voxels in the sphere.
    pub voxel_count: usize,
    /// True when the sphere was proposed automatically rather than given.
    pub proposed: bool,
}

impl LiverReference {
    /// The PERCIST threshold: 1.5 x mean + 2 x SD.
    pub fn percist_threshold(&self) -> f64 {
        1.5 * self.suv_mean + 2.0 * self.suv_sd
    }

    /// Coefficient of variation (SD / mean).
    pub fn cov(&self) -> f64 {
        self.suv_sd / self.suv_mean
    }
}

/// The liver reference at a given centre, or proposed (see [`propose`]) when `centre` is None.
pub fn liver_reference(
    suv: &Volume,
    ct: Option<&Volume>,
    centre: Option<DVec3>,
) -> Result<LiverReference, AnalysisError> {
    match centre {
        Some(c) => measure_sphere(suv, c, false)
            .filter(|r| r.voxel_count >= 2 && r.suv_mean > 0.0)
            .ok_or_else(|| AnalysisError::NoLiverReference {
                reason: format!(
                    "the 3 cm sphere at ({:.1}, {:.1}, {:.1}) mm holds too few PET voxels or no uptake",
                    c.x, c.y, c.z
                ),
            }),
        None => propose(suv, ct),
    }
}

/// SUV statistics of the sphere of radius [`LIVER_SPHERE_RADIUS_MM`] at `centre`.
fn measure_sphere(suv: &Volume, centre: DVec3, proposed: bool) -> Option<LiverReference> {
    let (s, s2, n) = sphere_fold(
        suv,
        centre,
        LIVER_SPHERE_RADIUS_MM,
        (0.0f64, 0.0f64, 0usize),
        |(s, s2, n), v, _| {
            let v = v as f64;
            (s + v, s2 + v * v, n + 1)
        },
    );
    if n == 0 {
        return None;
    }
    let mean = s / n as f64;
    let var = if n > 1 {
        ((s2 - s * mean) / (n - 1) as f64).max(0.0)
    } else {
        0.0
    };
    Some(LiverReference {
        centre_mm: centre,
        radius_mm: LIVER_SPHERE_RADIUS_MM,
        suv_mean: mean,
        suv_sd: var.sqrt(),
        voxel_count: n,
        proposed,
    })
}

/// Mean CT number sampled (trilinear) at the centres of the PET voxels in the sphere; `None`
/// when fewer than half of them lie inside the CT.
fn sphere_hu(suv: &Volume, ct: &Volume, centre: DVec3) -> Option<f64> {
    let sampler = CtSampler::new(&suv.geometry, ct);
    let (sum, hits, total) = sphere_fold(
        suv,
        centre,
        LIVER_SPHERE_RADIUS_MM,
        (0.0f64, 0usize, 0usize),
        |(s, h, t), _, v| match sampler.at(v) {
            Some(hu) => (s + hu as f64, h + 1, t + 1),
            None => (s, h, t + 1),
        },
    );
    (hits > 0 && 2 * hits >= total).then(|| sum / hits as f64)
}

/// Proposes a liver reference sphere automatically.
///
/// Candidate centres lie on a [`LIVER_SEARCH_STEP_MM`] grid over the PET, restricted to the
/// patient's right half (patient x below the body's centre, LPS: patient right is -x; the body
/// centre is the mean x of voxels with SUV >= 0.2) and to spheres wholly inside the PET grid.
/// As a speed shortcut a candidate is only measured when the SUV at its nearest voxel lies in
/// half the lower to 1.5 x the upper [`LIVER_SUV_RANGE`] limit. Candidates must have an SUV
/// mean within [`LIVER_SUV_RANGE`] and, when a CT is given, a mean CT number within
/// [`LIVER_HU_RANGE`]. The one with the lowest coefficient of variation wins (ties: the higher
/// mean).
pub fn propose(suv: &Volume, ct: Option<&Volume>) -> Result<LiverReference, AnalysisError> {
    let centres = candidate_centres(suv);
    if centres.is_empty() {
        return Err(AnalysisError::NoLiverReference {
            reason: "no 3 cm sphere fits inside the PET in the patient's right half".into(),
        });
    }
    let best = centres
        .par_iter()
        .filter_map(|&c| evaluate(suv, ct, c))
        .reduce_with(|a, b| if better(&b, &a) { b } else { a });
    best.ok_or_else(|| AnalysisError::NoLiverReference {
        reason: format!(
            "no 3 cm sphere in the patient's right half has an SUV mean in {:?}{}",
            LIVER_SUV_RANGE,
            if ct.is_some() {
                format!(" and a CT mean in {LIVER_HU_RANGE:?} HU")
            } else {
                String::new()
            }
        ),
    })
}

/// Whether `a` is a better liver candidate than `b` (lower CoV; ties: higher mean; then the
/// lower centre in x, y, z order so the choice is deterministic).
fn better(a: &LiverReference, b: &LiverReference) -> bool {
    let key = |r: &LiverReference| (r.cov(), -r.suv_mean, r.centre_mm.to_array());
    let (ka, kb) = (key(a), key(b));
    ka.partial_cmp(&kb).is_some_and(|o| o.is_lt())
}

/// Measures one candidate centre and applies the acceptance criteria.
fn evaluate(suv: &Volume, ct: Option<&Volume>, centre: DVec3) -> Option<LiverReference> {
    let (lo, hi) = LIVER_SUV_RANGE;
    let v = suv.geometry.patient_to_voxel(centre).round();
    let at = suv.get(v.x as usize, v.y as usize, v.z as usize)? as f64;
    if at < 0.5 * lo || at > 1.5 * hi {
        return None;
    }
    let r = measure_sphere(suv, centre, true)?;
    if r.suv_mean < lo || r.suv_mean > hi || r.voxel_count < 2 {
        return None;
    }
    if let Some(ct) = ct {
        let hu = sphere_hu(suv, ct, centre)?;
        if hu < LIVER_HU_RANGE.0 || hu > LIVER_HU_RANGE.1 {
            return None;
        }
    }
    Some(r)
}

/// Grid points in the right half of the body whose 3 cm sphere lies inside the PET grid.
fn candidate_centres(suv: &Volume) -> Vec<DVec3> {
    let g = &suv.geometry;
    let Some(body_x) = body_centre_x(suv) else {
        return Vec::new();
    };
    let r = LIVER_SPHERE_RADIUS_MM;
    let (lo, hi) = g.patient_bounds();
    let steps = |a: usize| ((hi[a] - lo[a] - 2.0 * r) / LIVER_SEARCH_STEP_MM).floor();
    let (nx, ny, nz) = (steps(0), steps(1), steps(2));
    if nx < 0.0 || ny < 0.0 || nz < 0.0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for k in 0..=nz as usize {
        for j in 0..=ny as usize {
            for i in 0..=nx as usize {
                let offset = DVec3::new(i as f64, j as f64, k as f64) * LIVER_SEARCH_STEP_MM;
                let c = lo + DVec3::splat(r) + offset;
                if c.x < body_x && sphere_inside(suv, c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// Whether the sphere at `centre` lies within the hull of the PET voxel centres.
fn sphere_inside(suv: &Volume, centre: DVec3) -> bool {
    let g = &suv.geometry;
    let v = g.patient_to_voxel(centre);
    (0..3).all(|a| {
        let reach = LIVER_SPHERE_RADIUS_MM / g.spacing[a];
        v[a] - reach >= 0.0 && v[a] + reach <= (g.dims[a] - 1) as f64
    })
}

/// Patient x of the centroid of the voxels with SUV >= [`BODY_SUV`]; `None` when there are
/// none.
fn body_centre_x(suv: &Volume) -> Option<f64> {
    let dims = Dims::of(&suv.geometry);
    let slice = dims.slice_len();
    let (sum, n) = suv
        .data
        .par_chunks(slice)
        .enumerate()
        .map(|(z, values)| {
            let mut s = DVec3::ZERO;
            let mut n = 0usize;
            for (k, &v) in values.iter().enumerate() {
                if v >= BODY_SUV {
                    let (x, y) = (k % dims.nx, k / dims.nx);
                    s += DVec3::new(x as f64, y as f64, z as f64);
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

    /// A 40 x 30 x 30 grid of 4 mm voxels at SUV 0.5 with a uniform block of 2.0 on the
    /// patient's right (low x) and a noisy block of 2.0 on the right too.
    fn two_blocks() -> Volume {
        let g = Geometry::axial([40, 30, 30], [4.0; 3], DVec3::ZERO);
        let mut data = vec![0.5f32; g.voxel_count()];
        for z in 5..25 {
            for y in 5..25 {
                for x in 2..14 {
                    data[x + 40 * (y + 30 * z)] = 2.0;
                }
                for x in 14..19 {
                    // Alternating 1.5 / 2.5 stripes: same mean, high variation.
                    data[x + 40 * (y + 30 * z)] = if (x + y + z) % 2 == 0 { 1.5 } else { 2.5 };
                }
            }
        }
        Volume::new(g, data, Unit::SuvBw).unwrap()
    }

    #[test]
    fn proposal_picks_the_uniform_block() {
        let v = two_blocks();
        let r = propose(&v, None).unwrap();
        assert!(r.proposed);
        assert!((r.suv_mean - 2.0).abs() < 1e-6, "{r:?}");
        assert!(r.suv_sd < 1e-6);
        let x = r.centre_mm.x / 4.0;
        assert!((2.0..14.0).contains(&x), "{r:?}");
        assert!((r.percist_threshold() - 3.0).abs() < 1e-6);
    }

    #[test]
    fn given_centre_is_measured_not_proposed() {
        let v = two_blocks();
        let r = liver_reference(&v, None, Some(DVec3::new(32.0, 60.0, 60.0))).unwrap();
        assert!(!r.proposed);
        assert!((r.suv_mean - 2.0).abs() < 1e-6);
        // Sphere of radius 15 mm on a 4 mm grid: a few dozen voxels.
        assert!(r.voxel_count > 150 && r.voxel_count < 270, "{}", r.voxel_count);
    }

    #[test]
    fn proposal_fails_without_liver_like_uptake() {
        let g = Geometry::axial([20, 20, 20], [4.0; 3], DVec3::ZERO);
        let v = Volume::new(g, vec![0.4; 8000], Unit::SuvBw).unwrap();
        assert!(matches!(
            propose(&v, None),
            Err(AnalysisError::NoLiverReference { .. })
        ));
    }
}
