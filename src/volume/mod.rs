//! Volumes in patient space: dimensions, spacing, a voxel-to-patient affine (LPS, mm),
//! voxel values in physical units, and statistics.
//!
//! This module depends on nothing else in the crate; every other layer speaks in its types.

mod geometry;
mod rigid;
mod stats;

pub use geometry::{Geometry, GeometryError};
pub use rigid::RigidTransform;
pub use stats::VolumeStats;

use glam::DVec3;
use half::f16;

/// A voxel value type: `f32` for analysis (PET SUV), `f16` where 16 bits suffice and
/// memory counts (the CT, stored as the GPU samples it).
pub trait Voxel: Copy + Send + Sync + PartialEq + std::fmt::Debug + 'static {
    /// The value as f32.
    fn to_f32(self) -> f32;
    /// The nearest representable value.
    fn from_f32(v: f32) -> Self;
}

impl Voxel for f32 {
    #[inline]
    fn to_f32(self) -> f32 {
        self
    }
    #[inline]
    fn from_f32(v: f32) -> Self {
        v
    }
}

impl Voxel for f16 {
    #[inline]
    fn to_f32(self) -> f32 {
        f16::to_f32(self)
    }
    #[inline]
    fn from_f32(v: f32) -> Self {
        f16::from_f32(v)
    }
}

/// A volume of 16-bit floats: the CT's form from decoding to the GPU (2 bytes per voxel,
/// half of f32). Integer HU are exact within +-2048; above that (dense bone, metal) values
/// step by 2 HU up to 4096 and by 4 up to 8192.
pub type HalfVolume = Volume<f16>;

/// Physical unit of a volume's voxel values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Unit {
    /// CT Hounsfield units.
    Hounsfield,
    /// PET activity concentration in Bq/mL (DICOM Units BQML).
    BecquerelPerMl,
    /// PET values that already are SUVbw in g/mL (DICOM Units GML).
    SuvBw,
    /// PET counts (DICOM Units CNTS) or other units named by the file.
    Other(String),
}

impl Unit {
    /// Short label for displays and reports.
    pub fn label(&self) -> &str {
        match self {
            Unit::Hounsfield => "HU",
            Unit::BecquerelPerMl => "Bq/mL",
            Unit::SuvBw => "SUVbw",
            Unit::Other(s) => s,
        }
    }
}

/// A scalar volume: `data[x + dims[0] * (y + dims[1] * z)]`, x fastest.
///
/// `x` runs along a row (column index), `y` down a column (row index), `z` across slices
/// in increasing order along the slice normal. Values are `f32` unless said otherwise
/// ([`HalfVolume`]).
#[derive(Debug, Clone)]
pub struct Volume<T = f32> {
    /// Placement of the voxel grid in patient space.
    pub geometry: Geometry,
    /// Voxel values in `unit`.
    pub data: Vec<T>,
    /// Unit of `data`.
    pub unit: Unit,
}

/// Errors constructing a volume.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// The data length does not match the dimensions.
    #[error("volume data has {actual} values but dimensions {dims:?} need {expected}")]
    LengthMismatch {
        dims: [usize; 3],
        expected: usize,
        actual: usize,
    },
    /// Zero-sized dimension.
    #[error("volume dimensions {0:?} contain a zero")]
    Empty([usize; 3]),
}

impl<T: Voxel> Volume<T> {
    /// Builds a volume, checking that the data fills the grid.
    pub fn new(geometry: Geometry, data: Vec<T>, unit: Unit) -> Result<Self, VolumeError> {
        let dims = geometry.dims;
        if dims.contains(&0) {
            return Err(VolumeError::Empty(dims));
        }
        let expected = dims[0] * dims[1] * dims[2];
        if data.len() != expected {
            return Err(VolumeError::LengthMismatch {
                dims,
                expected,
                actual: data.len(),
            });
        }
        Ok(Self {
            geometry,
            data,
            unit,
        })
    }

    /// Grid dimensions (x, y, z).
    pub fn dims(&self) -> [usize; 3] {
        self.geometry.dims
    }

    /// Linear index of voxel (x, y, z); the caller guarantees it is inside.
    #[inline]
    pub fn index(&self, x: usize, y: usize, z: usize) -> usize {
        let d = self.geometry.dims;
        x + d[0] * (y + d[1] * z)
    }

