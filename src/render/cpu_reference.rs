//! A CPU ray marcher implementing the same maths as shaders/raymarch.wgsl, sample for
//! sample: the reference the GPU images are tested against. Slow; for small images.

use glam::{Mat3, Mat4, Vec2, Vec3, Vec4Swizzles};
use rayon::prelude::*;

use super::prepared::PreparedVolume;
use super::raymarch::{colormap_entries, RaymarchUniforms};
use super::settings::{RenderMode, RenderSettings};
use super::transfer::{lookup, TF_REFERENCE_STEP_MM};

const FAR: f32 = 1.0e30;

/// The jitter hash of the shader.
pub fn pcg(v: u32) -> u32 {
    let state = v.wrapping_mul(747796405).wrapping_add(2891336453);
    let word = ((state >> ((state >> 28) + 4)) ^ state).wrapping_mul(277803737);
    (word >> 22) ^ word
}

fn slab(o: Vec3, d: Vec3, lo: Vec3, hi: Vec3) -> Vec2 {
    let safe = |c: f32| {
        let s = if c == 0.0 { 1.0 } else { c.signum() };
        1.0 / (s * c.abs().max(1.0e-20))
    };
    let inv = Vec3::new(safe(d.x), safe(d.y), safe(d.z));
    let t0 = (lo - o) * inv;
    let t1 = (hi - o) * inv;
    let tmin = t0.min(t1);
    let tmax = t0.max(t1);
    Vec2::new(tmin.max_element(), tmax.min_element())
}

fn volume_range(m: Mat4, o: Vec3, d: Vec3) -> Vec2 {
    let ot = m.transform_point3(o);
    let dt = m.transform_vector3(d);
    slab(ot, dt, Vec3::ZERO, Vec3::ONE)
}

fn inside_unit(p: Vec3) -> bool {
    p.cmpge(Vec3::ZERO).all() && p.cmple(Vec3::ONE).all()
}

fn mix3(a: Vec3, b: Vec3, t: f32) -> Vec3 {
    a + (b - a) * t
}

/// Inputs of the reference renderer: the very data the GPU gets.
pub struct CpuScene<'a> {
    pub ct: Option<&'a PreparedVolume>,
    pub pet: Option<&'a PreparedVolume>,
    pub uniforms: RaymarchUniforms,
    pub settings: &'a RenderSettings,
}

struct Luts {
    transfer: Vec<[f32; 4]>,
    colormap: Vec<[f32; 4]>,
}

impl Luts {
    fn colormap(&self, t: f32) -> Vec3 {
        let n = self.colormap.len();
        let x = t.clamp(0.0, 1.0) * (n - 1) as f32;
        let i0 = (x.floor() as usize).min(n - 1);
        let i1 = (i0 + 1).min(n - 1);
        let a = Vec3::from_slice(&self.colormap[i0][..3]);
        let b = Vec3::from_slice(&self.colormap[i1][..3]);
        mix3(a, b, x - i0 as f32)
    }
}

/// Renders an RGBA8 image on the CPU.
pub fn render(scene: &CpuScene<'_>) -> image::RgbaImage {
    let u = &scene.uniforms;
    let (w, h) = (u.viewport[0] as u32, u.viewport[1] as u32);
    let luts = Luts {
        transfer: scene.settings.ct_preset.table(),
        colormap: colormap_entries(scene.settings.colormap),
    };
    let pixels: Vec<u8> = (0..w * h)
        .into_par_iter()
        .flat_map_iter(|i| {
            let c = shade_pixel(scene, &luts, i % w, i / w);
            c.map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        })
        .collect();
    image::RgbaImage::from_raw(w, h, pixels).unwrap_or_default()
}

fn jitter_at(u: &RaymarchUniforms, x: u32, y: u32) -> f32 {
    if u.params[3] == 0.0 {
        return 0.5;
    }
    let h = pcg(x.wrapping_add(pcg(y.wrapping_add(pcg(u.flags[2])))));
    (h >> 8) as f32 / 16_777_216.0
}

/// Forward differences of one texel from `hu`, the value at `tc` (as the shader does).
fn ct_gradient(ct: &PreparedVolume, m: Mat4, scale: f32, (tc, hu): (Vec3, f32)) -> Vec3 {
    let d = ct.dims();
    let h = Vec3::new(1.0 / d[0] as f32, 1.0 / d[1] as f32, 1.0 / d[2] as f32);
    let v = |p: Vec3| ct.sample(p) * scale;
    let gx = v(tc + Vec3::X * h.x) - hu;
    let gy = v(tc + Vec3::Y * h.y) - hu;
    let gz = v(tc + Vec3::Z * h.z) - hu;
    let g_tex = Vec3::new(gx, gy, gz) / h;
    let a = Mat3::from_cols(m.x_axis.xyz(), m.y_axis.xyz(), m.z_axis.xyz());
    a.transpose() * g_tex
}

fn shade(rgb: Vec3, g: Vec3, view_dir: Vec3) -> Vec3 {
    let len = g.length();
    let n = g / len.max(1.0e-6);
    let diffuse = n.dot(-view_dir).abs();
    let specular = diffuse.powf(24.0);
    let lit = rgb * (0.35 + 0.65 * diffuse) + Vec3::splat(0.25 * specular);
    let t = ((len - 5.0) / 45.0).clamp(0.0, 1.0);
    let w = t * t * (3.0 - 2.0 * t);
    mix3(rgb, lit, w)
}

