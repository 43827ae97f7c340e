//! Which scan start and injection time the SUV decay uses.
//!
//! De-identified archives (TCIA and others) shift the public dates and GE's private
//! date-times by different offsets, so a scan time from one source and an injection time
//! from the other can be days apart. The rule here: a scan time is only ever compared with
//! an injection time from the same clock.
//!
//! - *Public clock*: SeriesDate/SeriesTime, AcquisitionDate/Time and
//!   RadiopharmaceuticalStart(Date)Time.
//! - *GE private clock*: the GEMS_PETD_01 block's post-injection scan date-time (0009,xx0D)
//!   and tracer administration (0009,xx3B) or measurement (0009,xx39) date-times.
//!
//! Scan time per QIBA (as cornerstonejs/calculate-suv implements it): the series date-time
//! unless it is later than the earliest acquisition; only then GE's private scan date-time,
//! else the earliest acquisition. When both clocks give a complete pair, both uptakes are
//! computed: if they agree within [`AGREEMENT_S`] the QIBA choice is used; if they disagree
//! the public pair is used (or the private one when the public pair puts the injection
//! after the scan), and the notes say so.
//!
//! Decision where the sources leave room: when QIBA asks for GE's private scan time but no
//! private injection time exists, the private scan time is paired with the public injection
//! only when it lies within [`SAME_CLOCK_S`] of the public earliest acquisition (evidence
//! that both are on one clock); otherwise the earliest acquisition is used.

use super::datetime::Instant;
use super::suv::{SuvInputs, SuvOverrides, SuvUnavailable, MAX_MIDNIGHT_UPTAKE_S};

/// Uptake times from the public and the private clock that differ by at most this many
/// seconds are taken to agree.
pub const AGREEMENT_S: f64 = 60.0;

/// A GE private scan time within this many seconds of the public earliest acquisition is
/// taken to be on the public clock.
pub const SAME_CLOCK_S: f64 = 3600.0;

/// Where a pair of times comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// Standard DICOM dates and times.
    Public,
    /// GE's private date-times (GEMS_PETD_01).
    GePrivate,
}

impl Clock {
    /// Words for notes.
    pub fn describe(self) -> &'static str {
        match self {
            Clock::Public => "the public DICOM date-times",
            Clock::GePrivate => "GE's private date-times (0009,xx0D and the tracer date-times)",
        }
    }
}

/// A scan start and an injection time on one clock, with how each was found.
#[derive(Debug, Clone, PartialEq)]
pub struct TimePair {
    pub scan: Instant,
    pub injection: Instant,
    pub clock: Clock,
    /// How the scan and injection times were chosen, for the notes.
    pub notes: Vec<String>,
}

impl TimePair {
    /// Seconds from injection to scan start.
    pub fn uptake_s(&self) -> f64 {
        self.scan.seconds_since(self.injection)
    }

    fn possible(&self) -> bool {
        self.uptake_s() >= 0.0
    }

    fn after_scan_error(&self) -> SuvUnavailable {
        SuvUnavailable::InjectionAfterScan {
            injection: self.injection.display(),
            scan: self.scan.display(),
        }
    }
}

/// The scan start and injection time for decay correction, never from two clocks.
///
/// The returned pair's notes say which clock and tags were used; an impossible pair (the
/// injection after the scan) is an error.
pub fn scan_and_injection(
    inputs: &SuvInputs,
    overrides: &SuvOverrides,
) -> Result<TimePair, SuvUnavailable> {
    match overrides.injection {
        Some(user) => with_user_injection(inputs, user),
        None => from_headers(inputs),
    }
}

/// The pair from the header values alone.
fn from_headers(inputs: &SuvInputs) -> Result<TimePair, SuvUnavailable> {
    let public = public_pair(inputs);
    let private = private_pair(inputs);
    let preferred = if series_restamped(inputs) && private.is_some() {
        Clock::GePrivate
    } else {
        Clock::Public
    };
    match (public, private) {
        (Ok(p), None) => checked(p),
        (Err(e), None) => Err(e),
        (Err(_), Some(g)) => checked(g),
        (Ok(p), Some(g)) => reconcile(p, g, preferred),
    }
}

