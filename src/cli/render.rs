//! `petct render`: headless key frames and turntables.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use glam::Vec3;

use super::StudyArgs;
use crate::keyframe::{self, KeyFrameOptions, KeyFrameView};
use crate::render::camera::{OrbitCamera, Projection, StandardView};
use crate::render::colormap::Colormap;
use crate::render::context::GpuContext;
use crate::render::export::{write_gif_atomic, write_png_atomic};
use crate::render::mpr::{MprOrientation, MprView};
use crate::render::offscreen::OFFSCREEN_FORMAT;
use crate::render::renderer::Renderer;
use crate::render::scene::FusedScene;
use crate::render::settings::{ClipPlane, CtWindow, RenderMode, RenderSettings};
use crate::render::transfer::CtPreset;
use crate::study::{load_view_study, ViewStudy};

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Fused,
    PetMip,
    CtMip,
    CtDvr,
    MprAxial,
    MprCoronal,
    MprSagittal,
}

impl ModeArg {
    fn three_d(self) -> Option<RenderMode> {
        match self {
            Self::Fused => Some(RenderMode::FusedDvr),
            Self::PetMip => Some(RenderMode::PetMip),
            Self::CtMip => Some(RenderMode::CtMip),
            Self::CtDvr => Some(RenderMode::CtDvr),
            _ => None,
        }
    }

    fn mpr(self) -> Option<MprOrientation> {
        match self {
            Self::MprAxial => Some(MprOrientation::Axial),
            Self::MprCoronal => Some(MprOrientation::Coronal),
            Self::MprSagittal => Some(MprOrientation::Sagittal),
            _ => None,
        }
    }
}

/// Arguments of `petct render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// DICOM files or folders, NIfTI files or AutoPET folders; none renders the built-in
    /// torso phantom.
    pub paths: Vec<PathBuf>,
    /// Output PNG (single key frame).
    #[arg(long, default_value = "key.png")]
    pub out: PathBuf,
    /// Output folder for --turntable frames and the GIF.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    #[arg(long, default_value_t = 512)]
    pub width: u32,
    #[arg(long, default_value_t = 512)]
    pub height: u32,
    #[arg(long, value_enum, default_value_t = ModeArg::Fused)]
    pub mode: ModeArg,
    /// Standard view: anterior, posterior, left, right, superior, inferior.
    #[arg(long)]
    pub view: Option<StandardView>,
    /// Degrees about the patient's long axis (0 = anterior, 90 = from the left).
    #[arg(long, allow_hyphen_values = true)]
    pub azimuth: Option<f32>,
    /// Degrees above the transverse plane.
    #[arg(long, allow_hyphen_values = true)]
    pub elevation: Option<f32>,
    /// Zoom factor (> 1 magnifies).
    #[arg(long, default_value_t = 1.0)]
    pub zoom: f32,
    /// Orthographic instead of perspective projection.
    #[arg(long)]
    pub orthographic: bool,
    /// CT transfer function: bone, soft-tissue, lung, skin.
    #[arg(long)]
    pub ct_preset: Option<CtPreset>,
    /// CT window WIDTH/LEVEL in HU (MPR and CT MIP), e.g. 400/40.
    #[arg(long, value_parser = parse_window, allow_hyphen_values = true)]
    pub window: Option<CtWindow>,
    /// PET colormap: hot-iron, pet, hot-metal-blue, grey, inverted-grey, rainbow.
    #[arg(long)]
    pub colormap: Option<Colormap>,
    /// PET window LO,HI (SUV when known, else the PET's units).
    #[arg(long, value_parser = parse_pair, allow_hyphen_values = true)]
    pub suv_window: Option<[f32; 2]>,
    /// Linear fusion weight: 0 = CT only, 1 = PET only where PET is above the window's low end.
    #[arg(long)]
    pub fusion_opacity: Option<f32>,
    /// Crop box XMIN,YMIN,ZMIN,XMAX,YMAX,ZMAX in patient mm (LPS).
    #[arg(long, value_parser = parse_crop, allow_hyphen_values = true)]
    pub crop: Option<[f32; 6]>,
    /// Clip plane NX,NY,NZ,D: keeps patient points with n.p <= D.
    #[arg(long, value_parser = parse_clip, allow_hyphen_values = true)]
    pub clip: Option<[f32; 4]>,
    /// Ray step in mm.
    #[arg(long)]
    pub step: Option<f32>,
    /// MPR slice position X,Y,Z in patient mm (default: the hottest PET voxel, else the centre).
    #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
    pub cursor: Option<[f32; 3]>,
    /// Draw a colour bar with PET labels.
    #[arg(long)]
    pub colorbar: bool,
    /// Write N frames of a full rotation (PNG each, plus an animated GIF) into --out-dir.
    #[arg(long)]
    pub turntable: Option<u32>,
    /// Burn the patient's name, ID and study date into the image.
    #[arg(long)]
    pub show_phi: bool,
    /// Also write the key frame as a DICOM Secondary Capture in the source study.
    #[arg(long, value_name = "OUT.dcm", conflicts_with_all = ["show_phi", "turntable"])]
    pub dicom: Option<PathBuf>,
    /// Also send the `--dicom` key frame to a PACS with STOW-RS, into the source study
    /// (ROOT: the DICOMweb root; credentials from PETCT_DICOMWEB_*).
    #[arg(long, value_name = "ROOT", requires = "dicom")]
    pub store: Option<String>,
    #[command(flatten)]
    pub study: StudyArgs,
}

