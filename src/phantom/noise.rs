//! Seeded, counter-based pseudo-random numbers (splitmix64), so that every voxel's noise depends
//! only on the seed and the voxel index and parallel generation stays deterministic.

/// The splitmix64 finaliser: a strong 64-bit mix of `x`.
#[inline]
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit hash of (seed, counter).
#[inline]
pub(crate) fn hash2(seed: u64, counter: u64) -> u64 {
    splitmix64(seed ^ splitmix64(counter))
}

/// Uniform in (0, 1], from the top 53 bits of `bits` (never exactly zero, so `ln` is finite).
#[inline]
fn unit_open(bits: u64) -> f64 {
    ((bits >> 11) as f64 + 1.0) * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal deviate for (seed, counter), by the Box-Muller transform.
#[inline]
pub(crate) fn normal(seed: u64, counter: u64) -> f64 {
    let u1 = unit_open(hash2(seed, counter));
    let u2 = unit_open(hash2(seed ^ 0x5851_F42D_4C95_7F2D, counter));
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A cheap, approximately normal deviate (mean 0, variance 1) for (seed, counter): the
/// Irwin-Hall sum of four 16-bit uniforms, rescaled. Bounded to about +-3.5; good enough for
/// cosmetic CT noise where a full Box-Muller per voxel would cost too much.
#[inline]
pub(crate) fn approx_normal(seed: u64, counter: u64) -> f32 {
    let h = hash2(seed, counter);
    let sum = (h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + (h >> 48);
    // Sum of four U(0, 1) has mean 2 and variance 1/3.
    let u = sum as f32 * (1.0 / 65536.0);
    (u - 2.0) * 3.0_f32.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(f: impl Fn(u64) -> f64, n: u64) -> (f64, f64) {
        let mean = (0..n).map(&f).sum::<f64>() / n as f64;
        let var = (0..n).map(|i| (f(i) - mean).powi(2)).sum::<f64>() / n as f64;
        (mean, var)
    }

    #[test]
    fn normal_has_unit_moments() {
        let (mean, var) = moments(|i| normal(42, i), 200_000);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }

    #[test]
    fn approx_normal_has_unit_moments() {
        let (mean, var) = moments(|i| approx_normal(7, i) as f64, 200_000);
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.02, "var {var}");
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        assert_eq!(normal(1, 5), normal(1, 5));
        assert_ne!(normal(1, 5), normal(2, 5));
        assert_ne!(hash2(1, 5), hash2(1, 6));
    }
}
