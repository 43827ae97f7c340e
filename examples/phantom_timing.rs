//! Times phantom generation and optionally writes preview images.
//!
//! `cargo run --release --example phantom_timing [-- --runs N] [--png DIR]`: prints the best
//! of N (default 3) timings of `petct::phantom::generate` for each phantom; with `--png`,
//! writes axial, coronal and sagittal CT, PET and fused previews of each as PNG files into DIR.

use glam::DVec3;
use petct::phantom::{generate, Phantom, PhantomKind};
use petct::volume::Volume;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let png_dir = args
        .iter()
        .position(|a| a == "--png")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    for kind in [PhantomKind::Nema, PhantomKind::Torso] {
        let mut best = f64::INFINITY;
        let mut p = generate(kind);
        for _ in 0..runs {
            let t = Instant::now();
            p = generate(kind);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{kind}: best of {runs}: {best:.3} s on {} threads; CT {:?} PET {:?}",
            rayon::current_num_threads(),
            p.ct.geometry.dims,
            p.pet.geometry.dims
        );
        if let Some(dir) = &png_dir {
            std::fs::create_dir_all(dir)?;
            previews(&p, dir)?;
        }
    }
    Ok(())
}

/// A plane through the volumes: pixel (u, v) is at `origin + u * du + v * dv`.
struct Plane {
    name: &'static str,
    origin: DVec3,
    du: DVec3,
    dv: DVec3,
    width: usize,
    height: usize,
}

fn planes(p: &Phantom) -> Vec<Plane> {
    let (lo, hi) = p.ct.geometry.patient_bounds();
    let pix = 1.0;
    let size = hi - lo;
    let mut out = Vec::new();
    let z_levels: Vec<(&'static str, f64)> = match p.kind {
        PhantomKind::Nema => vec![("axial", 20.0)],
        PhantomKind::Torso => vec![
            ("axial_neck", 275.0),
            ("axial_apex", 240.0),
            ("axial_chest", 175.0),
            ("axial_heart", 140.0),
            ("axial_liver", 60.0),
            ("axial_kidney", -10.0),
            ("axial_l3", -35.0),
            ("axial_iliac", -120.0),
            ("axial_pelvis", -180.0),
        ],
    };
    for (name, z) in z_levels {
        out.push(Plane {
            name,
            origin: DVec3::new(lo.x, lo.y, z),
            du: DVec3::X * pix,
            dv: DVec3::Y * pix,
            width: (size.x / pix) as usize,
            height: (size.y / pix) as usize,
        });
    }
    for (name, y) in [("coronal", 0.0), ("coronal_post", 40.0)] {
        out.push(Plane {
            name,
            origin: DVec3::new(lo.x, y, hi.z),
            du: DVec3::X * pix,
            dv: -DVec3::Z * pix,
            width: (size.x / pix) as usize,
            height: (size.z / pix) as usize,
        });
    }
    for (name, x) in [("sagittal", 0.0), ("sagittal_right", -80.0)] {
        out.push(Plane {
            name,
            origin: DVec3::new(x, lo.y, hi.z),
            du: DVec3::Y * pix,
            dv: -DVec3::Z * pix,
            width: (size.y / pix) as usize,
            height: (size.z / pix) as usize,
        });
    }
    out
}

fn sample(v: &Volume, p: DVec3) -> f64 {
    v.sample_patient(p).map_or(f64::NAN, f64::from)
}

/// Coronal maximum-intensity projection of the PET (inverted grey, SUV 0 to 8).
fn pet_mip(p: &Phantom, dir: &Path) -> std::io::Result<()> {
    let f = p.acquisition.suv_factor();
    let [nx, ny, nz] = p.pet.dims();
    let mut px = Vec::with_capacity(nx * nz * 3);
    for k in (0..nz).rev() {
        for i in 0..nx {
            let m = (0..ny).fold(0.0f32, |m, j| m.max(p.pet.data[p.pet.index(i, j, k)]));
            let g = 1.0 - (m as f64 * f / 8.0).clamp(0.0, 1.0);
            px.extend([(g * 255.0) as u8; 3]);
        }
    }
    write_png(&dir.join(format!("{}_pet_mip.png", p.kind)), nx, nz, &px)
}

fn previews(p: &Phantom, dir: &Path) -> std::io::Result<()> {
    pet_mip(p, dir)?;
    let f = p.acquisition.suv_factor();
    for plane in planes(p) {
        let mut ct = Vec::new();
        let mut pet = Vec::new();
        let mut fused = Vec::new();
        for v in 0..plane.height {
            for u in 0..plane.width {
                let q = plane.origin + plane.du * u as f64 + plane.dv * v as f64;
                let hu = sample(&p.ct, q);
                let suv = sample(&p.pet, q) * f;
                let g = if hu.is_nan() {
                    0.0
                } else {
                    ((hu + 160.0) / 400.0).clamp(0.0, 1.0)
                };
                let s = if suv.is_nan() {
                    0.0
                } else {
                    (suv / 6.0).clamp(0.0, 1.0)
                };
                ct.extend([g; 3].map(|c| (c * 255.0) as u8));
                pet.extend([1.0 - s; 3].map(|c| (c * 255.0) as u8));
                let hot = [
                    (s * 3.0).min(1.0),
                    (s * 3.0 - 1.0).clamp(0.0, 1.0),
                    (s * 3.0 - 2.0).clamp(0.0, 1.0),
                ];
                let a = (s * 2.0).min(0.7);
                fused.extend((0..3).map(|c| ((g * (1.0 - a) + hot[c] * a) * 255.0) as u8));
            }
        }
        let (w, h) = (plane.width, plane.height);
        for (what, px) in [("ct", ct), ("pet", pet), ("fused", fused)] {
            let path = dir.join(format!("{}_{}_{}.png", p.kind, plane.name, what));
            write_png(&path, w, h, &px)?;
        }
    }
    Ok(())
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// An 8-bit RGB PNG with uncompressed (stored) deflate blocks.
fn write_png(path: &Path, w: usize, h: usize, rgb: &[u8]) -> std::io::Result<()> {
    let mut raw = Vec::with_capacity((w * 3 + 1) * h);
    for row in rgb.chunks(w * 3) {
        raw.push(0);
        raw.extend(row);
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, b) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        z.extend((b.len() as u16).to_le_bytes());
        z.extend((!(b.len() as u16)).to_le_bytes());
        z.extend(*b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = (w as u32).to_be_bytes().to_vec();
    ihdr.extend((h as u32).to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    std::fs::File::create(path)?.write_all(&out)
}
