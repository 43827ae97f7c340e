//! The ray-marching pipeline (shader: shaders/raymarch.wgsl): fused DVR, PET MIP, CT MIP
//! and CT DVR into any colour target.

use bytemuck::{Pod, Zeroable};
use glam::Mat4;

use super::camera::OrbitCamera;
use super::context::GpuContext;
use super::gpu_volume::{rgba_buffer, slab_entries};
use super::pipeline_util::{
    buffer_binding, clamped_sampler, sampler_binding, sampler_entry, storage_entry,
    texture_3d_entry, view_binding, SlabVariants,
};
use super::scene::FusedScene;
use super::settings::{RenderMode, RenderSettings};
use super::transfer::{any_opacity, CtPreset};

/// Feature bits, as in the shader.
const HAS_CT: u32 = 1;
const HAS_PET: u32 = 2;
const SKIP_EMPTY: u32 = 4;
const SHADING: u32 = 8;
const CROP: u32 = 16;
const CLIP: u32 = 32;
const LABELS: u32 = 64;

/// An image drawn spread out in its target: pieces of `piece` x `piece` pixels, each at the
/// top-left corner of a `cell` x `cell` cell (row-major, like the image). A software
/// rasterizer (Mesa llvmpipe) gives each thread whole 64-pixel tiles; a small image lies in
/// one or two tiles, so one core would march nearly all its rays. Spread out, the pieces
/// are shared among the threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    /// Edge of a piece of the image, pixels.
    pub piece: u32,
    /// Edge of the cell each piece sits in, pixels (the rasterizer's tile).
    pub cell: u32,
}

impl Spread {
    /// Cells across and down for an image of `size` pixels.
    pub fn cells(&self, size: [u32; 2]) -> [u32; 2] {
        let n = |v: u32| v.div_ceil(self.piece.max(1));
        [n(size[0]), n(size[1])]
    }

    /// The target size that holds an image of `size` pixels spread out.
    pub fn target_size(&self, size: [u32; 2]) -> [u32; 2] {
        let [cx, cy] = self.cells(size);
        [cx * self.cell, cy * self.cell]
    }
}

/// The image a 3D draw makes and how its pixels lie in the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawLayout {
    /// The image's size (width, height) in pixels.
    pub size: [u32; 2],
    /// Drawn spread out (see [`Spread`]); `None`: one to one.
    pub spread: Option<Spread>,
    /// Drawn as a permuted image (see [`super::parts`]); `None`: one to one.
    pub permuted: Option<super::parts::PartLayout>,
}

impl DrawLayout {
    /// An image of `size` pixels drawn one to one into its target.
    pub fn whole(size: [u32; 2]) -> Self {
        Self {
            size,
            spread: None,
            permuted: None,
        }
    }
}

/// Uniforms of the ray marcher. Keep in sync with `Uniforms` in shaders/raymarch.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, PartialEq)]
pub struct RaymarchUniforms {
    pub inv_view_proj: [[f32; 4]; 4],
    pub ct_patient_to_tex: [[f32; 4]; 4],
    pub pet_patient_to_tex: [[f32; 4]; 4],
    pub label_patient_to_tex: [[f32; 4]; 4],
    pub crop_min: [f32; 4],
    pub crop_max: [f32; 4],
    pub clip_plane: [f32; 4],
    pub ct_dims: [f32; 4],
    pub pet_dims: [f32; 4],
    pub ct_bricks: [f32; 4],
    pub pet_bricks: [f32; 4],
    pub window: [f32; 4],
    pub params: [f32; 4],
    pub background: [f32; 4],
    pub viewport: [f32; 4],
    pub flags: [u32; 4],
    /// x: the selected lesion id (0 none); y, z, w: the permuted layout's blocks, inverse
    /// and blocks across (w 0: not permuted; see [`super::parts`]).
    pub selection: [u32; 4],
    /// Slab layouts ([`super::gpu_volume::SlabPlan::uniform`]).
    pub ct_slabs: [f32; 4],
    pub pet_slabs: [f32; 4],
}

const _: () = assert!(std::mem::size_of::<RaymarchUniforms>() == 4 * 64 + 15 * 16);

