//! The real viewer window under Xvfb (or the current display), driven by a script: load the
//! torso phantom, scroll the axial pane, rotate the 3D view, change the window preset, drag
//! and move sliders as a hand would, pick lesions, switch modes and save key frames; the
//! window's own screenshots, the key frames and the frame statistics must show it.

// Test setup helpers panic on broken fixtures by design; a failure is the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[path = "common/orthanc.rs"]
mod orthanc;
use std::process::Command;

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn required() -> bool {
    std::env::var("PETCT_REQUIRE_GPU").as_deref() == Ok("1")
}

/// Mean absolute RGB difference inside a rectangle given in fractions of the image.
fn region_difference(a: &image::RgbaImage, b: &image::RgbaImage, rect: [f32; 4]) -> f64 {
    let (w, h) = a.dimensions();
    let [x0, y0, x1, y1] = rect;
    let (mut sum, mut n) = (0u64, 0u64);
    for y in (y0 * h as f32) as u32..(y1 * h as f32) as u32 {
        for x in (x0 * w as f32) as u32..(x1 * w as f32) as u32 {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            sum += (0..3).map(|c| p[c].abs_diff(q[c]) as u64).sum::<u64>();
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

fn distinct_colours(img: &image::RgbaImage) -> usize {
    img.pixels()
        .map(|p| p.0)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

fn load(path: &Path) -> image::RgbaImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgba8()
}

/// Runs the viewer on the phantom with `script` (a script file in `dir`); `None` when the
/// test has to be skipped (no display, or no GPU adapter without PETCT_REQUIRE_GPU=1).
fn run_viewer(dir: &Path, script: &str, extra: &[&str]) -> Option<std::process::Output> {
    run_viewer_logging(dir, script, extra, "warn")
}

/// [`run_viewer`] with a log filter (`RUST_LOG`): `petct=info` logs the status messages.
fn run_viewer_logging(
    dir: &Path,
    script: &str,
    extra: &[&str],
    log_filter: &str,
) -> Option<std::process::Output> {
    run_viewer_env(dir, script, extra, log_filter, &[])
}

/// [`run_viewer_logging`] with extra environment variables.
fn run_viewer_env(
    dir: &Path,
    script: &str,
    extra: &[&str],
    log_filter: &str,
    env: &[(&str, String)],
) -> Option<std::process::Output> {
    let headless = std::env::var_os("DISPLAY").is_none();
    if headless && !have("xvfb-run") {
        assert!(!required(), "xvfb-run is missing and PETCT_REQUIRE_GPU=1");
        eprintln!("skipping: no display and no xvfb-run");
        return None;
    }
    let script_path = dir.join("script.txt");
    std::fs::write(&script_path, script).unwrap();
    let exe = env!("CARGO_BIN_EXE_petct");
    let mut cmd = if headless {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1280x900x24", exe]);
        c
    } else {
        Command::new(exe)
    };
    cmd.args(["view", "--no-config", "--size", "900x640", "--script"])
        .arg(&script_path)
        .args(extra)
        .env("RUST_LOG", log_filter)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
    let out = cmd.output().expect("viewer starts");
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && !required() && log.contains("no GPU adapter") {
        eprintln!("skipping: {log}");
        return None;
    }
    Some(out)
}

#[test]
fn scripted_session_changes_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = format!(
        "wait\nscreenshot {a}\nscroll axial 15\nrotate 70 10\nwindow lung\nscreenshot {b}\n\
         keyframe {k}\ndrag 3d left 5 0\ndrag 3d left 5 0\nrelease\ndrag axial left 10 -4\n\
         slider suv-threshold 3\nslider opacity 0.6\nselect-lesion 1\nmode ct-dvr\n\
         keyframe {ks} coronal\nmode fused\nquit\n",
        a = d.join("a.png").display(),
        b = d.join("b.png").display(),
        k = d.join("key.png").display(),
        ks = d.join("key_coronal.png").display()
    );
    let stats_path = d.join("frames.json");
    let stats_arg = ["--frame-stats", stats_path.to_str().unwrap()];
    let Some(out) = run_viewer(d, &script, &stats_arg) else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    let (a, b, key) = (
        load(&d.join("a.png")),
        load(&d.join("b.png")),
        load(&d.join("key.png")),
    );
    assert!(distinct_colours(&a) > 200, "first screenshot looks empty");
    // The slice key frame (its colour bar in CT-only 3D modes is checked in keyframe's
    // unit tests).
    let coronal = load(&d.join("key_coronal.png"));
    assert!(
        distinct_colours(&coronal) > 200,
        "coronal key frame looks empty"
    );
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&stats_path).unwrap()).unwrap();
    let frames = stats["frames"].as_array().unwrap();
    assert!(
        frames.len() >= 8,
        "one frame per interaction at least: {}",
        frames.len()
    );
    for k in ["p50_ms", "p95_ms", "max_ms"] {
        assert!(stats[k].as_f64().unwrap() > 0.0, "{k}");
    }
    assert!(!stats["refine_ms"].as_array().unwrap().is_empty());
    assert!(distinct_colours(&key) > 200, "key frame looks empty");
    // Layout: a 250-point control panel on the left, then 2x2 panes: 3D top left, axial
    // top right, coronal and sagittal below.
    let left = 250.0 / 900.0;
    let mid_x = left + (1.0 - left) / 2.0;
    let three_d = [left + 0.02, 0.05, mid_x - 0.02, 0.45];
    let axial = [mid_x + 0.02, 0.05, 0.98, 0.45];
    assert!(
        region_difference(&a, &b, three_d) > 2.0,
        "rotation did not change the 3D view"
    );
    assert!(
        region_difference(&a, &b, axial) > 2.0,
        "scroll and window did not change the axial pane"
    );
    let _ = std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-output"));
    let _ = b.save(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/test-output/viewer.png"
    ));
}

