//! Plumbing shared by the full-screen pipelines (ray marcher, MPR): bind-group layout
//! entries for fragment shaders, a clamp-to-edge sampler, and a full-screen-triangle
//! pipeline with a given fragment entry point.

/// A uniform buffer visible to the fragment stage.
pub fn uniform_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    buffer_entry(binding, wgpu::BufferBindingType::Uniform)
}

/// A read-only storage buffer visible to the fragment stage.
pub fn storage_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    buffer_entry(
        binding,
        wgpu::BufferBindingType::Storage { read_only: true },
    )
}

fn buffer_entry(binding: u32, ty: wgpu::BufferBindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A 3D texture visible to the fragment stage.
pub fn texture_3d_entry(
    binding: u32,
    sample_type: wgpu::TextureSampleType,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type,
            view_dimension: wgpu::TextureViewDimension::D3,
            multisampled: false,
        },
        count: None,
    }
}

/// A bind group entry of a texture view.
pub fn view_binding(binding: u32, view: &wgpu::TextureView) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::TextureView(view),
    }
}

/// A bind group entry of a sampler.
pub fn sampler_binding(binding: u32, sampler: &wgpu::Sampler) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::Sampler(sampler),
    }
}

/// A bind group entry of a whole buffer.
pub fn buffer_binding(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// A filtering sampler visible to the fragment stage.
pub fn sampler_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

/// A clamp-to-edge sampler with the given filter.
pub fn clamped_sampler(
    device: &wgpu::Device,
    label: &str,
    filter: wgpu::FilterMode,
) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some(label),
        address_mode_u: wgpu::AddressMode::ClampToEdge,
        address_mode_v: wgpu::AddressMode::ClampToEdge,
        address_mode_w: wgpu::AddressMode::ClampToEdge,
        mag_filter: filter,
        min_filter: filter,
        ..Default::default()
    })
}

/// A pipeline drawing one full-screen triangle (`vs_main`) with the given fragment entry
/// point, writing an opaque colour target.
pub fn fullscreen_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    fragment_entry: &str,
    target: wgpu::TextureFormat,
) -> wgpu::RenderPipeline {
    fullscreen_pipeline_with(device, (module, layout), fragment_entry, target, &[])
}

/// [`fullscreen_pipeline`] with values for the fragment shader's override constants.
fn fullscreen_pipeline_with(
    device: &wgpu::Device,
    (module, layout): (&wgpu::ShaderModule, &wgpu::PipelineLayout),
    fragment_entry: &str,
    target: wgpu::TextureFormat,
    constants: &[(&str, f64)],
) -> wgpu::RenderPipeline {
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(fragment_entry),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(fragment_entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                ..Default::default()
            },
            targets: &[Some(wgpu::ColorTargetState {
                format: target,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// A full-screen pipeline of a shader that samples volumes through `sample_slabs`
/// (shaders/common.wgsl), in two variants: the plain one, built at once, and one with the
/// override `SLABBED` on for volumes split into slabs, built when first needed. Slab
/// selection costs a software rasterizer several times the sampling time, so volumes that
/// fit one texture never pay for it.
pub struct SlabVariants {
    module: wgpu::ShaderModule,
    layout: wgpu::PipelineLayout,
    entry: &'static str,
    target: wgpu::TextureFormat,
    plain: wgpu::RenderPipeline,
    slabbed: Option<wgpu::RenderPipeline>,
}

impl SlabVariants {
    /// Builds the plain variant of `entry`.
    pub fn new(
        device: &wgpu::Device,
        (module, layout): (&wgpu::ShaderModule, &wgpu::PipelineLayout),
        entry: &'static str,
        target: wgpu::TextureFormat,
    ) -> Self {
        Self {
            plain: fullscreen_pipeline(device, module, layout, entry, target),
            module: module.clone(),
            layout: layout.clone(),
            entry,
            target,
            slabbed: None,
        }
    }

    /// Builds the slabbed variant if `slabbed` and it does not exist yet.
    pub fn ensure(&mut self, device: &wgpu::Device, slabbed: bool) {
        if slabbed && self.slabbed.is_none() {
            let constants = [("SLABBED", 1.0)];
            self.slabbed = Some(fullscreen_pipeline_with(
                device,
                (&self.module, &self.layout),
                self.entry,
                self.target,
                &constants,
            ));
        }
    }

    /// The variant for volumes with (`slabbed`) or without slabs; the plain one until
    /// [`Self::ensure`] built the other.
    pub fn get(&self, slabbed: bool) -> &wgpu::RenderPipeline {
        match (&self.slabbed, slabbed) {
            (Some(p), true) => p,
            _ => &self.plain,
        }
    }
}

/// A render pass into one colour target that starts with `load` and stores its result:
/// every pass the renderer and the viewer record has this shape.
pub fn color_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    view: &'e wgpu::TextureView,
    label: &str,
    load: wgpu::LoadOp<wgpu::Color>,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load,
                store: wgpu::StoreOp::Store,
            },
        })],
        ..Default::default()
    })
}
