//! PERCIST 1.0 (Wahl et al., J Nucl Med 2009): comparability, target lesions, the secondary
//! sum, and the category with the rule that decided it.
//!
//! What a program cannot judge is approximated and said so in the reasons:
//! - "in a tumour-like pattern" / "typical new lesions": a new lesion counts when triage calls
//!   it suspicious (not physiologic) and its SULpeak reaches the measurability threshold.
//! - "to the level of surrounding blood pool" (CMR): the blood pool is not measured; a site
//!   counts as resolved when its SULpeak is at most the follow-up liver SULmean + 2 SD (the
//!   liver reference's own noise), and no measurable lesion remains.
//! - "same scanner and reconstruction": only the PET voxel grid (size and spacing) is
//!   compared; scanner model and reconstruction settings are not checked.

use glam::DVec3;
use serde::Serialize;

use super::tracking::{Status, TrackedLesion};
use super::{Scale, ScanAnalysis};
use crate::volume::RigidTransform;

/// Liver SULmean may differ by at most this fraction between scans...
pub const LIVER_MAX_RELATIVE_CHANGE: f64 = 0.20;
/// ...and by less than this many SUL.
pub const LIVER_MAX_ABSOLUTE_CHANGE: f64 = 0.3;
/// Uptake times may differ by less than this (s).
pub const UPTAKE_MAX_DIFFERENCE_S: f64 = 15.0 * 60.0;
/// PMR/PMD need a SULpeak change of at least 30 % ...
pub const RESPONSE_FRACTION: f64 = 0.30;
/// ... and of at least 0.8 SUL.
pub const RESPONSE_ABSOLUTE: f64 = 0.8;
/// A total TLG rise of more than 75 % counts as a visible increase in extent.
pub const TLG_PROGRESSION_FRACTION: f64 = 0.75;
/// Lesions in the secondary sum, and per organ.
pub const SUM_LESIONS: usize = 5;
/// Lesions per organ in the secondary sum.
pub const SUM_PER_ORGAN: usize = 2;

/// PERCIST categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Category {
    /// Complete metabolic response.
    #[serde(rename = "CMR")]
    Cmr,
    /// Partial metabolic response.
    #[serde(rename = "PMR")]
    Pmr,
    /// Stable metabolic disease.
    #[serde(rename = "SMD")]
    Smd,
    /// Progressive metabolic disease.
    #[serde(rename = "PMD")]
    Pmd,
    /// No measurable lesion at baseline: PERCIST does not apply (unless new lesions appear).
    #[serde(rename = "not evaluable")]
    NotEvaluable,
}

impl Category {
    /// Abbreviation, e.g. "PMR".
    pub fn abbreviation(self) -> &'static str {
        match self {
            Category::Cmr => "CMR",
            Category::Pmr => "PMR",
            Category::Smd => "SMD",
            Category::Pmd => "PMD",
            Category::NotEvaluable => "not evaluable",
        }
    }
}

/// A target lesion on one scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Tracked lesion id.
    pub lesion: u32,
    /// Its SULpeak on that scan.
    pub sul_peak: f64,
    /// The peak sphere's centre in the baseline's patient space (mm, LPS).
    pub position_mm: DVec3,
    /// Whether it meets that scan's measurability threshold.
    pub measurable: bool,
}

/// Whether the scans may be compared, with the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparability {
    /// All checks passed.
    pub comparable: bool,
    /// Liver SULmean at baseline and follow-up.
    pub liver_mean: [f64; 2],
    /// Liver SD at baseline and follow-up.
    pub liver_sd: [f64; 2],
    /// Uptake times (minutes), when known.
    pub uptake_min: [Option<f64>; 2],
    /// Every failed check, in words.
    pub problems: Vec<String>,
}

/// The PERCIST outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PercistResult {
    /// The category.
    pub category: Category,
    /// The rule that decided it, in words.
    pub rule: String,
    /// Hottest measurable lesion at baseline.
    pub target_baseline: Option<Target>,
    /// Hottest measurable lesion at follow-up (else the hottest lesion or site, flagged).
    pub target_followup: Option<Target>,
    /// Target SULpeak change in % of baseline.
    pub sul_peak_change_percent: Option<f64>,
    /// Target SULpeak change in SUL.
    pub sul_peak_change: Option<f64>,
    /// Lesions new at follow-up.
    pub new_lesions: usize,
    /// Secondary analysis: sum of SULpeak of up to 5 hottest measurable lesions, at most 2 per
    /// organ, at baseline and follow-up.
    pub sum_sul_peak: [f64; 2],
    /// Measurability thresholds (1.5 x liver mean + 2 SD) at baseline and follow-up.
    pub thresholds: [f64; 2],
    /// Comparability checks.
    pub comparability: Comparability,
    /// Everything the reader should know: failed checks, the SUL fallback, approximations.
    pub reasons: Vec<String>,
}