#[test]
fn a_lost_gpu_device_is_recreated_and_the_study_stays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (before, after) = (d.join("before.png"), d.join("after.png"));
    let script = format!(
        "wait\nscroll axial 5\nscreenshot {}\nlose-device\nwait\nscreenshot {}\nquit\n",
        before.display(),
        after.display()
    );
    let Some(out) = run_viewer(d, &script, &[]) else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    assert!(!log.contains("panicked"), "a panic was printed: {log}");
    assert!(log.contains("device lost"), "the loss was not seen: {log}");
    let (a, b) = (load(&before), load(&after));
    assert!(
        distinct_colours(&a) > 200,
        "the first screenshot looks empty"
    );
    assert!(
        distinct_colours(&b) > 200,
        "the screenshot after recovery looks empty"
    );
    // The same study, slice and view: only the status line may differ.
    let whole = region_difference(&a, &b, [0.0, 0.0, 1.0, 1.0]);
    assert!(
        whole < 3.0,
        "the view after recovery differs from before: {whole:.2}/255"
    );
    let left = 250.0 / 900.0;
    let panes = region_difference(&a, &b, [left + 0.02, 0.05, 0.98, 0.9]);
    assert!(panes < 2.0, "the panes changed: {panes:.2}/255");
}

/// Mean brightness (0-255, RGB average) inside a rectangle given in fractions of the image.
fn mean_brightness(img: &image::RgbaImage, rect: [f32; 4]) -> f64 {
    let (w, h) = img.dimensions();
    let [x0, y0, x1, y1] = rect;
    let (mut sum, mut n) = (0u64, 0u64);
    for y in (y0 * h as f32) as u32..(y1 * h as f32) as u32 {
        for x in (x0 * w as f32) as u32..(x1 * w as f32) as u32 {
            let p = img.get_pixel(x, y);
            sum += (0..3).map(|c| u64::from(p[c])).sum::<u64>();
            n += 3;
        }
    }
    sum as f64 / n.max(1) as f64
}

