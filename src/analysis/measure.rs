//! Lesion measures: SUVmax, SUVmean, SUVpeak, metabolic tumour volume, TLG, centroid, bounding
//! box and mean CT number.

use glam::DVec3;
use serde::Serialize;

use super::grid::{Affine, CtSampler, Dims};
use super::triage::Category;
use crate::volume::{HalfVolume, Volume};

/// Radius in mm of a 1 mL sphere, the SUVpeak neighbourhood: `(3000 / (4 pi))^(1/3)`.
pub const SUVPEAK_RADIUS_MM: f64 = 6.203_504_908_994;

/// How SUVpeak is computed here, for reports.
pub const SUVPEAK_DEFINITION: &str = "SUVpeak: mean SUV of all voxels (in the lesion or not) \
whose centres lie within a 1 mL sphere (radius 6.2 mm) centred on the SUVmax voxel, as OHIF \
computes it (PERCIST's peak instead searches for the hottest such sphere)";

/// One segmented lesion and its measures. Positions are patient coordinates (LPS, mm) of
/// PET voxel centres; serialised with vectors as `[x, y, z]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lesion {
    /// 1-based label, also the lesion's value in [`HotspotResult::labels`](super::HotspotResult);
    /// suspicious lesions are numbered first, then physiologic ones, each by descending SUVmax.
    pub id: u32,
    /// The triage category (serialised flat: `"category"` and, for physiologic uptake,
    /// `"organ"`); see [`super::triage`].
    #[serde(flatten)]
    pub category: Category,
    /// The triage rule that set the category, in words.
    pub triage_note: String,
    /// Mean SUV of the background shell around the lesion (see [`super::triage`]).
    pub background_suv: f64,
    /// Hottest voxel's SUV.
    pub suv_max: f64,
    /// PET voxel indices (x, y, z) of the hottest voxel.
    pub max_voxel: [usize; 3],
    /// Centre of the hottest voxel.
    pub max_position_mm: DVec3,
    /// Mean SUV over the lesion's voxels.
    pub suv_mean: f64,
    /// See [`SUVPEAK_DEFINITION`].
    pub suv_peak: f64,
    /// Metabolic tumour volume: voxel count x PET voxel volume, in mL.
    pub volume_ml: f64,
    /// Total lesion glycolysis: SUVmean x volume (SUV x mL).
    pub tlg: f64,
    /// Mean of the lesion's voxel centres.
    pub centroid_mm: DVec3,
    /// Per-axis minimum of the lesion's voxel centres.
    pub bbox_min_mm: DVec3,
    /// Per-axis maximum of the lesion's voxel centres.
    pub bbox_max_mm: DVec3,
    /// Mean CT number (HU, trilinear at the lesion's voxel centres that lie inside the CT);
    /// `None` without a CT or when no voxel centre lies inside it.
    pub ct_hu_mean: Option<f64>,
    /// Number of PET voxels in the lesion.
    pub voxel_count: usize,
    /// The SUV threshold the lesion was segmented at.
    pub threshold_suv: f64,
}

/// What measuring needs besides a lesion's voxels.
pub(crate) struct Measurer<'a> {
    pub suv: &'a Volume,
    pub dims: Dims,
    pub to_patient: Affine,
    pub ct: Option<CtSampler<'a>>,
}

impl<'a> Measurer<'a> {
    pub fn new(suv: &'a Volume, ct: Option<&'a HalfVolume>) -> Self {
        Self {
            suv,
            dims: Dims::of(&suv.geometry),
            to_patient: Affine::voxel_to_patient(&suv.geometry),
            ct: ct.map(|c| CtSampler::new(&suv.geometry, c)),
        }
    }

    /// Measures a non-empty region segmented at `threshold`; its id is set later.
    pub fn measure(&self, voxels: &[u32], threshold: f32) -> Lesion {
        let data = &self.suv.data;
        let mut sum = 0.0f64;
        let mut max_index = voxels[0] as usize;
        let mut max = f32::NEG_INFINITY;
        let mut centre_sum = DVec3::ZERO;
        let mut lo = DVec3::splat(f64::INFINITY);
        let mut hi = DVec3::splat(f64::NEG_INFINITY);
        let mut hu = (0.0f64, 0usize);
        for &i in voxels {
            let i = i as usize;
            let v = data[i];
            sum += v as f64;
            if v > max || (v == max && i < max_index) {
                max = v;
                max_index = i;
            }
            let c = self.dims.coords(i);
            let p = self.to_patient.apply(c);
            centre_sum += p;
            lo = lo.min(p);
            hi = hi.max(p);
            if let Some(h) = self.ct.as_ref().and_then(|ct| ct.at(c)) {
                hu = (hu.0 + h as f64, hu.1 + 1);
            }
        }
        let n = voxels.len();
        let suv_mean = sum / n as f64;
        let volume_ml = n as f64 * self.suv.voxel_volume_ml();
        let max_voxel = self.dims.coords(max_index);
        Lesion {
            id: 0,
            category: Category::Suspicious,
            triage_note: String::new(),
            background_suv: 0.0,
            suv_max: max as f64,
            max_voxel,
            max_position_mm: self.to_patient.apply(max_voxel),
            suv_mean,
            suv_peak: suv_peak(self.suv, max_voxel),
            volume_ml,
            tlg: suv_mean * volume_ml,
            centroid_mm: centre_sum / n as f64,
            bbox_min_mm: lo,
            bbox_max_mm: hi,
            ct_hu_mean: (hu.1 > 0).then(|| hu.0 / hu.1 as f64),
            voxel_count: n,
            threshold_suv: threshold as f64,
        }
    }
}

