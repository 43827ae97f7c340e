//! Viewer responsiveness benchmark: drives the real viewer window through a fixed reading
//! session with a script and prints the frame times the viewer measured from inside
//! (`petct view --script S --frame-stats OUT.json`).
//!
//! ```text
//! cargo build --release && cargo run --release --example viewer_bench -- [--size 1280x860] [--layout pet-ct|follow-up] [--followup PATH] [STUDY_PATH]
//! ```
//! Without a path it opens the built-in torso phantom. The session: open, 60 rotation
//! drag steps in the 3D view, 20 CT-window drag steps in the axial pane, 20 SUV-threshold
//! slider steps, 5 lesion selections, 3 mode switches and a key frame. With
//! `--layout pet-ct` the PET-CT reading session instead: 40 slice steps in the axial panes
//! (every pane's cursor moves), 30 MIP rotation drag steps, 20 CT-window drag steps,
//! 20 SUV-threshold slider steps, 5 MIP clicks and a MIP key frame. With
//! `--layout follow-up` the follow-up reading session: the follow-up (`--followup PATH`,
//! else the phantom again) opened and registered, 40 slice steps in the follow-up's axial
//! pane, 20 CT-window drag steps, 10 nudges, 20 MIP rotation drag steps, 3 s of flicker
//! and a side-by-side key frame. Without a display
//! it runs under `xvfb-run` (Debian package xvfb). `VIEWER_BENCH_KEEP=FILE` keeps the
//! frame statistics JSON.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The scripted session (one interaction per frame, as a user's hand).
fn session_script(key_frame: &Path) -> String {
    let mut s = String::from("wait\n");
    // Drag steps differ from run to run, so no run replays the camera angles of an
    // earlier one: a cache keyed on them (lavapipe once compiled a shader variant per
    // camera) would otherwise make repeated runs look fast.
    let step = 5 + std::process::id() % 4;
    for _ in 0..60 {
        let _ = writeln!(s, "drag 3d left {step} 0");
    }
    s.push_str("release\n");
    for i in 0..20 {
        let dy = if i % 2 == 0 { -3 } else { 2 };
        let _ = writeln!(s, "drag axial left 8 {dy}");
    }
    s.push_str("release\n");
    for i in 0..20 {
        let _ = writeln!(s, "slider suv-threshold {:.2}", 2.5 + 0.1 * f64::from(i));
    }
    for n in 1..=5 {
        let _ = writeln!(s, "select-lesion {n}");
    }
    for mode in ["pet-mip", "ct-dvr", "fused"] {
        let _ = writeln!(s, "mode {mode}");
    }
    let _ = writeln!(s, "keyframe {}", key_frame.display());
    s.push_str("quit\n");
    s
}

/// The PET-CT reading layout's session (one interaction per frame).
fn reading_script(key_frame: &Path) -> String {
    let mut s = String::from("wait\nlayout pet-ct\n");
    for i in 0..40 {
        let _ = writeln!(s, "scroll axial-pet {}", if i < 20 { 1 } else { -1 });
    }
    for _ in 0..30 {
        s.push_str("drag mip left 6 0\n");
    }
    s.push_str("release\n");
    for i in 0..20 {
        let dy = if i % 2 == 0 { -3 } else { 2 };
        let _ = writeln!(s, "drag axial-ct left 8 {dy}");
    }
    s.push_str("release\n");
    for i in 0..20 {
        let _ = writeln!(s, "slider suv-threshold {:.2}", 2.5 + 0.1 * f64::from(i));
    }
    for (x, y) in [(0.5, 0.3), (0.4, 0.5), (0.6, 0.6), (0.5, 0.8), (0.45, 0.4)] {
        let _ = writeln!(s, "mip-click {x} {y}");
    }
    let _ = writeln!(s, "keyframe {} mip", key_frame.display());
    s.push_str("quit\n");
    s
}

