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

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use petct::dicom::{load_series, scan};

const DIMS: [usize; 3] = [512, 512, 300];

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

/// Writes the synthetic CT series unless a complete one is already there.
fn generate_ct(dir: &Path) -> anyhow::Result<()> {
    let marker = dir.join("complete.txt");
    if marker.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let [nx, ny, nz] = DIMS;
    for k in 0..nz {
        // Shuffle file names against positions with a fixed permutation.
        let name = (k * 7919) % nz;
        let z = k as f64 * 2.0 - 300.0;
        let pixels: Vec<u16> = (0..nx * ny)
            .map(|i| {
                let (x, y) = ((i % nx) as f64 - 256.0, (i / nx) as f64 - 256.0);
                let body = (x / 200.0).powi(2) + (y / 150.0).powi(2) < 1.0;
                if body {
                    1064 + ((x * y + z) as i64 % 50) as u16
                } else {
                    24
                }
            })
            .collect();
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::SOP_CLASS_UID,
                VR::UI,
                PrimitiveValue::from(uids::CT_IMAGE_STORAGE),
            ),
            DataElement::new(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(format!("2.25.9{k}")),
            ),
            DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("CT")),
            DataElement::new(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("2.25.4242"),
            ),
            DataElement::new(
                tags::INSTANCE_NUMBER,
                VR::IS,
                PrimitiveValue::from((k + 1).to_string()),
            ),
            DataElement::new(
                tags::IMAGE_POSITION_PATIENT,
                VR::DS,
                PrimitiveValue::from(format!("-250\\-250\\{z}")),
            ),
            DataElement::new(
                tags::IMAGE_ORIENTATION_PATIENT,
                VR::DS,
                PrimitiveValue::from("1\\0\\0\\0\\1\\0"),
            ),
            DataElement::new(
                tags::PIXEL_SPACING,
                VR::DS,
                PrimitiveValue::from("0.98\\0.98"),
            ),
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(ny as u16)),
            DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(nx as u16)),
            DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
            DataElement::new(
                tags::PHOTOMETRIC_INTERPRETATION,
                VR::CS,
                PrimitiveValue::from("MONOCHROME2"),
            ),
            DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
            DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(16u16)),
            DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(15u16)),
            DataElement::new(
                tags::PIXEL_REPRESENTATION,
                VR::US,
                PrimitiveValue::from(0u16),
            ),
            DataElement::new(tags::RESCALE_SLOPE, VR::DS, PrimitiveValue::from("1")),
            DataElement::new(
                tags::RESCALE_INTERCEPT,
                VR::DS,
                PrimitiveValue::from("-1024"),
            ),
            DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into())),
        ]);
        obj.with_meta(
            FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN),
        )?
        .write_to_file(dir.join(format!("{name:04}.dcm")))?;
    }
    std::fs::write(marker, "512x512x300 synthetic CT\n")?;
    Ok(())
}
