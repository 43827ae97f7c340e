//! A follow-up study of the torso patient for response assessment: the same patient some
//! months later, lying differently on the table (a known rigid move), with the lesions changed
//! to fit a PERCIST scenario.
//!
//! How the move is made: the scene is rasterised in the baseline's patient coordinates on
//! grids shifted by a fraction of a voxel (so the follow-up's voxels do not coincide with the
//! baseline's), and those grids are then placed in the follow-up's patient space by the move.
//! The rasteriser draws axis-aligned rows, so the follow-up's grids carry the rotation in their
//! orientation (ImageOrientationPatient a few degrees off axial) instead of being resampled;
//! the table moves with the patient. In patient space this is exactly a patient moved by the
//! transform, which is all a registration sees.

use std::fmt;
use std::str::FromStr;

use glam::DVec3;

use super::torso::{self, Lesion};
use super::{build, Acquisition, Phantom, PhantomKind, PhantomOptions, F18_HALF_LIFE_S};
use crate::volume::RigidTransform;

/// Days between the baseline and the follow-up study.
pub const FOLLOWUP_DAYS: i64 = 91;

/// The response scenario a follow-up phantom is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Complete metabolic response: every lesion gone to its surrounding tissue.
    Cmr,
    /// Partial metabolic response: every lesion at 45 % of its baseline uptake.
    Pmr,
    /// Stable metabolic disease: the lesions as at baseline (new noise only).
    Smd,
    /// Progressive metabolic disease: every lesion at 160 % and a new lung lesion.
    Pmd,
}

impl Scenario {
    /// All scenarios.
    pub const ALL: [Scenario; 4] = [Scenario::Cmr, Scenario::Pmr, Scenario::Smd, Scenario::Pmd];

    /// Lower-case name as accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Cmr => "cmr",
            Scenario::Pmr => "pmr",
            Scenario::Smd => "smd",
            Scenario::Pmd => "pmd",
        }
    }

    /// Factor on every baseline lesion's true uptake; `None`: the lesions are removed.
    fn uptake_factor(self) -> Option<f32> {
        match self {
            Scenario::Cmr => None,
            Scenario::Pmr => Some(0.45),
            Scenario::Smd => Some(1.0),
            Scenario::Pmd => Some(1.6),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown scenario name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown follow-up scenario {0:?} (expected cmr, pmr, smd or pmd)")]
pub struct UnknownScenario(pub String);

impl FromStr for Scenario {
    type Err = UnknownScenario;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownScenario(s.to_string()))
    }
}

/// One lesion's truth across the two studies.
#[derive(Debug, Clone, PartialEq)]
pub struct LesionTruth {
    /// Description, as in [`super::PlantedLesion::name`].
    pub name: String,
    /// Centre in the baseline's patient space (mm, LPS).
    pub baseline_centre_mm: DVec3,
    /// Centre in the follow-up's patient space, `None` when gone at follow-up.
    pub followup_centre_mm: Option<DVec3>,
    /// True uptake (SUVbw) at baseline; 0 for a lesion new at follow-up.
    pub baseline_suv: f64,
    /// True uptake (SUVbw) at follow-up; 0 when gone.
    pub followup_suv: f64,
}

/// What a follow-up phantom is built from, for tests to assert against.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpTruth {
    /// The scenario.
    pub scenario: Scenario,
    /// Where a baseline patient point lies in the follow-up's patient space.
    pub baseline_to_followup: RigidTransform,
    /// The inverse: what a registration of follow-up onto baseline should recover.
    pub followup_to_baseline: RigidTransform,
    /// Every lesion of either study, baseline lesions first.
    pub lesions: Vec<LesionTruth>,
}

/// The patient's move between the studies: 1.5, -1 and 4 degrees about x, y and z (the
/// long axis) about a point near the spine, then 18, -12 and 35 mm.
pub fn patient_move() -> RigidTransform {
    RigidTransform::from_euler_deg_about(
        DVec3::new(1.5, -1.0, 4.0),
        DVec3::new(0.0, 30.0, 0.0),
        DVec3::new(18.0, -12.0, 35.0),
    )
}

