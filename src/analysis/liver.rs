//! The PERCIST liver reference: SUV mean and SD in a 3 cm sphere in the right liver lobe, at a
//! given centre or proposed automatically.

use glam::DVec3;
use serde::Serialize;

use super::liver_search::propose;
use super::measure::sphere_fold;
use super::AnalysisError;
use crate::volume::{HalfVolume, Volume};

/// Radius of the PERCIST liver reference sphere (3 cm diameter).
pub const LIVER_SPHERE_RADIUS_MM: f64 = 15.0;

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

    /// Mean and sample SD from a count, sum and sum of squares.
    pub(crate) fn from_sums(
        centre_mm: DVec3,
        (n, sum, sum2): (usize, f64, f64),
        proposed: bool,
    ) -> Option<Self> {
        if n == 0 {
            return None;
        }
        let mean = sum / n as f64;
        let var = if n > 1 {
            ((sum2 - sum * mean) / (n - 1) as f64).max(0.0)
        } else {
            0.0
        };
        Some(Self {
            centre_mm,
            radius_mm: LIVER_SPHERE_RADIUS_MM,
            suv_mean: mean,
            suv_sd: var.sqrt(),
            voxel_count: n,
            proposed,
        })
    }
}

/// The liver reference at a given centre, or proposed (see
/// [`propose_liver_reference`](super::propose_liver_reference)) when `centre` is None.
pub fn liver_reference(
    suv: &Volume,
    ct: Option<&HalfVolume>,
    centre: Option<DVec3>,
) -> Result<LiverReference, AnalysisError> {
    match centre {
        Some(c) => measure_sphere(suv, c)
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
fn measure_sphere(suv: &Volume, centre: DVec3) -> Option<LiverReference> {
    let sums = sphere_fold(
        suv,
        centre,
        LIVER_SPHERE_RADIUS_MM,
        (0usize, 0.0f64, 0.0f64),
        |(n, s, s2), v, _| {
            let v = v as f64;
            (n + 1, s + v, s2 + v * v)
        },
    );
    LiverReference::from_sums(centre, sums, false)
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
        assert!(
            r.voxel_count > 150 && r.voxel_count < 270,
            "{}",
            r.voxel_count
        );
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
