//! 26-connected components and region growing over a dense voxel grid.
//!
//! Regions are stored flat in one voxel list with start offsets ([`Regions`]), and a flood fill
//! uses its own output as the breadth-first queue, so labelling allocates nothing per voxel or
//! per component.

use rayon::prelude::*;

use super::grid::{Dims, Field};

/// Voxel state: not (yet) part of anything.
pub(crate) const FREE: u8 = 0;
/// Voxel state: passes the threshold and awaits labelling.
pub(crate) const FOREGROUND: u8 = 1;
/// Voxel state: belongs to a region (kept or dropped).
pub(crate) const TAKEN: u8 = 2;
/// Voxel state: can never join a region (e.g. its CT lies outside the range).
pub(crate) const REJECTED: u8 = 3;

/// A set of voxel regions stored flat: region `r` is `voxels[starts[r]..starts[r + 1]]`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Regions {
    pub voxels: Vec<u32>,
    starts: Vec<usize>,
    /// The SUV threshold each region was segmented at.
    pub thresholds: Vec<f32>,
}

impl Regions {
    /// Number of regions.
    pub fn len(&self) -> usize {
        self.thresholds.len()
    }

    /// The voxels of region `r`.
    pub fn region(&self, r: usize) -> &[u32] {
        let end = self.starts.get(r + 1).copied().unwrap_or(self.voxels.len());
        &self.voxels[self.starts[r]..end]
    }

    /// Starts a new region; its voxels are appended by [`flood`].
    fn begin(&mut self) -> usize {
        self.voxels.len()
    }

    /// Keeps the voxels appended since `start` as a region when there are at least
    /// `min_voxels`, else forgets them.
    fn finish(&mut self, start: usize, threshold: f32, min_voxels: usize) -> bool {
        if self.voxels.len() - start >= min_voxels.max(1) {
            self.starts.push(start);
            self.thresholds.push(threshold);
            true
        } else {
            self.voxels.truncate(start);
            false
        }
    }
}

/// Breadth-first 26-connected flood fill from `seed` (which the caller has already accepted).
///
/// `accept(index, [x, y, z])` is asked about each unvisited-looking neighbour; it must return
/// true at most once per voxel (by marking it) and false otherwise. Accepted voxels, the seed
/// first, are appended to `out`, which doubles as the queue.
pub(crate) fn flood(
    dims: Dims,
    seed: usize,
    out: &mut Vec<u32>,
    mut accept: impl FnMut(usize, [usize; 3]) -> bool,
) {
    let mut head = out.len();
    out.push(seed as u32);
    while head < out.len() {
        let i = out[head] as usize;
        head += 1;
        let [x, y, z] = dims.coords(i);
        let (x0, x1) = (x.saturating_sub(1), (x + 1).min(dims.nx - 1));
        let (y0, y1) = (y.saturating_sub(1), (y + 1).min(dims.ny - 1));
        let (z0, z1) = (z.saturating_sub(1), (z + 1).min(dims.nz - 1));
        for nz in z0..=z1 {
            for ny in y0..=y1 {
                let row = dims.index(0, ny, nz);
                for nx in x0..=x1 {
                    let n = row + nx;
                    if n != i && accept(n, [nx, ny, nz]) {
                        out.push(n as u32);
                    }
                }
            }
        }
    }
}

/// Marks every voxel with SUV >= `threshold` (and inside the CT range) as [`FOREGROUND`] in a
/// new state array, in parallel over z-slices, and lists those voxels in index order.
pub(crate) fn threshold_mask(field: &Field<'_>, threshold: f32) -> (Vec<u8>, Vec<u32>) {
    let slice = field.dims.slice_len();
    let mut state = vec![FREE; field.dims.len()];
    let lists: Vec<Vec<u32>> = state
        .par_chunks_mut(slice)
        .zip(field.suv.par_chunks(slice))
        .enumerate()
        .map(|(z, (st, values))| {
            let base = z * slice;
            let mut hits = Vec::new();
            for (k, (s, &v)) in st.iter_mut().zip(values).enumerate() {
                if v >= threshold && field.ct_ok(base + k) {
                    *s = FOREGROUND;
                    hits.push((base + k) as u32);
                }
            }
            hits
        })
        .collect();
    (state, lists.concat())
}

/// The 26-connected components of the voxels with SUV >= `threshold` (and inside the CT range),
/// keeping those with at least `min_voxels` voxels, in order of their first voxel.
pub(crate) fn threshold_components(
    field: &Field<'_>,
    threshold: f32,
    min_voxels: usize,
) -> Regions {
    let (mut state, foreground) = threshold_mask(field, threshold);
    let mut regions = Regions::default();
    for &seed in &foreground {
        let seed = seed as usize;
        if state[seed] != FOREGROUND {
            continue;
        }
        state[seed] = TAKEN;
        let start = regions.begin();
        flood(field.dims, seed, &mut regions.voxels, |n, _| {
            let take = state[n] == FOREGROUND;
            if take {
                state[n] = TAKEN;
            }
            take
        });
        regions.finish(start, threshold, min_voxels);
    }
    regions
}

