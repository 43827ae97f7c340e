//! Summary statistics of voxel values.

use rayon::prelude::*;

/// Minimum, maximum and mean of a set of voxel values (non-finite values ignored).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct VolumeStats {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

impl VolumeStats {
    /// Computes the statistics in parallel chunks.
    pub fn of(values: &[f32]) -> Self {
        Self::of_voxels(values)
    }

    /// [`Self::of`] for any voxel type.
    pub fn of_voxels<T: super::Voxel>(values: &[T]) -> Self {
        let (min, max, sum, n) = values
            .par_chunks(1 << 16)
            .map(|c| {
                c.iter().map(|v| v.to_f32()).filter(|v| v.is_finite()).fold(
                    (f64::INFINITY, f64::NEG_INFINITY, 0.0f64, 0usize),
                    |(lo, hi, s, n), v| {
                        let v = v as f64;
                        (lo.min(v), hi.max(v), s + v, n + 1)
                    },
                )
            })
            .reduce(
                || (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0),
                |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 + b.2, a.3 + b.3),
            );
        if n == 0 {
            return Self {
                min: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        Self {
            min,
            max,
            mean: sum / n as f64,
        }
    }

    /// The same statistics after multiplying every value by a positive factor.
    pub fn scaled(&self, factor: f64) -> Self {
        Self {
            min: self.min * factor,
            max: self.max * factor,
            mean: self.mean * factor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_nan_and_handles_empty() {
        let s = VolumeStats::of(&[1.0, f32::NAN, 3.0]);
        assert_eq!((s.min, s.max, s.mean), (1.0, 3.0, 2.0));
        assert_eq!(VolumeStats::of(&[]).max, 0.0);
    }
}
