//! Frame timing measured from inside the viewer (`petct view --frame-stats OUT.json`):
//! the wall time between consecutive presented frames while a script runs, and the time
//! from the last input to the full-quality 3D image.

use std::path::Path;
use std::time::Instant;

/// One presented frame.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FrameTime {
    /// Milliseconds since recording started.
    pub t_ms: f64,
    /// Milliseconds since the previous presented frame.
    pub frame_ms: f64,
}

/// The JSON written at the end.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FrameReport {
    pub frames: Vec<FrameTime>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    /// Milliseconds from the last input to the full-quality 3D image, per settled input.
    pub refine_ms: Vec<f64>,
    /// Frames left out of the figures because a study was being opened (loading and
    /// uploading are not interaction).
    pub excluded_frames: usize,
    /// When the first study reached the screen.
    pub startup: super::startup::StartupFigures,
}

/// Collects frame times.
#[derive(Debug)]
pub struct FrameStats {
    start: Instant,
    last_frame: Option<Instant>,
    frames: Vec<FrameTime>,
    excluded: usize,
    /// The last input not yet followed by a full-quality 3D image.
    pending_input: Option<Instant>,
    refine_ms: Vec<f64>,
    /// Set by the viewer before writing.
    pub startup: super::startup::StartupFigures,
}

impl Default for FrameStats {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            last_frame: None,
            frames: Vec::new(),
            excluded: 0,
            pending_input: None,
            refine_ms: Vec::new(),
            startup: Default::default(),
        }
    }
}

impl FrameStats {
    /// Records a presented frame; `opening` marks frames spent opening a study, which are
    /// counted but left out of the figures.
    pub fn frame_presented(&mut self, opening: bool) {
        let now = Instant::now();
        if let Some(last) = self.last_frame {
            if opening {
                self.excluded += 1;
            } else {
                self.frames.push(FrameTime {
                    t_ms: ms(now - self.start),
                    frame_ms: ms(now - last),
                });
            }
        }
        self.last_frame = Some(now);
    }

    /// Notes an input that changes what is shown.
    pub fn input(&mut self) {
        self.pending_input = Some(Instant::now());
    }

    /// Notes that the 3D pane now shows its full-quality image.
    pub fn refined(&mut self) {
        if let Some(t) = self.pending_input.take() {
            self.refine_ms.push(ms(t.elapsed()));
        }
    }

    /// The figures so far.
    pub fn report(&self) -> FrameReport {
        let mut sorted: Vec<f64> = self.frames.iter().map(|f| f.frame_ms).collect();
        sorted.sort_by(f64::total_cmp);
        FrameReport {
            frames: self.frames.clone(),
            p50_ms: percentile(&sorted, 0.50),
            p95_ms: percentile(&sorted, 0.95),
            max_ms: sorted.last().copied().unwrap_or(0.0),
            refine_ms: self.refine_ms.clone(),
            excluded_frames: self.excluded,
            startup: self.startup,
        }
    }

    /// Writes the report as JSON (atomically).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(&self.report())?;
        crate::render::export::write_atomic(json.as_bytes(), path)?;
        Ok(())
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The value below which a fraction `q` of the sorted values lie (nearest rank).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.95), 95.0);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
        assert_eq!(percentile(&[], 0.95), 0.0);
    }

    #[test]
    fn opening_frames_are_left_out_and_refinement_is_timed() {
        let mut s = FrameStats::default();
        s.frame_presented(false);
        s.frame_presented(true);
        s.frame_presented(false);
        s.input();
        s.refined();
        s.refined();
        let r = s.report();
        assert_eq!(r.frames.len(), 1);
        assert_eq!(r.excluded_frames, 1);
        assert_eq!(r.refine_ms.len(), 1, "one input, one refinement");
    }
}
