//! SUV body-weight (and lean-body-mass) factors following the QIBA vendor-neutral procedure.
//!
//! Everything here is a pure function of header values, so every rule is unit-tested.
//! The factor multiplies rescaled pixel values (`stored * slope + intercept`); slopes vary
//! per slice and are applied at decode time, so one factor serves the whole series.
//!
//! Which scan and injection times are used (never one from the public DICOM dates and the
//! other from GE's private date-times) is decided in `suv_time`.
//!
//! Decisions where the sources leave room:
//! - `CorrectedImage` must list ATTN and DECY; when it is absent SUV is refused, since the
//!   corrections cannot be confirmed.
//! - With only `RadiopharmaceuticalStartTime` (no date), the series date is used; if that puts
//!   the injection after the scan, the previous day is assumed only when the resulting uptake
//!   time is at most [`MAX_MIDNIGHT_UPTAKE_S`] (a scan just after midnight). Otherwise the
//!   injection-after-scan error stands: a 23-hour uptake would give a silently wrong SUV.

use super::datetime::Instant;
use super::suv_time::scan_and_injection;
pub use super::suv_time::Clock;

/// Longest uptake time accepted when assuming the injection was on the day before the scan.
pub const MAX_MIDNIGHT_UPTAKE_S: f64 = 6.0 * 3600.0;

/// Header values SUV depends on, gathered from a PET series.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SuvInputs {
    /// Units (0054,1001): BQML, CNTS, GML, ...
    pub units: Option<String>,
    /// CorrectedImage (0028,0051) values.
    pub corrected_image: Option<Vec<String>>,
    /// DecayCorrection (0054,1102): START, ADMIN, NONE.
    pub decay_correction: Option<String>,
    /// PatientWeight (0010,1030) in kg.
    pub weight_kg: Option<f64>,
    /// PatientSize (0010,1020) in m.
    pub height_m: Option<f64>,
    /// PatientSex (0010,0040).
    pub sex: Option<String>,
    /// RadionuclideTotalDose (0018,1074) in Bq.
    pub total_dose_bq: Option<f64>,
    /// RadionuclideHalfLife (0018,1075) in s.
    pub half_life_s: Option<f64>,
    /// RadiopharmaceuticalStartDateTime (0018,1078).
    pub injection_datetime: Option<Instant>,
    /// RadiopharmaceuticalStartTime (0018,1072), seconds after midnight.
    pub injection_time_of_day_s: Option<f64>,
    /// SeriesDate (0008,0021) at midnight.
    pub series_date: Option<Instant>,
    /// SeriesDate + SeriesTime.
    pub series_datetime: Option<Instant>,
    /// Earliest AcquisitionDate + AcquisitionTime of the series.
    pub earliest_acquisition: Option<Instant>,
    /// GE private post-injection scan date-time (0009,xx0D in the GEMS_PETD_01 block).
    pub ge_scan_datetime: Option<Instant>,
    /// GE private tracer administration date-time (0009,xx3B), on the clock of
    /// `ge_scan_datetime`.
    pub ge_tracer_admin_datetime: Option<Instant>,
    /// GE private tracer activity measurement date-time (0009,xx39), same clock.
    pub ge_tracer_meas_datetime: Option<Instant>,
    /// Philips private SUV scale factor (7053,xx00).
    pub philips_suv_factor: Option<f64>,
    /// Philips private activity concentration scale factor (7053,xx09).
    pub philips_activity_factor: Option<f64>,
}

/// User corrections to header values (a wrong weight on the scanner is common).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuvOverrides {
    pub weight_kg: Option<f64>,
    pub dose_bq: Option<f64>,
    pub injection: Option<Instant>,
}

