//! The PET MIP pane's images: projections and their images (at the pane's pixel size) are
//! computed on a worker (latest request wins), so the window thread only uploads finished
//! images; a change of look alone (window, selection, outlines, size) recolours the
//! current projection there too. Like the slice panes, the finished image is copied into
//! the window rather than drawn by egui (a pane-sized textured quad costs a software
//! rasterizer about 8 ms every frame); where the window takes no copies, egui draws it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::latest_worker::LatestWorker;
use super::mip_state::{MipJob, MipKey};
use super::reading::ReadingModel;
use super::state::PaneId;
use crate::analysis::mip::{project_with_reference, MipProjection};
use crate::annotate::{mip_image, MipStyle};
use crate::render::context::GpuContext;

/// Cine turns one angle step this often (at most: it waits for each projection).
const CINE_STEP: Duration = Duration::from_millis(100);
/// Threads the projection worker uses: one, leaving the other core to the window.
const WORKER_THREADS: usize = 1;

/// What an image shows: a projection in a style, at a size in pixels.
#[derive(Debug, Clone, PartialEq)]
struct ImageKey {
    projection: MipKey,
    style: MipStyle,
    size: (u32, u32),
}

/// Work for the MIP worker.
enum MipWork {
    /// Project anew, then colour.
    Project(MipJob, MipStyle, (u32, u32)),
    /// Colour a projection in another style or size.
    Colour(MipKey, Arc<MipProjection>, MipStyle, (u32, u32)),
}

/// A finished image with the projection it shows.
struct MipDone {
    key: ImageKey,
    projection: Arc<MipProjection>,
    image: image::RgbaImage,
}

fn work(w: MipWork) -> MipDone {
    let (key, projection, style, size) = match w {
        MipWork::Project(job, style, size) => {
            let labels = job.hotspots.as_deref().map(|h| h.labels.as_slice());
            let reference = job.reference.as_deref().map(|r| r.voxels.as_slice());
            let p = project_with_reference(&job.pet, labels, reference, job.key.azimuth as f32);
            (job.key, Arc::new(p), style, size)
        }
        MipWork::Colour(key, p, style, size) => (key, p, style, size),
    };
    let image = mip_image(&projection, &style, size);
    MipDone {
        key: ImageKey {
            projection: key,
            style,
            size,
        },
        projection,
        image,
    }
}

/// Where the image goes: a texture copied into the window, or egui's.
enum Shown {
    None,
    Copied(wgpu::Texture),
    Egui(egui::TextureHandle),
}

/// Which study's MIP a pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MipSource {
    /// The open study's (with lesion outlines, the reference and cine).
    #[default]
    Baseline,
    /// The follow-up's, at the baseline MIP's angle.
    Followup,
}

/// The MIP pane's worker and texture.
pub struct MipPane {
    source: MipSource,
    worker: LatestWorker<MipWork, MipDone>,
    texture: Shown,
    /// What the texture shows, and the projection it was made from.
    shown: Option<(ImageKey, Arc<MipProjection>)>,
    /// A finished image not uploaded yet (uploads need the egui context).
    ready: Option<MipDone>,
    /// The image last asked of the worker.
    requested: Option<ImageKey>,
    last_step: Instant,
}

impl Default for MipPane {
    fn default() -> Self {
        Self::new(MipSource::Baseline)
    }
}

impl MipPane {
    /// The pane of `source`'s MIP.
    pub fn new(source: MipSource) -> Self {
        Self {
            source,
            worker: LatestWorker::start("mip", WORKER_THREADS, work),
            texture: Shown::None,
            shown: None,
            ready: None,
            requested: None,
            last_step: Instant::now(),
        }
    }

    /// The projection wanted now.
    fn key(&self, model: &ReadingModel) -> Option<MipKey> {
        match self.source {
            MipSource::Baseline => model.mip_key(),
            MipSource::Followup => model.followup_mip_key(),
        }
    }

    /// Whether the source's MIP pane is visible.
    fn visible(&self, model: &ReadingModel) -> bool {
        match self.source {
            MipSource::Baseline => model.mip_visible(),
            MipSource::Followup => model.followup_mip_visible(),
        }
    }

    /// A projection job when the source's is stale.
    fn job(&self, model: &mut ReadingModel) -> Option<MipJob> {
        match self.source {
            MipSource::Baseline => model.mip_job(),
            MipSource::Followup => model.followup_mip_job(),
        }
    }

