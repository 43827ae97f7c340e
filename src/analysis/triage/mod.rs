//! Hot-spot triage: which candidates are noise, which are physiologic uptake (and in which
//! organ), and which are suspicious.
//!
//! Everything here is a heuristic of a few stated rules, proposed automatically for the
//! reader to confirm or change (the viewer changes a category with one click). The rules run
//! in this order; the numbers are the constants of this module and its submodules.
//!
//! # 1. Noise (dropped, never listed)
//! The *background* of a candidate is the mean SUV of its shell: the PET voxels whose centres
//! lie within [`SHELL_MM`] (10 mm) of one of its voxel centres, that belong to no candidate
//! (kept or excluded) and lie below the candidate's own threshold. A candidate is noise when
//! its SUVpeak (the 1 mL sphere on its SUVmax voxel) is below
//! `max(NOISE_MIN_CONTRAST x background, (background + threshold) / 2)`, i.e. the uptake
//! around its hottest voxel is less than 1.5 times its surroundings, or not even half-way from
//! the surroundings to the threshold. Liver texture above SUV 2.5, single hot voxels and
//! streaks at the edge of the field of view fail it; a lesion of 1 mL or more in lung, fat or
//! muscle passes easily. Candidates under the minimum volume are dropped before
//! ([`HotspotParams::min_volume_ml`](super::HotspotParams)).
//! *Fails* for a lesion in an organ with high background (a liver metastasis with less than
//! 1.5 times the liver's uptake), and for a lesion smaller than the 1 mL sphere whose SUVpeak
//! is diluted by partial volume.
//!
//! # 2. The body model (PET only)
//! Body voxels have SUV >= 0.2. The left-right *midline* is the median x of all body voxels
//! (arms beside the head or trunk balance out). Per 10 mm of height, the body voxels within
//! 60 mm of the midline give the body's front-back centre; the *top of the body* is the
//! highest such bin holding at least 20 % of the fullest bin's voxels.
//!
//! # 3. Organs from the PET, landmarks first
//! Only when the body is at least [`MIN_BODY_LENGTH_MM`] (350 mm) long in the field of view;
//! a single bed position or a phantom such as NEMA's gets no organ rules, so everything in it
//! stays suspicious.
//! - **Kidneys** (the anchor): the best pair of candidates of 30-800 mL whose centroids lie
//!   on opposite sides of the midline, 25-160 mm from it, behind the body's front-back centre,
//!   within 70 mm of each other in height, at distances from the midline that differ by at most
//!   45 mm, with a volume ratio of at most 4 (best: least height difference plus asymmetry).
//!   Without a kidney pair no other organ rule runs.
//! - **Bladder**: of the candidates of 5 mL or more whose centroid lies within 60 mm of the
//!   midline and 80-400 mm below the kidneys' mean height, the one with the highest SUVmean
//!   (urine is the hottest thing in the pelvis).
//! - **Ureters**: candidates of at most 30 mL whose SUVmax voxel lies between the bladder's
//!   centroid and the kidneys' height and within 40 mm (transverse) of the straight line from
//!   either kidney's centroid to the bladder's.
//! - **Myocardium**: the largest candidate of 30 mL or more whose centroid lies 80-350 mm
//!   above the kidneys, no more than 30 mm right of the midline and no more than 20 mm behind
//!   the body's front-back centre.
//! - **Head and neck**: candidates whose centroid lies 100 mm or more above the heart's top
//!   (or 350 mm above the kidneys without a heart). **Brain** when it reaches within 60 mm of
//!   the top of the body with SUVmax >= 6 and its centroid within 90 mm of the midline;
//!   otherwise **head and neck** (tonsils, tongue, salivary glands, larynx) when its SUVmax
//!   voxel lies within 25 mm of the midline or another candidate of the region mirrors it
//!   (distances from the midline within 15 mm, heights within 20 mm).
//! - **Liver**: a candidate of 200 mL or more right of the midline, 50 mm below to 250 mm
//!   above the kidneys, with SUVmax at most twice its SUVmean (low thresholds only).
//! - **Bowel**: candidates between the bladder's top and 50 mm above the kidneys with SUVmax
//!   below 6 whose longest extent is at least 1.8 times their shortest.
//!
//! # 4. CT refinement (only where the CT covers at least half of a candidate's voxels)
//! - At least half of its voxels (CT number trilinear at the PET voxel centre) at -150 to
//!   -40 HU (fat) and no organ yet: **brown fat**. (Counting voxels, not averaging HU,
//!   keeps a small lung nodule, whose voxels mix soft tissue and lung, out.)
//! - A urinary or bowel proposal whose mean CT number is above 150 HU (bone) is withdrawn:
//!   suspicious.
//!
//! # Where the rules fail
//! - Everything hangs on the kidney pair: a single kidney, a horseshoe kidney, kidneys
//!   merged with the liver at a low threshold, or a scan that stops above them leaves every
//!   candidate suspicious.
//! - A hotter midline pelvic mass becomes the bladder; a left-sided chest mass larger than
//!   the heart becomes the myocardium (or both, when the heart shows no uptake).
//! - Head and neck cancer and its nodes near the midline or on both sides are called
//!   physiologic; a lymph node on the kidney-bladder line is called a ureter; an elongated
//!   abdominal node is called bowel.
//! - Uptake in the arms (injection site) and in brown fat outside the CT is left suspicious.
//! - The sizes are tuned for an absolute threshold (SUV 2.5) or PERCIST, where an organ is
//!   one component. With a percentage of SUVmax a kidney shrinks to its renal pelvis and
//!   regions grow over several organs, so organ rules do not run for that method (noise and
//!   CT rules do). With PERCIST's higher threshold the kidneys may fall apart and the pair not
//!   be found (STS_001: no organ rules, 21 suspicious).
//! - The rules assume a patient lying along the scanner axis, head up (+z), as DICOM LPS
//!   coordinates give it.

