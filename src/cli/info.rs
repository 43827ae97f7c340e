//! `petct info`: what a study contains.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use serde_json::json;

use super::{existing_paths, StudyArgs};
use crate::dicom::{
    choose_ct, choose_pet, load_pet_series, load_series, scan, LoadedSeries, PatientInfo, Series,
};
use crate::volume::VolumeStats;

/// Arguments of `petct info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// DICOM files or folders (searched recursively), or NIfTI files or an AutoPET folder.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Include patient name, ID and dates in the output.
    #[arg(long)]
    pub show_phi: bool,
    #[command(flatten)]
    pub study: StudyArgs,
}

/// One series as reported by `info`.
#[derive(Debug, Serialize)]
pub struct SeriesReport {
    pub series_uid: String,
    pub modality: String,
    pub series_number: Option<i64>,
    pub description: String,
    pub selected: bool,
    pub file_count: usize,
    pub transfer_syntaxes: Vec<String>,
    pub dims: Option<[usize; 3]>,
    pub spacing_mm: Option<[f64; 3]>,
    pub orientation: Option<[f64; 6]>,
    pub origin_mm: Option<[f64; 3]>,
    pub slice_count: usize,
    pub units: String,
    pub stats_units: Option<String>,
    pub suv_factor: Option<f64>,
    pub suv_unavailable_reason: Option<String>,
    pub sul_factor: Option<f64>,
    pub suv_details: Option<crate::dicom::suv::SuvDetails>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub suv_max: Option<f64>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
}

/// Runs `petct info`.
pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let paths = existing_paths(&args.paths)?;
    if crate::study_nifti::is_nifti_input(&paths) {
        return run_nifti(args, &paths);
    }
    let scanned = scan(&paths);
    let ct = choose_ct(&scanned.series, args.study.ct_series.as_deref())?;
    let pet = choose_pet(&scanned.series, args.study.pet_series.as_deref())?;
    let chosen: Vec<usize> = ct.iter().chain(pet.iter()).map(|c| c.index).collect();
    let reports: Vec<SeriesReport> = scanned
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| report(s, chosen.contains(&i), &args.study))
        .collect();
    let notes: Vec<String> = ct
        .iter()
        .map(|c| format!("CT: {}", c.reason))
        .chain(pet.iter().map(|c| format!("PET: {}", c.reason)))
        .collect();
    let problems: Vec<String> = scanned.problems.iter().map(|e| e.to_string()).collect();
    let skipped: Vec<String> = scanned
        .skipped
        .iter()
        .map(|(p, what)| format!("{}: {what}", p.display()))
        .collect();
    let time_points = time_point_reports(&scanned, args.show_phi);
    let patient = args.show_phi.then(|| {
        scanned
            .series
            .first()
            .and_then(|s| s.files.first())
            .map(|f| f.patient.clone())
            .unwrap_or_default()
    });
    if args.json {
        let mut out = json!({
            "series": reports,
            "choices": notes,
            "skipped": skipped,
            "problems": problems,
            "time_points": time_points,
        });
        if let Some(p) = patient {
            out["patient"] = serde_json::to_value(p)?;
        }
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&reports, &notes, &skipped, &problems, patient.as_ref());
        print_time_points(&time_points);
    }
    if scanned.series.is_empty() {
        anyhow::bail!("no image series found in {}", paths_list(&paths));
    }
    Ok(())
}

/// One study of the scan as a time point (`info` lists them when a folder holds several).
#[derive(Debug, Serialize)]
pub struct TimePointReport {
    /// StudyInstanceUID.
    pub study_uid: String,
    /// Days after the first time point (`None` when a date is unknown).
    pub days_after_first: Option<f64>,
    /// Study date and time, only with `--show-phi` (dates identify a patient).
    pub date: Option<String>,
    /// Chosen CT series UID.
    pub ct_series_uid: Option<String>,
    /// Chosen PET series UID.
    pub pet_series_uid: Option<String>,
}

fn time_point_reports(scanned: &crate::dicom::ScanResult, show_phi: bool) -> Vec<TimePointReport> {
    let Ok(points) = crate::dicom::time_points(scanned) else {
        return Vec::new();
    };
    let first = points.first().and_then(|t| t.date_time);
    points
        .iter()
        .map(|t| TimePointReport {
            study_uid: t.study_uid.clone(),
            days_after_first: t
                .date_time
                .zip(first)
                .map(|(d, f)| d.seconds_since(f) / 86_400.0),
            date: show_phi.then(|| t.date_label()),
            ct_series_uid: t.ct.as_ref().map(|c| t.series[c.index].uid.clone()),
            pet_series_uid: t.pet.as_ref().map(|c| t.series[c.index].uid.clone()),
        })
        .collect()
}