fn parse_window(s: &str) -> Result<CtWindow, String> {
    let (w, l) = s
        .split_once('/')
        .ok_or_else(|| format!("'{s}': expected WIDTH/LEVEL, e.g. 400/40"))?;
    let width: f32 = w
        .trim()
        .parse()
        .map_err(|_| format!("bad width in '{s}'"))?;
    let level: f32 = l
        .trim()
        .parse()
        .map_err(|_| format!("bad level in '{s}'"))?;
    if width <= 0.0 {
        return Err("window width must be positive".into());
    }
    Ok(CtWindow { width, level })
}

fn parse_floats<const N: usize>(s: &str) -> Result<[f32; N], String> {
    let v: Vec<f32> = s
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<f32>()
                .map_err(|_| format!("'{p}' is not a number"))
        })
        .collect::<Result<_, _>>()?;
    v.try_into()
        .map_err(|_| format!("'{s}': expected {N} comma-separated numbers"))
}

fn parse_pair(s: &str) -> Result<[f32; 2], String> {
    let [lo, hi] = parse_floats::<2>(s)?;
    if hi <= lo {
        return Err(format!("'{s}': the upper bound must exceed the lower"));
    }
    Ok([lo, hi])
}

fn parse_crop(s: &str) -> Result<[f32; 6], String> {
    parse_floats::<6>(s)
}

fn parse_clip(s: &str) -> Result<[f32; 4], String> {
    parse_floats::<4>(s)
}

fn parse_point(s: &str) -> Result<[f32; 3], String> {
    parse_floats::<3>(s)
}

/// Settings from the arguments and the study's defaults.
fn settings(args: &RenderArgs, study: &ViewStudy) -> RenderSettings {
    let mode = args.mode.three_d().unwrap_or(RenderMode::FusedDvr);
    let mut s = if mode == RenderMode::PetMip {
        RenderSettings::pet_mip()
    } else {
        RenderSettings {
            mode,
            ..RenderSettings::default()
        }
    };
    s.pet_window = study.default_pet_window(mode);
    if mode == RenderMode::CtDvr {
        s.ct_preset = CtPreset::SoftTissue;
    }
    if let Some(p) = args.ct_preset {
        s.ct_preset = p;
    }
    if let Some(w) = args.window {
        s.ct_window = w;
    }
    if let Some(c) = args.colormap {
        s.colormap = c;
    }
    if let Some(w) = args.suv_window {
        s.pet_window = w;
    }
    if let Some(o) = args.fusion_opacity {
        s.fusion_opacity = o.clamp(0.0, 1.0);
    }
    if let Some(c) = args.crop {
        s.crop = Some((Vec3::new(c[0], c[1], c[2]), Vec3::new(c[3], c[4], c[5])));
    }
    if let Some(c) = args.clip {
        s.clip_plane = Some(ClipPlane {
            normal: Vec3::new(c[0], c[1], c[2]),
            offset: c[3],
        });
    }
    if let Some(step) = args.step {
        s.step_mm = step.max(0.05);
    }
    s
}

fn camera(args: &RenderArgs, scene: &FusedScene, mode: RenderMode) -> OrbitCamera {
    let (lo, hi) = scene.framing_bounds(mode);
    let mut cam = OrbitCamera::framing(lo, hi);
    if let Some(v) = args.view {
        cam.set_view(v);
    }
    if let Some(a) = args.azimuth {
        cam.azimuth_deg = a;
    }
    if let Some(e) = args.elevation {
        cam.elevation_deg = e.clamp(-89.9, 89.9);
    }
    cam.zoom(1.0 / args.zoom.max(0.01));
    if args.orthographic {
        cam.projection = Projection::Orthographic;
    }
    cam
}

