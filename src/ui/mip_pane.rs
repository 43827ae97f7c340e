//! The PET MIP pane's egui side: projections computed on a worker (latest request wins),
//! turned into an egui texture when the projection or its look changes, and cine turning.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::latest_worker::LatestWorker;
use super::mip_state::{MipJob, MipKey};
use super::reading::ReadingModel;
use super::state::PaneId;
use crate::analysis::mip::{project, MipProjection};
use crate::annotate::{mip_image, MipStyle};

/// Cine turns one angle step this often (at most: it waits for each projection).
const CINE_STEP: Duration = Duration::from_millis(100);
/// Threads the projection worker uses: one, leaving the other core to the window.
const WORKER_THREADS: usize = 1;

/// What the texture shows.
#[derive(Debug, Clone, PartialEq)]
struct ImageKey {
    projection: MipKey,
    style: MipStyle,
}

/// The MIP pane's worker and texture.
pub struct MipPane {
    worker: LatestWorker<MipJob, (MipKey, MipProjection)>,
    texture: Option<egui::TextureHandle>,
    shown: Option<ImageKey>,
    last_step: Instant,
}

impl Default for MipPane {
    fn default() -> Self {
        Self {
            worker: LatestWorker::start("mip", WORKER_THREADS, |job: MipJob| {
                let labels = job.hotspots.as_deref().map(|h| h.labels.as_slice());
                let p = project(&job.pet, labels, job.key.azimuth as f32);
                (job.key, p)
            }),
            texture: None,
            shown: None,
            last_step: Instant::now(),
        }
    }
}

impl MipPane {
    /// Hands a stale projection to the worker, takes finished ones, turns cine.
    pub fn sync(&mut self, model: &mut ReadingModel) {
        if let Some((key, p)) = self.worker.poll() {
            let study = model.study_generation;
            model.mip.accept(key, p, study);
        }
        self.tick_cine(model);
        if let Some(job) = model.mip_job() {
            self.worker.submit(job);
        }
    }

    /// Whether a projection is still being computed for what the pane should show.
    pub fn pending(&self, model: &ReadingModel) -> bool {
        model.mip_visible()
            && model
                .mip_key()
                .is_some_and(|k| model.mip.projection.as_ref().is_none_or(|p| p.0 != k))
    }

    /// Whether cine is turning the MIP (frames are needed without input).
    pub fn turning(model: &ReadingModel) -> bool {
        model.view.mip_view.cine && model.mip_visible()
    }

    fn tick_cine(&mut self, model: &mut ReadingModel) {
        if !Self::turning(model) || self.last_step.elapsed() < CINE_STEP || self.pending(model) {
            return;
        }
        self.last_step = Instant::now();
        model.view.step_mip(1);
    }

    /// The texture showing the current projection, recoloured when its look changed.
    pub fn texture(
        &mut self,
        ctx: &egui::Context,
        model: &ReadingModel,
    ) -> Option<(egui::TextureId, Arc<MipProjection>)> {
        let (key, projection) = model.mip.projection.clone()?;
        let style = style(model);
        let wanted = ImageKey {
            projection: key,
            style: style.clone(),
        };
        if self.shown.as_ref() != Some(&wanted) || self.texture.is_none() {
            let img = mip_image(&projection, &style);
            let size = [img.width() as usize, img.height() as usize];
            let image = egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw());
            match &mut self.texture {
                Some(t) => t.set(image, egui::TextureOptions::LINEAR),
                None => {
                    self.texture =
                        Some(ctx.load_texture("pet mip", image, egui::TextureOptions::LINEAR));
                }
            }
            self.shown = Some(wanted);
        }
        Some((self.texture.as_ref()?.id(), projection))
    }
}

/// The MIP's look from the model: its window in stored PET values, colour map, outlines.
pub fn style(model: &ReadingModel) -> MipStyle {
    let d = model.view.pet_display(PaneId::Mip);
    let f = model.pet_display_factor().max(1e-30) as f32;
    let h = &model.hotspots;
    let shown = h.result.as_ref().map_or_else(Vec::new, |r| {
        let top = r.lesions.iter().map(|l| l.id).max().unwrap_or(0) as usize;
        (0..=top)
            .map(|id| r.display_id(id as u32, h.physiologic_style))
            .collect()
    });
    MipStyle {
        window: [d.window[0] / f, d.window[1] / f],
        colormap: d.colormap,
        outlines: model.view.mip_view.outlines && model.view.settings.highlight_lesions,
        selected: model.selected_lesion_id(),
        shown,
    }
}