impl RaymarchUniforms {
    /// Uniforms for a scene, settings, camera and image size.
    pub fn new(
        scene: &FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        width: u32,
        height: u32,
    ) -> Self {
        let ct = scene.ct_or_placeholder();
        let pet = scene.pet_or_placeholder();
        let dims = |p: &super::prepared::PreparedVolume, scale: f32| {
            let d = p.dims();
            [d[0] as f32, d[1] as f32, d[2] as f32, scale]
        };
        let bricks = |p: &super::prepared::PreparedVolume| {
            let d = p.bricks.dims;
            [d[0] as f32, d[1] as f32, d[2] as f32, p.bricks.size as f32]
        };
        let mut bits = 0;
        if scene.ct.is_some() {
            bits |= HAS_CT;
        }
        if scene.pet.is_some() {
            bits |= HAS_PET;
        }
        // Brick skipping pays off for DVR; the MIP modes never skip (see `mip` in
        // shaders/raymarch.wgsl: the checks cost more than they save).
        if settings.empty_space_skipping
            && !matches!(settings.mode, RenderMode::CtMip | RenderMode::PetMip)
        {
            bits |= SKIP_EMPTY;
        }
        if settings.shading {
            bits |= SHADING;
        }
        if settings.highlight_lesions && scene.labels().present {
            bits |= LABELS;
        }
        let (crop_min, crop_max) = match settings.crop {
            Some((lo, hi)) => {
                bits |= CROP;
                (lo.extend(0.0).to_array(), hi.extend(0.0).to_array())
            }
            None => ([0.0; 4], [0.0; 4]),
        };
        let clip_plane = match settings.clip_plane {
            Some(c) => {
                bits |= CLIP;
                c.normal.normalize_or_zero().extend(c.offset).to_array()
            }
            None => [0.0; 4],
        };
        let (bmin, bmax) = scene.patient_bounds();
        let step = settings.step_mm.max(0.05);
        let max_steps = (((bmax - bmin).length() / step) as u32 + 16).min(1 << 16);
        let (ct_lo, ct_hi) = settings.ct_window.bounds();
        let [pet_lo, pet_hi] = settings.pet_window;
        let aspect = width as f32 / height.max(1) as f32;
        Self {
            inv_view_proj: camera.view_proj(aspect).inverse().to_cols_array_2d(),
            ct_patient_to_tex: ct.prepared.patient_to_tex.to_cols_array_2d(),
            pet_patient_to_tex: pet.prepared.patient_to_tex.to_cols_array_2d(),
            label_patient_to_tex: scene.labels().patient_to_tex.to_cols_array_2d(),
            crop_min,
            crop_max,
            clip_plane,
            ct_dims: dims(&ct.prepared, ct.prepared.value_scale),
            pet_dims: dims(
                &pet.prepared,
                pet.prepared.value_scale * scene.pet_display_factor,
            ),
            ct_bricks: bricks(&ct.prepared),
            pet_bricks: bricks(&pet.prepared),
            window: [ct_lo, ct_hi, pet_lo, pet_hi.max(pet_lo + 1e-6)],
            params: [
                step,
                settings.fusion_opacity.clamp(0.0, 1.0),
                settings.pet_opacity_per_mm,
                if settings.jitter { 1.0 } else { 0.0 },
            ],
            background: [
                settings.background[0],
                settings.background[1],
                settings.background[2],
                1.0,
            ],
            viewport: [width as f32, height as f32, 0.0, 0.0],
            flags: [
                settings.mode.shader_code(),
                bits,
                settings.jitter_seed,
                max_steps,
            ],
            selection: [u32::from(settings.selected_lesion), 0, 0, 0],
            ct_slabs: ct.slabs.uniform(),
            pet_slabs: pet.slabs.uniform(),
        }
    }

    /// The inverse view-projection as a matrix.
    pub fn inv_view_proj(&self) -> Mat4 {
        Mat4::from_cols_array_2d(&self.inv_view_proj)
    }
}