/// Chooses between a public and a private pair (both complete).
fn reconcile(
    public: TimePair,
    private: TimePair,
    preferred: Clock,
) -> Result<TimePair, SuvUnavailable> {
    let (up, ug) = (public.uptake_s(), private.uptake_s());
    match (public.possible(), private.possible()) {
        (true, true) if (up - ug).abs() <= AGREEMENT_S => {
            let mut chosen = if preferred == Clock::GePrivate {
                private
            } else {
                public
            };
            chosen.notes.push(format!(
                "uptake from the public date-times ({}) and from GE's private date-times ({}) \
                 agree; times from {} used",
                duration(up),
                duration(ug),
                chosen.clock.describe()
            ));
            Ok(chosen)
        }
        (true, true) => {
            let mut chosen = public;
            chosen.notes.push(format!(
                "uptake from the public date-times ({}) and from GE's private date-times ({}) \
                 disagree by {}; the public pair is used: check the injection time",
                duration(up),
                duration(ug),
                duration((up - ug).abs())
            ));
            Ok(chosen)
        }
        (false, true) => {
            let mut chosen = private;
            chosen.notes.push(format!(
                "the public date-times put the injection {} after the scan; GE's private \
                 date-times used instead",
                duration(-up)
            ));
            Ok(chosen)
        }
        (true, false) => {
            let mut chosen = public;
            chosen.notes.push(format!(
                "GE's private date-times put the injection {} after the scan; ignored",
                duration(-ug)
            ));
            Ok(chosen)
        }
        (false, false) => Err(if preferred == Clock::GePrivate {
            private.after_scan_error()
        } else {
            public.after_scan_error()
        }),
    }
}

fn checked(pair: TimePair) -> Result<TimePair, SuvUnavailable> {
    if pair.possible() {
        Ok(pair)
    } else {
        Err(pair.after_scan_error())
    }
}

/// The user's injection date-time, compared with the scan time the headers would use, on
/// that scan time's clock.
fn with_user_injection(inputs: &SuvInputs, user: Instant) -> Result<TimePair, SuvUnavailable> {
    let (scan, clock) = match from_headers(inputs) {
        Ok(pair) => (pair.scan, pair.clock),
        Err(_) => match (public_scan(inputs), inputs.ge_scan_datetime) {
            (Ok((scan, _)), _) => (scan, Clock::Public),
            (Err(_), Some(scan)) => (scan, Clock::GePrivate),
            (Err(e), None) => return Err(e),
        },
    };
    checked(TimePair {
        scan,
        injection: user,
        clock,
        notes: vec![format!(
            "injection date-time entered by the user, read on the clock of {}",
            clock.describe(),
        )],
    })
}

/// True when the series date-time is later than the earliest acquisition (Siemens and
/// some GE series re-stamp it), the case where QIBA turns to GE's private scan time.
fn series_restamped(inputs: &SuvInputs) -> bool {
    matches!(
        (inputs.series_datetime, inputs.earliest_acquisition),
        (Some(series), Some(acq)) if series > acq
    )
}

/// The public scan start, with a note when it is not simply the series date-time.
fn public_scan(inputs: &SuvInputs) -> Result<(Instant, Option<String>), SuvUnavailable> {
    match (inputs.series_datetime, inputs.earliest_acquisition) {
        (Some(series), Some(acq)) if series > acq => Ok(restamped_scan(inputs, acq)),
        (Some(series), _) => Ok((series, None)),
        (None, Some(acq)) => Ok((
            acq,
            Some("no series time; scan start from the earliest acquisition".into()),
        )),
        (None, None) => Err(SuvUnavailable::MissingScanTime),
    }
}

