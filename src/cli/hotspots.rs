//! `petct hotspots`: PET hot spots with SUV measurements, as a table, JSON or CSV.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use glam::DVec3;

use super::StudyArgs;
use crate::analysis::{
    autopet_metrics, find_hotspots, report, suspicious_mask, suv_volume, AutopetMetrics,
    HotspotParams, Method,
};
use crate::study::load_view_study;

/// Threshold methods on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// Fixed SUV threshold (--threshold, default 2.5).
    Abs,
    /// Percentage of each lesion's SUVmax (--threshold, default 41), grown from SUV seeds.
    Percent,
    /// PERCIST: 1.5 x liver mean + 2 x liver SD in a 3 cm liver sphere.
    Percist,
}

/// Arguments of `petct hotspots`.
#[derive(Debug, Args)]
pub struct HotspotsArgs {
    /// DICOM files or folders (searched recursively), NIfTI files or AutoPET folders; none: the
    /// built-in torso phantom.
    pub paths: Vec<PathBuf>,
    /// Threshold method.
    #[arg(long, value_enum, default_value_t = MethodArg::Abs)]
    pub method: MethodArg,
    /// abs: SUV threshold (default 2.5); percent: percentage of SUVmax (default 41); ignored
    /// for percist.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Drop lesions smaller than this many mL.
    #[arg(long, default_value_t = 0.5)]
    pub min_ml: f64,
    /// percent: SUV level at which lesion candidates are detected.
    #[arg(long, default_value_t = 2.0)]
    pub seed_suv: f32,
    /// percent: growth limit around each candidate's bounding box, in mm.
    #[arg(long, default_value_t = 20.0)]
    pub growth_margin_mm: f64,
    /// percist: liver reference sphere centre X,Y,Z (patient LPS mm); proposed when absent.
    #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
    pub liver: Option<DVec3>,
    /// Drop lesions at this patient point X,Y,Z (LPS mm), e.g. the bladder; repeatable.
    #[arg(long, value_parser = parse_point, allow_hyphen_values = true)]
    pub exclude: Vec<DVec3>,
    /// Keep only voxels whose CT number lies in LO,HI (HU).
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    pub ct_range: Option<(f32, f32)>,
    /// Print one JSON object.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV: a header and one row per lesion.
    #[arg(long)]
    pub csv: bool,
    /// List every lesion, physiologic ones too (with their category and organ); by default
    /// only suspicious lesions are listed. Totals always count suspicious lesions only.
    #[arg(long)]
    pub all: bool,
    /// No triage: keep noise and list every candidate as suspicious.
    #[arg(long)]
    pub no_triage: bool,
    /// Also write the suspicious lesions as a DICOM SEG (one segment each, on the PET grid).
    #[arg(long, value_name = "OUT.dcm")]
    pub seg: Option<PathBuf>,
    /// Also send the SEG to a PACS with STOW-RS, into the source study (ROOT: the DICOMweb
    /// root, e.g. http://host:8042/dicom-web; credentials from PETCT_DICOMWEB_*).
    #[arg(long, value_name = "ROOT", requires = "seg")]
    pub store: Option<String>,
    /// Reference lesion mask (NIfTI, e.g. AutoPET's SEG.nii.gz, or a binary DICOM SEG on the
    /// PET grid such as `--seg` writes): print the AutoPET metrics
    /// (Dice, false-positive and false-negative volume) of the suspicious lesions against it.
    /// An AutoPET folder's own SEG.nii.gz is not used unless given here.
    #[arg(long)]
    pub reference: Option<PathBuf>,
    #[command(flatten)]
    pub study: StudyArgs,
}

