//! AutoPET challenge metrics of a predicted lesion mask against a reference mask.
//!
//! Definitions (per case, as the challenge's reference script computes them):
//! - Dice = 2 |P and R| / (|P| + |R|);
//! - false-positive volume: the volume of predicted connected components that touch no
//!   reference voxel;
//! - false-negative volume: the volume of reference components that touch no predicted voxel;
//! - components are 18-connected (faces and edges, not corners); volumes in mL from the voxel
//!   size of the prediction's grid.

use serde::Serialize;

use super::{Category, HotspotResult};
use crate::volume::{Geometry, Volume};

/// Distance (mm) and direction tolerance under which two grids count as the same.
const SAME_GRID_TOLERANCE: f64 = 1e-3;

/// AutoPET metrics of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutopetMetrics {
    /// Dice coefficient; `None` when both masks are empty (undefined).
    pub dice: Option<f64>,
    /// Volume of predicted components touching no reference voxel (mL).
    pub false_positive_ml: f64,
    /// Volume of reference components touching no predicted voxel (mL).
    pub false_negative_ml: f64,
    /// Predicted volume (mL).
    pub predicted_ml: f64,
    /// Reference volume (mL).
    pub reference_ml: f64,
    /// Predicted components, and how many of them are false positives.
    pub predicted_components: usize,
    /// Predicted components touching no reference voxel.
    pub false_positive_components: usize,
    /// Reference components.
    pub reference_components: usize,
    /// Reference components touching no predicted voxel.
    pub false_negative_components: usize,
    /// Whether the reference was resampled (nearest neighbour) onto the prediction's grid.
    pub reference_resampled: bool,
}

/// Why the metrics could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum AutopetError {
    /// The prediction mask does not fill its grid.
    #[error("prediction has {len} voxels but its grid {dims:?} needs {expected}")]
    PredictionSize {
        dims: [usize; 3],
        expected: usize,
        len: usize,
    },
    /// The reference lies entirely outside the prediction's grid.
    #[error(
        "the reference mask does not overlap the PET grid at all (different patient or frame?)"
    )]
    NoOverlap,
}

/// The voxels of suspicious hot-spot lesions (the prediction AutoPET scores).
pub fn suspicious_mask(result: &HotspotResult) -> Vec<bool> {
    let max_id = result.lesions.iter().map(|l| l.id).max().unwrap_or(0) as usize;
    let mut suspicious = vec![false; max_id + 1];
    for l in &result.lesions {
        suspicious[l.id as usize] = l.category == Category::Suspicious;
    }
    result
        .labels
        .iter()
        .map(|&l| suspicious.get(l as usize).copied().unwrap_or(false))
        .collect()
}

/// The reference (non-zero voxels) on `grid`: as is when the grids match, else nearest
/// neighbour at each grid voxel's centre (outside the reference: not lesion). Returns whether
/// it was resampled.
pub fn reference_on_grid(reference: &Volume, grid: &Geometry) -> (Vec<bool>, bool) {
    let r = &reference.geometry;
    let same = r.dims == grid.dims
        && (r.origin - grid.origin).length() < SAME_GRID_TOLERANCE
        && (0..3).all(|a| (r.spacing[a] - grid.spacing[a]).abs() < SAME_GRID_TOLERANCE)
        && (r.row_dir - grid.row_dir).length() < SAME_GRID_TOLERANCE
        && (r.col_dir - grid.col_dir).length() < SAME_GRID_TOLERANCE
        && (r.slice_dir - grid.slice_dir).length() < SAME_GRID_TOLERANCE;
    if same {
        return (reference.data.iter().map(|&v| v != 0.0).collect(), false);
    }
    let [nx, ny, nz] = grid.dims;
    let mut out = Vec::with_capacity(nx * ny * nz);
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let p = grid.voxel_to_patient(glam::DVec3::new(x as f64, y as f64, z as f64));
                let v = r.patient_to_voxel(p).round();
                let inside = v.cmpge(glam::DVec3::ZERO).all()
                    && (v.x as usize) < r.dims[0]
                    && (v.y as usize) < r.dims[1]
                    && (v.z as usize) < r.dims[2];
                out.push(
                    inside
                        && reference.data
                            [reference.index(v.x as usize, v.y as usize, v.z as usize)]
                            != 0.0,
                );
            }
        }
    }
    (out, true)
}

/// Whether two grids' patient-space bounding boxes share any point (a reference that does
/// not overlap the PET at all is from another patient or frame, not an empty mask).
pub fn grids_overlap(a: &Geometry, b: &Geometry) -> bool {
    let (lo, hi) = a.patient_bounds();
    let (rlo, rhi) = b.patient_bounds();
    !(lo.cmpgt(rhi).any() || rlo.cmpgt(hi).any())
}

