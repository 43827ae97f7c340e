//! Loading third-party studies: STS_001 (GE PET-CT), CRLM CT, and malformed files.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use glam::DVec3;
use petct::dicom::{load_study, scan, LoadOptions};

/// ImagePositionPatient of every file in a folder, ordered along the slice normal.
fn positions(dir: &Path) -> Vec<DVec3> {
    let mut v: Vec<DVec3> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let obj = dicom_object::OpenFileOptions::new()
                .read_until(tags::PIXEL_DATA)
                .open_file(e.unwrap().path())
                .unwrap();
            let ipp = obj
                .element(tags::IMAGE_POSITION_PATIENT)
                .unwrap()
                .to_multi_float64()
                .unwrap();
            DVec3::new(ipp[0], ipp[1], ipp[2])
        })
        .collect();
    v.sort_by(|a, b| a.z.total_cmp(&b.z));
    v
}

fn load(dirs: &[PathBuf], pet_series: Option<&str>) -> petct::dicom::Study {
    let options = LoadOptions {
        pet_series: pet_series.map(String::from),
        ..Default::default()
    };
    load_study(dirs, &options).expect("study loads")
}

#[test]
fn sts001_has_three_series_and_prefers_bqml_pet() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    let scanned = scan(std::slice::from_ref(&dir));
    assert_eq!(scanned.series.len(), 3, "{:?}", scanned.problems);
    assert!(scanned.problems.is_empty());
    let study = load(&[dir], None);
    let pet = study.pet.expect("PET loaded");
    assert_eq!(pet.suv_inputs.units.as_deref(), Some("BQML"));
    assert_eq!(pet.series.volume.dims(), [128, 128, 267]);
    let factor = pet.suv_factor().expect("SUV available");
    // 71 kg, 388.777 MBq injected at 10:35:00, scan 11:20:11, half-life 6588 s.
    let expected = 71_000.0 / (3.88777472e8 * 0.5f64.powf(2711.0 / 6588.0));
    assert!((factor - expected).abs() / expected < 1e-9);
    let suv_max = pet.series.volume.stats().max * factor;
    assert!(suv_max > 5.0 && suv_max < 100.0, "SUVmax {suv_max}");
    assert!(study.notes.iter().any(|n| n.contains("BQML")));
    let ct = study.ct.expect("CT loaded");
    assert_eq!(ct.volume.dims(), [198, 202, 59]);
}

#[test]
fn sts001_suv_matches_mirp_voxel_for_voxel() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    let study = load(&[dir.join("pet_bqml")], None);
    let pet = study.pet.unwrap();
    let factor = pet.suv_factor().unwrap();
    let mirp = load(&[dir.join("pet_suv_mirp")], None).pet.unwrap();
    assert_eq!(
        mirp.suv_factor(),
        Some(1.0),
        "MIRP's series is already SUV (GML)"
    );
    let (ours, theirs) = (&pet.series.volume, &mirp.series.volume);
    let [nx, ny, nz] = theirs.dims();
    let mut worst = 0.0f64;
    for z in 0..nz {
        for y in 0..ny {
            for x in 0..nx {
                let p = theirs
                    .geometry
                    .voxel_to_patient(DVec3::new(x as f64, y as f64, z as f64));
                let v = ours.geometry.patient_to_voxel(p);
                let r = v.round();
                assert!((v - r).abs().max_element() < 1e-3, "grids differ at {p:?}");
                let ours_suv =
                    ours.get(r.x as usize, r.y as usize, r.z as usize).unwrap() as f64 * factor;
                let theirs_suv = theirs.get(x, y, z).unwrap() as f64;
                worst = worst.max((ours_suv - theirs_suv).abs());
            }
        }
    }
    assert!(worst < 0.001, "largest SUV difference from MIRP {worst}");
}