/// Mean SUV of the voxels whose centres lie within [`SUVPEAK_RADIUS_MM`] of voxel `centre`'s
/// centre (all voxels, in the lesion or not; those beyond the grid are absent).
pub fn suv_peak(suv: &Volume, centre: [usize; 3]) -> f64 {
    let c = suv
        .geometry
        .voxel_to_patient(DVec3::from_array(centre.map(|v| v as f64)));
    let (sum, n) = sphere_fold(suv, c, SUVPEAK_RADIUS_MM, (0.0, 0usize), |(s, n), v, _| {
        (s + v as f64, n + 1)
    });
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Folds `f(acc, value, [x, y, z])` over the voxels whose centres lie within `radius_mm` of the
/// patient point `centre` (only voxels inside the grid).
pub(crate) fn sphere_fold<A>(
    vol: &Volume,
    centre: DVec3,
    radius_mm: f64,
    init: A,
    mut f: impl FnMut(A, f32, [usize; 3]) -> A,
) -> A {
    let g = &vol.geometry;
    let dims = Dims::of(g);
    let to_patient = Affine::voxel_to_patient(g);
    let v = g.patient_to_voxel(centre);
    // Half-width of the index box; generous so oblique grids are covered too.
    let reach = |a: usize| (radius_mm / g.spacing[a]).ceil() + 1.0;
    let range = |a: usize, n: usize| -> std::ops::Range<usize> {
        let lo = (v[a] - reach(a)).floor().max(0.0);
        let end = (v[a] + reach(a)).ceil().min(n as f64 - 1.0) + 1.0;
        lo as usize..end.max(lo) as usize
    };
    let r2 = radius_mm * radius_mm;
    let mut acc = init;
    for z in range(2, dims.nz) {
        for y in range(1, dims.ny) {
            for x in range(0, dims.nx) {
                let p = to_patient.apply([x, y, z]);
                if p.distance_squared(centre) <= r2 {
                    acc = f(acc, vol.data[dims.index(x, y, z)], [x, y, z]);
                }
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Geometry, Unit};

    fn constant(value: f32, dims: [usize; 3], spacing: [f64; 3]) -> Volume {
        let g = Geometry::axial(dims, spacing, DVec3::new(-10.0, 5.0, 30.0));
        let n = dims.iter().product();
        Volume::new(g, vec![value; n], Unit::SuvBw).unwrap()
    }

    #[test]
    fn suv_peak_of_a_constant_volume_is_the_constant() {
        let v = constant(3.25, [12, 12, 12], [4.0, 4.0, 3.27]);
        assert!((suv_peak(&v, [6, 6, 6]) - 3.25).abs() < 1e-9);
        // At a corner fewer voxels lie inside the grid; still the constant.
        assert!((suv_peak(&v, [0, 0, 0]) - 3.25).abs() < 1e-9);
    }

    #[test]
    fn suv_peak_sphere_holds_about_one_millilitre() {
        let v = constant(1.0, [30, 30, 30], [1.0, 1.0, 1.0]);
        let c = v.geometry.voxel_to_patient(DVec3::splat(15.0));
        let n = sphere_fold(&v, c, SUVPEAK_RADIUS_MM, 0usize, |n, _, _| n + 1);
        assert!((n as f64 - 1000.0).abs() < 30.0, "{n} voxels of 1 uL");
    }

    #[test]
    fn tlg_is_mean_times_volume() {
        let mut v = constant(0.0, [5, 5, 5], [2.0, 2.0, 2.0]);
        let voxels: Vec<u32> = vec![31, 32, 37];
        for (k, &i) in voxels.iter().enumerate() {
            v.data[i as usize] = 2.0 + k as f32;
        }
        let l = Measurer::new(&v, None).measure(&voxels, 1.0);
        assert_eq!(l.voxel_count, 3);
        assert!((l.suv_mean - 3.0).abs() < 1e-9);
        assert!((l.volume_ml - 0.024).abs() < 1e-12);
        assert!((l.tlg - l.suv_mean * l.volume_ml).abs() < 1e-12);
        assert_eq!(l.suv_max, 4.0);
        assert_eq!(l.max_voxel, [2, 2, 1]);
        assert_eq!(l.ct_hu_mean, None);
        assert!(l.bbox_min_mm.cmple(l.centroid_mm).all());
        assert!(l.centroid_mm.cmple(l.bbox_max_mm).all());
    }
}
