//! Volumes as the GPU sees them, kept on the CPU too: 16-bit float texels (after any
//! downsampling to fit the device), the patient-to-texture transform, and a brick grid of
//! value ranges for empty-space skipping. The CPU reference renderer samples these very
//! texels, so it and the GPU agree.

use std::sync::Arc;

use glam::{DMat4, DVec3, Mat4, Vec3};
use half::f16;
use rayon::prelude::*;

use super::gpu_volume::{SlabPlan, MAX_SLABS};
use crate::volume::{Geometry, HalfVolume, Volume};

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

/// Most bytes of 16-bit texels one volume may take on the device unless the user sets
/// `PETCT_VOLUME_BUDGET_MB` (2 GiB: a 512 x 512 x 4,096 CT fits; larger volumes are
/// downsampled with a warning).
pub const VOLUME_BUDGET_BYTES: u64 = 2 << 30;

/// The per-volume budget: `PETCT_VOLUME_BUDGET_MB` when set to a positive number, else
/// [`VOLUME_BUDGET_BYTES`].
pub fn volume_budget_bytes() -> u64 {
    budget_from(std::env::var("PETCT_VOLUME_BUDGET_MB").ok().as_deref())
}

/// The budget a `PETCT_VOLUME_BUDGET_MB` value gives: its MiB when a positive number (any
/// size, saturating), else the default.
fn budget_from(mb: Option<&str>) -> u64 {
    mb.and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&mb| mb > 0)
        .map_or(VOLUME_BUDGET_BYTES, |mb| mb.saturating_mul(1 << 20))
}

/// The smallest whole factor that brings width and height within the texture limit,
/// the depth within it too (or within [`MAX_SLABS`] slabs when `may_split_z`), and the
/// texels (2 bytes each) within the budget.
fn downsample_factor(d: [usize; 3], limits: TextureLimits, may_split_z: bool) -> usize {
    let max = limits.max_dim_3d.max(1);
    let fits = |f: usize| {
        let n = d.map(|n| n.div_ceil(f));
        // Slabs share a slice, so they need an edge of at least 2.
        let depth_fits = if may_split_z && max >= 2 {
            SlabPlan::new(n[2], max).count <= MAX_SLABS
        } else {
            n[2] <= max
        };
        let bytes = n.iter().map(|&n| n as u64).product::<u64>() * 2;
        n[0] <= max && n[1] <= max && depth_fits && bytes <= limits.budget_bytes.max(2)
    };
    let largest = d.iter().copied().max().unwrap_or(1).max(1);
    (1..=largest).find(|&f| fits(f)).unwrap_or(largest)
}

/// A volume converted for upload.
#[derive(Debug, Clone)]
pub struct PreparedVolume {
    /// Geometry of the texel grid (differs from the source when downsampled).
    pub geometry: Geometry,
    /// Texels, x fastest: shared with the study when it already is 16-bit at full
    /// resolution (the CT), so preparing copies nothing. `None` once released
    /// ([`Self::release_texels`]).
    texels: Option<Arc<HalfVolume>>,
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

/// How much a device can hold: the largest 3D texture edge and the bytes of texels one
/// volume may take. Volumes beyond the budget, or wider or taller than the edge, are
/// downsampled with a warning; volumes only longer than the edge are split into slabs
/// (see [`super::gpu_volume::GpuVolume`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextureLimits {
    /// Largest width, height or depth of one 3D texture (the device's
    /// `max_texture_dimension_3d`, or a lower override).
    pub max_dim_3d: usize,
    /// Most bytes of 16-bit texels for one volume.
    pub budget_bytes: u64,
}

impl TextureLimits {
    /// The limits of a device, with the user's budget ([`volume_budget_bytes`]). The
    /// texture edge may be lowered (never raised) with `PETCT_MAX_TEXTURE_3D`, to try the
    /// slab path of a smaller device.
    pub fn of(device: &wgpu::Device) -> Self {
        let device_max = device.limits().max_texture_dimension_3d as usize;
        let lowered = std::env::var("PETCT_MAX_TEXTURE_3D")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n >= 2);
        Self::with_max_dim(lowered.map_or(device_max, |n| n.min(device_max)))
    }

    /// The user's budget ([`volume_budget_bytes`]) with a given texture edge.
    pub fn with_max_dim(max_dim_3d: usize) -> Self {
        Self {
            max_dim_3d,
            budget_bytes: volume_budget_bytes(),
        }
    }
}

