//! GPU test helpers: a headless context (or a skip), and image comparison with
//! actual/expected/diff PNGs on failure.
#![allow(dead_code)]

use std::path::PathBuf;

use petct::render::context::GpuContext;

/// A headless GPU context, or `None` (with a message) when there is no adapter and
/// `PETCT_REQUIRE_GPU` is not `1`.
pub fn gpu() -> Option<GpuContext> {
    match GpuContext::new_headless() {
        Ok(ctx) => {
            eprintln!("GPU: {}", ctx.adapter_description());
            Some(ctx)
        }
        Err(e) => {
            if std::env::var("PETCT_REQUIRE_GPU").as_deref() == Ok("1") {
                panic!("no GPU adapter and PETCT_REQUIRE_GPU=1: {e}");
            }
            eprintln!("skipping GPU test: {e}");
            None
        }
    }
}

/// Folder for images written by tests.
pub fn output_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-output");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Mean and 99th percentile of absolute per-channel (RGB) differences, in 0..1.
pub fn difference(a: &image::RgbaImage, b: &image::RgbaImage) -> (f64, f64) {
    assert_eq!(a.dimensions(), b.dimensions());
    let mut diffs: Vec<u8> = a
        .pixels()
        .zip(b.pixels())
        .flat_map(|(p, q)| (0..3).map(move |c| p[c].abs_diff(q[c])))
        .collect();
    let mean = diffs.iter().map(|&d| d as f64).sum::<f64>() / diffs.len() as f64 / 255.0;
    diffs.sort_unstable();
    let p99 = diffs[(diffs.len() - 1) * 99 / 100] as f64 / 255.0;
    (mean, p99)
}

/// Asserts two images agree (mean absolute difference and 99th percentile within
/// bounds); on failure writes `NAME-actual.png`, `NAME-expected.png` and `NAME-diff.png`.
pub fn assert_images_close(
    name: &str,
    actual: &image::RgbaImage,
    expected: &image::RgbaImage,
    max_mean: f64,
    max_p99: f64,
) {
    let (mean, p99) = difference(actual, expected);
    let keep = std::env::var("PETCT_SAVE_TEST_IMAGES").as_deref() == Ok("1");
    if mean <= max_mean && p99 <= max_p99 && !keep {
        return;
    }
    let dir = output_dir();
    let _ = actual.save(dir.join(format!("{name}-actual.png")));
    let _ = expected.save(dir.join(format!("{name}-expected.png")));
    let diff = image::RgbaImage::from_fn(actual.width(), actual.height(), |x, y| {
        let (p, q) = (actual.get_pixel(x, y), expected.get_pixel(x, y));
        let d = |c: usize| p[c].abs_diff(q[c]).saturating_mul(8);
        image::Rgba([d(0), d(1), d(2), 255])
    });
    let _ = diff.save(dir.join(format!("{name}-diff.png")));
    if mean <= max_mean && p99 <= max_p99 {
        return;
    }
    panic!(
        "{name}: mean difference {:.2}/255 (max {:.2}), 99th percentile {:.2}/255 (max {:.2}); images in {}",
        mean * 255.0,
        max_mean * 255.0,
        p99 * 255.0,
        max_p99 * 255.0,
        dir.display()
    );
}
