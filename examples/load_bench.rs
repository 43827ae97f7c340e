//! Series load benchmark: median wall time to scan, sort, decode and rescale a series.
//!
//! ```text
//! cargo run --release --example load_bench -- [--runs 5] [--generate DIR] [SERIES_DIR ...]
//! ```
//! `--generate DIR` writes (once) a synthetic 512x512x300 CT series of single-frame,
//! uncompressed files with shuffled names into DIR and times it; other folders (for
//! example `../shared/data/sts_001/pet_bqml`, or the peer benchmark's series from
//! `../shared/bench/dicom_load_peer.py`) are timed as they are. Files are read warm from
//! the page cache, as the peer benchmark does.

use std::path::{Path, PathBuf};
use std::time::Instant;

use petct::dicom::{load_series, scan};
use synthetic_ct::generate_ct;

#[path = "common/synthetic_ct.rs"]
mod synthetic_ct;

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 5;
    let mut dirs: Vec<PathBuf> = Vec::new();
    while !args.is_empty() {
        let a = args.remove(0);
        match a.as_str() {
            "--runs" => runs = args.remove(0).parse()?,
            "--generate" => {
                let dir = PathBuf::from(args.remove(0));
                generate_ct(&dir)?;
                dirs.push(dir);
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    for dir in dirs {
        bench(&dir, runs)?;
    }
    Ok(())
}

fn bench(dir: &Path, runs: usize) -> anyhow::Result<()> {
    let mut times = Vec::new();
    let mut desc = String::new();
    for run in 0..=runs {
        let t0 = Instant::now();
        let scanned = scan(&[dir.to_path_buf()]);
        let series = scanned
            .series
            .first()
            .ok_or_else(|| anyhow::anyhow!("{}: no series", dir.display()))?;
        let scanned_s = t0.elapsed().as_secs_f64();
        let loaded = load_series(series)?;
        let secs = t0.elapsed().as_secs_f64();
        if std::env::var_os("LOAD_BENCH_VERBOSE").is_some() {
            eprintln!("scan {scanned_s:.4} s, total {secs:.4} s");
        }
        if run > 0 {
            // Run 0 warms the page cache.
            times.push(secs);
        }
        let d = loaded.volume.dims();
        desc = format!("{}x{}x{} {}", d[0], d[1], d[2], series.modality);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"method\": \"petct\", \"dir\": \"{}\", \"volume\": \"{desc}\", \"runs\": {runs}, \"median_s\": {median:.4}, \"min_s\": {:.4}, \"threads\": {}}}",
        dir.display(),
        times[0],
        rayon::current_num_threads()
    );
    Ok(())
}
