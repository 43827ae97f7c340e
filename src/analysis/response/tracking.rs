//! Matching the lesions of two scans after registration, and measuring each on both.

use glam::DVec3;
use serde::Serialize;

use super::peak::{percist_peak, voxels_near};
use super::ScanAnalysis;
use crate::analysis::{Category, Lesion, QUIET_LABEL_BIT};
use crate::volume::HalfVolume;
use crate::volume::RigidTransform;

/// Lesions match when their centroids (the follow-up's mapped into baseline space) lie within
/// this distance.
pub const MATCH_DISTANCE_MM: f64 = 20.0;

/// Where a lesion was not segmented on a scan, its SULpeak is searched for within this
/// distance of its (mapped) centroid.
pub const SITE_SEARCH_MM: f64 = 10.0;

/// Candidate matches whose distances differ by less than this are told apart by overlap.
const DISTANCE_TIE_MM: f64 = 2.0;

/// Whether a lesion is on both scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Segmented on both scans.
    Matched,
    /// Only on the follow-up.
    New,
    /// Only on the baseline.
    Disappeared,
}

/// One lesion on one scan, in the assessment's unit (SUL or SUVbw).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LesionMeasure {
    /// Whether a lesion was segmented here; when not, the figures are of its site.
    pub segmented: bool,
    /// The lesion's id in this scan's hot-spot table.
    pub lesion_id: Option<u32>,
    /// PERCIST SULpeak: the hottest 1 mL sphere mean within the lesion (or site).
    pub sul_peak: f64,
    /// Centre of that sphere, in this scan's patient space (mm).
    pub peak_position_mm: DVec3,
    /// The 1 mL sphere mean centred on the hottest voxel (OHIF's SUVpeak), for comparison.
    pub peak_max_centred: f64,
    /// Hottest voxel.
    pub sul_max: f64,
    /// Hottest voxel in SUVbw.
    pub suv_max: f64,
    /// Metabolic tumour volume (mL); 0 where not segmented.
    pub mtv_ml: f64,
    /// SULmean x MTV; 0 where not segmented.
    pub tlg: f64,
    /// Centroid in this scan's patient space (mm).
    pub centroid_mm: DVec3,
    /// SULpeak at or above this scan's measurability threshold.
    pub measurable: bool,
}

/// A lesion followed over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackedLesion {
    /// Stable id: baseline lesions 1.. in their table order, then new ones.
    pub id: u32,
    /// On both, new or gone.
    pub status: Status,
    /// Organ guessed from the CT around it (lung, bone, liver, soft tissue), for PERCIST's
    /// two-per-organ rule.
    pub organ: &'static str,
    /// Baseline figures.
    pub baseline: LesionMeasure,
    /// Follow-up figures.
    pub followup: LesionMeasure,
    /// Distance between the centroids after registration (matched lesions).
    pub distance_mm: Option<f64>,
    /// Fraction of the follow-up lesion's voxels that land in the baseline lesion.
    pub overlap: Option<f64>,
    /// SULpeak change, follow-up minus baseline.
    pub sul_peak_change: f64,
    /// SULpeak change in % of baseline.
    pub sul_peak_change_percent: f64,
    /// MTV change in % of baseline (`None` when the baseline MTV is 0).
    pub mtv_change_percent: Option<f64>,
    /// TLG change in % of baseline (`None` when the baseline TLG is 0).
    pub tlg_change_percent: Option<f64>,
}

fn suspicious(scan: &ScanAnalysis) -> Vec<&Lesion> {
    scan.hotspots
        .lesions
        .iter()
        .filter(|l| l.category == Category::Suspicious)
        .collect()
}

