//! Hostile files: a declared length of gigabytes fails fast without allocating it, and the
//! command line prints one plain line per broken file, never a panic or a backtrace.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/fuzz.rs"]
mod fuzz;
#[path = "common/fuzz_seeds.rs"]
mod fuzz_seeds;
#[path = "common/samples.rs"]
mod samples;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use petct::dicom::{load_study, LoadOptions};

/// The process's peak resident memory so far (VmHWM), in bytes; `None` off Linux.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A small CT slice whose Patient's Name declares 3,976,200,238 bytes.
fn four_gigabyte_claim(path: &Path) {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    let obj = samples::native(
        samples::slice_header([0.0, 0.0, 0.0], samples::AXIAL, 1, 1.0),
        samples::pixels(1),
    );
    let mut obj = obj;
    obj.put(DataElement::new(
        dicom_dictionary_std::tags::PATIENT_COMMENTS,
        VR::LT,
        PrimitiveValue::from("x"),
    ));
    samples::write(
        obj,
        path,
        dicom_dictionary_std::uids::EXPLICIT_VR_LITTLE_ENDIAN,
    );
    // Turn the comment into an unlimited text (UT, 4-byte length) claiming ~4 GB.
    let mut bytes = std::fs::read(path).unwrap();
    let tag = [0x10, 0x00, 0x00, 0x40, b'L', b'T'];
    let at = bytes.windows(6).position(|w| w == tag).unwrap();
    let mut claim = vec![0x10, 0x00, 0x00, 0x40, b'U', b'T', 0, 0];
    claim.extend_from_slice(&3_976_200_238u32.to_le_bytes());
    bytes.splice(at..at + 8, claim);
    std::fs::write(path, bytes).unwrap();
}

/// `petct info PATH` with backtraces asked for: all it prints, asserted free of panic text.
fn info_without_panic_text(path: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_petct"))
        .arg("info")
        .arg(path)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("panicked") && !text.contains("backtrace"),
        "{text}"
    );
    text
}

#[test]
fn a_four_gigabyte_claim_fails_fast_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("claims-4gb.dcm");
    four_gigabyte_claim(&path);
    let before = peak_memory();
    let started = Instant::now();
    let err = load_study(std::slice::from_ref(&path), &LoadOptions::default()).unwrap_err();
    let took = started.elapsed();
    let msg = err.to_string();
    assert!(msg.contains("claims-4gb.dcm"), "{msg}");
    let study_problems = format!("{err:?}");
    assert!(
        study_problems.contains("declares 3,976,200,238 bytes but only"),
        "{study_problems}"
    );
    assert!(took < Duration::from_millis(100), "took {took:?}");
    if let (Some(a), Some(b)) = (before, peak_memory()) {
        assert!(b - a < 50 << 20, "peak memory grew by {} MB", (b - a) >> 20);
    }
}

#[test]
fn a_misread_un_sequence_no_longer_costs_gigabytes() {
    // pydicom's UN_sequence.dcm made dicom-rs allocate 3.7 GB before failing.
    let Some(dir) = common::data_dir("malformed") else {
        return;
    };
    let started = Instant::now();
    let err = load_study(&[dir.join("UN_sequence.dcm")], &LoadOptions::default()).unwrap_err();
    assert!(format!("{err:?}").contains("UN_sequence.dcm"));
    assert!(started.elapsed() < Duration::from_millis(100));
}

#[test]
fn broken_files_print_one_plain_line_each_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    four_gigabyte_claim(&dir.path().join("a.dcm"));
    std::fs::write(dir.path().join("b.dcm"), b"not dicom at all").unwrap();
    let text = info_without_panic_text(dir.path());
    for name in ["a.dcm", "b.dcm"] {
        let lines = text.lines().filter(|l| l.contains(name)).count();
        assert!(lines >= 1, "{name} is not named: {text}");
    }
}

#[test]
fn a_corrupt_rle_file_that_panics_the_decoder_prints_one_line() {
    // Mutate the RLE seed until dicom-pixeldata's RLE decoder panics (it indexes outside
    // a segment on some corrupt offset tables), then show that the command line prints one
    // plain error for it and nothing of the panic.
    let dir = tempfile::tempdir().unwrap();
    let seeds = fuzz_seeds::seeds(dir.path(), None);
    let (_, rle) = seeds.iter().find(|(n, _)| n == "RLE").unwrap();
    let path = dir.path().join("corrupt-rle.dcm");
    let mut rng = fuzz::Rng::new(7);
    let found = (0..20_000).any(|_| {
        let (bytes, _) = fuzz::mutate(rle, &mut rng);
        std::fs::write(&path, bytes).unwrap();
        let before = petct::dicom::contained_panics();
        let _ = load_study(std::slice::from_ref(&path), &LoadOptions::default());
        petct::dicom::contained_panics() > before
    });
    if !found {
        eprintln!("no mutation made the RLE decoder panic (fixed upstream?)");
        return;
    }
    let text = info_without_panic_text(&path);
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("corrupt-rle.dcm"))
        .collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(errors[0].contains("compressed data is corrupt"), "{text}");
}
