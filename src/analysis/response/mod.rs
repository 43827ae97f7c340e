//! Response assessment over time: the lesions of a baseline and a follow-up PET matched after
//! registration, measured in SUL (PERCIST 1.0), and a PERCIST category with the rule that
//! decided it.
//!
//! Per scan ([`analyse_scan`]): the PET in SUL (else SUVbw, flagged), the PERCIST liver
//! reference (a 3 cm sphere proposed in the right lobe), lesions segmented and triaged as in
//! `petct hotspots` (SUVbw >= 2.5); the suspicious ones are tracked, and those whose SULpeak
//! reaches the PERCIST threshold (1.5 x liver mean + 2 SD) are measurable.
//! Across scans ([`assess_response`]): lesions are matched ([`tracking`]), each lesion is
//! measured on both scans (where one was not segmented, its site is measured), and
//! [`percist`] decides. This module depends only on [`crate::volume`] and the analysis above.

mod peak;
pub mod percist;
pub mod tracking;

pub use peak::{percist_peak, voxels_near, Peak};
pub use percist::{Category, Comparability, PercistResult, Target};
pub use tracking::{LesionMeasure, Status, TrackedLesion, MATCH_DISTANCE_MM};

use super::{
    find_hotspots, liver_reference, AnalysisError, HotspotParams, HotspotResult, LiverReference,
};
use crate::volume::{HalfVolume, RigidTransform, Unit, Volume};

/// The unit lesion figures are given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scale {
    /// SUV normalised to lean body mass (Janmahasatian), as PERCIST asks.
    #[serde(rename = "SUL")]
    Sul,
    /// SUV by body weight: the fallback when height or sex is missing (flagged).
    #[serde(rename = "SUVbw")]
    SuvBw,
}

impl Scale {
    /// Label for tables.
    pub fn label(self) -> &'static str {
        match self {
            Scale::Sul => "SUL",
            Scale::SuvBw => "SUVbw",
        }
    }
}

/// What one scan brings to the assessment (plain numbers; the study layer fills them from
/// DICOM).
#[derive(Debug, Clone)]
pub struct ScanInput<'a> {
    /// PET in its stored units (Bq/mL).
    pub pet: &'a Volume,
    /// The CT of the same study, if any.
    pub ct: Option<&'a HalfVolume>,
    /// Stored value to SUVbw.
    pub suv_factor: f64,
    /// Stored value to SUL, or why there is none (height or sex missing).
    pub sul_factor: Result<f64, String>,
    /// Injection to scan start, seconds, when known.
    pub uptake_s: Option<f64>,
}

/// One scan analysed for PERCIST.
#[derive(Debug, Clone)]
pub struct ScanAnalysis {
    /// Unit of `values` and of every figure below.
    pub scale: Scale,
    /// Why SUL could not be used, when `scale` is SUVbw.
    pub sul_unavailable: Option<String>,
    /// The PET in `scale`.
    pub values: Volume,
    /// Multiply a `scale` value by this to get SUVbw.
    pub to_suv: f64,
    /// The PERCIST liver reference (in `scale`).
    pub liver: LiverReference,
    /// Lesions segmented at SUVbw 2.5 and triaged, figures in SUVbw (suspicious ones are
    /// tracked and measured again in `scale`).
    pub hotspots: HotspotResult,
    /// Injection to scan start, seconds.
    pub uptake_s: Option<f64>,
    /// Each lesion's organ (lesion id, organ), guessed from the CT around it while the
    /// analysis had the CT, so that no copy of the CT is kept ("unknown" without a CT).
    pub lesion_organs: Vec<(u32, &'static str)>,
}

impl ScanAnalysis {
    /// The organ guessed for lesion `id`.
    pub fn organ_of(&self, id: u32) -> &'static str {
        self.lesion_organs
            .iter()
            .find(|(l, _)| *l == id)
            .map_or("unknown", |(_, o)| o)
    }
}

