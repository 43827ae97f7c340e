//! The follow-up study of a reading, window-free: where it lies relative to the baseline
//! (the estimated registration with the reader's nudge on top), how baseline points, planes
//! and clicks map into it, and the flicker that swaps the baseline column between the two.

use std::time::{Duration, Instant};

use glam::{DAffine3, DQuat, Vec3};

use super::followup_registration::Registration;
use super::mip_state::MipState;
use crate::render::mpr::MprPlane;
use crate::study::ViewStudy;

/// Flicker swaps the baseline column this often.
pub const FLICKER_PERIOD: Duration = Duration::from_millis(600);
/// One nudge button press: millimetres along an axis, degrees about the long axis.
pub const NUDGE_STEP_MM: f32 = 1.0;
pub const NUDGE_STEP_DEG: f32 = 1.0;

/// A follow-up study shown beside the baseline.
pub struct Followup {
    pub study: ViewStudy,
    /// Follow-up patient mm -> baseline patient mm, as estimated (identity until the
    /// registration worker answers).
    pub to_baseline: DAffine3,
    /// The estimate's quality and summary (`None` while it is computed).
    pub registration: Option<Registration>,
    /// The reader's correction on top of the estimate, in baseline space: a shift (mm)...
    pub nudge_mm: Vec3,
    /// ...and a turn about the head-feet (z) axis through [`Self::pivot`] (degrees).
    pub nudge_deg: f32,
    /// Centre of the nudge's turn (baseline mm): the middle of the baseline.
    pub pivot: Vec3,
    /// Identifies this follow-up (and its registration job); bumped by every new one.
    pub generation: u64,
    /// The follow-up's PET MIP (at the baseline MIP's angle).
    pub mip: MipState,
    /// Lesion tracking and PERCIST 1.0 under the registration (`None` while computed; an
    /// error says why it cannot be assessed, e.g. no SUV).
    pub response: Option<Result<crate::analysis::response::ResponseAssessment, String>>,
    /// The transform `response` was assessed under, and the newest one asked for (they
    /// differ while a nudge is re-assessed).
    pub assessed_under: Option<DAffine3>,
    pub requested_under: Option<DAffine3>,
}

impl Followup {
    /// A follow-up not registered yet; `pivot`: the baseline's middle (baseline mm).
    pub fn new(study: ViewStudy, pivot: Vec3, generation: u64) -> Self {
        Self {
            study,
            to_baseline: DAffine3::IDENTITY,
            registration: None,
            nudge_mm: Vec3::ZERO,
            nudge_deg: 0.0,
            pivot,
            generation,
            mip: MipState::default(),
            response: None,
            assessed_under: None,
            requested_under: None,
        }
    }

    /// The nudge alone, a baseline-space transform.
    fn nudge(&self) -> DAffine3 {
        let pivot = self.pivot.as_dvec3();
        DAffine3::from_translation(pivot + self.nudge_mm.as_dvec3())
            * DAffine3::from_quat(DQuat::from_rotation_z(
                f64::from(self.nudge_deg).to_radians(),
            ))
            * DAffine3::from_translation(-pivot)
    }

    /// Follow-up mm -> baseline mm: the estimate, then the nudge.
    pub fn transform(&self) -> DAffine3 {
        self.nudge() * self.to_baseline
    }

    /// A follow-up point in baseline space (a click in a follow-up pane moves the shared
    /// cursor here).
    pub fn to_baseline_point(&self, followup_mm: Vec3) -> Vec3 {
        self.transform()
            .transform_point3(followup_mm.as_dvec3())
            .as_vec3()
    }

    /// A baseline point in follow-up space.
    pub fn to_followup_point(&self, baseline_mm: Vec3) -> Vec3 {
        self.transform()
            .inverse()
            .transform_point3(baseline_mm.as_dvec3())
            .as_vec3()
    }

    /// A baseline plane laid into follow-up space: pixel (x, y) of the returned plane shows
    /// the follow-up anatomy that lies at pixel (x, y) of `plane` after registration.
    pub fn plane_in_followup(&self, plane: &MprPlane) -> MprPlane {
        let inv = self.transform().inverse();
        let vector = |v: Vec3| inv.transform_vector3(v.as_dvec3()).as_vec3();
        MprPlane {
            origin: inv.transform_point3(plane.origin.as_dvec3()).as_vec3(),
            u: vector(plane.u),
            v: vector(plane.v),
        }
    }

    /// Adds a nudge step (mm in baseline x, y, z; degrees about z).
    pub fn add_nudge(&mut self, mm: Vec3, deg: f32) {
        self.nudge_mm += mm;
        self.nudge_deg += deg;
    }

    /// Takes the registration worker's estimate.
    pub fn set_registration(&mut self, r: Registration) {
        self.to_baseline = r.to_baseline;
        self.registration = Some(r);
    }

    /// A value that changes whenever what the follow-up panes show changes (render keys).
    pub fn key(&self) -> FollowupKey {
        FollowupKey {
            generation: self.generation,
            transform: self.transform(),
        }
    }
}

/// What a pane showing the follow-up depends on beyond the baseline's view.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowupKey {
    pub generation: u64,
    pub transform: DAffine3,
}

/// The flicker: while on, the baseline column alternates between baseline and follow-up.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flicker {
    on: bool,
    showing_followup: bool,
    since: Option<Instant>,
}