mod body;
mod features;
mod organs;

use rayon::prelude::*;
use serde::Serialize;

use super::components::Regions;
use super::Lesion;
use crate::volume::{HalfVolume, Volume};
use body::Body;
use features::{Context, Features};

pub use features::SHELL_MM;
pub use organs::MIN_BODY_LENGTH_MM;

/// A candidate's SUVpeak must reach this multiple of its background (see the module docs).
pub const NOISE_MIN_CONTRAST: f64 = 1.5;
/// CT refinement applies when at least this fraction of a candidate's voxels lie in the CT.
pub const CT_MIN_COVERAGE: f64 = 0.5;
/// CT numbers in this range (HU) are fat.
pub const FAT_HU: (f64, f64) = (-150.0, -40.0);
/// A candidate is brown fat when at least this fraction of its voxels (in the CT) are fat.
pub const BROWN_FAT_FRACTION: f64 = 0.5;
/// Mean CT numbers above this (HU) are bone.
pub const BONE_HU: f64 = 150.0;

/// What a hot spot is taken to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "category", rename_all = "lowercase")]
pub enum Category {
    /// Possibly disease: listed, counted in the totals, highlighted.
    Suspicious,
    /// Normal uptake of an organ: listed with `--all`, not counted, drawn quietly or hidden.
    Physiologic {
        /// The organ.
        organ: Organ,
    },
    /// Set aside by the user: not counted, not drawn.
    Ignored,
}

impl Category {
    /// Order in the lesion list: suspicious, physiologic, ignored.
    pub fn rank(self) -> u8 {
        match self {
            Category::Suspicious => 0,
            Category::Physiologic { .. } => 1,
            Category::Ignored => 2,
        }
    }

    /// Lower-case name: "suspicious", "physiologic" or "ignored".
    pub fn name(self) -> &'static str {
        match self {
            Category::Suspicious => "suspicious",
            Category::Physiologic { .. } => "physiologic",
            Category::Ignored => "ignored",
        }
    }

    /// The organ of physiologic uptake.
    pub fn organ(self) -> Option<Organ> {
        match self {
            Category::Physiologic { organ } => Some(organ),
            _ => None,
        }
    }

    /// "suspicious", "ignored" or the organ's name, for tables.
    pub fn label(self) -> &'static str {
        self.organ().map_or(self.name(), Organ::name)
    }
}

/// Organs (and tissues) with physiologic FDG uptake that triage can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Organ {
    Brain,
    /// Tonsils, tongue, salivary glands, larynx.
    HeadNeck,
    Myocardium,
    Liver,
    Kidney,
    Ureter,
    Bladder,
    Bowel,
    BrownFat,
    /// Named by the user only.
    Other,
}

impl Organ {
    /// Every organ, in menu order.
    pub const ALL: [Organ; 10] = [
        Organ::Brain,
        Organ::HeadNeck,
        Organ::Myocardium,
        Organ::Liver,
        Organ::Kidney,
        Organ::Ureter,
        Organ::Bladder,
        Organ::Bowel,
        Organ::BrownFat,
        Organ::Other,
    ];

