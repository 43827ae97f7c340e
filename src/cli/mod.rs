//! Command-line interface: clap subcommands wiring the library together.

mod hotspots;
mod info;
mod pacs;
mod phantom;
pub mod render;
mod response;
mod view;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::dicom::datetime::Instant;
use crate::dicom::SuvOverrides;

/// petct: a fast, GPU-accelerated viewer for fused PET-CT studies.
#[derive(Debug, Parser)]
#[command(name = "petct", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the interactive viewer (no PATH: the built-in torso phantom).
    View(view::ViewArgs),
    /// List the series of a study: geometry, units, value range, SUV factor.
    Info(info::InfoArgs),
    /// Write a built-in phantom (NEMA IEC body or anthropomorphic torso) as DICOM.
    Phantom(phantom::PhantomArgs),
    /// Render a key frame or a turntable headless (no PATH: the built-in torso phantom).
    Render(Box<render::RenderArgs>),
    /// List PET hot spots with SUV measurements (no PATH: the built-in torso phantom)
    Hotspots(hotspots::HotspotsArgs),
    /// Follow-up reading: register two studies of one patient, track lesions, PERCIST 1.0.
    Response(response::ResponseArgs),
    /// Search a PACS over DICOMweb, and manage the local study cache.
    Pacs(pacs::PacsArgs),
}

/// Series choice and SUV corrections shared by the commands that load studies.
#[derive(Debug, Clone, Default, Args)]
pub struct StudyArgs {
    /// PET series to use: SeriesInstanceUID or series number.
    #[arg(long)]
    pub pet_series: Option<String>,
    /// CT series to use: SeriesInstanceUID or series number.
    #[arg(long)]
    pub ct_series: Option<String>,
    /// Override the patient weight (kg) used for SUV.
    #[arg(long)]
    pub weight_kg: Option<f64>,
    /// Override the injected dose (MBq) used for SUV.
    #[arg(long)]
    pub dose_mbq: Option<f64>,
    /// Override the injection date-time (DICOM DT, e.g. 20000907103500) used for SUV.
    #[arg(long, value_parser = parse_dt)]
    pub injection: Option<Instant>,
}

impl StudyArgs {
    /// The SUV overrides given on the command line.
    pub fn overrides(&self) -> SuvOverrides {
        SuvOverrides {
            weight_kg: self.weight_kg,
            dose_bq: self.dose_mbq.map(|m| m * 1e6),
            injection: self.injection,
        }
    }

    /// Load options from these arguments.
    pub fn load_options(&self) -> crate::dicom::LoadOptions {
        crate::dicom::LoadOptions {
            ct_series: self.ct_series.clone(),
            pet_series: self.pet_series.clone(),
            suv_overrides: self.overrides(),
            // The command line has nobody to cancel a load.
            cancel: crate::dicom::CancelFlag::default(),
            progress: crate::dicom::LoadProgress::default(),
        }
    }
}

fn parse_dt(s: &str) -> Result<Instant, String> {
    Instant::from_dt(s).ok_or_else(|| format!("'{s}' is not a DICOM date-time YYYYMMDDHHMMSS"))
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Info(args)) => info::run(&args),
        Some(Command::Phantom(args)) => phantom::run(&args),
        Some(Command::Render(args)) => render::run(&args),
        Some(Command::Hotspots(args)) => hotspots::run(&args),
        Some(Command::Pacs(args)) => pacs::run(&args),
        Some(Command::Response(args)) => response::run(&args),
        Some(Command::View(args)) => view::run_view(&args),
        None => view::run_view(&view::ViewArgs::default()),
    }
}

/// Paths given on the command line, study URLs replaced by their cached folders (fetched
/// if needed), checked to exist.
fn existing_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let paths = &crate::dicomweb::resolve_paths(
        paths,
        &crate::dicom::CancelFlag::default(),
        &crate::dicom::LoadProgress::default(),
    )?;
    for p in paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    Ok(paths.to_vec())
}

/// Sends a DICOM file just written to the PACS at `root` (STOW-RS) and says so.
fn store_written(root: &str, file: &std::path::Path) -> anyhow::Result<()> {
    let study = crate::dicomweb::store_file(root, file)?;
    let (root, _) = crate::dicomweb::Root::parse(root)?;
    eprintln!("stored {} in study {study} on {root}", file.display());
    Ok(())
}
