//! Fused multiplanar reconstruction (shader: shaders/mpr.wgsl): axial, coronal and sagittal
//! slices through any patient point, in radiological display conventions.
//!
//! - Axial: seen from the feet: patient's left on screen right, anterior at the top.
//! - Coronal: seen from the front: patient's left on screen right, head at the top.
//! - Sagittal: seen from the patient's left: anterior on screen left, head at the top.

use bytemuck::{Pod, Zeroable};
use glam::{DVec3, Vec2, Vec3};

use super::context::GpuContext;
use super::gpu_volume::{rgba_buffer, slab_entries};
use super::pipeline_util::{
    buffer_binding, clamped_sampler, sampler_binding, sampler_entry, storage_entry,
    texture_3d_entry, view_binding, SlabVariants,
};
use super::raymarch::colormap_entries;
use super::scene::FusedScene;
use super::settings::RenderSettings;

/// Slice orientations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MprOrientation {
    Axial,
    Coronal,
    Sagittal,
}

impl MprOrientation {
    /// All orientations.
    pub const ALL: [MprOrientation; 3] = [Self::Axial, Self::Coronal, Self::Sagittal];

    /// (screen right, screen down, slice normal) in patient space.
    pub fn axes(self) -> (Vec3, Vec3, Vec3) {
        match self {
            Self::Axial => (Vec3::X, Vec3::Y, Vec3::Z),
            Self::Coronal => (Vec3::X, -Vec3::Z, Vec3::Y),
            Self::Sagittal => (Vec3::Y, -Vec3::Z, Vec3::X),
        }
    }

    /// Orientation letters at (left, right, top, bottom) edges.
    pub fn edge_letters(self) -> [&'static str; 4] {
        match self {
            Self::Axial => ["R", "L", "A", "P"],
            Self::Coronal => ["R", "L", "S", "I"],
            Self::Sagittal => ["A", "P", "S", "I"],
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Axial => "axial",
            Self::Coronal => "coronal",
            Self::Sagittal => "sagittal",
        }
    }
}

/// Which volumes a slice pane shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum SliceContent {
    /// CT alone, in its window.
    Ct,
    /// PET alone, through its colour map over the whole window (inverted grey by habit).
    Pet,
    /// CT with the PET blended on top where it exceeds the window's lower bound; the PET
    /// shows over its whole field of view, outside the CT too.
    #[default]
    Fused,
}

impl SliceContent {
    /// Every content, in menu order.
    pub const ALL: [SliceContent; 3] = [Self::Ct, Self::Pet, Self::Fused];

    /// Lower-case name for scripts and titles.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ct => "ct",
            Self::Pet => "pet",
            Self::Fused => "fused",
        }
    }

    /// Parses [`Self::name`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s.to_ascii_lowercase())
    }
}

/// What an MPR pane shows: a plane through the cursor, zoom and pan.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MprView {
    pub orientation: MprOrientation,
    /// The shared cursor (patient mm); the slice passes through it.
    pub cursor: Vec3,
    /// 1 fits the study in the pane.
    pub zoom: f32,
    /// Pan in mm (screen right, screen down).
    pub pan: Vec2,
    /// Nearest-neighbour sampling instead of linear.
    pub nearest: bool,
    pub crosshair: bool,
    /// CT, PET or both.
    #[serde(default)]
    pub content: SliceContent,
}

/// A plane laid over the pixels of a pane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MprPlane {
    /// Patient position of pixel (0, 0)'s top-left corner.
    pub origin: Vec3,
    /// Patient mm per pixel to the right.
    pub u: Vec3,
    /// Patient mm per pixel downwards.
    pub v: Vec3,
}

impl MprPlane {
    /// Patient position at a pixel coordinate (pixel centres at +0.5).
    pub fn patient_at(&self, x: f32, y: f32) -> Vec3 {
        self.origin + self.u * x + self.v * y
    }

    /// Pixel coordinate of a patient position projected onto the plane.
    pub fn pixel_of(&self, p: Vec3) -> Vec2 {
        let d = p - self.origin;
        Vec2::new(
            d.dot(self.u) / self.u.length_squared(),
            d.dot(self.v) / self.v.length_squared(),
        )
    }
}

impl MprView {
    /// A view through a point.
    pub fn new(orientation: MprOrientation, cursor: Vec3) -> Self {
        Self {
            orientation,
            cursor,
            zoom: 1.0,
            pan: Vec2::ZERO,
            nearest: false,
            crosshair: true,
            content: SliceContent::Fused,
        }
    }

    /// Lays the plane over a `width` x `height` pane so that the study's patient bounds fit
    /// with square pixels (equal mm per pixel both ways).
    pub fn plane(&self, bounds: (Vec3, Vec3), width: u32, height: u32) -> MprPlane {
        let (right, down, normal) = self.orientation.axes();
        let (lo, hi) = bounds;
        let extent = hi - lo;
        let centre = (lo + hi) * 0.5;
        let (ext_u, ext_v) = (extent.dot(right).abs(), extent.dot(down).abs());
        let mm =
            (ext_u / width.max(1) as f32).max(ext_v / height.max(1) as f32) / self.zoom.max(0.01);
        // In-plane centre of the study, on the slice through the cursor.
        let along = |a: Vec3| a * centre.dot(a);
        let view_centre = along(right)
            + along(down)
            + normal * self.cursor.dot(normal)
            + right * self.pan.x
            + down * self.pan.y;
        let (u, v) = (right * mm, down * mm);
        MprPlane {
            origin: view_centre - u * (width as f32 / 2.0) - v * (height as f32 / 2.0),
            u,
            v,
        }
    }
}

