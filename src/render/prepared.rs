//! Volumes as the GPU sees them, kept on the CPU too: 16-bit float texels (after any
//! downsampling to fit the device), the patient-to-texture transform, and a brick grid of
//! value ranges for empty-space skipping. The CPU reference renderer samples these very
//! texels, so it and the GPU agree.

use glam::{DMat4, DVec3, Mat4, Vec3};
use half::f16;
use rayon::prelude::*;

use crate::volume::{Geometry, Volume};

/// Voxels per brick edge for empty-space skipping of fine grids (CT).
pub const BRICK_SIZE: usize = 8;
/// Voxels per brick edge for coarse grids (PET, 4 mm voxels): smaller bricks keep the
/// skipping fine-grained, which matters most for MIP.
pub const COARSE_BRICK_SIZE: usize = 4;

/// Brick edge for a grid: small bricks for coarse voxels (>= 2 mm).
pub fn brick_size_for(spacing: [f64; 3]) -> usize {
    if spacing.iter().cloned().fold(f64::INFINITY, f64::min) >= 2.0 {
        COARSE_BRICK_SIZE
    } else {
        BRICK_SIZE
    }
}

/// Most bytes of 16-bit texels one volume may take on the device (1 GiB: a 512 x 512 x
/// 2,048 total-body CT fits; larger volumes are downsampled with a warning).
pub const VOLUME_BUDGET_BYTES: u64 = 1 << 30;

/// The smallest whole factor that brings every dimension within `max_dim` and the texels
/// (2 bytes each) within `budget` bytes.
fn downsample_factor(d: [usize; 3], max_dim: usize, budget: u64) -> usize {
    let mut factor = d
        .iter()
        .map(|&n| n.div_ceil(max_dim.max(1)))
        .max()
        .unwrap_or(1)
        .max(1);
    let bytes = |f: usize| d.iter().map(|&n| n.div_ceil(f) as u64).product::<u64>() * 2;
    while bytes(factor) > budget.max(2) && d.iter().any(|&n| n > factor) {
        factor += 1;
    }
    factor
}

/// A volume converted for upload.
#[derive(Debug, Clone)]
pub struct PreparedVolume {
    /// Geometry of the texel grid (differs from the source when downsampled).
    pub geometry: Geometry,
    /// Texels, x fastest.
    pub texels: Vec<f16>,
    /// Physical value = texel * `value_scale`.
    pub value_scale: f32,
    /// Patient mm (LPS) to normalized texture coordinates, texel centres at (i + 0.5) / n.
    pub patient_to_tex: Mat4,
    /// Per-brick (min, max) of texel values including a one-texel apron, so trilinear
    /// samples anywhere in a brick stay within its range.
    pub bricks: BrickGrid,
}

/// Value ranges per brick.
#[derive(Debug, Clone)]
pub struct BrickGrid {
    /// Voxels per brick edge.
    pub size: usize,
    pub dims: [usize; 3],
    /// (min, max) texel values per brick, x fastest.
    pub ranges: Vec<[f32; 2]>,
}

impl PreparedVolume {
    /// Converts a volume, downsampling by whole factors until every dimension fits
    /// `max_dim` and its texels fit [`VOLUME_BUDGET_BYTES`]. `value_scale` divides values
    /// before they are stored as f16 (PET values in Bq/mL can exceed f16's range). Returns a
    /// warning when downsampled.
    pub fn new(volume: &Volume, max_dim: usize, value_scale: f32) -> (Self, Option<String>) {
        Self::within(volume, max_dim, VOLUME_BUDGET_BYTES, value_scale)
    }

    /// As [`Self::new`], with a memory budget of `budget` bytes of texels.
    pub fn within(
        volume: &Volume,
        max_dim: usize,
        budget: u64,
        value_scale: f32,
    ) -> (Self, Option<String>) {
        let d = volume.dims();
        let factor = downsample_factor(d, max_dim, budget);
        let (geometry, values, warning) = if factor > 1 {
            let (g, v) = downsample(volume, factor);
            let warning = format!(
                "volume {}x{}x{} exceeds the GPU's 3D texture limit of {max_dim} or its memory \
                 budget of {} MiB; downsampled by {factor} to {}x{}x{}",
                d[0],
                d[1],
                d[2],
                budget >> 20,
                g.dims[0],
                g.dims[1],
                g.dims[2]
            );
            tracing::warn!("{warning}");
            (g, v, Some(warning))
        } else {
            (volume.geometry.clone(), volume.data.clone(), None)
        };
        let inv = 1.0 / value_scale;
        let texels: Vec<f16> = values.par_iter().map(|v| f16::from_f32(v * inv)).collect();
        let patient_to_tex = patient_to_tex(&geometry);
        let bricks = BrickGrid::build(&texels, geometry.dims, brick_size_for(geometry.spacing));
        (
            Self {
                geometry,
                texels,
                value_scale,
                patient_to_tex,
                bricks,
            },
            warning,
        )
    }

