//! The volumes of one study on the GPU: CT in HU and PET in display units (SUV when known).

use glam::{Mat4, Vec3};

use std::sync::Arc;

use super::gpu_volume::GpuVolume;
use super::prepared::{PreparedVolume, TextureLimits};
use crate::volume::{HalfVolume, Volume};

/// CT and PET on the GPU, each on its own grid, fused in patient space.
pub struct FusedScene {
    pub ct: Option<GpuVolume>,
    pub pet: Option<GpuVolume>,
    /// Multiplier from PET values to display units (the SUV factor, or 1).
    pub pet_display_factor: f32,
    placeholder: GpuVolume,
    /// Lesion ids on the PET's own grid (0 none); which one is selected is a uniform
    /// ([`super::settings::RenderSettings::selected_lesion`]), so selecting re-uploads nothing.
    labels: LabelTexture,
    /// Incremented by every [`Self::set_labels`], for callers' caches.
    labels_generation: u64,
    /// A reference lesion mask on the PET's own grid (non-zero: lesion), outlined in slices
    /// apart from the hot spots (e.g. AutoPET's ground truth, or a SEG read back).
    reference: LabelTexture,
    /// Incremented by every [`Self::set_reference`].
    reference_generation: u64,
    /// The PET grid as loaded (before any downsampling), which labels use.
    pet_geometry: Option<crate::volume::Geometry>,
    /// Messages about downsampling.
    pub warnings: Vec<String>,
    /// What the uploaded occupancy grids were computed for (transfer function, PET
    /// threshold in texel units, whether PET is shown), so frames that change only the
    /// camera skip the per-brick pass.
    pub(crate) occupancy_key: Option<(super::transfer::CtPreset, u32, bool)>,
}

/// The CPU half of a [`FusedScene`]: volumes converted to texels with their brick grids,
/// ready to upload. Pure CPU and `Send`, so a worker thread can build it while the UI
/// thread keeps drawing; [`FusedScene::upload`] then only creates textures.
#[derive(Debug, Clone)]
pub struct PreparedScene {
    /// The CT as texels (HU), if any.
    pub ct: Option<PreparedVolume>,
    /// The PET as texels (scaled by [`pet_value_scale`]), if any.
    pub pet: Option<PreparedVolume>,
    /// Multiplier from PET values to display units (the SUV factor, or 1).
    pub pet_display_factor: f32,
    /// The PET grid as loaded (before any downsampling), which lesion labels use.
    pub pet_geometry: Option<crate::volume::Geometry>,
    /// Messages about downsampling.
    pub warnings: Vec<String>,
    /// The limits the volumes were prepared for; the upload splits into slabs by them.
    pub limits: TextureLimits,
}

impl PreparedScene {
    /// The scene for a lower texture limit than it was prepared for (a scene prepared
    /// before the device was known): volumes that no longer fit are downsampled, with a
    /// warning, from the texels they hold.
    pub fn refit(self, max_dim_3d: usize) -> Self {
        let limits = TextureLimits {
            max_dim_3d,
            ..self.limits
        };
        let mut warnings = self.warnings;
        let mut refit = |v: Option<PreparedVolume>| {
            v.map(|v| {
                let (v, warning) = v.refit(limits);
                warnings.extend(warning);
                v
            })
        };
        let (ct, pet) = (refit(self.ct), refit(self.pet));
        Self {
            ct,
            pet,
            warnings,
            limits,
            ..self
        }
    }
}

// A worker thread builds the scene and sends it to the UI thread.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    assert_send::<PreparedScene>();
};

impl PreparedScene {
    /// Converts the volumes for upload (brick grids; f16 texels for the PET, while the
    /// CT's are shared, not copied). Volumes deeper than `max_texture_dim_3d` (the
    /// device's `max_texture_dimension_3d`) are split into slabs when uploaded; only
    /// volumes wider or taller than it, or beyond the memory budget, are downsampled.
    /// `pet_display_factor` converts PET values to the units of the PET window.
    pub fn new(
        ct: Option<&Arc<HalfVolume>>,
        pet: Option<&Volume>,
        pet_display_factor: f32,
        max_texture_dim_3d: usize,
    ) -> Self {
        Self::with_limits(
            ct,
            pet,
            pet_display_factor,
            TextureLimits::with_max_dim(max_texture_dim_3d),
        )
    }

