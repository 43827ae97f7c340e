//! When the first study reached the screen: the first slice, the first (coarse) 3D image
//! and the first full-quality 3D image, timed from the viewer's start and logged once
//! each (`RUST_LOG=petct=info`), and reported in `--frame-stats`.

use std::time::{Duration, Instant};

/// Seconds from the viewer's start to each first.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StartupFigures {
    /// A slice pane showed the study.
    pub first_slice_s: Option<f64>,
    /// The 3D pane showed its first (coarse) image.
    pub first_3d_s: Option<f64>,
    /// The 3D pane's full-quality image was complete.
    pub refined_3d_s: Option<f64>,
}

/// Watches presented frames for the firsts of [`StartupFigures`].
#[derive(Debug)]
pub struct StartupClock {
    start: Instant,
    figures: StartupFigures,
}

impl Default for StartupClock {
    fn default() -> Self {
        Self::starting_at(Instant::now())
    }
}

/// What a presented frame showed of the study.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown {
    /// A slice pane showed the study.
    pub slice: bool,
    /// The 3D pane showed an image of it, coarse or full.
    pub volume: bool,
    /// The 3D pane's full-quality image was complete.
    pub refined: bool,
}

impl StartupClock {
    /// A clock started at `start`.
    pub fn starting_at(start: Instant) -> Self {
        Self {
            start,
            figures: StartupFigures::default(),
        }
    }

    /// Notes a presented frame; logs each first once.
    pub fn presented(&mut self, shown: Shown) {
        let now = self.start.elapsed();
        let f = &mut self.figures;
        note(&mut f.first_slice_s, shown.slice, now, "first slice");
        note(&mut f.first_3d_s, shown.volume, now, "first 3D image");
        note(
            &mut f.refined_3d_s,
            shown.refined,
            now,
            "full-quality 3D image",
        );
    }

    /// The firsts so far.
    pub fn figures(&self) -> StartupFigures {
        self.figures
    }
}

fn note(slot: &mut Option<f64>, shown: bool, now: Duration, what: &str) {
    if shown && slot.is_none() {
        *slot = Some(now.as_secs_f64());
        tracing::info!("{what} on screen {:.2} s after start", now.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_first_is_kept_once_and_in_order_of_arrival() {
        let mut c = StartupClock::starting_at(Instant::now() - Duration::from_secs(2));
        c.presented(Shown::default());
        assert_eq!(c.figures(), StartupFigures::default());
        c.presented(Shown {
            slice: true,
            ..Default::default()
        });
        let first = c.figures().first_slice_s.unwrap();
        assert!(first >= 2.0);
        c.presented(Shown {
            slice: true,
            volume: true,
            refined: false,
        });
        let f = c.figures();
        assert_eq!(f.first_slice_s, Some(first));
        assert!(f.first_3d_s.unwrap() >= first);
        assert!(f.refined_3d_s.is_none());
    }
}