impl PreparedVolume {
    /// Converts a volume, downsampling by whole factors until every dimension fits
    /// `max_dim` and its texels fit [`VOLUME_BUDGET_BYTES`]. `value_scale` divides values
    /// before they are stored as f16 (PET values in Bq/mL can exceed f16's range). Returns a
    /// warning when downsampled.
    pub fn new(volume: &Volume, max_dim: usize, value_scale: f32) -> (Self, Option<String>) {
        let limits = TextureLimits {
            max_dim_3d: max_dim,
            budget_bytes: VOLUME_BUDGET_BYTES,
        };
        Self::from_f32(volume, limits, false, value_scale)
    }

    /// Converts an f32 volume to texels (values / `value_scale`) and prepares them as
    /// [`Self::from_half`] does.
    pub fn from_f32(
        volume: &Volume,
        limits: TextureLimits,
        may_split_z: bool,
        value_scale: f32,
    ) -> (Self, Option<String>) {
        let texels = Arc::new(to_texels(volume, value_scale));
        Self::from_half(texels, limits, may_split_z, value_scale)
    }

    /// Prepares 16-bit texels as they are (physical value = texel * `value_scale`: 1 for a
    /// CT in HU), sharing them instead of copying unless they must be downsampled: when a
    /// dimension exceeds `limits.max_dim_3d` (only x and y when `may_split_z`: the GPU
    /// volume then splits z into slabs) or the texels exceed `limits.budget_bytes`.
    pub fn from_half(
        volume: Arc<HalfVolume>,
        limits: TextureLimits,
        may_split_z: bool,
        value_scale: f32,
    ) -> (Self, Option<String>) {
        let d = volume.dims();
        let factor = downsample_factor(d, limits, may_split_z);
        let (texels, warning) = if factor > 1 {
            let small = downsample(&volume, factor);
            let g = &small.geometry;
            let warning = format!(
                "volume {}x{}x{} exceeds the GPU's 3D texture limit of {} or its memory budget \
                 of {} MiB; downsampled by {factor} to {}x{}x{}",
                d[0],
                d[1],
                d[2],
                limits.max_dim_3d,
                limits.budget_bytes >> 20,
                g.dims[0],
                g.dims[1],
                g.dims[2]
            );
            tracing::warn!("{warning}");
            (Arc::new(small), Some(warning))
        } else {
            (volume, None)
        };
        let geometry = texels.geometry.clone();
        let bricks = BrickGrid::build(
            &texels.data,
            geometry.dims,
            brick_size_for(geometry.spacing),
        );
        (
            Self {
                patient_to_tex: patient_to_tex(&geometry),
                geometry,
                texels: Some(texels),
                value_scale,
                bricks,
            },
            warning,
        )
    }

    /// This preparation for other limits: the same texels when they still fit (or are
    /// released), else downsampled with a warning.
    pub fn refit(self, limits: TextureLimits) -> (Self, Option<String>) {
        match &self.texels {
            Some(t) if downsample_factor(t.dims(), limits, true) > 1 => {
                Self::from_half(Arc::clone(t), limits, true, self.value_scale)
            }
            _ => (self, None),
        }
    }

    /// The texels, x fastest (empty once released).
    pub fn texels(&self) -> &[f16] {
        self.texels.as_ref().map_or(&[], |t| &t.data)
    }

