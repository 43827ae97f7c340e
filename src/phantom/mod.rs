//! Synthetic PET-CT studies for demos and tests: the NEMA IEC body phantom and an
//! anthropomorphic torso, generated deterministically as CT (HU) and PET (Bq/mL) volumes on
//! different grids, as a real scanner would produce them, and written out as DICOM series.
//!
//! Pipeline: a scene of solid shapes filled with tissues, in painter's order, is rasterised row
//! by row onto the CT grid (with a little CT noise) and, with partial-volume supersampling, onto
//! the PET grid; the PET is then blurred to the scanner resolution and given multiplicative
//! noise. All voxel loops run over z-slices in parallel and are deterministic.

mod blur;
mod followup;
mod nema;
mod noise;
mod raster;
mod shapes;
mod torso;
mod write;

pub use followup::{
    followup_truth, generate_followup, patient_move, FollowUpTruth, LesionTruth, Scenario,
    UnknownScenario, FOLLOWUP_DAYS,
};
pub use write::{write_dicom, PhantomWriteError, WrittenSeries};

use crate::volume::{Geometry, Unit, Volume};
use glam::DVec3;
use shapes::Scene;
use std::fmt;
use std::str::FromStr;

/// Which phantom to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhantomKind {
    /// The NEMA IEC body phantom: six hot spheres (4:1) and a cold lung insert in water.
    Nema,
    /// An anthropomorphic torso (pelvis to neck) with organs and five planted lesions.
    Torso,
}

impl PhantomKind {
    /// Lower-case name as accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            PhantomKind::Nema => "nema",
            PhantomKind::Torso => "torso",
        }
    }
}

impl fmt::Display for PhantomKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown phantom name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown phantom {0:?} (expected \"nema\" or \"torso\")")]
pub struct UnknownPhantom(pub String);

impl FromStr for PhantomKind {
    type Err = UnknownPhantom;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nema" => Ok(PhantomKind::Nema),
            "torso" => Ok(PhantomKind::Torso),
            _ => Err(UnknownPhantom(s.to_string())),
        }
    }
}

/// The PET acquisition parameters the phantom's DICOM carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Acquisition {
    /// Patient weight in kg.
    pub weight_kg: f64,
    /// Patient height in m.
    pub height_m: f64,
    /// Patient sex, 'M' or 'F'.
    pub sex: char,
    /// Injected activity in Bq at the injection time.
    pub injected_dose_bq: f64,
    /// Radionuclide half-life in s (F-18: 6586.2).
    pub half_life_s: f64,
    /// Time from injection to the start of the PET acquisition in s.
    pub injection_to_scan_s: f64,
}

/// Half-life of fluorine-18 in seconds.
pub const F18_HALF_LIFE_S: f64 = 6586.2;

impl Acquisition {
    /// Multiplier from activity concentration (Bq/mL) to SUVbw:
    /// `weight_g / (dose * 2^(-t / half_life))`.
    pub fn suv_factor(&self) -> f64 {
        let decayed = self.injected_dose_bq * (-self.injection_to_scan_s / self.half_life_s).exp2();
        self.weight_kg * 1000.0 / decayed
    }
}

/// A lesion (or NEMA sphere) placed in the phantom, for checking measurements against truth.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedLesion {
    /// Short description, e.g. "sphere 37 mm" or "liver metastasis".
    pub name: String,
    /// Centre in patient coordinates (LPS, mm).
    pub centre_mm: DVec3,
    /// Diameter of the active region in mm (NEMA: the sphere's inner diameter).
    pub diameter_mm: f64,
    /// True uptake in SUVbw (before blurring and noise).
    pub suv: f64,
}

/// A generated PET-CT study.
#[derive(Debug, Clone)]
pub struct Phantom {
    /// Which phantom this is.
    pub kind: PhantomKind,
    /// CT in Hounsfield units.
    pub ct: Volume,
    /// PET activity concentration in Bq/mL (SUV = value x `acquisition.suv_factor()`).
    pub pet: Volume,
    /// Patient and dose parameters.
    pub acquisition: Acquisition,
    /// Ground truth of the hot lesions (NEMA: the six spheres).
    pub lesions: Vec<PlantedLesion>,
    /// `Some` for a follow-up study of the torso ([`generate_followup`]): written with its own
    /// study, frame of reference and a date [`FOLLOWUP_DAYS`] later.
    pub followup: Option<Scenario>,
}

/// Knobs for [`generate_with`]; [`PhantomOptions::default`] gives what [`generate`] produces.
#[derive(Debug, Clone, PartialEq)]
pub struct PhantomOptions {
    /// Coarsens both grids by this factor along every axis (1: full size), keeping their
    /// extents; useful for fast tests.
    pub downscale: usize,
    /// PET partial-volume sub-samples per voxel and axis.
    pub supersample: usize,
    /// PET resolution: full width at half maximum of the point spread, in mm (voxel size
    /// included).
    pub pet_fwhm_mm: f64,
    /// Relative standard deviation of the PET noise (0.06: 6 % of the local value); 0 for none.
    pub pet_noise: f64,
    /// Standard deviation of the CT noise in HU; 0 for none.
    pub ct_noise_hu: f64,
    /// Seed of all noise.
    pub seed: u64,
}

