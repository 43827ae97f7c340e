//! The PET colour bar: gradient, border, round tick values and a units title.

use image::RgbaImage;

use super::raster::{fill_rect, unit_to_u8, Rect};
use super::text::{draw_at, edge_margin, text_scale_for, text_size, TextStyle, WHITE};
use crate::render::colormap::Colormap;

/// Draws a vertical colour bar for `colormap` along the right edge of `img`, `hi` at the top and
/// `lo` at the bottom, with a thin white border, tick labels at `lo`, `hi` and a few round
/// values between (e.g. 0, 1, 2, 3, 4, 5 for SUV 0-5 on a large image; 0, 2.5, 5 on a small
/// one) and `label` (e.g. "SUV", "Bq/mL", "HU") above.
///
/// The bar is 1/20 of the width wide (at least 3 px) and 60 % of the height tall, centred
/// vertically, and leaves a column free at the right edge for an orientation letter (see
/// [`draw_orientation_letters`](super::draw_orientation_letters)) unless the image is too narrow for that. Everything stays in the
/// right half of the image: text uses [`text_scale_for`] with an outline, and ticks or text that
/// would leave the image or reach into its left half are skipped. Nothing is drawn on images
/// smaller than 16 x 16.
pub fn draw_colorbar(img: &mut RgbaImage, colormap: Colormap, lo: f64, hi: f64, label: &str) {
    let Some(bar) = ColorbarLayout::new(img.width(), img.height()) else {
        return;
    };
    bar.draw_bar(img, colormap);
    bar.draw_ticks(img, lo, hi);
    bar.draw_title(img, label);
}

/// Where the parts of a colour bar go on an image of a given size.
#[derive(Debug, Clone, Copy)]
struct ColorbarLayout {
    /// The gradient (inside the border).
    bar: Rect,
    /// Border width.
    border: i64,
    /// Gap between parts.
    gap: i64,
    /// Text style for tick labels and the title.
    style: TextStyle,
    /// Left limit for text: the middle of the image.
    text_min_x: i64,
    /// Right limit for text.
    text_max_x: i64,
    /// Image height.
    height: i64,
}

impl ColorbarLayout {
    /// Smallest image side on which a bar is drawn.
    const MIN_SIDE: u32 = 16;

    fn new(width: u32, height: u32) -> Option<Self> {
        if width.min(height) < Self::MIN_SIDE {
            return None;
        }
        let (w, h) = (i64::from(width), i64::from(height));
        let style = TextStyle::new(text_scale_for(width, height), WHITE).with_shadow();
        let margin = edge_margin(width, height);
        let border = i64::from(style.scale.div_ceil(2));
        let bar_w = (w / 20).max(3);
        // Keep a column free for a right-edge orientation letter where the bar still fits in
        // the right half of the image with its border and outline.
        let letter_w = i64::from(style.size("M").0);
        let fits = |right: i64| right - bar_w - border > w / 2;
        let mut right = w - margin - letter_w - margin - border;
        if !fits(right) {
            right = w - margin - border;
        }
        if !fits(right) {
            return None;
        }
        let bar_h = (h * 3 / 5).max(2);
        let bar = Rect::new(right - bar_w, (h - bar_h) / 2, bar_w, bar_h);
        Some(ColorbarLayout {
            bar,
            border,
            gap: i64::from(style.scale).max(1) * 2,
            style,
            text_min_x: w / 2,
            text_max_x: w - margin,
            height: h,
        })
    }

    /// The gradient inside a white border with a dark hairline around it.
    fn draw_bar(&self, img: &mut RgbaImage, colormap: Colormap) {
        let frame = self.bar.expand(self.border);
        fill_rect(img, &frame.expand(1), [0, 0, 0, 255]);
        fill_rect(img, &frame, WHITE);
        let rows = self.bar.height();
        for r in 0..rows {
            let t = if rows > 1 {
                1.0 - r as f32 / (rows - 1) as f32
            } else {
                1.0
            };
            let [cr, cg, cb] = colormap.sample(t).map(unit_to_u8);
            let line = Rect::new(self.bar.x0, self.bar.y0 + r, self.bar.width(), 1);
            fill_rect(img, &line, [cr, cg, cb, 255]);
        }
    }

    /// Tick marks and labels at `lo`, `hi` and round values between.
    fn draw_ticks(&self, img: &mut RgbaImage, lo: f64, hi: f64) {
        if !(lo.is_finite() && hi.is_finite()) {
            return;
        }
        let (_, text_h) = text_size("0", self.style.scale);
        let min_gap_px = 1.5 * f64::from(text_h) + 2.0 * f64::from(self.style.outline_px());
        let span_px = (self.bar.height() - 1) as f64;
        let mut values = vec![lo, hi];
        values.extend(intermediate_ticks(lo, hi, span_px, min_gap_px));
        for v in values {
            let y = self.value_y(v, lo, hi);
            self.draw_tick(img, y, &format_value(v));
        }
    }

