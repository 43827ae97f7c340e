//! Built-in phantoms written as DICOM and read back by the loader give the same volumes,
//! and the NEMA phantom has its designed SUVs.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use glam::DVec3;
use petct::dicom::{load_study, LoadOptions};
use petct::phantom::{generate, generate_with, write_dicom, PhantomKind, PhantomOptions};

fn round_trip(kind: PhantomKind, options: &PhantomOptions) {
    let phantom = generate_with(kind, options);
    let dir = tempfile::tempdir().unwrap();
    write_dicom(&phantom, dir.path()).unwrap();
    let options = LoadOptions::default();
    let study = load_study(&[dir.path().to_path_buf()], &options).unwrap();
    assert!(study.problems.is_empty(), "{:?}", study.problems);
    // The viewer's progress bar counted every decoded slice of both series.
    let slices = phantom.ct.dims()[2] + phantom.pet.dims()[2];
    assert!(options.progress.decoding());
    assert_eq!(options.progress.counts(), (slices, slices));
    let ct = study.ct.unwrap().volume;
    let pet = study.pet.unwrap();
    // Geometry to a micrometre.
    for (a, b) in [
        (&ct.geometry, &phantom.ct.geometry),
        (&pet.series.volume.geometry, &phantom.pet.geometry),
    ] {
        assert_eq!(a.dims, b.dims);
        assert!((a.origin - b.origin).length() < 1e-3);
        for i in 0..3 {
            assert!((a.spacing[i] - b.spacing[i]).abs() < 1e-4);
        }
    }
    // CT to 1 HU (stored as integers, loaded as 16-bit floats: exact within +-2048 HU,
    // half a step of 2^-10 relative beyond); PET to its per-slice 16-bit quantisation.
    let ct_err = ct
        .data
        .iter()
        .zip(&phantom.ct.data)
        .map(|(a, b)| (a.to_f32() - b).abs() - b.abs() / 2048.0)
        .fold(0.0, f32::max);
    assert!(
        ct_err <= 0.5 + 1e-3,
        "CT differs by {ct_err} HU beyond f16 rounding"
    );
    let max = phantom.pet.stats().max as f32;
    let pet_err = pet
        .series
        .volume
        .data
        .iter()
        .zip(&phantom.pet.data)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(pet_err <= max / 32767.0, "PET differs by {pet_err} Bq/mL");
    // The SUV factor read back from the DICOM tags equals the generator's.
    let f = pet.suv_factor().expect("SUV from the written tags");
    let expected = phantom.acquisition.suv_factor();
    assert!((f - expected).abs() / expected < 1e-6, "{f} vs {expected}");
}

#[test]
fn nema_round_trips_through_dicom() {
    round_trip(
        PhantomKind::Nema,
        &PhantomOptions {
            downscale: 2,
            ..Default::default()
        },
    );
}

#[test]
fn torso_round_trips_through_dicom() {
    round_trip(
        PhantomKind::Torso,
        &PhantomOptions {
            downscale: 3,
            ..Default::default()
        },
    );
}

#[test]
fn nema_largest_sphere_and_background_have_their_suv() {
    let phantom = generate(PhantomKind::Nema);
    let factor = phantom.acquisition.suv_factor();
    let pet = &phantom.pet;
    let largest = phantom
        .lesions
        .iter()
        .max_by(|a, b| a.diameter_mm.total_cmp(&b.diameter_mm))
        .unwrap();
    assert_eq!(largest.diameter_mm, 37.0);
    let centre = pet.sample_patient(largest.centre_mm).unwrap() as f64 * factor;
    assert!(
        (centre - 4.0).abs() < 0.4,
        "37 mm sphere centre SUV {centre}"
    );
    // Background: a slab 40 mm below the sphere plane, away from the lung insert.
    let (mut sum, mut n) = (0.0, 0);
    let z = largest.centre_mm.z - 40.0;
    for x in (-120..=120).step_by(4) {
        for y in (-60..=60).step_by(4) {
            let p = DVec3::new(x as f64, y as f64, z);
            if (p.x.powi(2) + p.y.powi(2)).sqrt() < 50.0 {
                continue; // lung insert
            }
            if let Some(v) = pet.sample_patient(p) {
                sum += v as f64 * factor;
                n += 1;
            }
        }
    }
    let mean = sum / n as f64;
    assert!(
        n > 100 && (mean - 1.0).abs() < 0.05,
        "background mean SUV {mean} over {n} samples"
    );
}