    /// [`Self::new`] with explicit limits (a test lowers them to run the slab path on
    /// small volumes).
    pub fn with_limits(
        ct: Option<&Arc<HalfVolume>>,
        pet: Option<&Volume>,
        pet_display_factor: f32,
        limits: TextureLimits,
    ) -> Self {
        let pet_geometry = pet.map(|p| p.geometry.clone());
        let (ct_prepared, pet_prepared) = rayon::join(
            || ct.map(|v| PreparedVolume::from_half(Arc::clone(v), limits, true, 1.0)),
            || pet.map(|v| PreparedVolume::from_f32(v, limits, true, pet_value_scale(v))),
        );
        let mut warnings = Vec::new();
        let mut keep = |p: Option<(PreparedVolume, Option<String>)>| {
            p.map(|(prepared, warning)| {
                warnings.extend(warning);
                prepared
            })
        };
        let ct = keep(ct_prepared);
        let pet = keep(pet_prepared);
        Self {
            ct,
            pet,
            pet_display_factor,
            pet_geometry,
            warnings,
            limits,
        }
    }
}

/// Integer labels as a 3D texture on a volume's grid: lesion ids (`u16`, 0 none), or a
/// reference mask (`u8`, 0 none).
pub struct LabelTexture {
    pub view: wgpu::TextureView,
    pub patient_to_tex: Mat4,
    /// Whether real labels are loaded (not the empty placeholder).
    pub present: bool,
}

impl LabelTexture {
    /// A texture of `bytes` (one `format` texel per voxel, x fastest) on a `dims` grid.
    fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        dims: [usize; 3],
        (bytes, format): (&[u8], wgpu::TextureFormat),
        patient_to_tex: Mat4,
        present: bool,
    ) -> Self {
        let texture = super::gpu_volume::texture_3d(device, queue, "labels", dims, format, bytes);
        Self {
            view: texture.create_view(&Default::default()),
            patient_to_tex,
            present,
        }
    }

    /// A 1-texel texture of label 0, so the bind group layout never changes.
    fn empty(device: &wgpu::Device, queue: &wgpu::Queue) -> Self {
        let texel = ([0u8].as_slice(), wgpu::TextureFormat::R8Uint);
        Self::new(device, queue, [1, 1, 1], texel, Mat4::IDENTITY, false)
    }
}

/// Texel scale for PET so that stored half floats stay well inside their range.
pub fn pet_value_scale(pet: &Volume) -> f32 {
    let s = pet.stats();
    (s.max.abs().max(s.min.abs()) as f32 / 1024.0).max(1e-6)
}

