// The permuted block layout of an image drawn in parts (owned by src/render/parts.rs). Not
// a standalone shader; included by raymarch.wgsl and parts.wgsl.
//
// The image is cut into 4x4 pixel blocks (a software rasterizer's SIMD block), numbered
// row by row: b = by * blocks_x + bx, 0 <= b < blocks. Block b is drawn at position
// i = (b * multiplier) mod blocks of the permuted image, which has the image's block
// columns; position i holds block (i * inverse) mod blocks. With a multiplier near the
// golden ratio of `blocks`, consecutive positions hold blocks spread evenly over the
// image, so a run of permuted rows costs about its share of the whole image.

const PART_BLOCK: u32 = 4u;

// (a * b) mod m for a, b < m <= 2^20 without overflowing 32 bits.
fn mulmod(a: u32, b: u32, m: u32) -> u32 {
    let high = ((a * (b >> 10u)) % m) * 1024u;
    return (high + a * (b & 1023u)) % m;
}

// The pixel (top-left of its block plus `within`) of the block at permuted position i.
fn permuted_block_origin(block: u32, blocks_x: u32) -> vec2<u32> {
    return vec2<u32>(block % blocks_x, block / blocks_x) * PART_BLOCK;
}
