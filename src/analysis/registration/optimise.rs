//! A derivative-free optimiser: coordinate descent with shrinking steps (a pattern search),
//! robust to the small plateaus trilinear sampling leaves in the similarity.

/// Settings of one [`maximise`] run.
pub(crate) struct Steps {
    /// Initial step per parameter.
    pub initial: [f64; 6],
    /// Stop when every step is below `initial * min_fraction`.
    pub min_fraction: f64,
    /// Stop after this many evaluations.
    pub max_evaluations: usize,
}

/// Maximises `f` from `x`; returns the best point, its value and the evaluations spent.
pub(crate) fn maximise(
    mut x: [f64; 6],
    steps: &Steps,
    mut f: impl FnMut(&[f64; 6]) -> f64,
) -> ([f64; 6], f64, usize) {
    let mut best = f(&x);
    let mut evaluations = 1;
    let mut step = steps.initial;
    let mut scale = 1.0;
    while scale >= steps.min_fraction && evaluations < steps.max_evaluations {
        let mut improved = false;
        for i in 0..6 {
            for dir in [1.0, -1.0] {
                // Walk while it pays, doubling the stride (a cheap line search).
                let mut stride = step[i] * dir;
                loop {
                    let mut trial = x;
                    trial[i] += stride;
                    let v = f(&trial);
                    evaluations += 1;
                    if v > best {
                        best = v;
                        x = trial;
                        improved = true;
                        stride *= 2.0;
                    } else {
                        break;
                    }
                    if evaluations >= steps.max_evaluations {
                        return (x, best, evaluations);
                    }
                }
            }
        }
        if !improved {
            scale *= 0.5;
            step = steps.initial.map(|s| s * scale);
        }
    }
    (x, best, evaluations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_peak_of_a_coupled_quadratic() {
        let target = [3.0, -2.0, 1.5, 0.5, -0.25, 2.0];
        let f = |x: &[f64; 6]| {
            let d: Vec<f64> = (0..6).map(|i| x[i] - target[i]).collect();
            -(d.iter().map(|v| v * v).sum::<f64>() + d[0] * d[5])
        };
        let steps = Steps {
            initial: [1.0; 6],
            min_fraction: 1e-4,
            max_evaluations: 20_000,
        };
        let (x, _, _) = maximise([0.0; 6], &steps, f);
        for i in 0..6 {
            assert!((x[i] - target[i]).abs() < 1e-2, "{x:?}");
        }
    }
}
