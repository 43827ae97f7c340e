//! Drawing one image in parts of even cost (shaders: permute.wgsl, parts.wgsl).
//!
//! Progressive refinement on a slow device draws a full-quality image over several frames.
//! Row bands cost very unevenly (rows above the body are almost free, rows through it
//! dear), so a band sized on the last one can take many times its budget. Instead the
//! image's 4x4 pixel blocks are drawn in a permuted order into a scratch image: block `b`
//! goes to position `(b * multiplier) mod blocks`, and consecutive positions hold blocks
//! spread evenly over the image. A part is a run of rows of the scratch image (a plain
//! scissor, so a part costs nothing outside itself), and costs about its share of the
//! whole. After the last part one cheap pass puts the blocks back in order into the target.
//! Every pixel keeps its own ray, so the result equals a one-shot render.

use bytemuck::{Pod, Zeroable};

use super::context::GpuContext;
use super::offscreen::OffscreenTarget;
use super::pipeline_util::{color_pass, fullscreen_pipeline};

/// Edge of a block, pixels (as `PART_BLOCK` in permute.wgsl).
pub const PART_BLOCK: u32 = 4;

/// The permuted block layout of an image of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartLayout {
    /// Blocks across the image (and the scratch image).
    pub blocks_x: u32,
    /// Blocks down.
    pub blocks_y: u32,
    /// Where block `b` goes: `(b * multiplier) mod blocks`.
    pub multiplier: u32,
    /// Which block position `i` holds: `(i * inverse) mod blocks`.
    pub inverse: u32,
}

impl PartLayout {
    /// The layout for an image of `width` x `height` pixels (at most 4096 x 4096, the
    /// shader's arithmetic limit of 2^20 blocks); `None` for an empty or larger image.
    pub fn new(width: u32, height: u32) -> Option<Self> {
        let blocks_x = width.div_ceil(PART_BLOCK);
        let blocks_y = height.div_ceil(PART_BLOCK);
        let blocks = blocks_x.checked_mul(blocks_y)?;
        if blocks == 0 || blocks > 1 << 20 {
            return None;
        }
        let multiplier = spreading_multiplier(blocks);
        Some(Self {
            blocks_x,
            blocks_y,
            multiplier,
            inverse: inverse_mod(multiplier, blocks)?,
        })
    }

    /// Number of blocks.
    pub fn blocks(&self) -> u32 {
        self.blocks_x * self.blocks_y
    }

    /// Rows of blocks: the unit parts are counted in.
    pub fn rows(&self) -> u32 {
        self.blocks_y
    }

    /// Size of the scratch image, pixels.
    pub fn scratch_size(&self) -> (u32, u32) {
        (self.blocks_x * PART_BLOCK, self.blocks_y * PART_BLOCK)
    }
}

/// A multiplier coprime to `n` near `n` times the golden ratio's fraction, so that
/// consecutive multiples fall far apart and evenly (Weyl sequence).
fn spreading_multiplier(n: u32) -> u32 {
    if n <= 2 {
        return 1;
    }
    let mut m = ((f64::from(n) * 0.618_033_988_75).round() as u32).clamp(1, n - 1);
    while gcd(m, n) != 1 {
        m += 1;
    }
    m
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `a`'s inverse modulo `n` (extended Euclid), if it has one.
fn inverse_mod(a: u32, n: u32) -> Option<u32> {
    let (mut r0, mut r1) = (i64::from(n), i64::from(a % n));
    let (mut t0, mut t1) = (0i64, 1i64);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - q * t1);
    }
    if r0 != 1 {
        return (n == 1).then_some(0);
    }
    u32::try_from(t0.rem_euclid(i64::from(n))).ok()
}

/// Uniforms of parts.wgsl. Keep in sync with `Layout` there.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
struct ReorderUniforms {
    blocks_x: u32,
    blocks: u32,
    multiplier: u32,
    unused: u32,
}

const _: () = assert!(std::mem::size_of::<ReorderUniforms>() == 16);

/// The pass that puts a permuted image back in order.
pub struct ReorderPipeline {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
    uniforms: wgpu::Buffer,
}

impl ReorderPipeline {
    /// Builds the pass for a colour target format.
    pub fn new(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("parts.wgsl"),
            source: wgpu::ShaderSource::Wgsl(super::wgsl::parts_source().into()),
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("parts"),
            entries: &[
                super::pipeline_util::uniform_entry(0),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: false },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("parts"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        Self {
            pipeline: fullscreen_pipeline(
                device,
                &module,
                &pipeline_layout,
                "fs_unpermute",
                format,
            ),
            layout,
            uniforms: device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("parts uniforms"),
                size: std::mem::size_of::<ReorderUniforms>() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }

    /// Records the pass that writes `scratch`'s blocks, laid out as `layout` says, in
    /// order into `target`.
    pub fn record(
        &self,
        ctx: &GpuContext,
        encoder: &mut wgpu::CommandEncoder,
        layout: &PartLayout,
        scratch: &OffscreenTarget,
        target: &wgpu::TextureView,
    ) {
        let u = ReorderUniforms {
            blocks_x: layout.blocks_x,
            blocks: layout.blocks(),
            multiplier: layout.multiplier,
            unused: 0,
        };
        ctx.queue
            .write_buffer(&self.uniforms, 0, bytemuck::bytes_of(&u));
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("parts"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: self.uniforms.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::TextureView(&scratch.view),
                },
            ],
        });
        let mut pass = color_pass(encoder, target, "parts in order", wgpu::LoadOp::Load);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, &bind_group, &[]);
        pass.draw(0..3, 0..1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_permutation_is_a_bijection_with_its_inverse() {
        for (w, h) in [(1, 1), (4, 4), (61, 37), (490, 430), (1026, 830)] {
            let l = PartLayout::new(w, h).unwrap();
            let n = u64::from(l.blocks());
            let mut seen = vec![false; n as usize];
            for b in 0..n {
                let i = b * u64::from(l.multiplier) % n;
                assert_eq!(i * u64::from(l.inverse) % n, b, "{w}x{h}");
                assert!(!seen[i as usize], "{w}x{h}: position {i} twice");
                seen[i as usize] = true;
            }
        }
    }

    #[test]
    fn a_row_of_positions_holds_blocks_from_all_over_the_image() {
        let l = PartLayout::new(490, 430).unwrap();
        let n = l.blocks();
        // Position row 0 and the middle row: their blocks' image rows span the image.
        for row in [0, l.rows() / 2] {
            let rows: Vec<u32> = (0..l.blocks_x)
                .map(|x| {
                    let i = row * l.blocks_x + x;
                    let b = u64::from(i) * u64::from(l.inverse) % u64::from(n);
                    b as u32 / l.blocks_x
                })
                .collect();
            let top = rows.iter().filter(|&&r| r < l.blocks_y / 2).count();
            let share = top as f64 / rows.len() as f64;
            assert!((0.35..0.65).contains(&share), "row {row}: {share}");
        }
    }

    #[test]
    fn too_large_or_empty_images_have_no_layout() {
        assert!(PartLayout::new(0, 10).is_none());
        assert!(PartLayout::new(4097, 4096).is_none());
        assert!(PartLayout::new(4096, 4096).is_some());
    }
}
