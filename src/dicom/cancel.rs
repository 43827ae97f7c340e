//! A flag another thread sets to stop a load early.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use super::error::DicomError;

/// Shared "please stop" flag for a load. Clones share the flag: keep one, hand a clone to
/// the loader (through [`super::LoadOptions::cancel`]), and call [`CancelFlag::cancel`] to make
/// the loader return [`DicomError::Cancelled`] at its next check (between files while
/// scanning, between slices while decoding). The default flag is not cancelled.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A new flag, not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder of this flag (or a clone) to stop. Cannot be undone: a cancelled
    /// flag stays cancelled, use a new one for the next load.
    pub fn cancel(&self) {
        // Relaxed is enough: the flag carries no data, and the loader only needs to see it
        // eventually.
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelFlag::cancel`] was called on this flag or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(DicomError::Cancelled)` once cancelled, for `?` at check points.
    pub fn check(&self) -> Result<(), DicomError> {
        if self.is_cancelled() {
            Err(DicomError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// How far a long load has come (files fetched from a server, then slices decoded), shared
/// between the loading thread and the window that shows it. Clones share the counters.
#[derive(Debug, Clone, Default)]
pub struct LoadProgress(Arc<(AtomicUsize, AtomicUsize, AtomicBool)>);

impl LoadProgress {
    /// Starts counting decoded slices, `total` of them (after any fetching).
    pub fn start_decoding(&self, total: usize) {
        self.0 .0.store(0, Ordering::Relaxed);
        self.0 .1.store(total, Ordering::Relaxed);
        self.0 .2.store(true, Ordering::Relaxed);
    }

    /// Whether the counts are slices decoded (else files fetched).
    pub fn decoding(&self) -> bool {
        self.0 .2.load(Ordering::Relaxed)
    }

    /// Sets how many steps there are in all (0: unknown).
    pub fn set_total(&self, total: usize) {
        self.0 .1.store(total, Ordering::Relaxed);
    }

    /// One more step done.
    pub fn advance(&self) {
        self.0 .0.fetch_add(1, Ordering::Relaxed);
    }

    /// Steps done and steps in all (0 when unknown).
    pub fn counts(&self) -> (usize, usize) {
        (
            self.0 .0.load(Ordering::Relaxed),
            self.0 .1.load(Ordering::Relaxed),
        )
    }

    /// The fraction done, when the total is known.
    pub fn fraction(&self) -> Option<f32> {
        let (done, total) = self.counts();
        (total > 0).then(|| (done as f32 / total as f32).min(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let flag = CancelFlag::new();
        let other = flag.clone();
        assert!(!other.is_cancelled());
        assert!(flag.check().is_ok());
        other.cancel();
        assert!(flag.is_cancelled());
        assert!(matches!(flag.check(), Err(DicomError::Cancelled)));
        assert!(!CancelFlag::default().is_cancelled());
    }

    #[test]
    fn progress_is_shared_and_bounded() {
        let p = LoadProgress::default();
        assert_eq!(p.fraction(), None);
        let q = p.clone();
        q.set_total(4);
        for _ in 0..5 {
            q.advance();
        }
        assert_eq!(p.counts(), (5, 4));
        assert_eq!(p.fraction(), Some(1.0));
    }
}