/// A region growing of the percent-of-max method: from `seed` over voxels with SUV >=
/// `threshold` inside the index box `[lo, hi]` (inclusive) that `state` shows as [`FREE`] and
/// that belong to no candidate ranked before (hotter than) this one's `rank`, per the array of
/// every voxel's candidate rank (0 for none); claimed voxels become [`TAKEN`]. Voxels failing
/// the CT range are marked [`REJECTED`] on first sight.
pub(crate) struct Growth {
    pub seed: usize,
    pub rank: u32,
    pub threshold: f32,
    pub lo: [usize; 3],
    pub hi: [usize; 3],
}

impl Growth {
    /// Runs the growth, keeping the region in `regions` when it has at least `min_voxels`
    /// voxels (claimed voxels stay claimed either way); returns whether it was kept.
    pub fn run(
        &self,
        field: &Field<'_>,
        ranks: &[u32],
        state: &mut [u8],
        regions: &mut Regions,
        min_voxels: usize,
    ) -> bool {
        state[self.seed] = TAKEN;
        let start = regions.begin();
        let (t, lo, hi, own) = (self.threshold, self.lo, self.hi, self.rank);
        flood(field.dims, self.seed, &mut regions.voxels, |n, v| {
            let free = state[n] == FREE && (ranks[n] == 0 || ranks[n] >= own);
            if !free || field.suv[n] < t || (0..3).any(|a| v[a] < lo[a] || v[a] > hi[a]) {
                return false;
            }
            if !field.ct_ok(n) {
                state[n] = REJECTED;
                return false;
            }
            state[n] = TAKEN;
            true
        });
        regions.finish(start, t, min_voxels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(suv: &[f32], dims: [usize; 3]) -> Field<'_> {
        Field {
            suv,
            dims: Dims {
                nx: dims[0],
                ny: dims[1],
                nz: dims[2],
            },
            ct_range: None,
        }
    }

    #[test]
    fn diagonal_neighbours_join_in_26_connectivity() {
        // Two voxels touching only at a corner: (0,0,0) and (1,1,1).
        let mut suv = vec![0.0; 8];
        suv[0] = 5.0;
        suv[7] = 5.0;
        let r = threshold_components(&field(&suv, [2, 2, 2]), 1.0, 1);
        assert_eq!(r.len(), 1);
        assert_eq!(r.region(0).len(), 2);
    }

    #[test]
    fn separated_voxels_are_separate_components() {
        let mut suv = vec![0.0; 27];
        suv[0] = 5.0;
        suv[26] = 5.0; // (2,2,2): two steps away
        let r = threshold_components(&field(&suv, [3, 3, 3]), 1.0, 1);
        assert_eq!(r.len(), 2);
        assert_eq!(r.region(0), &[0]);
        assert_eq!(r.region(1), &[26]);
    }

    #[test]
    fn small_components_are_dropped() {
        let mut suv = vec![0.0; 64];
        suv[0] = 5.0; // one voxel
        for i in [42, 43, 46, 47] {
            suv[i] = 5.0; // four voxels
        }
        let r = threshold_components(&field(&suv, [4, 4, 4]), 1.0, 3);
        assert_eq!(r.len(), 1);
        assert_eq!(r.region(0).len(), 4);
    }

    #[test]
    fn growth_stays_in_its_box_and_off_taken_voxels() {
        let suv = vec![3.0; 5 * 5 * 5];
        let f = field(&suv, [5, 5, 5]);
        let mut state = vec![FREE; suv.len()];
        state[f.dims.index(1, 1, 1)] = TAKEN;
        let mut ranks = vec![0u32; suv.len()];
        ranks[f.dims.index(3, 3, 3)] = 1; // a hotter candidate's voxel: off limits
        ranks[f.dims.index(3, 3, 2)] = 3; // a fainter candidate's voxel: merged
        ranks[f.dims.index(2, 2, 2)] = 2;
        let mut regions = Regions::default();
        let g = Growth {
            seed: f.dims.index(2, 2, 2),
            rank: 2,
            threshold: 1.0,
            lo: [1, 1, 1],
            hi: [3, 3, 3],
        };
        assert!(g.run(&f, &ranks, &mut state, &mut regions, 1));
        assert_eq!(regions.region(0).len(), 25);
    }
}
