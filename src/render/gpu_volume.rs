//! Volumes uploaded to the GPU: a 16-bit float 3D texture, a brick range texture and an
//! occupancy texture for empty-space skipping.

use wgpu::util::DeviceExt;

use super::prepared::PreparedVolume;

/// A volume on the GPU together with its CPU-side preparation.
pub struct GpuVolume {
    pub prepared: PreparedVolume,
    pub texture_view: wgpu::TextureView,
    pub brick_range_view: wgpu::TextureView,
    occupancy: wgpu::Texture,
    pub occupancy_view: wgpu::TextureView,
    /// Occupancy currently uploaded, to skip redundant uploads.
    occupancy_state: Vec<u8>,
}

fn extent(d: [usize; 3]) -> wgpu::Extent3d {
    wgpu::Extent3d {
        width: d[0] as u32,
        height: d[1] as u32,
        depth_or_array_layers: d[2] as u32,
    }
}

fn texture_3d(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    label: &str,
    dims: [usize; 3],
    format: wgpu::TextureFormat,
    data: &[u8],
) -> wgpu::Texture {
    device.create_texture_with_data(
        queue,
        &wgpu::TextureDescriptor {
            label: Some(label),
            size: extent(dims),
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D3,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        },
        wgpu::util::TextureDataOrder::LayerMajor,
        data,
    )
}

impl GpuVolume {
    /// Uploads a prepared volume.
    pub fn upload(device: &wgpu::Device, queue: &wgpu::Queue, prepared: PreparedVolume) -> Self {
        let texture = texture_3d(
            device,
            queue,
            "volume",
            prepared.dims(),
            wgpu::TextureFormat::R16Float,
            bytemuck::cast_slice(&prepared.texels),
        );
        let ranges: Vec<f32> = prepared.bricks.ranges.iter().flatten().copied().collect();
        let bricks = texture_3d(
            device,
            queue,
            "brick ranges",
            prepared.bricks.dims,
            wgpu::TextureFormat::Rg32Float,
            bytemuck::cast_slice(&ranges),
        );
        let occupancy_state = vec![1u8; prepared.bricks.ranges.len()];
        let occupancy = texture_3d(
            device,
            queue,
            "brick occupancy",
            prepared.bricks.dims,
            wgpu::TextureFormat::R8Uint,
            &occupancy_state,
        );
        Self {
            texture_view: texture.create_view(&Default::default()),
            brick_range_view: bricks.create_view(&Default::default()),
            occupancy_view: occupancy.create_view(&Default::default()),
            occupancy,
            occupancy_state,
            prepared,
        }
    }

    /// A 1-texel stand-in for a missing CT or PET, so the pipeline layout never changes.
    pub fn placeholder(device: &wgpu::Device, queue: &wgpu::Queue) -> Self {
        let volume = crate::volume::Volume {
            geometry: crate::volume::Geometry::axial([1, 1, 1], [1.0; 3], glam::DVec3::ZERO),
            data: vec![0.0],
            unit: crate::volume::Unit::Other(String::new()),
        };
        Self::upload(device, queue, PreparedVolume::new(&volume, 1, 1.0).0)
    }

    /// Uploads a new occupancy grid when it differs from the current one.
    pub fn set_occupancy(&mut self, queue: &wgpu::Queue, occupancy: Vec<u8>) {
        if occupancy == self.occupancy_state || occupancy.len() != self.occupancy_state.len() {
            return;
        }
        let dims = self.prepared.bricks.dims;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &self.occupancy,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &occupancy,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(dims[0] as u32),
                rows_per_image: Some(dims[1] as u32),
            },
            extent(dims),
        );
        self.occupancy_state = occupancy;
    }
}

/// Creates a read-only storage buffer of RGBA entries.
pub fn rgba_buffer(device: &wgpu::Device, label: &str, entries: &[[f32; 4]]) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(entries),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
    })
}
