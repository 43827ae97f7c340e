//! Measurements a reader places by hand: a distance ruler and the statistics of a spherical or
//! ellipsoidal region of interest (ROI) over the PET and the CT.
//!
//! An ROI is an ellipsoid whose axes are the patient axes (LPS); a sphere has three equal
//! radii. The viewer's slice panes are cut along the patient axes, so an ellipse drawn in any
//! of them is axis-aligned here too. A voxel belongs to the ROI when its centre lies inside
//! (boundary included), on the PET grid for the PET figures and on the CT grid for the HU.

use glam::DVec3;
use serde::Serialize;

use super::grid::{Affine, Dims};
use super::measure::{sphere_fold, SUVPEAK_RADIUS_MM};
use crate::volume::{HalfVolume, Volume, Voxel};

/// A distance ruler between two patient points (LPS, mm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ruler {
    /// First end.
    pub a: DVec3,
    /// Second end.
    pub b: DVec3,
}

impl Ruler {
    /// Length in mm (patient space is isotropic, so no voxel spacing enters).
    pub fn length_mm(&self) -> f64 {
        self.a.distance(self.b)
    }
}

/// An ellipsoid with axes along the patient axes: `sum(((p - centre) / radii)^2) <= 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ellipsoid {
    /// Centre (patient LPS, mm).
    pub centre: DVec3,
    /// Semi-axes along patient x, y and z, in mm.
    pub radii: DVec3,
}

impl Ellipsoid {
    /// A sphere.
    pub fn sphere(centre: DVec3, radius_mm: f64) -> Self {
        Self {
            centre,
            radii: DVec3::splat(radius_mm),
        }
    }

    /// Whether all three radii are equal.
    pub fn is_sphere(&self) -> bool {
        self.radii.x == self.radii.y && self.radii.y == self.radii.z
    }

    /// Geometric volume `4/3 pi a b c` in mL (voxel counts approximate it).
    pub fn nominal_volume_ml(&self) -> f64 {
        4.0 / 3.0 * std::f64::consts::PI * self.radii.x * self.radii.y * self.radii.z / 1000.0
    }

    /// Whether a patient point lies inside (boundary included).
    #[inline]
    pub fn contains(&self, p: DVec3) -> bool {
        ((p - self.centre) / self.radii).length_squared() <= 1.0
    }
}

/// How PET values become the figures shown: SUV when known, else the PET's own units.
#[derive(Debug, Clone, PartialEq)]
pub struct PetScale {
    /// Multiplier from stored PET values to display units (the SUV factor, or 1).
    pub factor: f64,
    /// Units label of the figures ("SUV", or e.g. "Bq/mL").
    pub units: String,
    /// Whether the figures are SUV; when not, SUVpeak is the same sphere mean in `units`.
    pub is_suv: bool,
}

/// PET figures of an ROI, in [`PetScale::units`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PetRoiStats {
    /// Hottest voxel's value (SUVmax when [`Self::is_suv`]).
    pub max: f64,
    /// PET voxel indices (x, y, z) of the hottest voxel (lowest linear index among ties, as
    /// the lesion table picks it).
    pub max_voxel: [usize; 3],
    /// Centre of the hottest voxel (patient mm).
    pub max_position_mm: DVec3,
    /// Mean over the ROI's PET voxels.
    pub mean: f64,
    /// Peak: mean of the 1 mL sphere centred on the hottest voxel, the lesion table's
    /// SUVpeak definition ([`super::SUVPEAK_DEFINITION`]); voxels outside the ROI count too.
    pub peak: f64,
    /// Number of PET voxels whose centres lie inside.
    pub voxel_count: usize,
    /// Voxel count x PET voxel volume, in mL.
    pub volume_ml: f64,
    /// Units of `max`, `mean` and `peak`.
    pub units: String,
    /// Whether the figures are SUV.
    pub is_suv: bool,
}

/// CT figures of an ROI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CtRoiStats {
    /// Mean HU of the CT voxels whose centres lie inside.
    pub hu_mean: f64,
    /// Sample standard deviation (n - 1; 0 for one voxel), as the liver reference uses.
    pub hu_sd: f64,
    /// Number of CT voxels inside.
    pub voxel_count: usize,
}

/// Statistics of an ROI; either part is `None` without that volume or when no voxel centre
/// of it lies inside the ROI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoiStats {
    pub pet: Option<PetRoiStats>,
    pub ct: Option<CtRoiStats>,
}

