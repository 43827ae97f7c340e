// Functions shared by the full-screen shaders (raymarch.wgsl, mpr.wgsl). Not a standalone
// shader: src/render/wgsl.rs pastes it where a shader says `#include "common.wgsl"`.
//
// The including shader must declare, at module scope:
//   var<storage, read> colormap: array<vec4<f32>>;   // RGBA colormap entries, used by colormap_lookup
// Everything else arrives as parameters, so no uniform layout is assumed here.

// Lesion colours: suspicious lesions green, physiologic ones (quiet) grey, the selected one
// cyan.
const LESION_GREEN: vec3<f32> = vec3<f32>(0.2, 1.0, 0.3);
const LESION_CYAN: vec3<f32> = vec3<f32>(0.1, 0.9, 1.0);
// Blue-grey rather than grey: it stays visible on grey CT and inverted-grey PET.
const LESION_GREY: vec3<f32> = vec3<f32>(0.55, 0.62, 0.78);
// The reference mask's contour (ground truth, a SEG read back): magenta, apart from every
// lesion colour and from the hot-iron and grey colour maps (annotate/mip_image.rs mirrors it).
const REFERENCE_MAGENTA: vec3<f32> = vec3<f32>(1.0, 0.25, 0.9);
// Label values with this bit mark physiologic lesions drawn quietly (analysis::QUIET_LABEL_BIT).
const LESION_QUIET_BIT: u32 = 0x8000u;

#include "fullscreen.wgsl"

// Whether normalized texture coordinates lie in the volume.
fn inside_unit(p: vec3<f32>) -> bool {
    return all(p >= vec3<f32>(0.0)) && all(p <= vec3<f32>(1.0));
}

// A sample of a volume split into slabs along z (SlabPlan in src/render/gpu_volume.rs):
// `c` is the whole volume's normalized texture coordinate; `s` is (step, count, depth,
// full): slab k holds slices k * step onwards, `full` of them (fewer in the last), and
// neighbours share a slice, so the sample is taken inside one slab exactly as one texture
// would give it. Unused slab textures are bound to slab 0 and never sampled.
// SLABBED is set by the pipeline (SlabVariants in src/render/pipeline_util.rs): the plain
// pipeline compiles without the slab selection, which would slow every sample.
override SLABBED: bool = false;

fn sample_slabs(t0: texture_3d<f32>, t1: texture_3d<f32>, t2: texture_3d<f32>,
                t3: texture_3d<f32>, smp: sampler, s: vec4<f32>, c: vec3<f32>) -> f32 {
    if (!SLABBED || s.y < 1.5) {
        return textureSampleLevel(t0, smp, c, 0.0).r;
    }
    // Continuous slice index, slice centres at integers.
    let z = c.z * s.z - 0.5;
    let k = clamp(floor(z / s.x), 0.0, s.y - 1.0);
    let first = k * s.x;
    let depth = min(s.w, s.z - first);
    let lc = vec3<f32>(c.xy, (z - first + 0.5) / depth);
    switch (u32(k)) {
        case 0u: {
            return textureSampleLevel(t0, smp, lc, 0.0).r;
        }
        case 1u: {
            return textureSampleLevel(t1, smp, lc, 0.0).r;
        }
        case 2u: {
            return textureSampleLevel(t2, smp, lc, 0.0).r;
        }
        default: {
            return textureSampleLevel(t3, smp, lc, 0.0).r;
        }
    }
}

// Colormap at t in 0..1 (clamped), linear between entries.
fn colormap_lookup(t: f32) -> vec3<f32> {
    let n = arrayLength(&colormap);
    let x = clamp(t, 0.0, 1.0) * f32(n - 1u);
    let i0 = min(u32(floor(x)), n - 1u);
    let i1 = min(i0 + 1u, n - 1u);
    return mix(colormap[i0], colormap[i1], x - f32(i0)).rgb;
}

// Lesion id at a patient point (0: none), nearest texel of a label volume whose
// patient-to-texture transform is `patient_to_tex`.
fn label_at(label_tex: texture_3d<u32>, patient_to_tex: mat4x4<f32>, p: vec3<f32>) -> u32 {
    let c = (patient_to_tex * vec4<f32>(p, 1.0)).xyz;
    if (!inside_unit(c)) {
        return 0u;
    }
    let dims = vec3<f32>(textureDimensions(label_tex));
    let v = vec3<i32>(min(floor(c * dims), dims - vec3<f32>(1.0)));
    return textureLoad(label_tex, v, 0).r;
}

// Whether a label value marks a physiologic lesion drawn quietly (grey outline, no glow).
fn lesion_quiet(id: u32) -> bool {
    return (id & LESION_QUIET_BIT) != 0u;
}

// Highlight colour of a lesion: cyan when it is the selected one (`selected` 0: none), grey
// when quiet, else green.
fn lesion_colour(id: u32, selected: u32) -> vec3<f32> {
    if (selected != 0u && id == selected) {
        return LESION_CYAN;
    }
    return select(LESION_GREEN, LESION_GREY, lesion_quiet(id));
}
