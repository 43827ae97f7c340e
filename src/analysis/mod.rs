//! PET hot-spot segmentation and lesion measurement, on the CPU.
//!
//! [`find_hotspots`] segments an SUV volume into lesions with one of three thresholding
//! [`Method`]s, drops small or user-excluded ones, and measures each ([`Lesion`]: SUVmax,
//! SUVmean, SUVpeak, MTV, TLG, position, CT number). [`triage`] then drops noise and
//! categorises the rest as suspicious or physiologic (with the organ); totals count
//! suspicious lesions only ([`totals`]). [`report`] renders results as JSON, CSV or a text
//! table. Connectivity is 26-neighbour throughout.
//!
//! This module depends only on [`crate::volume`].

mod autopet;
mod categories;
mod components;
mod grid;
mod liver;
mod liver_search;
mod measure;
pub mod mip;
pub mod registration;
pub mod report;
pub mod response;
mod roi;
mod segment;
pub mod triage;

use std::fmt;

use glam::DVec3;
use rayon::prelude::*;
use serde::Serialize;

pub use autopet::{
    autopet_metrics, grids_overlap, reference_on_grid, suspicious_mask, AutopetError,
    AutopetMetrics,
};
pub use categories::{
    apply_overrides, totals, CategoryOverride, PhysiologicStyle, Totals, MAX_LESIONS,
    OVERRIDE_MATCH_MM, QUIET_LABEL_BIT,
};
pub use liver::{liver_reference, LiverReference, LIVER_SPHERE_RADIUS_MM};
pub use liver_search::{
    propose as propose_liver_reference, LIVER_COV_TIE, LIVER_HU_RANGE, LIVER_SEARCH_STEP_MM,
    LIVER_SUV_RANGE,
};
pub use measure::{suv_peak, Lesion, SUVPEAK_DEFINITION, SUVPEAK_RADIUS_MM};
pub use roi::{roi_stats, CtRoiStats, Ellipsoid, PetRoiStats, PetScale, RoiError, RoiStats, Ruler};
pub use triage::{Category, Organ};

use components::Regions;
use grid::{CtRange, CtSampler, Dims, Field};
use measure::Measurer;
use segment::PercentSettings;

use crate::volume::{HalfVolume, Unit, Volume};

/// How the lesion threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "name")]
pub enum Method {
    /// A fixed SUV threshold: lesions are the 26-connected components of SUV >= `suv`.
    #[serde(rename = "abs")]
    Absolute {
        /// Threshold in SUV (2.5 is customary).
        suv: f32,
    },
    /// A fraction of each lesion's own SUVmax (EANM: 41 %), grown from seed candidates.
    ///
    /// The exact rule (a product decision):
    /// 1. Candidates are the 26-connected components of SUV >= [`HotspotParams::seed_suv`]
    ///    (and inside the CT range, if any).
    /// 2. Candidates are processed in descending order of their SUVmax. A candidate whose
    ///    hottest voxel was already taken by an earlier (hotter) lesion is merged into it, i.e.
    ///    skipped.
    /// 3. Otherwise a region grows (26-connected) from the candidate's hottest voxel over voxels
    ///    with SUV >= `fraction` x that SUVmax which are not taken by an earlier lesion, do not
    ///    belong to an earlier (hotter) candidate, and lie within the candidate's voxel
    ///    bounding box grown by [`HotspotParams::growth_margin_mm`] along each axis. The box
    ///    keeps faint lesions, whose threshold may lie near the background, from leaking into
    ///    noisy background; the candidate rule keeps them out of the unclaimed rim of a hotter
    ///    neighbour (so a lesion's SUVmax is always its candidate's). The region may extend
    ///    beyond its candidate into voxels below `seed_suv` and into fainter candidates, which
    ///    are then merged (step 2).
    /// 4. Grown regions claim their voxels even when they are then dropped by the minimum
    ///    volume.
    ///
    /// Only the hottest voxel of each candidate seeds a lesion: two hot spots bridged by uptake
    /// at or above `seed_suv` form one candidate, and the fainter is part of the hotter's
    /// lesion when it exceeds the fraction, else not segmented. In whole-body scans at seed 2 organs bridged
    /// by liver and blood-pool uptake (kidneys, heart) can form one candidate; raise
    /// `seed_suv`, or use [`Method::Absolute`] or [`Method::Percist`] for a survey.
    #[serde(rename = "percent")]
    PercentOfMax {
        /// Fraction of SUVmax, in (0, 1] (0.41 for the EANM 41 % rule).
        fraction: f32,
    },
    /// PERCIST: SUV >= 1.5 x liver mean + 2 x liver SD, the liver measured in a 3 cm sphere
    /// (see [`LiverReference`], [`propose_liver_reference`]).
    #[serde(rename = "percist")]
    Percist,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Absolute { .. } => "abs",
            Method::PercentOfMax { .. } => "percent",
            Method::Percist => "percist",
        })
    }
}

