// Ray marching of the CT and PET volumes in patient space (owned by src/render/raymarch.rs).
//
// Rays run through the union of both volumes' boxes, clipped by the crop box and the clip
// plane. Samples lie on a fixed lattice t = t_enter + (k + jitter) * step, so empty-space
// skipping only removes samples that contribute nothing and never changes the image.
// src/render/cpu_reference.rs implements the same maths on the CPU; keep them in step.

// Keep in sync with `RaymarchUniforms` in src/render/raymarch.rs.
struct Uniforms {
    inv_view_proj: mat4x4<f32>,
    ct_patient_to_tex: mat4x4<f32>,
    pet_patient_to_tex: mat4x4<f32>,
    label_patient_to_tex: mat4x4<f32>,
    crop_min: vec4<f32>,
    crop_max: vec4<f32>,
    clip_plane: vec4<f32>,   // normal.xyz, d: keep dot(normal, p) <= d
    ct_dims: vec4<f32>,      // texels xyz, w: HU per texel unit
    pet_dims: vec4<f32>,     // texels xyz, w: display units (SUV) per texel unit
    ct_bricks: vec4<f32>,    // brick grid xyz, w: brick edge in texels
    pet_bricks: vec4<f32>,
    window: vec4<f32>,       // CT lo, CT hi (MIP grey), PET lo, PET hi (display units)
    params: vec4<f32>,       // step mm, fusion opacity, PET opacity per mm, jitter (0 or 1)
    background: vec4<f32>,
    viewport: vec4<f32>,     // image width, height; piece edge and cell stride when spread
    flags: vec4<u32>,        // mode, feature bits, jitter seed, max steps
    selection: vec4<u32>,    // selected lesion id (0: none); permuted layout: blocks, inverse, blocks_x (0: none)
    ct_slabs: vec4<f32>,     // slab layout (sample_slabs in common.wgsl)
    pet_slabs: vec4<f32>,
};

const MODE_FUSED: u32 = 0u;
const MODE_PET_MIP: u32 = 1u;
const MODE_CT_MIP: u32 = 2u;
const MODE_CT_DVR: u32 = 3u;

const HAS_CT: u32 = 1u;
const HAS_PET: u32 = 2u;
const SKIP_EMPTY: u32 = 4u;
const SHADING: u32 = 8u;
const CROP: u32 = 16u;
const CLIP: u32 = 32u;
const LABELS: u32 = 64u;

const TF_HU_MIN: f32 = -1024.0;
const TF_HU_MAX: f32 = 3071.0;
const TF_REFERENCE_STEP_MM: f32 = 1.0;
const FAR: f32 = 1.0e30;

// A read-only storage buffer, not a uniform buffer: Mesa's lavapipe inlines uniform-buffer
// values that steer branches and loops into the compiled shader, so every new camera or
// cursor compiled a new shader variant (about 140 ms a frame); storage buffers are not
// inlined.
@group(0) @binding(0) var<storage, read> u: Uniforms;
@group(0) @binding(1) var ct_tex: texture_3d<f32>;
@group(0) @binding(2) var pet_tex: texture_3d<f32>;
@group(0) @binding(3) var lin: sampler;
@group(0) @binding(4) var ct_occupancy: texture_3d<u32>;
@group(0) @binding(5) var pet_occupancy: texture_3d<u32>;
// Bindings 6 and 7 held brick maxima for MIP skipping, which MIP no longer does (see mip).
@group(0) @binding(8) var<storage, read> transfer: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read> colormap: array<vec4<f32>>;
@group(0) @binding(10) var labels: texture_3d<u32>;
// Slabs 1-3 of volumes deeper than one texture (slab 0 is ct_tex / pet_tex).
@group(0) @binding(11) var ct_tex1: texture_3d<f32>;
@group(0) @binding(12) var ct_tex2: texture_3d<f32>;
@group(0) @binding(13) var ct_tex3: texture_3d<f32>;
@group(0) @binding(14) var pet_tex1: texture_3d<f32>;
@group(0) @binding(15) var pet_tex2: texture_3d<f32>;
@group(0) @binding(16) var pet_tex3: texture_3d<f32>;

#include "common.wgsl"
#include "permute.wgsl"