#[test]
fn the_pet_ct_reading_layout_shows_ct_pet_fused_rows_and_a_clickable_mip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a, b, key, export) = (
        d.join("a.png"),
        d.join("b.png"),
        d.join("mip.png"),
        d.join("lesions.json"),
    );
    // The liver metastasis of the torso phantom: centre (-85, -15, 55), 25 mm across.
    let script = format!(
        "wait\nlayout pet-ct\nscreenshot {a}\nmip-click 0.5 0.45\nroi-sphere -85,-15,55 16\n\
         ruler -85,-15,55 -85,-15,95\nscreenshot {b}\nkeyframe {key} mip\n\
         export-hotspots {export}\nquit\n",
        a = a.display(),
        b = b.display(),
        key = key.display(),
        export = export.display()
    );
    let Some(out) = run_viewer(d, &script, &[]) else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    let (first, second) = (load(&a), load(&b));
    // 250-point panel, then a 3x3 slice grid (CT, PET, fused rows) and the MIP column
    // taking the last quarter of the pane area.
    let left = 250.0 / 900.0;
    let mip_x = left + 0.75 * (1.0 - left);
    let third = 0.95 / 3.0;
    let row = |r: f32| {
        [
            left + 0.01,
            r * third + 0.02,
            mip_x - 0.01,
            (r + 1.0) * third - 0.02,
        ]
    };
    let mip = [mip_x + 0.01, 0.05, 0.99, 0.9];
    let (ct, pet, fused) = (
        mean_brightness(&first, row(0.0)),
        mean_brightness(&first, row(1.0)),
        mean_brightness(&first, row(2.0)),
    );
    assert!(
        pet > ct + 60.0 && pet > fused + 60.0,
        "PET row in inverted grey is the light one: CT {ct:.0}, PET {pet:.0}, fused {fused:.0}"
    );
    let m = mean_brightness(&first, mip);
    assert!(
        m > 170.0,
        "the MIP's inverted grey background is light: {m:.0}"
    );
    let darkest = first
        .enumerate_pixels()
        .filter(|(x, y, _)| {
            let (fx, fy) = (*x as f32 / 900.0, *y as f32 / 640.0);
            fx > mip[0] && fx < mip[2] && fy > mip[1] && fy < mip[3]
        })
        .map(|(_, _, p)| p[0])
        .min()
        .unwrap();
    assert!(darkest < 60, "hot spots are dark on the MIP: {darkest}");
    let moved = region_difference(&first, &second, [left + 0.01, 0.02, mip_x - 0.01, 0.93]);
    assert!(
        moved > 2.0,
        "the MIP click did not move the slices: {moved:.2}"
    );
    assert!(
        distinct_colours(&load(&key)) > 100,
        "MIP key frame looks empty"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let lesions = doc["lesions"].as_array().unwrap();
    assert!(lesions.iter().all(|l| l["category"].is_string()), "{doc}");
    assert_eq!(doc["measurements"].as_array().unwrap().len(), 2, "{doc}");
    let _ = std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-output"));
    let _ = second.save(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/test-output/viewer-petct.png"
    ));
}

#[test]
fn the_viewer_files_a_seg_and_a_dicom_key_frame_in_a_dicom_study() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let study = d.join("phantom");
    let out = Command::new(env!("CARGO_BIN_EXE_petct"))
        .arg("phantom")
        .arg(&study)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seg = d.join("lesions.dcm");
    let sc = d.join("key.dcm");
    let script = format!(
        "load {}\nwait\nexport-seg {}\nkeyframe {} axial\nquit\n",
        study.display(),
        seg.display(),
        sc.display()
    );
    let Some(out) = run_viewer(d, &script, &[]) else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    let read = petct::dicom::write::read_segmentation(&seg).unwrap();
    // The torso phantom's four suspicious lesions at the defaults (see tests/hotspots.rs).
    assert_eq!(read.segments.len(), 4, "{log}");
    assert!(read.segments.iter().all(|s| s.label.starts_with("Lesion ")));
    // The axial key frame as Secondary Capture, filed in the same study.
    use dicom_dictionary_std::tags;
    let obj = dicom_object::open_file(&sc).unwrap();
    let text = |tag| {
        obj.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_string()
    };
    assert_eq!(text(tags::SOP_CLASS_UID), "1.2.840.10008.5.1.4.1.1.7");
    assert_eq!(
        Some(text(tags::STUDY_INSTANCE_UID)),
        read.study_instance_uid,
        "key frame and SEG in one study"
    );
    assert!(obj.element(tags::ROWS).unwrap().to_int::<u32>().unwrap() >= 64);
}

/// Pixels of the reference outline's magenta (shaders/common.wgsl) inside a rectangle given
/// in fractions of the image.
fn reference_pixels(img: &image::RgbaImage, rect: [f32; 4]) -> usize {
    let (w, h) = img.dimensions();
    let [x0, y0, x1, y1] = rect;
    img.enumerate_pixels()
        .filter(|(x, y, _)| {
            let (fx, fy) = (*x as f32 / w as f32, *y as f32 / h as f32);
            fx >= x0 && fx < x1 && fy >= y0 && fy < y1
        })
        .filter(|(_, _, p)| p[0] > 230 && p[1] > 40 && p[1] < 90 && p[2] > 210)
        .count()
}

