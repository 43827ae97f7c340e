//! Each branch of the time-source choice, with header values like those of a de-identified
//! GE Discovery ST study from a public archive: public dates shifted to 1960-01-16, GE's
//! private date-times to 1959-12-24.

use super::*;
use crate::dicom::suv::{calibrate, SuvCalibration};

const WEIGHT_KG: f64 = 91.0;
const DOSE_BQ: f64 = 588_802_304.0;
const HALF_LIFE_S: f64 = 6588.0;
/// 09:59:47 - 07:21:00.
const UPTAKE_S: f64 = 9527.0;

fn dt(s: &str) -> Option<Instant> {
    Instant::from_dt(s)
}

/// The de-identified GE study of the issue: public pair and private pair on two clocks.
fn deidentified_ge() -> SuvInputs {
    SuvInputs {
        units: Some("BQML".into()),
        corrected_image: Some(vec!["DECY".into(), "ATTN".into()]),
        decay_correction: Some("START".into()),
        weight_kg: Some(WEIGHT_KG),
        total_dose_bq: Some(DOSE_BQ),
        half_life_s: Some(HALF_LIFE_S),
        injection_time_of_day_s: Some(7.0 * 3600.0 + 21.0 * 60.0),
        series_date: dt("19600116"),
        series_datetime: dt("19600116095947"),
        earliest_acquisition: dt("19600116095947"),
        ge_scan_datetime: dt("19591224095947"),
        ge_tracer_admin_datetime: dt("19591224072100"),
        ge_tracer_meas_datetime: dt("19591224072100"),
        ..Default::default()
    }
}

fn factor_for(uptake_s: f64) -> f64 {
    WEIGHT_KG * 1000.0 / (DOSE_BQ * 2f64.powf(-uptake_s / HALF_LIFE_S))
}

fn calibrated(i: &SuvInputs) -> SuvCalibration {
    calibrate(i, &SuvOverrides::default())
}

fn notes(c: &SuvCalibration) -> String {
    c.details.notes.join(" | ")
}

fn assert_uptake(c: &SuvCalibration, uptake_s: f64) {
    assert_eq!(c.details.uptake_s, Some(uptake_s), "{}", notes(c));
    let f = c.suv_factor().expect("SUV available");
    let want = factor_for(uptake_s);
    assert!(((f - want) / want).abs() < 1e-4, "factor {f} vs {want}");
}

#[test]
fn deidentified_ge_study_uses_one_clock_and_agrees() {
    let c = calibrated(&deidentified_ge());
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::Public));
    let n = notes(&c);
    assert!(n.contains("agree"), "{n}");
    assert!(n.contains("public DICOM date-times"), "{n}");
    assert_eq!(c.details.scan.as_deref(), Some("1960-01-16 09:59:47"));
    assert_eq!(c.details.injection.as_deref(), Some("1960-01-16 07:21:00"));
}

#[test]
fn disagreeing_clocks_use_the_public_pair_and_say_so() {
    let mut i = deidentified_ge();
    i.ge_tracer_admin_datetime = dt("19591224062100");
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::Public));
    assert!(
        notes(&c).contains("disagree by 1 h 00 min 00 s"),
        "{}",
        notes(&c)
    );
}

#[test]
fn impossible_public_pair_falls_back_to_the_private_pair() {
    let mut i = deidentified_ge();
    // Injection recorded at 11:00 on the public clock: after the 09:59:47 scan, and the day
    // before would be a 23-hour uptake.
    i.injection_time_of_day_s = Some(11.0 * 3600.0);
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::GePrivate));
    assert!(
        notes(&c).contains("GE's private date-times used instead"),
        "{}",
        notes(&c)
    );
}

#[test]
fn impossible_private_pair_is_ignored() {
    let mut i = deidentified_ge();
    i.ge_tracer_admin_datetime = dt("19591224120000");
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::Public));
    assert!(notes(&c).contains("ignored"), "{}", notes(&c));
}

#[test]
fn both_pairs_impossible_is_an_error() {
    let mut i = deidentified_ge();
    i.injection_time_of_day_s = Some(11.0 * 3600.0);
    i.ge_tracer_admin_datetime = dt("19591224120000");
    assert!(matches!(
        calibrated(&i).factor,
        Err(SuvUnavailable::InjectionAfterScan { .. })
    ));
}