/// Runs `petct render`.
pub fn run(args: &RenderArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let study = load_view_study(&args.paths, &args.study.load_options())?;
    tracing::debug!(
        "study loaded after {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for note in &study.notes {
        eprintln!("{note}");
    }
    let ctx = GpuContext::new_headless()?;
    tracing::info!(
        "rendering on {} (ready after {:.2} s)",
        ctx.adapter_description(),
        started.elapsed().as_secs_f64()
    );
    render_study(&ctx, args, &study)?;
    tracing::debug!("done after {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Renders a loaded study as `args` say, on a given GPU context. A device lost on the way
/// is an error ([`crate::render::context::RenderError::DeviceLost`]), checked after the
/// upload and after every image.
pub fn render_study(ctx: &GpuContext, args: &RenderArgs, study: &ViewStudy) -> anyhow::Result<()> {
    let mut scene = FusedScene::new(
        &ctx.device,
        &ctx.queue,
        study.ct.as_ref(),
        study.pet.as_deref(),
        study.pet_display_factor as f32,
    );
    ctx.check_lost()?;
    tracing::debug!("volumes uploaded");
    for w in &scene.warnings {
        eprintln!("warning: {w}");
    }
    let settings = settings(args, study);
    let mut renderer = Renderer::new(&ctx.device, OFFSCREEN_FORMAT);
    let options = KeyFrameOptions {
        colorbar: args.colorbar,
        show_phi: args.show_phi,
        lesions: Vec::new(),
    };
    let compose = |img: &mut image::RgbaImage, view: KeyFrameView| {
        keyframe::compose(img, study, &settings, view, &options);
    };
    if let Some(orientation) = args.mode.mpr() {
        let cursor = args
            .cursor
            .map(Vec3::from_array)
            .unwrap_or_else(|| study.default_cursor());
        let mut view = MprView::new(orientation, cursor);
        view.zoom = args.zoom;
        view.crosshair = false;
        let mut img =
            renderer.render_mpr_image(ctx, &scene, &settings, &view, args.width, args.height)?;
        compose(&mut img, KeyFrameView::Slice(orientation));
        write_png_atomic(&img, &args.out)?;
        println!("wrote {}", args.out.display());
        write_dicom_key_frame(args, study, &img)?;
        return Ok(());
    }
    let cam = camera(args, &scene, settings.mode);
    match args.turntable {
        None => {
            let mut img = renderer.render_3d_image(
                ctx,
                &mut scene,
                &settings,
                &cam,
                args.width,
                args.height,
            )?;
            compose(&mut img, KeyFrameView::ThreeD);
            write_png_atomic(&img, &args.out)?;
            println!("wrote {}", args.out.display());
            write_dicom_key_frame(args, study, &img)?;
        }
        Some(n) => {
            let n = n.max(1);
            let dir = args
                .out_dir
                .clone()
                .context("--turntable needs --out-dir for its frames")?;
            let mut frames = Vec::with_capacity(n as usize);
            for i in 0..n {
                let mut c = cam;
                c.azimuth_deg += 360.0 * i as f32 / n as f32;
                let mut img = renderer.render_3d_image(
                    ctx,
                    &mut scene,
                    &settings,
                    &c,
                    args.width,
                    args.height,
                )?;
                compose(&mut img, KeyFrameView::ThreeD);
                write_png_atomic(&img, &dir.join(format!("frame_{i:03}.png")))?;
                frames.push(img);
            }
            let gif = dir.join("turntable.gif");
            write_gif_atomic(&frames, 100, &gif)?;
            println!("wrote {n} frames and {}", gif.display());
        }
    }
    Ok(())
}

/// With `--dicom`, writes the key frame as a Secondary Capture in the source study (the PET's,
/// else the CT's). `--show-phi` is refused with `--dicom`: no identifiers in SC pixels.
fn write_dicom_key_frame(
    args: &RenderArgs,
    study: &ViewStudy,
    img: &image::RgbaImage,
) -> anyhow::Result<()> {
    let Some(out) = &args.dicom else {
        return Ok(());
    };
    crate::study_export::write_key_frame_sc(
        out,
        &study.paths,
        study.series.pet_chosen.as_deref(),
        study.series.ct_chosen.as_deref(),
        img,
    )?;
    println!("wrote {}", out.display());
    if let Some(root) = &args.store {
        super::store_written(root, out)?;
    }
    Ok(())
}