/// Matches and measures the suspicious lesions of both scans.
pub fn track(
    baseline: &ScanAnalysis,
    followup: &ScanAnalysis,
    followup_to_baseline: &RigidTransform,
) -> Vec<TrackedLesion> {
    let b = suspicious(baseline);
    let f = suspicious(followup);
    let pairs = match_lesions(baseline, followup, &b, &f, followup_to_baseline);
    let to_followup = followup_to_baseline.inverse();
    let mut out = Vec::new();
    for (i, bl) in b.iter().enumerate() {
        let base = measure_lesion(baseline, bl);
        let organ = baseline.organ_of(bl.id);
        let (status, fu, distance, overlap) = match pairs.iter().find(|p| p.0 == i) {
            Some(&(_, j, d, o)) => (
                Status::Matched,
                measure_lesion(followup, f[j]),
                Some(d),
                Some(o),
            ),
            None => {
                let site = to_followup.apply(bl.centroid_mm);
                (
                    Status::Disappeared,
                    measure_site(followup, site),
                    None,
                    None,
                )
            }
        };
        out.push(tracked(
            out.len() as u32 + 1,
            status,
            organ,
            base,
            fu,
            distance,
            overlap,
        ));
    }
    for (j, fl) in f.iter().enumerate() {
        if pairs.iter().any(|p| p.1 == j) {
            continue;
        }
        let site = followup_to_baseline.apply(fl.centroid_mm);
        let base = measure_site(baseline, site);
        let fu = measure_lesion(followup, fl);
        let organ = followup.organ_of(fl.id);
        out.push(tracked(
            out.len() as u32 + 1,
            Status::New,
            organ,
            base,
            fu,
            None,
            None,
        ));
    }
    out
}

fn tracked(
    id: u32,
    status: Status,
    organ: &'static str,
    baseline: LesionMeasure,
    followup: LesionMeasure,
    distance_mm: Option<f64>,
    overlap: Option<f64>,
) -> TrackedLesion {
    let pct = |a: f64, b: f64| (a > 0.0).then(|| (b - a) / a * 100.0);
    TrackedLesion {
        id,
        status,
        organ,
        sul_peak_change: followup.sul_peak - baseline.sul_peak,
        sul_peak_change_percent: pct(baseline.sul_peak, followup.sul_peak).unwrap_or(0.0),
        mtv_change_percent: pct(baseline.mtv_ml, followup.mtv_ml),
        tlg_change_percent: pct(baseline.tlg, followup.tlg),
        baseline,
        followup,
        distance_mm,
        overlap,
    }
}

/// Greedy matching: candidate pairs within [`MATCH_DISTANCE_MM`], nearest first; pairs whose
/// distances lie within [`DISTANCE_TIE_MM`] go by overlap. Returns (baseline index, follow-up
/// index, distance, overlap).
fn match_lesions(
    baseline: &ScanAnalysis,
    followup: &ScanAnalysis,
    b: &[&Lesion],
    f: &[&Lesion],
    t: &RigidTransform,
) -> Vec<(usize, usize, f64, f64)> {
    let mut candidates = Vec::new();
    for (j, fl) in f.iter().enumerate() {
        let c = t.apply(fl.centroid_mm);
        for (i, bl) in b.iter().enumerate() {
            let d = c.distance(bl.centroid_mm);
            if d <= MATCH_DISTANCE_MM {
                let o = overlap(baseline, followup, bl.id, fl.id, t);
                candidates.push((i, j, d, o));
            }
        }
    }
    candidates.sort_by(|x, y| {
        let bucket = |d: f64| (d / DISTANCE_TIE_MM).floor();
        bucket(x.2)
            .total_cmp(&bucket(y.2))
            .then(y.3.total_cmp(&x.3))
            .then(x.2.total_cmp(&y.2))
    });
    let mut chosen: Vec<(usize, usize, f64, f64)> = Vec::new();
    for c in candidates {
        if chosen.iter().all(|p| p.0 != c.0 && p.1 != c.1) {
            chosen.push(c);
        }
    }
    chosen
}

/// Fraction of follow-up lesion `fid`'s voxels whose centres, mapped to baseline space, fall in
/// a voxel of baseline lesion `bid`.
fn overlap(
    baseline: &ScanAnalysis,
    followup: &ScanAnalysis,
    bid: u32,
    fid: u32,
    t: &RigidTransform,
) -> f64 {
    let fg = &followup.values.geometry;
    let bg = &baseline.values.geometry;
    let [nx, ny, _] = fg.dims;
    let (mut hit, mut n) = (0usize, 0usize);
    for (i, &l) in followup.hotspots.labels.iter().enumerate() {
        if (l & !QUIET_LABEL_BIT) as u32 != fid {
            continue;
        }
        n += 1;
        let v = DVec3::new(
            (i % nx) as f64,
            ((i / nx) % ny) as f64,
            (i / (nx * ny)) as f64,
        );
        let b = bg.patient_to_voxel(t.apply(fg.voxel_to_patient(v))).round();
        let d = bg.dims;
        if b.min_element() < 0.0 || b.x >= d[0] as f64 || b.y >= d[1] as f64 || b.z >= d[2] as f64 {
            continue;
        }
        let k = b.x as usize + d[0] * (b.y as usize + d[1] * b.z as usize);
        if baseline
            .hotspots
            .labels
            .get(k)
            .map(|l| (l & !QUIET_LABEL_BIT) as u32)
            == Some(bid)
        {
            hit += 1;
        }
    }
    if n == 0 {
        0.0
    } else {
        hit as f64 / n as f64
    }
}

