//! Drawing text with the built-in font: styles, sizes, outlines.

use image::RgbaImage;

use super::glyphs::{glyph, ADVANCE_X, ADVANCE_Y, GLYPH_H, GLYPH_W};
use super::raster::{saturate_i32, saturate_u32, Mask, Rect};

/// Largest honoured text scale; larger values are clamped (keeps all arithmetic in range).
const MAX_SCALE: u32 = 4096;

/// Colour of text outlines (the alpha is taken from the text colour).
const SHADOW_RGB: [u8; 3] = [0, 0, 0];
/// Colour of annotation text, colour bar ticks and border.
pub(super) const WHITE: [u8; 4] = [255, 255, 255, 255];

/// How text is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// Integer magnification of the 5 x 9 font (0 counts as 1, above 4096 as 4096).
    pub scale: u32,
    /// Straight RGBA colour of the glyphs.
    pub colour: [u8; 4],
    /// Surround the glyphs with a dark outline ([`TextStyle::outline_px`] wide) so the text reads
    /// on any background.
    pub shadow: bool,
}

impl Default for TextStyle {
    /// White, scale 1, with outline.
    fn default() -> Self {
        TextStyle {
            scale: 1,
            colour: WHITE,
            shadow: true,
        }
    }
}

impl TextStyle {
    /// A style without outline.
    pub fn new(scale: u32, colour: [u8; 4]) -> Self {
        TextStyle {
            scale,
            colour,
            shadow: false,
        }
    }

    /// The same style with the outline switched on.
    pub fn with_shadow(self) -> Self {
        TextStyle {
            shadow: true,
            ..self
        }
    }

    /// Width of the outline in image pixels: 0 without shadow, else `ceil(scale / 2)`
    /// (1 px at scales 1 and 2).
    pub fn outline_px(&self) -> u32 {
        if self.shadow {
            effective_scale(self.scale).div_ceil(2)
        } else {
            0
        }
    }

    /// Size of `text` including the outline on every side.
    pub fn size(&self, text: &str) -> (u32, u32) {
        let (w, h) = text_size(text, self.scale);
        let o = 2 * self.outline_px();
        if w == 0 || h == 0 {
            (0, 0)
        } else {
            (w.saturating_add(o), h.saturating_add(o))
        }
    }
}

/// The text scale that suits an image: 1 below 300 px, 2 from 300 px, 3 from 1500 px, by the
/// smaller of width and height.
pub fn text_scale_for(width: u32, height: u32) -> u32 {
    match width.min(height) {
        0..300 => 1,
        300..1500 => 2,
        _ => 3,
    }
}

/// Size in pixels of the glyph box of `text` at `scale`, without outline: the widest line times
/// 6 px per character less the trailing 1 px gap, by 9 px per line plus 2 px between lines, all
/// times `scale`. Lines are separated by `\n`; empty text is (0, 0).
pub fn text_size(text: &str, scale: u32) -> (u32, u32) {
    if text.is_empty() {
        return (0, 0);
    }
    let s = i64::from(effective_scale(scale));
    let lines = text.split('\n').count() as i64;
    let widest = text
        .split('\n')
        .map(|line| line.chars().count() as i64)
        .max()
        .unwrap_or(0);
    let w = if widest == 0 {
        0
    } else {
        (widest * ADVANCE_X - 1).saturating_mul(s)
    };
    let h = (lines * ADVANCE_Y - 2).saturating_mul(s);
    (saturate_u32(w), saturate_u32(h))
}

/// Draws `text` with its glyph box's top-left corner at (`x`, `y`), without outline.
/// See [`draw_text_styled`].
pub fn draw_text(img: &mut RgbaImage, x: i32, y: i32, text: &str, scale: u32, colour: [u8; 4]) {
    draw_text_styled(img, x, y, text, &TextStyle::new(scale, colour));
}

/// Draws `text` with its glyph box's top-left corner at (`x`, `y`); the outline, when on,
/// extends [`TextStyle::outline_px`] beyond that box on every side. `\n` starts a new line.
/// Every pixel is blended once, so translucent colours stay even.
pub fn draw_text_styled(img: &mut RgbaImage, x: i32, y: i32, text: &str, style: &TextStyle) {
    let s = i64::from(effective_scale(style.scale));
    let o = i64::from(style.outline_px());
    let (w, h) = text_size(text, style.scale);
    let bounds = Rect::new(i64::from(x), i64::from(y), i64::from(w), i64::from(h));
    let Some(visible) = bounds.expand(o).intersect(&Rect::of_image(img)) else {
        return;
    };
    let mut mask = Mask::new(visible);
    for (line_no, line) in text.split('\n').enumerate() {
        let gy = i64::from(y) + line_no as i64 * ADVANCE_Y * s;
        for (col, ch) in line.chars().enumerate() {
            let gx = i64::from(x) + col as i64 * ADVANCE_X * s;
            let cell = Rect::new(gx, gy, GLYPH_W as i64 * s, GLYPH_H as i64 * s).expand(o);
            if cell.intersect(&visible).is_none() {
                continue;
            }
            for (row, bits) in glyph(ch).iter().enumerate() {
                for c in 0..GLYPH_W {
                    if bits & (0b10000 >> c) != 0 {
                        let dot = Rect::new(gx + c as i64 * s, gy + row as i64 * s, s, s);
                        if o > 0 {
                            mask.mark(&dot.expand(o), Mask::OUTLINE);
                        }
                        mask.mark(&dot, Mask::INK);
                    }
                }
            }
        }
    }
    let [r, g, b] = SHADOW_RGB;
    mask.composite(img, [r, g, b, style.colour[3]], style.colour);
}

