//! `petct view`: the interactive viewer (also what `petct` with no arguments runs).

use std::path::PathBuf;

use clap::Args;

use super::StudyArgs;
use crate::ui::{run, ViewerOptions};

/// Arguments of `petct view`.
#[derive(Debug, Args, Default)]
pub struct ViewArgs {
    /// DICOM files or folders, NIfTI files or AutoPET folders; none opens the built-in
    /// torso phantom.
    pub paths: Vec<PathBuf>,
    /// Run a script of viewer commands (see the README): for demos, figures and tests.
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// With --script: write every frame's timing (and the 3D refinement times) as JSON
    /// to this file when the script ends.
    #[arg(long, requires = "script")]
    pub frame_stats: Option<PathBuf>,
    /// Window size WIDTHxHEIGHT in logical pixels.
    #[arg(long, value_parser = parse_size)]
    pub size: Option<(u32, u32)>,
    /// Neither read nor save the settings file.
    #[arg(long)]
    pub no_config: bool,
    /// Outline a reference lesion mask over the study: a DICOM SEG (such as `petct hotspots
    /// --seg` writes) or a NIfTI mask (`.nii`, `.nii.gz`) on or overlapping the PET.
    #[arg(long, value_name = "MASK")]
    pub reference: Option<PathBuf>,
    /// A follow-up study of the same patient, opened beside the first study once it has
    /// loaded and registered onto it (layout follow-up).
    #[arg(long)]
    pub followup: Option<PathBuf>,
    #[command(flatten)]
    pub study: StudyArgs,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s
        .split_once('x')
        .ok_or("expected WIDTHxHEIGHT, e.g. 1280x800")?;
    Ok((
        w.parse().map_err(|_| "bad width")?,
        h.parse().map_err(|_| "bad height")?,
    ))
}

/// Runs the viewer.
pub fn run_view(args: &ViewArgs) -> anyhow::Result<()> {
    run(ViewerOptions {
        paths: args.paths.clone(),
        script: args.script.clone(),
        frame_stats: args.frame_stats.clone(),
        study: args.study.load_options(),
        size: args.size.unwrap_or((0, 0)),
        no_config: args.no_config,
        reference: args.reference.clone(),
        followup: args.followup.clone(),
    })
}