/// Long-lived GPU objects of the ray marcher: pipelines, layout, sampler and the lookup
/// tables (transfer function, colormap) shared by every 3D view.
pub struct RaymarchPipeline {
    /// Compositing modes (fused DVR, CT DVR).
    pipeline: SlabVariants,
    /// MIP modes: their own entry point, so their loop compiles lean.
    mip_pipeline: SlabVariants,
    layout: wgpu::BindGroupLayout,
    sampler: wgpu::Sampler,
    transfer: wgpu::Buffer,
    colormap: wgpu::Buffer,
    current_preset: CtPreset,
    current_colormap: super::colormap::Colormap,
}

/// One 3D view's draw data: its uniform buffer, bind group and which entry point it uses.
pub struct RaymarchDrawData {
    uniforms: wgpu::Buffer,
    bind_group: Option<wgpu::BindGroup>,
    mip: bool,
    /// Whether a volume of the scene is split into slabs (the slabbed pipelines draw it).
    slabbed: bool,
}

impl RaymarchDrawData {
    /// Creates the view's uniform buffer (its bind group comes with the first prepare).
    pub fn new(device: &wgpu::Device) -> Self {
        Self {
            uniforms: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("raymarch uniforms"),
                size: std::mem::size_of::<RaymarchUniforms>() as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            bind_group: None,
            mip: false,
            slabbed: false,
        }
    }
}

/// Colormap entries as RGBA floats.
pub fn colormap_entries(c: super::colormap::Colormap) -> Vec<[f32; 4]> {
    c.table()
        .iter()
        .map(|e| {
            [
                e[0] as f32 / 255.0,
                e[1] as f32 / 255.0,
                e[2] as f32 / 255.0,
                1.0,
            ]
        })
        .collect()
}

impl RaymarchPipeline {
    /// Builds the pipeline for a colour target format.
    pub fn new(device: &wgpu::Device, target: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("raymarch.wgsl"),
            source: wgpu::ShaderSource::Wgsl(super::wgsl::raymarch_source().into()),
        });
        let float = wgpu::TextureSampleType::Float { filterable: true };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("raymarch"),
            entries: &[
                storage_entry(0),
                texture_3d_entry(1, float),
                texture_3d_entry(2, float),
                sampler_entry(3),
                texture_3d_entry(4, wgpu::TextureSampleType::Uint),
                texture_3d_entry(5, wgpu::TextureSampleType::Uint),
                storage_entry(8),
                storage_entry(9),
                texture_3d_entry(10, wgpu::TextureSampleType::Uint),
                texture_3d_entry(11, float),
                texture_3d_entry(12, float),
                texture_3d_entry(13, float),
                texture_3d_entry(14, float),
                texture_3d_entry(15, float),
                texture_3d_entry(16, float),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("raymarch"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let make_pipeline = |entry: &'static str| {
            SlabVariants::new(device, (&module, &pipeline_layout), entry, target)
        };
        let pipeline = make_pipeline("fs_main");
        let mip_pipeline = make_pipeline("fs_mip");
        let sampler = clamped_sampler(device, "volume linear", wgpu::FilterMode::Linear);
        let preset = CtPreset::Bone;
        let colormap = super::colormap::Colormap::HotIron;
        Self {
            transfer: rgba_buffer(device, "transfer function", &preset.table()),
            colormap: rgba_buffer(device, "colormap", &colormap_entries(colormap)),
            current_preset: preset,
            current_colormap: colormap,
            pipeline,
            mip_pipeline,
            layout,
            sampler,
        }
    }

    /// Updates a view's uniforms and bindings, the lookup tables and the empty-space
    /// occupancy for its next draw of the image `layout` describes.
    pub fn prepare(
        &mut self,
        ctx: &GpuContext,
        view: &mut RaymarchDrawData,
        scene: &mut FusedScene,
        settings: &RenderSettings,
        camera: &OrbitCamera,
        layout: &DrawLayout,
    ) {
        let (device, queue) = (&ctx.device, &ctx.queue);
        let [width, height] = layout.size;
        if settings.ct_preset != self.current_preset {
            queue.write_buffer(
                &self.transfer,
                0,
                bytemuck::cast_slice(&settings.ct_preset.table()),
            );
            self.current_preset = settings.ct_preset;
        }
        if settings.colormap != self.current_colormap {
            queue.write_buffer(
                &self.colormap,
                0,
                bytemuck::cast_slice(&colormap_entries(settings.colormap)),
            );
            self.current_colormap = settings.colormap;
        }
        update_occupancy(queue, scene, settings);
        view.mip = matches!(settings.mode, RenderMode::PetMip | RenderMode::CtMip);
        view.slabbed = scene.slabbed();
        self.pipeline.ensure(device, view.slabbed);
        self.mip_pipeline.ensure(device, view.slabbed);
        let mut u = RaymarchUniforms::new(scene, settings, camera, width, height);
        if let Some(sp) = layout.spread {
            u.viewport[2] = sp.piece as f32;
            u.viewport[3] = sp.cell as f32;
        }
        if let Some(p) = &layout.permuted {
            u.selection[1] = p.blocks();
            u.selection[2] = p.inverse;
            u.selection[3] = p.blocks_x;
        }
        queue.write_buffer(&view.uniforms, 0, bytemuck::bytes_of(&u));
        let ct = scene.ct_or_placeholder();
        let pet = scene.pet_or_placeholder();
        let mut entries = vec![
            buffer_binding(0, &view.uniforms),
            view_binding(1, ct.slab_view(0)),
            view_binding(2, pet.slab_view(0)),
            sampler_binding(3, &self.sampler),
            view_binding(4, &ct.occupancy_view),
            view_binding(5, &pet.occupancy_view),
            buffer_binding(8, &self.transfer),
            buffer_binding(9, &self.colormap),
            view_binding(10, &scene.labels().view),
        ];
        // Slabs 1-3 of each volume (slab 0 is bound above).
        entries.extend(slab_entries(11, ct, pet));
        view.bind_group = Some(device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("raymarch"),
            layout: &self.layout,
            entries: &entries,
        }));
    }

    /// Records a view's draw into a render pass whose target matches the pipeline's format.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, view: &RaymarchDrawData) {
        if let Some(bind_group) = &view.bind_group {
            let variants = if view.mip {
                &self.mip_pipeline
            } else {
                &self.pipeline
            };
            pass.set_pipeline(variants.get(view.slabbed));
            pass.set_bind_group(0, bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
    }
}

