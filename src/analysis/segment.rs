//! Segmentation methods: a fixed SUV threshold, and percent of each lesion's own SUVmax grown
//! from seed candidates.

use std::cmp::Ordering;

use super::components::{threshold_components, Growth, Regions, FREE};
use super::grid::Field;

/// A seed candidate of the percent-of-max method: a component of SUV >= the seed level.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// 1-based position in the processing order (descending SUVmax).
    rank: u32,
    max_index: usize,
    suv_max: f32,
    lo: [usize; 3],
    hi: [usize; 3],
}

/// Regions of SUV >= `threshold`: 26-connected components, those under `min_voxels` dropped.
pub(crate) fn absolute(field: &Field<'_>, threshold: f32, min_voxels: usize) -> Regions {
    threshold_components(field, threshold, min_voxels)
}

/// Settings of [`percent_of_max`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct PercentSettings {
    /// Fraction of each lesion's SUVmax (0.41 for the EANM 41 % rule).
    pub fraction: f32,
    /// Candidate detection level (SUV).
    pub seed_suv: f32,
    /// Growth margin around a candidate's bounding box, in voxels along x, y and z.
    pub margin_voxels: [usize; 3],
    /// Regions with fewer voxels are dropped.
    pub min_voxels: usize,
}

/// Percent-of-SUVmax regions grown from seed candidates; see
/// [`Method::PercentOfMax`](super::Method::PercentOfMax) for the exact rule.
pub(crate) fn percent_of_max(field: &Field<'_>, s: &PercentSettings) -> Regions {
    let (candidates, rank) = ranked_candidates(field, s.seed_suv);
    let d = field.dims;
    let top = [d.nx - 1, d.ny - 1, d.nz - 1];
    let mut state = vec![FREE; d.len()];
    let mut regions = Regions::default();
    for c in candidates {
        if state[c.max_index] != FREE {
            continue; // merged into an earlier, hotter lesion
        }
        let growth = Growth {
            seed: c.max_index,
            rank: c.rank,
            threshold: s.fraction * c.suv_max,
            lo: std::array::from_fn(|a| c.lo[a].saturating_sub(s.margin_voxels[a])),
            hi: std::array::from_fn(|a| (c.hi[a] + s.margin_voxels[a]).min(top[a])),
        };
        growth.run(field, &rank, &mut state, &mut regions, s.min_voxels);
    }
    regions
}

/// The components of SUV >= `seed_suv` with their hottest voxel and index bounding box, sorted
/// by descending SUVmax (ties: lower index of the hottest voxel) and ranked 1, 2, ... in that
/// order, and the rank of every voxel's candidate (0: none).
fn ranked_candidates(field: &Field<'_>, seed_suv: f32) -> (Vec<Candidate>, Vec<u32>) {
    let comps = threshold_components(field, seed_suv, 1);
    let mut list: Vec<(usize, Candidate)> = (0..comps.len())
        .map(|r| (r, describe(field, comps.region(r))))
        .collect();
    list.sort_by(|(_, a), (_, b)| {
        b.suv_max
            .partial_cmp(&a.suv_max)
            .unwrap_or(Ordering::Equal)
            .then(a.max_index.cmp(&b.max_index))
    });
    let mut rank = vec![0u32; field.dims.len()];
    let list = list
        .into_iter()
        .enumerate()
        .map(|(k, (r, mut c))| {
            c.rank = k as u32 + 1;
            for &i in comps.region(r) {
                rank[i as usize] = c.rank;
            }
            c
        })
        .collect();
    (list, rank)
}

/// Hottest voxel (lowest index among equals) and bounding box of a non-empty region.
fn describe(field: &Field<'_>, voxels: &[u32]) -> Candidate {
    let mut c = Candidate {
        rank: 0,
        max_index: voxels[0] as usize,
        suv_max: f32::NEG_INFINITY,
        lo: [usize::MAX; 3],
        hi: [0; 3],
    };
    for &i in voxels {
        let i = i as usize;
        let v = field.suv[i];
        if v > c.suv_max || (v == c.suv_max && i < c.max_index) {
            c.suv_max = v;
            c.max_index = i;
        }
        for (a, p) in field.dims.coords(i).into_iter().enumerate() {
            c.lo[a] = c.lo[a].min(p);
            c.hi[a] = c.hi[a].max(p);
        }
    }
    c
}
