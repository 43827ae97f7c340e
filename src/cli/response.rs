//! `petct response`: follow-up reading with PERCIST 1.0.

use std::path::PathBuf;

use clap::Args;
use glam::DVec3;
use serde_json::json;

use super::{existing_paths, StudyArgs};
use crate::analysis::registration::Registration;
use crate::analysis::response::{ResponseAssessment, Target};
use crate::study_response::{assess_pair, load_pair, register_pair, FollowUpPair};
use crate::volume::RigidTransform;

/// Arguments of `petct response`.
#[derive(Debug, Args)]
pub struct ResponseArgs {
    /// The baseline and follow-up study folders, or one folder holding both (ordered by
    /// study date).
    #[arg(required = true, num_args = 1..=2)]
    pub paths: Vec<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Compare studies even when their PatientID or name differ.
    #[arg(long)]
    pub force: bool,
    /// A correction on top of the registration, in baseline space: "TX,TY,TZ[,RX,RY,RZ]"
    /// (mm, degrees about the patient origin).
    #[arg(long, value_parser = parse_nudge, allow_hyphen_values = true)]
    pub nudge: Option<RigidTransform>,
    /// Also write the chart of each lesion's SULpeak (with the liver reference) and MTV over
    /// the time points as a PNG.
    #[arg(long, value_name = "OUT.png")]
    pub chart: Option<PathBuf>,
    /// Chart only this lesion (its id in the table).
    #[arg(long, requires = "chart")]
    pub chart_lesion: Option<u32>,
    #[command(flatten)]
    pub study: StudyArgs,
}

fn parse_nudge(s: &str) -> Result<RigidTransform, String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{s}' is not TX,TY,TZ[,RX,RY,RZ] in mm and degrees"))?;
    let at = |i: usize| v.get(i).copied().unwrap_or(0.0);
    if v.len() != 3 && v.len() != 6 {
        return Err(format!("'{s}': give 3 or 6 numbers"));
    }
    Ok(RigidTransform::from_euler_deg_about(
        DVec3::new(at(3), at(4), at(5)),
        DVec3::ZERO,
        DVec3::new(at(0), at(1), at(2)),
    ))
}

/// Runs `petct response`.
pub fn run(args: &ResponseArgs) -> anyhow::Result<()> {
    let paths = existing_paths(&args.paths)?;
    let pair = load_pair(&paths, args.force, &args.study.load_options())?;
    let registration = register_pair(&pair)?;
    let assessment = assess_pair(&pair, &registration, args.nudge.as_ref())?;
    if let Some(out) = &args.chart {
        let img = crate::response_chart::response_chart(
            &assessment,
            days_between(&pair),
            args.chart_lesion,
            800,
        );
        crate::render::export::write_png_atomic(&img, out)?;
        eprintln!("wrote {}", out.display());
    }
    if args.json {
        let out = to_json(&pair, &registration, &assessment);
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&pair, &registration, &assessment);
    }
    Ok(())
}

fn registration_json(r: &Registration, used: &RigidTransform) -> serde_json::Value {
    json!({
        "translation_mm": r.translation_mm().to_array(),
        "rotation_deg": r.rotation_deg().to_array(),
        "quality": r.quality,
        "initial_quality": r.initial_quality,
        "method": r.representation.name(),
        "used_translation_mm": used.translation.to_array(),
        "used_rotation_deg": used.euler_deg().to_array(),
    })
}

fn target_json(t: &Option<Target>) -> serde_json::Value {
    match t {
        None => serde_json::Value::Null,
        Some(t) => json!({
            "lesion": t.lesion,
            "sul_peak": t.sul_peak,
            "position_mm": t.position_mm.to_array(),
            "measurable": t.measurable,
        }),
    }
}

/// Days from the baseline to the follow-up, when both dates are known.
fn days_between(pair: &FollowUpPair) -> Option<f64> {
    pair.followup
        .0
        .date_time
        .zip(pair.baseline.0.date_time)
        .map(|(f, b)| f.seconds_since(b) / 86_400.0)
}