/// Recomputes which bricks can contribute when the transfer function, the PET threshold or
/// the mode changed since the last upload (not on camera-only changes).
pub fn update_occupancy(queue: &wgpu::Queue, scene: &mut FusedScene, settings: &RenderSettings) {
    let pet_threshold = settings.pet_window[0] / scene.pet_display_factor;
    let key = (
        settings.ct_preset,
        pet_threshold.to_bits(),
        settings.mode == RenderMode::FusedDvr,
    );
    if scene.occupancy_key == Some(key) {
        return;
    }
    scene.occupancy_key = Some(key);
    let (ct_occ, pet_occ) = occupancy(scene, settings);
    if let (Some(ct), Some(occ)) = (scene.ct.as_mut(), ct_occ) {
        ct.set_occupancy(queue, occ);
    }
    if let (Some(pet), Some(occ)) = (scene.pet.as_mut(), pet_occ) {
        pet.set_occupancy(queue, occ);
    }
}

/// Occupancy grids for CT and PET (1 = the brick may contribute).
pub fn occupancy(
    scene: &FusedScene,
    settings: &RenderSettings,
) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let table = settings.ct_preset.table();
    let ct = scene.ct.as_ref().map(|ct| {
        let s = ct.prepared.value_scale;
        ct.prepared
            .bricks
            .occupancy(|lo, hi| any_opacity(&table, lo * s, hi * s))
    });
    let pet_shown = settings.mode == RenderMode::FusedDvr;
    let pet = scene.pet.as_ref().map(|pet| {
        let s = pet.prepared.value_scale * scene.pet_display_factor;
        let lo = settings.pet_window[0];
        pet.prepared
            .bricks
            .occupancy(|_, hi| pet_shown && hi * s > lo)
    });
    (ct, pet)
}