#[test]
fn measurement_time_stands_in_for_a_missing_administration_time() {
    let mut i = deidentified_ge();
    i.ge_tracer_admin_datetime = None;
    i.injection_time_of_day_s = None;
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::GePrivate));
    assert!(notes(&c).contains("0009,xx39"), "{}", notes(&c));
}

#[test]
fn restamped_series_prefers_the_private_pair_when_they_agree() {
    let mut i = deidentified_ge();
    i.series_datetime = dt("19600116103000");
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::GePrivate));
    assert_eq!(c.details.scan.as_deref(), Some("1959-12-24 09:59:47"));
}

#[test]
fn restamped_series_uses_ge_scan_time_on_the_same_clock_without_private_injection() {
    // Not de-identified: GE's scan time is on the public clock, 13 s after the first
    // acquisition; QIBA takes it.
    let mut i = deidentified_ge();
    i.series_datetime = dt("19600116103000");
    i.ge_scan_datetime = dt("19600116100000");
    i.ge_tracer_admin_datetime = None;
    i.ge_tracer_meas_datetime = None;
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S + 13.0);
    assert_eq!(c.details.time_source, Some(Clock::Public));
    assert!(notes(&c).contains("0009,xx0D"), "{}", notes(&c));
}

#[test]
fn restamped_series_never_pairs_a_shifted_ge_scan_time_with_the_public_injection() {
    let mut i = deidentified_ge();
    i.series_datetime = dt("19600116103000");
    i.ge_tracer_admin_datetime = None;
    i.ge_tracer_meas_datetime = None;
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.scan.as_deref(), Some("1960-01-16 09:59:47"));
    assert!(notes(&c).contains("another clock"), "{}", notes(&c));
}

#[test]
fn ge_scan_time_alone_does_not_override_the_series_time() {
    // The old behaviour: GE's private scan time (another clock) against the public
    // injection gave "injection after scan".
    let mut i = deidentified_ge();
    i.ge_tracer_admin_datetime = None;
    i.ge_tracer_meas_datetime = None;
    let c = calibrated(&i);
    assert_uptake(&c, UPTAKE_S);
    assert_eq!(c.details.time_source, Some(Clock::Public));
}

#[test]
fn user_injection_is_read_on_the_clock_of_the_chosen_scan_time() {
    let one_hour = SuvOverrides {
        injection: dt("19600116085947"),
        ..Default::default()
    };
    let c = calibrate(&deidentified_ge(), &one_hour);
    assert_uptake(&c, 3600.0);
    assert_eq!(c.details.time_source, Some(Clock::Public));
    assert!(notes(&c).contains("entered by the user"), "{}", notes(&c));

    // When the private pair is the one in use, the user's time is on GE's clock.
    let mut i = deidentified_ge();
    i.injection_time_of_day_s = Some(11.0 * 3600.0);
    let private_hour = SuvOverrides {
        injection: dt("19591224085947"),
        ..Default::default()
    };
    let c = calibrate(&i, &private_hour);
    assert_uptake(&c, 3600.0);
    assert_eq!(c.details.time_source, Some(Clock::GePrivate));
    assert!(notes(&c).contains("GE's private"), "{}", notes(&c));
}

#[test]
fn user_injection_works_without_any_header_injection_time() {
    let mut i = deidentified_ge();
    i.injection_time_of_day_s = None;
    i.ge_tracer_admin_datetime = None;
    i.ge_tracer_meas_datetime = None;
    assert_eq!(
        calibrated(&i).factor,
        Err(SuvUnavailable::MissingInjectionTime)
    );
    let o = SuvOverrides {
        injection: dt("19600116075947"),
        ..Default::default()
    };
    assert_uptake(&calibrate(&i, &o), 7200.0);
}

#[test]
fn day_before_rule_still_applies_on_the_public_clock() {
    let mut i = deidentified_ge();
    i.ge_scan_datetime = None;
    i.ge_tracer_admin_datetime = None;
    i.ge_tracer_meas_datetime = None;
    i.series_date = dt("19600117");
    i.series_datetime = dt("19600117003000");
    i.earliest_acquisition = i.series_datetime;
    i.injection_time_of_day_s = Some(23.5 * 3600.0);
    let c = calibrated(&i);
    assert_uptake(&c, 3600.0);
    assert!(notes(&c).contains("day before"), "{}", notes(&c));
}