    /// Drops this preparation's hold on the texels (the study may still share them).
    pub fn release_texels(&mut self) {
        self.texels = None;
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
        self.texels()
            .get(cx + d[0] * (cy + d[1] * cz))
            .map_or(0.0, |t| t.to_f32())
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

/// Values / `value_scale` as half floats.
fn to_texels(volume: &Volume, value_scale: f32) -> HalfVolume {
    let inv = 1.0 / value_scale;
    Volume {
        geometry: volume.geometry.clone(),
        data: volume
            .data
            .par_iter()
            .map(|v| f16::from_f32(v * inv))
            .collect(),
        unit: volume.unit.clone(),
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
                let xs = span(bx, dims[0]);
                // Compared as ordered integers ([`order_key`]): no float conversion per texel.
                let (mut lo, mut hi) = (u16::MAX, u16::MIN);
                for z in span(bz, dims[2]) {
                    for y in span(by, dims[1]) {
                        let row = dims[0] * (y + dims[1] * z);
                        for t in &texels[row + xs.start..row + xs.end] {
                            let k = order_key(*t);
                            lo = lo.min(k);
                            hi = hi.max(k);
                        }
                    }
                }
                [from_order_key(lo).to_f32(), from_order_key(hi).to_f32()]
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

/// A key that orders half floats as integers (negative values reversed below positive;
/// NaN never occurs in texels converted from finite values).
#[inline]
fn order_key(t: f16) -> u16 {
    let b = t.to_bits();
    if b & 0x8000 != 0 {
        !b
    } else {
        b | 0x8000
    }
}

/// The half float an [`order_key`] came from.
fn from_order_key(k: u16) -> f16 {
    f16::from_bits(if k & 0x8000 != 0 { k & 0x7fff } else { !k })
}

/// Box-averages a volume by a whole factor (partial blocks at the edges average what they
/// have); the new grid keeps the same patient extent.
fn downsample(volume: &HalfVolume, f: usize) -> HalfVolume {
    let d = volume.dims();
    let nd = d.map(|n| n.div_ceil(f));
    let data: Vec<f16> = (0..nd[0] * nd[1] * nd[2])
        .into_par_iter()
        .map(|i| {
            let (x, y, z) = (i % nd[0], (i / nd[0]) % nd[1], i / (nd[0] * nd[1]));
            let mut sum = 0.0f64;
            let mut n = 0usize;
            for zz in z * f..((z + 1) * f).min(d[2]) {
                for yy in y * f..((y + 1) * f).min(d[1]) {
                    for xx in x * f..((x + 1) * f).min(d[0]) {
                        sum += volume.data[volume.index(xx, yy, zz)].to_f32() as f64;
                        n += 1;
                    }
                }
            }
            f16::from_f64(sum / n.max(1) as f64)
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
    Volume {
        geometry,
        data,
        unit: volume.unit.clone(),
    }
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
        let budget = |budget_bytes| TextureLimits {
            max_dim_3d: 2048,
            budget_bytes,
        };
        let (p, w) = PreparedVolume::from_f32(&v, budget(400), false, 1.0);
        assert_eq!(p.dims(), [7, 4, 4]);
        assert!(w.unwrap().contains("memory budget"));
        let (_, none) = PreparedVolume::from_f32(&v, budget(4000), false, 1.0);
        assert!(none.is_none());
    }

    #[test]
    fn the_user_budget_is_read_leniently_and_never_overflows() {
        assert_eq!(budget_from(Some(" 512 ")), 512 << 20);
        assert_eq!(budget_from(Some("18446744073709551615")), u64::MAX);
        for bad in [None, Some(""), Some("0"), Some("-1"), Some("lots")] {
            assert_eq!(budget_from(bad), VOLUME_BUDGET_BYTES);
        }
    }

    #[test]
    fn deep_volumes_are_split_not_downsampled_up_to_the_slab_count() {
        let v = Arc::new(ramp([8, 8, 40]).convert());
        let limits = TextureLimits {
            max_dim_3d: 12,
            budget_bytes: 1 << 30,
        };
        // 40 slices in slabs of 12 sharing a slice: 4 slabs, no downsampling.
        let (p, w) = PreparedVolume::from_half(Arc::clone(&v), limits, true, 1.0);
        assert!(w.is_none());
        assert_eq!(p.dims(), [8, 8, 40]);
        // Shared, not copied.
        assert!(std::ptr::eq(p.texels().as_ptr(), v.data.as_ptr()));
        // Without splitting, or beyond 4 slabs (limit 8: 40 slices need 6), it downsamples.
        let (p, w) = PreparedVolume::from_half(Arc::clone(&v), limits, false, 1.0);
        assert_eq!((p.dims(), w.is_some()), ([2, 2, 10], true));
        let eight = TextureLimits {
            max_dim_3d: 8,
            ..limits
        };
        let (p, w) = PreparedVolume::from_half(v, eight, true, 1.0);
        assert_eq!((p.dims(), w.is_some()), ([4, 4, 20], true));
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