/// Parameters of [`find_hotspots`].
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotParams {
    /// Threshold method (default: absolute SUV 2.5).
    pub method: Method,
    /// Candidate detection level in SUV for [`Method::PercentOfMax`] (default 2.0).
    pub seed_suv: f32,
    /// [`Method::PercentOfMax`]: growth is limited to the seed candidate's bounding box grown by
    /// this many mm along each axis (default 20).
    pub growth_margin_mm: f64,
    /// Lesions with a smaller volume (mL) are dropped (default 0.5).
    pub min_volume_ml: f64,
    /// Keep only PET voxels whose CT number (trilinear at the PET voxel centre) lies in this
    /// closed HU range; voxels outside the CT are then excluded. Needs a CT.
    pub ct_range_hu: Option<(f32, f32)>,
    /// PERCIST liver sphere centre (patient mm); proposed automatically when `None`.
    pub liver_centre_mm: Option<DVec3>,
    /// Patient points the user excluded (bladder, brain...): lesions with a voxel in the PET
    /// voxel containing such a point or in one of its 26 neighbours are dropped.
    pub excluded_mm: Vec<DVec3>,
    /// Drop noise and categorise the lesions ([`triage`]; default on). Off: every candidate
    /// is listed as suspicious, as before triage existed.
    pub triage: bool,
}

impl Default for HotspotParams {
    fn default() -> Self {
        Self {
            method: Method::Absolute { suv: 2.5 },
            seed_suv: 2.0,
            growth_margin_mm: 20.0,
            min_volume_ml: 0.5,
            ct_range_hu: None,
            liver_centre_mm: None,
            excluded_mm: Vec::new(),
            triage: true,
        }
    }
}

/// The outcome of [`find_hotspots`].
#[derive(Debug, Clone)]
pub struct HotspotResult {
    /// Lesions with ids 1, 2, ... in this order: the suspicious ones by descending SUVmax, then
    /// the physiologic ones by descending SUVmax (as triage proposed them; a user's later
    /// change of category keeps ids and order). Noise is not listed.
    pub lesions: Vec<Lesion>,
    /// Label per PET voxel (same layout as the SUV volume): 0 for none, else the lesion id
    /// (below [`QUIET_LABEL_BIT`]).
    pub labels: Vec<u16>,
    /// Sum of the suspicious lesions' volumes (mL).
    pub total_mtv_ml: f64,
    /// Sum of the suspicious lesions' TLGs.
    pub total_tlg: f64,
    /// Candidates dropped as noise by [`triage`].
    pub noise_dropped: usize,
    /// Triage landmarks found (kidneys, bladder, heart), or why organ rules did not run.
    pub triage_notes: Vec<String>,
    /// The method used.
    pub method: Method,
    /// The method's threshold parameter as a user states it: SUV for `abs`, a percentage of
    /// SUVmax for `percent`, the derived SUV threshold for `percist`.
    pub threshold: f64,
    /// The threshold in words, e.g. "SUV >= 2.50".
    pub threshold_description: String,
    /// The PERCIST liver reference, for that method.
    pub liver: Option<LiverReference>,
    /// How SUVpeak was computed ([`SUVPEAK_DEFINITION`]).
    pub suvpeak_definition: &'static str,
}

/// Why hot spots could not be found.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The SUV volume has no voxels or its data does not fill its grid.
    #[error("the PET volume is empty or inconsistent ({dims:?}, {len} values)")]
    EmptyVolume { dims: [usize; 3], len: usize },
    /// The volume has more voxels than 32-bit indices address.
    #[error("the PET volume has {0} voxels, more than hot-spot analysis supports")]
    TooLarge(usize),
    /// No usable PERCIST liver reference.
    #[error("no usable PERCIST liver reference: {reason}; give the liver sphere centre")]
    NoLiverReference { reason: String },
    /// A CT range was asked for without a CT.
    #[error("a CT range was given but the study has no CT")]
    CtRangeWithoutCt,
    /// A parameter is out of range.
    #[error("invalid hot-spot parameter: {0}")]
    InvalidParameter(String),
    /// More lesions than 15-bit labels hold (the 16th bit marks physiologic ones for display).
    #[error("{0} lesions found, more than the 32767 a label volume holds; raise the threshold")]
    TooManyLesions(usize),
}

