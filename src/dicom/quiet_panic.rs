//! Panics inside third-party parsers and decoders become the file's error, silently.
//!
//! dicom-rs and the codecs under it can panic on corrupt input (an RLE segment that points
//! outside the data, for one). [`catch_quietly`] runs such code under `catch_unwind`; while
//! it does, a process-wide panic hook (installed once, wrapping whatever hook was there)
//! stays silent for this thread, so neither Rust's panic message nor a backtrace reaches
//! the terminal, and the caller turns the message into an error naming the file. Panics
//! anywhere else still print as usual: they are bugs in this crate.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

thread_local! {
    /// How many [`catch_quietly`] calls are active on this thread.
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static INSTALL: Once = Once::new();
/// Panics contained so far, in this process.
static CONTAINED: AtomicU64 = AtomicU64::new(0);

/// How many panics [`catch_quietly`] has contained in this process (for diagnostics).
pub fn contained_panics() -> u64 {
    CONTAINED.load(Ordering::Relaxed)
}

/// Runs `f`; a panic inside it comes back as `Err(message)` and prints nothing.
pub fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(q.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get().saturating_sub(1)));
    result.map_err(|p| {
        CONTAINED.fetch_add(1, Ordering::Relaxed);
        panic_message(p.as_ref())
    })
}

/// The text of a panic payload.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown failure".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_thread_goes_on() {
        #[allow(clippy::panic)]
        let r: Result<(), String> = catch_quietly(|| panic!("index out of bounds: 7"));
        assert_eq!(r, Err("index out of bounds: 7".into()));
        assert_eq!(catch_quietly(|| 5), Ok(5));
        assert_eq!(QUIET.with(Cell::get), 0);
    }
}
