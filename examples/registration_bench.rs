//! Rigid registration benchmark: median wall time of `register_rigid` (CT to CT) on a
//! 512 x 512 x 300 CT pair, and the error at the planted lesions.
//!
//! ```text
//! cargo run --release --example registration_bench -- [--runs 5]
//! ```
//! The pair is the torso phantom and its follow-up (moved by 4.3 degrees and 41 mm), each CT
//! resliced from 170 slices of 3 mm to 300 slices of 1.7 mm along its own slice axis.

use std::time::Instant;

use petct::analysis::registration::{register_rigid, RegistrationParams};
use petct::phantom::{
    followup_truth, generate, generate_followup, PhantomKind, PhantomOptions, Scenario,
};
use petct::volume::{Geometry, Volume};
use rayon::prelude::*;

const SLICES: usize = 300;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut runs = 5;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().unwrap_or_default().parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let baseline = reslice(&generate(PhantomKind::Torso).ct);
    let followup = reslice(&generate_followup(Scenario::Smd, &PhantomOptions::default()).ct);
    println!(
        "CT pair {:?} and {:?} voxels",
        baseline.geometry.dims, followup.geometry.dims
    );
    let truth = followup_truth(Scenario::Smd);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = register_rigid(&baseline, &followup, &RegistrationParams::ct())?;
        times.push(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let r = last.ok_or_else(|| anyhow::anyhow!("no runs"))?;
    let errors: Vec<f64> = truth
        .lesions
        .iter()
        .filter_map(|l| {
            l.followup_centre_mm.map(|f| {
                r.followup_to_baseline
                    .apply(f)
                    .distance(l.baseline_centre_mm)
            })
        })
        .collect();
    let max_error = errors.iter().copied().fold(0.0, f64::max);
    println!(
        "register_rigid: median {:.2} s over {runs} runs (min {:.2}, max {:.2}); NCC {:.3}, \
         {} evaluations; lesion error max {max_error:.2} mm",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        r.quality,
        r.evaluations
    );
    Ok(())
}

/// The same field of view with [`SLICES`] slices (trilinear along the slice axis).
fn reslice(v: &Volume) -> Volume {
    let g = &v.geometry;
    let nz = g.dims[2];
    let step = (nz - 1) as f64 / (SLICES - 1) as f64;
    let geometry = Geometry {
        dims: [g.dims[0], g.dims[1], SLICES],
        spacing: [g.spacing[0], g.spacing[1], g.spacing[2] * step],
        ..g.clone()
    };
    let plane = g.dims[0] * g.dims[1];
    let mut data = vec![0.0f32; plane * SLICES];
    data.par_chunks_mut(plane).enumerate().for_each(|(k, out)| {
        let z = k as f64 * step;
        let z0 = (z.floor() as usize).min(nz - 1);
        let z1 = (z0 + 1).min(nz - 1);
        let f = (z - z0 as f64) as f32;
        let (a, b) = (
            &v.data[z0 * plane..][..plane],
            &v.data[z1 * plane..][..plane],
        );
        for ((o, a), b) in out.iter_mut().zip(a).zip(b) {
            *o = a + (b - a) * f;
        }
    });
    Volume {
        geometry,
        data,
        unit: v.unit.clone(),
    }
}
