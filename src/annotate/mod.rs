//! CPU drawing of annotations onto exported key frames: a built-in bitmap font, colour bars,
//! orientation letters and lesion labels, all onto an [`image::RgbaImage`].
//!
//! Everything clips at the image borders: any position (negative, huge) and any size of image
//! (including 0 x 0) is accepted without panicking. Colours are straight (non-premultiplied)
//! RGBA8 and blend "over" the existing pixels.
//!
//! The font is a 5 x 9 pixel bitmap (capitals and digits 7 pixels high, descenders 2 below) on a
//! 6 x 11 cell, scaled by an integer factor. It covers printable ASCII plus `°` and `µ`; any
//! other character draws as a box.

mod chart;
mod colorbar;
mod glyphs;
mod labels;
mod mip_image;
mod raster;
mod side_by_side;
mod text;

pub use chart::{line_chart, ChartSeries};
pub use colorbar::draw_colorbar;
pub use labels::{draw_label, draw_orientation_letters};
pub use mip_image::{fit as fit_mip, mip_image, MipStyle};
pub use side_by_side::side_by_side;
pub use text::{draw_text, draw_text_styled, text_scale_for, text_size, TextStyle};

/// Helpers shared by the tests of the submodules.
#[cfg(test)]
pub(crate) mod test_util {
    use image::{Rgba, RgbaImage};

    /// Bounding box (x0, y0, x1, y1) exclusive of pixels that differ from `background`.
    pub(crate) fn changed_bbox(
        img: &RgbaImage,
        background: Rgba<u8>,
    ) -> Option<(u32, u32, u32, u32)> {
        let mut bbox: Option<(u32, u32, u32, u32)> = None;
        for (x, y, p) in img.enumerate_pixels() {
            if *p != background {
                bbox = Some(match bbox {
                    None => (x, y, x + 1, y + 1),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1)),
                });
            }
        }
        bbox
    }

    pub(crate) const BG: Rgba<u8> = Rgba([40, 40, 40, 255]);
}

#[cfg(test)]
mod tests {
    use image::{Rgba, RgbaImage};

    use super::test_util::BG;
    use super::*;
    use crate::render::colormap::Colormap;

    #[test]
    fn any_position_and_scale_is_safe() {
        let coords = [
            i32::MIN,
            -1_000_000,
            -7,
            -1,
            0,
            3,
            60,
            63,
            64,
            1_000_000,
            i32::MAX,
        ];
        let mut img = RgbaImage::from_pixel(64, 64, BG);
        for &x in &coords {
            for &y in &coords {
                for scale in [0, 1, 3, 1000, u32::MAX] {
                    let style = TextStyle::new(scale, [255, 0, 0, 200]).with_shadow();
                    draw_text_styled(&mut img, x, y, "Ag°[x]\n€", &style);
                }
                draw_label(&mut img, x, y, "SUVmax 12.3");
            }
        }
        for (w, h) in [
            (0, 0),
            (1, 1),
            (0, 50),
            (5, 3),
            (15, 15),
            (16, 16),
            (17, 300),
        ] {
            let mut img = RgbaImage::new(w, h);
            draw_text(&mut img, -2, -2, "hello", 2, [255; 4]);
            draw_colorbar(&mut img, Colormap::Pet, 0.0, 5.0, "SUV");
            draw_orientation_letters(&mut img, "R", "L", "A", "P");
            draw_label(&mut img, 0, 0, "x");
        }
    }

    /// Writes preview PNGs to `target/overlay_preview*.png` for a visual check: the colour bar
    /// for SUV 0-5, orientation letters, a lesion label and sample text.
    #[test]
    fn write_preview() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        let dark = Rgba([40, 40, 40, 255]);
        let light = Rgba([235, 235, 235, 255]);
        let cases = [
            (512, 512, dark, Colormap::HotIron, "overlay_preview.png"),
            (
                512,
                512,
                light,
                Colormap::InvertedGrey,
                "overlay_preview_light.png",
            ),
            (64, 64, dark, Colormap::Pet, "overlay_preview_64.png"),
            (
                1600,
                900,
                dark,
                Colormap::Rainbow,
                "overlay_preview_wide.png",
            ),
        ];
        for (w, h, background, map, name) in cases {
            let mut img = RgbaImage::from_pixel(w, h, background);
            draw_colorbar(&mut img, map, 0.0, 5.0, "SUV");
            draw_orientation_letters(&mut img, "R", "L", "A", "P");
            if w >= 300 {
                let s = text_scale_for(w, h);
                let style = TextStyle::new(s, [255, 255, 0, 255]).with_shadow();
                let title = format!("{}, SUV 0-5 (1.2 mL) 45° [ok]", map.label());
                draw_text_styled(&mut img, 8, 8 + 12 * s as i32, &title, &style);
                draw_label(&mut img, w as i32 / 4, h as i32 / 2, "SUVmax 7.3 g/mL_x=1%");
                let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ\nabcdefghijklmnopqrstuvwxyz\n0123456789 .,-+/:()%_=°[]";
                draw_text(
                    &mut img,
                    8,
                    h as i32 - 44,
                    alphabet,
                    1,
                    [200, 200, 200, 255],
                );
            }
            crate::render::export::write_png_atomic(&img, &dir.join(name)).expect("write preview");
        }
    }
}
