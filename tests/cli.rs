//! The `petct` binary as a user runs it.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

#[test]
fn info_json_lists_sts001_series_with_suv() {
    let Some(dir) = common::data_dir("sts_001") else {
        return;
    };
    let (ok, stdout, stderr) = common::petct(&["info", dir.to_str().unwrap(), "--json"]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 3);
    for s in series {
        for key in [
            "series_uid",
            "modality",
            "dims",
            "spacing_mm",
            "units",
            "suv_factor",
            "suv_unavailable_reason",
            "min",
            "max",
            "mean",
        ] {
            assert!(s.get(key).is_some(), "missing {key} in {s}");
        }
    }
    let bqml = series
        .iter()
        .find(|s| s["units"] == "BQML")
        .expect("BQML PET");
    assert!(bqml["suv_factor"].as_f64().unwrap() > 0.0);
    assert!(bqml["suv_unavailable_reason"].is_null());
    assert!(bqml["suv_max"].as_f64().unwrap() > 5.0);
    assert_eq!(bqml["dims"], serde_json::json!([128, 128, 267]));
    let ct = series.iter().find(|s| s["modality"] == "CT").unwrap();
    assert_eq!(ct["dims"], serde_json::json!([198, 202, 59]));
    assert!(
        v.get("patient").is_none(),
        "no patient identifiers without --show-phi"
    );
    let (_, with_phi, _) = common::petct(&["info", dir.to_str().unwrap(), "--json", "--show-phi"]);
    let v: serde_json::Value = serde_json::from_str(&with_phi).unwrap();
    assert_eq!(v["patient"]["id"], "STS_001");
}

#[test]
fn suv_unavailable_is_explained_when_weight_is_overridden_to_zero() {
    let Some(dir) = common::data_dir("sts_001/pet_bqml") else {
        return;
    };
    let (ok, stdout, stderr) =
        common::petct(&["info", dir.to_str().unwrap(), "--json", "--weight-kg", "0"]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let s = &v["series"][0];
    assert!(s["suv_factor"].is_null());
    assert!(s["suv_unavailable_reason"]
        .as_str()
        .unwrap()
        .contains("weight"));
    assert_eq!(s["stats_units"], "BQML", "PET reported in its own units");
}

#[test]
fn phantom_command_writes_dicom_that_info_reads() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nema");
    let (ok, _, stderr) = common::petct(&["phantom", "--kind", "nema", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = common::petct(&["info", out.to_str().unwrap(), "--json"]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let pet = v["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["modality"] == "PT")
        .unwrap();
    let suv_max = pet["suv_max"].as_f64().unwrap();
    assert!(suv_max > 3.0 && suv_max < 6.0, "NEMA SUVmax {suv_max}");
}

#[test]
fn bad_input_is_an_error_naming_the_file_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.dcm");
    std::fs::write(&bogus, b"definitely not DICOM").unwrap();
    let (ok, stdout, stderr) = common::petct(&["info", bogus.to_str().unwrap()]);
    assert!(!ok);
    assert!(stdout.contains("bogus.dcm") || stderr.contains("bogus.dcm"));
    assert!(!stderr.contains("panicked"));
}

#[test]
fn the_viewer_without_a_display_says_so_in_one_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_petct"))
        .args(["view", "--no-config"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("petct runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("display") && stderr.contains("petct render"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