/// Why SUV cannot be computed, in words a reader understands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SuvUnavailable {
    #[error("the PET has no Units (0054,1001), so its values cannot be interpreted")]
    MissingUnits,
    #[error("PET units '{0}' cannot be converted to SUV")]
    UnsupportedUnits(String),
    #[error("the image is not attenuation corrected (CorrectedImage lacks ATTN)")]
    NotAttenuationCorrected,
    #[error("the image is not decay corrected (CorrectedImage lacks DECY)")]
    NotDecayCorrected,
    #[error("CorrectedImage (0028,0051) is missing, so attenuation and decay correction cannot be confirmed")]
    MissingCorrectedImage,
    #[error("decay correction '{0}' is not supported (only START and ADMIN are)")]
    UnsupportedDecayCorrection(String),
    #[error("the patient's weight is missing")]
    MissingWeight,
    #[error("the patient's weight is {0} kg, which cannot be right")]
    InvalidWeight(f64),
    #[error("the injected dose is missing")]
    MissingDose,
    #[error("the injected dose is {0} Bq, which cannot be right")]
    InvalidDose(f64),
    #[error("the radionuclide half-life is missing")]
    MissingHalfLife,
    #[error("the injection time is missing")]
    MissingInjectionTime,
    #[error("the scan time is missing (no series or acquisition date and time)")]
    MissingScanTime,
    #[error("the injection ({injection}) is recorded after the scan start ({scan})")]
    InjectionAfterScan { injection: String, scan: String },
    #[error("CNTS units without the Philips SUV or activity concentration scale factor")]
    MissingPhilipsFactor,
}

/// How the factor was derived: the values a reader may want to check.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SuvDetails {
    pub weight_kg: Option<f64>,
    pub dose_bq: Option<f64>,
    pub half_life_s: Option<f64>,
    pub injection: Option<String>,
    pub scan: Option<String>,
    /// Seconds from injection to scan start.
    pub uptake_s: Option<f64>,
    /// The clock both times were read from (never mixed).
    pub time_source: Option<Clock>,
    /// Dose decayed to scan start, Bq.
    pub decayed_dose_bq: Option<f64>,
    /// Plain-language notes on the choices made (which scan time, which day, ...).
    pub notes: Vec<String>,
}

/// The outcome of SUV calibration for a PET series.
#[derive(Debug, Clone, PartialEq)]
pub struct SuvCalibration {
    /// Multiplier from rescaled values to SUVbw, or why there is none.
    pub factor: Result<f64, SuvUnavailable>,
    /// Multiplier to SUL (lean body mass, Janmahasatian), or why there is none.
    pub sul_factor: Result<f64, String>,
    /// Values used.
    pub details: SuvDetails,
}

impl SuvCalibration {
    /// The SUVbw factor when available.
    pub fn suv_factor(&self) -> Option<f64> {
        self.factor.as_ref().ok().copied()
    }

    /// The reason SUV is unavailable, as a sentence, or `None`.
    pub fn unavailable_reason(&self) -> Option<String> {
        self.factor.as_ref().err().map(|e| e.to_string())
    }
}

/// Computes SUVbw and SUL factors from header values and user overrides.
pub fn calibrate(inputs: &SuvInputs, overrides: &SuvOverrides) -> SuvCalibration {
    let mut details = SuvDetails::default();
    let factor = suvbw_factor(inputs, overrides, &mut details);
    let sul_factor = match &factor {
        Ok(f) => sul_from_suvbw(
            *f,
            details.weight_kg,
            inputs.height_m,
            inputs.sex.as_deref(),
        ),
        Err(e) => Err(format!("SUVbw is unavailable: {e}")),
    };
    SuvCalibration {
        factor,
        sul_factor,
        details,
    }
}

fn suvbw_factor(
    inputs: &SuvInputs,
    overrides: &SuvOverrides,
    details: &mut SuvDetails,
) -> Result<f64, SuvUnavailable> {
    let units = inputs
        .units
        .as_deref()
        .map(|u| u.trim().to_ascii_uppercase())
        .ok_or(SuvUnavailable::MissingUnits)?;
    match units.as_str() {
        "GML" => {
            details
                .notes
                .push("values are already SUVbw (Units GML)".into());
            Ok(1.0)
        }
        "BQML" => bqml_factor(inputs, overrides, details),
        "CNTS" => cnts_factor(inputs, overrides, details),
        other => Err(SuvUnavailable::UnsupportedUnits(other.to_string())),
    }
}