/// Why an ROI cannot be measured.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RoiError {
    /// A radius is zero, negative or not finite, or the centre is not finite.
    #[error("invalid ROI: centre {centre:?} mm, radii {radii:?} mm (radii must be positive)")]
    InvalidShape { centre: DVec3, radii: DVec3 },
    /// The PET scale factor is zero or not finite.
    #[error("invalid PET scale factor {0}")]
    InvalidScale(f64),
}

/// Measures an ROI over the PET (scaled by `scale`) and the CT.
///
/// PET values are scaled voxel by voxel in single precision exactly as
/// [`super::suv_volume`] does, so an ROI's SUVmax equals the lesion table's for the same voxel.
pub fn roi_stats(
    roi: &Ellipsoid,
    pet: Option<(&Volume, &PetScale)>,
    ct: Option<&HalfVolume>,
) -> Result<RoiStats, RoiError> {
    let ok = roi.centre.is_finite() && roi.radii.is_finite() && roi.radii.min_element() > 0.0;
    if !ok {
        return Err(RoiError::InvalidShape {
            centre: roi.centre,
            radii: roi.radii,
        });
    }
    if let Some((_, s)) = pet {
        if !(s.factor.is_finite() && s.factor != 0.0) {
            return Err(RoiError::InvalidScale(s.factor));
        }
    }
    Ok(RoiStats {
        pet: pet.and_then(|(v, s)| pet_stats(roi, v, s)),
        ct: ct.and_then(|v| ct_stats(roi, v)),
    })
}

/// Running PET sums; the hottest voxel is the first strictly greater one in index order.
struct PetAcc {
    n: usize,
    sum: f64,
    max: f32,
    max_voxel: [usize; 3],
}

fn pet_stats(roi: &Ellipsoid, pet: &Volume, scale: &PetScale) -> Option<PetRoiStats> {
    let f = scale.factor as f32;
    let init = PetAcc {
        n: 0,
        sum: 0.0,
        max: f32::NEG_INFINITY,
        max_voxel: [0; 3],
    };
    let acc = ellipsoid_fold(pet, roi, init, |mut a, v, c| {
        let v = v * f;
        a.n += 1;
        a.sum += v as f64;
        if v > a.max {
            a.max = v;
            a.max_voxel = c;
        }
        a
    });
    if acc.n == 0 {
        return None;
    }
    let volume_ml = acc.n as f64 * pet.voxel_volume_ml();
    Some(PetRoiStats {
        max: acc.max as f64,
        max_voxel: acc.max_voxel,
        // The lesion table's arithmetic, so that both report the same position to the bit.
        max_position_mm: Affine::voxel_to_patient(&pet.geometry).apply(acc.max_voxel),
        mean: acc.sum / acc.n as f64,
        peak: scaled_peak(pet, f, acc.max_voxel),
        voxel_count: acc.n,
        volume_ml,
        units: scale.units.clone(),
        is_suv: scale.is_suv,
    })
}