/// Uniforms of the MPR shader. Keep in sync with `Uniforms` in shaders/mpr.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct MprUniforms {
    pub ct_patient_to_tex: [[f32; 4]; 4],
    pub pet_patient_to_tex: [[f32; 4]; 4],
    pub label_patient_to_tex: [[f32; 4]; 4],
    pub reference_patient_to_tex: [[f32; 4]; 4],
    pub origin: [f32; 4],
    pub axis_u: [f32; 4],
    pub axis_v: [f32; 4],
    pub ct: [f32; 4],
    pub pet: [f32; 4],
    pub params: [f32; 4],
    pub crosshair: [f32; 4],
    pub crosshair_colour: [f32; 4],
    /// x: the selected lesion id (0 none); y: 1 to outline the reference mask; the rest
    /// unused.
    pub selection: [u32; 4],
    /// Slab layouts ([`super::gpu_volume::SlabPlan::uniform`]).
    pub ct_slabs: [f32; 4],
    pub pet_slabs: [f32; 4],
}

// Four matrices and eleven vectors, as the WGSL struct.
const _: () = assert!(std::mem::size_of::<MprUniforms>() == 4 * 64 + 11 * 16);

impl MprUniforms {
    /// Uniforms for a pane drawing `plane` (patient mm of `scene`).
    pub fn new(
        scene: &FusedScene,
        settings: &RenderSettings,
        view: &MprView,
        plane: &MprPlane,
    ) -> Self {
        let ct = scene.ct_or_placeholder();
        let pet = scene.pet_or_placeholder();
        let (ct_lo, ct_hi) = settings.ct_window.bounds();
        let [pet_lo, pet_hi] = settings.pet_window;
        let cursor_px = plane.pixel_of(view.cursor);
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        Self {
            ct_patient_to_tex: ct.prepared.patient_to_tex.to_cols_array_2d(),
            pet_patient_to_tex: pet.prepared.patient_to_tex.to_cols_array_2d(),
            label_patient_to_tex: scene.labels().patient_to_tex.to_cols_array_2d(),
            reference_patient_to_tex: scene.reference().patient_to_tex.to_cols_array_2d(),
            origin: plane.origin.extend(0.0).to_array(),
            axis_u: plane.u.extend(0.0).to_array(),
            axis_v: plane.v.extend(0.0).to_array(),
            ct: [
                ct_lo,
                ct_hi,
                ct.prepared.value_scale,
                flag(scene.ct.is_some() && view.content != SliceContent::Pet),
            ],
            pet: [
                pet_lo,
                pet_hi.max(pet_lo + 1e-6),
                pet.prepared.value_scale * scene.pet_display_factor,
                flag(scene.pet.is_some() && view.content != SliceContent::Ct),
            ],
            params: [
                settings.fusion_opacity.clamp(0.0, 1.0),
                flag(view.crosshair),
                flag(view.nearest),
                flag(settings.highlight_lesions && scene.labels().present),
            ],
            crosshair: [cursor_px.x, cursor_px.y, 0.0, 0.0],
            crosshair_colour: [0.2, 0.9, 0.3, 0.8],
            selection: [
                u32::from(settings.selected_lesion),
                u32::from(settings.reference_outline && scene.reference().present),
                0,
                0,
            ],
            ct_slabs: ct.slabs.uniform(),
            pet_slabs: pet.slabs.uniform(),
        }
    }
}

/// Long-lived GPU objects of the MPR pipeline.
pub struct MprPipeline {
    pipeline: SlabVariants,
    layout: wgpu::BindGroupLayout,
    linear: wgpu::Sampler,
    nearest: wgpu::Sampler,
    colormap: wgpu::Buffer,
    current_colormap: super::colormap::Colormap,
}

/// One pane's draw data: its own uniform buffer and bind group, so several panes can be
/// prepared and recorded in one frame (even one submit) without overwriting each other.
pub struct MprDrawData {
    uniforms: wgpu::Buffer,
    bind_group: Option<wgpu::BindGroup>,
    /// Whether a volume of the scene is split into slabs (the slabbed pipeline draws it).
    slabbed: bool,
}

impl MprDrawData {
    /// Creates the pane's uniform buffer (its bind group comes with the first prepare).
    pub fn new(device: &wgpu::Device) -> Self {
        Self {
            uniforms: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("mpr uniforms"),
                size: std::mem::size_of::<MprUniforms>() as u64,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
            bind_group: None,
            slabbed: false,
        }
    }
}