fn cnts_factor(
    inputs: &SuvInputs,
    overrides: &SuvOverrides,
    details: &mut SuvDetails,
) -> Result<f64, SuvUnavailable> {
    let user_changed = overrides != &SuvOverrides::default();
    if let (Some(f), false) = (inputs.philips_suv_factor, user_changed) {
        if f.is_finite() && f > 0.0 {
            details
                .notes
                .push("Philips private SUV scale factor (7053,1000) used".into());
            return Ok(f);
        }
    }
    let activity = inputs
        .philips_activity_factor
        .filter(|f| f.is_finite() && *f > 0.0)
        .ok_or(SuvUnavailable::MissingPhilipsFactor)?;
    details.notes.push(
        "counts converted to Bq/mL with the Philips activity concentration scale factor (7053,1009)"
            .into(),
    );
    Ok(activity * bqml_factor(inputs, overrides, details)?)
}

fn bqml_factor(
    inputs: &SuvInputs,
    overrides: &SuvOverrides,
    details: &mut SuvDetails,
) -> Result<f64, SuvUnavailable> {
    check_corrections(inputs)?;
    let weight = overrides
        .weight_kg
        .or(inputs.weight_kg)
        .ok_or(SuvUnavailable::MissingWeight)?;
    if !weight.is_finite() || weight <= 0.0 || weight > 700.0 {
        return Err(SuvUnavailable::InvalidWeight(weight));
    }
    details.weight_kg = Some(weight);
    let dose = overrides
        .dose_bq
        .or(inputs.total_dose_bq)
        .ok_or(SuvUnavailable::MissingDose)?;
    if !dose.is_finite() || dose <= 0.0 {
        return Err(SuvUnavailable::InvalidDose(dose));
    }
    details.dose_bq = Some(dose);
    let decay_correction = inputs
        .decay_correction
        .as_deref()
        .map(|d| d.trim().to_ascii_uppercase())
        .unwrap_or_default();
    let decayed = match decay_correction.as_str() {
        "ADMIN" => {
            details
                .notes
                .push("decay corrected to the injection time (ADMIN): no further decay".into());
            dose
        }
        "START" => dose * decay_to_scan(inputs, overrides, details)?,
        other => return Err(SuvUnavailable::UnsupportedDecayCorrection(other.into())),
    };
    details.decayed_dose_bq = Some(decayed);
    // Bq/mL * g / Bq: weight in grams, 1 mL of tissue taken as 1 g.
    Ok(weight * 1000.0 / decayed)
}

fn check_corrections(inputs: &SuvInputs) -> Result<(), SuvUnavailable> {
    let corrected = inputs
        .corrected_image
        .as_ref()
        .ok_or(SuvUnavailable::MissingCorrectedImage)?;
    let has = |flag: &str| {
        corrected
            .iter()
            .any(|c| c.trim().eq_ignore_ascii_case(flag))
    };
    if !has("ATTN") {
        return Err(SuvUnavailable::NotAttenuationCorrected);
    }
    if !has("DECY") {
        return Err(SuvUnavailable::NotDecayCorrected);
    }
    Ok(())
}

/// Fraction of the injected activity left at scan start.
fn decay_to_scan(
    inputs: &SuvInputs,
    overrides: &SuvOverrides,
    details: &mut SuvDetails,
) -> Result<f64, SuvUnavailable> {
    let half_life = inputs
        .half_life_s
        .filter(|h| h.is_finite() && *h > 0.0)
        .ok_or(SuvUnavailable::MissingHalfLife)?;
    details.half_life_s = Some(half_life);
    let times = scan_and_injection(inputs, overrides)?;
    let uptake = times.uptake_s();
    details.injection = Some(times.injection.display());
    details.scan = Some(times.scan.display());
    details.uptake_s = Some(uptake);
    details.time_source = Some(times.clock);
    details.notes.extend(times.notes);
    Ok((-uptake / half_life * std::f64::consts::LN_2).exp())
}

