//! A background thread that computes the newest of the jobs handed to it: jobs queued
//! behind a newer one are skipped (latest request wins), results are polled by the UI.

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};

/// The UI's end of a worker thread.
pub struct LatestWorker<J, R> {
    jobs: Sender<J>,
    done: Receiver<R>,
}

impl<J: Send + 'static, R: Send + 'static> LatestWorker<J, R> {
    /// Starts a thread named `name` running `work` on each newest job, on a rayon pool of
    /// `threads` threads (so that it never takes every core from the window). The thread
    /// ends when this value is dropped.
    pub fn start(
        name: &str,
        threads: usize,
        mut work: impl FnMut(J) -> R + Send + 'static,
    ) -> Self {
        let (jobs, job_rx) = channel::<J>();
        let (done_tx, done) = channel::<R>();
        let pool_name = format!("{name}-pool");
        let mut serve = move || {
            while let Ok(mut job) = job_rx.recv() {
                while let Ok(newer) = job_rx.try_recv() {
                    job = newer;
                }
                if done_tx.send(work(job)).is_err() {
                    return;
                }
            }
        };
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                match rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(move |_| pool_name.clone())
                    .build()
                {
                    Ok(pool) => pool.install(serve),
                    Err(e) => {
                        tracing::warn!("worker runs on the shared thread pool: {e}");
                        serve();
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the {name} thread: {e}");
        }
        Self { jobs, done }
    }

    /// Queues a job (it supersedes the ones not started yet).
    pub fn submit(&self, job: J) {
        if self.jobs.send(job).is_err() {
            tracing::error!("a worker thread has stopped");
        }
    }

    /// The newest finished result, if any.
    pub fn poll(&self) -> Option<R> {
        let mut latest = None;
        loop {
            match self.done.try_recv() {
                Ok(r) => latest = Some(r),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return latest,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn results_come_back_and_the_newest_job_is_computed() {
        let w = LatestWorker::start("test", 1, |j: u32| j * 2);
        for j in 0..5 {
            w.submit(j);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = None;
        while Instant::now() < deadline && last != Some(8) {
            if let Some(r) = w.poll() {
                last = Some(r);
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(last, Some(8));
    }
}