impl FusedScene {
    /// Prepares and uploads the volumes on this thread: [`PreparedScene::new`] followed by
    /// [`Self::upload`]. `pet_display_factor` converts PET values to the units of the PET
    /// window (the SUVbw factor when SUV is known).
    pub fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        ct: Option<&Arc<HalfVolume>>,
        pet: Option<&Volume>,
        pet_display_factor: f32,
    ) -> Self {
        Self::with_limits(
            device,
            queue,
            (ct, pet),
            pet_display_factor,
            TextureLimits::of(device),
        )
    }

    /// [`Self::new`] with explicit limits, at most the device's.
    pub fn with_limits(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        (ct, pet): (Option<&Arc<HalfVolume>>, Option<&Volume>),
        pet_display_factor: f32,
        limits: TextureLimits,
    ) -> Self {
        let device_max = device.limits().max_texture_dimension_3d as usize;
        let limits = TextureLimits {
            max_dim_3d: limits.max_dim_3d.min(device_max),
            ..limits
        };
        let t = std::time::Instant::now();
        let prepared = PreparedScene::with_limits(ct, pet, pet_display_factor, limits);
        tracing::debug!("volumes prepared in {:.2} s", t.elapsed().as_secs_f64());
        let scene = Self::upload(device, queue, prepared);
        tracing::debug!("volumes uploaded after {:.2} s", t.elapsed().as_secs_f64());
        scene
    }

    /// Creates the textures of a prepared scene (GPU work only; the CPU conversion was done
    /// by [`PreparedScene::new`], possibly on another thread).
    pub fn upload(device: &wgpu::Device, queue: &wgpu::Queue, prepared: PreparedScene) -> Self {
        let device_max = device.limits().max_texture_dimension_3d as usize;
        let prepared = if prepared.limits.max_dim_3d > device_max {
            prepared.refit(device_max)
        } else {
            prepared
        };
        let PreparedScene {
            ct,
            pet,
            pet_display_factor,
            pet_geometry,
            warnings,
            limits,
        } = prepared;
        let max_dim = limits.max_dim_3d;
        Self {
            ct: ct.map(|p| GpuVolume::upload(device, queue, p, max_dim)),
            pet: pet.map(|p| GpuVolume::upload(device, queue, p, max_dim)),
            pet_display_factor,
            placeholder: GpuVolume::placeholder(device, queue),
            labels: LabelTexture::empty(device, queue),
            labels_generation: 0,
            reference: LabelTexture::empty(device, queue),
            reference_generation: 0,
            pet_geometry,
            warnings,
            occupancy_key: None,
        }
    }

    /// Drops the scene's hold on the uploaded texels, which only the CPU reference
    /// renderer reads after the upload: the PET's f16 copy is freed (the CT's texels are
    /// the study's own and stay with it). The viewer calls it after every upload; it
    /// recovers a lost device by preparing again from the volumes.
    pub fn release_cpu_texels(&mut self) {
        for v in [&mut self.ct, &mut self.pet].into_iter().flatten() {
            v.prepared.release_texels();
        }
    }

    /// Uploads lesion ids (one per PET voxel on the PET grid as loaded, 0 none, as in
    /// `analysis::HotspotResult::labels`), once per segmentation; `None` or a size mismatch
    /// clears them. The selected lesion is [`super::settings::RenderSettings::selected_lesion`].
    pub fn set_labels(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        labels: Option<&[u16]>,
    ) {
        let fits = |l: &&[u16]| self.label_grid_fits(device, l.len());
        self.labels = match (labels.filter(fits), &self.pet_geometry) {
            (Some(l), Some(g)) => LabelTexture::new(
                device,
                queue,
                g.dims,
                (bytemuck::cast_slice(l), wgpu::TextureFormat::R16Uint),
                super::prepared::patient_to_tex(g),
                true,
            ),
            _ => LabelTexture::empty(device, queue),
        };
        self.labels_generation += 1;
    }

    /// Uploads a reference lesion mask (one byte per PET voxel on the PET grid as loaded,
    /// non-zero: lesion); `None` or a size mismatch clears it. Whether it is drawn is
    /// [`super::settings::RenderSettings::reference_outline`].
    pub fn set_reference(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        mask: Option<&[u8]>,
    ) {
        let fits = |m: &&[u8]| self.label_grid_fits(device, m.len());
        self.reference = match (mask.filter(fits), &self.pet_geometry) {
            (Some(m), Some(g)) => LabelTexture::new(
                device,
                queue,
                g.dims,
                (m, wgpu::TextureFormat::R8Uint),
                super::prepared::patient_to_tex(g),
                true,
            ),
            _ => LabelTexture::empty(device, queue),
        };
        self.reference_generation += 1;
    }

    /// Whether `len` labels fill the PET grid as loaded and that grid fits one texture of
    /// the device (labels are not split into slabs; a PET deeper than the device's limit,
    /// far beyond total-body scanners' 1,000 slices, shows no outlines instead of failing).
    fn label_grid_fits(&self, device: &wgpu::Device, len: usize) -> bool {
        let max = device.limits().max_texture_dimension_3d as usize;
        self.pet_geometry
            .as_ref()
            .is_some_and(|g| g.voxel_count() == len && g.dims.iter().all(|&n| n <= max))
    }

    /// How many times [`Self::set_reference`] was called (a cache key, like
    /// [`Self::labels_generation`]).
    pub fn reference_generation(&self) -> u64 {
        self.reference_generation
    }

    /// The reference mask texture (an empty placeholder when none is set).
    pub fn reference(&self) -> &LabelTexture {
        &self.reference
    }

    /// How many times [`Self::set_labels`] was called: a cache key for anything derived
    /// from the labels (it changes even when the same labels are set again).
    pub fn labels_generation(&self) -> u64 {
        self.labels_generation
    }

    /// The label texture (an empty placeholder when none is set).
    pub fn labels(&self) -> &LabelTexture {
        &self.labels
    }

    /// Whether the CT or the PET is split into slabs along z (deeper than one texture).
    pub fn slabbed(&self) -> bool {
        [&self.ct, &self.pet]
            .into_iter()
            .flatten()
            .any(|v| v.slabs.count > 1)
    }

    /// The CT volume or the placeholder.
    pub(crate) fn ct_or_placeholder(&self) -> &GpuVolume {
        self.ct.as_ref().unwrap_or(&self.placeholder)
    }

    /// The PET volume or the placeholder.
    pub(crate) fn pet_or_placeholder(&self) -> &GpuVolume {
        self.pet.as_ref().unwrap_or(&self.placeholder)
    }

    /// Bounds to frame views on: the anatomy the CT covers, unless the CT is a partial crop
    /// of a longer PET (less than half its length) or absent; then both volumes together.
    pub fn display_bounds(&self) -> (Vec3, Vec3) {
        let bounds = |v: &GpuVolume| {
            let (a, b) = v.prepared.geometry.patient_bounds();
            (a.as_vec3(), b.as_vec3())
        };
        match (&self.ct, &self.pet) {
            (Some(ct), Some(pet)) => {
                let (c, p) = (bounds(ct), bounds(pet));
                if (c.1.z - c.0.z) < 0.5 * (p.1.z - p.0.z) {
                    self.patient_bounds()
                } else {
                    c
                }
            }
            (Some(v), None) | (None, Some(v)) => bounds(v),
            (None, None) => (Vec3::splat(-100.0), Vec3::splat(100.0)),
        }
    }

    /// Bounds to frame a 3D mode on: the PET for a PET MIP, the CT for CT-only modes,
    /// otherwise [`Self::display_bounds`].
    pub fn framing_bounds(&self, mode: super::settings::RenderMode) -> (Vec3, Vec3) {
        use super::settings::RenderMode;
        let only = |v: &Option<GpuVolume>| {
            v.as_ref().map(|v| {
                let (a, b) = v.prepared.geometry.patient_bounds();
                (a.as_vec3(), b.as_vec3())
            })
        };
        match mode {
            RenderMode::PetMip => only(&self.pet),
            RenderMode::CtMip | RenderMode::CtDvr => only(&self.ct),
            RenderMode::FusedDvr => None,
        }
        .unwrap_or_else(|| self.display_bounds())
    }

    /// Patient-space bounds of both volumes together.
    pub fn patient_bounds(&self) -> (Vec3, Vec3) {
        let mut lo = Vec3::splat(f32::INFINITY);
        let mut hi = Vec3::splat(f32::NEG_INFINITY);
        for v in [&self.ct, &self.pet].into_iter().flatten() {
            let (a, b) = v.prepared.geometry.patient_bounds();
            lo = lo.min(a.as_vec3());
            hi = hi.max(b.as_vec3());
        }
        if lo.x > hi.x {
            return (Vec3::splat(-100.0), Vec3::splat(100.0));
        }
        (lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Geometry, Unit};
    use glam::DVec3;

    fn cube(n: usize, unit: Unit) -> Volume {
        let g = Geometry::axial([n, n, n], [2.0; 3], DVec3::splat(-10.0));
        let data = (0..n * n * n).map(|i| (i % 13) as f32).collect();
        Volume::new(g, data, unit).unwrap()
    }

    #[test]
    fn prepared_scene_is_send_and_can_cross_threads() {
        fn assert_send<T: Send + 'static>(_: &T) {}
        let ct = Arc::new(cube(6, Unit::Hounsfield).convert());
        let pet = cube(5, Unit::BecquerelPerMl);
        let prepared = PreparedScene::new(Some(&ct), Some(&pet), 2.0, 2048);
        assert_send(&prepared);
        let back = std::thread::spawn(move || prepared).join().unwrap();
        assert_eq!(back.pet_display_factor, 2.0);
        assert_eq!(back.pet_geometry.as_ref().map(|g| g.dims), Some([5, 5, 5]));
        assert!(back.warnings.is_empty());
    }

    #[test]
    fn a_scene_prepared_for_a_larger_limit_is_refitted_to_the_device() {
        let pet = cube(9, Unit::BecquerelPerMl);
        let prepared = PreparedScene::new(None, Some(&pet), 1.0, 2048);
        assert_eq!(prepared.pet.as_ref().map(|p| p.dims()), Some([9, 9, 9]));
        // Depth alone would be split into slabs; width and height must be downsampled.
        let refit = prepared.refit(4);
        assert_eq!(refit.pet.as_ref().map(|p| p.dims()), Some([3, 3, 3]));
        assert_eq!(refit.limits.max_dim_3d, 4);
        assert_eq!(refit.warnings.len(), 1);
        assert_eq!(refit.pet_geometry.map(|g| g.dims), Some([9, 9, 9]));
    }

    #[test]
    fn prepared_scene_downsamples_to_the_limit_and_keeps_the_loaded_pet_grid() {
        let pet = cube(9, Unit::BecquerelPerMl);
        let prepared = PreparedScene::new(None, Some(&pet), 1.0, 4);
        assert!(prepared.ct.is_none());
        assert_eq!(prepared.pet.as_ref().map(|p| p.dims()), Some([3, 3, 3]));
        // Labels come from analysis on the loaded grid, not the downsampled texels.
        assert_eq!(prepared.pet_geometry.map(|g| g.dims), Some([9, 9, 9]));
        assert_eq!(prepared.warnings.len(), 1);
    }
}