    /// The source's newest projection.
    fn current(&self, model: &ReadingModel) -> Option<(MipKey, Arc<MipProjection>)> {
        match self.source {
            MipSource::Baseline => model.mip.projection.clone(),
            MipSource::Followup => model.followup.as_ref()?.mip.projection.clone(),
        }
    }

    /// Hands a finished projection to the source's state (dropped when it is stale).
    fn accept(&self, model: &mut ReadingModel, key: MipKey, projection: Arc<MipProjection>) {
        match self.source {
            MipSource::Baseline => {
                let study = model.study_generation;
                model.mip.accept(key, projection, study);
            }
            MipSource::Followup => {
                if let Some(f) = &mut model.followup {
                    f.mip.accept(key, projection, f.generation);
                }
            }
        }
    }

    /// The source's image style.
    fn style(&self, model: &ReadingModel) -> MipStyle {
        match self.source {
            MipSource::Baseline => style(model),
            MipSource::Followup => followup_style(model),
        }
    }

    /// Takes finished images, turns cine, and asks the worker for what is stale; `size`:
    /// the pane's size in pixels, once laid out.
    pub fn sync(&mut self, model: &mut ReadingModel, size: Option<(u32, u32)>) {
        if let Some(done) = self.worker.poll() {
            self.accept(model, done.key.projection, done.projection.clone());
            self.ready = Some(done);
        }
        if self.source == MipSource::Baseline {
            self.tick_cine(model);
        }
        let Some(size) = size else {
            return;
        };
        let style = self.style(model);
        if let Some(job) = self.job(model) {
            self.requested = Some(ImageKey {
                projection: job.key,
                style: style.clone(),
                size,
            });
            self.worker.submit(MipWork::Project(job, style, size));
            return;
        }
        // Recolour only the current projection: a newer one may be on its way, and a
        // later job would supersede it on the worker.
        let Some((key, projection)) = self
            .current(model)
            .filter(|(k, _)| Some(*k) == self.key(model))
        else {
            return;
        };
        let wanted = ImageKey {
            projection: key,
            style,
            size,
        };
        let have = self.shown.as_ref().map(|s| &s.0);
        if have != Some(&wanted) && self.requested.as_ref() != Some(&wanted) {
            self.requested = Some(wanted.clone());
            self.worker
                .submit(MipWork::Colour(key, projection, wanted.style, size));
        }
    }

    /// Whether the image on screen is not yet the one the model asks for (`size`: the
    /// pane's, as for [`Self::sync`]).
    pub fn pending(&self, model: &ReadingModel, size: Option<(u32, u32)>) -> bool {
        let (Some(key), Some(size)) = (self.key(model), size) else {
            return false;
        };
        if !self.visible(model) {
            return false;
        }
        let wanted = ImageKey {
            projection: key,
            style: self.style(model),
            size,
        };
        self.shown.as_ref().map(|s| &s.0) != Some(&wanted) || self.ready.is_some()
    }

    /// Whether cine is turning the MIP (frames are needed without input).
    pub fn turning(model: &ReadingModel) -> bool {
        model.view.mip_view.cine && model.mip_visible()
    }

    fn tick_cine(&mut self, model: &mut ReadingModel) {
        // Wait for each angle's projection, so that every step is seen.
        let projected = model
            .mip
            .projection
            .as_ref()
            .is_some_and(|(k, _)| Some(*k) == model.mip_key());
        if !Self::turning(model) || self.last_step.elapsed() < CINE_STEP || !projected {
            return;
        }
        self.last_step = Instant::now();
        model.view.step_mip(1);
    }