    /// Value at voxel (x, y, z), or `None` outside the grid.
    pub fn get(&self, x: usize, y: usize, z: usize) -> Option<f32> {
        let d = self.geometry.dims;
        (x < d[0] && y < d[1] && z < d[2]).then(|| self.data[self.index(x, y, z)].to_f32())
    }

    /// Trilinear sample at a patient position (mm, LPS); `None` outside the voxel centres' hull.
    pub fn sample_patient(&self, p: DVec3) -> Option<f32> {
        let v = self.geometry.patient_to_voxel(p);
        self.sample_voxel(v)
    }

    /// Trilinear sample at continuous voxel coordinates (voxel centres at integers).
    pub fn sample_voxel(&self, v: DVec3) -> Option<f32> {
        let d = self.geometry.dims;
        let max = DVec3::new(d[0] as f64 - 1.0, d[1] as f64 - 1.0, d[2] as f64 - 1.0);
        const EPS: f64 = 1e-6;
        if v.cmplt(DVec3::splat(-EPS)).any() || v.cmpgt(max + EPS).any() {
            return None;
        }
        let v = v.clamp(DVec3::ZERO, max);
        let base = v.floor();
        let f = v - base;
        let (x0, y0, z0) = (base.x as usize, base.y as usize, base.z as usize);
        let x1 = (x0 + 1).min(d[0] - 1);
        let y1 = (y0 + 1).min(d[1] - 1);
        let z1 = (z0 + 1).min(d[2] - 1);
        let at = |x, y, z| self.data[self.index(x, y, z)].to_f32() as f64;
        let lerp = |a: f64, b: f64, t: f64| a + (b - a) * t;
        let c00 = lerp(at(x0, y0, z0), at(x1, y0, z0), f.x);
        let c10 = lerp(at(x0, y1, z0), at(x1, y1, z0), f.x);
        let c01 = lerp(at(x0, y0, z1), at(x1, y0, z1), f.x);
        let c11 = lerp(at(x0, y1, z1), at(x1, y1, z1), f.x);
        let c0 = lerp(c00, c10, f.y);
        let c1 = lerp(c01, c11, f.y);
        Some(lerp(c0, c1, f.z) as f32)
    }

    /// Minimum, maximum and mean of the voxel values.
    pub fn stats(&self) -> VolumeStats {
        VolumeStats::of_voxels(&self.data)
    }

    /// Volume of one voxel in millilitres.
    pub fn voxel_volume_ml(&self) -> f64 {
        let s = self.geometry.spacing;
        s[0] * s[1] * s[2] / 1000.0
    }

    /// The same volume with values converted to another voxel type.
    pub fn convert<U: Voxel>(&self) -> Volume<U> {
        use rayon::prelude::*;
        Volume {
            geometry: self.geometry.clone(),
            data: self
                .data
                .par_iter()
                .map(|v| U::from_f32(v.to_f32()))
                .collect(),
            unit: self.unit.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> Volume {
        let g = Geometry::axial([4, 3, 2], [2.0, 2.0, 5.0], DVec3::new(-10.0, -20.0, 100.0));
        let data = (0..24).map(|i| i as f32).collect();
        Volume::new(g, data, Unit::Hounsfield).unwrap()
    }

    #[test]
    fn rejects_mismatched_length() {
        let g = Geometry::axial([4, 3, 2], [1.0; 3], DVec3::ZERO);
        assert!(Volume::new(g, vec![0.0; 5], Unit::Hounsfield).is_err());
    }

    #[test]
    fn samples_at_voxel_centres_and_between() {
        let v = ramp();
        let p = v.geometry.voxel_to_patient(DVec3::new(1.0, 2.0, 1.0));
        assert_eq!(v.sample_patient(p), Some(v.get(1, 2, 1).unwrap()));
        let mid = v.sample_voxel(DVec3::new(1.5, 0.0, 0.0)).unwrap();
        assert!((mid - 1.5).abs() < 1e-6);
        assert_eq!(v.sample_voxel(DVec3::new(-0.5, 0.0, 0.0)), None);
    }

    #[test]
    fn voxel_volume_in_ml() {
        assert!((ramp().voxel_volume_ml() - 0.02).abs() < 1e-12);
    }
}
