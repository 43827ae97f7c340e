//! A small line chart drawn on the CPU: values of several series over a few time points (for
//! the follow-up report: each lesion's SULpeak or MTV, and the liver reference, per scan).
//! Written as a PNG with the report; the viewer draws the same data with egui.

use image::RgbaImage;

use super::raster::{blend_pixel, fill_rect, Rect};
use super::text::{draw_text, text_size};

const BACKGROUND: [u8; 4] = [24, 24, 28, 255];
const AXIS: [u8; 4] = [170, 170, 170, 255];
const GRID: [u8; 4] = [60, 60, 66, 255];
const TEXT: [u8; 4] = [225, 225, 225, 255];
/// Horizontal grid lines (and y tick labels).
const Y_TICKS: usize = 4;

/// One line of the chart: a value per time point (`None`: not measured then, e.g. a lesion
/// that appeared later), drawn in `colour` and named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    pub label: String,
    pub values: Vec<Option<f64>>,
    pub colour: [u8; 4],
}

/// Draws `series` over the time points named `x_labels` into an image of `size` pixels, with a
/// title, a y axis from 0 (or the lowest negative value) to a rounded maximum, and a legend.
/// Any size, including tiny ones, draws without panicking.
pub fn line_chart(
    title: &str,
    y_label: &str,
    x_labels: &[String],
    series: &[ChartSeries],
    size: (u32, u32),
) -> RgbaImage {
    let (w, h) = size;
    let mut img = RgbaImage::from_pixel(w, h, image::Rgba(BACKGROUND));
    let scale = if w >= 600 { 2 } else { 1 };
    let line_h = text_size("Ag", scale).1 as i64 + 4;
    draw_text(&mut img, 8, 6, &format!("{title} ({y_label})"), scale, TEXT);
    let legend_rows = series.len() as i64;
    let plot = Rect {
        x0: 64 * scale as i64,
        y0: 12 + line_h,
        x1: i64::from(w) - 16,
        y1: i64::from(h) - line_h * (legend_rows + 2),
    };
    if plot.width() < 8 || plot.height() < 8 {
        return img;
    }
    let (lo, hi) = value_range(series);
    let y_of = |v: f64| plot.y1 - ((v - lo) / (hi - lo) * plot.height() as f64).round() as i64;
    let n = x_labels.len().max(1);
    // Room for half a date label on either side of the first and last point.
    let pad = x_labels
        .iter()
        .map(|l| text_size(l, scale).0 as i64 / 2 + 4)
        .max()
        .unwrap_or(12)
        .min(plot.width() / 4);
    let x_of = |i: usize| {
        if n == 1 {
            (plot.x0 + plot.x1) / 2
        } else {
            plot.x0 + pad + (plot.width() - 2 * pad) * i as i64 / (n as i64 - 1)
        }
    };
    for t in 0..=Y_TICKS {
        let v = lo + (hi - lo) * t as f64 / Y_TICKS as f64;
        let y = y_of(v);
        fill_rect(&mut img, &Rect::new(plot.x0, y, plot.width(), 1), GRID);
        let label = format!("{v:.1}");
        let lw = text_size(&label, scale).0 as i64;
        draw_text(
            &mut img,
            (plot.x0 - lw - 6) as i32,
            (y - line_h / 2 + 2) as i32,
            &label,
            scale,
            TEXT,
        );
    }
    fill_rect(
        &mut img,
        &Rect::new(plot.x0, plot.y0, 1, plot.height()),
        AXIS,
    );
    fill_rect(
        &mut img,
        &Rect::new(plot.x0, plot.y1, plot.width(), 1),
        AXIS,
    );
    for (i, label) in x_labels.iter().enumerate() {
        let lw = text_size(label, scale).0 as i64;
        draw_text(
            &mut img,
            (x_of(i) - lw / 2) as i32,
            (plot.y1 + 6) as i32,
            label,
            scale,
            TEXT,
        );
    }
    for s in series {
        let points: Vec<Option<(i64, i64)>> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (x_of(i), y_of(v))))
            .collect();
        for pair in points.windows(2) {
            if let [Some(a), Some(b)] = pair {
                draw_line(&mut img, *a, *b, s.colour);
            }
        }
        for (x, y) in points.iter().flatten() {
            fill_rect(&mut img, &Rect::new(x - 3, y - 3, 7, 7), s.colour);
        }
    }
    for (row, s) in series.iter().enumerate() {
        let y = plot.y1 + line_h * (row as i64 + 2);
        fill_rect(&mut img, &Rect::new(plot.x0, y + 2, 14, 6), s.colour);
        draw_text(
            &mut img,
            (plot.x0 + 20) as i32,
            y as i32,
            &s.label,
            scale,
            TEXT,
        );
    }
    img
}

/// The y range: from 0 (or below, for negative values) to the largest value with 10% room,
/// never empty.
fn value_range(series: &[ChartSeries]) -> (f64, f64) {
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied());
    let (mut lo, mut hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    hi *= 1.1;
    lo *= 1.1;
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    (lo, hi)
}

/// A 2-pixel-wide line from `a` to `b` (Bresenham, thickened downwards).
fn draw_line(img: &mut RgbaImage, a: (i64, i64), b: (i64, i64), colour: [u8; 4]) {
    let (mut x, mut y) = a;
    let (dx, dy) = ((b.0 - a.0).abs(), -(b.1 - a.1).abs());
    let (sx, sy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
    let mut err = dx + dy;
    loop {
        blend_pixel(img, x, y, colour);
        blend_pixel(img, x, y + 1, colour);
        if (x, y) == b {
            return;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Vec<ChartSeries> {
        vec![
            ChartSeries {
                label: "Lesion 1 SULpeak".into(),
                values: vec![Some(8.0), Some(4.0)],
                colour: [255, 120, 0, 255],
            },
            ChartSeries {
                label: "New lesion".into(),
                values: vec![None, Some(6.0)],
                colour: [255, 0, 255, 255],
            },
        ]
    }

    #[test]
    fn a_falling_line_goes_down_and_markers_land_in_the_plot() {
        let x = vec!["2026-01-01".to_string(), "2026-04-01".to_string()];
        let img = line_chart("SULpeak", "SUL", &x, &series(), (400, 300));
        // For a look: target/chart_preview.png.
        let preview =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/chart_preview.png");
        crate::render::export::write_png_atomic(&img, &preview).unwrap();
        let orange: Vec<(u32, u32)> = img
            .enumerate_pixels()
            .filter(|(_, _, p)| p.0 == [255, 120, 0, 255])
            .map(|(x, y, _)| (x, y))
            .collect();
        // Left marker (8.0) above right marker (4.0): the leftmost orange pixels sit higher.
        let left = orange
            .iter()
            .filter(|(x, _)| *x < 200)
            .map(|p| p.1)
            .min()
            .unwrap();
        let right = orange
            .iter()
            .filter(|(x, _)| *x >= 200 && *x < 390)
            .map(|p| p.1)
            .min()
            .unwrap();
        assert!(left < right, "8.0 is drawn above 4.0: {left} vs {right}");
        // A series with a missing first value draws only its later marker.
        let magenta = img.pixels().filter(|p| p.0 == [255, 0, 255, 255]).count();
        assert!(magenta > 40, "marker and legend swatch drawn");
    }

    #[test]
    fn any_size_and_no_data_are_safe() {
        for size in [(0, 0), (1, 1), (20, 10), (64, 64), (1200, 200)] {
            line_chart("t", "y", &[], &[], size);
            line_chart("t", "y", &["a".into()], &series(), size);
        }
    }
}
