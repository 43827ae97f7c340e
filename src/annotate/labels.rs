//! Orientation letters at the image edges and lesion labels.

use image::RgbaImage;

use super::text::{
    annotation_style, draw_at, draw_text_styled, edge_margin, effective_scale, text_size,
};

/// Draws orientation letters (e.g. "R", "L", "A", "P", "S", "I") centred on the middle of each
/// edge, inset by a small margin, in white with an outline at [`text_scale_for`](super::text_scale_for). Empty strings
/// draw nothing.
pub fn draw_orientation_letters(
    img: &mut RgbaImage,
    left: &str,
    right: &str,
    top: &str,
    bottom: &str,
) {
    let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
    let style = annotation_style(img);
    let m = edge_margin(img.width(), img.height()) + i64::from(style.outline_px());
    let width = |t: &str| i64::from(text_size(t, style.scale).0);
    // Place by the cap height (7 of the 9 font rows) so capitals sit centred and as close to
    // the bottom edge as to the top one.
    let cap = 7 * i64::from(effective_scale(style.scale));
    draw_at(img, m, (ih - cap) / 2, left, &style);
    draw_at(img, iw - m - width(right), (ih - cap) / 2, right, &style);
    draw_at(img, (iw - width(top)) / 2, m, top, &style);
    draw_at(img, (iw - width(bottom)) / 2, ih - m - cap, bottom, &style);
}

/// Draws a lesion label with its top-left corner at (`x`, `y`): white with an outline, at the
/// same [`text_scale_for`](super::text_scale_for) scale as the colour bar text.
pub fn draw_label(img: &mut RgbaImage, x: i32, y: i32, text: &str) {
    let style = annotation_style(img);
    draw_text_styled(img, x, y, text, &style);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotate::test_util::{changed_bbox, BG};

    #[test]
    fn orientation_letters_at_edge_middles() {
        let mut img = RgbaImage::from_pixel(200, 100, BG);
        draw_orientation_letters(&mut img, "R", "", "", "");
        let (x0, y0, _, y1) = changed_bbox(&img, BG).expect("drawn");
        assert!(x0 <= 4);
        assert!(y0.abs_diff(100 - y1) <= 3, "vertically centred: {y0}..{y1}");
        let mut img = RgbaImage::from_pixel(200, 100, BG);
        draw_orientation_letters(&mut img, "", "", "A", "P");
        let (x0, y0, x1, y1) = changed_bbox(&img, BG).expect("drawn");
        assert!(
            x0.abs_diff(200 - x1) <= 2,
            "horizontally centred: {x0}..{x1}"
        );
        assert!(y0 <= 4 && y1 >= 96);
    }
}
