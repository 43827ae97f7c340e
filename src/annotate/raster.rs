//! Pixel primitives shared by the annotation drawers: clipped rectangles, a text coverage mask,
//! source-over blending and saturating conversions.

use image::{Rgba, RgbaImage};

/// `v` clamped into `u32` (negative values to 0).
pub(super) fn saturate_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

/// `v` clamped into `i32`; clipping treats a saturated coordinate like the original.
pub(super) fn saturate_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

/// A colour channel in 0..=1 as a byte (rounded, clamped).
pub(super) fn unit_to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Half-open pixel rectangle `[x0, x1) x [y0, y1)` in image coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Rect {
    pub(super) x0: i64,
    pub(super) y0: i64,
    pub(super) x1: i64,
    pub(super) y1: i64,
}

impl Rect {
    pub(super) fn new(x: i64, y: i64, w: i64, h: i64) -> Self {
        Rect {
            x0: x,
            y0: y,
            x1: x.saturating_add(w.max(0)),
            y1: y.saturating_add(h.max(0)),
        }
    }

    pub(super) fn of_image(img: &RgbaImage) -> Self {
        Rect::new(0, 0, i64::from(img.width()), i64::from(img.height()))
    }

    pub(super) fn width(&self) -> i64 {
        self.x1 - self.x0
    }

    pub(super) fn height(&self) -> i64 {
        self.y1 - self.y0
    }

    pub(super) fn expand(&self, by: i64) -> Self {
        Rect {
            x0: self.x0.saturating_sub(by),
            y0: self.y0.saturating_sub(by),
            x1: self.x1.saturating_add(by),
            y1: self.y1.saturating_add(by),
        }
    }

    /// The overlap, or `None` if it is empty.
    pub(super) fn intersect(&self, other: &Rect) -> Option<Rect> {
        let r = Rect {
            x0: self.x0.max(other.x0),
            y0: self.y0.max(other.y0),
            x1: self.x1.min(other.x1),
            y1: self.y1.min(other.y1),
        };
        (r.x0 < r.x1 && r.y0 < r.y1).then_some(r)
    }
}

/// Per-pixel coverage of a text run over a (clipped) rectangle: none, outline or ink.
pub(super) struct Mask {
    area: Rect,
    cells: Vec<u8>,
}

impl Mask {
    pub(super) const OUTLINE: u8 = 1;
    pub(super) const INK: u8 = 2;

    pub(super) fn new(area: Rect) -> Self {
        let len = (area.width() * area.height()) as usize;
        Mask {
            area,
            cells: vec![0; len],
        }
    }

    /// Raises the coverage of the part of `rect` inside the mask to at least `value`.
    pub(super) fn mark(&mut self, rect: &Rect, value: u8) {
        let Some(r) = rect.intersect(&self.area) else {
            return;
        };
        let stride = self.area.width();
        for y in r.y0..r.y1 {
            let row = (y - self.area.y0) * stride;
            let start = (row + r.x0 - self.area.x0) as usize;
            let end = (row + r.x1 - self.area.x0) as usize;
            for cell in &mut self.cells[start..end] {
                *cell = (*cell).max(value);
            }
        }
    }

    /// Blends `outline` and `ink` onto the covered pixels.
    pub(super) fn composite(&self, img: &mut RgbaImage, outline: [u8; 4], ink: [u8; 4]) {
        let stride = self.area.width();
        for (i, &cell) in self.cells.iter().enumerate() {
            let colour = match cell {
                Mask::INK => ink,
                Mask::OUTLINE => outline,
                _ => continue,
            };
            let x = self.area.x0 + i as i64 % stride;
            let y = self.area.y0 + i as i64 / stride;
            blend_pixel(img, x, y, colour);
        }
    }
}

/// Blends `colour` over the whole part of `rect` inside the image.
pub(super) fn fill_rect(img: &mut RgbaImage, rect: &Rect, colour: [u8; 4]) {
    let Some(r) = rect.intersect(&Rect::of_image(img)) else {
        return;
    };
    for y in r.y0..r.y1 {
        for x in r.x0..r.x1 {
            blend_pixel(img, x, y, colour);
        }
    }
}

/// Source-over blend of a straight-alpha colour onto one pixel; ignores pixels outside.
pub(super) fn blend_pixel(img: &mut RgbaImage, x: i64, y: i64, colour: [u8; 4]) {
    let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
        return;
    };
    let Some(pixel) = img.get_pixel_mut_checked(x, y) else {
        return;
    };
    let a = u32::from(colour[3]);
    if a == 255 {
        *pixel = Rgba(colour);
        return;
    }
    if a == 0 {
        return;
    }
    let dst = pixel.0;
    let dst_a = u32::from(dst[3]);
    // Output alpha and colour in 0..=255 * 255 fixed point.
    let out_a = a * 255 + dst_a * (255 - a);
    if out_a == 0 {
        return;
    }
    let mut out = [0u8; 4];
    for c in 0..3 {
        let num = u32::from(colour[c]) * a * 255 + u32::from(dst[c]) * dst_a * (255 - a);
        out[c] = ((num + out_a / 2) / out_a).min(255) as u8;
    }
    out[3] = ((out_a + 127) / 255).min(255) as u8;
    *pixel = Rgba(out);
}