/// The PET volume in SUV: values x `suv_factor`, unit SUVbw.
pub fn suv_volume(pet: &Volume, suv_factor: f64) -> Volume {
    let f = suv_factor as f32;
    Volume {
        geometry: pet.geometry.clone(),
        data: pet.data.par_iter().map(|v| v * f).collect(),
        unit: Unit::SuvBw,
    }
}

/// Segments and measures the hot spots of an SUV volume.
///
/// `ct`, when given, supplies the lesions' mean CT numbers and the optional CT-range
/// constraint. See [`Method`] for the thresholds and [`HotspotParams`] for the filters.
pub fn find_hotspots(
    suv: &Volume,
    ct: Option<&HalfVolume>,
    params: &HotspotParams,
) -> Result<HotspotResult, AnalysisError> {
    validate(suv, ct, params)?;
    let field = Field {
        suv: &suv.data,
        dims: Dims::of(&suv.geometry),
        ct_range: match (params.ct_range_hu, ct) {
            (Some(range), Some(ct)) => Some(CtRange::new(CtSampler::new(&suv.geometry, ct), range)),
            _ => None,
        },
    };
    let min_voxels = min_voxels(suv, params.min_volume_ml);
    let (regions, threshold, description, liver) = match params.method {
        Method::Absolute { suv: t } => (
            segment::absolute(&field, t, min_voxels),
            t as f64,
            format!("SUV >= {t:.2}"),
            None,
        ),
        Method::PercentOfMax { fraction } => {
            let settings = PercentSettings {
                fraction,
                seed_suv: params.seed_suv,
                margin_voxels: suv
                    .geometry
                    .spacing
                    .map(|s| (params.growth_margin_mm / s).ceil() as usize),
                min_voxels,
            };
            (
                segment::percent_of_max(&field, &settings),
                fraction as f64 * 100.0,
                format!(
                    "SUV >= {:.0}% of each lesion's SUVmax (seeds: SUV >= {:.2}, growth within {:.0} mm of the seed)",
                    fraction * 100.0,
                    params.seed_suv,
                    params.growth_margin_mm
                ),
                None,
            )
        }
        Method::Percist => {
            let liver = liver_reference(suv, ct, params.liver_centre_mm)?;
            let t = liver.percist_threshold();
            let description = format!(
                "PERCIST: SUV >= {t:.2} (1.5 x liver mean {:.2} + 2 x SD {:.2})",
                liver.suv_mean, liver.suv_sd
            );
            (
                segment::absolute(&field, t as f32, min_voxels),
                t,
                description,
                Some(liver),
            )
        }
    };
    let kept = not_excluded(suv, &regions, &params.excluded_mm);
    let measured = measure_all(suv, ct, &regions, &kept)?;
    let triaged = if params.triage {
        // Percent-of-SUVmax regions are not whole organs (a kidney shrinks to its pelvis),
        // so the organ rules, tuned on whole organs, would mislabel them.
        let organs = !matches!(params.method, Method::PercentOfMax { .. });
        triage::triage(suv, ct, &regions, measured, organs)
    } else {
        triage::Triaged {
            kept: measured,
            ..Default::default()
        }
    };
    let mut result = assemble(
        suv,
        &regions,
        number(triaged.kept),
        params.method,
        threshold,
        description,
        liver,
    );
    result.noise_dropped = triaged.noise;
    result.triage_notes = triaged.notes;
    Ok(result)
}

/// Checks the inputs.
fn validate(
    suv: &Volume,
    ct: Option<&HalfVolume>,
    params: &HotspotParams,
) -> Result<(), AnalysisError> {
    let dims = suv.geometry.dims;
    let n = suv.geometry.voxel_count();
    if n == 0 || suv.data.len() != n {
        return Err(AnalysisError::EmptyVolume {
            dims,
            len: suv.data.len(),
        });
    }
    if n > u32::MAX as usize {
        return Err(AnalysisError::TooLarge(n));
    }
    if params.ct_range_hu.is_some() && ct.is_none() {
        return Err(AnalysisError::CtRangeWithoutCt);
    }
    let bad = |what: String| Err(AnalysisError::InvalidParameter(what));
    match params.method {
        Method::Absolute { suv } if !suv.is_finite() => return bad(format!("SUV threshold {suv}")),
        Method::PercentOfMax { fraction } if !(fraction > 0.0 && fraction <= 1.0) => {
            return bad(format!(
                "fraction of SUVmax {fraction} (must be in (0, 1], e.g. 0.41)"
            ))
        }
        Method::PercentOfMax { .. } if !(params.seed_suv.is_finite() && params.seed_suv > 0.0) => {
            return bad(format!("seed SUV {} (must be positive)", params.seed_suv))
        }
        _ => {}
    }
    if !(params.growth_margin_mm >= 0.0 && params.growth_margin_mm.is_finite()) {
        return bad(format!("growth margin {} mm", params.growth_margin_mm));
    }
    if !(params.min_volume_ml >= 0.0 && params.min_volume_ml.is_finite()) {
        return bad(format!("minimum volume {} mL", params.min_volume_ml));
    }
    if let Some((lo, hi)) = params.ct_range_hu {
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return bad(format!("CT range {lo}..{hi} HU"));
        }
    }
    Ok(())
}

