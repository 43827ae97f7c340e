//! The PET MIP as an image: the projection through a colour map, resampled to square
//! millimetres, with lesion outlines. Used by the MIP pane and its key frames.

use image::{Rgba, RgbaImage};

use crate::analysis::mip::MipProjection;
use crate::analysis::QUIET_LABEL_BIT;
use crate::render::colormap::Colormap;

/// Outline colours, as the slice panes draw them (shaders/common.wgsl).
const OUTLINE: Rgba<u8> = Rgba([51, 255, 77, 255]);
const OUTLINE_SELECTED: Rgba<u8> = Rgba([26, 230, 255, 255]);
// Blue-grey, as shaders/common.wgsl's LESION_GREY: visible on a grey image.
const OUTLINE_QUIET: Rgba<u8> = Rgba([140, 158, 199, 255]);
/// The reference mask's contour, as shaders/common.wgsl's REFERENCE_MAGENTA.
const OUTLINE_REFERENCE: Rgba<u8> = Rgba([255, 64, 230, 255]);

/// How to draw a MIP.
#[derive(Debug, Clone, PartialEq)]
pub struct MipStyle {
    /// Window in the projection's stored values (display window / display factor).
    pub window: [f32; 2],
    pub colormap: Colormap,
    /// Draw lesion outlines.
    pub outlines: bool,
    /// Lesion drawn in the selection colour, as a value of `shown` (0: none).
    pub selected: u16,
    /// How each lesion id of the projection is drawn: `shown[id]` is 0 (hidden), the id
    /// (green) or the id with [`QUIET_LABEL_BIT`] (grey), as
    /// `HotspotResult::display_labels`; ids beyond it are drawn green.
    pub shown: Vec<u16>,
    /// Outline the projection's reference silhouette (when it was made with one).
    pub reference: bool,
}

/// The projection as a `size` (width, height) RGBA image: the colour map's background,
/// with the projection as large as fits with square millimetres, centred (as
/// [`fit`] places it).
pub fn mip_image(p: &MipProjection, style: &MipStyle, size: (u32, u32)) -> RgbaImage {
    let (w, h) = (size.0.max(1), size.1.max(1));
    let [lo, hi] = style.window;
    let span = (hi - lo).max(1e-6);
    let colour = |v: f32| {
        let [r, g, b] = style.colormap.sample((v - lo) / span);
        Rgba([to_u8(r), to_u8(g), to_u8(b), 255])
    };
    let mut img = RgbaImage::from_pixel(w, h, colour(lo));
    let (left, top, fw, fh) = fit((w as f32, h as f32), p);
    // Continuous projection coordinates of an image pixel's centre.
    let source = |x: u32, y: u32| {
        (
            f64::from((x as f32 + 0.5 - left) / fw.max(1e-6)) * p.width as f64 - 0.5,
            f64::from((y as f32 + 0.5 - top) / fh.max(1e-6)) * p.height as f64 - 0.5,
        )
    };
    let mut labels = vec![0u16; (w * h) as usize];
    let reference = style.reference && !p.reference.is_empty();
    let mut silhouette = vec![false; if reference { (w * h) as usize } else { 0 }];
    let x_range = (left.max(0.0) as u32)..((left + fw).ceil().min(w as f32) as u32);
    let y_range = (top.max(0.0) as u32)..((top + fh).ceil().min(h as f32) as u32);
    for y in y_range {
        for x in x_range.clone() {
            let (sx, sy) = source(x, y);
            if let Some(v) = bilinear(p, sx, sy) {
                img.put_pixel(x, y, colour(v));
            }
            if style.outlines {
                let id = nearest_label(p, sx, sy);
                labels[(y * w + x) as usize] =
                    style.shown.get(usize::from(id)).copied().unwrap_or(id);
            }
            if reference {
                silhouette[(y * w + x) as usize] = p
                    .pixel_at(sx, sy)
                    .is_some_and(|(c, r)| p.reference[r * p.width + c]);
            }
        }
    }
    if style.outlines {
        draw_outlines(&mut img, &labels, style.selected);
    }
    if reference {
        draw_reference_outline(&mut img, &silhouette);
    }
    img
}

