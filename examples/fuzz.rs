//! The fuzzing harness of tests/fuzz.rs, for longer runs before a release:
//!
//! ```text
//! cargo run --release --example fuzz -- [--cases 100000] [--seed N] [--data ../shared/data]
//!     [--keep DIR] [--case K]
//! ```
//! Prints each failure (a panic that escaped, a case over 2 s, an error that does not name
//! its file) and exits non-zero if there was one. `--case K` writes case K of the run to
//! DIR (`--keep`, default the current folder) and checks only that case, for replaying.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/fuzz.rs"]
mod fuzz;
#[path = "../tests/common/fuzz_seeds.rs"]
mod fuzz_seeds;
#[path = "../tests/common/samples.rs"]
mod samples;

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut cases = 100_000usize;
    let mut seed = 20261202u64;
    let mut data = Some(PathBuf::from("../shared/data"));
    let mut keep = PathBuf::from(".");
    let mut only = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--cases" => cases = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--data" => data = Some(PathBuf::from(value()?)),
            "--keep" => keep = PathBuf::from(value()?),
            "--case" => only = Some(value()?.parse::<usize>()?),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let data = data.filter(|d| d.exists());
    let scratch = tempfile::tempdir()?;
    let seeds = fuzz_seeds::seeds(scratch.path(), data.as_deref());
    if let Some(k) = only {
        let mut rng = fuzz::Rng::new(seed);
        let mut case = None;
        for i in 0..=k {
            let (name, bytes) = &seeds[i % seeds.len()];
            let (mutated, how) = fuzz::mutate(bytes, &mut rng);
            case = Some((format!("case {i} ({how} of {name})"), mutated));
        }
        let (label, bytes) = case.ok_or_else(|| anyhow::anyhow!("no case"))?;
        let path = keep.join(format!("case{k:06}.dcm"));
        std::fs::write(&path, bytes)?;
        println!("{label}: {}", path.display());
        match fuzz::check_case(&path, &label) {
            Ok(took) => println!("ok in {took:?}"),
            Err(f) => println!("FAILED: {}", f.problem),
        }
        return Ok(());
    }
    let started = std::time::Instant::now();
    let report = fuzz::run(&seeds, cases, seed, scratch.path());
    println!("{}", report.summary(seeds.len(), started.elapsed()));
    for c in &report.contained {
        println!("contained a decoder panic: {c}");
    }
    for f in &report.failures {
        println!("FAILED {}: {}", f.case, f.problem);
    }
    anyhow::ensure!(
        report.failures.is_empty(),
        "{} failures",
        report.failures.len()
    );
    Ok(())
}
