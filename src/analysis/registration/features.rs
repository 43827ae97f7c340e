//! What the registration compares: each volume mapped to a simple representation (body
//! outline and bone for CT, clamped uptake for PET) and block-averaged to a coarse grid.

use glam::DVec3;
use rayon::prelude::*;

use crate::volume::{Geometry, Volume, Voxel};

/// How voxel values become registration features.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Representation {
    /// CT in HU: 0 for air, rising to 1 at water (the body outline and the lungs), plus up to
    /// 2 more for bone (150 to 750 HU), so the skeleton weighs most.
    CtBoneBody,
    /// PET in SUV (or any unit), clamped to `[0, clamp]` and scaled to `[0, 1]`, so the bladder
    /// and the heart do not outweigh the body outline.
    PetUptake {
        /// Value above which uptake counts as the same (SUV 5 suits FDG).
        clamp: f32,
    },
}

impl Representation {
    /// The feature of one voxel value.
    pub fn feature(self, v: f32) -> f32 {
        match self {
            Representation::CtBoneBody => {
                ((v + 1000.0) / 1000.0).clamp(0.0, 1.0)
                    + 2.0 * ((v - 150.0) / 600.0).clamp(0.0, 1.0)
            }
            Representation::PetUptake { clamp } => (v / clamp).clamp(0.0, 1.0),
        }
    }

    /// Feature level above which a voxel counts as inside the body (for the centroid).
    pub fn body_level(self) -> f32 {
        match self {
            Representation::CtBoneBody => 0.5,
            Representation::PetUptake { .. } => 0.05,
        }
    }

    /// Short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Representation::CtBoneBody => "CT to CT (body outline and bone)",
            Representation::PetUptake { .. } => "PET to PET (clamped uptake)",
        }
    }
}

/// A coarse feature image on a grid with the source's orientation.
#[derive(Debug, Clone)]
pub struct FeatureImage {
    /// The coarse grid (same directions as the source, larger spacing).
    pub geometry: Geometry,
    /// Feature values, x fastest.
    pub data: Vec<f32>,
}

impl FeatureImage {
    /// Block-averages `features(value)` of `volume` over whole-voxel blocks of about
    /// `target_mm` along each axis.
    pub fn from_volume<T: Voxel>(volume: &Volume<T>, rep: Representation, target_mm: f64) -> Self {
        let src = Source {
            dims: volume.geometry.dims,
            values: &volume.data,
            map: Some(rep),
        };
        downsample(&src, &volume.geometry, target_mm)
    }

    /// Block-averages this image to about `target_mm`.
    pub fn coarser(&self, target_mm: f64) -> Self {
        let src = Source {
            dims: self.geometry.dims,
            values: &self.data,
            map: None,
        };
        downsample(&src, &self.geometry, target_mm)
    }

    /// Mean patient position of the voxels above `level`, or the grid centre when none is.
    pub fn centroid_above(&self, level: f32) -> DVec3 {
        let [nx, ny, _] = self.geometry.dims;
        let (sum, n) = self
            .data
            .par_iter()
            .enumerate()
            .filter(|(_, v)| **v > level)
            .map(|(i, _)| {
                let v = DVec3::new(
                    (i % nx) as f64,
                    ((i / nx) % ny) as f64,
                    (i / (nx * ny)) as f64,
                );
                (v, 1usize)
            })
            .reduce(|| (DVec3::ZERO, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let voxel = if n == 0 {
            DVec3::from_array(self.geometry.dims.map(|d| (d as f64 - 1.0) / 2.0))
        } else {
            sum / n as f64
        };
        self.geometry.voxel_to_patient(voxel)
    }

    /// Trilinear value at continuous voxel coordinates; 0 outside (air, no uptake).
    #[inline]
    pub fn sample(&self, v: [f64; 3]) -> f32 {
        let [nx, ny, nz] = self.geometry.dims;
        let (x, y, z) = (v[0], v[1], v[2]);
        if !(x >= 0.0 && y >= 0.0 && z >= 0.0) {
            return 0.0;
        }
        let (x0, y0, z0) = (x as usize, y as usize, z as usize);
        if x0 + 1 >= nx || y0 + 1 >= ny || z0 + 1 >= nz {
            return 0.0;
        }
        let (fx, fy, fz) = (
            (x - x0 as f64) as f32,
            (y - y0 as f64) as f32,
            (z - z0 as f64) as f32,
        );
        let i = x0 + nx * (y0 + ny * z0);
        let d = &self.data;
        let (sy, sz) = (nx, nx * ny);
        let l = |a: f32, b: f32, t: f32| a + (b - a) * t;
        let c00 = l(d[i], d[i + 1], fx);
        let c10 = l(d[i + sy], d[i + sy + 1], fx);
        let c01 = l(d[i + sz], d[i + sz + 1], fx);
        let c11 = l(d[i + sy + sz], d[i + sy + sz + 1], fx);
        l(l(c00, c10, fy), l(c01, c11, fy), fz)
    }
}

struct Source<'a, T> {
    dims: [usize; 3],
    values: &'a [T],
    map: Option<Representation>,
}

fn downsample<T: Voxel>(src: &Source<'_, T>, g: &Geometry, target_mm: f64) -> FeatureImage {
    let f: [usize; 3] =
        std::array::from_fn(|a| ((target_mm / g.spacing[a]).round() as usize).max(1));
    let [nx, ny, nz] = src.dims;
    let dims = [nx.div_ceil(f[0]), ny.div_ceil(f[1]), nz.div_ceil(f[2])];
    let plane = dims[0] * dims[1];
    let mut data = vec![0.0f32; plane * dims[2]];
    data.par_chunks_mut(plane)
        .enumerate()
        .for_each(|(oz, out)| {
            let mut counts = vec![0u32; plane];
            for z in oz * f[2]..((oz + 1) * f[2]).min(nz) {
                for y in 0..ny {
                    let row = &src.values[(z * ny + y) * nx..(z * ny + y + 1) * nx];
                    let base = (y / f[1]) * dims[0];
                    for (x, v) in row.iter().enumerate() {
                        let v = v.to_f32();
                        let o = base + x / f[0];
                        out[o] += src.map.map_or(v, |m| m.feature(v));
                        counts[o] += 1;
                    }
                }
            }
            for (o, c) in out.iter_mut().zip(&counts) {
                *o /= (*c).max(1) as f32;
            }
        });
    // Block centre: the mean of the first block's voxel centres.
    let shift = DVec3::from_array(std::array::from_fn(|a| (f[a] as f64 - 1.0) / 2.0));
    let geometry = Geometry {
        dims,
        spacing: std::array::from_fn(|a| g.spacing[a] * f[a] as f64),
        origin: g.voxel_to_patient(shift),
        ..g.clone()
    };
    FeatureImage { geometry, data }
}