/// The follow-up layout's session (one interaction per frame); `followup`: the follow-up
/// study (`None`: the phantom).
fn followup_script(key_frame: &Path, followup: Option<&str>) -> String {
    let mut s = format!(
        "wait
load-followup {}
wait
layout follow-up
",
        followup.unwrap_or("phantom")
    );
    for i in 0..40 {
        let _ = writeln!(s, "scroll followup-axial {}", if i < 20 { 1 } else { -1 });
    }
    for i in 0..20 {
        let dy = if i % 2 == 0 { -3 } else { 2 };
        let _ = writeln!(s, "drag followup-axial left 8 {dy}");
    }
    s.push_str(
        "release
",
    );
    for i in 0..10 {
        let d = if i % 2 == 0 { 1 } else { -1 };
        let _ = writeln!(s, "nudge {d} 0 0 {d}");
    }
    for _ in 0..20 {
        s.push_str(
            "drag followup-mip left 6 0
",
        );
    }
    s.push_str(
        "release
flicker on
sleep 3000
flicker off
",
    );
    let _ = writeln!(s, "keyframe-followup {}", key_frame.display());
    s.push_str(
        "quit
",
    );
    s
}

/// Which session to run.
#[derive(Clone, Copy, PartialEq)]
enum Session {
    Quad,
    PetCt,
    Followup,
}

/// The `petct` binary next to this example's (target/<profile>/petct).
fn petct_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow::anyhow!("cannot locate the target folder"))?;
    let bin = profile_dir.join("petct");
    anyhow::ensure!(
        bin.exists(),
        "{} is missing: run `cargo build --release` first",
        bin.display()
    );
    Ok(bin)
}

fn main() -> anyhow::Result<()> {
    let mut size = "1280x860".to_string();
    let mut study = None;
    let mut session = Session::Quad;
    let mut followup = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--size" => size = args.next().ok_or_else(|| anyhow::anyhow!("--size WxH"))?,
            "--layout" => match args.next().as_deref() {
                Some("pet-ct") => session = Session::PetCt,
                Some("2x2") => session = Session::Quad,
                Some("follow-up") => session = Session::Followup,
                _ => anyhow::bail!("--layout 2x2|pet-ct|follow-up"),
            },
            "--followup" => {
                followup = Some(
                    args.next()
                        .ok_or_else(|| anyhow::anyhow!("--followup PATH"))?,
                )
            }
            _ => study = Some(a),
        }
    }
    let dir = tempfile::tempdir()?;
    let keep = std::env::var_os("VIEWER_BENCH_KEEP").map(PathBuf::from);
    let script = dir.path().join("session.txt");
    let stats = dir.path().join("frames.json");
    let key_png = dir.path().join("key.png");
    let text = match session {
        Session::PetCt => reading_script(&key_png),
        Session::Quad => session_script(&key_png),
        Session::Followup => followup_script(&key_png, followup.as_deref()),
    };
    std::fs::write(&script, text)?;
    let petct = petct_binary()?;
    let headless = std::env::var_os("DISPLAY").is_none();
    let mut cmd = if headless {
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1920x1200x24"]).arg(&petct);
        c
    } else {
        Command::new(&petct)
    };
    cmd.args(["view", "--no-config", "--size", &size, "--script"])
        .arg(&script)
        .arg("--frame-stats")
        .arg(&stats);
    if let Some(s) = &study {
        cmd.arg(s);
    }
    let started = std::time::Instant::now();
    let out = cmd.output()?;
    anyhow::ensure!(
        out.status.success(),
        "viewer failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key_frame = dir.path().join("key.png");
    anyhow::ensure!(
        key_frame.exists(),
        "the session's key frame was not written"
    );
    if let Some(keep) = &keep {
        std::fs::copy(&stats, keep)?;
    }
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&stats)?)?;
    let num = |k: &str| report[k].as_f64().unwrap_or(f64::NAN);
    let refine: Vec<f64> = report["refine_ms"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    let frames = report["frames"].as_array().map_or(0, Vec::len);
    println!(
        "{}study {} at {size}: {frames} frames, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; \
         refinement after input: max {:.0} ms over {} settles; session {:.1} s",
        match session {
            Session::PetCt => "PET-CT layout, ",
            Session::Followup => "follow-up layout, ",
            Session::Quad => "",
        },
        study.as_deref().unwrap_or("phantom"),
        num("p50_ms"),
        num("p95_ms"),
        num("max_ms"),
        refine.iter().copied().fold(0.0, f64::max),
        refine.len(),
        started.elapsed().as_secs_f64()
    );
    let first = |k: &str| {
        report["startup"][k]
            .as_f64()
            .map_or("never".into(), |s| format!("{s:.2} s"))
    };
    println!(
        "startup: first slice {}, first 3D image {}, full-quality 3D {} after the viewer started",
        first("first_slice_s"),
        first("first_3d_s"),
        first("refined_3d_s")
    );
    Ok(())
}
