//! The fuzzing harness: seeded mutations (truncation, byte flips, length corruption, tag
//! swaps, VR changes, inserted junk, copied stretches) of every kind of file the tests
//! have, plus a nesting bomb. Each case must finish within 2 s, let no panic escape and
//! print none, and name the file in every error. `PETCT_FUZZ_CASES` sets the number of
//! cases (default 3,000); `cargo run --release --example fuzz -- --cases 100000` runs more.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fuzz.rs"]
mod fuzz;
#[path = "common/fuzz_seeds.rs"]
mod fuzz_seeds;
#[path = "common/samples.rs"]
mod samples;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn mutated_files_fail_cleanly_and_name_themselves() {
    // Counts panic messages that would reach the terminal. The library's quiet hook wraps
    // this one, so panics it contains never get here.
    let printed = Arc::new(AtomicUsize::new(0));
    let counter = printed.clone();
    std::panic::set_hook(Box::new(move |info| {
        counter.fetch_add(1, Ordering::SeqCst);
        eprintln!("{info}");
    }));
    let scratch = tempfile::tempdir().unwrap();
    let data = common::data_dir("");
    let seeds = fuzz_seeds::seeds(scratch.path(), data.as_deref());
    let cases = std::env::var("PETCT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let started = std::time::Instant::now();
    let report = fuzz::run(&seeds, cases, 20261202, scratch.path());
    eprintln!("{}", report.summary(seeds.len(), started.elapsed()));
    assert!(report.cases >= 3000 || cases < 3000);
    assert!(
        report.failures.is_empty(),
        "{} failures: {:#?}",
        report.failures.len(),
        &report.failures[..report.failures.len().min(10)]
    );
    assert_eq!(
        printed.load(Ordering::SeqCst),
        0,
        "panic messages were printed"
    );
}