    /// Row of value `v` on the bar (`hi` on the top row, `lo` on the bottom row).
    fn value_y(&self, v: f64, lo: f64, hi: f64) -> i64 {
        let frac = if hi != lo { (v - lo) / (hi - lo) } else { 0.0 };
        let frac = frac.clamp(0.0, 1.0);
        self.bar.y0 + ((1.0 - frac) * (self.bar.height() - 1) as f64).round() as i64
    }

    fn draw_tick(&self, img: &mut RgbaImage, y: i64, text: &str) {
        let len = 2 + 2 * i64::from(self.style.scale);
        let right = self.bar.x0 - self.border;
        if right - len - 1 < self.text_min_x {
            return;
        }
        // A white tick joining the border, outlined in black above, below and on the left.
        let black = [0, 0, 0, 255];
        fill_rect(img, &Rect::new(right - len - 1, y - 1, len + 1, 1), black);
        fill_rect(img, &Rect::new(right - len - 1, y + 1, len + 1, 1), black);
        fill_rect(img, &Rect::new(right - len - 1, y, 1, 1), black);
        fill_rect(img, &Rect::new(right - len, y, len, 1), WHITE);
        let (w, h) = text_size(text, self.style.scale);
        let (w, h) = (i64::from(w), i64::from(h));
        let o = i64::from(self.style.outline_px());
        let x = right - len - 1 - self.gap - w;
        // Centre on the tick by the cap height (7 of the 9 rows), kept inside the image.
        let cap = 7 * i64::from(self.style.scale);
        let ty = (y - cap / 2).clamp(o, (self.height - h - o).max(o));
        if x - o >= self.text_min_x && ty + h + o <= self.height {
            draw_at(img, x, ty, text, &self.style);
        }
    }

    /// The title above the bar, clear of the top tick label, centred on the bar where it fits.
    fn draw_title(&self, img: &mut RgbaImage, label: &str) {
        let (w, h) = text_size(label, self.style.scale);
        let (w, h) = (i64::from(w), i64::from(h));
        if w == 0 {
            return;
        }
        let o = i64::from(self.style.outline_px());
        let cap = 7 * i64::from(self.style.scale);
        let bottom = self.bar.y0 - self.border - (cap - cap / 2) - o - self.gap;
        let y = bottom - o - h;
        let centre = self.bar.x0 + self.bar.width() / 2;
        let x = (centre - w / 2).min(self.text_max_x - o - w);
        if y - o >= 0 && x - o >= self.text_min_x {
            draw_at(img, x, y, label, &self.style);
        }
    }
}

/// Round values strictly between `lo` and `hi` to label on a bar `span_px` pixels long whose
/// labels need `min_gap_px` between them.
///
/// Candidate steps are 1, 2, 2.5 and 5 times a power of ten; values closer than half a step
/// (or `min_gap_px`) to either end are dropped. The step chosen is the one with the best score:
/// 2 or 3 values is ideal (each value more or fewer costs 1), a step that does not divide the
/// range evenly from `lo` costs 1.25 and a 2.5 step costs 0.25; ties go to more values.
fn intermediate_ticks(lo: f64, hi: f64, span_px: f64, min_gap_px: f64) -> Vec<f64> {
    let (a, b) = (lo.min(hi), lo.max(hi));
    let range = b - a;
    if !(range > 0.0 && range.is_finite() && span_px > 0.0) {
        return Vec::new();
    }
    let px_per_unit = span_px / range;
    let top_exp = range.log10().floor() as i32;
    let mut best: Option<(f64, Vec<f64>)> = None;
    for exp in (top_exp - 3)..=top_exp {
        for mantissa in [1.0, 2.0, 2.5, 5.0] {
            let step = mantissa * 10f64.powi(exp);
            if step * px_per_unit < min_gap_px {
                continue;
            }
            let end_gap = (0.5 * step).max(min_gap_px / px_per_unit) * (1.0 - 1e-9);
            let first = (a / step).ceil() as i64;
            let last = (b / step).floor() as i64;
            let values: Vec<f64> = (first..=last)
                .map(|k| k as f64 * step)
                .filter(|v| v - a >= end_gap && b - v >= end_gap)
                .collect();
            if values.is_empty() {
                continue;
            }
            let n = values.len() as f64;
            let count_cost = if n < 2.0 { 2.0 - n } else { (n - 3.0).max(0.0) };
            let is_multiple = |x: f64| ((x / step) - (x / step).round()).abs() < 1e-6;
            let uneven_cost = if is_multiple(a) && is_multiple(b) {
                0.0
            } else {
                1.25
            };
            let mantissa_cost = if mantissa == 2.5 { 0.25 } else { 0.0 };
            let score = count_cost + uneven_cost + mantissa_cost;
            let better = match &best {
                None => true,
                Some((s, v)) => score < *s - 1e-9 || (score < *s + 1e-9 && values.len() > v.len()),
            };
            if better {
                best = Some((score, values));
            }
        }
    }
    best.map(|(_, v)| v).unwrap_or_default()
}

