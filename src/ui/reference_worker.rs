//! Reference masks read and placed on the PET grid on a worker thread (a SEG's frames or a
//! NIfTI volume resampled: tens of milliseconds to seconds, too long for a frame), and
//! their upload to the scene once the reading model has taken them.

use std::sync::Arc;

use super::app::App;
use super::latest_worker::LatestWorker;
use super::reference::{ReferenceJob, ReferenceSource};
use crate::study_reference::{read_reference, reference_from_volume, ReferenceMask};

/// A finished job.
pub struct ReferenceDone {
    pub generation: u64,
    pub result: Result<ReferenceMask, String>,
}

/// The worker's end of the UI.
pub struct ReferenceWorker {
    worker: LatestWorker<ReferenceJob, ReferenceDone>,
}

/// One thread: masks are rare, and the window keeps the other core.
const WORKER_THREADS: usize = 1;

impl Default for ReferenceWorker {
    fn default() -> Self {
        Self {
            worker: LatestWorker::start("reference", WORKER_THREADS, place),
        }
    }
}

impl ReferenceWorker {
    /// Queues a job (it supersedes the ones not started yet).
    pub fn submit(&self, job: ReferenceJob) {
        self.worker.submit(job);
    }

    /// The newest finished result, if any.
    pub fn poll(&self) -> Option<ReferenceDone> {
        self.worker.poll()
    }
}

/// Reads the job's mask and places it on its grid; errors as one line.
pub(super) fn place(job: ReferenceJob) -> ReferenceDone {
    let result = match &job.source {
        ReferenceSource::File(path) => read_reference(path, &job.grid),
        ReferenceSource::Study(mask) => {
            reference_from_volume(mask, &job.grid.geometry, "from the study")
        }
    };
    ReferenceDone {
        generation: job.generation,
        result: result.map_err(|e| e.to_string()),
    }
}

impl App {
    /// Hands a requested load to the worker, takes a finished one, and keeps the scene's
    /// reference texture in step with the model's mask (showing and hiding is a uniform).
    pub(super) fn sync_reference(&mut self) {
        if let Some(done) = self.reference_worker.poll() {
            self.model.accept_reference(done.generation, done.result);
        }
        if let Some(job) = self.model.reference_job() {
            self.reference_worker.submit(job);
        }
        let (Some(gfx), Some(scene)) = (&self.gfx, &mut self.scene) else {
            return;
        };
        let wanted = self.model.reference.mask().cloned();
        let same = match (&wanted, &self.reference_shown) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !same {
            let voxels = wanted.as_ref().map(|m| m.voxels.as_slice());
            scene.set_reference(&gfx.ctx.device, &gfx.ctx.queue, voxels);
            self.reference_shown = wanted;
        }
    }
}