/// One-pixel contour of the reference silhouette: the pixel after each change (right or
/// down), where lesion outlines take the pixel before it, so agreeing contours both show.
fn draw_reference_outline(img: &mut RgbaImage, inside: &[bool]) {
    let (w, h) = img.dimensions();
    let at = |x: u32, y: u32| inside[(y * w + x) as usize];
    for y in 0..h {
        for x in 0..w {
            let r = at(x, y);
            let left = if x > 0 { at(x - 1, y) } else { r };
            let up = if y > 0 { at(x, y - 1) } else { r };
            if r != left || r != up {
                img.put_pixel(x, y, OUTLINE_REFERENCE);
            }
        }
    }
}

/// Where the projection sits in an image or pane of `size` (any unit): as large as fits
/// with square millimetres, centred. Returns (left, top, width, height).
pub fn fit(size: (f32, f32), p: &MipProjection) -> (f32, f32, f32, f32) {
    let (w_mm, h_mm) = p.size_mm();
    let scale = (size.0 / w_mm.max(1e-6) as f32).min(size.1 / h_mm.max(1e-6) as f32);
    let (w, h) = (w_mm as f32 * scale, h_mm as f32 * scale);
    ((size.0 - w) / 2.0, (size.1 - h) / 2.0, w, h)
}

fn to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The projection's value at a continuous pixel position, blending the pixels whose rays
/// met the volume; `None` outside it.
fn bilinear(p: &MipProjection, x: f64, y: f64) -> Option<f32> {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = ((x - x0) as f32, (y - y0) as f32);
    let mut sum = 0.0;
    let mut weight = 0.0;
    for (dx, dy, wgt) in [
        (0.0, 0.0, (1.0 - fx) * (1.0 - fy)),
        (1.0, 0.0, fx * (1.0 - fy)),
        (0.0, 1.0, (1.0 - fx) * fy),
        (1.0, 1.0, fx * fy),
    ] {
        let (cx, cy) = (x0 + dx, y0 + dy);
        if cx < 0.0 || cy < 0.0 || cx as usize >= p.width || cy as usize >= p.height {
            continue;
        }
        let v = p.values[cy as usize * p.width + cx as usize];
        if v.is_finite() && wgt > 0.0 {
            sum += v * wgt;
            weight += wgt;
        }
    }
    (weight > 0.0).then(|| sum / weight)
}

fn nearest_label(p: &MipProjection, x: f64, y: f64) -> u16 {
    p.pixel_at(x, y)
        .map_or(0, |(c, r)| p.labels[r * p.width + c])
}