/// [`super::suv_peak`] of the PET scaled by `f` (the same sphere, fold and arithmetic), without
/// building a scaled copy of the whole volume.
fn scaled_peak(pet: &Volume, f: f32, centre: [usize; 3]) -> f64 {
    let c = pet
        .geometry
        .voxel_to_patient(DVec3::from_array(centre.map(|v| v as f64)));
    let (sum, n) = sphere_fold(pet, c, SUVPEAK_RADIUS_MM, (0.0, 0usize), |(s, n), v, _| {
        (s + (v * f) as f64, n + 1)
    });
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

fn ct_stats(roi: &Ellipsoid, ct: &HalfVolume) -> Option<CtRoiStats> {
    // Welford's running mean and squared deviations: HU sums of a large ROI near -1000
    // would lose the variance to cancellation otherwise.
    let (n, mean, m2) = ellipsoid_fold(ct, roi, (0usize, 0.0f64, 0.0f64), |(n, mean, m2), v, _| {
        let v = v as f64;
        let n = n + 1;
        let d = v - mean;
        let mean = mean + d / n as f64;
        (n, mean, m2 + d * (v - mean))
    });
    (n > 0).then(|| CtRoiStats {
        hu_mean: mean,
        hu_sd: if n > 1 {
            (m2 / (n - 1) as f64).sqrt()
        } else {
            0.0
        },
        voxel_count: n,
    })
}

/// Folds `f(acc, value, [x, y, z])` over the voxels whose centres lie inside `roi`, in
/// increasing linear index order (z, then y, then x).
fn ellipsoid_fold<A, T: Voxel>(
    vol: &Volume<T>,
    roi: &Ellipsoid,
    init: A,
    mut f: impl FnMut(A, f32, [usize; 3]) -> A,
) -> A {
    let dims = Dims::of(&vol.geometry);
    let to_patient = Affine::voxel_to_patient(&vol.geometry);
    let Some([xs, ys, zs]) = index_box(vol, roi) else {
        return init;
    };
    let mut acc = init;
    for z in zs {
        for y in ys.clone() {
            for x in xs.clone() {
                if roi.contains(to_patient.apply([x, y, z])) {
                    acc = f(acc, vol.data[dims.index(x, y, z)].to_f32(), [x, y, z]);
                }
            }
        }
    }
    acc
}

/// The voxel index ranges covering the ROI's patient bounding box (any grid orientation);
/// `None` when the box misses the grid.
fn index_box<T>(vol: &Volume<T>, roi: &Ellipsoid) -> Option<[std::ops::Range<usize>; 3]> {
    let g = &vol.geometry;
    let mut lo = DVec3::splat(f64::INFINITY);
    let mut hi = DVec3::splat(f64::NEG_INFINITY);
    for corner in 0..8 {
        let sign = |bit: usize| if corner & bit == 0 { -1.0 } else { 1.0 };
        let p = roi.centre + roi.radii * DVec3::new(sign(1), sign(2), sign(4));
        let v = g.patient_to_voxel(p);
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let range = |a: usize| {
        let first = lo[a].floor().max(0.0);
        let end = (hi[a].ceil() + 1.0).min(g.dims[a] as f64);
        (first < end).then_some(first as usize..end as usize)
    };
    Some([range(0)?, range(1)?, range(2)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{suv_peak, suv_volume};
    use crate::volume::{Geometry, Unit};

    /// A 1 mm grid of `value` with voxel (0, 0, 0) at the patient origin.
    fn grid(value: f32, n: usize, unit: Unit) -> Volume {
        let g = Geometry::axial([n; 3], [1.0; 3], DVec3::ZERO);
        Volume::new(g, vec![value; n * n * n], unit).unwrap()
    }

    fn set(v: &mut Volume, [x, y, z]: [usize; 3], value: f32) {
        let i = v.index(x, y, z);
        v.data[i] = value;
    }

    fn suv_scale(factor: f64) -> PetScale {
        PetScale {
            factor,
            units: "SUV".into(),
            is_suv: true,
        }
    }

    #[test]
    fn ruler_length_is_the_euclidean_distance() {
        let r = Ruler {
            a: DVec3::new(1.0, 2.0, 3.0),
            b: DVec3::new(4.0, 6.0, 15.0),
        };
        assert_eq!(r.length_mm(), 13.0);
    }

    #[test]
    fn ellipse_roi_holds_the_hand_counted_voxels() {
        // Radii (2, 1, 1) mm at a voxel centre of a 1 mm grid: the centre, x offsets +-1
        // and +-2, y and z offsets +-1: 9 voxels. (1, 1, 0) lies at 1/4 + 1 > 1: outside.
        let mut pet = grid(1.0, 9, Unit::BecquerelPerMl);
        set(&mut pet, [6, 4, 4], 7.0); // +2 along x: inside
        set(&mut pet, [4, 6, 4], 100.0); // +2 along y: outside
        set(&mut pet, [5, 5, 4], 50.0); // (1, 1, 0): outside
        let roi = Ellipsoid {
            centre: DVec3::splat(4.0),
            radii: DVec3::new(2.0, 1.0, 1.0),
        };
        let scale = PetScale {
            factor: 2.0,
            units: "Bq/mL".into(),
            is_suv: false,
        };
        let s = roi_stats(&roi, Some((&pet, &scale)), None).unwrap();
        let p = s.pet.unwrap();
        assert_eq!(p.voxel_count, 9);
        assert!((p.volume_ml - 0.009).abs() < 1e-12);
        assert_eq!(p.max, 14.0);
        assert_eq!(p.max_voxel, [6, 4, 4]);
        assert_eq!(p.max_position_mm, DVec3::new(6.0, 4.0, 4.0));
        assert!((p.mean - 2.0 * 15.0 / 9.0).abs() < 1e-12, "{}", p.mean);
        assert_eq!((p.units.as_str(), p.is_suv), ("Bq/mL", false));
        assert!(s.ct.is_none());
        assert!(!roi.is_sphere());
    }

    #[test]
    fn ct_mean_and_sd_of_a_hand_made_sphere() {
        // Radius 1 mm at a voxel centre: the centre and its six face neighbours (diagonals
        // lie at 1.41 mm). Values 0, 10, ..., 60: mean 30, sample SD sqrt(2800 / 6).
        let mut ct = grid(1000.0, 7, Unit::Hounsfield);
        let c = 3usize;
        let cells = [
            [c, c, c],
            [c - 1, c, c],
            [c + 1, c, c],
            [c, c - 1, c],
            [c, c + 1, c],
            [c, c, c - 1],
            [c, c, c + 1],
        ];
        for (k, cell) in cells.into_iter().enumerate() {
            set(&mut ct, cell, 10.0 * k as f32);
        }
        let roi = Ellipsoid::sphere(DVec3::splat(3.0), 1.0);
        let s = roi_stats(&roi, None, Some(&ct.convert())).unwrap();
        let h = s.ct.unwrap();
        assert_eq!(h.voxel_count, 7);
        assert!((h.hu_mean - 30.0).abs() < 1e-9);
        assert!(
            (h.hu_sd - (2800.0f64 / 6.0).sqrt()).abs() < 1e-9,
            "{}",
            h.hu_sd
        );
        assert!(s.pet.is_none());
    }

    #[test]
    fn peak_matches_the_lesion_tables_suv_peak_on_the_scaled_volume() {
        let g = Geometry::axial([20, 20, 20], [4.0, 4.0, 3.27], DVec3::new(-7.0, 3.0, 11.0));
        let data = (0..8000).map(|i| ((i * 37) % 101) as f32 * 13.7).collect();
        let pet = Volume::new(g, data, Unit::BecquerelPerMl).unwrap();
        let factor = 1.234e-3;
        let roi = Ellipsoid::sphere(pet.geometry.voxel_to_patient(DVec3::splat(9.5)), 14.0);
        let p = roi_stats(&roi, Some((&pet, &suv_scale(factor))), None)
            .unwrap()
            .pet
            .unwrap();
        let suv = suv_volume(&pet, factor);
        assert_eq!(p.peak, suv_peak(&suv, p.max_voxel));
        assert_eq!(
            p.max,
            suv.data[suv.index(p.max_voxel[0], p.max_voxel[1], p.max_voxel[2])] as f64
        );
    }

    #[test]
    fn roi_beside_the_grid_has_no_figures_and_bad_shapes_are_errors() {
        let pet = grid(1.0, 5, Unit::SuvBw);
        let far = Ellipsoid::sphere(DVec3::splat(100.0), 5.0);
        let s = roi_stats(&far, Some((&pet, &suv_scale(1.0))), Some(&pet.convert())).unwrap();
        assert_eq!(
            s,
            RoiStats {
                pet: None,
                ct: None
            }
        );
        let flat = Ellipsoid {
            centre: DVec3::ZERO,
            radii: DVec3::new(1.0, 0.0, 1.0),
        };
        assert!(matches!(
            roi_stats(&flat, None, None),
            Err(RoiError::InvalidShape { .. })
        ));
        let near = Ellipsoid::sphere(DVec3::ZERO, 1.0);
        assert!(matches!(
            roi_stats(&near, Some((&pet, &suv_scale(f64::NAN))), None),
            Err(RoiError::InvalidScale(_))
        ));
    }

    #[test]
    fn a_sphere_over_the_grid_corner_counts_only_voxels_inside_the_grid() {
        // Radius 1 at the corner voxel (0, 0, 0): itself and +x, +y, +z neighbours.
        let pet = grid(2.0, 4, Unit::SuvBw);
        let roi = Ellipsoid::sphere(DVec3::ZERO, 1.0);
        let p = roi_stats(&roi, Some((&pet, &suv_scale(1.0))), None)
            .unwrap()
            .pet
            .unwrap();
        assert_eq!(p.voxel_count, 4);
        assert_eq!((p.max, p.mean), (2.0, 2.0));
        assert_eq!(p.max_voxel, [0, 0, 0]);
    }
}