fn pcg(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn jitter_at(px: vec2<u32>) -> f32 {
    if (u.params.w == 0.0) {
        return 0.5;
    }
    let h = pcg(px.x + pcg(px.y + pcg(u.flags.z)));
    return f32(h >> 8u) / 16777216.0;
}

// The image pixel (centre) a fragment draws; negative where it draws none.
//
// A spread image (Renderer::render_3d_spread) lies in the target as pieces of
// viewport.z x viewport.z pixels, one at the corner of each viewport.w x viewport.w cell, so
// that a software rasterizer shares the pieces out among its threads by tile.
//
// A permuted image (Renderer::render_3d_part, selection.w != 0) holds the image's 4x4
// blocks in the order of permute.wgsl: position i holds block (i * selection.z) mod
// selection.y, of an image selection.w blocks wide.
fn image_pixel(frag: vec2<f32>) -> vec2<f32> {
    var p = frag;
    if (u.selection.w != 0u) {
        let q = vec2<u32>(frag);
        let i = (q.y / PART_BLOCK) * u.selection.w + q.x / PART_BLOCK;
        if (i >= u.selection.y) {
            return vec2<f32>(-1.0);
        }
        let b = mulmod(i, u.selection.z, u.selection.y);
        p = vec2<f32>(permuted_block_origin(b, u.selection.w) + q % PART_BLOCK) + vec2<f32>(0.5);
    } else if (u.viewport.z > 0.0) {
        let piece = u.viewport.z;
        let cell = floor(frag / u.viewport.w);
        let local = frag - cell * u.viewport.w;
        if (any(local > vec2<f32>(piece))) {
            return vec2<f32>(-1.0);
        }
        p = cell * piece + local;
    }
    if (any(p > u.viewport.xy)) {
        return vec2<f32>(-1.0);
    }
    return p;
}

fn safe_inverse(d: vec3<f32>) -> vec3<f32> {
    let tiny = vec3<f32>(1.0e-20);
    let s = select(vec3<f32>(1.0), sign(d), d != vec3<f32>(0.0));
    return 1.0 / (s * max(abs(d), tiny));
}

// Ray parameter range inside the box [lo, hi] given in the space where the ray is (o, d).
fn slab(o: vec3<f32>, d: vec3<f32>, lo: vec3<f32>, hi: vec3<f32>) -> vec2<f32> {
    let inv = safe_inverse(d);
    let t0 = (lo - o) * inv;
    let t1 = (hi - o) * inv;
    let tmin = min(t0, t1);
    let tmax = max(t0, t1);
    return vec2<f32>(max(max(tmin.x, tmin.y), tmin.z), min(min(tmax.x, tmax.y), tmax.z));
}

fn volume_range(m: mat4x4<f32>, o: vec3<f32>, d: vec3<f32>) -> vec2<f32> {
    let ot = (m * vec4<f32>(o, 1.0)).xyz;
    let dt = (m * vec4<f32>(d, 0.0)).xyz;
    return slab(ot, dt, vec3<f32>(0.0), vec3<f32>(1.0));
}

fn tf_lookup(hu: f32) -> vec4<f32> {
    let n = arrayLength(&transfer);
    let x = clamp((hu - TF_HU_MIN) / (TF_HU_MAX - TF_HU_MIN), 0.0, 1.0) * f32(n - 1u);
    let i0 = min(u32(floor(x)), n - 1u);
    let i1 = min(i0 + 1u, n - 1u);
    return mix(transfer[i0], transfer[i1], x - f32(i0));
}

fn corrected_alpha(a_ref: f32, step: f32) -> f32 {
    return 1.0 - pow(1.0 - clamp(a_ref, 0.0, 0.999), step / TF_REFERENCE_STEP_MM);
}

fn ct_value(tc: vec3<f32>) -> f32 {
    return sample_slabs(ct_tex, ct_tex1, ct_tex2, ct_tex3, lin, u.ct_slabs, tc) * u.ct_dims.w;
}

fn pet_value(pc: vec3<f32>) -> f32 {
    return sample_slabs(pet_tex, pet_tex1, pet_tex2, pet_tex3, lin, u.pet_slabs, pc) *
        u.pet_dims.w;
}

// Patient-space gradient of HU at tc, where the value is `hu`, by forward differences of
// one texel: three more samples instead of central differences' six (fused DVR 715 ->
// 610 ms on the peer volumes); the normal it gives is half a texel off, which lighting
// does not show.
fn ct_gradient(tc: vec3<f32>, hu: f32) -> vec3<f32> {
    let h = 1.0 / u.ct_dims.xyz;
    let gx = ct_value(tc + vec3<f32>(h.x, 0.0, 0.0)) - hu;
    let gy = ct_value(tc + vec3<f32>(0.0, h.y, 0.0)) - hu;
    let gz = ct_value(tc + vec3<f32>(0.0, 0.0, h.z)) - hu;
    let g_tex = vec3<f32>(gx, gy, gz) / h;
    let m = u.ct_patient_to_tex;
    let a = mat3x3<f32>(m[0].xyz, m[1].xyz, m[2].xyz);
    return transpose(a) * g_tex;
}

fn shade(rgb: vec3<f32>, tc: vec3<f32>, hu: f32, view_dir: vec3<f32>) -> vec3<f32> {
    let g = ct_gradient(tc, hu);
    let len = length(g);
    let n = g / max(len, 1.0e-6);
    // Headlight: light comes from the eye; two-sided diffuse.
    let l = -view_dir;
    let diffuse = abs(dot(n, l));
    let specular = pow(diffuse, 24.0);
    let lit = rgb * (0.35 + 0.65 * diffuse) + vec3<f32>(0.25 * specular);
    // Homogeneous regions have no meaningful normal: fade shading in with the gradient.
    let w = smoothstep(5.0, 50.0, len);
    return mix(rgb, lit, w);
}

// Next ray parameter at which the occupancy of a volume may change, for a ray whose
// texture-space origin and direction are `ot` and `dt`.
fn next_event(ot: vec3<f32>, dt: vec3<f32>, dims: vec3<f32>, bsize: f32, p_tex: vec3<f32>,
              range: vec2<f32>, t: f32) -> f32 {
    if (t < range.x) {
        return range.x;
    }
    if (t > range.y) {
        return FAR;
    }
    let b = floor(p_tex * dims / bsize);
    let lo = b * bsize / dims;
    let hi = (b + vec3<f32>(1.0)) * bsize / dims;
    return slab(ot, dt, lo, hi).y;
}

fn brick_of(p_tex: vec3<f32>, dims: vec3<f32>, bricks: vec4<f32>) -> vec3<i32> {
    let b = floor(p_tex * dims / bricks.w);
    return vec3<i32>(clamp(b, vec3<f32>(0.0), bricks.xyz - vec3<f32>(1.0)));
}

// Maximum intensity projection along [t_enter, t_exit] through one volume, with texture
// coordinates tex_o + tex_d * t, on the sample lattice t = t_enter + (k + jitter) * step,
// in one tight loop over the samples inside the volume's box. Measured on a software
// rasterizer (render_bench, PET MIP at 512x512): per-sample branches, brick skipping
// included, cost more than the samples themselves (skipping brick by brick 106 ms, this
// loop 68 ms), because the lanes of a SIMD group skip different bricks and wait for the
// slowest; so MIP does not skip.
fn mip(is_pet: bool, m: mat4x4<f32>, o: vec3<f32>, d: vec3<f32>, t_enter: f32, t_exit: f32,
       jitter: f32) -> f32 {
    let step = u.params.x;
    let tex_o = (m * vec4<f32>(o, 1.0)).xyz;
    let tex_d = (m * vec4<f32>(d, 0.0)).xyz;
    let range = slab(tex_o, tex_d, vec3<f32>(0.0), vec3<f32>(1.0));
    let t_lo = max(t_enter, range.x);
    let t_hi = min(t_exit, range.y);
    if (!(t_lo <= t_hi)) {
        // The ray misses the box (also keeps FAR out of the integer conversions below).
        return -FAR;
    }
    let k_first = max(i32(ceil((t_lo - t_enter) / step - jitter)), 0);
    let k_last = min(i32(floor((t_hi - t_enter) / step - jitter)), k_first + i32(u.flags.w));
    var best = -FAR;
    for (var k = k_first; k <= k_last; k = k + 1) {
        let t = t_enter + (f32(k) + jitter) * step;
        best = max(best, volume_value(is_pet, tex_o + tex_d * t));
    }
    return best;
}

// The PET's value in display units, or the CT's in HU, at texture coordinates c. A branch,
// not select(): select would sample both volumes.
fn volume_value(is_pet: bool, c: vec3<f32>) -> f32 {
    if (is_pet) {
        return pet_value(c);
    }
    return ct_value(c);
}

// A primary ray and the parameter range it spends in the volumes the mode uses.
struct Ray {
    o: vec3<f32>,
    d: vec3<f32>,
    t_enter: f32,
    t_exit: f32,
    ct_range: vec2<f32>,
    pet_range: vec2<f32>,
    use_ct: bool,
    use_pet: bool,
    jitter: f32,
};

// `px`: the image pixel's centre (see image_pixel). A pixel that is not `drawn` gets an
// empty ray: a software rasterizer keeps running a discarded fragment's code (masked), so
// it must have no samples to take.
fn setup_ray(px: vec2<f32>, drawn: bool) -> Ray {
    let mode = u.flags.x;
    let bits = u.flags.y;
    let has_ct = (bits & HAS_CT) != 0u;
    let has_pet = (bits & HAS_PET) != 0u;
    let ndc = vec2<f32>(px.x / u.viewport.x * 2.0 - 1.0, 1.0 - px.y / u.viewport.y * 2.0);
    let near = u.inv_view_proj * vec4<f32>(ndc, 0.0, 1.0);
    let far = u.inv_view_proj * vec4<f32>(ndc, 1.0, 1.0);
    let o = near.xyz / near.w;
    let d = normalize(far.xyz / far.w - o);

    let use_ct = has_ct && mode != MODE_PET_MIP;
    let use_pet = has_pet && (mode == MODE_FUSED || mode == MODE_PET_MIP);
    var ct_range = vec2<f32>(FAR, -FAR);
    var pet_range = vec2<f32>(FAR, -FAR);
    if (use_ct) {
        ct_range = volume_range(u.ct_patient_to_tex, o, d);
    }
    if (use_pet) {
        pet_range = volume_range(u.pet_patient_to_tex, o, d);
    }
    var t_enter = FAR;
    var t_exit = -FAR;
    if (ct_range.x <= ct_range.y) {
        t_enter = min(t_enter, ct_range.x);
        t_exit = max(t_exit, ct_range.y);
    }
    if (pet_range.x <= pet_range.y) {
        t_enter = min(t_enter, pet_range.x);
        t_exit = max(t_exit, pet_range.y);
    }
    if ((bits & CROP) != 0u) {
        let c = slab(o, d, u.crop_min.xyz, u.crop_max.xyz);
        t_enter = max(t_enter, c.x);
        t_exit = min(t_exit, c.y);
    }
    if ((bits & CLIP) != 0u) {
        let nd = dot(u.clip_plane.xyz, d);
        let limit = u.clip_plane.w - dot(u.clip_plane.xyz, o);
        if (nd > 0.0) {
            t_exit = min(t_exit, limit / nd);
        } else if (nd < 0.0) {
            t_enter = max(t_enter, limit / nd);
        } else if (limit < 0.0) {
            t_exit = -FAR;
        }
    }
    t_enter = max(t_enter, 0.0);
    if (!drawn) {
        t_exit = -FAR;
    }

    let step = u.params.x;
    let jitter = jitter_at(vec2<u32>(px));
    return Ray(o, d, t_enter, t_exit, ct_range, pet_range, use_ct, use_pet, jitter);
}

// MIP modes have an entry point of their own: the compact loop compiles to fast code,
// untouched by the compositing path.
@fragment
fn fs_mip(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let mode = u.flags.x;
    let px = image_pixel(frag.xy);
    let drawn = px.x >= 0.0;
    if (!drawn) {
        discard;
    }
    let r = setup_ray(px, drawn);
    let o = r.o;
    let d = r.d;
    let t_enter = r.t_enter;
    let t_exit = r.t_exit;
    let jitter = r.jitter;
    let use_ct = r.use_ct;
    let use_pet = r.use_pet;
    if (mode == MODE_PET_MIP) {
        var best = 0.0;
        if (use_pet) {
            best = max(mip(true, u.pet_patient_to_tex, o, d, t_enter, t_exit, jitter), 0.0);
        }
        let s = clamp((best - u.window.z) / (u.window.w - u.window.z), 0.0, 1.0);
        return vec4<f32>(colormap_lookup(s), 1.0);
    }
    {
        var best = -FAR;
        if (use_ct) {
            best = mip(false, u.ct_patient_to_tex, o, d, t_enter, t_exit, jitter);
        }
        let s = clamp((best - u.window.x) / (u.window.y - u.window.x), 0.0, 1.0);
        return vec4<f32>(vec3<f32>(s), 1.0);
    }
}

@fragment
fn fs_main(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let mode = u.flags.x;
    let bits = u.flags.y;
    let px = image_pixel(frag.xy);
    let drawn = px.x >= 0.0;
    if (!drawn) {
        discard;
    }
    let r = setup_ray(px, drawn);
    let o = r.o;
    let d = r.d;
    let t_enter = r.t_enter;
    let t_exit = r.t_exit;
    let jitter = r.jitter;
    let use_ct = r.use_ct;
    let use_pet = r.use_pet;
    let ct_range = r.ct_range;
    let pet_range = r.pet_range;
    let step = u.params.x;
    let skip = (bits & SKIP_EMPTY) != 0u;
    var colour = vec3<f32>(0.0);
    var alpha = 0.0;
    var k = 0;
    var checked_until = -FAR;
    let ct_o = (u.ct_patient_to_tex * vec4<f32>(o, 1.0)).xyz;
    let ct_d = (u.ct_patient_to_tex * vec4<f32>(d, 0.0)).xyz;
    let pet_o = (u.pet_patient_to_tex * vec4<f32>(o, 1.0)).xyz;
    let pet_d = (u.pet_patient_to_tex * vec4<f32>(d, 0.0)).xyz;
    for (var i = 0u; i < u.flags.w; i = i + 1u) {
        let t = t_enter + (f32(k) + jitter) * step;
        if (t > t_exit) {
            break;
        }
        let tc = ct_o + ct_d * t;
        let pc = pet_o + pet_d * t;
        let in_ct = use_ct && inside_unit(tc);
        let in_pet = use_pet && inside_unit(pc);
        if (skip && t >= checked_until) {
            let ct_full = in_ct && textureLoad(ct_occupancy, brick_of(tc, u.ct_dims.xyz, u.ct_bricks), 0).r != 0u;
            let pet_full = in_pet && textureLoad(pet_occupancy, brick_of(pc, u.pet_dims.xyz, u.pet_bricks), 0).r != 0u;
            let empty = !(ct_full || pet_full);
            var next = FAR;
            if (use_ct) {
                next = min(next, next_event(ct_o, ct_d, u.ct_dims.xyz, u.ct_bricks.w, tc, ct_range, t));
            }
            if (use_pet) {
                next = min(next, next_event(pet_o, pet_d, u.pet_dims.xyz, u.pet_bricks.w, pc, pet_range, t));
            }
            if (empty) {
                let k_next = i32(ceil((min(next, t_exit + step) - t_enter) / step - jitter));
                k = max(k + 1, k_next);
                continue;
            }
            checked_until = next;
        }
        {
            var rgb = vec3<f32>(0.0);
            var a_ref = 0.0;
            if (in_ct) {
                let hu = ct_value(tc);
                let tf = tf_lookup(hu);
                a_ref = tf.a;
                rgb = tf.rgb;
                if (a_ref > 0.0 && (bits & SHADING) != 0u) {
                    rgb = shade(rgb, tc, hu, d);
                }
            }
            if (in_pet && mode == MODE_FUSED) {
                let suv = pet_value(pc);
                if (suv > u.window.z) {
                    let s = clamp((suv - u.window.z) / (u.window.w - u.window.z), 0.0, 1.0);
                    let w = u.params.y;
                    var pet_rgb = colormap_lookup(s);
                    var pet_a = u.params.z * (0.25 + 0.75 * s);
                    // Suspicious hot spots glow green, the selected one cyan; physiologic
                    // ones (quiet labels) do not glow unless selected.
                    if ((bits & LABELS) != 0u) {
                        let l = label_at(labels, u.label_patient_to_tex, o + d * t);
                        if (l != 0u && (!lesion_quiet(l) || l == u.selection.x)) {
                            pet_rgb = mix(pet_rgb, lesion_colour(l, u.selection.x), 0.6);
                            pet_a = max(pet_a, 0.3);
                        }
                    }
                    rgb = mix(rgb, pet_rgb, w);
                    a_ref = mix(a_ref, pet_a, w);
                }
            }
            if (a_ref > 0.0) {
                let a = corrected_alpha(a_ref, step);
                colour = colour + (1.0 - alpha) * a * rgb;
                alpha = alpha + (1.0 - alpha) * a;
                if (alpha > 0.99) {
                    break;
                }
            }
        }
        k = k + 1;
    }
    return vec4<f32>(colour + (1.0 - alpha) * u.background.rgb, 1.0);
}