    /// Uploads a finished image: into a texture of the window's `format` that the window
    /// copies in (`copy`), or else into an egui texture.
    pub fn upload(
        &mut self,
        ctx: &GpuContext,
        egui: &egui::Context,
        format: wgpu::TextureFormat,
        copy: bool,
    ) {
        let Some(done) = self.ready.take() else {
            return;
        };
        let (w, h) = done.image.dimensions();
        if copy {
            let fits = matches!(&self.texture, Shown::Copied(t)
                if t.width() == w && t.height() == h && t.format() == format);
            if !fits {
                self.texture = Shown::Copied(image_texture(ctx, format, (w, h)));
            }
            if let Shown::Copied(t) = &self.texture {
                write_image(ctx, t, format, &done.image);
            }
        } else {
            let size = [w as usize, h as usize];
            let image = egui::ColorImage::from_rgba_unmultiplied(size, done.image.as_raw());
            match &mut self.texture {
                Shown::Egui(t) => t.set(image, egui::TextureOptions::LINEAR),
                _ => {
                    self.texture = Shown::Egui(egui.load_texture(
                        "pet mip",
                        image,
                        egui::TextureOptions::LINEAR,
                    ));
                }
            }
        }
        self.shown = Some((done.key, done.projection));
    }

    /// The projection the image on screen shows (for clicks and readouts).
    pub fn projection(&self) -> Option<Arc<MipProjection>> {
        self.shown.as_ref().map(|s| s.1.clone())
    }

    /// The texture the window copies into the MIP pane.
    pub fn copied_texture(&self) -> Option<&wgpu::Texture> {
        match &self.texture {
            Shown::Copied(t) => Some(t),
            _ => None,
        }
    }

    /// The egui texture showing the image, where the window takes no copies.
    pub fn egui_texture(&self) -> Option<egui::TextureId> {
        match &self.texture {
            Shown::Egui(t) => Some(t.id()),
            _ => None,
        }
    }

    /// Forgets the image (new graphics: textures of a lost device are gone).
    pub fn invalidate(&mut self) {
        self.texture = Shown::None;
        self.shown = None;
        self.requested = None;
    }
}

/// A texture for a MIP image that the window can copy from.
fn image_texture(ctx: &GpuContext, format: wgpu::TextureFormat, size: (u32, u32)) -> wgpu::Texture {
    ctx.device.create_texture(&wgpu::TextureDescriptor {
        label: Some("pet mip"),
        size: wgpu::Extent3d {
            width: size.0,
            height: size.1,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage: wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// Writes an RGBA image into the texture; the bytes are the colours as shown (sRGB), so
/// they go in unchanged whether the format is sRGB or not, swizzled for BGRA formats.
fn write_image(
    ctx: &GpuContext,
    texture: &wgpu::Texture,
    format: wgpu::TextureFormat,
    image: &image::RgbaImage,
) {
    let (w, h) = image.dimensions();
    let bgra = matches!(
        format,
        wgpu::TextureFormat::Bgra8Unorm | wgpu::TextureFormat::Bgra8UnormSrgb
    );
    let bytes: std::borrow::Cow<[u8]> = if bgra {
        image
            .as_raw()
            .chunks_exact(4)
            .flat_map(|p| [p[2], p[1], p[0], p[3]])
            .collect::<Vec<u8>>()
            .into()
    } else {
        image.as_raw().as_slice().into()
    };
    ctx.queue.write_texture(
        texture.as_image_copy(),
        &bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(4 * w),
            rows_per_image: Some(h),
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
}

/// The follow-up MIP's look: the baseline MIP's window in the follow-up's stored values,
/// no outlines (the follow-up has no hot spots of its own yet).
fn followup_style(model: &ReadingModel) -> MipStyle {
    let d = model.view.pet_display(PaneId::FollowupMip);
    let f = model
        .followup
        .as_ref()
        .map_or(1.0, |f| f.study.pet_display_factor)
        .max(1e-30) as f32;
    MipStyle {
        window: [d.window[0] / f, d.window[1] / f],
        colormap: d.colormap,
        outlines: false,
        selected: 0,
        shown: Vec::new(),
        reference: false,
    }
}

/// The MIP's look from the model: its window in stored PET values, colour map, outlines.
pub fn style(model: &ReadingModel) -> MipStyle {
    let d = model.view.pet_display(PaneId::Mip);
    let f = model.pet_display_factor().max(1e-30) as f32;
    let h = &model.hotspots;
    let shown = h
        .result
        .as_ref()
        .map_or_else(Vec::new, |r| r.display_map(h.physiologic_style));
    MipStyle {
        window: [d.window[0] / f, d.window[1] / f],
        colormap: d.colormap,
        outlines: model.view.mip_view.outlines && model.view.settings.highlight_lesions,
        selected: model.selected_lesion_id(),
        shown,
        reference: model.shown_reference().is_some(),
    }
}
