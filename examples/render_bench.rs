//! Render benchmark: median milliseconds per frame of a rotating 3D view, per mode, image
//! size and with empty-space skipping on and off. Runs unchanged on a real GPU.
//!
//! ```text
//! cargo run --release --example render_bench -- [--sizes 512,1024,1920x1080] [--frames 36]
//!     [--modes fused,pet-mip,ct-mip,ct-dvr] [--step-mm 0.49] [--pet-step-mm 2.0]
//!     [--ess on,off] [--shading on|off] [--spread on|off] [STUDY_PATH ...]
//! ```
//! Without a path it renders the built-in torso phantom. Give the folder written by
//! `../shared/bench/vtk_peer.py --write-dicom DIR --modes none` to render the very volumes
//! VTK's peer benchmark renders. Each timed frame turns the camera 10 degrees (36 frames
//! = one rotation) after 3 warm-up frames; a frame is submitted and waited for. A size is N
//! (square) or WxH. Each JSON line names the adapter and the GPU memory: what the backend's
//! allocator reports when it does (`gpu_allocated_mb`, else null) and the bytes of the
//! volume textures (`volume_texture_mb`, 2 bytes per voxel).

use std::path::PathBuf;
use std::time::Instant;

use petct::render::camera::OrbitCamera;
use petct::render::context::GpuContext;
use petct::render::offscreen::{OffscreenTarget, OFFSCREEN_FORMAT};
use petct::render::renderer::Renderer;
use petct::render::scene::FusedScene;
use petct::render::settings::{RenderMode, RenderSettings};
use petct::render::transfer::CtPreset;
use petct::study::load_view_study;

struct Options {
    sizes: Vec<(u32, u32)>,
    frames: usize,
    modes: Vec<RenderMode>,
    step_mm: f32,
    pet_step_mm: f32,
    ess: Vec<bool>,
    shading: bool,
    spread: bool,
    paths: Vec<PathBuf>,
}

fn parse() -> anyhow::Result<Options> {
    let mut o = Options {
        sizes: vec![(512, 512), (1024, 1024)],
        frames: 36,
        modes: RenderMode::ALL.to_vec(),
        step_mm: 0.49,
        pet_step_mm: 2.0,
        ess: vec![true, false],
        shading: true,
        spread: false,
        paths: vec![],
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a value"))
        };
        match a.as_str() {
            "--sizes" => {
                o.sizes = value()?
                    .split(',')
                    .map(parse_size)
                    .collect::<anyhow::Result<_>>()?
            }
            "--frames" => o.frames = value()?.parse()?,
            "--step-mm" => o.step_mm = value()?.parse()?,
            "--pet-step-mm" => o.pet_step_mm = value()?.parse()?,
            "--shading" => o.shading = value()? == "on",
            "--spread" => o.spread = value()? == "on",
            "--ess" => o.ess = value()?.split(',').map(|s| s == "on").collect(),
            "--modes" => {
                let v = value()?;
                o.modes = RenderMode::ALL
                    .into_iter()
                    .filter(|m| v.split(',').any(|n| n == m.name()))
                    .collect();
            }
            _ => o.paths.push(PathBuf::from(a)),
        }
    }
    Ok(o)
}

/// `N` (square) or `WxH`.
fn parse_size(s: &str) -> anyhow::Result<(u32, u32)> {
    Ok(match s.split_once('x') {
        Some((w, h)) => (w.parse()?, h.parse()?),
        None => {
            let n = s.parse()?;
            (n, n)
        }
    })
}

/// MiB of 2-byte voxels of the study's volumes, as uploaded (before any downsampling).
fn volume_texture_mb(study: &petct::study::ViewStudy) -> f64 {
    let voxels = study.ct.as_ref().map_or(0, |v| v.data.len())
        + study.pet.as_ref().map_or(0, |v| v.data.len());
    (voxels * 2) as f64 / (1024.0 * 1024.0)
}

fn main() -> anyhow::Result<()> {
    let o = parse()?;
    let t0 = Instant::now();
    let study = load_view_study(&o.paths, &Default::default())?;
    eprintln!("study loaded in {:.2} s", t0.elapsed().as_secs_f64());
    let ctx = GpuContext::new_headless()?;
    let adapter = ctx.adapter_description();
    let mut scene = FusedScene::new(
        &ctx.device,
        &ctx.queue,
        study.ct.as_ref(),
        study.pet.as_deref(),
        study.pet_display_factor as f32,
    );
    let describe = |g: Option<&petct::volume::Geometry>| {
        g.map(|g| format!("{:?} @ {:?} mm", g.dims, g.spacing))
            .unwrap_or_else(|| "none".into())
    };
    eprintln!(
        "CT {}, PET {}, adapter {adapter}",
        describe(study.ct.as_ref().map(|v| &v.geometry)),
        describe(study.pet.as_ref().map(|v| &v.geometry))
    );
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let texture_mb = volume_texture_mb(&study);
    for &(width, height) in &o.sizes {
        let target = OffscreenTarget::new(&ctx.device, width, height)?;
        for &mode in &o.modes {
            for &ess in &o.ess {
                let mut settings = if mode == RenderMode::PetMip {
                    RenderSettings::pet_mip()
                } else {
                    RenderSettings {
                        mode,
                        ..RenderSettings::default()
                    }
                };
                settings.pet_window = study.default_pet_window(mode);
                settings.step_mm = if mode == RenderMode::PetMip {
                    o.pet_step_mm
                } else {
                    o.step_mm
                };
                settings.empty_space_skipping = ess;
                settings.shading &= o.shading;
                if mode == RenderMode::CtDvr {
                    settings.ct_preset = CtPreset::Bone;
                }
                let (lo, hi) = scene.framing_bounds(mode);
                let mut cam = OrbitCamera::framing(lo, hi);
                let mut times = Vec::with_capacity(o.frames);
                for frame in 0..o.frames + 3 {
                    cam.azimuth_deg = 10.0 * frame as f32;
                    let start = Instant::now();
                    if o.spread {
                        renderer.render_3d_spread(
                            &ctx,
                            &mut scene,
                            &settings,
                            &cam,
                            &target,
                            (width, height),
                        );
                    } else {
                        renderer.render_3d(&ctx, &mut scene, &settings, &cam, (&target).into());
                    }
                    ctx.device.poll(wgpu::PollType::wait_indefinitely())?;
                    if frame >= 3 {
                        times.push(start.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                times.sort_by(f64::total_cmp);
                let median = times[times.len() / 2];
                let allocated = ctx
                    .device
                    .generate_allocator_report()
                    .map_or("null".to_string(), |r| {
                        format!("{:.1}", r.total_allocated_bytes as f64 / (1024.0 * 1024.0))
                    });
                println!(
                    "{{\"mode\": \"{}\", \"width\": {width}, \"height\": {height}, \"ess\": {ess}, \"step_mm\": {}, \"frames\": {}, \"median_ms\": {median:.1}, \"min_ms\": {:.1}, \"gpu_allocated_mb\": {allocated}, \"volume_texture_mb\": {texture_mb:.1}, \"adapter\": \"{adapter}\"}}",
                    mode.name(),
                    settings.step_mm,
                    o.frames,
                    times[0]
                );
            }
        }
    }
    Ok(())
}
