//! Voxel-grid helpers shared by the segmentation passes: index arithmetic, the affine from PET
//! voxel indices to patient space and to CT voxel coordinates, and the CT-range test.

use glam::DVec3;

use crate::volume::{Geometry, HalfVolume};

/// Dimensions of a grid with its index arithmetic (`i = x + nx * (y + ny * z)`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dims {
    pub nx: usize,
    pub ny: usize,
    pub nz: usize,
}

impl Dims {
    pub fn of(g: &Geometry) -> Self {
        let [nx, ny, nz] = g.dims;
        Self { nx, ny, nz }
    }

    /// Number of voxels in one z-slice.
    pub fn slice_len(&self) -> usize {
        self.nx * self.ny
    }

    /// Total number of voxels.
    pub fn len(&self) -> usize {
        self.nx * self.ny * self.nz
    }

    /// Linear index of (x, y, z).
    #[inline]
    pub fn index(&self, x: usize, y: usize, z: usize) -> usize {
        x + self.nx * (y + self.ny * z)
    }

    /// (x, y, z) of a linear index.
    #[inline]
    pub fn coords(&self, i: usize) -> [usize; 3] {
        let x = i % self.nx;
        let yz = i / self.nx;
        [x, yz % self.ny, yz / self.ny]
    }
}

/// An affine map from integer voxel indices of one grid to 3-vectors: `base + x*ax + y*ay +
/// z*az` (patient mm, or continuous voxel coordinates of another grid).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Affine {
    base: DVec3,
    ax: DVec3,
    ay: DVec3,
    az: DVec3,
}

impl Affine {
    /// Voxel indices to patient mm.
    pub fn voxel_to_patient(g: &Geometry) -> Self {
        Self::from_fn(|v| g.voxel_to_patient(v))
    }

    /// Patient mm to continuous voxel coordinates.
    pub fn patient_to_voxel(g: &Geometry) -> Self {
        Self::from_fn(|p| g.patient_to_voxel(p))
    }

    /// Voxel indices of grid `from` to continuous voxel coordinates of grid `to`.
    pub fn between(from: &Geometry, to: &Geometry) -> Self {
        Self::from_fn(|v| to.patient_to_voxel(from.voxel_to_patient(v)))
    }

    /// Captures an affine function by its values at the origin and the unit vectors.
    fn from_fn(f: impl Fn(DVec3) -> DVec3) -> Self {
        let base = f(DVec3::ZERO);
        Self {
            base,
            ax: f(DVec3::X) - base,
            ay: f(DVec3::Y) - base,
            az: f(DVec3::Z) - base,
        }
    }

    /// Image of voxel (x, y, z).
    #[inline]
    pub fn apply(&self, [x, y, z]: [usize; 3]) -> DVec3 {
        self.base + self.ax * x as f64 + self.ay * y as f64 + self.az * z as f64
    }

    /// Image of continuous voxel coordinates.
    #[inline]
    pub fn apply_f(&self, v: DVec3) -> DVec3 {
        self.base + self.ax * v.x + self.ay * v.y + self.az * v.z
    }
}

/// CT sampled at PET voxel centres (trilinear).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CtSampler<'a> {
    ct: &'a HalfVolume,
    pet_to_ct: Affine,
}

impl<'a> CtSampler<'a> {
    pub fn new(pet: &Geometry, ct: &'a HalfVolume) -> Self {
        Self {
            ct,
            pet_to_ct: Affine::between(pet, &ct.geometry),
        }
    }

    /// CT value (HU) at the centre of PET voxel (x, y, z); `None` outside the CT.
    #[inline]
    pub fn at(&self, v: [usize; 3]) -> Option<f32> {
        self.ct.sample_voxel(self.pet_to_ct.apply(v))
    }
}

/// The optional CT-range constraint on PET voxels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CtRange<'a> {
    sampler: CtSampler<'a>,
    lo: f32,
    hi: f32,
}

impl<'a> CtRange<'a> {
    pub fn new(sampler: CtSampler<'a>, (lo, hi): (f32, f32)) -> Self {
        Self { sampler, lo, hi }
    }

    /// Whether the CT at PET voxel `v` lies in the range; voxels outside the CT never do.
    #[inline]
    pub fn accepts(&self, v: [usize; 3]) -> bool {
        self.sampler
            .at(v)
            .is_some_and(|hu| hu >= self.lo && hu <= self.hi)
    }
}

/// The SUV grid a segmentation pass works on, with its optional CT constraint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field<'a> {
    pub suv: &'a [f32],
    pub dims: Dims,
    pub ct_range: Option<CtRange<'a>>,
}

impl Field<'_> {
    /// Whether voxel `i` passes the CT constraint (always true without one).
    #[inline]
    pub fn ct_ok(&self, i: usize) -> bool {
        match &self.ct_range {
            Some(r) => r.accepts(self.dims.coords(i)),
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_coords_round_trip() {
        let d = Dims {
            nx: 3,
            ny: 4,
            nz: 5,
        };
        for i in 0..d.len() {
            let [x, y, z] = d.coords(i);
            assert_eq!(d.index(x, y, z), i);
        }
    }

    #[test]
    fn affine_matches_geometry() {
        let g = Geometry::axial([4, 4, 4], [2.0, 3.0, 4.0], DVec3::new(1.0, 2.0, 3.0));
        let a = Affine::voxel_to_patient(&g);
        let p = a.apply([1, 2, 3]);
        assert!((p - g.voxel_to_patient(DVec3::new(1.0, 2.0, 3.0))).length() < 1e-12);
    }
}