/// Runs `petct hotspots`.
pub fn run(args: &HotspotsArgs) -> anyhow::Result<()> {
    let study = load_view_study(&args.paths, &args.study.load_options())?;
    let Some(pet) = study.pet.as_deref() else {
        bail!("no PET series found; hot spots need a PET");
    };
    if !study.suv_available {
        let why: Vec<&str> = study
            .notes
            .iter()
            .filter(|n| n.contains("SUV"))
            .map(String::as_str)
            .collect();
        bail!(
            "hot-spot thresholds are in SUV, which is unavailable for this PET ({}); \
             SUV corrections such as --weight-kg, --dose-mbq and --injection may help",
            if why.is_empty() {
                "no reason recorded".to_string()
            } else {
                why.join("; ")
            }
        );
    }
    let suv = suv_volume(pet, study.pet_display_factor);
    let params = params(args)?;
    let result = find_hotspots(&suv, study.ct.as_deref(), &params).context("hot-spot analysis")?;
    if let Some(out) = &args.seg {
        write_seg(out, &study, &result)?;
        if let Some(root) = &args.store {
            super::store_written(root, out)?;
        }
    }
    let metrics = match &args.reference {
        Some(path) => {
            let reference = read_reference_mask(path, &study, &suv.geometry)?;
            let prediction = suspicious_mask(&result);
            Some(
                autopet_metrics(&prediction, &suv.geometry, &reference)
                    .with_context(|| format!("AutoPET metrics against {}", path.display()))?,
            )
        }
        None => None,
    };
    let result = if args.all {
        result
    } else {
        result.suspicious_only()
    };
    if args.json {
        let mut json = report::to_json(&result);
        if let (Some(m), Some(object)) = (&metrics, json.as_object_mut()) {
            object.insert("autopet".into(), serde_json::to_value(m)?);
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else if args.csv {
        print!("{}", report::to_csv(&result));
        if let Some(m) = &metrics {
            eprint!("{}", autopet_text(m));
        }
    } else {
        print!("{}", report::to_text(&result));
        if let Some(m) = &metrics {
            print!("{}", autopet_text(m));
        }
    }
    Ok(())
}

/// Writes the suspicious lesions of `result` as a DICOM SEG referencing the study's PET.
fn write_seg(
    out: &std::path::Path,
    study: &crate::study::ViewStudy,
    result: &crate::analysis::HotspotResult,
) -> anyhow::Result<()> {
    let n = crate::study_export::write_lesion_seg(
        out,
        &study.paths,
        study.series.pet_chosen.as_deref(),
        result,
    )?;
    eprintln!("wrote {} ({n} segments)", out.display());
    Ok(())
}

/// The AutoPET metrics as text lines.
fn autopet_text(m: &AutopetMetrics) -> String {
    let dice = m
        .dice
        .map_or("undefined (both masks empty)".to_string(), |d| {
            format!("{d:.4}")
        });
    format!(
        "AutoPET metrics (suspicious lesions vs reference{}):\n  Dice {dice}\n  \
         false-positive volume {:.3} mL ({} of {} predicted components)\n  \
         false-negative volume {:.3} mL ({} of {} reference components)\n",
        if m.reference_resampled {
            ", reference resampled to the PET grid by nearest neighbour"
        } else {
            ""
        },
        m.false_positive_ml,
        m.false_positive_components,
        m.predicted_components,
        m.false_negative_ml,
        m.false_negative_components,
        m.reference_components,
    )
}

/// Analysis parameters from the arguments.
fn params(args: &HotspotsArgs) -> anyhow::Result<HotspotParams> {
    let method = match args.method {
        MethodArg::Abs => Method::Absolute {
            suv: args.threshold.unwrap_or(2.5),
        },
        MethodArg::Percent => {
            let percent = args.threshold.unwrap_or(41.0);
            if !(percent > 0.0 && percent <= 100.0) {
                bail!(
                    "--threshold for --method percent is a percentage in (0, 100], got {percent}"
                );
            }
            Method::PercentOfMax {
                fraction: percent / 100.0,
            }
        }
        MethodArg::Percist => Method::Percist,
    };
    Ok(HotspotParams {
        method,
        seed_suv: args.seed_suv,
        growth_margin_mm: args.growth_margin_mm,
        min_volume_ml: args.min_ml,
        ct_range_hu: args.ct_range,
        liver_centre_mm: args.liver,
        excluded_mm: args.exclude.clone(),
        triage: !args.no_triage,
    })
}

/// Parses "X,Y,Z" (mm).
fn parse_point(s: &str) -> Result<DVec3, String> {
    let v = parse_numbers(s)?;
    match v.as_slice() {
        [x, y, z] => Ok(DVec3::new(*x, *y, *z)),
        _ => Err(format!("'{s}' is not X,Y,Z (three numbers in mm)")),
    }
}

/// Parses "LO,HI" (HU) with LO <= HI.
fn parse_range(s: &str) -> Result<(f32, f32), String> {
    let v = parse_numbers(s)?;
    match v.as_slice() {
        [lo, hi] if lo <= hi => Ok((*lo as f32, *hi as f32)),
        _ => Err(format!("'{s}' is not LO,HI (two numbers in HU, LO <= HI)")),
    }
}

fn parse_numbers(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("'{p}' in '{s}' is not a number"))
        })
        .collect()
}

/// A reference mask from NIfTI (as stored; the metrics resample it) or from a DICOM SEG
/// (placed on the PET grid, its segments together).
fn read_reference_mask(
    path: &std::path::Path,
    study: &crate::study::ViewStudy,
    pet_grid: &crate::volume::Geometry,
) -> anyhow::Result<crate::volume::Volume> {
    if crate::nifti::is_nifti_path(path) {
        return crate::study_nifti::read_mask(path);
    }
    let grid = crate::study_reference::PetGrid {
        geometry: pet_grid.clone(),
        frame_of_reference_uid: study.series.pet_frame_of_reference_uid.clone(),
    };
    let mask = crate::study_reference::read_reference(path, &grid)?;
    let data = mask.voxels.iter().map(|&v| f32::from(v)).collect();
    Ok(crate::volume::Volume::new(
        pet_grid.clone(),
        data,
        crate::volume::Unit::Other("label".into()),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_points_and_ranges() {
        assert_eq!(
            parse_point("-10, 20.5,3").unwrap(),
            DVec3::new(-10.0, 20.5, 3.0)
        );
        assert!(parse_point("1,2").is_err());
        assert!(parse_point("1,x,2").is_err());
        assert_eq!(parse_range("-100,200").unwrap(), (-100.0, 200.0));
        assert!(parse_range("200,-100").is_err());
    }
}