/// Applies PERCIST to tracked lesions.
pub fn assess(
    baseline: &ScanAnalysis,
    followup: &ScanAnalysis,
    lesions: &[TrackedLesion],
    followup_to_baseline: &RigidTransform,
) -> PercistResult {
    let comparability = comparability(baseline, followup);
    let mut reasons = comparability.problems.clone();
    if baseline.scale == Scale::SuvBw {
        let why = [&baseline.sul_unavailable, &followup.sul_unavailable]
            .into_iter()
            .flatten()
            .next()
            .cloned()
            .unwrap_or_default();
        reasons.push(format!(
            "SUL (lean body mass) could not be computed ({why}): figures are SUVbw, which \
             PERCIST does not define thresholds for"
        ));
    }
    let target_baseline = lesions
        .iter()
        .filter(|l| l.baseline.segmented && l.baseline.measurable)
        .max_by(|a, b| a.baseline.sul_peak.total_cmp(&b.baseline.sul_peak))
        .map(|l| Target {
            lesion: l.id,
            sul_peak: l.baseline.sul_peak,
            position_mm: l.baseline.peak_position_mm,
            measurable: true,
        });
    let followup_measurable = lesions
        .iter()
        .filter(|l| l.followup.segmented && l.followup.measurable)
        .max_by(|a, b| a.followup.sul_peak.total_cmp(&b.followup.sul_peak));
    let followup_any = || {
        lesions
            .iter()
            .filter(|l| l.status != Status::New || l.followup.segmented)
            .max_by(|a, b| a.followup.sul_peak.total_cmp(&b.followup.sul_peak))
    };
    let target_followup = followup_measurable.or_else(followup_any).map(|l| Target {
        lesion: l.id,
        sul_peak: l.followup.sul_peak,
        position_mm: followup_to_baseline.apply(l.followup.peak_position_mm),
        measurable: l.followup.segmented && l.followup.measurable,
    });
    if target_followup.as_ref().is_some_and(|t| !t.measurable) {
        reasons.push(
            "no measurable lesion at follow-up: the follow-up target is the hottest lesion site \
             (measured where the baseline lesions lie)"
                .into(),
        );
    }
    // A new lesion counts when it is measurable: faint new spots (noise, a nodule that only
    // now reaches the minimum volume) are listed but do not make the disease progressive.
    let new_lesions = lesions
        .iter()
        .filter(|l| l.status == Status::New && l.followup.measurable)
        .count();
    let (change, change_pct) = match (&target_baseline, &target_followup) {
        (Some(b), Some(f)) => (
            Some(f.sul_peak - b.sul_peak),
            Some((f.sul_peak - b.sul_peak) / b.sul_peak * 100.0),
        ),
        _ => (None, None),
    };
    let (category, rule) = decide(
        baseline,
        followup,
        lesions,
        target_baseline.as_ref(),
        change,
        new_lesions,
    );
    reasons.push(format!("{}: {rule}", category.abbreviation()));
    PercistResult {
        category,
        rule,
        sul_peak_change_percent: change_pct,
        sul_peak_change: change,
        target_baseline,
        target_followup,
        new_lesions,
        sum_sul_peak: [
            secondary_sum(lesions, |l| &l.baseline),
            secondary_sum(lesions, |l| &l.followup),
        ],
        thresholds: [
            baseline.measurable_threshold(),
            followup.measurable_threshold(),
        ],
        comparability,
        reasons,
    }
}

fn comparability(baseline: &ScanAnalysis, followup: &ScanAnalysis) -> Comparability {
    let (lb, lf) = (&baseline.liver, &followup.liver);
    let unit = baseline.scale.label();
    let mut problems = Vec::new();
    let diff = (lf.suv_mean - lb.suv_mean).abs();
    if diff > LIVER_MAX_RELATIVE_CHANGE * lb.suv_mean || diff >= LIVER_MAX_ABSOLUTE_CHANGE {
        problems.push(format!(
            "liver {unit}mean changed from {:.2} to {:.2} (PERCIST allows at most 20% and less \
             than 0.3): the comparison is not reliable",
            lb.suv_mean, lf.suv_mean
        ));
    }
    let uptake = [baseline.uptake_s, followup.uptake_s];
    match uptake {
        [Some(a), Some(b)] if (a - b).abs() >= UPTAKE_MAX_DIFFERENCE_S => problems.push(format!(
            "uptake times differ by {:.0} min ({:.0} and {:.0} min; PERCIST allows less than 15)",
            (a - b).abs() / 60.0,
            a / 60.0,
            b / 60.0
        )),
        [Some(_), Some(_)] => {}
        _ => problems.push("an uptake time is unknown: it cannot be checked".into()),
    }
    let (gb, gf) = (&baseline.values.geometry, &followup.values.geometry);
    let same_grid = gb.dims == gf.dims
        && gb
            .spacing
            .iter()
            .zip(&gf.spacing)
            .all(|(a, b)| (a - b).abs() < 1e-3);
    if !same_grid {
        problems.push(
            "the PET reconstruction grids differ (voxel size or matrix): possibly another \
             scanner or reconstruction"
                .into(),
        );
    }
    Comparability {
        comparable: problems.is_empty(),
        liver_mean: [lb.suv_mean, lf.suv_mean],
        liver_sd: [lb.suv_sd, lf.suv_sd],
        uptake_min: uptake.map(|u| u.map(|s| s / 60.0)),
        problems,
    }
}