fn to_json(pair: &FollowUpPair, r: &Registration, a: &ResponseAssessment) -> serde_json::Value {
    let p = &a.percist;
    let days = pair
        .followup
        .0
        .date_time
        .zip(pair.baseline.0.date_time)
        .map(|(f, b)| f.seconds_since(b) / 86_400.0);
    json!({
        "category": p.category,
        "rule": p.rule,
        "units": a.scale,
        "target_baseline": target_json(&p.target_baseline),
        "target_followup": target_json(&p.target_followup),
        "sul_peak_change_percent": p.sul_peak_change_percent,
        "sul_peak_change": p.sul_peak_change,
        "new_lesions": p.new_lesions,
        "comparable": p.comparability.comparable,
        "comparability": p.comparability,
        "reasons": p.reasons,
        "sum_sul_peak": p.sum_sul_peak,
        "thresholds": p.thresholds,
        "registration": registration_json(r, &a.followup_to_baseline),
        "time_points": [
            {"study_uid": pair.baseline.0.study_uid, "role": "baseline"},
            {"study_uid": pair.followup.0.study_uid, "role": "follow-up", "days_after_baseline": days},
        ],
        "lesions": a.lesions,
        "notes": pair.notes,
    })
}

fn print_text(pair: &FollowUpPair, r: &Registration, a: &ResponseAssessment) {
    let p = &a.percist;
    let u = a.scale.label();
    for n in &pair.notes {
        println!("{n}");
    }
    let days = pair
        .followup
        .0
        .date_time
        .zip(pair.baseline.0.date_time)
        .map_or("unknown".into(), |(f, b)| {
            format!("{:.0}", f.seconds_since(b) / 86_400.0)
        });
    println!("Time points: baseline study {}", pair.baseline.0.study_uid);
    println!(
        "             follow-up study {} ({days} days later)",
        pair.followup.0.study_uid
    );
    let t = r.translation_mm();
    let rot = r.rotation_deg();
    println!(
        "Registration ({}): follow-up to baseline translation ({:.1}, {:.1}, {:.1}) mm, rotation \
         ({:.2}, {:.2}, {:.2}) deg about x, y, z; NCC {:.3} (start {:.3})",
        r.representation.name(),
        t.x,
        t.y,
        t.z,
        rot.x,
        rot.y,
        rot.z,
        r.quality,
        r.initial_quality
    );
    let c = &p.comparability;
    println!(
        "Liver reference ({u}mean +- SD): baseline {:.2} +- {:.2}, follow-up {:.2} +- {:.2}; \
         measurable at {u}peak >= {:.2} / {:.2}",
        c.liver_mean[0],
        c.liver_sd[0],
        c.liver_mean[1],
        c.liver_sd[1],
        p.thresholds[0],
        p.thresholds[1]
    );
    println!(
        "Comparable: {}",
        if c.comparable {
            "yes".to_string()
        } else {
            c.problems.join("; ")
        }
    );
    println!();
    println!(
        "{:>3} {:<11} {:<11} {:>9} {:>9} {:>8} {:>9} {:>9} {:>8} {:>8} {:>8}",
        "id",
        "status",
        "organ",
        &format!("{u}peak B"),
        &format!("{u}peak F"),
        "change",
        &format!("{u}max B"),
        &format!("{u}max F"),
        "MTV B",
        "MTV F",
        "TLG F"
    );
    for l in &a.lesions {
        println!(
            "{:>3} {:<11} {:<11} {:>9.2} {:>9.2} {:>7.0}% {:>9.2} {:>9.2} {:>8.1} {:>8.1} {:>8.1}",
            l.id,
            format!("{:?}", l.status).to_lowercase(),
            l.organ,
            l.baseline.sul_peak,
            l.followup.sul_peak,
            l.sul_peak_change_percent,
            l.baseline.sul_max,
            l.followup.sul_max,
            l.baseline.mtv_ml,
            l.followup.mtv_ml,
            l.followup.tlg
        );
    }
    println!();
    if let (Some(b), Some(f)) = (&p.target_baseline, &p.target_followup) {
        println!(
            "Target: baseline lesion {} {u}peak {:.2}, follow-up lesion {} {u}peak {:.2} ({:+.0}%, {:+.2})",
            b.lesion,
            b.sul_peak,
            f.lesion,
            f.sul_peak,
            p.sul_peak_change_percent.unwrap_or(0.0),
            p.sul_peak_change.unwrap_or(0.0)
        );
    }
    println!(
        "Sum of up to 5 lesions (2 per organ): {:.2} -> {:.2}; new lesions: {}",
        p.sum_sul_peak[0], p.sum_sul_peak[1], p.new_lesions
    );
    println!("PERCIST 1.0: {} ({})", p.category.abbreviation(), p.rule);
    for reason in p.reasons.iter().filter(|r| !r.ends_with(&p.rule)) {
        println!("  note: {reason}");
    }
}