fn print_time_points(points: &[TimePointReport]) {
    if points.len() < 2 {
        return;
    }
    println!("time points ({} studies, oldest first):", points.len());
    for (i, t) in points.iter().enumerate() {
        let when = match (&t.date, t.days_after_first) {
            (Some(d), _) => d.clone(),
            (None, Some(days)) => format!("day {days:.0}"),
            (None, None) => "date unknown".into(),
        };
        println!(
            "  {}: {when}, study {}, CT {}, PET {}",
            i + 1,
            t.study_uid,
            if t.ct_series_uid.is_some() {
                "yes"
            } else {
                "no"
            },
            if t.pet_series_uid.is_some() {
                "yes"
            } else {
                "no"
            },
        );
    }
}

/// `petct info` on NIfTI: the volumes as loaded (a NIfTI file is one series; there are no
/// SUV inputs, no UIDs and no patient identifiers to show).
fn run_nifti(args: &InfoArgs, paths: &[PathBuf]) -> anyhow::Result<()> {
    let study = crate::study_nifti::load_nifti_study(paths, &args.study.load_options())?;
    let mut reports = Vec::new();
    // (geometry, unit, statistics) of each volume; the CT is 16-bit, the PET f32.
    let ct = study.ct.as_ref().map(|v| (&v.geometry, &v.unit, v.stats()));
    let pet = study
        .pet
        .as_ref()
        .map(|v| (&v.geometry, &v.unit, v.stats()));
    for (modality, volume) in [("CT", ct), ("PT", pet)] {
        let Some((geometry, unit, stats)) = volume else {
            continue;
        };
        let units = unit.label().to_string();
        let mut r = empty_report(modality, &units);
        fill_geometry(&mut r, geometry);
        r.slice_count = geometry.dims[2];
        if modality == "PT" && study.suv_available {
            r.suv_factor = Some(study.pet_display_factor);
            set_stats(&mut r, stats.scaled(study.pet_display_factor), "SUVbw");
            r.suv_max = r.max;
        } else {
            if modality == "PT" {
                r.suv_unavailable_reason = Some(format!(
                    "a NIfTI PET in {units} carries no dose, weight or times"
                ));
            }
            set_stats(&mut r, stats, &units);
        }
        reports.push(r);
    }
    let notes = study.notes.clone();
    if args.json {
        let out = json!({
            "series": reports,
            "choices": notes,
            "skipped": Vec::<String>::new(),
            "problems": Vec::<String>::new(),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&reports, &notes, &[], &[], None);
    }
    Ok(())
}

/// A report with only its modality and units filled in.
fn empty_report(modality: &str, units: &str) -> SeriesReport {
    SeriesReport {
        series_uid: String::new(),
        modality: modality.to_string(),
        series_number: None,
        description: "NIfTI".into(),
        selected: true,
        file_count: 1,
        transfer_syntaxes: Vec::new(),
        dims: None,
        spacing_mm: None,
        orientation: None,
        origin_mm: None,
        slice_count: 0,
        units: units.to_string(),
        stats_units: None,
        suv_factor: None,
        suv_unavailable_reason: None,
        sul_factor: None,
        suv_details: None,
        min: None,
        max: None,
        mean: None,
        suv_max: None,
        warnings: vec![],
        error: None,
    }
}

fn paths_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(series: &Series, selected: bool, study: &StudyArgs) -> SeriesReport {
    let mut r = SeriesReport {
        series_uid: series.uid.clone(),
        series_number: series.number,
        description: series.description.clone(),
        selected,
        file_count: series.files.len(),
        transfer_syntaxes: series.transfer_syntaxes(),
        slice_count: series.frame_count(),
        ..empty_report(&series.modality, "")
    };
    if series.modality == "PT" {
        match load_pet_series(series, &study.overrides()) {
            Ok(pet) => {
                let units = pet
                    .suv_inputs
                    .units
                    .clone()
                    .unwrap_or_else(|| "unknown".into());
                fill_loaded(&mut r, &pet.series, &units);
                let stats = pet.series.volume.stats();
                let c = &pet.calibration;
                r.suv_factor = c.suv_factor();
                r.suv_unavailable_reason = c.unavailable_reason();
                r.sul_factor = c.sul_factor.as_ref().ok().copied();
                r.suv_details = Some(c.details.clone());
                match c.suv_factor() {
                    Some(f) => {
                        set_stats(&mut r, stats.scaled(f), "SUVbw");
                        r.suv_max = r.max;
                    }
                    None => set_stats(&mut r, stats, &units),
                }
            }
            Err(e) => r.error = Some(e.to_string()),
        }
    } else {
        match load_series(series) {
            Ok(loaded) => {
                let units = loaded.volume.unit.label().to_string();
                fill_loaded(&mut r, &loaded, &units);
                set_stats(&mut r, loaded.volume.stats(), &units);
            }
            Err(e) => r.error = Some(e.to_string()),
        }
    }
    r
}

/// The times SUV used and how they were chosen, so a reader can check them.
/// Dates are shown only with `--show-phi`.
fn print_suv_details(details: Option<&crate::dicom::suv::SuvDetails>, show_phi: bool) {
    let Some(d) = details else { return };
    if let Some(uptake) = d.uptake_s {
        match (&d.injection, &d.scan, show_phi) {
            (Some(injection), Some(scan), true) => println!(
                "    SUV times: injection {injection}, scan start {scan}, uptake {uptake:.0} s"
            ),
            _ => println!("    SUV uptake time {uptake:.0} s"),
        }
    }
    for n in &d.notes {
        println!("    SUV note: {n}");
    }
}

fn fill_loaded(r: &mut SeriesReport, loaded: &LoadedSeries, units: &str) {
    fill_geometry(r, &loaded.volume.geometry);
    r.units = units.to_string();
    r.warnings = loaded.warnings.clone();
}

fn fill_geometry(r: &mut SeriesReport, g: &crate::volume::Geometry) {
    r.dims = Some(g.dims);
    r.spacing_mm = Some(g.spacing);
    r.orientation = Some([
        g.row_dir.x,
        g.row_dir.y,
        g.row_dir.z,
        g.col_dir.x,
        g.col_dir.y,
        g.col_dir.z,
    ]);
    r.origin_mm = Some(g.origin.to_array());
}

fn set_stats(r: &mut SeriesReport, s: VolumeStats, units: &str) {
    r.min = Some(s.min);
    r.max = Some(s.max);
    r.mean = Some(s.mean);
    r.stats_units = Some(units.to_string());
}

fn print_text(
    reports: &[SeriesReport],
    notes: &[String],
    skipped: &[String],
    problems: &[String],
    patient: Option<&PatientInfo>,
) {
    if let Some(p) = patient {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        println!(
            "Patient: {} (ID {}), born {}, study date {}",
            show(&p.name),
            show(&p.id),
            show(&p.birth_date),
            show(&p.study_date)
        );
    }
    for r in reports {
        let mark = if r.selected { "*" } else { " " };
        println!(
            "{mark} {} series {} \"{}\"  {}",
            r.modality,
            r.series_number.map(|n| n.to_string()).unwrap_or("-".into()),
            r.description,
            r.series_uid
        );
        println!(
            "    {} files, {} slices, transfer syntax {}",
            r.file_count,
            r.slice_count,
            r.transfer_syntaxes.join(", ")
        );
        if let Some(e) = &r.error {
            println!("    ERROR: {e}");
            continue;
        }
        if let (Some(d), Some(s), Some(o)) = (r.dims, r.spacing_mm, r.orientation) {
            println!(
                "    {} x {} x {} voxels, spacing {:.4} x {:.4} x {:.4} mm, orientation {:?}",
                d[0], d[1], d[2], s[0], s[1], s[2], o
            );
        }
        if let (Some(min), Some(max), Some(mean), Some(u)) = (r.min, r.max, r.mean, &r.stats_units)
        {
            println!(
                "    values ({u}): min {min:.3}, max {max:.3}, mean {mean:.3}  [stored units {}]",
                r.units
            );
        }
        if r.modality == "PT" {
            match (r.suv_factor, &r.suv_unavailable_reason) {
                (Some(f), _) => println!(
                    "    SUVbw factor {f:.6e}, SUVmax {:.3}{}",
                    r.suv_max.unwrap_or(0.0),
                    r.sul_factor
                        .map(|s| format!(", SUL factor {s:.6e}"))
                        .unwrap_or_default()
                ),
                (None, Some(why)) => {
                    println!("    SUV unavailable: {why}; values shown in {}", r.units)
                }
                _ => {}
            }
            print_suv_details(r.suv_details.as_ref(), patient.is_some());
        }
        for w in &r.warnings {
            println!("    warning: {w}");
        }
    }
    for n in notes {
        println!("chosen {n}");
    }
    for s in skipped {
        println!("skipped {s}");
    }
    for p in problems {
        println!("problem: {p}");
    }
}
