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

use image::{Rgba, RgbaImage};

use super::colormap::Colormap;

/// Glyph width in font pixels.
const GLYPH_W: usize = 5;
/// Glyph height in font pixels (7 above the baseline, 2 descender rows).
const GLYPH_H: usize = 9;
/// Horizontal advance per character, in font pixels (glyph plus one column of space).
const ADVANCE_X: i64 = 6;
/// Vertical advance per line, in font pixels (glyph plus two rows of space).
const ADVANCE_Y: i64 = 11;
/// Largest honoured text scale; larger values are clamped (keeps all arithmetic in range).
const MAX_SCALE: u32 = 4096;

/// Drawn for characters the font lacks.
const BOX_GLYPH: [u8; GLYPH_H] = [
    0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111, 0b00000, 0b00000,
];

/// Glyphs for ASCII 0x20 (space) to 0x7E (`~`), in order: 9 rows of 5 bits, bit 4 = left
/// column. Rows 0-6 hold capitals and digits, rows 7-8 descenders.
const ASCII_GLYPHS: [[u8; GLYPH_H]; 95] = [
    [
        0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // ' '
    [
        0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00100, 0b00000, 0b00000,
    ], // '!'
    [
        0b01010, 0b01010, 0b01010, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '"'
    [
        0b01010, 0b01010, 0b11111, 0b01010, 0b11111, 0b01010, 0b01010, 0b00000, 0b00000,
    ], // '#'
    [
        0b00100, 0b01111, 0b10100, 0b01110, 0b00101, 0b11110, 0b00100, 0b00000, 0b00000,
    ], // '$'
    [
        0b11000, 0b11001, 0b00010, 0b00100, 0b01000, 0b10011, 0b00011, 0b00000, 0b00000,
    ], // '%'
    [
        0b01100, 0b10010, 0b10100, 0b01000, 0b10101, 0b10010, 0b01101, 0b00000, 0b00000,
    ], // '&'
    [
        0b00100, 0b00100, 0b01000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '\''
    [
        0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010, 0b00000, 0b00000,
    ], // '('
    [
        0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000, 0b00000, 0b00000,
    ], // ')'
    [
        0b00000, 0b00100, 0b10101, 0b01110, 0b10101, 0b00100, 0b00000, 0b00000, 0b00000,
    ], // '*'
    [
        0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000, 0b00000, 0b00000,
    ], // '+'
    [
        0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100, 0b00100, 0b01000,
    ], // ','
    [
        0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '-'
    [
        0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100, 0b00000, 0b00000,
    ], // '.'
    [
        0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000, 0b00000, 0b00000,
    ], // '/'
    [
        0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // '0'
    [
        0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110, 0b00000, 0b00000,
    ], // '1'
    [
        0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111, 0b00000, 0b00000,
    ], // '2'
    [
        0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // '3'
    [
        0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010, 0b00000, 0b00000,
    ], // '4'
    [
        0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // '5'
    [
        0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // '6'
    [
        0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00000, 0b00000,
    ], // '7'
    [
        0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // '8'
    [
        0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100, 0b00000, 0b00000,
    ], // '9'
    [
        0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000, 0b00000, 0b00000,
    ], // ':'
    [
        0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00100, 0b01000, 0b00000,
    ], // ';'
    [
        0b00010, 0b00100, 0b01000, 0b10000, 0b01000, 0b00100, 0b00010, 0b00000, 0b00000,
    ], // '<'
    [
        0b00000, 0b00000, 0b11111, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '='
    [
        0b01000, 0b00100, 0b00010, 0b00001, 0b00010, 0b00100, 0b01000, 0b00000, 0b00000,
    ], // '>'
    [
        0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b00000, 0b00100, 0b00000, 0b00000,
    ], // '?'
    [
        0b01110, 0b10001, 0b00001, 0b01101, 0b10101, 0b10101, 0b01110, 0b00000, 0b00000,
    ], // '@'
    [
        0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'A'
    [
        0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110, 0b00000, 0b00000,
    ], // 'B'
    [
        0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // 'C'
    [
        0b11100, 0b10010, 0b10001, 0b10001, 0b10001, 0b10010, 0b11100, 0b00000, 0b00000,
    ], // 'D'
    [
        0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111, 0b00000, 0b00000,
    ], // 'E'
    [
        0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000, 0b00000, 0b00000,
    ], // 'F'
    [
        0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111, 0b00000, 0b00000,
    ], // 'G'
    [
        0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'H'
    [
        0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110, 0b00000, 0b00000,
    ], // 'I'
    [
        0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100, 0b00000, 0b00000,
    ], // 'J'
    [
        0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001, 0b00000, 0b00000,
    ], // 'K'
    [
        0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111, 0b00000, 0b00000,
    ], // 'L'
    [
        0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'M'
    [
        0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'N'
    [
        0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // 'O'
    [
        0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000, 0b00000, 0b00000,
    ], // 'P'
    [
        0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101, 0b00000, 0b00000,
    ], // 'Q'
    [
        0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001, 0b00000, 0b00000,
    ], // 'R'
    [
        0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110, 0b00000, 0b00000,
    ], // 'S'
    [
        0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00000,
    ], // 'T'
    [
        0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // 'U'
    [
        0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00000, 0b00000,
    ], // 'V'
    [
        0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010, 0b00000, 0b00000,
    ], // 'W'
    [
        0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'X'
    [
        0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00000,
    ], // 'Y'
    [
        0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111, 0b00000, 0b00000,
    ], // 'Z'
    [
        0b01110, 0b01000, 0b01000, 0b01000, 0b01000, 0b01000, 0b01110, 0b00000, 0b00000,
    ], // '['
    [
        0b00000, 0b10000, 0b01000, 0b00100, 0b00010, 0b00001, 0b00000, 0b00000, 0b00000,
    ], // '\\'
    [
        0b01110, 0b00010, 0b00010, 0b00010, 0b00010, 0b00010, 0b01110, 0b00000, 0b00000,
    ], // ']'
    [
        0b00100, 0b01010, 0b10001, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '^'
    [
        0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111, 0b00000,
    ], // '_'
    [
        0b01000, 0b00100, 0b00010, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '`'
    [
        0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111, 0b00000, 0b00000,
    ], // 'a'
    [
        0b10000, 0b10000, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b00000, 0b00000,
    ], // 'b'
    [
        0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // 'c'
    [
        0b00001, 0b00001, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00000, 0b00000,
    ], // 'd'
    [
        0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110, 0b00000, 0b00000,
    ], // 'e'
    [
        0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000, 0b00000, 0b00000,
    ], // 'f'
    [
        0b00000, 0b00000, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110,
    ], // 'g'
    [
        0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'h'
    [
        0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110, 0b00000, 0b00000,
    ], // 'i'
    [
        0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100,
    ], // 'j'
    [
        0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b00000, 0b00000,
    ], // 'k'
    [
        0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110, 0b00000, 0b00000,
    ], // 'l'
    [
        0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10101, 0b10001, 0b00000, 0b00000,
    ], // 'm'
    [
        0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001, 0b00000, 0b00000,
    ], // 'n'
    [
        0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110, 0b00000, 0b00000,
    ], // 'o'
    [
        0b00000, 0b00000, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000,
    ], // 'p'
    [
        0b00000, 0b00000, 0b01111, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b00001,
    ], // 'q'
    [
        0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000, 0b00000, 0b00000,
    ], // 'r'
    [
        0b00000, 0b00000, 0b01111, 0b10000, 0b01110, 0b00001, 0b11110, 0b00000, 0b00000,
    ], // 's'
    [
        0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110, 0b00000, 0b00000,
    ], // 't'
    [
        0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101, 0b00000, 0b00000,
    ], // 'u'
    [
        0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100, 0b00000, 0b00000,
    ], // 'v'
    [
        0b00000, 0b00000, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010, 0b00000, 0b00000,
    ], // 'w'
    [
        0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b00000, 0b00000,
    ], // 'x'
    [
        0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110,
    ], // 'y'
    [
        0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111, 0b00000, 0b00000,
    ], // 'z'
    [
        0b00010, 0b00100, 0b00100, 0b01000, 0b00100, 0b00100, 0b00010, 0b00000, 0b00000,
    ], // '{'
    [
        0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000, 0b00000,
    ], // '|'
    [
        0b01000, 0b00100, 0b00100, 0b00010, 0b00100, 0b00100, 0b01000, 0b00000, 0b00000,
    ], // '}'
    [
        0b00000, 0b00000, 0b01000, 0b10101, 0b00010, 0b00000, 0b00000, 0b00000, 0b00000,
    ], // '~'
];

/// Glyphs outside ASCII.
const EXTRA_GLYPHS: [(char, [u8; GLYPH_H]); 2] = [
    (
        '°',
        [
            0b01100, 0b10010, 0b10010, 0b01100, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000,
        ],
    ),
    (
        'µ',
        [
            0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b11101, 0b10000, 0b10000,
        ],
    ),
];

/// Colour of text outlines (the alpha is taken from the text colour).
const SHADOW_RGB: [u8; 3] = [0, 0, 0];
/// Colour of annotation text, colour bar ticks and border.
const WHITE: [u8; 4] = [255, 255, 255, 255];

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

/// Draws a vertical colour bar for `colormap` along the right edge of `img`, `hi` at the top and
/// `lo` at the bottom, with a thin white border, tick labels at `lo`, `hi` and a few round
/// values between (e.g. 0, 1, 2, 3, 4, 5 for SUV 0-5 on a large image; 0, 2.5, 5 on a small
/// one) and `label` (e.g. "SUV", "Bq/mL", "HU") above.
///
/// The bar is 1/20 of the width wide (at least 3 px) and 60 % of the height tall, centred
/// vertically, and leaves a column free at the right edge for an orientation letter (see
/// [`draw_orientation_letters`]) unless the image is too narrow for that. Everything stays in the
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

/// Draws orientation letters (e.g. "R", "L", "A", "P", "S", "I") centred on the middle of each
/// edge, inset by a small margin, in white with an outline at [`text_scale_for`]. Empty strings
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
/// same [`text_scale_for`] scale as the colour bar text.
pub fn draw_label(img: &mut RgbaImage, x: i32, y: i32, text: &str) {
    let style = annotation_style(img);
    draw_text_styled(img, x, y, text, &style);
}

/// White outlined text at the scale that suits `img`.
fn annotation_style(img: &RgbaImage) -> TextStyle {
    TextStyle::new(text_scale_for(img.width(), img.height()), WHITE).with_shadow()
}

/// Distance kept from the image edges: 1/64 of the smaller side, at least 2 px.
fn edge_margin(width: u32, height: u32) -> i64 {
    (i64::from(width.min(height)) / 64).max(2)
}

/// [`draw_text_styled`] with i64 coordinates, saturated into i32 (which clips the same way).
fn draw_at(img: &mut RgbaImage, x: i64, y: i64, text: &str, style: &TextStyle) {
    draw_text_styled(img, saturate_i32(x), saturate_i32(y), text, style);
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

/// The glyph for `ch`, or a box if the font lacks it.
fn glyph(ch: char) -> &'static [u8; GLYPH_H] {
    let code = ch as u32;
    if (0x20..0x7f).contains(&code) {
        if let Some(g) = ASCII_GLYPHS.get((code - 0x20) as usize) {
            return g;
        }
    }
    EXTRA_GLYPHS
        .iter()
        .find(|(c, _)| *c == ch)
        .map_or(&BOX_GLYPH, |(_, g)| g)
}

fn effective_scale(scale: u32) -> u32 {
    scale.clamp(1, MAX_SCALE)
}

fn saturate_u32(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

fn saturate_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

fn unit_to_u8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Half-open pixel rectangle `[x0, x1) x [y0, y1)` in image coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rect {
    x0: i64,
    y0: i64,
    x1: i64,
    y1: i64,
}

impl Rect {
    fn new(x: i64, y: i64, w: i64, h: i64) -> Self {
        Rect {
            x0: x,
            y0: y,
            x1: x.saturating_add(w.max(0)),
            y1: y.saturating_add(h.max(0)),
        }
    }

    fn of_image(img: &RgbaImage) -> Self {
        Rect::new(0, 0, i64::from(img.width()), i64::from(img.height()))
    }

    fn width(&self) -> i64 {
        self.x1 - self.x0
    }

    fn height(&self) -> i64 {
        self.y1 - self.y0
    }

    fn expand(&self, by: i64) -> Self {
        Rect {
            x0: self.x0.saturating_sub(by),
            y0: self.y0.saturating_sub(by),
            x1: self.x1.saturating_add(by),
            y1: self.y1.saturating_add(by),
        }
    }

    /// The overlap, or `None` if it is empty.
    fn intersect(&self, other: &Rect) -> Option<Rect> {
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
struct Mask {
    area: Rect,
    cells: Vec<u8>,
}

impl Mask {
    const OUTLINE: u8 = 1;
    const INK: u8 = 2;

    fn new(area: Rect) -> Self {
        let len = (area.width() * area.height()) as usize;
        Mask {
            area,
            cells: vec![0; len],
        }
    }

    /// Raises the coverage of the part of `rect` inside the mask to at least `value`.
    fn mark(&mut self, rect: &Rect, value: u8) {
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
    fn composite(&self, img: &mut RgbaImage, outline: [u8; 4], ink: [u8; 4]) {
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
fn fill_rect(img: &mut RgbaImage, rect: &Rect, colour: [u8; 4]) {
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
fn blend_pixel(img: &mut RgbaImage, x: i64, y: i64, colour: [u8; 4]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Bounding box (x0, y0, x1, y1) exclusive of pixels that differ from `background`.
    fn changed_bbox(img: &RgbaImage, background: Rgba<u8>) -> Option<(u32, u32, u32, u32)> {
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

    const BG: Rgba<u8> = Rgba([40, 40, 40, 255]);

    #[test]
    fn every_printable_ascii_char_has_a_glyph() {
        for code in 0x20u8..0x7f {
            let g = glyph(char::from(code));
            assert_ne!(*g, BOX_GLYPH, "{}", char::from(code));
            assert!(g.iter().all(|row| *row < 32));
            // Only letters and some punctuation use the descender rows.
            if code.is_ascii_uppercase() || code.is_ascii_digit() {
                assert_eq!(g[7] | g[8], 0, "{}", char::from(code));
            }
        }
        for ch in ['°', 'µ'] {
            assert_ne!(*glyph(ch), BOX_GLYPH);
        }
        assert_eq!(*glyph('€'), BOX_GLYPH);
        assert_eq!(*glyph('\t'), BOX_GLYPH);
    }

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

    #[test]
    fn text_scale_by_image_size() {
        assert_eq!(text_scale_for(64, 64), 1);
        assert_eq!(text_scale_for(299, 1000), 1);
        assert_eq!(text_scale_for(512, 512), 2);
        assert_eq!(text_scale_for(1920, 1080), 2);
        assert_eq!(text_scale_for(1500, 1500), 3);
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
            super::super::export::write_png_atomic(&img, &dir.join(name)).expect("write preview");
        }
    }
}