#[test]
fn a_lesion_seg_written_by_the_viewer_loads_back_as_the_reference_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let study = d.join("phantom");
    let out = Command::new(env!("CARGO_BIN_EXE_petct"))
        .arg("phantom")
        .arg(&study)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seg = d.join("lesions.dcm");
    let (on, kept, off) = (d.join("on.png"), d.join("kept.png"), d.join("off.png"));
    // The liver metastasis (-85, -15, 55), a suspicious lesion, in the axial pane; then a
    // file that is no mask, which must leave the overlay as it was.
    let script = format!(
        "load {study}\nwait\nexport-seg {seg}\nreference-load {seg}\nwait\n\
         cursor -85 -15 55\nscreenshot {on}\nreference-load {bad}\nwait\nscreenshot {kept}\n\
         reference off\nscreenshot {off}\nquit\n",
        study = study.display(),
        seg = seg.display(),
        bad = d.join("nothing.nii.gz").display(),
        on = on.display(),
        kept = kept.display(),
        off = off.display(),
    );
    let Some(out) = run_viewer_logging(d, &script, &[], "warn,petct=info") else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    assert!(!log.contains("panicked"), "a panic was printed: {log}");
    // The overlay holds exactly the SEG's voxels: the suspicious lesions'.
    let read = petct::dicom::write::read_segmentation(&seg).unwrap();
    let voxels: usize = read.segments.iter().map(|s| s.voxel_count()).sum();
    assert!(voxels > 100, "{voxels} voxels in the SEG");
    let loaded = format!("reference mask lesions.dcm: {voxels} voxels");
    assert!(log.contains(&loaded), "no '{loaded}' in: {log}");
    assert!(
        log.contains("reference mask not loaded: ") && log.contains("nothing.nii.gz"),
        "the bad file was not reported: {log}"
    );
    // The axial pane (top right of the 2x2 layout) outlines it in magenta, until it is
    // switched off; the failed load kept it.
    let left = 250.0 / 900.0;
    let mid_x = left + (1.0 - left) / 2.0;
    let axial = [mid_x + 0.01, 0.03, 0.99, 0.47];
    let (a, b, c) = (load(&on), load(&kept), load(&off));
    let shown = reference_pixels(&a, axial);
    assert!(
        shown > 20,
        "reference outline in the axial pane: {shown} pixels"
    );
    assert_eq!(
        reference_pixels(&b, axial),
        shown,
        "the failed load changed it"
    );
    assert_eq!(
        reference_pixels(&c, axial),
        0,
        "reference off still outlines"
    );
    let _ = std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/target/test-output"));
    let _ = a.save(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/test-output/viewer-reference.png"
    ));
}

#[test]
fn a_study_found_in_the_pacs_section_opens_and_files_its_seg() {
    let Some(server) = orthanc::Orthanc::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let study = d.join("phantom");
    petct::phantom::write_dicom(
        &petct::phantom::generate(petct::phantom::PhantomKind::Torso),
        &study,
    )
    .unwrap();
    assert!(server.upload(&study) > 0);
    let seg = d.join("lesions.dcm");
    let script = format!(
        "pacs-search {}\npacs-open 1\nwait\nexport-seg {}\nquit\n",
        server.root(),
        seg.display()
    );
    let cache = d.join("cache");
    let mut env = server.credentials_env();
    env.push(("PETCT_CACHE_DIR", cache.display().to_string()));
    let Some(out) = run_viewer_env(d, &script, &[], "petct=info", &env) else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    assert!(
        !log.contains(orthanc::PASSWORD),
        "the password stays out of the log"
    );
    // Fetched into the cache, loaded, and the SEG filed against the fetched PET.
    let read =
        petct::dicom::write::read_segmentation(&seg).unwrap_or_else(|e| panic!("{e}: {log}"));
    assert_eq!(read.segments.len(), 4, "{log}");
    let cached = std::fs::read_dir(cache.join("studies")).unwrap().count();
    assert_eq!(cached, 1, "one study in the cache");
}

/// Moves every DICOM file under `dir` by `offset` mm (ImagePositionPatient): the same
/// anatomy at other patient coordinates, as a follow-up scan positioned differently.
fn shift_study(dir: &Path, offset: [f64; 3]) {
    use dicom_core::{dicom_value, DataElement, VR};
    use dicom_dictionary_std::tags::IMAGE_POSITION_PATIENT;
    for sub in ["ct", "pet"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let mut obj = dicom_object::open_file(&path).unwrap();
            let ipp = obj
                .element(IMAGE_POSITION_PATIENT)
                .unwrap()
                .to_multi_float64()
                .unwrap();
            let moved: Vec<String> = (0..3)
                .map(|i| format!("{:.3}", ipp[i] + offset[i]))
                .collect();
            obj.put(DataElement::new(
                IMAGE_POSITION_PATIENT,
                VR::DS,
                dicom_value!(Strs, [moved[0].clone(), moved[1].clone(), moved[2].clone()]),
            ));
            obj.write_to_file(&path).unwrap();
        }
    }
}