fn shade_pixel(scene: &CpuScene<'_>, luts: &Luts, x: u32, y: u32) -> [f32; 4] {
    let u = &scene.uniforms;
    let settings = scene.settings;
    let mode = settings.mode;
    let ndc = Vec2::new(
        (x as f32 + 0.5) / u.viewport[0] * 2.0 - 1.0,
        1.0 - (y as f32 + 0.5) / u.viewport[1] * 2.0,
    );
    let inv = u.inv_view_proj();
    let near = inv * ndc.extend(0.0).extend(1.0);
    let far = inv * ndc.extend(1.0).extend(1.0);
    let o = near.xyz() / near.w;
    let d = (far.xyz() / far.w - o).normalize();
    let ct_m = Mat4::from_cols_array_2d(&u.ct_patient_to_tex);
    let pet_m = Mat4::from_cols_array_2d(&u.pet_patient_to_tex);
    let ct = scene.ct.filter(|_| mode != RenderMode::PetMip);
    let pet = scene
        .pet
        .filter(|_| matches!(mode, RenderMode::FusedDvr | RenderMode::PetMip));
    let ct_range = ct.map_or(Vec2::new(FAR, -FAR), |_| volume_range(ct_m, o, d));
    let pet_range = pet.map_or(Vec2::new(FAR, -FAR), |_| volume_range(pet_m, o, d));
    let (mut t_enter, mut t_exit) = (FAR, -FAR);
    for r in [ct_range, pet_range] {
        if r.x <= r.y {
            t_enter = t_enter.min(r.x);
            t_exit = t_exit.max(r.y);
        }
    }
    if let Some((lo, hi)) = settings.crop {
        let c = slab(o, d, lo, hi);
        t_enter = t_enter.max(c.x);
        t_exit = t_exit.min(c.y);
    }
    if settings.clip_plane.is_some() {
        let n = Vec3::from_slice(&u.clip_plane[..3]);
        let nd = n.dot(d);
        let limit = u.clip_plane[3] - n.dot(o);
        if nd > 0.0 {
            t_exit = t_exit.min(limit / nd);
        } else if nd < 0.0 {
            t_enter = t_enter.max(limit / nd);
        } else if limit < 0.0 {
            t_exit = -FAR;
        }
    }
    t_enter = t_enter.max(0.0);
    let step = u.params[0];
    let jitter = jitter_at(u, x, y);
    let (ct_scale, pet_scale) = (u.ct_dims[3], u.pet_dims[3]);
    let [_, _, pet_lo, pet_hi] = u.window;
    let mut colour = Vec3::ZERO;
    let mut alpha = 0.0f32;
    let mut max_value = -FAR;
    for k in 0..u.flags[3] {
        let t = t_enter + (k as f32 + jitter) * step;
        if t > t_exit {
            break;
        }
        let p = o + d * t;
        let tc = ct_m.transform_point3(p);
        let pc = pet_m.transform_point3(p);
        let in_ct = ct.filter(|_| inside_unit(tc));
        let in_pet = pet.filter(|_| inside_unit(pc));
        match mode {
            RenderMode::PetMip => {
                if let Some(v) = in_pet {
                    max_value = max_value.max(v.sample(pc) * pet_scale);
                }
            }
            RenderMode::CtMip => {
                if let Some(v) = in_ct {
                    max_value = max_value.max(v.sample(tc) * ct_scale);
                }
            }
            RenderMode::FusedDvr | RenderMode::CtDvr => {
                let mut rgb = Vec3::ZERO;
                let mut a_ref = 0.0;
                if let Some(v) = in_ct {
                    let hu = v.sample(tc) * ct_scale;
                    let tf = lookup(&luts.transfer, hu);
                    a_ref = tf[3];
                    rgb = Vec3::new(tf[0], tf[1], tf[2]);
                    if a_ref > 0.0 && settings.shading {
                        rgb = shade(rgb, ct_gradient(v, ct_m, ct_scale, (tc, hu)), d);
                    }
                }
                if let (Some(v), RenderMode::FusedDvr) = (in_pet, mode) {
                    let suv = v.sample(pc) * pet_scale;
                    if suv > pet_lo {
                        let s = ((suv - pet_lo) / (pet_hi - pet_lo)).clamp(0.0, 1.0);
                        let w = u.params[1];
                        rgb = mix3(rgb, luts.colormap(s), w);
                        a_ref += (u.params[2] * (0.25 + 0.75 * s) - a_ref) * w;
                    }
                }
                if a_ref > 0.0 {
                    let a = 1.0 - (1.0 - a_ref.clamp(0.0, 0.999)).powf(step / TF_REFERENCE_STEP_MM);
                    colour += (1.0 - alpha) * a * rgb;
                    alpha += (1.0 - alpha) * a;
                    if alpha > 0.99 {
                        break;
                    }
                }
            }
        }
    }
    match mode {
        RenderMode::PetMip => {
            let s = ((max_value.max(0.0) - pet_lo) / (pet_hi - pet_lo)).clamp(0.0, 1.0);
            luts.colormap(s).extend(1.0).to_array()
        }
        RenderMode::CtMip => {
            let [lo, hi, _, _] = u.window;
            let s = ((max_value - lo) / (hi - lo)).clamp(0.0, 1.0);
            [s, s, s, 1.0]
        }
        _ => {
            let bg = Vec3::from_slice(&u.background[..3]);
            (colour + (1.0 - alpha) * bg).extend(1.0).to_array()
        }
    }
}