/// Formats a tick value with about four significant digits and no trailing zeros ("0", "2.5",
/// "5", "-500", "0.0012"); from 100 000 up with a "k" or "M" suffix ("250k", "1.5M").
fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return "?".to_owned();
    }
    let (scaled, suffix) = match v.abs() {
        a if a >= 1e8 => (v / 1e6, "M"),
        a if a >= 1e5 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let magnitude = if scaled == 0.0 {
        0
    } else {
        scaled.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    let mut text = format!("{scaled:.decimals$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    text + suffix
}

#[cfg(test)]
mod tests {
    use image::Rgba;

    use super::*;
    use crate::annotate::test_util::{changed_bbox, BG};

    #[test]
    fn colorbar_touches_only_the_right_half() {
        let sizes = [
            (16, 16),
            (17, 300),
            (300, 17),
            (40, 40),
            (64, 64),
            (100, 300),
            (512, 512),
            (800, 400),
            (1600, 1600),
        ];
        for (w, h) in sizes {
            for (lo, hi, label) in [
                (0.0, 5.0, "SUV"),
                (-1000.0, 1000.0, "HU"),
                (0.0, 25000.0, "Bq/mL"),
            ] {
                let mut img = RgbaImage::from_pixel(w, h, BG);
                draw_colorbar(&mut img, Colormap::HotIron, lo, hi, label);
                let (x0, y0, x1, y1) = changed_bbox(&img, BG).expect("something drawn");
                assert!(x0 >= w / 2, "{w}x{h} {label}: drawn from x={x0}");
                assert!(x1 > w * 2 / 3 && y0 < h / 4 && y1 > h * 3 / 4, "{w}x{h}");
            }
        }
    }

    #[test]
    fn colorbar_gradient_runs_from_hi_to_lo() {
        let mut img = RgbaImage::from_pixel(512, 512, BG);
        draw_colorbar(&mut img, Colormap::Grey, 0.0, 5.0, "SUV");
        let layout = ColorbarLayout::new(512, 512).expect("layout");
        let x = (layout.bar.x0 + layout.bar.width() / 2) as u32;
        assert_eq!(
            *img.get_pixel(x, layout.bar.y0 as u32),
            Rgba([255, 255, 255, 255])
        );
        assert_eq!(
            *img.get_pixel(x, (layout.bar.y1 - 1) as u32),
            Rgba([0, 0, 0, 255])
        );
        let (bar_w, bar_h) = (layout.bar.width(), layout.bar.height());
        assert_eq!(bar_w, 512 / 20);
        assert_eq!(bar_h, 512 * 3 / 5);
        assert!(layout.bar.x1 < 512 - 10, "room for an orientation letter");
    }

    #[test]
    fn small_image_colorbar() {
        let mut img = RgbaImage::from_pixel(64, 64, BG);
        draw_colorbar(&mut img, Colormap::HotIron, 0.0, 5.0, "SUV");
        let (x0, _, x1, _) = changed_bbox(&img, BG).expect("drawn");
        assert!(x0 >= 32 && x1 <= 64);
        // Some label text (white) is drawn left of the bar.
        let layout = ColorbarLayout::new(64, 64).expect("layout");
        let white = img
            .enumerate_pixels()
            .filter(|(x, _, p)| i64::from(*x) < layout.bar.x0 - 4 && p[0] == 255 && p[2] == 255)
            .count();
        assert!(white > 5, "{white}");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            intermediate_ticks(0.0, 5.0, 306.0, 29.0),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(intermediate_ticks(0.0, 5.0, 37.0, 13.5), [2.5]);
        assert_eq!(
            intermediate_ticks(-1000.0, 1000.0, 306.0, 29.0),
            [-500.0, 0.0, 500.0]
        );
        assert_eq!(
            intermediate_ticks(5.0, 0.0, 306.0, 29.0),
            [1.0, 2.0, 3.0, 4.0]
        );
        assert_eq!(intermediate_ticks(0.0, 10.0, 306.0, 29.0), [2.5, 5.0, 7.5]);
        assert_eq!(
            intermediate_ticks(0.0, 20000.0, 306.0, 29.0),
            [5000.0, 10000.0, 15000.0]
        );
        assert!(intermediate_ticks(1.0, 1.0, 306.0, 29.0).is_empty());
        assert!(intermediate_ticks(0.0, f64::INFINITY, 306.0, 29.0).is_empty());
        assert!(intermediate_ticks(0.0, 5.0, 10.0, 29.0).is_empty());
        // Odd ranges still get values not crowding the ends.
        let t = intermediate_ticks(0.3, 4.7, 306.0, 29.0);
        assert!(
            !t.is_empty() && t.iter().all(|v| *v > 0.8 && *v < 4.2),
            "{t:?}"
        );
    }

    #[test]
    fn values_format_without_trailing_zeros() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (2.5, "2.5"),
            (5.0, "5"),
            (-500.0, "-500"),
            (0.0012, "0.0012"),
            (1234.5678, "1235"),
            (25000.0, "25000"),
            (250_000.0, "250k"),
            (1.5e8, "150M"),
            (1e-9, "0"),
            (f64::NAN, "?"),
        ];
        for (v, want) in cases {
            assert_eq!(format_value(v), want, "{v}");
        }
    }
}
