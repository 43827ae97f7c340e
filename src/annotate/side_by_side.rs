//! Two images next to each other, each with a label at its top left: the follow-up key
//! frame (baseline left, follow-up right).

use image::{Rgba, RgbaImage};

use super::labels::draw_label;

/// Pixels between the two images (black).
const GAP: u32 = 4;
/// Inset of a label from its image's corner, pixels.
const LABEL_INSET: i32 = 8;

/// `left` and `right` side by side on black, as tall as the taller, each labelled.
pub fn side_by_side(
    (left, left_label): (&RgbaImage, &str),
    (right, right_label): (&RgbaImage, &str),
) -> RgbaImage {
    let height = left.height().max(right.height());
    let width = left.width() + GAP + right.width();
    let mut out = RgbaImage::from_pixel(width, height, Rgba([0, 0, 0, 255]));
    image::imageops::overlay(&mut out, left, 0, 0);
    image::imageops::overlay(&mut out, right, i64::from(left.width() + GAP), 0);
    draw_label(&mut out, LABEL_INSET, LABEL_INSET, left_label);
    let right_x = (left.width() + GAP) as i32 + LABEL_INSET;
    draw_label(&mut out, right_x, LABEL_INSET, right_label);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_images_and_labels_land_in_their_halves() {
        let a = RgbaImage::from_pixel(40, 30, Rgba([200, 0, 0, 255]));
        let b = RgbaImage::from_pixel(50, 20, Rgba([0, 0, 200, 255]));
        let out = side_by_side((&a, "baseline"), (&b, "follow-up"));
        assert_eq!(out.dimensions(), (40 + GAP + 50, 30));
        assert_eq!(out.get_pixel(39, 29)[0], 200);
        assert_eq!(out.get_pixel(40 + GAP + 49, 19)[2], 200);
        assert_eq!(out.get_pixel(40 + GAP + 49, 25), &Rgba([0, 0, 0, 255]));
    }
}
