//! Volumes uploaded to the GPU: 16-bit float 3D textures (one, or several slabs along z
//! when the volume is deeper than the device's 3D texture limit) and an occupancy texture
//! for empty-space skipping.

use wgpu::util::DeviceExt;

use super::prepared::PreparedVolume;

/// Most slabs one volume may be split into (the shaders bind this many textures per
/// volume). With the common 2,048 limit that is 8,189 slices.
pub const MAX_SLABS: usize = 4;

/// Bytes of texels written between waits for the GPU, so upload staging memory is reused
/// instead of growing to the size of the volume.
const UPLOAD_CHUNK_BYTES: usize = 32 << 20;

/// How a volume of `depth` slices is split along z for a texture limit of `max_dim`:
/// slab `k` holds slices `k * step ..` (`full` slices, fewer in the last), and
/// neighbouring slabs share one slice so that trilinear sampling inside any slab is exact
/// and the slabs meet without a seam.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlabPlan {
    /// First slice of slab k is `k * step`.
    pub step: usize,
    /// Slices of a full slab.
    pub full: usize,
    /// Number of slabs.
    pub count: usize,
    /// Slices of the whole volume.
    pub depth: usize,
}

impl SlabPlan {
    /// The split of `depth` slices for a texture edge limit of `max_dim`.
    pub fn new(depth: usize, max_dim: usize) -> Self {
        if depth <= max_dim || max_dim < 2 {
            return Self {
                step: depth,
                full: depth,
                count: 1,
                depth,
            };
        }
        let step = max_dim - 1;
        Self {
            step,
            full: max_dim,
            count: (depth - 1).div_ceil(step),
            depth,
        }
    }

    /// Slices of slab `k` and the first of them.
    pub fn slab(&self, k: usize) -> (usize, usize) {
        let first = k * self.step;
        (first, self.full.min(self.depth - first))
    }

    /// The layout as the shaders read it: step, count, depth, full.
    pub fn uniform(&self) -> [f32; 4] {
        [
            self.step as f32,
            self.count as f32,
            self.depth as f32,
            self.full as f32,
        ]
    }
}

/// A volume on the GPU together with its CPU-side preparation.
pub struct GpuVolume {
    pub prepared: PreparedVolume,
    /// One view per slab ([`SlabPlan`]); a single one when the volume fits a texture.
    slab_views: Vec<wgpu::TextureView>,
    /// How the slabs split the volume.
    pub slabs: SlabPlan,
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

fn texture_desc<'a>(
    label: &'a str,
    dims: [usize; 3],
    format: wgpu::TextureFormat,
) -> wgpu::TextureDescriptor<'a> {
    wgpu::TextureDescriptor {
        label: Some(label),
        size: extent(dims),
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D3,
        format,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    }
}

/// A 3D texture of `format` texels, sampled by shaders, filled with `data` (slices in order).
pub(crate) fn texture_3d(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    label: &str,
    dims: [usize; 3],
    format: wgpu::TextureFormat,
    data: &[u8],
) -> wgpu::Texture {
    device.create_texture_with_data(
        queue,
        &texture_desc(label, dims, format),
        wgpu::util::TextureDataOrder::LayerMajor,
        data,
    )
}

/// Creates one slab's texture and writes its slices in chunks of about
/// [`UPLOAD_CHUNK_BYTES`], waiting for the GPU after each so that the staging memory of
/// a whole volume is never held at once.
fn upload_slab(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    prepared: &PreparedVolume,
    (first, slices): (usize, usize),
) -> wgpu::Texture {
    let [nx, ny, _] = prepared.dims();
    let texture = device.create_texture(&texture_desc(
        "volume",
        [nx, ny, slices],
        wgpu::TextureFormat::R16Float,
    ));
    let slice_len = nx * ny;
    let per_chunk = (UPLOAD_CHUNK_BYTES / (slice_len * 2).max(1)).max(1);
    let texels = prepared.texels();
    let mut z = 0;
    while z < slices {
        let n = per_chunk.min(slices - z);
        let start = (first + z) * slice_len;
        let Some(chunk) = texels.get(start..start + n * slice_len) else {
            break;
        };
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: 0,
                origin: wgpu::Origin3d {
                    x: 0,
                    y: 0,
                    z: z as u32,
                },
                aspect: wgpu::TextureAspect::All,
            },
            bytemuck::cast_slice(chunk),
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(nx as u32 * 2),
                rows_per_image: Some(ny as u32),
            },
            extent([nx, ny, n]),
        );
        queue.submit([]);
        let _ = device.poll(wgpu::PollType::wait_indefinitely());
        z += n;
    }
    texture
}

