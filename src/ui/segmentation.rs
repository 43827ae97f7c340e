//! Hot-spot segmentation on a worker thread: the UI hands out jobs and polls results;
//! while jobs pile up (a slider being dragged) only the newest is computed.

use std::sync::Arc;

use super::latest_worker::LatestWorker;
use super::reading::HotspotJob;
use crate::analysis::{find_hotspots, suv_volume, HotspotResult};
use crate::volume::Volume;

/// A finished job.
pub struct Segmented {
    pub generation: u64,
    pub result: Result<HotspotResult, String>,
}

/// The worker's end of the UI.
pub struct SegmentationWorker {
    worker: LatestWorker<HotspotJob, Segmented>,
}

/// Threads segmentation may use: one, so that it never takes every core from the window
/// and a software renderer while a slider moves.
const WORKER_THREADS: usize = 1;

impl SegmentationWorker {
    /// Starts the worker thread; it ends when this value is dropped.
    pub fn start() -> Self {
        let mut cache: Option<SuvCache> = None;
        let worker = LatestWorker::start("segmentation", WORKER_THREADS, move |job| {
            segment(&mut cache, job)
        });
        Self { worker }
    }

    /// Queues a job (it supersedes the ones not started yet).
    pub fn submit(&self, job: HotspotJob) {
        self.worker.submit(job);
    }

    /// The newest finished result, if any.
    pub fn poll(&self) -> Option<Segmented> {
        self.worker.poll()
    }
}

/// The SUV volume of the last job, reused while the PET and its factor stay the same.
struct SuvCache {
    pet: Arc<Volume>,
    factor: f64,
    suv: Volume,
}

fn segment(cache: &mut Option<SuvCache>, job: HotspotJob) -> Segmented {
    let fresh = cache
        .as_ref()
        .is_some_and(|c| Arc::ptr_eq(&c.pet, &job.pet) && c.factor == job.suv_factor);
    if !fresh {
        *cache = Some(SuvCache {
            suv: suv_volume(&job.pet, job.suv_factor),
            pet: job.pet.clone(),
            factor: job.suv_factor,
        });
    }
    let result = match cache {
        Some(c) => find_hotspots(&c.suv, job.ct.as_deref(), &job.params).map_err(|e| e.to_string()),
        None => Err("no SUV volume".into()),
    };
    Segmented {
        generation: job.generation,
        result,
    }
}