/// Lean body mass in kg (Janmahasatian 2005).
pub fn lean_body_mass_kg(weight_kg: f64, height_m: f64, male: bool) -> f64 {
    let bmi = weight_kg / (height_m * height_m);
    if male {
        9270.0 * weight_kg / (6680.0 + 216.0 * bmi)
    } else {
        9270.0 * weight_kg / (8780.0 + 244.0 * bmi)
    }
}

fn sul_from_suvbw(
    suvbw_factor: f64,
    weight_kg: Option<f64>,
    height_m: Option<f64>,
    sex: Option<&str>,
) -> Result<f64, String> {
    // GML inputs carry no weight in `details`; SUL then needs the header weight, which we
    // don't have here, so it is reported unavailable rather than guessed.
    let weight = weight_kg.ok_or("the weight used for SUVbw is unknown")?;
    let height = height_m
        .filter(|h| h.is_finite() && *h > 0.5 && *h < 2.8)
        .ok_or("the patient's height (PatientSize, in metres) is missing or implausible")?;
    let male = match sex.map(str::trim) {
        Some("M") => true,
        Some("F") => false,
        _ => return Err("the patient's sex (M or F) is needed for lean body mass".into()),
    };
    Ok(suvbw_factor * lean_body_mass_kg(weight, height, male) / weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// STS_001's header values (GE Discovery ST).
    fn sts001() -> SuvInputs {
        SuvInputs {
            units: Some("BQML".into()),
            corrected_image: Some(vec!["DECY".into(), "ATTN".into(), "SCAT".into()]),
            decay_correction: Some("START".into()),
            weight_kg: Some(71.0),
            height_m: Some(1.63),
            sex: Some("M".into()),
            total_dose_bq: Some(3.88777472e8),
            half_life_s: Some(6588.0),
            injection_datetime: None,
            injection_time_of_day_s: Some(38100.0),
            series_date: Instant::from_date_time("20000907", "000000"),
            series_datetime: Instant::from_date_time("20000907", "112011"),
            earliest_acquisition: Instant::from_date_time("20000907", "112011"),
            ..Default::default()
        }
    }

    fn expected(weight: f64, dose: f64, uptake: f64, half_life: f64) -> f64 {
        weight * 1000.0 / (dose * 0.5f64.powf(uptake / half_life))
    }

    fn close(a: f64, b: f64) -> bool {
        ((a - b) / b).abs() < 1e-12
    }

    #[test]
    fn bqml_start_uses_series_time_and_decay() {
        let c = calibrate(&sts001(), &SuvOverrides::default());
        let f = c.suv_factor().unwrap();
        assert!(close(f, expected(71.0, 3.88777472e8, 2711.0, 6588.0)));
        assert_eq!(c.details.uptake_s, Some(2711.0));
        let sul = c.sul_factor.unwrap();
        let lbm = lean_body_mass_kg(71.0, 1.63, true);
        assert!(close(sul, f * lbm / 71.0));
    }

    #[test]
    fn later_series_time_falls_back_to_earliest_acquisition() {
        let mut i = sts001();
        i.series_datetime = Instant::from_date_time("20000907", "120000");
        let c = calibrate(&i, &SuvOverrides::default());
        assert!(close(
            c.suv_factor().unwrap(),
            expected(71.0, 3.88777472e8, 2711.0, 6588.0)
        ));
    }

    #[test]
    fn admin_decay_correction_applies_no_decay() {
        let mut i = sts001();
        i.decay_correction = Some("ADMIN".into());
        let f = calibrate(&i, &SuvOverrides::default())
            .suv_factor()
            .unwrap();
        assert!(close(f, 71000.0 / 3.88777472e8));
    }

    #[test]
    fn gml_is_already_suv() {
        let i = SuvInputs {
            units: Some("GML".into()),
            ..Default::default()
        };
        assert_eq!(
            calibrate(&i, &SuvOverrides::default()).suv_factor(),
            Some(1.0)
        );
    }

    #[test]
    fn missing_or_zero_weight_is_unavailable_not_zero() {
        let mut i = sts001();
        i.weight_kg = None;
        let c = calibrate(&i, &SuvOverrides::default());
        assert_eq!(c.factor, Err(SuvUnavailable::MissingWeight));
        assert!(c.unavailable_reason().unwrap().contains("weight"));
        i.weight_kg = Some(0.0);
        assert_eq!(
            calibrate(&i, &SuvOverrides::default()).factor,
            Err(SuvUnavailable::InvalidWeight(0.0))
        );
    }

    #[test]
    fn overrides_change_the_factor() {
        let mut i = sts001();
        i.weight_kg = None;
        let o = SuvOverrides {
            weight_kg: Some(80.0),
            dose_bq: Some(3.7e8),
            injection: Instant::from_dt("20000907102011"),
        };
        let f = calibrate(&i, &o).suv_factor().unwrap();
        assert!(close(f, expected(80.0, 3.7e8, 3600.0, 6588.0)));
    }

    #[test]
    fn injection_after_scan_is_an_error() {
        let mut i = sts001();
        i.injection_datetime = Instant::from_dt("20000907120000");
        let c = calibrate(&i, &SuvOverrides::default());
        assert!(matches!(
            c.factor,
            Err(SuvUnavailable::InjectionAfterScan { .. })
        ));
        // A time-only injection at noon the same day is also after the scan, and a 23-hour
        // uptake from the day before is implausible: still an error.
        let mut i = sts001();
        i.injection_time_of_day_s = Some(12.0 * 3600.0);
        assert!(calibrate(&i, &SuvOverrides::default()).factor.is_err());
    }

    #[test]
    fn time_only_injection_before_midnight_uses_previous_day() {
        let mut i = sts001();
        i.series_date = Instant::from_date_time("20000908", "000000");
        i.series_datetime = Instant::from_date_time("20000908", "003000");
        i.earliest_acquisition = i.series_datetime;
        i.injection_time_of_day_s = Some(23.5 * 3600.0);
        let c = calibrate(&i, &SuvOverrides::default());
        assert_eq!(c.details.uptake_s, Some(3600.0));
    }

    #[test]
    fn unknown_units_and_missing_corrections_are_explained() {
        let mut i = sts001();
        i.units = Some("PROPCNTS".into());
        assert!(matches!(
            calibrate(&i, &SuvOverrides::default()).factor,
            Err(SuvUnavailable::UnsupportedUnits(_))
        ));
        let mut i = sts001();
        i.corrected_image = Some(vec!["DECY".into()]);
        assert_eq!(
            calibrate(&i, &SuvOverrides::default()).factor,
            Err(SuvUnavailable::NotAttenuationCorrected)
        );
        let mut i = sts001();
        i.half_life_s = None;
        assert_eq!(
            calibrate(&i, &SuvOverrides::default()).factor,
            Err(SuvUnavailable::MissingHalfLife)
        );
    }

    #[test]
    fn philips_counts() {
        let mut i = sts001();
        i.units = Some("CNTS".into());
        i.philips_suv_factor = Some(0.00042);
        assert_eq!(
            calibrate(&i, &SuvOverrides::default()).suv_factor(),
            Some(0.00042)
        );
        i.philips_suv_factor = None;
        i.philips_activity_factor = Some(2.0);
        let f = calibrate(&i, &SuvOverrides::default())
            .suv_factor()
            .unwrap();
        assert!(close(f, 2.0 * expected(71.0, 3.88777472e8, 2711.0, 6588.0)));
        i.philips_activity_factor = None;
        assert_eq!(
            calibrate(&i, &SuvOverrides::default()).factor,
            Err(SuvUnavailable::MissingPhilipsFactor)
        );
    }

    #[test]
    fn sul_needs_height_and_sex() {
        let mut i = sts001();
        i.sex = Some("O".into());
        assert!(calibrate(&i, &SuvOverrides::default()).sul_factor.is_err());
    }
}