impl Default for PhantomOptions {
    fn default() -> Self {
        Self {
            downscale: 1,
            supersample: 4,
            pet_fwhm_mm: 6.5,
            pet_noise: 0.06,
            ct_noise_hu: 6.0,
            seed: 0x5EED_CAFE,
        }
    }
}

/// What a phantom is made of before rasterisation.
pub(crate) struct Design {
    pub scene: Scene,
    pub ct: Geometry,
    pub pet: Geometry,
    pub acquisition: Acquisition,
    pub lesions: Vec<PlantedLesion>,
}

/// Generates a phantom with the default options; the same output on every call.
pub fn generate(kind: PhantomKind) -> Phantom {
    generate_with(kind, &PhantomOptions::default())
}

/// Generates a phantom with the given options (deterministic for given options).
pub fn generate_with(kind: PhantomKind, options: &PhantomOptions) -> Phantom {
    let design = match kind {
        PhantomKind::Nema => nema::design(),
        PhantomKind::Torso => torso::design(),
    };
    build(kind, design, options)
}

pub(crate) fn build(kind: PhantomKind, design: Design, options: &PhantomOptions) -> Phantom {
    let seed = noise::splitmix64(options.seed ^ kind as u64);
    let ct_geometry = coarsen(&design.ct, options.downscale);
    let pet_geometry = coarsen(&design.pet, options.downscale);
    let ct_data = raster::ct_numbers(
        &design.scene,
        &ct_geometry,
        options.ct_noise_hu as f32,
        seed,
    );
    let suv = pet_suv(&design.scene, &pet_geometry, options, seed ^ 0xA5A5);
    let to_bqml = (1.0 / design.acquisition.suv_factor()) as f32;
    let pet_data = suv.into_iter().map(|v| v * to_bqml).collect();
    Phantom {
        kind,
        ct: Volume {
            geometry: ct_geometry,
            data: ct_data,
            unit: Unit::Hounsfield,
        },
        pet: Volume {
            geometry: pet_geometry,
            data: pet_data,
            unit: Unit::BecquerelPerMl,
        },
        acquisition: design.acquisition,
        lesions: design.lesions,
        followup: None,
    }
}

/// FWHM of a Gaussian over its standard deviation.
const FWHM_PER_SIGMA: f64 = 2.354_820_045_030_949;

/// The PET in SUV: partial-volume sampling, resolution blur, then noise.
fn pet_suv(scene: &Scene, g: &Geometry, options: &PhantomOptions, seed: u64) -> Vec<f32> {
    let mut suv = raster::partial_volume_suv(scene, g, options.supersample);
    let sigma_total = options.pet_fwhm_mm / FWHM_PER_SIGMA;
    // The voxel's own box (variance s^2 / 12) is part of the total resolution.
    let sigma = g
        .spacing
        .map(|s| (sigma_total.powi(2) - s * s / 12.0).max(0.0).sqrt() / s);
    blur::blur3d(&mut suv, g.dims, sigma);
    if options.pet_noise > 0.0 {
        add_noise(&mut suv, g.dims, options.pet_noise, seed);
    }
    suv
}

/// Standard deviation (voxels) of the smoothing that gives PET noise its grain.
const NOISE_GRAIN_SIGMA: f64 = 0.7;

/// Multiplies each value by `1 + relative * n`, `n` spatially correlated zero-mean unit-variance
/// Gaussian noise; negative results are clamped to zero.
fn add_noise(data: &mut [f32], dims: [usize; 3], relative: f64, seed: u64) {
    use rayon::prelude::*;
    let mut n: Vec<f32> = (0..data.len())
        .into_par_iter()
        .map(|i| noise::normal(seed, i as u64) as f32)
        .collect();
    let sigma = [NOISE_GRAIN_SIGMA; 3];
    blur::blur3d(&mut n, dims, sigma);
    let scale = (relative / blur::white_noise_variance_factor(sigma).sqrt()) as f32;
    data.par_iter_mut().zip(&n).for_each(|(v, n)| {
        *v = (*v * (1.0 + scale * n)).max(0.0);
    });
}

/// The same field of view with `factor` times fewer voxels along each axis.
fn coarsen(g: &Geometry, factor: usize) -> Geometry {
    if factor <= 1 {
        return g.clone();
    }
    let f = factor as f64;
    let dims = g.dims.map(|n| n.div_ceil(factor));
    let spacing = g.spacing.map(|s| s * f);
    // Keep the outer face of the first voxel where it was.
    let shift = DVec3::from_array(g.spacing.map(|s| s * (f - 1.0) / 2.0));
    Geometry::axial(dims, spacing, g.origin + shift)
}

#[cfg(test)]
mod tests;