impl GpuVolume {
    /// Uploads a prepared volume, split into slabs along z when it is deeper than
    /// `max_dim_3d` (the device's `max_texture_dimension_3d` or a lower override), streamed
    /// in chunks.
    pub fn upload(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        prepared: PreparedVolume,
        max_dim_3d: usize,
    ) -> Self {
        let slabs = SlabPlan::new(prepared.dims()[2], max_dim_3d);
        let slab_views = (0..slabs.count)
            .map(|k| {
                upload_slab(device, queue, &prepared, slabs.slab(k))
                    .create_view(&Default::default())
            })
            .collect();
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
            slab_views,
            slabs,
            occupancy_view: occupancy.create_view(&Default::default()),
            occupancy,
            occupancy_state,
            prepared,
        }
    }

    /// The texture of slab `k`, or of slab 0 for slabs the volume does not have (the
    /// shaders bind [`MAX_SLABS`] per volume and never sample the extra ones).
    pub fn slab_view(&self, k: usize) -> &wgpu::TextureView {
        self.slab_views.get(k).unwrap_or(&self.slab_views[0])
    }

    /// A 1-texel stand-in for a missing CT or PET, so the pipeline layout never changes.
    pub fn placeholder(device: &wgpu::Device, queue: &wgpu::Queue) -> Self {
        let volume = crate::volume::Volume {
            geometry: crate::volume::Geometry::axial([1, 1, 1], [1.0; 3], glam::DVec3::ZERO),
            data: vec![0.0],
            unit: crate::volume::Unit::Other(String::new()),
        };
        Self::upload(device, queue, PreparedVolume::new(&volume, 1, 1.0).0, 1)
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

/// The bind group entries of slabs 1-3 of the CT and then of the PET, from binding `first`
/// on (slab 0 is bound with the other textures; see [`GpuVolume::slab_view`]).
pub fn slab_entries<'a>(
    first: u32,
    ct: &'a GpuVolume,
    pet: &'a GpuVolume,
) -> [wgpu::BindGroupEntry<'a>; 6] {
    let entry = |i: u32, volume: &'a GpuVolume, k: usize| wgpu::BindGroupEntry {
        binding: first + i,
        resource: wgpu::BindingResource::TextureView(volume.slab_view(k)),
    };
    [
        entry(0, ct, 1),
        entry(1, ct, 2),
        entry(2, ct, 3),
        entry(3, pet, 1),
        entry(4, pet, 2),
        entry(5, pet, 3),
    ]
}

/// Creates a read-only storage buffer of RGBA entries.
pub fn rgba_buffer(device: &wgpu::Device, label: &str, entries: &[[f32; 4]]) -> wgpu::Buffer {
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(entries),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slabs_share_one_slice_and_cover_the_volume() {
        let one = SlabPlan::new(300, 2048);
        assert_eq!((one.count, one.slab(0)), (1, (0, 300)));
        // 2,000 slices, a limit of 512: slabs start every 511 slices, the last holds 467.
        let p = SlabPlan::new(2000, 512);
        assert_eq!(p.count, 4);
        assert_eq!(p.slab(0), (0, 512));
        assert_eq!(p.slab(1), (511, 512));
        assert_eq!(p.slab(3), (1533, 467));
        // Every slice lies in a slab, and each slab's last slice is the next one's first.
        for k in 0..p.count - 1 {
            let (first, n) = p.slab(k);
            assert_eq!(first + n - 1, p.slab(k + 1).0);
        }
        let (last, n) = p.slab(p.count - 1);
        assert_eq!(last + n, 2000);
        assert_eq!(p.uniform(), [511.0, 4.0, 2000.0, 512.0]);
    }
}
