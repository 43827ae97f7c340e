//! What the triage rules know about a candidate beyond its [`Lesion`] measures: the local
//! background around it and how much of it the CT covers.

use glam::DVec3;

use super::super::grid::{Affine, CtSampler, Dims};
use super::super::Lesion;
use super::FAT_HU;
use crate::volume::{HalfVolume, Volume};

/// Outer radius of the background shell around a candidate (mm from its nearest voxel).
pub const SHELL_MM: f64 = 10.0;

/// Features of one candidate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Features {
    /// Mean SUV of the background shell (see [`background`]); 0 when the shell is empty.
    pub background: f64,
    /// Voxels in the shell.
    pub shell_voxels: usize,
    /// Fraction of the candidate's voxel centres that lie inside the CT (0 without a CT).
    pub ct_coverage: f64,
    /// Fraction of those whose CT number lies in [`FAT_HU`] (0 without a CT).
    pub ct_fat: f64,
    /// Extent of the candidate along x, y and z (mm): its voxel centres' extent plus one
    /// voxel.
    pub extent_mm: DVec3,
}

/// Everything feature extraction reads.
pub(crate) struct Context<'a> {
    pub suv: &'a Volume,
    pub dims: Dims,
    /// Index of the candidate owning each voxel plus one (0: no candidate), over all
    /// candidates, kept or not.
    pub owner: &'a [u32],
    pub ct: Option<CtSampler<'a>>,
    /// Voxel offsets within [`SHELL_MM`] of a voxel centre.
    pub shell: Vec<[i64; 3]>,
}

impl<'a> Context<'a> {
    pub fn new(suv: &'a Volume, owner: &'a [u32], ct: Option<&'a HalfVolume>) -> Self {
        let g = &suv.geometry;
        let a = Affine::voxel_to_patient(g);
        let o = a.apply_f(DVec3::ZERO);
        let reach = g.spacing.map(|s| (SHELL_MM / s).floor() as i64);
        let mut shell = Vec::new();
        for dz in -reach[2]..=reach[2] {
            for dy in -reach[1]..=reach[1] {
                for dx in -reach[0]..=reach[0] {
                    let d = a.apply_f(DVec3::new(dx as f64, dy as f64, dz as f64)) - o;
                    if d.length() <= SHELL_MM && (dx, dy, dz) != (0, 0, 0) {
                        shell.push([dx, dy, dz]);
                    }
                }
            }
        }
        Self {
            suv,
            dims: Dims::of(g),
            owner,
            ct: ct.map(|c| CtSampler::new(g, c)),
            shell,
        }
    }

    /// The features of candidate `voxels` segmented at `lesion.threshold_suv`.
    pub fn features(&self, voxels: &[u32], lesion: &Lesion) -> Features {
        let (background, shell_voxels) = self.background(voxels, lesion.threshold_suv as f32);
        let (inside, fat) = match &self.ct {
            Some(ct) => voxels
                .iter()
                .filter_map(|&i| ct.at(self.dims.coords(i as usize)))
                .fold((0usize, 0usize), |(n, f), hu| {
                    (
                        n + 1,
                        f + usize::from((FAT_HU.0..=FAT_HU.1).contains(&(hu as f64))),
                    )
                }),
            None => (0, 0),
        };
        Features {
            background,
            shell_voxels,
            ct_coverage: inside as f64 / voxels.len().max(1) as f64,
            ct_fat: fat as f64 / inside.max(1) as f64,
            // Centre-to-centre extent plus one voxel: a one-slice blob is a voxel thick.
            extent_mm: lesion.bbox_max_mm - lesion.bbox_min_mm
                + DVec3::from_array(self.suv.geometry.spacing),
        }
    }

    /// Mean SUV of the background shell: the voxels whose centres lie within [`SHELL_MM`] of
    /// a candidate voxel's centre, that belong to no candidate and lie below the candidate's
    /// threshold. Returns the mean and the voxel count.
    fn background(&self, voxels: &[u32], threshold: f32) -> (f64, usize) {
        let d = self.dims;
        let n = [d.nx as i64, d.ny as i64, d.nz as i64];
        // A local bitmap over the candidate's box grown by the shell marks voxels seen.
        let mut lo = [i64::MAX; 3];
        let mut hi = [i64::MIN; 3];
        for &i in voxels {
            let c = d.coords(i as usize);
            for a in 0..3 {
                lo[a] = lo[a].min(c[a] as i64);
                hi[a] = hi[a].max(c[a] as i64);
            }
        }
        let reach: [i64; 3] =
            std::array::from_fn(|a| self.shell.iter().map(|o| o[a].abs()).max().unwrap_or(0));
        let lo: [i64; 3] = std::array::from_fn(|a| lo[a] - reach[a]);
        let size: [i64; 3] = std::array::from_fn(|a| hi[a] + reach[a] - lo[a] + 1);
        let mut seen = vec![false; (size[0] * size[1] * size[2]) as usize];
        let (mut sum, mut count) = (0.0f64, 0usize);
        for &i in voxels {
            let c = d.coords(i as usize).map(|v| v as i64);
            for o in &self.shell {
                let p = [c[0] + o[0], c[1] + o[1], c[2] + o[2]];
                if (0..3).any(|a| p[a] < 0 || p[a] >= n[a]) {
                    continue;
                }
                let l = (p[0] - lo[0]) + size[0] * ((p[1] - lo[1]) + size[1] * (p[2] - lo[2]));
                if std::mem::replace(&mut seen[l as usize], true) {
                    continue;
                }
                let g = d.index(p[0] as usize, p[1] as usize, p[2] as usize);
                let v = self.suv.data[g];
                if self.owner[g] == 0 && v < threshold {
                    sum += v as f64;
                    count += 1;
                }
            }
        }
        (if count > 0 { sum / count as f64 } else { 0.0 }, count)
    }
}