/// AutoPET metrics of `prediction` (on `grid`) against `reference` (any grid; resampled by
/// nearest neighbour when it differs).
pub fn autopet_metrics(
    prediction: &[bool],
    grid: &Geometry,
    reference: &Volume,
) -> Result<AutopetMetrics, AutopetError> {
    let expected = grid.dims.iter().product::<usize>();
    if prediction.len() != expected {
        return Err(AutopetError::PredictionSize {
            dims: grid.dims,
            expected,
            len: prediction.len(),
        });
    }
    let (reference_mask, resampled) = reference_on_grid(reference, grid);
    if resampled
        && reference.data.iter().any(|&v| v != 0.0)
        && !reference_mask.contains(&true)
        && !grids_overlap(grid, &reference.geometry)
    {
        return Err(AutopetError::NoOverlap);
    }
    Ok(metrics_same_grid(
        prediction,
        &reference_mask,
        grid,
        resampled,
    ))
}

fn metrics_same_grid(p: &[bool], r: &[bool], grid: &Geometry, resampled: bool) -> AutopetMetrics {
    let s = grid.spacing;
    let voxel_ml = s[0] * s[1] * s[2] / 1000.0;
    let np = p.iter().filter(|&&v| v).count();
    let nr = r.iter().filter(|&&v| v).count();
    let both = p.iter().zip(r).filter(|(a, b)| **a && **b).count();
    let (pc, fp_c, fp_n) = unmatched(p, r, grid.dims);
    let (rc, fn_c, fn_n) = unmatched(r, p, grid.dims);
    AutopetMetrics {
        dice: (np + nr > 0).then(|| 2.0 * both as f64 / (np + nr) as f64),
        false_positive_ml: fp_n as f64 * voxel_ml,
        false_negative_ml: fn_n as f64 * voxel_ml,
        predicted_ml: np as f64 * voxel_ml,
        reference_ml: nr as f64 * voxel_ml,
        predicted_components: pc,
        false_positive_components: fp_c,
        reference_components: rc,
        false_negative_components: fn_c,
        reference_resampled: resampled,
    }
}