/// Centroid (pixels from the rectangle's corner) of the reddish pixels (fused PET uptake
/// in hot iron) inside a rectangle given in pixels.
fn hot_centroid(img: &image::RgbaImage, [x0, y0, x1, y1]: [u32; 4]) -> Option<(f64, f64, u32)> {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0u32);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.get_pixel(x, y);
            if p[0] > 120
                && u32::from(p[0]) > u32::from(p[1]) + 70
                && p[0] > p[2].saturating_add(70)
            {
                sx += f64::from(x - x0);
                sy += f64::from(y - y0);
                n += 1;
            }
        }
    }
    (n > 20).then(|| (sx / f64::from(n), sy / f64::from(n), n))
}

#[test]
fn a_shifted_follow_up_is_registered_and_shows_the_lesion_where_the_baseline_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (base, fu) = (d.join("baseline"), d.join("followup"));
    for out in [&base, &fu] {
        let status = Command::new(env!("CARGO_BIN_EXE_petct"))
            .args(["phantom", "--kind", "torso"])
            .arg(out)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    }
    // The follow-up lies 12 mm to the patient's left, 8 mm anterior and 20 mm higher.
    shift_study(&fu, [12.0, -8.0, 20.0]);
    let (shot, key) = (d.join("followup.png"), d.join("side_by_side.png"));
    let script = format!(
        "load {}\nwait\nload-followup {}\nwait\nlayout follow-up\nsuv-window 0 30\n\
         cursor -85 -15 55\nscreenshot {}\nkeyframe-followup {}\nflicker on\nsleep 800\n\
         flicker off\nquit\n",
        base.display(),
        fu.display(),
        shot.display(),
        key.display()
    );
    let Some(out) = run_viewer_logging(d, &script, &[], "petct=info") else {
        return;
    };
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "viewer failed: {log}");
    // "follow-up registered: rigid CT to CT (...): (x, y, z) mm, (rx, ry, rz)°, NCC q"
    let line = log
        .lines()
        .find(|l| l.contains("follow-up registered: rigid"))
        .unwrap_or_else(|| panic!("no rigid registration in the log: {log}"));
    let numbers: Vec<f64> = line
        .split(['(', ')', ','])
        .filter_map(|t| t.trim().trim_end_matches(" mm").parse().ok())
        .collect();
    let shift = glam::DVec3::new(numbers[0], numbers[1], numbers[2]);
    assert!(
        (shift - glam::DVec3::new(-12.0, 8.0, -20.0)).length() < 1.0,
        "the registration gives the shift back: {line}"
    );
    // PETCT_FIGURE_DIR=DIR keeps the screenshot, the key frame and the shifted follow-up
    // (to look at the result).
    if let Ok(keep) = std::env::var("PETCT_FIGURE_DIR") {
        let keep = Path::new(&keep);
        for f in [&shot, &key] {
            std::fs::copy(f, keep.join(f.file_name().unwrap())).unwrap();
        }
        for sub in ["ct", "pet"] {
            let to = keep.join("followup").join(sub);
            std::fs::create_dir_all(&to).unwrap();
            for e in std::fs::read_dir(fu.join(sub)).unwrap() {
                let e = e.unwrap().path();
                std::fs::copy(&e, to.join(e.file_name().unwrap())).unwrap();
            }
        }
    }
    let img = load(&shot);
    let (w, h) = img.dimensions();
    // The side panel is 250 points wide; the columns split what is right of it.
    let (left, mid) = (250, 250 + (w - 250) / 2);
    // Three rows of panes: the axial row is the top third.
    let axial_row = h * 31 / 100;
    let a = hot_centroid(&img, [left, 20, mid, axial_row]).expect("baseline shows uptake");
    let b = hot_centroid(&img, [mid, 20, w, axial_row]).expect("follow-up shows uptake");
    assert!(
        (a.0 - b.0).abs() < 3.0 && (a.1 - b.1).abs() < 3.0,
        "the liver metastasis at one screen position in both columns: {a:?} vs {b:?}"
    );
    // Both axial slices side by side at twice the pane size, a 4-pixel gap between.
    let kf = load(&key);
    let pane_w = mid - left;
    assert!(
        kf.width().abs_diff(2 * 2 * pane_w + 4) <= 12,
        "side-by-side key frame {}x{} for panes {pane_w} wide",
        kf.width(),
        kf.height()
    );
    let half = (kf.width() - 4) / 2;
    let ka = hot_centroid(&kf, [0, 0, half, kf.height()]).expect("baseline half");
    let kb = hot_centroid(&kf, [half + 4, 0, kf.width(), kf.height()]).expect("follow-up half");
    assert!(
        (ka.0 - kb.0).abs() < 4.0 && (ka.1 - kb.1).abs() < 4.0,
        "{ka:?} vs {kb:?}"
    );
}