impl Flicker {
    /// Starts (showing the baseline first) or stops (back to the baseline).
    pub fn set(&mut self, on: bool, now: Instant) {
        *self = Self {
            on,
            showing_followup: false,
            since: on.then_some(now),
        };
    }

    /// Whether the flicker runs.
    pub fn on(&self) -> bool {
        self.on
    }

    /// Whether the baseline column shows the follow-up now.
    pub fn showing_followup(&self) -> bool {
        self.on && self.showing_followup
    }

    /// When the next swap is due (`None` when off).
    pub fn next_swap(&self) -> Option<Instant> {
        self.since.filter(|_| self.on).map(|t| t + FLICKER_PERIOD)
    }

    /// Whether a swap is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.next_swap().is_some_and(|t| now >= t)
    }

    /// Swaps when a period has passed since the last swap; returns whether it swapped.
    pub fn tick(&mut self, now: Instant) -> bool {
        let Some(since) = self.since.filter(|_| self.on) else {
            return false;
        };
        if now.saturating_duration_since(since) < FLICKER_PERIOD {
            return false;
        }
        self.showing_followup = !self.showing_followup;
        self.since = Some(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::DVec3;

    /// A follow-up whose estimate turns 90 degrees about z and shifts.
    fn turned() -> Followup {
        let mut f = Followup::new(ViewStudy::empty(), Vec3::new(10.0, 0.0, 0.0), 1);
        f.set_registration(Registration {
            to_baseline: DAffine3::from_translation(DVec3::new(5.0, -3.0, 20.0))
                * DAffine3::from_rotation_z(std::f64::consts::FRAC_PI_2),
            quality: Some(0.9),
            summary: "test".into(),
        });
        f
    }

    #[test]
    fn points_and_planes_map_through_a_turned_and_shifted_estimate() {
        let f = turned();
        // (1, 0, 0) turns to (0, 1, 0), then shifts.
        let b = f.to_baseline_point(Vec3::new(1.0, 0.0, 0.0));
        assert!(b.abs_diff_eq(Vec3::new(5.0, -2.0, 20.0), 1e-5), "{b}");
        let back = f.to_followup_point(b);
        assert!(back.abs_diff_eq(Vec3::X, 1e-5), "{back}");
        // A click at a pixel of the follow-up pane lands where the same pixel of the
        // baseline pane is: the shared cursor stays on the same anatomy.
        let plane = MprPlane {
            origin: Vec3::new(-100.0, -80.0, 12.0),
            u: Vec3::X * 0.5,
            v: Vec3::Y * 0.5,
        };
        let fp = f.plane_in_followup(&plane);
        for (x, y) in [(0.0, 0.0), (37.5, 120.25), (300.0, 4.0)] {
            let clicked = fp.patient_at(x, y);
            let cursor = f.to_baseline_point(clicked);
            assert!(cursor.abs_diff_eq(plane.patient_at(x, y), 1e-3), "{cursor}");
        }
        assert!(
            (fp.u.length() - 0.5).abs() < 1e-6,
            "rigid: pixels stay square"
        );
    }

    #[test]
    fn nudges_compose_on_top_of_the_estimate() {
        let mut f = turned();
        let p = Vec3::new(3.0, 4.0, 5.0);
        let before = f.to_baseline_point(p);
        f.add_nudge(Vec3::new(1.0, 0.0, 0.0), 0.0);
        f.add_nudge(Vec3::new(0.0, 0.0, -1.0), 0.0);
        let after = f.to_baseline_point(p);
        assert!((after - before).abs_diff_eq(Vec3::new(1.0, 0.0, -1.0), 1e-5));
        // A turn about z through the pivot leaves the pivot's column in place and keeps
        // distances.
        let mut g = turned();
        g.add_nudge(Vec3::ZERO, 90.0);
        let pivot_source = turned().to_followup_point(g.pivot);
        assert!(g.to_baseline_point(pivot_source).abs_diff_eq(g.pivot, 1e-4));
        let q = turned().to_followup_point(g.pivot + Vec3::X * 10.0);
        let turned_q = g.to_baseline_point(q);
        assert!(
            turned_q.abs_diff_eq(g.pivot + Vec3::Y * 10.0, 1e-4),
            "{turned_q}"
        );
        assert_ne!(
            g.key(),
            turned().key(),
            "a nudge redraws the follow-up panes"
        );
    }

    #[test]
    fn flicker_swaps_each_period_and_stops_on_the_baseline() {
        let t0 = Instant::now();
        let mut f = Flicker::default();
        assert!(!f.tick(t0 + FLICKER_PERIOD * 2), "off: never swaps");
        f.set(true, t0);
        assert!(!f.showing_followup());
        assert_eq!(f.next_swap(), Some(t0 + FLICKER_PERIOD));
        assert!(!f.due(t0) && f.due(t0 + FLICKER_PERIOD));
        assert!(!f.tick(t0 + FLICKER_PERIOD / 2));
        assert!(f.tick(t0 + FLICKER_PERIOD));
        assert!(f.showing_followup());
        assert!(!f.tick(t0 + FLICKER_PERIOD + FLICKER_PERIOD / 2));
        assert!(f.tick(t0 + FLICKER_PERIOD * 2));
        assert!(!f.showing_followup());
        f.tick(t0 + FLICKER_PERIOD * 3);
        assert!(f.showing_followup());
        f.set(false, t0 + FLICKER_PERIOD * 3);
        assert!(!f.showing_followup() && !f.on());
    }
}