/// The category and the rule that decided it, first match wins: new lesions, target rise,
/// extent rise (PMD); no measurable disease left (CMR); target fall without any lesion rising
/// (PMR); otherwise SMD.
fn decide(
    baseline: &ScanAnalysis,
    followup: &ScanAnalysis,
    lesions: &[TrackedLesion],
    target: Option<&super::Target>,
    change: Option<f64>,
    new_lesions: usize,
) -> (Category, String) {
    let unit = baseline.scale.label();
    if new_lesions > 0 {
        return (
            Category::Pmd,
            format!("{new_lesions} new measurable suspicious lesion(s) at follow-up"),
        );
    }
    let (Some(t), Some(change)) = (target, change) else {
        return (
            Category::NotEvaluable,
            format!(
                "no lesion at baseline reaches the measurability threshold ({unit}peak >= {:.2})",
                baseline.measurable_threshold()
            ),
        );
    };
    let fraction = change / t.sul_peak;
    if fraction > RESPONSE_FRACTION && change > RESPONSE_ABSOLUTE {
        return (
            Category::Pmd,
            format!(
                "target {unit}peak rose by {:.0}% and {change:.2} (more than 30% and 0.8)",
                fraction * 100.0
            ),
        );
    }
    let tlg = |f: fn(&TrackedLesion) -> f64| lesions.iter().map(f).sum::<f64>();
    let (tlg_b, tlg_f) = (tlg(|l| l.baseline.tlg), tlg(|l| l.followup.tlg));
    if tlg_b > 0.0 && tlg_f > tlg_b * (1.0 + TLG_PROGRESSION_FRACTION) {
        return (
            Category::Pmd,
            format!(
                "total lesion glycolysis rose by {:.0}% (more than 75%: a visible increase in extent)",
                (tlg_f / tlg_b - 1.0) * 100.0
            ),
        );
    }
    let resolved_level = followup.liver.suv_mean + 2.0 * followup.liver.suv_sd;
    let none_measurable = lesions
        .iter()
        .all(|l| !(l.followup.segmented && l.followup.measurable));
    let all_resolved = lesions
        .iter()
        .all(|l| l.followup.sul_peak <= resolved_level);
    if none_measurable && all_resolved {
        return (
            Category::Cmr,
            format!(
                "no measurable lesion at follow-up and every lesion site at or below the liver \
                 ({unit}peak <= liver mean + 2 SD = {resolved_level:.2}; blood pool not measured)"
            ),
        );
    }
    let rising = lesions.iter().find(|l| {
        l.baseline.sul_peak > 0.0
            && l.sul_peak_change > RESPONSE_ABSOLUTE
            && l.sul_peak_change / l.baseline.sul_peak > RESPONSE_FRACTION
    });
    if fraction <= -RESPONSE_FRACTION && change <= -RESPONSE_ABSOLUTE {
        if let Some(r) = rising {
            return (
                Category::Smd,
                format!(
                    "target {unit}peak fell by {:.0}% but lesion {} rose by {:.0}%",
                    -fraction * 100.0,
                    r.id,
                    r.sul_peak_change_percent
                ),
            );
        }
        return (
            Category::Pmr,
            format!(
                "target {unit}peak fell by {:.0}% and {:.2} (at least 30% and 0.8), no lesion \
                 rose by more than 30%, no new lesions",
                -fraction * 100.0,
                -change
            ),
        );
    }
    (
        Category::Smd,
        format!(
            "target {unit}peak changed by {:+.0}% ({change:+.2}): neither a response nor progression",
            fraction * 100.0
        ),
    )
}

/// Sum of SULpeak of up to 5 hottest measurable lesions on a scan, at most 2 per organ.
fn secondary_sum(
    lesions: &[TrackedLesion],
    on: impl Fn(&TrackedLesion) -> &super::LesionMeasure,
) -> f64 {
    let mut measurable: Vec<&TrackedLesion> = lesions
        .iter()
        .filter(|l| on(l).segmented && on(l).measurable)
        .collect();
    measurable.sort_by(|a, b| on(b).sul_peak.total_cmp(&on(a).sul_peak));
    let mut per_organ: Vec<&str> = Vec::new();
    let mut sum = 0.0;
    let mut count = 0;
    for l in measurable {
        if per_organ.iter().filter(|o| **o == l.organ).count() >= SUM_PER_ORGAN {
            continue;
        }
        per_organ.push(l.organ);
        sum += on(l).sul_peak;
        count += 1;
        if count == SUM_LESIONS {
            break;
        }
    }
    sum
}