/// The 18-connected components of `a`: (count, count touching no `b` voxel, their voxels).
fn unmatched(a: &[bool], b: &[bool], dims: [usize; 3]) -> (usize, usize, usize) {
    let [nx, ny, nz] = dims;
    let mut seen = vec![false; a.len()];
    let mut queue = Vec::new();
    let (mut components, mut missed, mut missed_voxels) = (0, 0, 0);
    for start in 0..a.len() {
        if !a[start] || seen[start] {
            continue;
        }
        components += 1;
        seen[start] = true;
        queue.clear();
        queue.push(start);
        let mut head = 0;
        let mut touches = false;
        while head < queue.len() {
            let i = queue[head];
            head += 1;
            touches |= b[i];
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny));
            for dz in -1i64..=1 {
                for dy in -1i64..=1 {
                    for dx in -1i64..=1 {
                        let n = dx.abs() + dy.abs() + dz.abs();
                        if n == 0 || n == 3 {
                            continue; // itself, or a corner neighbour (not 18-connected)
                        }
                        let (qx, qy, qz) = (x as i64 + dx, y as i64 + dy, z as i64 + dz);
                        if qx < 0
                            || qy < 0
                            || qz < 0
                            || qx >= nx as i64
                            || qy >= ny as i64
                            || qz >= nz as i64
                        {
                            continue;
                        }
                        let j = qx as usize + nx * (qy as usize + ny * qz as usize);
                        if a[j] && !seen[j] {
                            seen[j] = true;
                            queue.push(j);
                        }
                    }
                }
            }
        }
        if !touches {
            missed += 1;
            missed_voxels += queue.len();
        }
    }
    (components, missed, missed_voxels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::Unit;
    use glam::DVec3;

    const DIMS: [usize; 3] = [20, 20, 20];

    fn grid() -> Geometry {
        // 2 x 2 x 2 mm voxels: 0.008 mL each.
        Geometry::axial(DIMS, [2.0; 3], DVec3::new(-20.0, -20.0, 0.0))
    }

    fn boxes(list: &[([usize; 3], [usize; 3])]) -> Vec<bool> {
        let mut m = vec![false; DIMS.iter().product()];
        for (lo, hi) in list {
            for z in lo[2]..hi[2] {
                for y in lo[1]..hi[1] {
                    for x in lo[0]..hi[0] {
                        m[x + DIMS[0] * (y + DIMS[1] * z)] = true;
                    }
                }
            }
        }
        m
    }

    fn volume(mask: &[bool], g: Geometry) -> Volume {
        let data = mask.iter().map(|&v| if v { 1.0 } else { 0.0 }).collect();
        Volume::new(g, data, Unit::Other("label".into())).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn mask_against_itself() {
        let m = boxes(&[([2, 2, 2], [6, 6, 6]), ([14, 14, 14], [16, 16, 16])]);
        let r = autopet_metrics(&m, &grid(), &volume(&m, grid())).unwrap();
        assert_eq!(r.dice, Some(1.0));
        assert_eq!(r.false_positive_ml, 0.0);
        assert_eq!(r.false_negative_ml, 0.0);
        assert_eq!((r.predicted_components, r.reference_components), (2, 2));
        assert!(!r.reference_resampled);
    }

    #[test]
    fn shifted_mask_with_a_false_positive_and_a_missed_lesion() {
        // Reference: a 4x4x4 cube (64 voxels) and a missed 2x2x2 blob (8 voxels).
        let reference = boxes(&[([2, 2, 2], [6, 6, 6]), ([14, 14, 14], [16, 16, 16])]);
        // Prediction: the cube shifted one voxel along x (48 voxels overlap) and a 3x3x3
        // false-positive blob (27 voxels) far from everything.
        let prediction = boxes(&[([3, 2, 2], [7, 6, 6]), ([14, 2, 2], [17, 5, 5])]);
        let r = autopet_metrics(&prediction, &grid(), &volume(&reference, grid())).unwrap();
        // Dice = 2 x 48 / (91 + 72) = 96 / 163.
        assert!(close(r.dice.unwrap(), 96.0 / 163.0), "{r:?}");
        assert!(close(r.false_positive_ml, 27.0 * 0.008), "{r:?}");
        assert!(close(r.false_negative_ml, 8.0 * 0.008), "{r:?}");
        assert!(close(r.predicted_ml, 91.0 * 0.008));
        assert!(close(r.reference_ml, 72.0 * 0.008));
        assert_eq!(
            (r.false_positive_components, r.false_negative_components),
            (1, 1)
        );
    }

    #[test]
    fn components_are_18_connected() {
        // Reference: one voxel. Prediction: that voxel's corner neighbour (a separate
        // 18-connected component: false positive) and an edge neighbour chain that touches it.
        let reference = boxes(&[([5, 5, 5], [6, 6, 6])]);
        let prediction = boxes(&[
            ([6, 6, 6], [7, 7, 7]), // corner of (5,5,5): own component, no overlap
            ([5, 5, 5], [6, 6, 6]), // the reference voxel itself
        ]);
        let r = autopet_metrics(&prediction, &grid(), &volume(&reference, grid())).unwrap();
        assert_eq!(r.predicted_components, 2);
        assert!(close(r.false_positive_ml, 0.008));
        // Edge neighbours (6,6,5) join the reference voxel's component: no false positive.
        let prediction = boxes(&[([5, 5, 5], [6, 6, 6]), ([6, 6, 5], [7, 7, 6])]);
        let r = autopet_metrics(&prediction, &grid(), &volume(&reference, grid())).unwrap();
        assert_eq!((r.predicted_components, r.false_positive_ml), (1, 0.0));
    }

    #[test]
    fn reference_on_another_grid_is_resampled_or_refused() {
        let m = boxes(&[([2, 2, 2], [6, 6, 6])]);
        // The same mask on a grid stored with reversed rows: nearest neighbour gives it back.
        let g = grid();
        let mut flipped = g.clone();
        flipped.origin = g.voxel_to_patient(DVec3::new(0.0, 19.0, 0.0));
        flipped.col_dir = -g.col_dir;
        let data: Vec<f32> = (0..m.len())
            .map(|i| {
                let (x, y, z) = (i % 20, (i / 20) % 20, i / 400);
                f32::from(u8::from(m[x + 20 * ((19 - y) + 20 * z)]))
            })
            .collect();
        let reference = Volume::new(flipped, data, Unit::Other("label".into())).unwrap();
        let r = autopet_metrics(&m, &g, &reference).unwrap();
        assert!(r.reference_resampled);
        assert_eq!(r.dice, Some(1.0));
        // Far away: refused.
        let mut far = g.clone();
        far.origin += DVec3::new(0.0, 0.0, 1000.0);
        let err = autopet_metrics(&m, &g, &volume(&m, far)).unwrap_err();
        assert!(matches!(err, AutopetError::NoOverlap));
    }
}