impl ScanAnalysis {
    /// PERCIST measurability threshold: 1.5 x liver mean + 2 x liver SD (in `scale`).
    pub fn measurable_threshold(&self) -> f64 {
        self.liver.percist_threshold()
    }
}

/// Converts the PET to SUL (else SUVbw), measures the liver and segments the lesions.
/// `scale` forces a unit (both scans must use the same); `None` picks SUL when available.
pub fn analyse_scan(
    input: &ScanInput<'_>,
    scale: Option<Scale>,
) -> Result<ScanAnalysis, AnalysisError> {
    let (scale, factor, sul_unavailable) = match (&input.sul_factor, scale) {
        (Ok(f), None | Some(Scale::Sul)) => (Scale::Sul, *f, None),
        (Ok(_), Some(Scale::SuvBw)) => (
            Scale::SuvBw,
            input.suv_factor,
            Some("the other scan has no SUL".to_string()),
        ),
        (Err(why), _) => (Scale::SuvBw, input.suv_factor, Some(why.clone())),
    };
    let f = factor as f32;
    let values = Volume {
        geometry: input.pet.geometry.clone(),
        data: input.pet.data.iter().map(|v| v * f).collect(),
        unit: Unit::Other(scale.label().into()),
    };
    // Lesions are found and triaged as the hot-spot table does (SUVbw >= 2.5, the rules it was
    // tuned on); PERCIST's liver threshold then decides which are measurable. Segmenting at
    // the liver threshold instead leaves the kidneys too small for triage's organ rules, so
    // the bladder would pass as a lesion.
    let suv = super::suv_volume(input.pet, input.suv_factor);
    let hotspots = find_hotspots(&suv, input.ct, &HotspotParams::default())?;
    let liver = liver_reference(&values, input.ct, None)?;
    let to_suv = input.suv_factor / factor;
    let liver_suv = liver.suv_mean * to_suv;
    let lesion_organs = hotspots
        .lesions
        .iter()
        .map(|l| (l.id, tracking::organ_guess(input.ct, liver_suv, l)))
        .collect();
    Ok(ScanAnalysis {
        scale,
        sul_unavailable,
        values,
        to_suv,
        liver,
        hotspots,
        uptake_s: input.uptake_s,
        lesion_organs,
    })
}

/// Analyses both scans in one unit: SUL when both have it, else SUVbw for both (flagged).
pub fn analyse_pair(
    baseline: &ScanInput<'_>,
    followup: &ScanInput<'_>,
) -> Result<(ScanAnalysis, ScanAnalysis), AnalysisError> {
    let scale = if baseline.sul_factor.is_ok() && followup.sul_factor.is_ok() {
        Scale::Sul
    } else {
        Scale::SuvBw
    };
    let (b, f) = rayon::join(
        || analyse_scan(baseline, Some(scale)),
        || analyse_scan(followup, Some(scale)),
    );
    Ok((b?, f?))
}

/// The whole assessment: tracked lesions and the PERCIST result.
#[derive(Debug, Clone)]
pub struct ResponseAssessment {
    /// Unit of every figure.
    pub scale: Scale,
    /// Lesions over time with stable ids (baseline lesions first).
    pub lesions: Vec<TrackedLesion>,
    /// PERCIST 1.0 category, targets, comparability and reasons.
    pub percist: PercistResult,
    /// The transform used (follow-up to baseline patient space).
    pub followup_to_baseline: RigidTransform,
}

/// Tracks the lesions of two analysed scans and applies PERCIST 1.0.
pub fn assess_response(
    baseline: &ScanAnalysis,
    followup: &ScanAnalysis,
    followup_to_baseline: &RigidTransform,
) -> ResponseAssessment {
    let lesions = tracking::track(baseline, followup, followup_to_baseline);
    let percist = percist::assess(baseline, followup, &lesions, followup_to_baseline);
    ResponseAssessment {
        scale: baseline.scale,
        lesions,
        percist,
        followup_to_baseline: *followup_to_baseline,
    }
}

#[cfg(test)]
mod tests;
