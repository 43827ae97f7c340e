//! The PET MIP pane's window-free side: which projection is wanted (study, angle, lesion
//! labels), the one shown, and what a click or the mouse over it means.

use std::sync::Arc;

use glam::{DVec3, Vec3};

use crate::analysis::mip::MipProjection;
use crate::analysis::HotspotResult;
use crate::study_reference::ReferenceMask;
use crate::volume::Volume;

/// What a projection depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MipKey {
    pub study: u64,
    /// Azimuth in whole degrees, 0-359.
    pub azimuth: i32,
    /// The hot-spot generation whose labels it outlines (0: none).
    pub labels: u64,
    /// The reference mask it outlines ([`super::reading::ReadingModel::reference_key`]; 0:
    /// none).
    pub reference: u64,
}

/// A projection to compute on a worker.
#[derive(Clone)]
pub struct MipJob {
    pub key: MipKey,
    pub pet: Arc<Volume>,
    pub hotspots: Option<Arc<HotspotResult>>,
    /// The reference mask to project with it, on the PET grid.
    pub reference: Option<Arc<ReferenceMask>>,
}

/// The projection shown and the one asked for.
#[derive(Default)]
pub struct MipState {
    /// The newest projection received (it may be for an older key while the next one is
    /// computed: the pane shows it meanwhile).
    pub projection: Option<(MipKey, Arc<MipProjection>)>,
    requested: Option<MipKey>,
}

/// The voxel behind a MIP pixel: where it is and its value in the PET's stored units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MipPick {
    /// Patient position (mm) of the voxel centre.
    pub position: Vec3,
    pub value: f32,
    /// Index into the PET's data.
    pub voxel: usize,
    /// Lesion id at that voxel in the projection's labels (0: none).
    pub label: u16,
}

impl MipState {
    /// A job when `key` is neither shown nor already asked for.
    pub fn job(
        &mut self,
        key: MipKey,
        pet: &Arc<Volume>,
        hotspots: Option<&Arc<HotspotResult>>,
        reference: Option<Arc<ReferenceMask>>,
    ) -> Option<MipJob> {
        if self.requested == Some(key) || self.projection.as_ref().is_some_and(|p| p.0 == key) {
            return None;
        }
        self.requested = Some(key);
        Some(MipJob {
            key,
            pet: pet.clone(),
            hotspots: hotspots.cloned(),
            reference,
        })
    }

    /// Takes a finished projection unless it belongs to another study.
    pub fn accept(&mut self, key: MipKey, projection: Arc<MipProjection>, study: u64) {
        if key.study == study {
            self.projection = Some((key, projection));
        }
    }

    /// Forgets everything (another study).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The voxel behind the projection pixel at continuous pixel position (x, y).
    pub fn pick(&self, pet: &Volume, x: f64, y: f64) -> Option<MipPick> {
        let (_, p) = self.projection.as_ref()?;
        let (c, r) = p.pixel_at(x, y)?;
        let voxel = p.source_voxel(c, r)?;
        let [nx, ny, _] = pet.geometry.dims;
        let v = DVec3::new(
            (voxel % nx) as f64,
            ((voxel / nx) % ny) as f64,
            (voxel / (nx * ny)) as f64,
        );
        Some(MipPick {
            position: pet.geometry.voxel_to_patient(v).as_vec3(),
            value: *pet.data.get(voxel)?,
            voxel,
            label: p.labels[r * p.width + c],
        })
    }
}

/// The continuous projection pixel under a point of a pane (pane coordinates, same unit
/// as `pane`); pixel centres are at integer positions.
pub fn pixel_under(pane: (f32, f32), projection: &MipProjection, at: (f32, f32)) -> (f64, f64) {
    let (left, top, w, h) = crate::annotate::fit_mip(pane, projection);
    let x = (at.0 - left) / w.max(1e-6) * projection.width as f32 - 0.5;
    let y = (at.1 - top) / h.max(1e-6) * projection.height as f32 - 0.5;
    (f64::from(x), f64::from(y))
}

#[cfg(test)]
#[path = "mip_tests.rs"]
mod tests;