/// One-pixel outlines where the projected label changes.
fn draw_outlines(img: &mut RgbaImage, labels: &[u16], selected: u16) {
    let (w, h) = img.dimensions();
    let at = |x: u32, y: u32| labels[(y * w + x) as usize];
    for y in 0..h {
        for x in 0..w {
            let l = at(x, y);
            let right = if x + 1 < w { at(x + 1, y) } else { l };
            let down = if y + 1 < h { at(x, y + 1) } else { l };
            if (l != right || l != down) && l.max(right).max(down) != 0 {
                let sel = selected != 0 && (l == selected || right == selected || down == selected);
                let colour = if sel {
                    OUTLINE_SELECTED
                } else if l.max(right).max(down) & QUIET_LABEL_BIT != 0 {
                    OUTLINE_QUIET
                } else {
                    OUTLINE
                };
                img.put_pixel(x, y, colour);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::mip::project;
    use crate::volume::{Geometry, Unit, Volume};
    use glam::DVec3;

    #[test]
    fn the_image_has_square_millimetres_hot_spots_dark_and_outlines() {
        let dims = [16, 16, 10];
        let g = Geometry::axial(dims, [4.0, 4.0, 6.0], DVec3::ZERO);
        let mut data = vec![0.0; 16 * 16 * 10];
        for z in 1..9 {
            for y in 2..14 {
                for x in 2..14 {
                    data[x + 16 * (y + 16 * z)] = 0.5;
                }
            }
        }
        let hot = 8 + 16 * (8 + 16 * 5);
        data[hot] = 10.0;
        let v = Volume::new(g, data, Unit::SuvBw).unwrap();
        let mut labels = vec![0u16; v.data.len()];
        labels[hot] = 1;
        let p = project(&v, Some(&labels), 0.0);
        let style = MipStyle {
            window: [0.0, 10.0],
            colormap: Colormap::InvertedGrey,
            outlines: true,
            selected: 0,
            shown: Vec::new(),
            reference: true,
        };
        let size = (120, 200);
        let img = mip_image(&p, &style, size);
        assert_eq!(img.dimensions(), size);
        // The projection fills the width with square millimetres, centred vertically.
        let (w_mm, h_mm) = p.size_mm();
        let (left, top, w, h) = fit((120.0, 200.0), &p);
        assert_eq!((left, w), (0.0, 120.0));
        assert!((f64::from(w / h) - w_mm / h_mm).abs() < 1e-4);
        assert!((top - (200.0 - h) / 2.0).abs() < 1e-4);
        assert!(img.pixels().any(|p| *p == OUTLINE));
        let with = |shown: Vec<u16>, outlines: bool| {
            let style = MipStyle {
                outlines,
                shown,
                ..style.clone()
            };
            mip_image(&p, &style, size)
        };
        let plain = with(Vec::new(), false);
        assert!(!plain.pixels().any(|p| *p == OUTLINE));
        let quiet = with(vec![0, 1 | QUIET_LABEL_BIT], true);
        assert!(quiet.pixels().any(|p| *p == OUTLINE_QUIET));
        assert!(!quiet.pixels().any(|p| *p == OUTLINE));
        let hidden = with(vec![0, 0], true);
        assert!(!hidden
            .pixels()
            .any(|p| *p == OUTLINE || *p == OUTLINE_QUIET));
        let darkest = plain.pixels().map(|p| p.0[0]).min().unwrap();
        assert!(
            darkest < 60,
            "the hot voxel is dark in inverted grey: {darkest}"
        );
        let lightest = plain.pixels().map(|p| p.0[0]).max().unwrap();
        assert!(lightest > 230, "the background is white: {lightest}");
        // A projection without a reference draws none, whatever the style.
        assert!(!img.pixels().any(|p| *p == OUTLINE_REFERENCE));
    }

    #[test]
    fn a_reference_silhouette_is_outlined_beside_the_lesion_outline() {
        let dims = [16, 16, 10];
        let g = Geometry::axial(dims, [4.0, 4.0, 6.0], DVec3::ZERO);
        // A body of SUV 1 in air (the projection frames it), a lesion of 8 inside.
        let mut data = vec![0.0; 16 * 16 * 10];
        for z in 1..9 {
            for y in 2..14 {
                for x in 2..14 {
                    data[x + 16 * (y + 16 * z)] = 1.0;
                }
            }
        }
        let mut mask = vec![0u8; data.len()];
        let mut labels = vec![0u16; data.len()];
        for z in 4..7 {
            for x in 6..10 {
                let i = x + 16 * (8 + 16 * z);
                data[i] = 8.0;
                mask[i] = 1;
                labels[i] = 1;
            }
        }
        let v = Volume::new(g, data, Unit::SuvBw).unwrap();
        let p = crate::analysis::mip::project_with_reference(&v, Some(&labels), Some(&mask), 0.0);
        let style = MipStyle {
            window: [0.0, 10.0],
            colormap: Colormap::InvertedGrey,
            outlines: true,
            selected: 0,
            shown: Vec::new(),
            reference: true,
        };
        let img = mip_image(&p, &style, (160, 160));
        let count = |img: &RgbaImage, c: Rgba<u8>| img.pixels().filter(|p| **p == c).count();
        let (m, g) = (count(&img, OUTLINE_REFERENCE), count(&img, OUTLINE));
        assert!(m > 20 && g > 20, "magenta {m}, green {g}");
        let hidden = mip_image(
            &p,
            &MipStyle {
                reference: false,
                ..style
            },
            (160, 160),
        );
        assert_eq!(count(&hidden, OUTLINE_REFERENCE), 0);
    }
}