    /// The name used in JSON, tables and scripts (snake case).
    pub fn name(self) -> &'static str {
        match self {
            Organ::Brain => "brain",
            Organ::HeadNeck => "head_neck",
            Organ::Myocardium => "myocardium",
            Organ::Liver => "liver",
            Organ::Kidney => "kidney",
            Organ::Ureter => "ureter",
            Organ::Bladder => "bladder",
            Organ::Bowel => "bowel",
            Organ::BrownFat => "brown_fat",
            Organ::Other => "other",
        }
    }

    /// The organ of a [`Self::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// A candidate as the rules see it.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub lesion: Lesion,
    pub f: Features,
}

/// The outcome of [`triage`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Triaged {
    /// The candidates that are not noise, with their region index, category, reason and
    /// background set.
    pub kept: Vec<(usize, Lesion)>,
    /// How many candidates were dropped as noise.
    pub noise: usize,
    /// Landmarks found, or why organ rules did not run.
    pub notes: Vec<String>,
}

/// Drops noise and categorises the rest (organ rules only when `organs`). `measured` pairs
/// region indices of `regions` with their measures; `regions` holds every candidate
/// (excluded ones too), which the background shells avoid.
pub(crate) fn triage(
    suv: &Volume,
    ct: Option<&HalfVolume>,
    regions: &Regions,
    measured: Vec<(usize, Lesion)>,
    organs: bool,
) -> Triaged {
    let mut owner = vec![0u32; suv.data.len()];
    for r in 0..regions.len() {
        for &i in regions.region(r) {
            owner[i as usize] = r as u32 + 1;
        }
    }
    let ctx = Context::new(suv, &owner, ct);
    let all: Vec<(usize, Candidate)> = measured
        .into_par_iter()
        .map(|(r, mut lesion)| {
            let f = ctx.features(regions.region(r), &lesion);
            lesion.background_suv = f.background;
            (r, Candidate { lesion, f })
        })
        .collect();
    let total = all.len();
    let (regions_kept, candidates): (Vec<usize>, Vec<Candidate>) =
        all.into_iter().filter(|(_, c)| !is_noise(c)).unzip();
    let mut out = Triaged {
        noise: total - candidates.len(),
        ..Default::default()
    };
    if !organs {
        out.notes
            .push("percent-of-SUVmax segmentation: no organ rules".into());
    }
    let body = if organs { Body::of(suv) } else { None };
    let proposals = match body {
        Some(body) => {
            let (p, marks) = organs::propose(&body, &candidates);
            out.notes = marks.notes;
            p
        }
        None => vec![None; candidates.len()],
    };
    out.kept = regions_kept
        .into_iter()
        .zip(candidates)
        .zip(proposals)
        .map(|((r, c), p)| {
            let (category, why) = refine_with_ct(&c, p);
            let mut l = c.lesion;
            l.category = category;
            l.triage_note = why.to_string();
            (r, l)
        })
        .collect();
    out
}

/// The noise rule of the module docs.
fn is_noise(c: &Candidate) -> bool {
    let b = c.f.background;
    let need = (NOISE_MIN_CONTRAST * b).max((b + c.lesion.threshold_suv) / 2.0);
    c.lesion.suv_peak < need
}

/// The CT rules of the module docs applied to a PET proposal.
fn refine_with_ct(c: &Candidate, p: organs::Proposal) -> (Category, &'static str) {
    let hu = c
        .lesion
        .ct_hu_mean
        .filter(|_| c.f.ct_coverage >= CT_MIN_COVERAGE);
    match (p, hu) {
        (None, Some(_)) if c.f.ct_fat >= BROWN_FAT_FRACTION => (
            Category::Physiologic {
                organ: Organ::BrownFat,
            },
            "CT: fat",
        ),
        (Some((organ, _)), Some(h))
            if h > BONE_HU
                && matches!(
                    organ,
                    Organ::Kidney | Organ::Ureter | Organ::Bladder | Organ::Bowel
                ) =>
        {
            (Category::Suspicious, "CT: bone, not urine or bowel")
        }
        (Some((organ, why)), _) => (Category::Physiologic { organ }, why),
        (None, _) => (Category::Suspicious, "no organ rule matched"),
    }
}

#[cfg(test)]
mod tests;
