//! Hot-spot segmentation on a worker thread: the UI hands out jobs and polls results;
//! while jobs pile up (a slider being dragged) only the newest is computed.

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;

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
    jobs: Sender<HotspotJob>,
    done: Receiver<Segmented>,
}

impl SegmentationWorker {
    /// Starts the worker thread; it ends when this value is dropped.
    pub fn start() -> Self {
        let (jobs, job_rx) = channel::<HotspotJob>();
        let (done_tx, done) = channel();
        std::thread::Builder::new()
            .name("segmentation".into())
            .spawn(move || work(job_rx, done_tx))
            .map_err(|e| tracing::error!("cannot start the segmentation thread: {e}"))
            .ok();
        Self { jobs, done }
    }

    /// Queues a job (it supersedes the ones not started yet).
    pub fn submit(&self, job: HotspotJob) {
        if self.jobs.send(job).is_err() {
            tracing::error!("the segmentation thread has stopped");
        }
    }

    /// The newest finished result, if any.
    pub fn poll(&self) -> Option<Segmented> {
        let mut latest = None;
        loop {
            match self.done.try_recv() {
                Ok(r) => latest = Some(r),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return latest,
            }
        }
    }
}

/// The SUV volume of the last job, reused while the PET and its factor stay the same.
struct SuvCache {
    pet: Arc<Volume>,
    factor: f64,
    suv: Volume,
}

/// Threads segmentation may use: one, so that it never takes every core from the window
/// and a software renderer while a slider moves.
const WORKER_THREADS: usize = 1;

fn work(jobs: Receiver<HotspotJob>, done: Sender<Segmented>) {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(WORKER_THREADS)
        .thread_name(|_| "segmentation-pool".into())
        .build()
    {
        Ok(pool) => pool.install(|| serve(jobs, done)),
        Err(e) => {
            tracing::warn!("segmentation runs on the shared thread pool: {e}");
            serve(jobs, done);
        }
    }
}

fn serve(jobs: Receiver<HotspotJob>, done: Sender<Segmented>) {
    let mut cache: Option<SuvCache> = None;
    while let Ok(mut job) = jobs.recv() {
        // Latest request wins: skip jobs that newer ones have superseded.
        while let Ok(newer) = jobs.try_recv() {
            job = newer;
        }
        let fresh = cache
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.pet, &job.pet) && c.factor == job.suv_factor);
        if !fresh {
            cache = Some(SuvCache {
                suv: suv_volume(&job.pet, job.suv_factor),
                pet: job.pet.clone(),
                factor: job.suv_factor,
            });
        }
        let Some(c) = &cache else { continue };
        let result =
            find_hotspots(&c.suv, job.ct.as_deref(), &job.params).map_err(|e| e.to_string());
        let sent = done.send(Segmented {
            generation: job.generation,
            result,
        });
        if sent.is_err() {
            return;
        }
    }
}