/// The follow-up's grids before the move, shifted by part of a voxel from the baseline's.
const GRID_SHIFT_MM: [f64; 3] = [0.37, -0.61, 1.13];

/// The lesion new at follow-up in the progressive scenario (right lower lobe).
fn new_lesion() -> Lesion {
    Lesion {
        name: "new lung lesion (right lower lobe)",
        centre: [-95.0, 35.0, 150.0],
        diameter: 16.0,
        hu: 30.0,
        suv: 7.0,
    }
}

/// The follow-up's lesions, in the baseline's patient space.
fn followup_lesions(scenario: Scenario) -> Vec<Lesion> {
    let Some(factor) = scenario.uptake_factor() else {
        return Vec::new();
    };
    let mut lesions: Vec<Lesion> = torso::lesion_list()
        .into_iter()
        .map(|l| Lesion {
            suv: l.suv * factor,
            ..l
        })
        .collect();
    if scenario == Scenario::Pmd {
        lesions.push(new_lesion());
    }
    lesions
}

/// The follow-up's patient and dose: a little lighter, a little less activity, five minutes
/// longer uptake (still comparable under PERCIST's 15 minutes).
fn followup_acquisition() -> Acquisition {
    Acquisition {
        weight_kg: 73.0,
        height_m: 1.78,
        sex: 'M',
        injected_dose_bq: 280.0e6,
        half_life_s: F18_HALF_LIFE_S,
        injection_to_scan_s: 3900.0,
    }
}

/// The ground truth of a follow-up scenario (no voxels are generated).
pub fn followup_truth(scenario: Scenario) -> FollowUpTruth {
    let m = patient_move();
    let after: Vec<Lesion> = followup_lesions(scenario);
    let mut lesions: Vec<LesionTruth> = torso::lesion_list()
        .iter()
        .map(|b| {
            let f = after.iter().find(|a| a.name == b.name);
            LesionTruth {
                name: b.name.to_string(),
                baseline_centre_mm: DVec3::from_array(b.centre),
                followup_centre_mm: f.map(|a| m.apply(DVec3::from_array(a.centre))),
                baseline_suv: b.suv as f64,
                followup_suv: f.map_or(0.0, |a| a.suv as f64),
            }
        })
        .collect();
    let baseline_names: Vec<&str> = torso::lesion_list().iter().map(|l| l.name).collect();
    for a in after.iter().filter(|a| !baseline_names.contains(&a.name)) {
        lesions.push(LesionTruth {
            name: a.name.to_string(),
            baseline_centre_mm: DVec3::from_array(a.centre),
            followup_centre_mm: Some(m.apply(DVec3::from_array(a.centre))),
            baseline_suv: 0.0,
            followup_suv: a.suv as f64,
        });
    }
    FollowUpTruth {
        scenario,
        baseline_to_followup: m,
        followup_to_baseline: m.inverse(),
        lesions,
    }
}

/// Generates the follow-up torso study for `scenario` (deterministic for given options; its
/// noise differs from the baseline's). Lesion centres are in the follow-up's patient space.
pub fn generate_followup(scenario: Scenario, options: &PhantomOptions) -> Phantom {
    let mut design = torso::design_with(&followup_lesions(scenario), followup_acquisition());
    let shift = DVec3::from_array(GRID_SHIFT_MM);
    design.ct.origin += shift;
    design.pet.origin += shift;
    let options = PhantomOptions {
        seed: options.seed ^ 0xF011_0000 ^ scenario as u64,
        ..options.clone()
    };
    let mut phantom = build(PhantomKind::Torso, design, &options);
    let m = patient_move();
    phantom.ct.geometry = phantom.ct.geometry.transformed(&m);
    phantom.pet.geometry = phantom.pet.geometry.transformed(&m);
    for l in &mut phantom.lesions {
        l.centre_mm = m.apply(l.centre_mm);
    }
    phantom.followup = Some(scenario);
    phantom
}