#[test]
fn sts001_affines_match_first_and_last_slice_positions() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    let study = load(std::slice::from_ref(&dir), None);
    let ct = study.ct.unwrap().volume.geometry;
    let pet = study.pet.unwrap().series.volume.geometry;
    for (geometry, sub) in [(&ct, "ct"), (&pet, "pet_bqml")] {
        let ipp = positions(&dir.join(sub));
        let m = geometry.voxel_to_patient_matrix();
        let n = geometry.dims[2] as f64;
        let first = m.transform_point3(DVec3::ZERO);
        let last = m.transform_point3(DVec3::new(0.0, 0.0, n - 1.0));
        assert!(
            (first - ipp[0]).length() < 1e-3,
            "{sub}: {first:?} vs {:?}",
            ipp[0]
        );
        assert!(
            (last - ipp[ipp.len() - 1]).length() < 1e-3,
            "{sub}: {last:?}"
        );
    }
    // A patient point in the thigh: both volumes map it to the same place and back.
    let centre = ct.voxel_to_patient(DVec3::new(99.0, 101.0, 29.0));
    for geometry in [&ct, &pet] {
        let v = geometry.patient_to_voxel(centre);
        assert!((geometry.voxel_to_patient(v) - centre).length() < 1e-9);
        let d = geometry.dims;
        assert!(v.x >= 0.0 && v.y >= 0.0 && v.z >= 0.0);
        assert!(v.x < d[0] as f64 && v.y < d[1] as f64 && v.z < d[2] as f64);
    }
    // CT slices lie on PET slice planes (same frame of reference, same 3.27 mm slices).
    let z = pet.patient_to_voxel(ct.origin).z;
    assert!(
        (z - z.round()).abs() < 0.02,
        "CT slice at PET slice coordinate {z}"
    );
}

#[test]
fn crlm_ct_loads_with_spacing_and_hu_range() {
    let Some(dir) = common::data_dir("crlm_ct_1004") else {
        return;
    };
    let study = load(&[dir], None);
    assert!(study.pet.is_none());
    let ct = study.ct.unwrap();
    assert_eq!(ct.volume.dims(), [512, 512, 41]);
    let s = ct.volume.geometry.spacing;
    assert!((s[0] - 0.796875).abs() < 1e-6 && (s[1] - 0.796875).abs() < 1e-6);
    assert!((s[2] - 5.0).abs() < 1e-3, "slice spacing {}", s[2]);
    let stats = ct.volume.stats();
    // Reference values from pydicom + numpy on the same files: the -3024 HU is the
    // scanner's padding outside the reconstruction circle.
    assert_eq!((stats.min, stats.max), (-3024.0, 1377.0));
    assert!(
        (stats.mean - -1111.7856).abs() < 0.01,
        "mean {}",
        stats.mean
    );
}

#[test]
fn every_malformed_file_gives_an_error_or_warning_naming_it() {
    let Some(dir) = common::data_dir("malformed") else {
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 8);
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let messages: Vec<String> =
            match load_study(std::slice::from_ref(&file), &LoadOptions::default()) {
                Err(e) => vec![e.to_string()],
                Ok(study) => study
                    .problems
                    .iter()
                    .map(|e| e.to_string())
                    .chain(
                        study
                            .notes
                            .iter()
                            .filter(|n| n.contains("skipped"))
                            .cloned(),
                    )
                    .chain(study.ct.iter().flat_map(|s| s.warnings.clone()))
                    .chain(study.pet.iter().flat_map(|s| s.series.warnings.clone()))
                    .collect(),
            };
        assert!(
            messages.iter().any(|m| m.contains(&name)),
            "{name}: no error or warning naming the file: {messages:?}"
        );
    }
}

#[test]
fn sts001_offers_both_pet_series_with_the_reason_for_the_default() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    let study = load(std::slice::from_ref(&dir), None);
    let c = &study.choices;
    assert_eq!(c.pet.len(), 2, "{c:?}");
    assert_eq!(c.ct.len(), 1);
    assert!(c.pet[0].traits.starts_with("BQML"), "best first: {c:?}");
    assert_eq!(c.pet_chosen.as_deref(), Some(c.pet[0].uid.as_str()));
    let why = c.pet_reason.as_deref().unwrap();
    assert!(
        why.contains("preferred over") && why.contains("GML"),
        "{why}"
    );
    // The other one, chosen by its UID (both have series number 1).
    let other = c.pet[1].uid.clone();
    let again = load(&[dir], Some(&other));
    assert_eq!(again.choices.pet_chosen.as_deref(), Some(other.as_str()));
    assert!(again
        .choices
        .pet_reason
        .as_deref()
        .unwrap()
        .contains("chosen by the user"));
    let pet = again.pet.unwrap();
    assert_eq!(pet.suv_inputs.units.as_deref(), Some("GML"));
}