    /// Texel dimensions.
    pub fn dims(&self) -> [usize; 3] {
        self.geometry.dims
    }

    /// Texel value at integer coordinates, clamped to the edge (like clamp-to-edge sampling).
    #[inline]
    pub fn texel(&self, x: i64, y: i64, z: i64) -> f32 {
        let d = self.geometry.dims;
        let cx = x.clamp(0, d[0] as i64 - 1) as usize;
        let cy = y.clamp(0, d[1] as i64 - 1) as usize;
        let cz = z.clamp(0, d[2] as i64 - 1) as usize;
        self.texels[cx + d[0] * (cy + d[1] * cz)].to_f32()
    }

    /// Trilinear sample at normalized texture coordinates, as a linear-filtered,
    /// clamp-to-edge 3D texture does it; result in texel units.
    pub fn sample(&self, uvw: Vec3) -> f32 {
        let d = self.geometry.dims;
        let p = uvw * Vec3::new(d[0] as f32, d[1] as f32, d[2] as f32) - Vec3::splat(0.5);
        let b = p.floor();
        let f = p - b;
        let (x, y, z) = (b.x as i64, b.y as i64, b.z as i64);
        let l = |a: f32, b: f32, t: f32| a + (b - a) * t;
        let c00 = l(self.texel(x, y, z), self.texel(x + 1, y, z), f.x);
        let c10 = l(self.texel(x, y + 1, z), self.texel(x + 1, y + 1, z), f.x);
        let c01 = l(self.texel(x, y, z + 1), self.texel(x + 1, y, z + 1), f.x);
        let c11 = l(
            self.texel(x, y + 1, z + 1),
            self.texel(x + 1, y + 1, z + 1),
            f.x,
        );
        l(l(c00, c10, f.y), l(c01, c11, f.y), f.z)
    }
}

/// Patient mm to normalized texture coordinates for a grid.
pub fn patient_to_tex(g: &Geometry) -> Mat4 {
    let d = g.dims;
    let voxel_to_tex = DMat4::from_scale(DVec3::new(
        1.0 / d[0] as f64,
        1.0 / d[1] as f64,
        1.0 / d[2] as f64,
    )) * DMat4::from_translation(DVec3::splat(0.5));
    (voxel_to_tex * g.patient_to_voxel_matrix()).as_mat4()
}

impl BrickGrid {
    fn build(texels: &[f16], dims: [usize; 3], size: usize) -> Self {
        let bd = dims.map(|n| n.div_ceil(size));
        let ranges = (0..bd[0] * bd[1] * bd[2])
            .into_par_iter()
            .map(|i| {
                let (bx, by, bz) = (i % bd[0], (i / bd[0]) % bd[1], i / (bd[0] * bd[1]));
                let span =
                    |b: usize, n: usize| (b * size).saturating_sub(1)..((b + 1) * size + 1).min(n);
                let mut lo = f32::INFINITY;
                let mut hi = f32::NEG_INFINITY;
                for z in span(bz, dims[2]) {
                    for y in span(by, dims[1]) {
                        let row = dims[0] * (y + dims[1] * z);
                        for x in span(bx, dims[0]) {
                            let v = texels[row + x].to_f32();
                            lo = lo.min(v);
                            hi = hi.max(v);
                        }
                    }
                }
                [lo, hi]
            })
            .collect();
        Self {
            size,
            dims: bd,
            ranges,
        }
    }

    /// Occupancy (1 = may contribute) from a predicate on a brick's value range.
    pub fn occupancy(&self, contributes: impl Fn(f32, f32) -> bool + Sync) -> Vec<u8> {
        self.ranges
            .par_iter()
            .map(|r| u8::from(contributes(r[0], r[1])))
            .collect()
    }
}

