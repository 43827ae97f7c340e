//! Where a follow-up study is placed onto its baseline: the one function the viewer calls
//! (on a worker thread) once both studies are loaded.

use glam::{DAffine3, DVec3};

use crate::study::ViewStudy;
use crate::volume::{HalfVolume, Volume, Voxel};

/// CT voxels above this value (HU) count as body: soft tissue and bone, not air or lung.
const BODY_HU: f32 = -500.0;

/// A follow-up study placed onto its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// Follow-up patient mm -> baseline patient mm.
    pub to_baseline: DAffine3,
    /// How well the studies agree after the transform (method-specific, higher is
    /// better); `None` when the method gives no measure.
    pub quality: Option<f64>,
    /// One line for the status bar and the panel: method and result.
    pub summary: String,
}

impl Registration {
    /// No transform: the studies share one patient frame.
    pub fn identity(summary: impl Into<String>) -> Self {
        Self {
            to_baseline: DAffine3::IDENTITY,
            quality: None,
            summary: summary.into(),
        }
    }
}

/// Estimates the transform from follow-up to baseline patient space: the rigid (6 degrees of
/// freedom) registration of `analysis::registration` (CT to CT on body outline and bone,
/// else PET to PET), with its NCC as `quality`. Should it fail, the centroids are aligned
/// ([`centroid_estimate`]) and the summary says so.
pub fn estimate(baseline: &ViewStudy, followup: &ViewStudy) -> Registration {
    match crate::study_response::register_view_pair(baseline, followup) {
        Ok(r) => {
            let t = r.followup_to_baseline;
            let (shift, turn) = (r.translation_mm(), r.rotation_deg());
            Registration {
                to_baseline: DAffine3::from_mat3_translation(t.rotation, t.translation),
                quality: Some(r.quality),
                summary: format!(
                    "rigid {}: ({:.1}, {:.1}, {:.1}) mm, ({:.1}, {:.1}, {:.1})°, NCC {:.3}",
                    r.representation.name(),
                    shift.x,
                    shift.y,
                    shift.z,
                    turn.x,
                    turn.y,
                    turn.z,
                    r.quality
                ),
            }
        }
        Err(e) => {
            let mut fallback = centroid_estimate(baseline, followup);
            fallback.summary = format!("{} (rigid registration failed: {e})", fallback.summary);
            fallback
        }
    }
}

/// Translation only: the centroids of the body voxels of the two CTs (CT > -500 HU) are
/// aligned; without a CT on both sides, the PET centroids (voxels above the volume's mean).
pub fn centroid_estimate(baseline: &ViewStudy, followup: &ViewStudy) -> Registration {
    let ct = baseline
        .ct
        .as_deref()
        .zip(followup.ct.as_deref())
        .and_then(|(b, f)| Some((body_centroid(b)?, body_centroid(f)?)));
    let pet = || {
        baseline
            .pet
            .as_deref()
            .zip(followup.pet.as_deref())
            .and_then(|(b, f)| Some((uptake_centroid(b)?, uptake_centroid(f)?)))
    };
    let (what, (b, f)) = match ct {
        Some(c) => ("CT body centroids", c),
        None => match pet() {
            Some(p) => ("PET centroids", p),
            None => return Registration::identity("no common CT or PET: not registered"),
        },
    };
    let shift = b - f;
    Registration {
        to_baseline: DAffine3::from_translation(shift),
        quality: None,
        summary: format!(
            "translation from {what}: ({:.1}, {:.1}, {:.1}) mm",
            shift.x, shift.y, shift.z
        ),
    }
}

/// Patient-space centroid of the CT's body voxels.
fn body_centroid(ct: &HalfVolume) -> Option<DVec3> {
    centroid(ct, |v| v > BODY_HU)
}

/// Patient-space centroid of the PET voxels above the volume's mean.
fn uptake_centroid(pet: &Volume) -> Option<DVec3> {
    let mean = pet.stats().mean as f32;
    centroid(pet, |v| v > mean)
}

/// Centroid (patient mm) of the voxels `inside` accepts; `None` when there are none.
fn centroid<T: Voxel>(volume: &Volume<T>, inside: impl Fn(f32) -> bool) -> Option<DVec3> {
    let [nx, ny, _] = volume.dims();
    let mut sum = DVec3::ZERO;
    let mut count = 0u64;
    for (i, v) in volume.data.iter().enumerate() {
        if inside(v.to_f32()) {
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny));
            sum += DVec3::new(x as f64, y as f64, z as f64);
            count += 1;
        }
    }
    (count > 0).then(|| volume.geometry.voxel_to_patient(sum / count as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Geometry, Unit};
    use std::sync::Arc;

    /// A CT of air with a block of tissue whose grid starts at `origin`.
    fn ct(origin: DVec3) -> Arc<HalfVolume> {
        let g = Geometry::axial([20, 20, 20], [2.0; 3], origin);
        let data = (0..8000)
            .map(|i| {
                let (x, y, z) = (i % 20, (i / 20) % 20, i / 400);
                if (4..10).contains(&x) && (6..12).contains(&y) && (2..8).contains(&z) {
                    40.0
                } else {
                    -1000.0
                }
            })
            .collect();
        Arc::new(
            Volume::<f32>::new(g, data, Unit::Hounsfield)
                .unwrap()
                .convert(),
        )
    }

    #[test]
    fn translation_aligns_the_body_centroids() {
        let mut base = ViewStudy::empty();
        base.ct = Some(ct(DVec3::ZERO));
        let mut fu = ViewStudy::empty();
        fu.ct = Some(ct(DVec3::new(10.0, -4.0, 30.0)));
        let r = centroid_estimate(&base, &fu);
        let moved = r.to_baseline.transform_point3(DVec3::new(10.0, -4.0, 30.0));
        assert!(moved.abs_diff_eq(DVec3::ZERO, 1e-9), "{moved}");
        assert!(r.summary.contains("CT"), "{}", r.summary);
        let none = centroid_estimate(&ViewStudy::empty(), &ViewStudy::empty());
        assert_eq!(none.to_baseline, DAffine3::IDENTITY);
    }
}