/// The scan start when the series time is later than the earliest acquisition and no
/// private injection time exists: GE's private scan time if it is on the public clock.
fn restamped_scan(inputs: &SuvInputs, acq: Instant) -> (Instant, Option<String>) {
    let ge = inputs.ge_scan_datetime;
    match ge {
        Some(ge)
            if private_injection(inputs).is_none()
                && ge.seconds_since(acq).abs() <= SAME_CLOCK_S =>
        {
            (
                ge,
                Some(
                    "series time is after the first acquisition; scan start from GE's private \
                     post-injection date-time (0009,xx0D), on the same clock as the acquisitions"
                        .into(),
                ),
            )
        }
        Some(ge) if private_injection(inputs).is_none() => (
            acq,
            Some(format!(
                "series time is after the first acquisition; GE's private scan date-time is \
                 {} away from it, on another clock, with no private injection time to pair \
                 with, so the earliest acquisition is used",
                duration(ge.seconds_since(acq).abs())
            )),
        ),
        _ => (
            acq,
            Some(
                "series time is after the first acquisition; scan start from the earliest \
                 acquisition"
                    .into(),
            ),
        ),
    }
}

/// The pair on the public clock (the scan start may be GE's private scan time when it is
/// on the public clock, see [`restamped_scan`]).
fn public_pair(inputs: &SuvInputs) -> Result<TimePair, SuvUnavailable> {
    let (scan, scan_note) = public_scan(inputs)?;
    let mut notes: Vec<String> = scan_note.into_iter().collect();
    let injection = public_injection(inputs, scan, &mut notes)?;
    notes.push("scan and injection times from the public DICOM date-times".into());
    Ok(TimePair {
        scan,
        injection,
        clock: Clock::Public,
        notes,
    })
}

fn public_injection(
    inputs: &SuvInputs,
    scan: Instant,
    notes: &mut Vec<String>,
) -> Result<Instant, SuvUnavailable> {
    if let Some(t) = inputs.injection_datetime {
        return Ok(t);
    }
    let tod = inputs
        .injection_time_of_day_s
        .ok_or(SuvUnavailable::MissingInjectionTime)?;
    let date = inputs.series_date.ok_or(SuvUnavailable::MissingScanTime)?;
    let same_day = date.plus_seconds(tod);
    let previous_day = same_day.plus_seconds(-86400.0);
    if same_day > scan && scan.seconds_since(previous_day) <= MAX_MIDNIGHT_UPTAKE_S {
        notes.push(
            "injection time is later in the day than the scan; injection assumed the day before \
             (scan after midnight)"
                .into(),
        );
        return Ok(previous_day);
    }
    notes.push(
        "injection date taken from the series date (no RadiopharmaceuticalStartDateTime)".into(),
    );
    Ok(same_day)
}

/// GE's private injection date-time: administration, else measurement of the activity.
fn private_injection(inputs: &SuvInputs) -> Option<(Instant, &'static str)> {
    inputs
        .ge_tracer_admin_datetime
        .map(|t| (t, "tracer administration date-time (0009,xx3B)"))
        .or(inputs
            .ge_tracer_meas_datetime
            .map(|t| (t, "tracer measurement date-time (0009,xx39)")))
}

/// The pair on GE's private clock, when both of its times are present.
fn private_pair(inputs: &SuvInputs) -> Option<TimePair> {
    let scan = inputs.ge_scan_datetime?;
    let (injection, which) = private_injection(inputs)?;
    Some(TimePair {
        scan,
        injection,
        clock: Clock::GePrivate,
        notes: vec![format!(
            "scan start from GE's private post-injection date-time (0009,xx0D), injection from \
             GE's private {which}"
        )],
    })
}

/// `2 h 38 min 47 s (9527 s)` for notes.
fn duration(s: f64) -> String {
    let r = s.abs().round() as i64;
    let sign = if s < 0.0 { "-" } else { "" };
    format!(
        "{sign}{} h {:02} min {:02} s ({sign}{r} s)",
        r / 3600,
        (r / 60) % 60,
        r % 60
    )
}

#[cfg(test)]
#[path = "suv_time_tests.rs"]
mod tests;
