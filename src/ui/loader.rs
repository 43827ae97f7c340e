//! Opening studies on a background thread: reading, decoding, SUV, the default cursor and
//! the scene's CPU preparation all happen there; the UI only uploads the result. A load
//! can be cancelled (the loader checks between files and slices), and a cancelled or
//! failed load leaves the open study untouched.

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::time::Instant;

use glam::Vec3;

use crate::dicom::LoadOptions;
use crate::render::scene::PreparedScene;
use crate::study::{load_view_study, ViewStudy};

/// A study ready to be shown: everything but the GPU upload.
pub struct Loaded {
    pub study: ViewStudy,
    pub scene: PreparedScene,
    /// Where the cursor starts (the hottest PET voxel inside the CT).
    pub cursor: Vec3,
    pub label: String,
    pub seconds: f32,
}

/// A load in progress, as the status bar shows it.
#[derive(Debug, Clone, Copy)]
pub struct LoadStatus<'a> {
    pub label: &'a str,
    pub seconds: f32,
    /// Instances fetched and expected while a study comes from a PACS, then slices decoded
    /// and expected.
    pub fetched: Option<(usize, usize)>,
    /// Whether `fetched` counts decoded slices.
    pub decoding: bool,
}

/// What a poll finds.
pub enum LoadOutcome {
    Loaded(Box<Loaded>),
    Failed { label: String, error: String },
}

/// One load in progress.
struct Job {
    rx: Receiver<anyhow::Result<(ViewStudy, PreparedScene, Vec3)>>,
    label: String,
    started: Instant,
    options: LoadOptions,
}

/// The background loader; at most one load runs at a time (a new one cancels the old).
#[derive(Default)]
pub struct Loader {
    job: Option<Job>,
}

impl Loader {
    /// Starts loading `paths` (empty: the built-in phantom). `max_texture_dim` is the
    /// GPU's 3D texture limit, for the scene preparation.
    pub fn start(&mut self, paths: Vec<PathBuf>, options: &LoadOptions, max_texture_dim: usize) {
        self.cancel();
        let label = describe(&paths);
        let options = LoadOptions {
            cancel: Default::default(),
            progress: Default::default(),
            ..options.clone()
        };
        let (tx, rx) = channel();
        let thread_options = options.clone();
        let spawned = std::thread::Builder::new()
            .name("loader".into())
            .spawn(move || {
                let _ = tx.send(load_and_prepare(&paths, &thread_options, max_texture_dim));
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the loader thread: {e}");
            return;
        }
        self.job = Some(Job {
            rx,
            label,
            started: Instant::now(),
            options,
        });
    }

    /// Stops the load in progress; its result, if it still comes, is dropped.
    pub fn cancel(&mut self) -> bool {
        match self.job.take() {
            Some(job) => {
                job.options.cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// What is being loaded, for how long, and (when fetching from a PACS) how many
    /// instances of how many have arrived, for the status bar.
    pub fn progress(&self) -> Option<LoadStatus<'_>> {
        self.job.as_ref().map(|j| LoadStatus {
            label: j.label.as_str(),
            seconds: j.started.elapsed().as_secs_f32(),
            fetched: Some(j.options.progress.counts()).filter(|(_, total)| *total > 0),
            decoding: j.options.progress.decoding(),
        })
    }

    /// Whether a load is running.
    pub fn busy(&self) -> bool {
        self.job.is_some()
    }

    /// Takes a finished load, if any.
    pub fn poll(&mut self) -> Option<LoadOutcome> {
        let job = self.job.as_ref()?;
        let result = match job.rx.try_recv() {
            Ok(r) => r,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => {
                Err(anyhow::anyhow!("the loader stopped unexpectedly"))
            }
        };
        let job = self.job.take()?;
        Some(match result {
            Ok((study, scene, cursor)) => LoadOutcome::Loaded(Box::new(Loaded {
                study,
                scene,
                cursor,
                label: job.label,
                seconds: job.started.elapsed().as_secs_f32(),
            })),
            Err(e) => LoadOutcome::Failed {
                label: job.label,
                error: format!("{e:#}"),
            },
        })
    }
}

/// Everything but the upload, on the loader thread.
fn load_and_prepare(
    paths: &[PathBuf],
    options: &LoadOptions,
    max_texture_dim: usize,
) -> anyhow::Result<(ViewStudy, PreparedScene, Vec3)> {
    let study = load_view_study(paths, options)?;
    let cursor = study.default_cursor();
    let scene = PreparedScene::new(
        study.ct.as_ref(),
        study.pet.as_deref(),
        study.pet_display_factor as f32,
        max_texture_dim,
    );
    if options.cancel.is_cancelled() {
        anyhow::bail!("loading was cancelled");
    }
    Ok((study, scene, cursor))
}

/// The label of a load: its paths, or the phantom.
fn describe(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "built-in torso phantom".into();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::reading::ReadingModel;

    /// wgpu's default 3D texture limit.
    const MAX_DIM: usize = 2048;

    /// Waits for the loader to finish, up to a minute.
    fn wait(loader: &mut Loader) -> Option<LoadOutcome> {
        let end = Instant::now() + std::time::Duration::from_secs(60);
        while Instant::now() < end {
            if let Some(outcome) = loader.poll() {
                return Some(outcome);
            }
            if !loader.busy() {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    #[test]
    fn a_cancelled_load_keeps_the_open_study() {
        let mut model = ReadingModel::for_tests();
        let mut loader = Loader::default();
        loader.start(Vec::new(), &LoadOptions::default(), MAX_DIM);
        let Some(LoadOutcome::Loaded(first)) = wait(&mut loader) else {
            panic!("the phantom loads");
        };
        let first = *first;
        model.open(first.study, (Vec3::splat(-1.0), Vec3::ONE), first.cursor);
        let generation = model.study_generation;

        loader.start(Vec::new(), &LoadOptions::default(), MAX_DIM);
        assert!(loader.busy());
        assert!(loader.cancel());
        assert!(!loader.busy());
        assert!(
            wait(&mut loader).is_none(),
            "a cancelled load delivers nothing"
        );
        assert_eq!(model.study_generation, generation);
        assert!(model.study.is_some());
    }

    #[test]
    fn a_failed_load_names_the_path() {
        let mut loader = Loader::default();
        let missing = PathBuf::from("/nonexistent/petct-study");
        loader.start(vec![missing], &LoadOptions::default(), MAX_DIM);
        match wait(&mut loader) {
            Some(LoadOutcome::Failed { error, .. }) => {
                assert!(error.contains("/nonexistent/petct-study"), "{error}")
            }
            _ => panic!("expected a failure"),
        }
    }
}
