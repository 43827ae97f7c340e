//! Opening a study from a PACS: a 512x512x300 CT served by a real Orthanc (started here, as
//! the tests do) against the same folder on disk.
//!
//! ```text
//! cargo run --release --example pacs_bench -- [--runs 3] [--dir DIR]
//! ```
//! Prints one JSON line per figure (median wall seconds): `local` (load_view_study on the
//! folder, warm page cache), `transfer` (WADO-RS retrieval of the series, bytes discarded),
//! `url_first` (the study URL with an empty cache: fetch into the cache, then load) and
//! `url_cached` (the study URL again: from the cache, no request). Needs Debian's `orthanc`
//! and `orthanc-dicomweb`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Instant;

use petct::dicom::LoadOptions;
use petct::dicomweb::{Client, Credentials, Root};
use petct::study::load_view_study;

#[path = "../tests/common/orthanc.rs"]
mod orthanc;
#[path = "common/synthetic_ct.rs"]
mod synthetic_ct;

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 3;
    let mut dir = std::env::temp_dir().join("petct-pacs-bench-ct");
    while !args.is_empty() {
        let a = args.remove(0);
        match a.as_str() {
            "--runs" => runs = args.remove(0).parse()?,
            "--dir" => dir = PathBuf::from(args.remove(0)),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    synthetic_ct::generate_ct(&dir)?;
    let server = orthanc::Orthanc::start().ok_or_else(|| anyhow::anyhow!("Orthanc missing"))?;
    let t = Instant::now();
    let uploaded = server.upload(&dir);
    eprintln!(
        "uploaded {uploaded} instances in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let cache = tempfile::tempdir()?;
    std::env::set_var("PETCT_CACHE_DIR", cache.path());
    for (k, v) in server.credentials_env() {
        std::env::set_var(k, v);
    }
    let url = server.study_url(synthetic_ct::STUDY_UID);
    let options = LoadOptions::default();

    let local = median(runs, || {
        load_view_study(std::slice::from_ref(&dir), &options).map(|_| ())
    })?;
    let client = Client::new(Root::parse(&server.root())?.0, Credentials::from_env());
    let series = client.study_series(synthetic_ct::STUDY_UID)?;
    let transfer = median(runs, || {
        client
            .retrieve_series(synthetic_ct::STUDY_UID, &series[0].series_uid, |_| Ok(()))
            .map(|_| ())
            .map_err(Into::into)
    })?;
    let url_path = PathBuf::from(&url);
    let first = median(runs, || {
        std::fs::remove_dir_all(cache.path().join("studies")).ok();
        load_view_study(std::slice::from_ref(&url_path), &options).map(|_| ())
    })?;
    let cached = median(runs, || {
        load_view_study(std::slice::from_ref(&url_path), &options).map(|_| ())
    })?;
    for (name, secs) in [
        ("local", local),
        ("transfer", transfer),
        ("url_first", first),
        ("url_cached", cached),
    ] {
        println!(
            "{{\"figure\": \"{name}\", \"study\": \"CT 512x512x300\", \"runs\": {runs}, \"median_s\": {secs:.3}}}"
        );
    }
    println!(
        "{{\"figure\": \"url_first_over_limit\", \"limit_s\": {:.3}, \"within\": {}}}",
        2.0 * local + transfer,
        first <= 2.0 * local + transfer
    );
    Ok(())
}

/// Median wall time of `runs` runs after one warm-up.
fn median(runs: usize, mut f: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<f64> {
    f()?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}
