// Puts an image drawn in parts back in order (owned by src/render/parts.rs): every pixel
// of the target reads its block from the permuted image (see permute.wgsl).

struct Layout {
    blocks_x: u32,
    blocks: u32,
    multiplier: u32,
    unused: u32,
};

@group(0) @binding(0) var<uniform> order: Layout;
@group(0) @binding(1) var permuted: texture_2d<f32>;

#include "fullscreen.wgsl"
#include "permute.wgsl"

@fragment
fn fs_unpermute(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let q = vec2<u32>(frag.xy);
    let b = (q.y / PART_BLOCK) * order.blocks_x + q.x / PART_BLOCK;
    let i = mulmod(b % order.blocks, order.multiplier, order.blocks);
    let p = permuted_block_origin(i, order.blocks_x) + q % PART_BLOCK;
    return textureLoad(permuted, vec2<i32>(p), 0);
}
