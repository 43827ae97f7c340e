//! A flag another thread sets to stop a load early.

use std::sync::atomic::{AtomicBool, Ordering};
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
}