/// Smallest voxel count whose volume reaches `min_ml` (at least 1).
fn min_voxels(suv: &Volume, min_ml: f64) -> usize {
    let v = suv.voxel_volume_ml();
    // A hair of tolerance so that exactly min_ml counts.
    ((min_ml / v) * (1.0 - 1e-9)).ceil().max(1.0) as usize
}

/// Indices of the regions that touch none of the excluded points (a region is excluded when it
/// has a voxel within one voxel, per axis, of the voxel containing a point).
fn not_excluded(suv: &Volume, regions: &Regions, points: &[DVec3]) -> Vec<usize> {
    let dims = Dims::of(&suv.geometry);
    let cells: Vec<[i64; 3]> = points
        .iter()
        .map(|&p| {
            let v = suv.geometry.patient_to_voxel(p).round();
            [v.x as i64, v.y as i64, v.z as i64]
        })
        .collect();
    (0..regions.len())
        .filter(|&r| {
            !regions.region(r).iter().any(|&i| {
                let c = dims.coords(i as usize).map(|v| v as i64);
                cells
                    .iter()
                    .any(|p| (0..3).all(|a| (c[a] - p[a]).abs() <= 1))
            })
        })
        .collect()
}

/// Measures the kept regions in parallel (ids not yet assigned).
fn measure_all(
    suv: &Volume,
    ct: Option<&HalfVolume>,
    regions: &Regions,
    kept: &[usize],
) -> Result<Vec<(usize, Lesion)>, AnalysisError> {
    if kept.len() > MAX_LESIONS {
        return Err(AnalysisError::TooManyLesions(kept.len()));
    }
    let m = Measurer::new(suv, ct);
    Ok(kept
        .par_iter()
        .map(|&r| (r, m.measure(regions.region(r), regions.thresholds[r])))
        .collect())
}

/// Sorts lesions by category (suspicious first), then by descending SUVmax (ties: lower
/// SUVmax voxel z, y, x), and numbers them 1, 2, ... in that order.
fn number(mut lesions: Vec<(usize, Lesion)>) -> Vec<(usize, Lesion)> {
    lesions.sort_by(|a, b| {
        a.1.category
            .rank()
            .cmp(&b.1.category.rank())
            .then(b.1.suv_max.total_cmp(&a.1.suv_max))
            .then(a.1.max_voxel[2].cmp(&b.1.max_voxel[2]))
            .then(a.1.max_voxel[1].cmp(&b.1.max_voxel[1]))
            .then(a.1.max_voxel[0].cmp(&b.1.max_voxel[0]))
    });
    for (k, (_, l)) in lesions.iter_mut().enumerate() {
        l.id = k as u32 + 1;
    }
    lesions
}

/// Builds the label volume and totals.
fn assemble(
    suv: &Volume,
    regions: &Regions,
    lesions: Vec<(usize, Lesion)>,
    method: Method,
    threshold: f64,
    threshold_description: String,
    liver: Option<LiverReference>,
) -> HotspotResult {
    let mut labels = vec![0u16; suv.geometry.voxel_count()];
    for (r, l) in &lesions {
        for &i in regions.region(*r) {
            labels[i as usize] = l.id as u16;
        }
    }
    let lesions: Vec<Lesion> = lesions.into_iter().map(|(_, l)| l).collect();
    let t = totals(&lesions);
    HotspotResult {
        total_mtv_ml: t.mtv_ml,
        total_tlg: t.tlg,
        noise_dropped: 0,
        triage_notes: Vec::new(),
        lesions,
        labels,
        method,
        threshold,
        threshold_description,
        liver,
        suvpeak_definition: SUVPEAK_DEFINITION,
    }
}

#[cfg(test)]
mod tests;