/// Box-averages a volume by a whole factor (partial blocks at the edges average what they
/// have); the new grid keeps the same patient extent.
fn downsample(volume: &Volume, f: usize) -> (Geometry, Vec<f32>) {
    let d = volume.dims();
    let nd = d.map(|n| n.div_ceil(f));
    let data: Vec<f32> = (0..nd[0] * nd[1] * nd[2])
        .into_par_iter()
        .map(|i| {
            let (x, y, z) = (i % nd[0], (i / nd[0]) % nd[1], i / (nd[0] * nd[1]));
            let mut sum = 0.0f64;
            let mut n = 0usize;
            for zz in z * f..((z + 1) * f).min(d[2]) {
                for yy in y * f..((y + 1) * f).min(d[1]) {
                    for xx in x * f..((x + 1) * f).min(d[0]) {
                        sum += volume.data[volume.index(xx, yy, zz)] as f64;
                        n += 1;
                    }
                }
            }
            (sum / n.max(1) as f64) as f32
        })
        .collect();
    let g = &volume.geometry;
    let spacing = g.spacing.map(|s| s * f as f64);
    // The centre of new voxel 0 is the centre of the first f x f x f block.
    let origin = g.voxel_to_patient(DVec3::splat((f as f64 - 1.0) / 2.0));
    let geometry = Geometry {
        dims: nd,
        spacing,
        origin,
        ..g.clone()
    };
    (geometry, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::Unit;

    fn ramp(dims: [usize; 3]) -> Volume {
        let g = Geometry::axial(dims, [2.0, 2.0, 3.0], DVec3::new(-10.0, 5.0, -100.0));
        let data = (0..dims.iter().product::<usize>())
            .map(|i| (i % 97) as f32)
            .collect();
        Volume::new(g, data, Unit::Hounsfield).unwrap()
    }

    #[test]
    fn texel_centres_map_to_voxel_centres() {
        let v = ramp([5, 4, 3]);
        let (p, w) = PreparedVolume::new(&v, 2048, 1.0);
        assert!(w.is_none());
        let patient = v
            .geometry
            .voxel_to_patient(DVec3::new(2.0, 1.0, 2.0))
            .as_vec3();
        let uvw = p.patient_to_tex.transform_point3(patient);
        assert!((uvw - Vec3::new(2.5 / 5.0, 1.5 / 4.0, 2.5 / 3.0)).length() < 1e-5);
        assert!((p.sample(uvw) - v.get(2, 1, 2).unwrap()).abs() < 1e-3);
    }

    #[test]
    fn downsampling_keeps_extent_and_warns() {
        let v = ramp([9, 8, 4]);
        let (p, w) = PreparedVolume::new(&v, 4, 1.0);
        assert!(w.unwrap().contains("downsampled by 3"));
        assert_eq!(p.dims(), [3, 3, 2]);
        assert_eq!(p.geometry.spacing, [6.0, 6.0, 9.0]);
        let (lo, _) = v.geometry.patient_bounds();
        let (plo, _) = p.geometry.patient_bounds();
        assert!((lo - plo).length() < 1e-9);
    }

    #[test]
    fn volumes_beyond_the_memory_budget_are_downsampled() {
        let v = ramp([20, 10, 10]);
        // 2,000 texels = 4,000 bytes; a 400-byte budget needs a factor of 3 (7x4x4 = 112
        // texels = 224 bytes; a factor of 2 leaves 10x5x5 = 250 texels = 500 bytes).
        let (p, w) = PreparedVolume::within(&v, 2048, 400, 1.0);
        assert_eq!(p.dims(), [7, 4, 4]);
        assert!(w.unwrap().contains("memory budget"));
        let (_, none) = PreparedVolume::within(&v, 2048, 4000, 1.0);
        assert!(none.is_none());
    }

    #[test]
    fn bricks_cover_their_apron() {
        let mut v = ramp([20, 9, 9]);
        v.geometry.spacing = [1.0, 1.0, 1.5];
        let (p, _) = PreparedVolume::new(&v, 2048, 1.0);
        assert_eq!(p.bricks.size, BRICK_SIZE);
        assert_eq!(p.bricks.dims, [3, 2, 2]);
        let r = p.bricks.ranges[0];
        // Brick 0 spans x 0..9 (with apron), y 0..9, z 0..9.
        let mut hi = f32::MIN;
        for z in 0..9 {
            for y in 0..9 {
                for x in 0..9 {
                    hi = hi.max(v.get(x, y, z).unwrap());
                }
            }
        }
        assert_eq!(r[1], hi);
    }
}
