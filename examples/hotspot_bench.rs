//! Hot-spot segmentation benchmark: median wall time of `find_hotspots` (segmentation and
//! measurement) per method on a synthetic whole-body PET.
//!
//! ```text
//! cargo run --release --example hotspot_bench -- [--runs 20]
//! ```
//! The PET is 200 x 200 x 300 voxels of 4 mm: an elliptical body (SUV 1 with 10 % voxel
//! noise) in air, a liver (SUV 2.2) on the patient's right, a bladder (SUV 15) and 40 Gaussian
//! hot blobs of SUV 3-15.

use std::time::Instant;

use glam::DVec3;
use petct::analysis::{find_hotspots, propose_liver_reference, HotspotParams, Method};
use petct::volume::{Geometry, Unit, Volume};
use rayon::prelude::*;

const DIMS: [usize; 3] = [200, 200, 300];
const SPACING: f64 = 4.0;
const BLOBS: usize = 40;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut runs = 20;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().unwrap_or_default().parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let t = Instant::now();
    let suv = phantom();
    println!(
        "synthetic PET {}x{}x{} at {SPACING} mm built in {:.0} ms; {} threads",
        DIMS[0],
        DIMS[1],
        DIMS[2],
        t.elapsed().as_secs_f64() * 1e3,
        rayon::current_num_threads()
    );
    let liver = liver_centre();
    let cases = [
        ("abs 2.5", Method::Absolute { suv: 2.5 }, None),
        ("percent 41", Method::PercentOfMax { fraction: 0.41 }, None),
        ("percist (liver given)", Method::Percist, Some(liver)),
        ("percist (liver proposed)", Method::Percist, None),
    ];
    for (name, method, liver_centre_mm) in cases {
        let params = HotspotParams {
            method,
            liver_centre_mm,
            ..Default::default()
        };
        let mut times = Vec::with_capacity(runs);
        let mut lesions = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let r = find_hotspots(&suv, None, &params)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            lesions = r.lesions.len();
        }
        println!(
            "{name:>26}: median {:7.2} ms (min {:.2}) over {runs} runs, {lesions} lesions",
            median(&mut times),
            times[0]
        );
    }
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let _ = propose_liver_reference(&suv, None);
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    println!(
        "{:>26}: median {:7.2} ms",
        "liver proposal alone",
        median(&mut times)
    );
    let proposed = propose_liver_reference(&suv, None)?;
    println!(
        "proposed liver sphere at ({:.0}, {:.0}, {:.0}) mm (liver centred at {:?}), SUV {:.2} +- {:.2}",
        proposed.centre_mm.x,
        proposed.centre_mm.y,
        proposed.centre_mm.z,
        liver.to_array(),
        proposed.suv_mean,
        proposed.suv_sd
    );
    Ok(())
}

/// Median of the times (sorted in place, so `times[0]` is then the minimum).
fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn geometry() -> Geometry {
    let half = DVec3::new(
        (DIMS[0] - 1) as f64,
        (DIMS[1] - 1) as f64,
        (DIMS[2] - 1) as f64,
    ) * SPACING
        / 2.0;
    Geometry::axial(DIMS, [SPACING; 3], -half)
}

fn liver_centre() -> DVec3 {
    DVec3::new(-80.0, -10.0, 150.0)
}

/// splitmix64: a deterministic hash for noise and blob placement.
fn hash(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Uniform in [0, 1).
fn unit(x: u64) -> f64 {
    (hash(x) >> 11) as f64 / (1u64 << 53) as f64
}

struct Blob {
    centre: DVec3,
    sigma: f64,
    peak: f64,
}

fn blobs() -> Vec<Blob> {
    (0..BLOBS as u64)
        .map(|k| {
            let u = |j: u64| unit(k * 16 + j + 1000);
            Blob {
                centre: DVec3::new(
                    (u(0) - 0.5) * 240.0,
                    (u(1) - 0.5) * 160.0,
                    (u(2) - 0.5) * 1000.0,
                ),
                sigma: 4.0 + 8.0 * u(3),
                peak: 3.0 + 12.0 * u(4),
            }
        })
        .collect()
}

/// Noise-free SUV at a patient point.
fn uptake(p: DVec3, blobs: &[Blob]) -> f64 {
    let body = (p.x / 170.0).powi(2) + (p.y / 120.0).powi(2) <= 1.0 && p.z.abs() < 580.0;
    if !body {
        return 0.0;
    }
    let liver = ((p - liver_centre()) / DVec3::new(70.0, 80.0, 80.0)).length_squared() <= 1.0;
    let bladder = ((p - DVec3::new(0.0, -40.0, -450.0)) / DVec3::new(40.0, 35.0, 30.0))
        .length_squared()
        <= 1.0;
    let mut v = if bladder {
        15.0
    } else if liver {
        2.2
    } else {
        1.0
    };
    for b in blobs {
        let d2 = p.distance_squared(b.centre);
        if d2 < 16.0 * b.sigma * b.sigma {
            v += (b.peak - 1.0) * (-d2 / (2.0 * b.sigma * b.sigma)).exp();
        }
    }
    v
}

fn phantom() -> Volume {
    let g = geometry();
    let blobs = blobs();
    let slice = DIMS[0] * DIMS[1];
    let data: Vec<f32> = (0..g.voxel_count())
        .into_par_iter()
        .map(|i| {
            let (x, y, z) = (i % DIMS[0], (i / DIMS[0]) % DIMS[1], i / slice);
            let p = g.voxel_to_patient(DVec3::new(x as f64, y as f64, z as f64));
            // Approximately normal noise: the sum of four uniforms, unit variance.
            let n: f64 = (0..4).map(|j| unit(i as u64 * 4 + j) - 0.5).sum::<f64>() * 3f64.sqrt();
            (uptake(p, &blobs) * (1.0 + 0.10 * n)).max(0.0) as f32
        })
        .collect();
    Volume {
        geometry: g,
        data,
        unit: Unit::SuvBw,
    }
}
