// Fused MPR slices (owned by src/render/mpr.rs): CT in grey with window/level, PET through
// a colormap on top with a linear fusion weight, and a crosshair.

// Keep in sync with `MprUniforms` in src/render/mpr.rs.
struct Uniforms {
    ct_patient_to_tex: mat4x4<f32>,
    pet_patient_to_tex: mat4x4<f32>,
    label_patient_to_tex: mat4x4<f32>,
    reference_patient_to_tex: mat4x4<f32>,
    origin: vec4<f32>,      // patient position of pixel (0, 0)'s corner
    axis_u: vec4<f32>,      // patient mm per pixel to the right
    axis_v: vec4<f32>,      // patient mm per pixel downwards
    ct: vec4<f32>,          // window low, window high, HU per texel unit, present (0/1)
    pet: vec4<f32>,         // window low, window high, display units per texel unit, present
    params: vec4<f32>,      // fusion opacity, crosshair on (0/1), nearest sampling (0/1), labels on (0/1)
    crosshair: vec4<f32>,   // cursor pixel x, y
    crosshair_colour: vec4<f32>,
    selection: vec4<u32>,   // selected lesion id (0: none), reference outline on (0/1), unused, unused
    ct_slabs: vec4<f32>,    // slab layout (sample_slabs in common.wgsl)
    pet_slabs: vec4<f32>,
};

// A read-only storage buffer, not a uniform buffer: Mesa's lavapipe inlines uniform-buffer
// values that steer branches and loops into the compiled shader, so every new camera or
// cursor compiled a new shader variant (about 140 ms a frame); storage buffers are not
// inlined.
@group(0) @binding(0) var<storage, read> u: Uniforms;
@group(0) @binding(1) var ct_tex: texture_3d<f32>;
@group(0) @binding(2) var pet_tex: texture_3d<f32>;
@group(0) @binding(3) var lin: sampler;
@group(0) @binding(4) var nearest: sampler;
@group(0) @binding(5) var<storage, read> colormap: array<vec4<f32>>;
@group(0) @binding(6) var labels: texture_3d<u32>;
@group(0) @binding(7) var reference_mask: texture_3d<u32>;
// Slabs 1-3 of volumes deeper than one texture (slab 0 is ct_tex / pet_tex).
@group(0) @binding(8) var ct_tex1: texture_3d<f32>;
@group(0) @binding(9) var ct_tex2: texture_3d<f32>;
@group(0) @binding(10) var ct_tex3: texture_3d<f32>;
@group(0) @binding(11) var pet_tex1: texture_3d<f32>;
@group(0) @binding(12) var pet_tex2: texture_3d<f32>;
@group(0) @binding(13) var pet_tex3: texture_3d<f32>;

#include "common.wgsl"

fn ct_sample(c: vec3<f32>) -> f32 {
    if (u.params.z > 0.5) {
        return sample_slabs(ct_tex, ct_tex1, ct_tex2, ct_tex3, nearest, u.ct_slabs, c);
    }
    return sample_slabs(ct_tex, ct_tex1, ct_tex2, ct_tex3, lin, u.ct_slabs, c);
}

fn pet_sample(c: vec3<f32>) -> f32 {
    if (u.params.z > 0.5) {
        return sample_slabs(pet_tex, pet_tex1, pet_tex2, pet_tex3, nearest, u.pet_slabs, c);
    }
    return sample_slabs(pet_tex, pet_tex1, pet_tex2, pet_tex3, lin, u.pet_slabs, c);
}

@fragment
fn fs_main(@builtin(position) frag: vec4<f32>) -> @location(0) vec4<f32> {
    let p = u.origin.xyz + u.axis_u.xyz * frag.x + u.axis_v.xyz * frag.y;
    var rgb = vec3<f32>(0.0);
    var has_ct = false;
    if (u.ct.w > 0.5) {
        let tc = (u.ct_patient_to_tex * vec4<f32>(p, 1.0)).xyz;
        if (inside_unit(tc)) {
            let hu = ct_sample(tc) * u.ct.z;
            rgb = vec3<f32>(clamp((hu - u.ct.x) / (u.ct.y - u.ct.x), 0.0, 1.0));
            has_ct = true;
        }
    }
    if (u.pet.w > 0.5) {
        let pc = (u.pet_patient_to_tex * vec4<f32>(p, 1.0)).xyz;
        if (inside_unit(pc)) {
            let v = pet_sample(pc) * u.pet.z;
            if (u.ct.w < 0.5) {
                // PET alone: the whole window through the colormap.
                rgb = colormap_lookup((v - u.pet.x) / (u.pet.y - u.pet.x));
            } else if (!has_ct) {
                // Fused beyond the CT's field of view (a CT cropped to a region): the PET
                // from 0 to the window's top, so the anatomy around the CT stays visible
                // rather than black below the fusion threshold.
                rgb = colormap_lookup(v / u.pet.y);
            } else if (v > u.pet.x) {
                let s = clamp((v - u.pet.x) / (u.pet.y - u.pet.x), 0.0, 1.0);
                rgb = mix(rgb, colormap_lookup(s), u.params.x);
            }
        }
    }
    if (u.params.w > 0.5) {
        // Lesion outlines: where the label differs from a neighbouring pixel's.
        let m = u.label_patient_to_tex;
        let l = label_at(labels, m, p);
        let lx = label_at(labels, m, p + u.axis_u.xyz);
        let ly = label_at(labels, m, p + u.axis_v.xyz);
        if (max(max(l, lx), ly) != 0u && (l != lx || l != ly)) {
            // An edge touching the selected lesion is drawn in its colour, others in the
            // colour of the lesion with the higher label (quiet ones are grey).
            let sel = u.selection.x;
            let touches = sel != 0u && (l == sel || lx == sel || ly == sel);
            rgb = lesion_colour(select(max(max(l, lx), ly), sel, touches), sel);
        }
    }
    if (u.selection.y != 0u) {
        // Reference contour: the pixel after a change in the mask, where lesion outlines
        // take the pixel before it, so where the two agree both show side by side.
        let m = u.reference_patient_to_tex;
        let r = label_at(reference_mask, m, p) != 0u;
        let rx = label_at(reference_mask, m, p - u.axis_u.xyz) != 0u;
        let ry = label_at(reference_mask, m, p - u.axis_v.xyz) != 0u;
        if (r != rx || r != ry) {
            rgb = REFERENCE_MAGENTA;
        }
    }
    if (u.params.y > 0.5) {
        let dx = abs(frag.x - u.crosshair.x);
        let dy = abs(frag.y - u.crosshair.y);
        // Lines with a gap around the cursor so the point itself stays visible.
        if ((dx < 0.5 && dy > 6.0) || (dy < 0.5 && dx > 6.0)) {
            rgb = mix(rgb, u.crosshair_colour.rgb, u.crosshair_colour.a);
        }
    }
    return vec4<f32>(rgb, 1.0);
}