/// Measures a segmented lesion; SULpeak searched over its own voxels.
fn measure_lesion(scan: &ScanAnalysis, l: &Lesion) -> LesionMeasure {
    let [nx, ny, _] = scan.values.geometry.dims;
    let voxels: Vec<[usize; 3]> = scan
        .hotspots
        .labels
        .iter()
        .enumerate()
        .filter(|(_, &v)| (v & !QUIET_LABEL_BIT) as u32 == l.id)
        .map(|(i, _)| [i % nx, (i / nx) % ny, i / (nx * ny)])
        .collect();
    let peak = percist_peak(&scan.values, &voxels);
    // The hot-spot table is in SUVbw; `values` is in the assessment's unit.
    let to_scale = 1.0 / scan.to_suv;
    let sul_peak = peak.map_or(l.suv_peak * to_scale, |p| p.mean);
    LesionMeasure {
        segmented: true,
        lesion_id: Some(l.id),
        sul_peak,
        peak_position_mm: peak.map_or(l.max_position_mm, |p| p.position_mm),
        peak_max_centred: l.suv_peak * to_scale,
        sul_max: l.suv_max * to_scale,
        suv_max: l.suv_max,
        mtv_ml: l.volume_ml,
        tlg: l.tlg * to_scale,
        centroid_mm: l.centroid_mm,
        measurable: sul_peak >= scan.measurable_threshold(),
    }
}

/// Measures the site where a lesion lies on the other scan: the hottest 1 mL sphere centred
/// within [`SITE_SEARCH_MM`] of `centre_mm` (this scan's space).
pub fn measure_site(scan: &ScanAnalysis, centre_mm: DVec3) -> LesionMeasure {
    let voxels = voxels_near(&scan.values, centre_mm, SITE_SEARCH_MM);
    let peak = percist_peak(&scan.values, &voxels);
    let max = voxels
        .iter()
        .map(|v| scan.values.data[scan.values.index(v[0], v[1], v[2])] as f64)
        .fold(0.0, f64::max);
    let sul_peak = peak.map_or(0.0, |p| p.mean);
    LesionMeasure {
        segmented: false,
        lesion_id: None,
        sul_peak,
        peak_position_mm: peak.map_or(centre_mm, |p| p.position_mm),
        peak_max_centred: sul_peak,
        sul_max: max,
        suv_max: max * scan.to_suv,
        mtv_ml: 0.0,
        tlg: 0.0,
        centroid_mm: centre_mm,
        measurable: sul_peak >= scan.measurable_threshold(),
    }
}

/// The organ a lesion lies in, guessed from the median CT number on a shell 8 mm outside it
/// (lung below -400 HU, bone above 150 HU), and the liver when its surroundings take up
/// about as much as the liver reference at liver-like CT numbers. "soft tissue" otherwise;
/// "unknown" without a CT.
/// `liver_suv`: the liver reference mean in SUVbw.
pub(super) fn organ_guess(ct: Option<&HalfVolume>, liver_suv: f64, l: &Lesion) -> &'static str {
    let Some(ct) = ct else {
        return "unknown";
    };
    let r = ((l.volume_ml * 3000.0 / (4.0 * std::f64::consts::PI)).cbrt() + 8.0).max(10.0);
    let mut hu: Vec<f32> = Vec::new();
    for dx in [-1.0, 0.0, 1.0] {
        for dy in [-1.0, 0.0, 1.0] {
            for dz in [-1.0, 0.0, 1.0] {
                let d = DVec3::new(dx, dy, dz);
                if d == DVec3::ZERO {
                    continue;
                }
                if let Some(v) = ct.sample_patient(l.centroid_mm + d.normalize() * r) {
                    hu.push(v);
                }
            }
        }
    }
    if hu.is_empty() {
        return "unknown";
    }
    hu.sort_by(f32::total_cmp);
    let median = hu[hu.len() / 2];
    let liver = liver_suv;
    if median < -400.0 {
        "lung"
    } else if median > 150.0 {
        "bone"
    } else if (40.0..=90.0).contains(&median) && (l.background_suv - liver).abs() < 0.3 * liver {
        "liver"
    } else {
        "soft tissue"
    }
}