impl MprPipeline {
    /// Builds the pipeline for a colour target format.
    pub fn new(device: &wgpu::Device, target: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("mpr.wgsl"),
            source: wgpu::ShaderSource::Wgsl(super::wgsl::mpr_source().into()),
        });
        let float = wgpu::TextureSampleType::Float { filterable: true };
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("mpr"),
            entries: &[
                storage_entry(0),
                texture_3d_entry(1, float),
                texture_3d_entry(2, float),
                sampler_entry(3),
                sampler_entry(4),
                storage_entry(5),
                texture_3d_entry(6, wgpu::TextureSampleType::Uint),
                texture_3d_entry(7, wgpu::TextureSampleType::Uint),
                texture_3d_entry(8, float),
                texture_3d_entry(9, float),
                texture_3d_entry(10, float),
                texture_3d_entry(11, float),
                texture_3d_entry(12, float),
                texture_3d_entry(13, float),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("mpr"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = SlabVariants::new(device, (&module, &pipeline_layout), "fs_main", target);
        let colormap = super::colormap::Colormap::HotIron;
        Self {
            pipeline,
            layout,
            linear: clamped_sampler(device, "mpr linear", wgpu::FilterMode::Linear),
            nearest: clamped_sampler(device, "mpr nearest", wgpu::FilterMode::Nearest),
            colormap: rgba_buffer(device, "mpr colormap", &colormap_entries(colormap)),
            current_colormap: colormap,
        }
    }

    /// Updates a pane's uniforms and bindings for its next draw of `plane` (laid over the
    /// target's pixels).
    pub fn prepare(
        &mut self,
        ctx: &GpuContext,
        pane: &mut MprDrawData,
        scene: &FusedScene,
        settings: &RenderSettings,
        view: &MprView,
        plane: &MprPlane,
    ) {
        let (device, queue) = (&ctx.device, &ctx.queue);
        if settings.colormap != self.current_colormap {
            queue.write_buffer(
                &self.colormap,
                0,
                bytemuck::cast_slice(&colormap_entries(settings.colormap)),
            );
            self.current_colormap = settings.colormap;
        }
        let u = MprUniforms::new(scene, settings, view, plane);
        queue.write_buffer(&pane.uniforms, 0, bytemuck::bytes_of(&u));
        pane.slabbed = scene.slabbed();
        self.pipeline.ensure(device, pane.slabbed);
        let ct = scene.ct_or_placeholder();
        let pet = scene.pet_or_placeholder();
        let mut entries = vec![
            buffer_binding(0, &pane.uniforms),
            view_binding(1, ct.slab_view(0)),
            view_binding(2, pet.slab_view(0)),
            sampler_binding(3, &self.linear),
            sampler_binding(4, &self.nearest),
            buffer_binding(5, &self.colormap),
            view_binding(6, &scene.labels().view),
            view_binding(7, &scene.reference().view),
        ];
        // Slabs 1-3 of each volume (slab 0 is bound above).
        entries.extend(slab_entries(8, ct, pet));
        pane.bind_group = Some(device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("mpr"),
            layout: &self.layout,
            entries: &entries,
        }));
    }

    /// Records a pane's draw.
    pub fn draw(&self, pass: &mut wgpu::RenderPass<'_>, pane: &MprDrawData) {
        if let Some(bind_group) = &pane.bind_group {
            pass.set_pipeline(self.pipeline.get(pane.slabbed));
            pass.set_bind_group(0, bind_group, &[]);
            pass.draw(0..3, 0..1);
        }
    }
}

/// The patient point under a pane pixel (for the linked cursor and value readouts).
pub fn patient_under_pixel(
    view: &MprView,
    bounds: (Vec3, Vec3),
    width: u32,
    height: u32,
    x: f32,
    y: f32,
) -> DVec3 {
    view.plane(bounds, width, height)
        .patient_at(x, y)
        .as_dvec3()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axial_plane_has_patient_left_on_the_right_and_square_pixels() {
        let view = MprView::new(MprOrientation::Axial, Vec3::new(0.0, 0.0, 12.0));
        let plane = view.plane((Vec3::splat(-100.0), Vec3::splat(100.0)), 200, 100);
        assert!(plane.u.x > 0.0 && plane.v.y > 0.0);
        assert!((plane.u.length() - plane.v.length()).abs() < 1e-6);
        assert_eq!(plane.patient_at(100.0, 50.0).z, 12.0);
        let px = plane.pixel_of(Vec3::new(0.0, 0.0, 12.0));
        assert!((px - Vec2::new(100.0, 50.0)).length() < 1e-4);
    }

    #[test]
    fn coronal_and_sagittal_put_the_head_up() {
        for o in [MprOrientation::Coronal, MprOrientation::Sagittal] {
            let plane =
                MprView::new(o, Vec3::ZERO).plane((Vec3::splat(-1.0), Vec3::splat(1.0)), 10, 10);
            assert!(plane.v.z < 0.0);
        }
        let sag = MprView::new(MprOrientation::Sagittal, Vec3::ZERO).plane(
            (Vec3::splat(-1.0), Vec3::splat(1.0)),
            10,
            10,
        );
        assert!(sag.u.y > 0.0, "anterior (-y) on the left");
    }
}
