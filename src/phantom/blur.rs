//! Separable Gaussian smoothing of a voxel array (edge voxels replicated beyond the grid).

use rayon::prelude::*;

/// A normalised, sampled Gaussian kernel of standard deviation `sigma` voxels, radius
/// `ceil(3 sigma)`; the identity kernel when `sigma` is not positive.
pub(crate) fn gaussian_kernel(sigma: f64) -> Vec<f32> {
    if sigma.is_nan() || sigma <= 0.0 {
        return vec![1.0];
    }
    let radius = (3.0 * sigma).ceil() as i64;
    let w: Vec<f64> = (-radius..=radius)
        .map(|i| (-0.5 * (i as f64 / sigma).powi(2)).exp())
        .collect();
    let sum: f64 = w.iter().sum();
    w.iter().map(|v| (v / sum) as f32).collect()
}

/// Index `i + offset` clamped to `0..n`.
#[inline]
fn clamped(i: usize, offset: i64, n: usize) -> usize {
    (i as i64 + offset).clamp(0, n as i64 - 1) as usize
}

fn blur_rows(data: &mut [f32], nx: usize, kernel: &[f32]) {
    let r = (kernel.len() / 2) as i64;
    data.par_chunks_mut(nx).for_each(|row| {
        let src = row.to_vec();
        for (i, out) in row.iter_mut().enumerate() {
            *out = kernel
                .iter()
                .enumerate()
                .map(|(k, w)| w * src[clamped(i, k as i64 - r, nx)])
                .sum();
        }
    });
}

/// Weighted sum of whole rows (or slices) `src[clamped(j + k - r) * len ..]` into `out`.
fn accumulate_lines(out: &mut [f32], src: &[f32], j: usize, n: usize, kernel: &[f32]) {
    let r = (kernel.len() / 2) as i64;
    let len = out.len();
    out.fill(0.0);
    for (k, &w) in kernel.iter().enumerate() {
        let jj = clamped(j, k as i64 - r, n);
        let line = &src[jj * len..(jj + 1) * len];
        for (o, s) in out.iter_mut().zip(line) {
            *o += w * s;
        }
    }
}

fn blur_columns(data: &mut [f32], nx: usize, ny: usize, kernel: &[f32]) {
    data.par_chunks_mut(nx * ny).for_each(|slice| {
        let src = slice.to_vec();
        for (y, out) in slice.chunks_mut(nx).enumerate() {
            accumulate_lines(out, &src, y, ny, kernel);
        }
    });
}

fn blur_slices(data: &mut [f32], nx: usize, ny: usize, nz: usize, kernel: &[f32]) {
    let src = data.to_vec();
    data.par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(z, out)| accumulate_lines(out, &src, z, nz, kernel));
}

/// Smooths `data` (x fastest, dimensions `dims`) in place with a Gaussian of standard
/// deviation `sigma` voxels along each axis.
pub(crate) fn blur3d(data: &mut [f32], dims: [usize; 3], sigma: [f64; 3]) {
    let [nx, ny, nz] = dims;
    if nx * ny * nz == 0 || data.len() != nx * ny * nz {
        return;
    }
    let kx = gaussian_kernel(sigma[0]);
    let ky = gaussian_kernel(sigma[1]);
    let kz = gaussian_kernel(sigma[2]);
    if kx.len() > 1 {
        blur_rows(data, nx, &kx);
    }
    if ky.len() > 1 {
        blur_columns(data, nx, ny, &ky);
    }
    if kz.len() > 1 {
        blur_slices(data, nx, ny, nz, &kz);
    }
}

/// Factor by which [`blur3d`] with these sigmas scales the variance of white noise (away from
/// the edges): the product over axes of the sum of squared kernel weights.
pub(crate) fn white_noise_variance_factor(sigma: [f64; 3]) -> f64 {
    sigma
        .iter()
        .map(|&s| {
            gaussian_kernel(s)
                .iter()
                .map(|w| (*w as f64).powi(2))
                .sum::<f64>()
        })
        .product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_is_normalised_with_the_right_variance() {
        let k = gaussian_kernel(2.0);
        assert_eq!(k.len(), 13);
        let sum: f32 = k.iter().sum();
        assert!((sum - 1.0).abs() < 1e-6);
        let var: f64 = k
            .iter()
            .enumerate()
            .map(|(i, w)| (i as f64 - 6.0).powi(2) * *w as f64)
            .sum();
        assert!((var - 4.0).abs() < 0.05, "{var}");
        assert_eq!(gaussian_kernel(0.0), vec![1.0]);
    }

    #[test]
    fn blur_preserves_mass_and_spreads_a_point() {
        let dims = [21, 17, 15];
        let mut v = vec![0.0f32; 21 * 17 * 15];
        let centre = 10 + 21 * (8 + 17 * 7);
        v[centre] = 1000.0;
        blur3d(&mut v, dims, [1.5, 1.0, 0.8]);
        let total: f32 = v.iter().sum();
        assert!((total - 1000.0).abs() < 0.1, "{total}");
        assert!(v[centre] < 100.0);
        // Symmetric about the centre along x.
        assert!((v[centre - 2] - v[centre + 2]).abs() < 1e-3);
        // Variance along x equals sigma^2.
        let var_x: f64 = (0..21)
            .map(|x| {
                let s: f32 = (0..17 * 15).map(|yz| v[x + 21 * yz]).sum();
                (x as f64 - 10.0).powi(2) * s as f64 / 1000.0
            })
            .sum();
        assert!((var_x - 2.25).abs() < 0.05, "{var_x}");
    }

    #[test]
    fn constant_stays_constant() {
        let dims = [8, 9, 10];
        let mut v = vec![3.0f32; 720];
        blur3d(&mut v, dims, [1.0, 2.0, 3.0]);
        assert!(v.iter().all(|x| (x - 3.0).abs() < 1e-5));
    }
}
