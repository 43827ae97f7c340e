//! `petct response` on the follow-up phantoms: PERCIST categories, registration accuracy,
//! PERCIST SULpeak on every lesion, and the patient check.

// Test helpers outside #[test] functions panic on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use glam::DVec3;
use petct::phantom::{followup_truth, Scenario};
use petct::volume::RigidTransform;

/// A temporary folder holding the baseline torso and each scenario's follow-up, written by the
/// `petct phantom` command once for all tests.
fn studies() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        write(&["phantom", "--kind", "torso"], &dir.join("baseline"));
        for s in Scenario::ALL {
            write(&["phantom", "--followup", s.name()], &dir.join(s.name()));
        }
        write(&["phantom", "--kind", "nema"], &dir.join("nema"));
        dir
    })
}

fn write(args: &[&str], out: &Path) {
    let mut a = args.to_vec();
    a.push(out.to_str().unwrap());
    let (ok, _, stderr) = common::petct(&a);
    assert!(ok, "{stderr}");
}

fn response(followup: &str, extra: &[&str]) -> (bool, String, String) {
    let dir = studies();
    let b = dir.join("baseline");
    let f = dir.join(followup);
    let mut args = vec!["response", b.to_str().unwrap(), f.to_str().unwrap()];
    args.extend_from_slice(extra);
    common::petct(&args)
}

fn vec3(v: &serde_json::Value) -> DVec3 {
    let a: Vec<f64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    DVec3::new(a[0], a[1], a[2])
}

#[test]
fn each_follow_up_scenario_gets_its_category_and_the_move_is_recovered() {
    for s in Scenario::ALL {
        let (ok, stdout, stderr) = response(s.name(), &["--json"]);
        assert!(ok, "{s}: {stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON object");
        assert_eq!(
            v["category"],
            s.name().to_uppercase(),
            "{s}: {}",
            v["reasons"]
        );
        for key in [
            "target_baseline",
            "target_followup",
            "sul_peak_change_percent",
            "reasons",
        ] {
            assert!(v.get(key).is_some(), "{s}: no {key}");
        }
        assert_eq!(v["comparable"], true, "{s}: {}", v["reasons"]);
        assert!(v["target_baseline"]["sul_peak"].as_f64().unwrap() > 0.0);
        vec3(&v["target_baseline"]["position_mm"]);
        let expected_new = usize::from(s == Scenario::Pmd);
        assert_eq!(
            v["new_lesions"].as_u64().unwrap() as usize,
            expected_new,
            "{s}"
        );

        // The reported transform maps the planted follow-up centres onto the baseline's.
        let r = &v["registration"];
        let t = RigidTransform::from_euler_deg_about(
            vec3(&r["rotation_deg"]),
            DVec3::ZERO,
            vec3(&r["translation_mm"]),
        );
        assert!(r["quality"].as_f64().unwrap() > 0.8, "{s}: {r}");
        let truth = followup_truth(s);
        let mut checked = 0;
        for l in &truth.lesions {
            let Some(f) = l.followup_centre_mm else {
                continue;
            };
            let err = t.apply(f).distance(l.baseline_centre_mm);
            assert!(err < 2.0, "{s}: {} maps {err:.2} mm off", l.name);
            checked += 1;
        }
        // Without lesions (CMR), check the truth transform's effect on the baseline centres.
        if checked == 0 {
            for l in &truth.lesions {
                let f = truth.baseline_to_followup.apply(l.baseline_centre_mm);
                let err = t.apply(f).distance(l.baseline_centre_mm);
                assert!(err < 2.0, "{s}: {} maps {err:.2} mm off", l.name);
            }
        }

        // PERCIST SULpeak is never below the max-centred 1 mL mean of the same lesion (up to
        // f32 rounding: the max-centred figure comes from the SUVbw volume, rescaled).
        for l in v["lesions"].as_array().unwrap() {
            for when in ["baseline", "followup"] {
                let m = &l[when];
                if m["segmented"] == true {
                    let peak = m["sul_peak"].as_f64().unwrap();
                    let centred = m["peak_max_centred"].as_f64().unwrap();
                    assert!(
                        peak >= centred * (1.0 - 1e-6),
                        "{s} lesion {}: {peak} < {centred}",
                        l["id"]
                    );
                }
            }
        }
    }
}

#[test]
fn text_report_names_the_category_and_rule() {
    let chart = tempfile::tempdir().unwrap();
    let png = chart.path().join("chart.png");
    let (ok, stdout, stderr) = response("pmr", &["--chart", png.to_str().unwrap()]);
    // The chart: SULpeak above MTV, 800 px wide, the first lesion's orange line drawn.
    let img = image::open(&png).unwrap().to_rgba8();
    assert_eq!(img.width(), 800);
    assert!(img.pixels().filter(|p| p.0 == [255, 140, 0, 255]).count() > 200);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("PERCIST 1.0: PMR ("), "{stdout}");
    assert!(stdout.contains("Registration"), "{stdout}");
    assert!(stdout.contains("Liver reference"), "{stdout}");
}

#[test]
fn different_patients_are_refused_unless_forced() {
    let (ok, _, stderr) = response("nema", &["--json"]);
    assert!(!ok);
    assert!(
        stderr.contains("different patients") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("PHANTOM-"),
        "identifiers printed: {stderr}"
    );
    let (_, _, stderr) = response("nema", &["--json", "--force"]);
    assert!(!stderr.contains("different patients ("), "{stderr}");
}

// The off-centre hot voxel case of PERCIST SULpeak is a unit test
// (src/analysis/response/tests.rs).

#[test]
fn the_viewer_path_on_loaded_studies_gives_the_same_category_as_the_command() {
    use petct::study::load_view_study;
    use petct::study_response::{assess_view_pair, register_view_pair};
    let dir = studies();
    let options = Default::default();
    let baseline = load_view_study(&[dir.join("baseline")], &options).unwrap();
    let followup = load_view_study(&[dir.join("pmr")], &options).unwrap();
    let registration = register_view_pair(&baseline, &followup).unwrap();
    let a = assess_view_pair(&baseline, &followup, &registration.followup_to_baseline).unwrap();
    let (ok, out, err) = response("pmr", &["--json"]);
    assert!(ok, "{err}");
    let cli: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        serde_json::to_value(a.percist.category).unwrap(),
        cli["category"]
    );
    let cli_peak = cli["target_baseline"]["sul_peak"].as_f64().unwrap();
    let peak = a.percist.target_baseline.unwrap().sul_peak;
    assert!((peak - cli_peak).abs() < 1e-3, "{peak} vs {cli_peak}");
}
