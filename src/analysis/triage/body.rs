//! The body as the PET sees it: its left-right midline and, per height, how much of it lies
//! near the midline and where its front-back centre is. Landmark rules measure positions
//! against this model instead of against the scanner's coordinates.

use rayon::prelude::*;

use super::super::grid::{Affine, Dims};
use crate::volume::Volume;

/// Voxels at or above this SUV count as the body (air and the table stay below it).
pub(crate) const BODY_SUV: f32 = 0.2;
/// Height of the bins the body is summarised in (mm).
const BIN_MM: f64 = 10.0;
/// Half-width of the band around the midline that counts as the head, neck and trunk (mm);
/// arms held beside the head or the trunk lie outside it.
const MIDLINE_BAND_MM: f64 = 60.0;
/// A bin belongs to the body's length when its midline band holds at least this fraction of
/// the fullest bin's voxels.
const PRESENT_FRACTION: f64 = 0.2;

/// Per-height statistics of the body voxels within the midline band.
#[derive(Debug, Clone, Copy, Default)]
struct Bin {
    count: usize,
    y_sum: f64,
}

/// The body model.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Patient x (mm) of the left-right midline: the median x of all body voxels.
    pub midline_x: f64,
    /// Patient z (mm) of the highest and lowest bins where the body is present near the
    /// midline (the top of the head, or of the field of view when it cuts the body).
    pub top_z: f64,
    pub bottom_z: f64,
    /// z of the lower edge of bin 0.
    z0: f64,
    bins: Vec<Bin>,
}

impl Body {
    /// The body model of an SUV volume; `None` when no voxel reaches [`BODY_SUV`].
    pub fn of(suv: &Volume) -> Option<Self> {
        let dims = Dims::of(&suv.geometry);
        let to_patient = Affine::voxel_to_patient(&suv.geometry);
        let midline_x = median_body_x(suv, dims, &to_patient)?;
        let (lo, hi) = suv.geometry.patient_bounds();
        let z0 = lo.z - BIN_MM;
        let n = ((hi.z - z0) / BIN_MM).ceil() as usize + 2;
        let bins = (0..dims.nz)
            .into_par_iter()
            .map(|z| {
                let mut bins = vec![Bin::default(); n];
                for y in 0..dims.ny {
                    for x in 0..dims.nx {
                        if suv.data[dims.index(x, y, z)] < BODY_SUV {
                            continue;
                        }
                        let p = to_patient.apply([x, y, z]);
                        if (p.x - midline_x).abs() > MIDLINE_BAND_MM {
                            continue;
                        }
                        let b = &mut bins[bin_of(z0, p.z, n)];
                        b.count += 1;
                        b.y_sum += p.y;
                    }
                }
                bins
            })
            .reduce(
                || vec![Bin::default(); n],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.count += y.count;
                        x.y_sum += y.y_sum;
                    }
                    a
                },
            );
        let full = bins.iter().map(|b| b.count).max().unwrap_or(0);
        let present = |b: &Bin| b.count > 0 && b.count as f64 >= PRESENT_FRACTION * full as f64;
        let first = bins.iter().position(present)?;
        let last = bins.iter().rposition(present)?;
        let centre = |i: usize| z0 + (i as f64 + 0.5) * BIN_MM;
        Some(Self {
            midline_x,
            top_z: centre(last),
            bottom_z: centre(first),
            z0,
            bins,
        })
    }

    /// Length of the body in the field of view (mm).
    pub fn length(&self) -> f64 {
        self.top_z - self.bottom_z
    }

    /// Front-back centre (patient y, mm) of the body near the midline at height `z`; the
    /// nearest height with body voxels when none lie at `z`.
    pub fn y_centre(&self, z: f64) -> f64 {
        let i = bin_of(self.z0, z, self.bins.len());
        (0..self.bins.len())
            .flat_map(|d| [i.checked_sub(d), Some(i + d)])
            .flatten()
            .filter_map(|k| self.bins.get(k))
            .find(|b| b.count > 0)
            .map_or(0.0, |b| b.y_sum / b.count as f64)
    }

    /// Signed distance (mm) from the midline; positive towards the patient's left.
    pub fn dx(&self, x: f64) -> f64 {
        x - self.midline_x
    }
}

fn bin_of(z0: f64, z: f64, n: usize) -> usize {
    (((z - z0) / BIN_MM).floor().max(0.0) as usize).min(n - 1)
}

/// Median patient x of the body voxels, from a 1 mm histogram.
fn median_body_x(suv: &Volume, dims: Dims, to_patient: &Affine) -> Option<f64> {
    let (lo, hi) = suv.geometry.patient_bounds();
    let n = (hi.x - lo.x).ceil() as usize + 2;
    let hist = (0..dims.nz)
        .into_par_iter()
        .map(|z| {
            let mut h = vec![0usize; n];
            for y in 0..dims.ny {
                for x in 0..dims.nx {
                    if suv.data[dims.index(x, y, z)] >= BODY_SUV {
                        let px = to_patient.apply([x, y, z]).x;
                        h[((px - lo.x).max(0.0) as usize).min(n - 1)] += 1;
                    }
                }
            }
            h
        })
        .reduce(
            || vec![0; n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let total: usize = hist.iter().sum();
    if total == 0 {
        return None;
    }
    let mut seen = 0;
    let k = hist.iter().position(|&c| {
        seen += c;
        2 * seen >= total
    })?;
    Some(lo.x + k as f64 + 0.5)
}
