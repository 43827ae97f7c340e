//! Rigid (6 degrees of freedom) registration of a follow-up study onto a baseline.
//!
//! Both volumes keep their grids; the result is a [`RigidTransform`] taking follow-up patient
//! coordinates to baseline patient coordinates. The method:
//! 1. Each volume is mapped to a [`Representation`] (CT: body outline plus bone; PET:
//!    clamped uptake) and block-averaged to coarse grids ([`RegistrationParams::levels_mm`],
//!    8, 4 and 2 mm by default).
//! 2. Samples are the baseline voxels with the strongest feature gradient (edges of the
//!    body, lungs and bones), at most [`RegistrationParams::max_samples`] per level.
//! 3. Similarity is the normalised cross-correlation (NCC) of the baseline samples with the
//!    follow-up trilinearly sampled at the mapped points (outside counts as air, 0).
//! 4. The start aligns the body centroids; rotations turn about the baseline's body centroid
//!    (so rotation and translation parameters barely interact). Each level runs a coordinate
//!    descent with shrinking steps from the previous level's result.
//!
//! Points are mapped with f64 affine maths; voxel loops run in parallel with rayon.

mod features;
mod metric;
mod optimise;

pub use features::{FeatureImage, Representation};

use glam::DVec3;

use crate::volume::{RigidTransform, Volume, Voxel};
use metric::{ncc, Samples};
use optimise::{maximise, Steps};

/// Knobs of [`register_rigid`].
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationParams {
    /// How voxel values are compared.
    pub representation: Representation,
    /// Grid sizes of the pyramid, coarse to fine, in mm.
    pub levels_mm: Vec<f64>,
    /// Most baseline sample points per level.
    pub max_samples: usize,
}

impl RegistrationParams {
    /// CT to CT (the default when both studies have a CT).
    pub fn ct() -> Self {
        Self {
            representation: Representation::CtBoneBody,
            levels_mm: vec![8.0, 4.0, 2.0],
            max_samples: 60_000,
        }
    }

    /// PET to PET in SUV (the fallback without CT): levels follow the PET's resolution.
    pub fn pet() -> Self {
        Self {
            representation: Representation::PetUptake { clamp: 5.0 },
            levels_mm: vec![12.0, 6.0, 4.0],
            max_samples: 60_000,
        }
    }
}

/// The outcome of [`register_rigid`].
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// Follow-up patient coordinates (mm, LPS) to baseline patient coordinates.
    pub followup_to_baseline: RigidTransform,
    /// Final NCC of the features at the finest level (1 is perfect; about 0.9 and above
    /// for a good CT match).
    pub quality: f64,
    /// NCC at the start (body centroids aligned), for comparison.
    pub initial_quality: f64,
    /// What was compared.
    pub representation: Representation,
    /// Similarity evaluations spent.
    pub evaluations: usize,
}

impl Registration {
    /// Translation (mm) of [`Self::followup_to_baseline`] (rotation about the patient origin
    /// first).
    pub fn translation_mm(&self) -> DVec3 {
        self.followup_to_baseline.translation
    }

    /// Rotation angles (degrees) about x, y and z of [`Self::followup_to_baseline`].
    pub fn rotation_deg(&self) -> DVec3 {
        self.followup_to_baseline.euler_deg()
    }

    /// The transform with a user's correction applied on top (in baseline space):
    /// follow-up point `p` goes to `nudge.apply(followup_to_baseline.apply(p))`.
    pub fn nudged(&self, nudge: &RigidTransform) -> RigidTransform {
        nudge.after(&self.followup_to_baseline)
    }
}

/// Why a registration could not run.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// A volume's data does not fill its grid, or it is empty.
    #[error("the {which} volume is empty or inconsistent ({dims:?}, {len} values)")]
    BadVolume {
        which: &'static str,
        dims: [usize; 3],
        len: usize,
    },
    /// The baseline has no structure to align (a constant image).
    #[error("the baseline {0} has no edges to align at {1} mm")]
    NoEdges(&'static str, f64),
    /// No pyramid level was given.
    #[error("no registration levels given")]
    NoLevels,
}

/// Registers `followup` onto `baseline` (both of the representation's kind: HU for CT, SUV
/// for PET). See the module docs for the method.
pub fn register_rigid<T: Voxel>(
    baseline: &Volume<T>,
    followup: &Volume<T>,
    params: &RegistrationParams,
) -> Result<Registration, RegistrationError> {
    check(baseline, "baseline")?;
    check(followup, "follow-up")?;
    let rep = params.representation;
    let (Some(&finest), Some(&coarsest)) = (params.levels_mm.last(), params.levels_mm.first())
    else {
        return Err(RegistrationError::NoLevels);
    };
    let fixed = pyramid(baseline, rep, &params.levels_mm);
    let moving = pyramid(followup, rep, &params.levels_mm);
    let (Some(fixed_coarse), Some(moving_coarse)) = (fixed.first(), moving.first()) else {
        return Err(RegistrationError::NoLevels);
    };
    let centre = fixed_coarse.centroid_above(rep.body_level());
    let offset = moving_coarse.centroid_above(rep.body_level()) - centre;
    let to_transform = |x: &[f64; 6]| {
        RigidTransform::from_euler_deg_about(
            DVec3::new(x[3], x[4], x[5]),
            centre,
            offset + DVec3::new(x[0], x[1], x[2]),
        )
    };
    let mut x = [0.0; 6];
    let mut evaluations = 0;
    let mut quality = -1.0;
    let mut initial_quality = None;
    for ((f, m), &mm) in fixed.iter().zip(&moving).zip(&params.levels_mm) {
        let samples = Samples::edges(f, params.max_samples);
        if samples.points.len() < 16 {
            return Err(RegistrationError::NoEdges(rep.name(), mm));
        }
        initial_quality.get_or_insert_with(|| ncc(&samples, m, &to_transform(&x)));
        // Coarse levels search widely; finer ones refine within about a coarse voxel.
        let first = mm == coarsest;
        let t_step = if first { mm } else { mm / 2.0 };
        let r_step = t_step * 0.25;
        let steps = Steps {
            initial: [t_step, t_step, t_step, r_step, r_step, r_step],
            min_fraction: if mm == finest { 1.0 / 64.0 } else { 1.0 / 16.0 },
            max_evaluations: 1500,
        };
        let (best, value, n) = maximise(x, &steps, |x| ncc(&samples, m, &to_transform(x)));
        x = best;
        quality = value;
        evaluations += n;
    }
    Ok(Registration {
        followup_to_baseline: to_transform(&x).inverse(),
        quality,
        initial_quality: initial_quality.unwrap_or(quality),
        representation: rep,
        evaluations,
    })
}

fn check<T>(v: &Volume<T>, which: &'static str) -> Result<(), RegistrationError> {
    let d = v.geometry.dims;
    if d.contains(&0) || d[0] * d[1] * d[2] != v.data.len() {
        return Err(RegistrationError::BadVolume {
            which,
            dims: d,
            len: v.data.len(),
        });
    }
    Ok(())
}

/// Feature images for each level, coarse first; each built from the next finer one.
fn pyramid<T: Voxel>(v: &Volume<T>, rep: Representation, levels_mm: &[f64]) -> Vec<FeatureImage> {
    let mut out: Vec<FeatureImage> = Vec::with_capacity(levels_mm.len());
    for &mm in levels_mm.iter().rev() {
        let img = match out.last() {
            None => FeatureImage::from_volume(v, rep, mm),
            Some(finer) => finer.coarser(mm),
        };
        out.push(img);
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests;
