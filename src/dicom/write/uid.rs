//! New unique identifiers under the UUID-derived root `2.25` (PS3.5 B.2).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A new UID `2.25.<decimal of 128 random bits>` (at most 44 characters).
///
/// The bits come from two independently keyed SipHash instances (std's `RandomState`, seeded
/// from the operating system's randomness) over the time, the process id and a counter, so
/// two calls never repeat within a process and collide across machines no more often than
/// random UUIDs do.
pub fn new_uid() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let half = || {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(nanos);
        h.write_u32(std::process::id());
        h.write_u64(n);
        h.finish()
    };
    let v = (u128::from(half()) << 64 | u128::from(half())).max(1);
    format!("2.25.{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_distinct_and_valid() {
        let a = new_uid();
        let b = new_uid();
        assert_ne!(a, b);
        for u in [a, b] {
            assert!(u.len() <= 64 && u.starts_with("2.25."));
            let tail = &u[5..];
            assert!(tail.bytes().all(|c| c.is_ascii_digit()) && !tail.starts_with('0'));
        }
    }
}