/// White outlined text at the scale that suits `img`.
pub(super) fn annotation_style(img: &RgbaImage) -> TextStyle {
    TextStyle::new(text_scale_for(img.width(), img.height()), WHITE).with_shadow()
}

/// Distance kept from the image edges: 1/64 of the smaller side, at least 2 px.
pub(super) fn edge_margin(width: u32, height: u32) -> i64 {
    (i64::from(width.min(height)) / 64).max(2)
}

/// [`draw_text_styled`] with i64 coordinates, saturated into i32 (which clips the same way).
pub(super) fn draw_at(img: &mut RgbaImage, x: i64, y: i64, text: &str, style: &TextStyle) {
    draw_text_styled(img, saturate_i32(x), saturate_i32(y), text, style);
}

/// The scale actually drawn: 0 counts as 1, and at most [`MAX_SCALE`].
pub(super) fn effective_scale(scale: u32) -> u32 {
    scale.clamp(1, MAX_SCALE)
}

#[cfg(test)]
mod tests {
    use image::Rgba;

    use super::*;
    use crate::annotate::test_util::{changed_bbox, BG};

    #[test]
    fn text_size_matches_drawn_extent() {
        for scale in 1..=3 {
            let mut img = RgbaImage::from_pixel(120, 80, BG);
            // 'H' touches the left and top edges, 'g' the bottom and right ones.
            draw_text(&mut img, 7, 5, "Hg", scale, [255, 255, 255, 255]);
            let (w, h) = text_size("Hg", scale);
            assert_eq!((w, h), (11 * scale, 9 * scale));
            assert_eq!(changed_bbox(&img, BG), Some((7, 5, 7 + w, 5 + h)));

            let mut img = RgbaImage::from_pixel(120, 80, BG);
            let style = TextStyle::new(scale, [255, 200, 0, 255]).with_shadow();
            draw_text_styled(&mut img, 7, 5, "Hg", &style);
            let o = style.outline_px();
            let (sw, sh) = style.size("Hg");
            assert_eq!((sw, sh), (w + 2 * o, h + 2 * o));
            assert_eq!(
                changed_bbox(&img, BG),
                Some((7 - o, 5 - o, 7 - o + sw, 5 - o + sh))
            );
        }
        assert_eq!(text_size("", 2), (0, 0));
        assert_eq!(text_size("ab\nc", 1), (11, 20));
        assert_eq!(text_size("x", 0), text_size("x", 1));
    }

    #[test]
    fn shadow_outlines_glyphs_in_dark() {
        let mut img = RgbaImage::from_pixel(30, 30, Rgba([255, 255, 255, 255]));
        draw_text_styled(&mut img, 5, 5, "I", &TextStyle::default());
        // Left of the 'I' top bar (which starts at column 1) is outline.
        assert_eq!(*img.get_pixel(5, 5), Rgba([0, 0, 0, 255]));
        assert_eq!(*img.get_pixel(6, 5), Rgba([255, 255, 255, 255]));
        // Far away untouched.
        assert_eq!(*img.get_pixel(25, 25), Rgba([255, 255, 255, 255]));
    }

    #[test]
    fn translucent_text_blends() {
        let mut img = RgbaImage::from_pixel(10, 10, Rgba([0, 0, 0, 255]));
        draw_text(&mut img, 0, 0, "|", 1, [255, 255, 255, 128]);
        let p = img.get_pixel(2, 0);
        assert!((127..=129).contains(&p[0]), "{p:?}");
        assert_eq!(p[3], 255);
    }

    #[test]
    fn text_scale_by_image_size() {
        assert_eq!(text_scale_for(64, 64), 1);
        assert_eq!(text_scale_for(299, 1000), 1);
        assert_eq!(text_scale_for(512, 512), 2);
        assert_eq!(text_scale_for(1920, 1080), 2);
        assert_eq!(text_scale_for(1500, 1500), 3);
    }
}
